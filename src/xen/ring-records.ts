/**
 * A ring's declaration (protocol/xen RingTypeDecl) compiled for one ABI: which struct a request slot holds
 * (by its discriminating member), the per-record segment rule, the words of a ctrl request's data[], and
 * which slots are extra-info slots. `dump xen` (ring-image.ts) and the typed ends read the ring's records
 * through this, so the knowledge lives only in protocol/.
 */
import type { AbiName, ExtraSlotsDecl, RecordVariantDecl, RingTypeDecl } from '../../protocol/index.js';
import { codecFor, type StructCodec } from '../codec/codec.js';
import { numberField, type NumberField } from '../codec/views.js';
import { LayoutError } from '../errors.js';
import { xenConstant } from './xen-constants.js';

export interface RecordVariant {
  /** The discriminant's value (BLKIF_OP_DISCARD = 5). */
  readonly value: number;
  readonly constant: string;
  readonly op: string;
  readonly codec: StructCodec;
  /** The segment array, its count member and the largest count allowed (a per-record rule). */
  readonly segments?: { readonly array: string; readonly count: NumberField; readonly countPath: string; readonly max: number; readonly maxName: string; readonly rule: string };
  /** What the words of an array member carry (ctrl data[]). */
  readonly words?: { readonly array: string; readonly names: readonly string[] };
}

export interface ExtraSlots {
  readonly flagsField: NumberField;
  readonly flag: number;
  readonly codec: StructCodec;
  readonly moreField: NumberField;
  readonly moreFlag: number;
}

export interface RingRecords {
  readonly decl: RingTypeDecl;
  /** The request variants, in declaration order (empty when every request is the one struct). */
  readonly variants: readonly RecordVariant[];
  /** Path of the discriminating member, `blkif_request.operation`. */
  readonly selectorPath?: string;
  readonly unnamed?: 'violation' | 'unsupported';
  /** The discriminant's value in a request slot at `base` (undefined when the ring has no variants). */
  selector(dv: DataView, base: number): number | undefined;
  /** The variant a request slot holds; undefined when the ring has none or its value names none. */
  variantOf(dv: DataView, base: number): RecordVariant | undefined;
  variantByOp(op: string): RecordVariant | undefined;
  readonly requestExtras?: ExtraSlots;
  readonly responseExtras?: ExtraSlots;
}

export function compileRingRecords(decl: RingTypeDecl, abi: AbiName, request: StructCodec): RingRecords {
  const rv = decl.requestVariants;
  let selectorField: NumberField | undefined;
  const variants: RecordVariant[] = [];
  if (rv !== undefined) {
    selectorField = numberField(request.layout, rv.by);
    for (const v of rv.variants) variants.push(compileVariant(v, abi, request, rv.by, selectorField));
  }
  const byValue = new Map(variants.map((v) => [v.value, v]));
  const byOp = new Map(variants.map((v) => [v.op, v]));
  const sel = selectorField;
  return Object.freeze({
    decl,
    variants,
    ...(rv === undefined ? {} : { selectorPath: `${decl.request}.${rv.by}`, unnamed: rv.unnamed }),
    selector: (dv: DataView, base: number) => (sel === undefined ? undefined : sel.get(dv, base)),
    variantOf: (dv: DataView, base: number) => (sel === undefined ? undefined : byValue.get(sel.get(dv, base))),
    variantByOp: (op: string) => byOp.get(op),
    ...(decl.requestExtras === undefined ? {} : { requestExtras: compileExtras(decl.requestExtras, abi, request) }),
    ...(decl.responseExtras === undefined ? {} : { responseExtras: compileExtras(decl.responseExtras, abi, codecFor(decl.response, { abi })) }),
  });
}

function compileVariant(v: RecordVariantDecl, abi: AbiName, request: StructCodec, by: string, selector: NumberField): RecordVariant {
  const codec = v.struct === undefined ? request : codecFor(v.struct, { abi });
  // The discriminant must sit where the ring's request struct has it, or a slot could not be classified.
  const own = numberField(codec.layout, by);
  if (own.offset !== selector.offset || own.size !== selector.size) {
    throw new LayoutError('LAYOUT_SELF_CHECK', `${codec.layout.name}.${by} is at ${own.offset}, not at ${selector.offset} as in ${request.layout.name}.`, {
      path: `${codec.layout.name}.${by}`, expected: selector.offset, received: own.offset,
    });
  }
  const s = v.segments;
  return Object.freeze({
    value: xenConstant(v.constant), constant: v.constant, op: v.op, codec,
    ...(s === undefined ? {} : {
      segments: { array: s.array, count: numberField(codec.layout, s.count), countPath: `${codec.layout.name}.${s.count}`, max: xenConstant(s.max), maxName: s.max, rule: s.rule },
    }),
    ...(v.words === undefined ? {} : { words: v.words }),
  });
}

function compileExtras(e: ExtraSlotsDecl, abi: AbiName, main: StructCodec): ExtraSlots {
  const codec = codecFor(e.struct, { abi });
  return Object.freeze({
    flagsField: numberField(main.layout, e.flagsMember), flag: xenConstant(e.flag),
    codec, moreField: numberField(codec.layout, e.moreMember), moreFlag: xenConstant(e.moreFlag),
  });
}

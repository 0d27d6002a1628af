/**
 * A ring type made by ring.h's DEFINE_RING_TYPES(name, request, response) for one ABI: the request and
 * response codecs, the size of `union name_sring_entry`, and where the shared header's fields lie. Every
 * offset comes from protocol/ through layoutOf; nothing here restates one.
 */
import { type AbiName, type StructDecl, type RingTypeDecl, type XenRingName, xenRingTypes, XEN_PAGE_SHIFT, MAX_RING_PAGE_ORDER } from '../../protocol/index.js';
import { compileRingRecords, type RingRecords } from './ring-records.js';
import { layoutOf, structDecl } from '../layout/compile.js';
import { LayoutError } from '../errors.js';
import type { StructLayout } from '../layout/layout.js';
import { parseAbi } from '../layout/abi-name.js';
import { numberField } from '../codec/views.js';
import { codecFor, type StructCodec } from '../codec/codec.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { roundDownPow2 } from './ring-index.js';

export type { XenRingName };

/** Every declared ring's name (protocol/xen/rings.ts), in declaration order. */
export const xenRingNames: readonly XenRingName[] = Object.freeze(xenRingTypes.map((t) => t.name));

/** Byte offsets of `struct name_sring`'s members, from the xen_sring_header declaration. */
export interface SringHeaderOffsets {
  readonly reqProd: number;
  readonly reqEvent: number;
  readonly rspProd: number;
  readonly rspEvent: number;
  /** Offsets of every member declared `sharedIndex`: the words a peer publishes, accessed atomically. */
  readonly sharedIndices: readonly number[];
  readonly pvt: number;
  readonly pvtSize: number;
  readonly pad: number;
  readonly padSize: number;
  /** offsetof(struct name_sring, ring): where slot 0 begins. */
  readonly ring: number;
}

export interface XenRingType {
  readonly name: XenRingName;
  readonly abi: AbiName;
  readonly request: StructCodec;
  readonly response: StructCodec;
  /** The ring's declaration (protocol/xen): request variants, extra-info slots, per-record rules. */
  readonly decl: RingTypeDecl;
  /** The declaration compiled for this ABI. */
  readonly records: RingRecords;
  /** sizeof(union name_sring_entry): the larger record, rounded up to the union's alignment. */
  readonly entrySize: number;
  readonly header: SringHeaderOffsets;
  /** Bytes of a ring of 2^order pages: 4096 << order. */
  ringBytes(order: number): number;
  /** __CONST_RING_SIZE / __RING_SIZE: entries in a ring of 2^order pages. */
  nrEnts(order: number): number;
}

let headerOffsets: SringHeaderOffsets | undefined;

/**
 * The header offsets, from the xen_sring_header declaration. The four index words are the members the
 * declaration marks `sharedIndex` (only those are accessed atomically, through RingPort.loadIndex32 /
 * storeIndex32); a declaration that stops marking one of ring.h's four is refused, so the flag cannot drift
 * from what SharedRing does.
 */
function sringHeader(): SringHeaderOffsets {
  if (headerOffsets === undefined) headerOffsets = sringHeaderOffsets(structDecl('xen_sring_header'), layoutOf('xen_sring_header'));
  return headerOffsets;
}

/** sringHeader's derivation over any declaration and its layout (exported so the refusal can be tested). */
export function sringHeaderOffsets(decl: StructDecl, l: StructLayout): SringHeaderOffsets {
  const shared = new Map<string, number>();
  for (const f of decl.fields) if (f.sharedIndex === true) shared.set(f.name, numberField(l, f.name).offset);
  const index = (name: string): number => {
    const o = shared.get(name);
    if (o === undefined) {
      throw new LayoutError('LAYOUT_SELF_CHECK', `xen_sring_header.${name} must be declared sharedIndex: ring.h's producers and consumers publish it to the peer.`, {
        path: `xen_sring_header.${name}`, expected: 'sharedIndex: true', received: [...shared.keys()],
      });
    }
    return o;
  };
  const member = (name: string) => {
    const f = l.fields.find((x) => x.name === name);
    if (f === undefined) throw new LayoutError('LAYOUT_SELF_CHECK', `xen_sring_header lacks ${name}.`, { path: `xen_sring_header.${name}` });
    return f;
  };
  const pvt = member('pvt');
  const pad = member('__pad');
  return Object.freeze({
    reqProd: index('req_prod'),
    reqEvent: index('req_event'),
    rspProd: index('rsp_prod'),
    rspEvent: index('rsp_event'),
    sharedIndices: Object.freeze([...shared.values()]),
    pvt: pvt.offset, pvtSize: pvt.size,
    pad: pad.offset, padSize: pad.size,
    ring: l.size,
  });
}

const types = new Map<string, XenRingType>();

/** The ring type `name` (one of xenRingNames) for an ABI (x86_64 by default). */
export function ringType(name: XenRingName, options: { abi?: AbiName | string } = {}): XenRingType {
  // Takes ringwire's ABI names and the protocols.h spellings; an unknown one is LayoutError UNKNOWN_ABI.
  const abi = parseAbi(options.abi ?? 'x86_64');
  const key = `${name}/${abi}`;
  let t = types.get(key);
  if (t !== undefined) return t;
  const decl: RingTypeDecl | undefined = xenRingTypes.find((d) => d.name === name);
  if (decl === undefined) {
    throw new RingError(xenRingErrorCodes.UNKNOWN_RING_TYPE, `Unknown Xen ring type "${String(name)}".`, {
      received: name, expected: xenRingNames,
    });
  }
  const request = codecFor(decl.request, { abi });
  const response = codecFor(decl.response, { abi });
  const align = Math.max(request.layout.align, response.layout.align);
  const entrySize = Math.ceil(Math.max(request.size, response.size) / align) * align;
  const header = sringHeader();
  t = Object.freeze({
    name, abi, request, response, decl, records: compileRingRecords(decl, abi, request), entrySize, header,
    ringBytes: (order: number) => checkOrder(order) && 1 << (XEN_PAGE_SHIFT + order),
    nrEnts: (order: number) => checkOrder(order) && roundDownPow2(Math.floor(((1 << (XEN_PAGE_SHIFT + order)) - header.ring) / entrySize)),
  });
  types.set(key, t);
  return t;
}

function checkOrder(order: number): true {
  if (!Number.isInteger(order) || order < 0 || order > MAX_RING_PAGE_ORDER) {
    throw new RingError(xenRingErrorCodes.BAD_MEMORY, `Ring-page order ${String(order)} is outside 0..${MAX_RING_PAGE_ORDER}.`, {
      received: order, expected: `0..${MAX_RING_PAGE_ORDER}`, rule: 'xenstore max-ring-page-order',
    });
  }
  return true;
}

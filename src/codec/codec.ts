/**
 * One struct's codec for one ABI: its layout plus decode, encode, describe and views, bound together.
 *
 * `codecFor('blkif_request', { abi })` is typed from the declaration (typed-record.ts): decode returns a
 * RecordOf<'blkif_request', abi>, encode takes a RecordInput, so a misspelled member is a compile error.
 * Its encode checks every member's presence, type and range at run time but does not scan the object for
 * extra members (the compile-time type refuses them; the free function `encode` also looks at run time).
 * `codecFor(name)` with a name only known at run time returns the untyped StructCodec.
 *
 * `int64: 'number'` makes a codec whose records hold 64-bit members as numbers (typed so): decode reads each
 * as two 32-bit halves, exact within ±(2^53 - 1), and throws CODEC_UNSAFE_INTEGER beyond; encode takes
 * numbers. Its decodeInto fills a reused record without allocating anything. bigint stays the default.
 */
import type { AbiName, TypedStructName } from '../../protocol/index.js';
import { layoutOf, type LayoutOptions } from '../layout/compile.js';
import type { StructLayout } from '../layout/layout.js';
import { decode, decodeChecked, decodeInto, requireBytes, type DecodedRecord } from './decode.js';
import { codecDecodeInto, wordsOf } from './compiled.js';
import { checkAbi } from './abi-tag.js';
import { CodecError } from '../errors.js';
import { asDataView } from './scalar-io.js';
import { boundEncoder, encodeToBytes } from './encode.js';
import { describe } from './describe.js';
import { fieldView, type ScalarField } from './views.js';
import type { Int64Mode, RecordInput, RecordOf, WithInt64 } from './typed-record.js';

export interface StructCodec {
  readonly layout: StructLayout;
  readonly size: number;
  /** How 64-bit members are given: 'bigint' (the default) or 'number'. */
  readonly int64: Int64Mode;
  decode(buf: Uint8Array | DataView, byteOffset?: number): DecodedRecord;
  /** decode into a record an earlier decode returned, reusing it (decode.ts decodeInto). */
  decodeInto(buf: Uint8Array | DataView, byteOffset: number, target: DecodedRecord): DecodedRecord;
  encode(value: unknown, buf: Uint8Array | DataView, byteOffset?: number): number;
  encodeToBytes(value: unknown): Uint8Array;
  describe(buf: Uint8Array | DataView, byteOffset?: number): string;
  field(path: string): ScalarField;
}

/**
 * A codec whose records are typed from the declaration of struct N on ABI(s) A, with 64-bit members as I
 * (bigint, or number for a codec made with `int64: 'number'`). Assignable to StructCodec.
 */
export interface TypedCodec<N extends TypedStructName, A extends AbiName = 'x86_64', I extends Int64Mode = 'bigint'> {
  readonly layout: StructLayout;
  readonly size: number;
  /** How 64-bit members are given: 'bigint' (the default) or 'number'. */
  readonly int64: I;
  decode(buf: Uint8Array | DataView, byteOffset?: number): WithInt64<RecordOf<N, A>, I>;
  decodeInto(buf: Uint8Array | DataView, byteOffset: number, target: WithInt64<RecordOf<N, A>, I>): WithInt64<RecordOf<N, A>, I>;
  encode(value: WithInt64<RecordInput<N, A>, I>, buf: Uint8Array | DataView, byteOffset?: number): number;
  encodeToBytes(value: WithInt64<RecordInput<N, A>, I>): Uint8Array;
  describe(buf: Uint8Array | DataView, byteOffset?: number): string;
  field(path: string): ScalarField;
}

/** Layout options, and how decode gives 64-bit members (`int64`: 'bigint', the default, or 'number'). */
export interface CodecOptions extends LayoutOptions {
  readonly int64?: Int64Mode;
}

/** Codec options whose ABI and 64-bit mode are type parameters, so the record type follows them. */
export interface TypedCodecOptions<A extends AbiName, I extends Int64Mode = Int64Mode> extends CodecOptions {
  readonly abi?: A;
  readonly int64?: I;
}

const codecs = { bigint: new Map<StructLayout, StructCodec>(), number: new Map<StructLayout, StructCodec>() };

export function codecFor<N extends TypedStructName, A extends AbiName = 'x86_64', I extends Int64Mode = 'bigint'>(name: N, options?: TypedCodecOptions<A, I>): TypedCodec<N, A, I>;
export function codecFor(name: string, options?: CodecOptions): StructCodec;
export function codecFor(name: string, options: CodecOptions = {}): StructCodec {
  const int64: Int64Mode = options.int64 ?? 'bigint';
  if (int64 !== 'bigint' && int64 !== 'number') {
    throw new CodecError('CODEC_BAD_OPTION', `codecFor(${JSON.stringify(name)}): int64 is ${JSON.stringify(int64)}; give 'bigint' or 'number'.`, { path: name, expected: "'bigint' | 'number'", received: int64 });
  }
  const layout = layoutOf(name, options);
  const cache = codecs[int64];
  let c = cache.get(layout);
  if (c === undefined) {
    const slow = (dv: DataView, off: number, target: DecodedRecord) => Object.assign(target, decodeChecked(layout, dv, off, int64));
    const into = codecDecodeInto(layout, int64, { asDataView, requireBytes, checkAbi, wordsOf, slow: slow as never });
    c = Object.freeze({
      layout,
      size: layout.size,
      int64,
      decode: (buf: Uint8Array | DataView, off = 0) => decode(layout, buf, off, int64),
      decodeInto: (into ?? ((buf: Uint8Array | DataView, off: number, target: DecodedRecord) => decodeInto(layout, buf, off, target, int64))) as StructCodec['decodeInto'],
      // Typed input: a member the struct lacks is a compile error, so no per-call scan for one (boundEncoder).
      encode: boundEncoder(layout, false),
      encodeToBytes: (v: unknown) => encodeToBytes(layout, v),
      describe: (buf: Uint8Array | DataView, off = 0) => describe(layout, buf, off),
      field: (path: string) => fieldView(layout, path),
    });
    cache.set(layout, c);
  }
  return c;
}

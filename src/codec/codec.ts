/**
 * One struct's codec for one ABI: its layout plus decode, encode, describe and views, bound together.
 *
 * `codecFor('blkif_request', { abi })` is typed from the declaration (typed-record.ts): decode returns a
 * RecordOf<'blkif_request', abi>, encode takes a RecordInput, so a misspelled member is a compile error.
 * Its encode checks every member's presence, type and range at run time but does not scan the object for
 * extra members (the compile-time type refuses them; the free function `encode` also looks at run time).
 * `codecFor(name)` with a name only known at run time returns the untyped StructCodec.
 */
import type { AbiName, TypedStructName } from '../../protocol/index.js';
import { layoutOf, type LayoutOptions } from '../layout/compile.js';
import type { StructLayout } from '../layout/layout.js';
import { decode, decodeInto, type DecodedRecord } from './decode.js';
import { encodeToBytes, encodeWith } from './encode.js';
import { describe } from './describe.js';
import { fieldView, type ScalarField } from './views.js';
import type { RecordInput, RecordOf } from './typed-record.js';

export interface StructCodec {
  readonly layout: StructLayout;
  readonly size: number;
  decode(buf: Uint8Array | DataView, byteOffset?: number): DecodedRecord;
  /** decode into a record an earlier decode returned, reusing it (decode.ts decodeInto). */
  decodeInto(buf: Uint8Array | DataView, byteOffset: number, target: DecodedRecord): DecodedRecord;
  encode(value: unknown, buf: Uint8Array | DataView, byteOffset?: number): number;
  encodeToBytes(value: unknown): Uint8Array;
  describe(buf: Uint8Array | DataView, byteOffset?: number): string;
  field(path: string): ScalarField;
}

/** A codec whose records are typed from the declaration of struct N on ABI(s) A. Assignable to StructCodec. */
export interface TypedCodec<N extends TypedStructName, A extends AbiName = 'x86_64'> {
  readonly layout: StructLayout;
  readonly size: number;
  decode(buf: Uint8Array | DataView, byteOffset?: number): RecordOf<N, A>;
  decodeInto(buf: Uint8Array | DataView, byteOffset: number, target: RecordOf<N, A>): RecordOf<N, A>;
  encode(value: RecordInput<N, A>, buf: Uint8Array | DataView, byteOffset?: number): number;
  encodeToBytes(value: RecordInput<N, A>): Uint8Array;
  describe(buf: Uint8Array | DataView, byteOffset?: number): string;
  field(path: string): ScalarField;
}

/** Layout options whose ABI is a type parameter, so the record type follows it. */
export interface TypedCodecOptions<A extends AbiName> extends LayoutOptions {
  readonly abi?: A;
}

const codecs = new Map<StructLayout, StructCodec>();

export function codecFor<N extends TypedStructName, A extends AbiName = 'x86_64'>(name: N, options?: TypedCodecOptions<A>): TypedCodec<N, A>;
export function codecFor(name: string, options?: LayoutOptions): StructCodec;
export function codecFor(name: string, options: LayoutOptions = {}): StructCodec {
  const layout = layoutOf(name, options);
  let c = codecs.get(layout);
  if (c === undefined) {
    c = Object.freeze({
      layout,
      size: layout.size,
      decode: (buf: Uint8Array | DataView, off = 0) => decode(layout, buf, off),
      decodeInto: (buf: Uint8Array | DataView, off: number, target: DecodedRecord) => decodeInto(layout, buf, off, target),
      // Typed input: a member the struct lacks is a compile error, so no per-call scan for one (encodeWith).
      encode: (v: unknown, buf: Uint8Array | DataView, off = 0) => encodeWith(layout, v, buf, off, false),
      encodeToBytes: (v: unknown) => encodeToBytes(layout, v),
      describe: (buf: Uint8Array | DataView, off = 0) => describe(layout, buf, off),
      field: (path: string) => fieldView(layout, path),
    });
    codecs.set(layout, c);
  }
  return c;
}

/**
 * One struct's codec for one ABI: its layout plus decode, encode, describe and views, bound together.
 */
import { layoutOf, type LayoutOptions } from '../layout/compile.js';
import type { StructLayout } from '../layout/layout.js';
import { decode, type DecodedRecord } from './decode.js';
import { encode, encodeToBytes } from './encode.js';
import { describe } from './describe.js';
import { fieldView, type ScalarField } from './views.js';

export interface StructCodec {
  readonly layout: StructLayout;
  readonly size: number;
  decode(buf: Uint8Array | DataView, byteOffset?: number): DecodedRecord;
  encode(value: unknown, buf: Uint8Array | DataView, byteOffset?: number): number;
  encodeToBytes(value: unknown): Uint8Array;
  describe(buf: Uint8Array | DataView, byteOffset?: number): string;
  field(path: string): ScalarField;
}

const codecs = new Map<StructLayout, StructCodec>();

export function codecFor(name: string, options: LayoutOptions = {}): StructCodec {
  const layout = layoutOf(name, options);
  let c = codecs.get(layout);
  if (c === undefined) {
    c = Object.freeze({
      layout,
      size: layout.size,
      decode: (buf: Uint8Array | DataView, off = 0) => decode(layout, buf, off),
      encode: (v: unknown, buf: Uint8Array | DataView, off = 0) => encode(layout, v, buf, off),
      encodeToBytes: (v: unknown) => encodeToBytes(layout, v),
      describe: (buf: Uint8Array | DataView, off = 0) => describe(layout, buf, off),
      field: (path: string) => fieldView(layout, path),
    });
    codecs.set(layout, c);
  }
  return c;
}

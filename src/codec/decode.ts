/**
 * decode: C bytes → a plain object keyed by the C member names. 64-bit members become bigint, arrays become
 * arrays, a union becomes an object holding the one member its discriminant selects (as C code reads it).
 */
import type { FieldLayout, StructLayout } from '../layout/layout.js';
import { CodecError } from '../errors.js';
import { asDataView, readScalar } from './scalar-io.js';
import { fastDecoder } from './compiled.js';

export type DecodedScalar = number | bigint;
export type Decoded = DecodedScalar | Decoded[] | DecodedRecord;
export interface DecodedRecord { [member: string]: Decoded }

/** Throw CODEC_SHORT_BUFFER unless `size` bytes are readable at `byteOffset`. */
export function requireBytes(dv: DataView, byteOffset: number, size: number, what: string): void {
  if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset + size > dv.byteLength) {
    throw new CodecError('CODEC_SHORT_BUFFER',
      `${what} needs ${size} bytes at offset ${byteOffset}, but the buffer holds ${dv.byteLength}.`,
      { offset: byteOffset, path: what, expected: size, received: Math.max(0, dv.byteLength - Math.max(0, byteOffset)) });
  }
}

export function decode(layout: StructLayout, buf: Uint8Array | DataView, byteOffset = 0): DecodedRecord {
  const dv = asDataView(buf);
  requireBytes(dv, byteOffset, layout.size, layout.name);
  const fast = fastDecoder(layout);
  return fast !== null ? (fast(dv, byteOffset) as DecodedRecord) : decodeRecord(layout, dv, byteOffset);
}

function decodeRecord(l: StructLayout, dv: DataView, base: number): DecodedRecord {
  const out: DecodedRecord = {};
  if (l.kind === 'union') {
    // A union with no discriminant decodes as its raw member (the declaration's fallback), or its first.
    const m = l.fields[0];
    if (m !== undefined) out[m.name] = decodeMember(m, dv, base);
    return out;
  }
  for (const f of l.fields) {
    out[f.name] = f.select !== undefined && f.aggregate !== undefined
      ? decodeUnion(l, f, dv, base)
      : decodeMember(f, dv, base + f.offset);
  }
  return out;
}

/** The member a union field holds, chosen by the value of its discriminant. */
export function selectMember(owner: StructLayout, f: FieldLayout, dv: DataView, base: number): FieldLayout {
  const agg = f.aggregate as StructLayout;
  const sel = f.select;
  let name = sel?.fallback;
  if (sel?.by !== undefined) {
    const d = owner.fields.find((s) => s.name === sel.by);
    if (d?.scalar !== undefined) name = sel.members?.[Number(readScalar(dv, base + d.offset, d.scalar))] ?? sel.fallback;
  }
  return agg.fields.find((m) => m.name === name) ?? (agg.fields[0] as FieldLayout);
}

function decodeUnion(owner: StructLayout, f: FieldLayout, dv: DataView, base: number): DecodedRecord {
  const m = selectMember(owner, f, dv, base);
  return { [m.name]: decodeMember(m, dv, base + f.offset + m.offset) };
}

function decodeMember(f: FieldLayout, dv: DataView, at: number): Decoded {
  if (f.count === undefined) return decodeOne(f, dv, at);
  const arr: Decoded[] = new Array(f.count);
  for (let i = 0; i < f.count; i++) arr[i] = decodeOne(f, dv, at + i * f.elemSize);
  return arr;
}

function decodeOne(f: FieldLayout, dv: DataView, at: number): Decoded {
  if (f.scalar !== undefined) return readScalar(dv, at, f.scalar);
  return decodeRecord(f.aggregate as StructLayout, dv, at);
}

/** The decoded object with 64-bit values as decimal strings: the JSON form used by the CLI and fixtures. */
export function toJSONValue(v: Decoded): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(toJSONValue);
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) o[k] = toJSONValue(x);
  return o;
}

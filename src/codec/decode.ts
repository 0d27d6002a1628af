/**
 * decode: C bytes → a plain object keyed by the C member names. 64-bit members become bigint, arrays become
 * arrays, a union becomes an object holding the one member its discriminant selects (as C code reads it).
 * An anonymous member's members appear in the enclosing object, as C code names them: a virtio_net_hdr_v1
 * decodes with `csum_start`/`csum_offset`, or with `rsc` when its flags say so.
 */
import type { FieldLayout, StructLayout } from '../layout/layout.js';
import { CodecError } from '../errors.js';
import { asDataView, readScalar } from './scalar-io.js';
import { fastDecoder, fastDecoderInto, type FastDecoderInto } from './compiled.js';
import type { Int64Mode } from './typed-record.js';
import { findMember } from '../layout/members.js';
import { checkAbi } from './abi-tag.js';

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

/**
 * decode into `target`, a record an earlier decode of the same layout returned (or any object of that
 * shape): its members, arrays and nested records are overwritten in place, so a reader that decodes slot
 * after slot allocates nothing per record (in bigint mode, but the bigint of each 64-bit member). A target
 * of another shape, or a layout with unions, is decoded afresh and copied into `target`. Returns `target`.
 * `int64: 'number'` gives 64-bit members as numbers, and CODEC_UNSAFE_INTEGER (target untouched) for a
 * value beyond ±(2^53 - 1).
 */
export function decodeInto<T extends DecodedRecord>(layout: StructLayout, buf: Uint8Array | DataView, byteOffset: number, target: T, int64: Int64Mode = 'bigint'): T {
  const dv = asDataView(buf);
  requireBytes(dv, byteOffset, layout.size, layout.name);
  checkAbi(layout, dv, byteOffset, layout.size);
  return fillInto(layout, fastDecoderInto(layout, int64), dv, byteOffset, target, int64);
}

/**
 * decodeInto's last step (bounds and ABI checked by the caller): the generated filler `fast` when it takes
 * the target, else a fresh decode (which throws the typed error of a bad value) copied in.
 */
export function fillInto<T extends DecodedRecord>(layout: StructLayout, fast: FastDecoderInto | null, dv: DataView, byteOffset: number, target: T, int64: Int64Mode): T {
  if (fast !== null) {
    try {
      const r = fast(dv, byteOffset, target);
      if (r !== null) return r as T;
    } catch {
      // The target is not of the layout's shape (a nested record replaced by a primitive, or frozen): refill it whole.
    }
  }
  return Object.assign(target, decodeChecked(layout, dv, byteOffset, int64));
}

/**
 * A new record of the struct at `byteOffset`. `int64: 'number'` gives 64-bit members as numbers (exact) and
 * throws CODEC_UNSAFE_INTEGER for one beyond ±(2^53 - 1); 'bigint', the default, gives bigints.
 */
export function decode(layout: StructLayout, buf: Uint8Array | DataView, byteOffset = 0, int64: Int64Mode = 'bigint'): DecodedRecord {
  const dv = asDataView(buf);
  requireBytes(dv, byteOffset, layout.size, layout.name);
  checkAbi(layout, dv, byteOffset, layout.size);
  const fast = fastDecoder(layout, int64, generic);
  return fast !== null ? (fast(dv, byteOffset) as DecodedRecord) : decodeRecord(layout, dv, byteOffset, int64 === 'number', layout.name);
}

/** The generic number-mode decoder, for a fast decoder's value beyond ±(2^53 - 1) (it throws CODEC_UNSAFE_INTEGER). */
const generic = (layout: StructLayout, dv: DataView, base: number): DecodedRecord => decodeRecord(layout, dv, base, true, layout.name);

/** decode, bounds and ABI checked by the caller. */
export function decodeChecked(layout: StructLayout, dv: DataView, byteOffset: number, int64: Int64Mode): DecodedRecord {
  const fast = fastDecoder(layout, int64, generic);
  return fast !== null ? (fast(dv, byteOffset) as DecodedRecord) : decodeRecord(layout, dv, byteOffset, int64 === 'number', layout.name);
}

/**
 * `num`: 64-bit members as numbers; then `path` is the record's path (`blkif_request.seg[3]`), for the error
 * of a value a number cannot hold (built only in that mode).
 */
function decodeRecord(l: StructLayout, dv: DataView, base: number, num: boolean, path: string): DecodedRecord {
  const out: DecodedRecord = {};
  decodeMembers(l, dv, base, out, num, path);
  return out;
}

/** Decode the members of `l` into `out`; an anonymous member's members land in `out` itself (C11 6.7.2.1p13). */
function decodeMembers(l: StructLayout, dv: DataView, base: number, out: DecodedRecord, num: boolean, path: string): void {
  if (l.kind === 'union') {
    // A union with no discriminant decodes as its first member (the declaration puts the raw one first).
    const m = l.fields[0];
    if (m !== undefined) putMember(m, dv, base, out, num, path);
    return;
  }
  for (const f of l.fields) {
    if (f.select !== undefined && f.aggregate !== undefined) {
      const m = selectMember(l, f, dv, base);
      const at = base + f.offset;
      if (f.anonymous) {
        putMember(m, dv, at, out, num, path);
      } else {
        const u: DecodedRecord = {};
        putMember(m, dv, at, u, num, num ? `${path}.${f.name}` : path);
        out[f.name] = u;
      }
    } else {
      putMember(f, dv, base, out, num, path);
    }
  }
}

function putMember(f: FieldLayout, dv: DataView, base: number, out: DecodedRecord, num: boolean, path: string): void {
  if (f.anonymous && f.aggregate !== undefined) decodeMembers(f.aggregate, dv, base + f.offset, out, num, path);
  else out[f.name] = decodeMember(f, dv, base + f.offset, num, num ? `${path}.${f.name}` : path);
}

/**
 * The member a union field holds, chosen by the value of its discriminant (masked, for a flags bit); the
 * discriminant is a member of `owner`, the struct holding the union, found through anonymous members.
 */
export function selectMember(owner: StructLayout, f: FieldLayout, dv: DataView, base: number): FieldLayout {
  const agg = f.aggregate as StructLayout;
  const sel = f.select;
  let name = sel?.fallback;
  if (sel?.by !== undefined) {
    const d = findMember(owner, sel.by);
    if (d?.field.scalar !== undefined) {
      const v = Number(readScalar(dv, base + d.offset, d.field.scalar));
      name = sel.members?.[sel.mask === undefined ? v : v & sel.mask] ?? sel.fallback;
    }
  }
  return agg.fields.find((m) => m.name === name) ?? (agg.fields[0] as FieldLayout);
}

function decodeMember(f: FieldLayout, dv: DataView, at: number, num: boolean, path: string): Decoded {
  if (f.count === undefined) return decodeOne(f, dv, at, num, path);
  const arr: Decoded[] = new Array(f.count);
  for (let i = 0; i < f.count; i++) arr[i] = decodeOne(f, dv, at + i * f.elemSize, num, num ? `${path}[${i}]` : path);
  return arr;
}

function decodeOne(f: FieldLayout, dv: DataView, at: number, num: boolean, path: string): Decoded {
  if (f.scalar === undefined) return decodeRecord(f.aggregate as StructLayout, dv, at, num, path);
  const v = readScalar(dv, at, f.scalar);
  if (!num || typeof v === 'number') return v;
  if (v > MAX_SAFE || v < -MAX_SAFE) {
    throw new CodecError('CODEC_UNSAFE_INTEGER',
      `${path} at offset ${at} holds ${v}, beyond ±(2^53 - 1), which a number cannot hold exactly: decode it with int64 'bigint', or read it as 32-bit halves (bigField getLo / getHi).`,
      { offset: at, path, expected: '-(2^53 - 1) .. 2^53 - 1', received: v.toString() });
  }
  return Number(v);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);


/** The decoded object with 64-bit values as decimal strings: the JSON form used by the CLI and fixtures. */
export function toJSONValue(v: Decoded): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(toJSONValue);
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) o[k] = toJSONValue(x);
  return o;
}

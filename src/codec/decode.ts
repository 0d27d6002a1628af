/**
 * decode: C bytes → a plain object keyed by the C member names. 64-bit members become bigint, arrays become
 * arrays, a union becomes an object holding the one member its discriminant selects (as C code reads it).
 * An anonymous member's members appear in the enclosing object, as C code names them: a virtio_net_hdr_v1
 * decodes with `csum_start`/`csum_offset`, or with `rsc` when its flags say so.
 */
import type { FieldLayout, StructLayout } from '../layout/layout.js';
import { CodecError } from '../errors.js';
import { asDataView, readScalar } from './scalar-io.js';
import { fastDecoder, fastDecoderInto } from './compiled.js';
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
 * after slot allocates nothing per record (but the bigint of each 64-bit member). A layout with unions is
 * decoded afresh and copied into `target`. Returns `target`.
 */
export function decodeInto<T extends DecodedRecord>(layout: StructLayout, buf: Uint8Array | DataView, byteOffset: number, target: T): T {
  const dv = asDataView(buf);
  requireBytes(dv, byteOffset, layout.size, layout.name);
  checkAbi(layout, dv, byteOffset, layout.size);
  const fast = fastDecoderInto(layout);
  if (fast !== null && (shaped.has(target) || (isShaped(layout, target) && shaped.add(target) !== undefined))) {
    try {
      return fast(dv, byteOffset, target) as T;
    } catch {
      // The caller reshaped the target since (an array or record member replaced by something else): refill it whole.
      shaped.delete(target);
    }
  }
  return Object.assign(target, decode(layout, dv, byteOffset));
}

/** Targets already seen to have the layout's shape (checked once, not on every call). */
const shaped = new WeakSet<object>();

/** Whether `t` has every array member of the layout as an array of the right length (nested records too). */
function isShaped(l: StructLayout, t: unknown): boolean {
  if (t === null || typeof t !== 'object') return false;
  const r = t as Record<string, unknown>;
  for (const f of l.fields) {
    const m = r[f.name];
    if (f.count !== undefined) {
      if (!Array.isArray(m) || m.length !== f.count) return false;
      if (f.aggregate !== undefined) for (const e of m) if (!isShaped(f.aggregate, e)) return false;
    } else if (f.aggregate !== undefined && !isShaped(f.aggregate, m)) return false;
  }
  return true;
}

export function decode(layout: StructLayout, buf: Uint8Array | DataView, byteOffset = 0): DecodedRecord {
  const dv = asDataView(buf);
  requireBytes(dv, byteOffset, layout.size, layout.name);
  checkAbi(layout, dv, byteOffset, layout.size);
  const fast = fastDecoder(layout);
  return fast !== null ? (fast(dv, byteOffset) as DecodedRecord) : decodeRecord(layout, dv, byteOffset);
}

function decodeRecord(l: StructLayout, dv: DataView, base: number): DecodedRecord {
  const out: DecodedRecord = {};
  decodeMembers(l, dv, base, out);
  return out;
}

/** Decode the members of `l` into `out`; an anonymous member's members land in `out` itself (C11 6.7.2.1p13). */
function decodeMembers(l: StructLayout, dv: DataView, base: number, out: DecodedRecord): void {
  if (l.kind === 'union') {
    // A union with no discriminant decodes as its first member (the declaration puts the raw one first).
    const m = l.fields[0];
    if (m !== undefined) putMember(m, dv, base, out);
    return;
  }
  for (const f of l.fields) {
    if (f.select !== undefined && f.aggregate !== undefined) {
      const m = selectMember(l, f, dv, base);
      const at = base + f.offset;
      if (f.anonymous) {
        putMember(m, dv, at, out);
      } else {
        const u: DecodedRecord = {};
        putMember(m, dv, at, u);
        out[f.name] = u;
      }
    } else {
      putMember(f, dv, base, out);
    }
  }
}

function putMember(f: FieldLayout, dv: DataView, base: number, out: DecodedRecord): void {
  if (f.anonymous && f.aggregate !== undefined) decodeMembers(f.aggregate, dv, base + f.offset, out);
  else out[f.name] = decodeMember(f, dv, base + f.offset);
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

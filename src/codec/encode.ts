/**
 * encode: a plain object keyed by C member names → the struct's bytes, in a caller's buffer.
 *
 * Codec, not judge: every value is checked against its C type only (a uint8_t takes 0..255, whatever the
 * protocol allows), so records that break the protocol can be written on purpose. Validation runs over the
 * whole object before the first byte is written, so a rejected encode leaves the buffer untouched; padding
 * and unused union bytes are written as zero, as a memset-then-assign C sender would. An anonymous member's
 * members are given in the enclosing object, as C code names them (`csum_start`, or `csum`, or `rsc`).
 */
import type { FieldLayout, ScalarLeaf, StructLayout } from '../layout/layout.js';
import { CodecError, describeValue } from '../errors.js';
import { asDataView, scalarRange, writeScalar } from './scalar-io.js';
import { requireBytes } from './decode.js';
import { fastEncoder } from './compiled.js';
import { memberNames } from '../layout/members.js';
import { checkAbi } from './abi-tag.js';

/** Values encode accepts for an integer: a number, a bigint, or a decimal / 0x-hex string (JSON's 64-bit form). */
export type IntegerInput = number | bigint | string;

export function encode(layout: StructLayout, value: unknown, buf: Uint8Array | DataView, byteOffset = 0): number {
  return encodeWith(layout, value, buf, byteOffset, true);
}

/**
 * encode, with `scanKeys` false for callers whose input type already names only the struct's members (typed
 * codecs): every member is still checked for presence, type and range, and any value that fails takes the
 * full validation below, unknown members included.
 */
export function encodeWith(layout: StructLayout, value: unknown, buf: Uint8Array | DataView, byteOffset: number, scanKeys: boolean): number {
  const dv = asDataView(buf);
  // Memory tagged for an ABI this struct is laid out differently on is refused before anything is written.
  if (Number.isInteger(byteOffset)) checkAbi(layout, dv, byteOffset, layout.size);
  if (fastEncoder(layout, scanKeys)?.(value, dv, byteOffset) === true) return layout.size;
  return encodeChecked(layout, value, dv, byteOffset);
}

/**
 * encodeWith for one layout with its generated encoder looked up once, not per call (a typed codec's encode):
 * the same checks, bytes and errors.
 */
export function boundEncoder(layout: StructLayout, scanKeys: boolean): (value: unknown, buf: Uint8Array | DataView, byteOffset?: number) => number {
  const fast = fastEncoder(layout, scanKeys);
  const size = layout.size;
  return (value, buf, byteOffset = 0) => {
    const dv = buf instanceof DataView ? buf : asDataView(buf);
    if (Number.isInteger(byteOffset)) checkAbi(layout, dv, byteOffset, size);
    if (fast !== null && fast(value, dv, byteOffset)) return size;
    return encodeChecked(layout, value, dv, byteOffset);
  };
}

/** The full validation (the typed error of any bad value), then the generic writer. */
function encodeChecked(layout: StructLayout, value: unknown, dv: DataView, byteOffset: number): number {
  requireBytes(dv, byteOffset, layout.size, layout.name);
  validateRecord(layout, value, layout.name);
  for (let i = 0; i < layout.size; i++) dv.setUint8(byteOffset + i, 0);
  writeRecord(layout, value as Record<string, unknown>, dv, byteOffset);
  return layout.size;
}

/** encode into a fresh buffer of exactly sizeof bytes. */
export function encodeToBytes(layout: StructLayout, value: unknown): Uint8Array {
  const out = new Uint8Array(layout.size);
  encode(layout, value, out, 0);
  return out;
}

/** Parse and range-check one integer for a C scalar type; throws CodecError naming the path. */
export function toInteger(leaf: ScalarLeaf, v: unknown, path: string): bigint {
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^-?(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim())) {
    const s = v.trim();
    n = s.startsWith('-') ? -BigInt(s.slice(1)) : BigInt(s);
  } else {
    throw new CodecError('CODEC_BAD_TYPE', `${path}: expected an integer for ${leaf.type.name}, received ${describeValue(v)}.`,
      { path, expected: leaf.type.name, received: v });
  }
  const { min, max } = scalarRange(leaf);
  if (n < min || n > max) {
    throw new CodecError('CODEC_OUT_OF_RANGE', `${path}: ${n} does not fit ${leaf.type.name} (${min}..${max}).`,
      { path, expected: `${min}..${max}`, received: n });
  }
  return n;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateRecord(l: StructLayout, value: unknown, path: string): void {
  if (!isRecord(value)) {
    throw new CodecError('CODEC_BAD_TYPE', `${path}: expected an object with the members of ${l.kind} ${l.name}, received ${describeValue(value)}.`, { path, received: value });
  }
  const names = memberNames(l);
  for (const k of Object.keys(value)) {
    if (!names.includes(k)) {
      throw new CodecError('CODEC_UNKNOWN_FIELD', `${path}.${k}: ${l.name} has no member "${k}".`, {
        path: `${path}.${k}`, expected: names, received: k,
      });
    }
  }
  validateMembers(l, value, path);
}

/** Validate the members of `l`, read from `value`; an anonymous member's members are read from `value` too. */
function validateMembers(l: StructLayout, value: Record<string, unknown>, path: string): void {
  if (l.kind === 'union') {
    validateIn(unionAlternative(l, value, path), value, path);
    return;
  }
  for (const f of l.fields) validateIn(f, value, path);
}

function validateIn(f: FieldLayout, value: Record<string, unknown>, path: string): void {
  if (f.anonymous && f.aggregate !== undefined) return validateMembers(f.aggregate, value, path);
  if (!(f.name in value)) {
    throw new CodecError('CODEC_MISSING_FIELD', `${path}.${f.name}: missing member.`, { path: `${path}.${f.name}`, expected: f.cType });
  }
  validateMember(f, value[f.name], `${path}.${f.name}`);
}

/** How an alternative of a union is written: its name, or an anonymous struct's member names. */
function alternativeName(m: FieldLayout): string {
  return m.anonymous && m.aggregate !== undefined ? memberNames(m.aggregate).join('+') : m.name;
}

/**
 * A union takes exactly one alternative, as in C: one named member (`{ "gso": {...} }`), or the members of
 * one anonymous struct (`csum_start` and `csum_offset`). An anonymous union's alternatives sit among the
 * enclosing struct's members; the others must then be absent.
 */
function unionAlternative(l: StructLayout, value: Record<string, unknown>, path: string): FieldLayout {
  const present = l.fields.filter((m) => (m.anonymous && m.aggregate !== undefined ? memberNames(m.aggregate).some((n) => n in value) : m.name in value));
  const only = present[0];
  if (present.length !== 1 || only === undefined) {
    const all = l.fields.map(alternativeName);
    throw new CodecError('CODEC_UNION_MEMBER', `${path}: a union holds exactly one of ${all.join(', ')}; received ${present.length === 0 ? 'none' : present.map(alternativeName).join(' and ')}.`,
      { path, expected: all, received: present.map(alternativeName) });
  }
  return only;
}

function validateMember(f: FieldLayout, v: unknown, path: string): void {
  if (f.count === undefined) return validateOne(f, v, path);
  if (!Array.isArray(v) || v.length !== f.count) {
    throw new CodecError('CODEC_BAD_TYPE', `${path}: expected an array of ${f.count} elements, received ${Array.isArray(v) ? `${v.length} elements` : describeValue(v)}.`,
      { path, expected: f.count, received: Array.isArray(v) ? v.length : v });
  }
  for (let i = 0; i < f.count; i++) validateOne(f, v[i], `${path}[${i}]`);
}

function validateOne(f: FieldLayout, v: unknown, path: string): void {
  if (f.scalar !== undefined) toInteger(f.scalar, v, path);
  else validateRecord(f.aggregate as StructLayout, v, path);
}

function writeRecord(l: StructLayout, value: Record<string, unknown>, dv: DataView, base: number): void {
  if (l.kind === 'union') {
    writeIn(unionAlternative(l, value, l.name), value, dv, base);
    return;
  }
  for (const f of l.fields) writeIn(f, value, dv, base);
}

function writeIn(f: FieldLayout, value: Record<string, unknown>, dv: DataView, base: number): void {
  if (f.anonymous && f.aggregate !== undefined) writeRecord(f.aggregate, value, dv, base + f.offset);
  else writeMember(f, value[f.name], dv, base + f.offset);
}

function writeMember(f: FieldLayout, v: unknown, dv: DataView, at: number): void {
  if (f.count === undefined) return writeOne(f, v, dv, at);
  const arr = v as unknown[];
  for (let i = 0; i < f.count; i++) writeOne(f, arr[i], dv, at + i * f.elemSize);
}

function writeOne(f: FieldLayout, v: unknown, dv: DataView, at: number): void {
  if (f.scalar !== undefined) {
    const leaf = f.scalar;
    // Small values skip the bigint round trip (already range-checked by validation).
    writeScalar(dv, at, leaf, typeof v === 'number' && leaf.type.size < 8 ? v : toInteger(leaf, v, f.name));
  } else {
    writeRecord(f.aggregate as StructLayout, v as Record<string, unknown>, dv, at);
  }
}

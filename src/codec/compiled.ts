/**
 * Straight-line encoders and decoders generated from a layout (as msgpack-javascript and protobuf.js do):
 * one function per struct and ABI, every offset a literal taken from the compiled layout, no per-member
 * lookups. They cover the common case — plain numbers and bigints, structs and arrays without unions —
 * and hand anything else (strings, unions, any value that fails a check) to the generic codec, which
 * then produces the precise typed error. Validation still completes before the first byte is written.
 */
import type { FieldLayout, ScalarLeaf, StructLayout } from '../layout/layout.js';

export type FastEncoder = (value: unknown, dv: DataView, base: number) => boolean;
export type FastDecoder = (dv: DataView, base: number) => Record<string, unknown>;
/** Fills `t`, a record of the layout's shape (as decode returns), in place; returns it. */
export type FastDecoderInto = (dv: DataView, base: number, t: Record<string, unknown>) => Record<string, unknown>;

const encoders = new WeakMap<StructLayout, FastEncoder | null>();
const memberEncoders = new WeakMap<StructLayout, FastEncoder | null>();
const decoders = new WeakMap<StructLayout, FastDecoder | null>();
const intoDecoders = new WeakMap<StructLayout, FastDecoderInto | null>();

/** Unions and anonymous members (whose members are keyed in the enclosing object) take the generic path. */
function hasUnion(l: StructLayout): boolean {
  return l.kind === 'union' || l.fields.some((f) => f.anonymous || (f.aggregate !== undefined && hasUnion(f.aggregate)));
}

/** `keys`: also refuse objects with members the struct does not declare (a for-in count per object). */
interface Gen { checks: string[]; writes: string[]; n: number; keys: boolean }

/** Check that a value fits a scalar type; sets `ok = false` rather than throwing (the slow path reports). */
function checkScalar(g: Gen, leaf: ScalarLeaf, x: string): void {
  const t = leaf.type;
  if (t.size === 8) {
    const max = t.signed ? '0x7fffffffffffffffn' : '0xffffffffffffffffn';
    const min = t.signed ? '-0x8000000000000000n' : '0n';
    const numOk = t.signed ? `Number.isSafeInteger(${x})` : `(Number.isSafeInteger(${x}) && ${x} >= 0)`;
    g.checks.push(`if (typeof ${x} === 'bigint' ? (${x} < ${min} || ${x} > ${max}) : !(typeof ${x} === 'number' && ${numOk})) return false;`);
    return;
  }
  const fits: Record<string, string> = {
    u1: `(${x} & 0xff) === ${x}`, u2: `(${x} & 0xffff) === ${x}`, u4: `${x} >>> 0 === ${x}`,
    s1: `(${x} << 24 >> 24) === ${x}`, s2: `(${x} << 16 >> 16) === ${x}`, s4: `(${x} | 0) === ${x}`,
  };
  g.checks.push(`if (typeof ${x} !== 'number' || !(${fits[`${t.signed ? 's' : 'u'}${t.size}`]})) return false;`);
}

function writeScalar(g: Gen, leaf: ScalarLeaf, x: string, at: number): void {
  const le = leaf.littleEndian;
  const o = `b + ${at}`;
  switch (leaf.type.size) {
    case 1: g.writes.push(`dv.setUint8(${o}, ${x} & 0xff);`); return;
    case 2: g.writes.push(`dv.setUint16(${o}, ${x} & 0xffff, ${le});`); return;
    case 4: g.writes.push(`dv.setUint32(${o}, ${x} >>> 0, ${le});`); return;
    case 8:
      g.writes.push(`if (typeof ${x} === 'bigint') dv.setBigUint64(${o}, BigInt.asUintN(64, ${x}), ${le}); else { const lo = ${x} >>> 0, hi = Math.floor(${x} / 4294967296) >>> 0; dv.setUint32(${o} + ${le ? 0 : 4}, lo, ${le}); dv.setUint32(${o} + ${le ? 4 : 0}, hi, ${le}); }`);
  }
}

function genRecord(g: Gen, l: StructLayout, v: string, base: number): void {
  g.checks.push(`if (${v} === null || typeof ${v} !== 'object' || Array.isArray(${v})) return false;`);
  // No unknown members: the object has exactly as many own enumerable keys as the struct has members,
  // and each member is present (checked below, as undefined fails every type check).
  if (g.keys) g.checks.push(`{ let n = 0; for (const k in ${v}) { if (!Object.prototype.hasOwnProperty.call(${v}, k)) return false; n++; } if (n !== ${l.fields.length}) return false; }`);
  for (const h of l.holes) zeroHole(g, base + h.offset, h.size);
  for (const f of l.fields) genMember(g, f, `${v}[${JSON.stringify(f.name)}]`, base + f.offset);
}

/** Zero a padding hole with the widest stores its alignment allows. */
function zeroHole(g: Gen, at: number, size: number): void {
  for (let p = at, end = at + size; p < end;) {
    const w = p % 4 === 0 && end - p >= 4 ? 4 : p % 2 === 0 && end - p >= 2 ? 2 : 1;
    g.writes.push(w === 4 ? `dv.setUint32(b + ${p}, 0, true);` : w === 2 ? `dv.setUint16(b + ${p}, 0, true);` : `dv.setUint8(b + ${p}, 0);`);
    p += w;
  }
}

function genMember(g: Gen, f: FieldLayout, expr: string, at: number): void {
  const x = `x${g.n++}`;
  g.checks.push(`const ${x} = ${expr};`);
  if (f.count === undefined) return genOne(g, f, x, at);
  g.checks.push(`if (!Array.isArray(${x}) || ${x}.length !== ${f.count}) return false;`);
  for (let i = 0; i < f.count; i++) {
    const e = `x${g.n++}`;
    g.checks.push(`const ${e} = ${x}[${i}];`);
    genOne(g, f, e, at + i * f.elemSize);
  }
}

function genOne(g: Gen, f: FieldLayout, x: string, at: number): void {
  if (f.scalar !== undefined) {
    checkScalar(g, f.scalar, x);
    writeScalar(g, f.scalar, x, at);
  } else {
    genRecord(g, f.aggregate as StructLayout, x, at);
  }
}

/**
 * A generated encoder for the layout, or null when the layout has unions (the generic codec serves it).
 * `keys` false: members are checked for presence, type and range, but an object is not scanned for members
 * the struct lacks (about two thirds of the cost of a blkif_request encode); typed codecs, whose input type
 * already refuses them at compile time, use that form.
 */
export function fastEncoder(l: StructLayout, keys = true): FastEncoder | null {
  const cache = keys ? encoders : memberEncoders;
  let fn = cache.get(l);
  if (fn === undefined) {
    fn = null;
    if (!hasUnion(l)) {
      const g: Gen = { checks: [], writes: [], n: 0, keys };
      genRecord(g, l, 'v', 0);
      // Returns false (having written nothing) when any check fails.
      const body = `if (b < 0 || b + ${l.size} > dv.byteLength) return false;\n${g.checks.join('\n')}\n${g.writes.join('\n')}\nreturn true;`;
      fn = new Function('v', 'dv', 'b', body) as FastEncoder;
    }
    cache.set(l, fn);
  }
  return fn;
}

function readExpr(leaf: ScalarLeaf, at: number): string {
  const le = leaf.littleEndian;
  const s = leaf.type.signed;
  switch (leaf.type.size) {
    case 1: return s ? `dv.getInt8(b + ${at})` : `dv.getUint8(b + ${at})`;
    case 2: return s ? `dv.getInt16(b + ${at}, ${le})` : `dv.getUint16(b + ${at}, ${le})`;
    case 4: return s ? `dv.getInt32(b + ${at}, ${le})` : `dv.getUint32(b + ${at}, ${le})`;
    case 8: return s ? `dv.getBigInt64(b + ${at}, ${le})` : `dv.getBigUint64(b + ${at}, ${le})`;
  }
}

function recordExpr(l: StructLayout, base: number): string {
  return `{ ${l.fields.map((f) => `${JSON.stringify(f.name)}: ${memberExpr(f, base + f.offset)}`).join(', ')} }`;
}

function memberExpr(f: FieldLayout, at: number): string {
  const one = (p: number) => (f.scalar !== undefined ? readExpr(f.scalar, p) : recordExpr(f.aggregate as StructLayout, p));
  if (f.count === undefined) return one(at);
  return `[${Array.from({ length: f.count }, (_, i) => one(at + i * f.elemSize)).join(', ')}]`;
}

/** A generated decoder for the layout (bounds checked by the caller), or null when it has unions. */
export function fastDecoder(l: StructLayout): FastDecoder | null {
  let fn = decoders.get(l);
  if (fn === undefined) {
    fn = hasUnion(l) ? null : (new Function('dv', 'b', `return ${recordExpr(l, 0)};`) as FastDecoder);
    decoders.set(l, fn);
  }
  return fn;
}

/** Assignments filling target expression `t` from the struct at `base`: scalars and array elements in place. */
function fillStatements(l: StructLayout, t: string, base: number, out: string[]): void {
  for (const f of l.fields) {
    const m = `${t}[${JSON.stringify(f.name)}]`;
    const at = base + f.offset;
    if (f.count === undefined) {
      if (f.scalar !== undefined) out.push(`${m} = ${readExpr(f.scalar, at)};`);
      else fillStatements(f.aggregate as StructLayout, m, at, out);
      continue;
    }
    for (let i = 0; i < f.count; i++) {
      const e = `${m}[${i}]`;
      if (f.scalar !== undefined) out.push(`${e} = ${readExpr(f.scalar, at + i * f.elemSize)};`);
      else fillStatements(f.aggregate as StructLayout, e, at + i * f.elemSize, out);
    }
  }
}

/**
 * A generated decoder that refills a record decode made (same members, arrays of the same lengths) instead
 * of building a new one: no allocation but the bigints of 64-bit members. Null when the layout has unions.
 */
export function fastDecoderInto(l: StructLayout): FastDecoderInto | null {
  let fn = intoDecoders.get(l);
  if (fn === undefined) {
    fn = null;
    if (!hasUnion(l)) {
      const body: string[] = [];
      fillStatements(l, 't', 0, body);
      fn = new Function('dv', 'b', 't', `${body.join('\n')}\nreturn t;`) as FastDecoderInto;
    }
    intoDecoders.set(l, fn);
  }
  return fn;
}

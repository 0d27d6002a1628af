/**
 * Straight-line encoders and decoders generated from a layout (as msgpack-javascript and protobuf.js do):
 * one function per struct and ABI, every offset a literal taken from the compiled layout, no per-member
 * lookups. They cover the common case — plain numbers and bigints, structs and arrays without unions —
 * and hand anything else (strings, unions, any value that fails a check) to the generic codec, which
 * then produces the precise typed error. Validation still completes before the first byte is written.
 */
import type { FieldLayout, ScalarLeaf, StructLayout } from '../layout/layout.js';
import type { Int64Mode } from './typed-record.js';

export type FastEncoder = (value: unknown, dv: DataView, base: number) => boolean;
/** A new record (from `fallback` when a 64-bit member does not fit a number exactly: number mode). */
export type FastDecoder = (dv: DataView, base: number) => Record<string, unknown>;
/** The generic decoder a number-mode fast decoder hands a value beyond ±(2^53 - 1) to (it throws). */
export type DecodeFallback = (layout: StructLayout, dv: DataView, base: number) => Record<string, unknown>;
/** Fills `t`, a record of the layout's shape (as decode returns), in place; returns it, or null (see fastDecoderInto). */
export type FastDecoderInto = (dv: DataView, base: number, t: Record<string, unknown>) => Record<string, unknown> | null;

const encoders = new WeakMap<StructLayout, FastEncoder | null>();
const memberEncoders = new WeakMap<StructLayout, FastEncoder | null>();

/** Unions and anonymous members (whose members are keyed in the enclosing object) take the generic path. */
function hasUnion(l: StructLayout): boolean {
  return l.kind === 'union' || l.fields.some((f) => f.anonymous || (f.aggregate !== undefined && hasUnion(f.aggregate)));
}

/** `keys`: also refuse objects with members the struct does not declare (a for-in count per object). */
interface Gen { checks: string[]; writes: string[]; small: SmallStore[]; n: number; keys: boolean }

/**
 * A store of 1 or 2 bytes whose bytes lie in little-endian order (a byte, a little-endian 16-bit member, or a
 * piece of a padding hole: value 0). Those that share an aligned 32-bit (or 16-bit) word and cover all of it are
 * written with one store of that word: the same bytes in fewer DataView calls (each call is a bounds check).
 */
interface SmallStore { at: number; size: 1 | 2; value: string }

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
    case 1: g.small.push({ at, size: 1, value: `(${x} & 0xff)` }); return;
    case 2:
      if (le) g.small.push({ at, size: 2, value: `(${x} & 0xffff)` });
      else g.writes.push(`dv.setUint16(${o}, ${x} & 0xffff, false);`);
      return;
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

/**
 * The small stores, merged: a 32-bit word [w, w + 4) or a 16-bit half covered exactly by small stores is one
 * store of the value their bytes make (little-endian); any other small store is written alone.
 */
function emitSmall(g: Gen): void {
  const byWord = new Map<number, SmallStore[]>();
  for (const x of g.small) {
    const w = x.at & ~3;
    byWord.set(w, [...(byWord.get(w) ?? []), x]);
  }
  const shifted = (x: SmallStore, from: number): string => (x.at === from ? x.value : `(${x.value} << ${8 * (x.at - from)})`);
  const one = (x: SmallStore): string => (x.size === 1 ? `dv.setUint8(b + ${x.at}, ${x.value});` : `dv.setUint16(b + ${x.at}, ${x.value}, true);`);
  for (const [w, group] of byWord) {
    if (group.reduce((n, x) => n + x.size, 0) === 4 && group.every((x) => x.size === 1 || x.at % 2 === 0)) {
      g.writes.push(`dv.setUint32(b + ${w}, ${group.map((x) => shifted(x, w)).join(' | ')}, true);`);
      continue;
    }
    for (const half of [w, w + 2]) {
      const in16 = group.filter((x) => x.at >= half && x.at < half + 2);
      if (in16.length === 2 && in16.every((x) => x.size === 1)) g.writes.push(`dv.setUint16(b + ${half}, ${in16.map((x) => shifted(x, half)).join(' | ')}, true);`);
      else for (const x of in16) g.writes.push(one(x));
    }
  }
}

/** Zero a padding hole with the widest stores its alignment allows. */
function zeroHole(g: Gen, at: number, size: number): void {
  for (let p = at, end = at + size; p < end;) {
    const w = p % 4 === 0 && end - p >= 4 ? 4 : p % 2 === 0 && end - p >= 2 ? 2 : 1;
    if (w === 4) g.writes.push(`dv.setUint32(b + ${p}, 0, true);`);
    else g.small.push({ at: p, size: w, value: '0' });
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
      const g: Gen = { checks: [], writes: [], small: [], n: 0, keys };
      genRecord(g, l, 'v', 0);
      emitSmall(g);
      // Returns false (having written nothing) when any check fails, the offset (an integer in bounds) first.
      const body = `if (!((b >>> 0) === b && b + ${l.size} <= dv.byteLength)) return false;\n${g.checks.join('\n')}\n${g.writes.join('\n')}\nreturn true;`;
      fn = new Function('v', 'dv', 'b', body) as FastEncoder;
    }
    cache.set(l, fn);
  }
  return fn;
}

/**
 * Generated decoders. A filler reads every scalar into a local (`v0`, `v1`, ...) before it writes, so nothing
 * is written before every value has been read and checked; a builder puts the reads into the object literal
 * itself (64-bit members in number mode excepted: they are read and checked first). Small members
 * that share an aligned 16- or 32-bit word of the struct (blkif_request's operation, nr_segments and handle;
 * each segment's first_sect and last_sect) are read with one load of that word and split with shifts: the
 * same bytes as one load per member, in fewer DataView calls (each call is a bounds check).
 */
interface DecGen {
  /** Statements reading the scalars into locals, then (number mode) checking the 64-bit ones. */
  reads: string[];
  n: number;
  num: boolean;
}

/**
 * One scalar to read: where it is (offset from the struct's start), its type, the local it may go into, and
 * the expression giving its value once the reads are emitted (the local, or the read itself).
 */
interface ReadLeaf { at: number; leaf: ScalarLeaf; local: string; expr: string }

/** A member of the decoded shape: a scalar's local, an array of shapes, or a record of named shapes. */
type Shape = { kind: 'scalar'; x: ReadLeaf; wide: boolean } | { kind: 'array'; items: Shape[] } | { kind: 'record'; members: [string, Shape][] };

function shapeOf(g: DecGen, l: StructLayout, base: number, leaves: ReadLeaf[]): Shape {
  const members: [string, Shape][] = [];
  for (const f of l.fields) {
    const one = (at: number): Shape => {
      if (f.scalar === undefined) return shapeOf(g, f.aggregate as StructLayout, at, leaves);
      const local = `v${g.n++}`;
      const x: ReadLeaf = { at, leaf: f.scalar, local, expr: local };
      leaves.push(x);
      return { kind: 'scalar', x, wide: f.scalar.type.size === 8 };
    };
    const at = base + f.offset;
    members.push([f.name, f.count === undefined ? one(at) : { kind: 'array', items: Array.from({ length: f.count }, (_, i) => one(at + i * f.elemSize)) }]);
  }
  return { kind: 'record', members };
}

/** The value of a member of `size` bytes at byte `r` of a little-endian word `w` (width bits), in its own byte order. */
function fromWord(w: string, width: number, r: number, leaf: ScalarLeaf): string {
  const s = leaf.type.signed;
  if (leaf.type.size === 1) return s ? `((${w} << ${24 - 8 * r}) >> 24)` : `((${w} >>> ${8 * r}) & 0xff)`;
  if (leaf.littleEndian) {
    if (s) return `((${w} << ${16 - 8 * r}) >> 16)`;
    return r + 2 === width / 8 ? `(${w} >>> ${8 * r})` : `((${w} >>> ${8 * r}) & 0xffff)`;
  }
  // Big-endian 16-bit member (legacy virtio on a big-endian guest): its first byte is the high one.
  const hi = s ? `((${w} << ${24 - 8 * r}) >> 16)` : `(((${w} >>> ${8 * r}) & 0xff) << 8)`;
  return `(${hi} | ((${w} >>> ${8 * r + 8}) & 0xff))`;
}

/** Sets x.expr: the value of x in a local (a statement in g.reads), or inline, as the read itself. */
function bind(g: DecGen, x: ReadLeaf, value: string, inline: boolean): void {
  if (inline) x.expr = value;
  else g.reads.push(`const ${x.local} = ${value};`);
}

/** One scalar read on its own. */
function readOne(g: DecGen, x: ReadLeaf, inline: boolean): void {
  const { at, leaf, local } = x;
  const le = leaf.littleEndian;
  const s = leaf.type.signed;
  switch (leaf.type.size) {
    case 1: bind(g, x, `dv.${s ? 'getInt8' : 'getUint8'}(b + ${at})`, inline); return;
    case 2: bind(g, x, `dv.${s ? 'getInt16' : 'getUint16'}(b + ${at}, ${le})`, inline); return;
    case 4: bind(g, x, `dv.${s ? 'getInt32' : 'getUint32'}(b + ${at}, ${le})`, inline); return;
    case 8: {
      if (!g.num) {
        bind(g, x, `dv.${s ? 'getBigInt64' : 'getBigUint64'}(b + ${at}, ${le})`, inline);
        return;
      }
      // Two 32-bit loads, no BigInt (nothing allocated). |v| <= 2^53 - 1: the high half lies in
      // [-2^21, 2^21 - 1], and at -2^21 only with a low half above 0. Beyond, the generated function returns
      // null and the generic decoder throws CODEC_UNSAFE_INTEGER with the member's path.
      const [lo, hi] = le ? [at, at + 4] : [at + 4, at];
      g.reads.push(`const ${local}h = dv.${s ? 'getInt32' : 'getUint32'}(b + ${hi}, ${le}), ${local}l = dv.getUint32(b + ${lo}, ${le});`);
      g.reads.push(s
        ? `if (${local}h > 0x1fffff || ${local}h < -0x200000 || (${local}h === -0x200000 && ${local}l === 0)) return null;`
        : `if (${local}h > 0x1fffff) return null;`);
      bind(g, x, `(${local}h * 4294967296 + ${local}l)`, inline);
    }
  }
}

/** Reads every leaf (into its local unless `inline`), with one load for the small members sharing an aligned word. */
function emitReads(g: DecGen, leaves: ReadLeaf[], structSize: number, inline: boolean): void {
  const words = new Map<number, ReadLeaf[]>();
  for (const x of leaves) {
    const w = x.at & ~3;
    if (x.leaf.type.size <= 2 && x.at + x.leaf.type.size <= w + 4) words.set(w, [...(words.get(w) ?? []), x]);
  }
  const merged = new Set<ReadLeaf>();
  for (const [w, group] of words) {
    if (group.length < 2) continue;
    const lo = Math.min(...group.map((x) => x.at - w));
    const hi = Math.max(...group.map((x) => x.at - w + x.leaf.type.size));
    // The narrowest aligned load covering the group, never past the struct's end.
    const [from, width] = hi <= 2 ? [0, 16] : lo >= 2 ? [2, 16] : [0, 32];
    if (w + from + width / 8 > structSize) continue;
    const word = `w${g.n++}`;
    g.reads.push(`const ${word} = dv.${width === 16 ? 'getUint16' : 'getUint32'}(b + ${w + from}, true);`);
    for (const x of group) {
      bind(g, x, fromWord(word, width, x.at - w - from, x.leaf), inline);
      merged.add(x);
    }
  }
  for (const x of leaves) if (!merged.has(x)) readOne(g, x, inline);
}

/** Whether this machine is little-endian (typed arrays use its byte order; the layouts name theirs). */
const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Whether a filler can read the struct as 32-bit words of a Uint32Array (when the struct starts 4-aligned in
 * its buffer): a little-endian machine, every member little-endian and naturally aligned (8-byte members on a
 * 4-byte boundary at least), so that each member lies within one word (two for a 64-bit one).
 */
function wordReadable(leaves: readonly ReadLeaf[]): boolean {
  return hostLittleEndian && leaves.every((x) => x.leaf.littleEndian && x.at % Math.min(x.leaf.type.size, 4) === 0);
}

/**
 * Reads the struct from words `u32[q + k]` (q: the struct's first word). Members up to 32 bits are read where
 * they are stored (inline: each read once, a shared word once per member); only the 64-bit members are read
 * into locals first, as in readOne (two words, checked, in number mode; DataView's BigInt read otherwise).
 * Thirty-odd values held in locals across the stores spill registers: inline, a blkif_request decodeInto is
 * about 15 % faster, level with a hand-written one (test/bench/codec-floor.ts).
 */
function emitWordReads(g: DecGen, leaves: readonly ReadLeaf[]): void {
  for (const x of leaves) {
    const k = x.at >> 2;
    const s = x.leaf.type.signed;
    const word = `u32[q + ${k}]`;
    switch (x.leaf.type.size) {
      case 1: case 2: bind(g, x, fromWord(word, 32, x.at & 3, x.leaf), true); break;
      case 4: bind(g, x, s ? `(${word} | 0)` : word, true); break;
      case 8: {
        if (!g.num) {
          bind(g, x, `dv.${s ? 'getBigInt64' : 'getBigUint64'}(b + ${x.at}, true)`, false);
          break;
        }
        const hi = s ? `(u32[q + ${k + 1}] | 0)` : `u32[q + ${k + 1}]`;
        g.reads.push(`const ${x.local}h = ${hi}, ${x.local}l = ${word};`);
        g.reads.push(s
          ? `if (${x.local}h > 0x1fffff || ${x.local}h < -0x200000 || (${x.local}h === -0x200000 && ${x.local}l === 0)) return null;`
          : `if (${x.local}h > 0x1fffff) return null;`);
        bind(g, x, `(${x.local}h * 4294967296 + ${x.local}l)`, false);
      }
    }
  }
}

/** Whether a record holds a 64-bit member itself (or an array of them). */
function holdsWide(s: Shape & { kind: 'record' }): boolean {
  return s.members.some(([, m]) => (m.kind === 'scalar' && m.wide) || (m.kind === 'array' && m.items.some((e) => e.kind === 'scalar' && e.wide)));
}

/**
 * The expression building a new record of the shape from the locals: an object literal, or in number mode,
 * for a record holding 64-bit members, a call of a generated constructor pushed onto `ctors`. V8 shares the
 * hidden class of objects with the same keys in the same order, literal or not: once a bigint-mode record
 * (or any such object holding a bigint) has stored a bigint in `id`, a number stored there must be boxed, an
 * allocation per store. Objects a constructor makes start from its own hidden class, so a number-mode
 * record keeps its 64-bit members unboxed and decodeInto allocates nothing. Their prototype is still
 * Object.prototype: they are plain objects.
 */
function buildExpr(s: Shape, ctors: string[] | undefined): string {
  switch (s.kind) {
    case 'scalar': return s.x.expr;
    case 'array': return `[${s.items.map((e) => buildExpr(e, ctors)).join(', ')}]`;
    case 'record': {
      const values = s.members.map(([, m]) => buildExpr(m, ctors));
      if (ctors === undefined || !holdsWide(s)) return `{ ${s.members.map(([k], i) => `${JSON.stringify(k)}: ${values[i]}`).join(', ')} }`;
      const c = `R${ctors.length}`;
      const params = s.members.map((_m, i) => `m${i}`);
      ctors.push(`function ${c}(${params.join(', ')}) {\n${s.members.map(([k], i) => `this[${JSON.stringify(k)}] = m${i};`).join('\n')}\n}\n${c}.prototype = Object.prototype;`);
      return `new ${c}(${values.join(', ')})`;
    }
  }
}

/**
 * Statements filling target expression `t` of the shape: `checks` take each array member (checked to be an
 * array of its length, else the function returns null having written nothing) and each nested record into a
 * local; `writes` store the locals. The function is strict: a store into a nested record that is not an
 * object (or is frozen) throws, and the caller then decodes afresh. (A typeof check per nested record
 * instead costs a third of a blkif_request decodeInto.)
 */
function fillStatements(g: DecGen, s: Shape & { kind: 'record' }, t: string, checks: string[], writes: string[]): void {
  const into = (m: Shape, target: string, key: string): void => {
    if (m.kind === 'scalar') {
      writes.push(`${target}[${key}] = ${m.x.expr};`);
      return;
    }
    const x = `${m.kind === 'array' ? 'a' : 'r'}${g.n++}`;
    checks.push(`const ${x} = ${target}[${key}];`);
    if (m.kind === 'array') {
      checks.push(`if (!Array.isArray(${x}) || ${x}.length !== ${m.items.length}) return null;`);
      m.items.forEach((e, i) => into(e, x, String(i)));
    } else {
      fillStatements(g, m, x, checks, writes);
    }
  };
  for (const [k, m] of s.members) into(m, t, JSON.stringify(k));
}

const bigintDecoders = new WeakMap<StructLayout, FastDecoder | null>();
const numberDecoders = new WeakMap<StructLayout, FastDecoder | null>();
const bigintIntoDecoders = new WeakMap<StructLayout, FastDecoderInto | null>();
const numberIntoDecoders = new WeakMap<StructLayout, FastDecoderInto | null>();

/** The reads of the layout, and its shape. */
function decodeParts(l: StructLayout, mode: Int64Mode, inline: boolean): { g: DecGen; shape: Shape & { kind: 'record' } } {
  const g: DecGen = { reads: [], n: 0, num: mode === 'number' };
  const leaves: ReadLeaf[] = [];
  const shape = shapeOf(g, l, 0, leaves) as Shape & { kind: 'record' };
  emitReads(g, leaves, l.size, inline);
  return { g, shape };
}

/**
 * A filler's statements: reads, shape checks (both may `return null`), writes. `words`: read from a
 * Uint32Array (see wordReadable), members up to 32 bits in the writes themselves; undefined when the layout
 * cannot be read so.
 */
function fillParts(l: StructLayout, mode: Int64Mode, words = false): { reads: string; checks: string; writes: string } | undefined {
  const g: DecGen = { reads: [], n: 0, num: mode === 'number' };
  const leaves: ReadLeaf[] = [];
  const shape = shapeOf(g, l, 0, leaves) as Shape & { kind: 'record' };
  if (!words) emitReads(g, leaves, l.size, false);
  else if (wordReadable(leaves)) emitWordReads(g, leaves);
  else return undefined;
  const checks: string[] = [];
  const writes: string[] = [];
  fillStatements(g, shape, 't', checks, writes);
  return { reads: g.reads.join('\n'), checks: checks.join('\n'), writes: writes.join('\n') };
}

/**
 * A generated decoder for the layout (bounds checked by the caller), or null when it has unions. In number
 * mode it hands a struct with a 64-bit member beyond ±(2^53 - 1) to `fallback`, which throws the typed error:
 * the decoder itself always returns its record, so that V8 can inline it and, where the record does not
 * escape, avoid building it at all (a `null` result to test would make the record escape).
 */
export function fastDecoder(l: StructLayout, mode: Int64Mode, fallback: DecodeFallback): FastDecoder | null {
  // Small, so that V8 inlines it into decode; the generation is a call of its own.
  const cache = mode === 'number' ? numberDecoders : bigintDecoders;
  const fn = cache.get(l);
  return fn !== undefined ? fn : makeDecoder(l, mode, fallback, cache);
}

function makeDecoder(l: StructLayout, mode: Int64Mode, fallback: DecodeFallback, cache: WeakMap<StructLayout, FastDecoder | null>): FastDecoder | null {
  let fn: FastDecoder | null = null;
  if (!hasUnion(l)) {
    const { g, shape } = decodeParts(l, mode, true);
    const ctors: string[] | undefined = mode === 'number' ? [] : undefined;
    const record = buildExpr(shape, ctors);
    const reads = g.reads.join('\n').replaceAll('return null;', 'return fallback(layout, dv, b);');
    fn = (new Function('fallback', 'layout', `'use strict';\n${(ctors ?? []).join('\n')}\nreturn function decode(dv, b) {\n${reads}\nreturn ${record};\n};`) as (f: DecodeFallback, l: StructLayout) => FastDecoder)(fallback, l);
  }
  cache.set(l, fn);
  return fn;
}

/**
 * A generated decoder that refills a record decode made (same members, arrays of the same lengths) instead
 * of building a new one, writing into the target's existing arrays and nested records: nothing is allocated
 * (in bigint mode, but the bigint of each 64-bit member). It returns null, having written nothing, when a
 * 64-bit member is beyond ±(2^53 - 1) in number mode or an array member is not an array of its length, and
 * throws a TypeError (after some writes) when a nested record is not an object or is frozen; the caller then
 * decodes afresh (and throws the typed error). Null when the layout has unions.
 */
export function fastDecoderInto(l: StructLayout, mode: Int64Mode = 'bigint'): FastDecoderInto | null {
  const cache = mode === 'number' ? numberIntoDecoders : bigintIntoDecoders;
  let fn = cache.get(l);
  if (fn === undefined) {
    if (hasUnion(l)) fn = null;
    else {
      const f = fillParts(l, mode) as NonNullable<ReturnType<typeof fillParts>>;
      fn = new Function('dv', 'b', 't', `'use strict';\n${f.reads}\n${f.checks}\n${f.writes}\nreturn t;`) as FastDecoderInto;
    }
    cache.set(l, fn);
  }
  return fn;
}

/** What a codec's generated decodeInto calls besides its own code (passed in: decode.ts imports this module). */
export interface DecodeIntoDeps {
  readonly asDataView: (buf: Uint8Array | DataView) => DataView;
  /** Throws CODEC_SHORT_BUFFER (called only when the bounds check failed). */
  readonly requireBytes: (dv: DataView, byteOffset: number, size: number, what: string) => void;
  /** Throws CODEC_ABI_MISMATCH when the memory is tagged for an ABI the layout does not match. */
  readonly checkAbi: (layout: StructLayout, dv: DataView, byteOffset: number, size: number) => void;
  /** The Uint32Array over a buffer's words (wordsOf). */
  readonly wordsOf: (ab: ArrayBufferLike) => Uint32Array;
  /** A fresh decode copied into the target: the typed error of a bad value, or a target of another shape. */
  readonly slow: (dv: DataView, byteOffset: number, target: Record<string, unknown>) => Record<string, unknown>;
}

const wordViews = new WeakMap<ArrayBufferLike, Uint32Array>();

/** A Uint32Array over every whole word of `ab`, made once per buffer (again when a resizable one has grown). */
export function wordsOf(ab: ArrayBufferLike): Uint32Array {
  let w = wordViews.get(ab);
  if (w === undefined || w.length !== ab.byteLength >>> 2) {
    w = new Uint32Array(ab, 0, ab.byteLength >>> 2);
    wordViews.set(ab, w);
  }
  return w;
}

export type CodecDecodeInto = (buf: Uint8Array | DataView, byteOffset: number, target: Record<string, unknown>) => Record<string, unknown>;

/**
 * A whole decodeInto for one codec (layout and mode), generated as its own function so that every call in
 * it — the filler, the checks — sees one callee and V8 can specialise it, where a decodeInto shared by all
 * codecs would reach each codec's filler through a megamorphic call. Checks bounds and ABI tag, then fills
 * the target in place; falls back to `deps.slow`. Null when the layout has unions.
 */
export function codecDecodeInto(l: StructLayout, mode: Int64Mode, deps: DecodeIntoDeps): CodecDecodeInto | null {
  if (hasUnion(l)) return null;
  const f = fillParts(l, mode) as NonNullable<ReturnType<typeof fillParts>>;
  const w = fillParts(l, mode, true);
  // The filler's code inline (too large for V8 to inline a call to it), its `return null` as the slow path.
  const toSlow = (code: string) => code.replaceAll('return null;', 'return slow(dv, b, t);');
  const fill = (p: NonNullable<ReturnType<typeof fillParts>>) => `${toSlow(p.reads)}
${toSlow(p.checks)}
try {
${p.writes}
} catch {
return slow(dv, b, t);
}
return t;`;
  // A struct starting 4-aligned (below 4 GiB) is read as words of a Uint32Array over its buffer (one per
  // buffer, kept weakly; the last DataView's at hand): typed-array loads cost V8 less than DataView calls.
  // The view is checked to cover the struct's words (a buffer detached since takes the DataView path).
  const words = Math.ceil(l.size / 4);
  const wordPath = w === undefined ? '' : `if (dv !== lastView) { lastView = dv; lastWords = wordsOf(dv.buffer); lastBase = dv.byteOffset; }
const at = lastBase + b;
if ((at & 3) === 0 && at < 4294967296) {
  const u32 = lastWords, q = at >>> 2;
  if (q + ${words} <= u32.length) {
${fill(w)}
  }
}`;
  const src = `'use strict';
const { asDataView, requireBytes, checkAbi, slow } = deps;
let lastView = null, lastWords = new Uint32Array(0), lastBase = 0;
const wordsOf = deps.wordsOf;
return function decodeInto(buf, b, t) {
const dv = buf instanceof DataView ? buf : asDataView(buf);
if (!((b >>> 0) === b && b + ${l.size} <= dv.byteLength)) requireBytes(dv, b, ${l.size}, ${JSON.stringify(l.name)});
checkAbi(layout, dv, b, ${l.size});
${wordPath}
${fill(f)}
};`;
  return (new Function('deps', 'layout', src) as (d: DecodeIntoDeps, l: StructLayout) => CodecDecodeInto)(deps, l);
}

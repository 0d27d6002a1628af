/**
 * `ringwire layout`: a pahole-style table of a struct (offset, size, type, name, holes), or its JSON form
 * `{ name, abi, size, align, doc, fields: [{ name, offset, size, type, count?, doc?, fields? }], holes }`.
 * Offsets of a named nested member's members are relative to that member, as pahole prints them; the
 * members of an anonymous struct or union are members of the enclosing struct (C11 6.7.2.1p13), so their
 * offsets are the enclosing struct's, and an anonymous member has no `name` (`"anonymous": true` instead).
 * The declarations' `doc` lines are printed as comments: above the struct, and after each member's offset/size.
 */
import type { FieldLayout, StructLayout } from '../layout/layout.js';

export interface LayoutJson {
  name: string;
  abi: string;
  size: number;
  align: number;
  /** The declaration's one-line description. */
  doc?: string;
  fields: FieldJson[];
  holes: { offset: number; size: number; before: string }[];
}

export interface FieldJson {
  /** Absent for an anonymous struct or union member. */
  name?: string;
  /** A C11 anonymous struct or union: its `fields` are members of the enclosing struct. */
  anonymous?: true;
  offset: number;
  size: number;
  type: string;
  count?: number;
  /** A flexible array member (`ring[]`): count 0, size 0, elements beyond sizeof. */
  flexible?: true;
  /** The member's protocol meaning, from the declaration. */
  doc?: string;
  fields?: FieldJson[];
}

function withFlexible(l: StructLayout): readonly FieldLayout[] {
  return l.flexible === undefined ? l.fields : [...l.fields, l.flexible];
}

export function layoutJson(l: StructLayout): LayoutJson {
  const out: LayoutJson = { name: l.name, abi: l.abi, size: l.size, align: l.align, fields: [], holes: l.holes.map((h) => ({ ...h })) };
  if (l.decl?.doc !== undefined) out.doc = l.decl.doc;
  out.fields = withFlexible(l).map((f) => fieldJson(f, 0));
  return out;
}

function fieldJson(f: FieldLayout, base: number): FieldJson {
  const out: FieldJson = f.anonymous
    ? { anonymous: true, offset: base + f.offset, size: f.size, type: f.cType }
    : { name: f.name, offset: base + f.offset, size: f.size, type: f.cType };
  if (f.count !== undefined) out.count = f.count;
  if (f.size === 0 && f.count === 0) out.flexible = true;
  if (f.doc !== undefined) out.doc = f.doc;
  if (f.aggregate !== undefined) {
    const inner = f.anonymous ? base + f.offset : 0;
    out.fields = f.aggregate.fields.map((m) => fieldJson(m, inner));
  }
  return out;
}

export function layoutTable(l: StructLayout): string {
  const lines: string[] = [];
  if (l.decl?.doc !== undefined) lines.push(`/* ${commentText(l.decl.doc)} */`);
  lines.push(`${l.kind} ${l.name} {${' '.repeat(Math.max(1, 44 - l.name.length - l.kind.length))}/* ${l.abi} */`);
  body(l, 1, 0, lines);
  const holeBytes = l.holes.reduce((s, h) => s + h.size, 0);
  lines.push('');
  lines.push(`\t/* size: ${l.size}, align: ${l.align}, members: ${l.fields.length} */`);
  if (l.holes.length > 0) lines.push(`\t/* holes: ${l.holes.length}, sum holes: ${holeBytes} */`);
  lines.push('};');
  return lines.join('\n');
}

/** A doc line made safe inside a C comment. */
function commentText(doc: string): string {
  return doc.replace(/\*\//g, '* /');
}

/** Tabs to the depth, then text, then the offset/size comment at column 64 (tabs count 8), as pahole. */
function column(depth: number, text: string, comment: string): string {
  return `${'\t'.repeat(depth)}${text.padEnd(Math.max(text.length + 1, 64 - depth * 8))}${comment}`;
}

/** The members of `l` at `depth`; `base` is added to their offsets (non-zero inside anonymous members). */
function body(l: StructLayout, depth: number, base: number, lines: string[]): void {
  const pad = '\t'.repeat(depth);
  for (const f of withFlexible(l)) {
    for (const h of l.holes) if (h.before === f.name) lines.push('', `${pad}/* XXX ${h.size} byte${h.size === 1 ? '' : 's'} hole at ${base + h.offset} */`, '');
    const name = f.anonymous ? '' : f.name;
    const decl = `${name}${f.count === undefined ? '' : f === l.flexible ? '[]' : `[${f.count}]`};`;
    // pahole's offset/size comment, then the declaration's doc line as a trailing comment.
    const pos = `/* ${String(base + f.offset).padStart(5)} ${String(f.size).padStart(5)} */${f.doc === undefined ? '' : `  /* ${commentText(f.doc)} */`}`;
    if (f.aggregate !== undefined && f.cType.indexOf(' ') < 0) {
      // An inline struct or union, expanded as pahole does: `union { ... } u;`, or `union { ... };` when anonymous.
      lines.push(`${pad}${f.cType} {`);
      body(f.aggregate, depth + 1, f.anonymous ? base + f.offset : 0, lines);
      lines.push(column(depth, f.anonymous ? '};' : `} ${decl}`, pos));
    } else {
      lines.push(column(depth, `${f.cType.padEnd(Math.max(f.cType.length, 28 - depth * 8))} ${decl}`, pos));
    }
  }
  for (const h of l.holes) if (h.before === '(end)') lines.push('', `${pad}/* XXX ${h.size} byte${h.size === 1 ? '' : 's'} tail padding at ${base + h.offset} */`);
}

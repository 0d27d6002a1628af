/**
 * `ringwire layout`: a pahole-style table of a struct (offset, size, type, name, holes), or its JSON form
 * `{ name, abi, size, align, fields: [{ name, offset, size, type, count?, fields? }], holes }`.
 * Offsets of nested members are relative to the member that holds them, as pahole prints them.
 */
import type { FieldLayout, StructLayout } from '../layout/layout.js';

export interface LayoutJson {
  name: string;
  abi: string;
  size: number;
  align: number;
  fields: FieldJson[];
  holes: { offset: number; size: number; before: string }[];
}

export interface FieldJson {
  name: string;
  offset: number;
  size: number;
  type: string;
  count?: number;
  /** A flexible array member (`ring[]`): count 0, size 0, elements beyond sizeof. */
  flexible?: true;
  fields?: FieldJson[];
}

export function layoutJson(l: StructLayout): LayoutJson {
  const fields = l.flexible === undefined ? l.fields : [...l.fields, l.flexible];
  return { name: l.name, abi: l.abi, size: l.size, align: l.align, fields: fields.map(fieldJson), holes: l.holes.map((h) => ({ ...h })) };
}

function fieldJson(f: FieldLayout): FieldJson {
  const out: FieldJson = { name: f.name, offset: f.offset, size: f.size, type: f.cType };
  if (f.count !== undefined) out.count = f.count;
  if (f.size === 0 && f.count === 0) out.flexible = true;
  if (f.aggregate !== undefined) out.fields = f.aggregate.fields.map(fieldJson);
  return out;
}

export function layoutTable(l: StructLayout): string {
  const lines = [`${l.kind} ${l.name} {${' '.repeat(Math.max(1, 44 - l.name.length - l.kind.length))}/* ${l.abi} */`];
  body(l, 1, lines);
  const holeBytes = l.holes.reduce((s, h) => s + h.size, 0);
  lines.push('');
  lines.push(`\t/* size: ${l.size}, align: ${l.align}, members: ${l.fields.length} */`);
  if (l.holes.length > 0) lines.push(`\t/* holes: ${l.holes.length}, sum holes: ${holeBytes} */`);
  lines.push('};');
  return lines.join('\n');
}

/** Tabs to the depth, then text, then the offset/size comment at column 64 (tabs count 8), as pahole. */
function column(depth: number, text: string, comment: string): string {
  return `${'\t'.repeat(depth)}${text.padEnd(Math.max(text.length + 1, 64 - depth * 8))}${comment}`;
}

function body(l: StructLayout, depth: number, lines: string[]): void {
  const pad = '\t'.repeat(depth);
  for (const f of l.flexible === undefined ? l.fields : [...l.fields, l.flexible]) {
    for (const h of l.holes) if (h.before === f.name) lines.push('', `${pad}/* XXX ${h.size} byte${h.size === 1 ? '' : 's'} hole at ${h.offset} */`, '');
    const decl = `${f.name}${f.count === undefined ? '' : f === l.flexible ? '[]' : `[${f.count}]`};`;
    const pos = `/* ${String(f.offset).padStart(5)} ${String(f.size).padStart(5)} */`;
    if (f.aggregate !== undefined && f.cType.indexOf(' ') < 0) {
      lines.push(`${pad}${f.cType} {`);
      body(f.aggregate, depth + 1, lines);
      lines.push(column(depth, `} ${decl}`, pos));
    } else {
      lines.push(column(depth, `${f.cType.padEnd(Math.max(f.cType.length, 28 - depth * 8))} ${decl}`, pos));
    }
  }
  for (const h of l.holes) if (h.before === '(end)') lines.push('', `${pad}/* XXX ${h.size} byte${h.size === 1 ? '' : 's'} tail padding at ${h.offset} */`);
}

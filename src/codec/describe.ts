/**
 * describe: an annotated, pahole-flavoured dump of one record's bytes — every leaf member with its offset,
 * size, C type, value and raw bytes, and every padding hole with its bytes (non-zero padding is flagged).
 */
import type { FieldLayout, StructLayout } from '../layout/layout.js';
import { asDataView, readScalar } from './scalar-io.js';
import { requireBytes, selectMember } from './decode.js';
import { checkAbi } from './abi-tag.js';

export interface DescribedLine {
  readonly offset: number;
  readonly size: number;
  readonly type: string;
  /** Field path such as `seg[3].last_sect`, or `(hole)` for padding. */
  readonly path: string;
  readonly value: number | bigint | undefined;
  readonly hex: string;
  /** A padding hole whose bytes are not zero. */
  readonly nonZeroPadding?: true;
}

export function describeLines(layout: StructLayout, buf: Uint8Array | DataView, byteOffset = 0): DescribedLine[] {
  const dv = asDataView(buf);
  requireBytes(dv, byteOffset, layout.size, layout.name);
  checkAbi(layout, dv, byteOffset, layout.size);
  const out: DescribedLine[] = [];
  walk(layout, dv, byteOffset, 0, '', out);
  return out;
}

function walk(l: StructLayout, dv: DataView, base: number, rel: number, prefix: string, out: DescribedLine[]): void {
  const fields = l.kind === 'union' ? l.fields.slice(0, 1) : l.fields;
  for (const f of fields) {
    for (const h of l.holes) if (h.before === f.name) out.push(hole(dv, base + h.offset, rel + h.offset, h.size));
    // An anonymous member adds no path segment: its members are the enclosing struct's (C11 6.7.2.1p13).
    const inner = f.anonymous ? prefix : `${prefix}${f.name}.`;
    if (f.select !== undefined && f.aggregate !== undefined) {
      // Only the alternative the discriminant selects is shown, under the names C code reads it by.
      const m = selectMember(l, f, dv, base);
      member(m, dv, base + f.offset, rel + f.offset, inner, out);
    } else if (f.anonymous && f.aggregate !== undefined) {
      walk(f.aggregate, dv, base + f.offset, rel + f.offset, prefix, out);
    } else {
      member(f, dv, base, rel, prefix, out);
    }
  }
  for (const h of l.holes) if (h.before === '(end)') out.push(hole(dv, base + h.offset, rel + h.offset, h.size));
}

function member(f: FieldLayout, dv: DataView, base: number, rel: number, prefix: string, out: DescribedLine[]): void {
  if (f.anonymous && f.aggregate !== undefined) {
    walk(f.aggregate, dv, base + f.offset, rel + f.offset, prefix, out);
    return;
  }
  const n = f.count ?? 1;
  for (let i = 0; i < n; i++) {
    const path = f.count === undefined ? `${prefix}${f.name}` : `${prefix}${f.name}[${i}]`;
    const at = f.offset + i * f.elemSize;
    if (f.scalar !== undefined) {
      out.push({ offset: rel + at, size: f.elemSize, type: f.cType, path, value: readScalar(dv, base + at, f.scalar), hex: hexOf(dv, base + at, f.elemSize) });
    } else {
      walk(f.aggregate as StructLayout, dv, base + at, rel + at, `${path}.`, out);
    }
  }
}

function hole(dv: DataView, at: number, rel: number, size: number): DescribedLine {
  const hex = hexOf(dv, at, size);
  const line: DescribedLine = { offset: rel, size, type: 'padding', path: '(hole)', value: undefined, hex };
  return /[^0]/.test(hex) ? { ...line, nonZeroPadding: true } : line;
}

export function hexOf(dv: DataView, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += dv.getUint8(off + i).toString(16).padStart(2, '0');
  return s;
}

/** The dump as text: one line a member, columns aligned. */
export function describe(layout: StructLayout, buf: Uint8Array | DataView, byteOffset = 0): string {
  const lines = describeLines(layout, buf, byteOffset);
  const head = `${layout.kind} ${layout.name} (${layout.abi}, ${layout.size} bytes)`;
  const rows = lines.map((d) => {
    const v = d.value === undefined ? (d.nonZeroPadding ? 'NON-ZERO PADDING' : '') : formatValue(d.value, d.size);
    return `  ${String(d.offset).padStart(4)}  ${String(d.size).padStart(2)}  ${d.type.padEnd(14)} ${d.path.padEnd(22)} ${v.padEnd(28)} ${d.hex}`;
  });
  return [head, '  offs  sz  type           field                  value                        bytes', ...rows].join('\n');
}

function formatValue(v: number | bigint, size: number): string {
  const u = typeof v === 'bigint' ? BigInt.asUintN(size * 8, v) : BigInt.asUintN(size * 8, BigInt(v));
  return `${v} (0x${u.toString(16)})`;
}

/**
 * Offsets of a fixed-width, naturally aligned declaration (every pcapng block head and the ringwire record
 * header), derived once from its field list: each member follows the previous one, and the derivation
 * refuses a member that would need padding, so the offsets are the same on every ABI and in either byte
 * order. src/trace/ reads offsets only from here.
 */
import { scalarTypes } from '../ctypes.js';
import type { StructDecl } from '../decl.js';

export interface FixedField {
  readonly offset: number;
  readonly size: number;
}

/** Member name → offset and size, plus the declaration's total size. */
export type FixedLayout<N extends string> = Readonly<Record<N, FixedField>> & { readonly sizeof: number };

export function fixedLayout<N extends string>(decl: StructDecl): FixedLayout<N> {
  const out: Record<string, FixedField | number> = {};
  let at = 0;
  for (const f of decl.fields) {
    const t = typeof f.type === 'string' ? scalarTypes[f.type] : undefined;
    if (t === undefined) throw new Error(`${decl.name}.${f.name}: only scalar members have a fixed layout`);
    const size = t.size * (f.count ?? 1);
    if (at % t.size !== 0) throw new Error(`${decl.name}.${f.name}: would need padding at ${at}`);
    out[f.name] = { offset: at, size };
    at += size;
  }
  const expected = decl.expect.x86_64?.size;
  if (expected !== at) throw new Error(`${decl.name}: fields add up to ${at} bytes, the declaration says ${String(expected)}`);
  out['sizeof'] = at;
  return out as unknown as FixedLayout<N>;
}

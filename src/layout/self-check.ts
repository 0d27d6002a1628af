/**
 * Load-time self-check of every declaration on every ABI: members in order without overlap, padding
 * accounted for as holes, unions' selectors naming real members, and the sizes and offsets the C compiler
 * gives (each declaration's `expect`) equal to the derived ones. A failure throws LayoutError at import.
 */
import { abiNames, structDecls, type StructDecl } from '../../protocol/index.js';
import { LayoutError } from '../errors.js';
import { compileDecl, hasStruct, layoutOf, structDecl } from './compile.js';
import type { StructLayout } from './layout.js';
import { findMember, memberNames } from './members.js';

export function checkLayout(l: StructLayout): void {
  const where = `${l.name} (${l.abi})`;
  let covered = 0;
  for (const f of l.fields) {
    if (l.kind === 'struct') {
      const hole = l.holes.find((h) => h.before === f.name);
      const expectedStart = covered + (hole?.size ?? 0);
      if (f.offset !== expectedStart || f.offset % f.align !== 0) {
        throw new LayoutError('LAYOUT_SELF_CHECK', `${where}: member ${f.name} at ${f.offset} overlaps or leaves unnamed padding.`, { path: `${l.name}.${f.name}`, offset: f.offset });
      }
      covered = f.offset + f.size;
    } else if (f.offset !== 0) {
      throw new LayoutError('LAYOUT_SELF_CHECK', `${where}: union member ${f.name} must sit at 0.`, { path: `${l.name}.${f.name}` });
    }
    if (f.select !== undefined && f.aggregate !== undefined) {
      const names = new Set(f.aggregate.fields.map((m) => m.name));
      const named = [f.select.fallback, ...Object.values(f.select.members ?? {})];
      for (const n of named) {
        if (!names.has(n)) throw new LayoutError('LAYOUT_SELF_CHECK', `${where}: ${f.name} selects unknown member ${n}.`, { path: `${l.name}.${f.name}` });
      }
      const by = f.select.by;
      if (by !== undefined && findMember(l, by)?.field.scalar === undefined) {
        throw new LayoutError('LAYOUT_SELF_CHECK', `${where}: ${f.name} is selected by ${by}, which is not a scalar sibling.`, { path: `${l.name}.${f.name}` });
      }
      const mask = f.select.mask;
      if (mask !== undefined && (!Number.isInteger(mask) || mask <= 0 || Object.keys(f.select.members ?? {}).some((k) => (Number(k) & mask) !== Number(k)))) {
        throw new LayoutError('LAYOUT_SELF_CHECK', `${where}: ${f.name}'s selector mask ${mask} is not a positive integer covering every member key.`, { path: `${l.name}.${f.name}`, received: mask });
      }
    }
    if (f.anonymous && (f.aggregate === undefined || f.count !== undefined)) {
      throw new LayoutError('LAYOUT_SELF_CHECK', `${where}: anonymous member ${f.name} must be one inline struct or union.`, { path: `${l.name}.${f.name}` });
    }
    if (f.aggregate !== undefined) checkLayout(f.aggregate);
  }
  if (l.flexible !== undefined) {
    const hole = l.holes.find((h) => h.before === l.flexible?.name)?.size ?? 0;
    if (l.flexible.offset !== covered + hole || l.flexible.size !== 0 || l.flexible.offset % l.flexible.align !== 0) {
      throw new LayoutError('LAYOUT_SELF_CHECK', `${where}: flexible array ${l.flexible.name} at ${l.flexible.offset} is misplaced.`, { path: `${l.name}.${l.flexible.name}`, offset: l.flexible.offset });
    }
    covered = l.flexible.offset;
  }
  // C11 6.7.2.1p13 makes anonymous members' members members of this struct: every name must be unique.
  const seen = new Set<string>();
  for (const n of memberNames(l)) {
    if (seen.has(n)) throw new LayoutError('LAYOUT_SELF_CHECK', `${where}: member name ${n} is declared twice (anonymous members lift their members into ${l.name}).`, { path: `${l.name}.${n}` });
    seen.add(n);
  }
  const tail = l.holes.find((h) => h.before === '(end)')?.size ?? 0;
  const end = l.kind === 'struct' ? covered + tail : Math.max(0, ...l.fields.map((f) => f.size)) + tail;
  if (end !== l.size && l.kind === 'struct') {
    throw new LayoutError('LAYOUT_SELF_CHECK', `${where}: members and holes cover ${end} bytes, size is ${l.size}.`, { path: l.name });
  }
  const expect = l.decl?.expect[l.abi];
  if (l.decl !== undefined && expect === undefined) {
    throw new LayoutError('LAYOUT_SELF_CHECK', `${where}: the declaration states no expected size for this ABI.`, { path: l.name });
  }
  if (expect !== undefined) {
    if (expect.size !== l.size) {
      throw new LayoutError('LAYOUT_SELF_CHECK', `${where}: derived size ${l.size}, the C compiler gives ${expect.size}.`, { path: l.name, expected: expect.size, received: l.size });
    }
    if (expect.align !== undefined && expect.align !== l.align) {
      throw new LayoutError('LAYOUT_SELF_CHECK', `${where}: derived alignment ${l.align}, the C compiler gives ${expect.align}.`, { path: l.name, expected: expect.align, received: l.align });
    }
    for (const [name, off] of Object.entries(expect.offsets ?? {})) {
      const f = findMember(l, name);
      if (f?.offset !== off) {
        throw new LayoutError('LAYOUT_SELF_CHECK', `${where}: ${name} derived at ${f?.offset}, the C compiler puts it at ${off}.`, { path: `${l.name}.${name}`, expected: off, received: f?.offset });
      }
    }
  }
}

/**
 * The wire shape of a layout: size and every member's (path, offset, size), nested members included.
 * Two layouts with equal shapes read and write the same bytes. `_Alignof` is not part of it.
 */
export function wireShape(l: StructLayout): string {
  const parts: string[] = [String(l.size)];
  const walk = (agg: StructLayout, prefix: string, base: number): void => {
    for (const f of agg.fields) {
      const path = f.anonymous ? prefix : `${prefix}${f.name}`;
      if (!f.anonymous) parts.push(`${path}@${base + f.offset}+${f.size}`);
      if (f.aggregate !== undefined) walk(f.aggregate, f.anonymous ? prefix : `${path}.`, base + f.offset);
    }
    if (agg.flexible !== undefined) parts.push(`${prefix}${agg.flexible.name}[]@${base + agg.flexible.offset}+${agg.flexible.elemSize}`);
  };
  walk(l, '', 0);
  return parts.join(' ');
}

/**
 * A declaration marked `abiIndependent` must derive the same wire shape (size and every member offset) on
 * every ABI; the marker is a claim the layout compiler proves, not a hint.
 */
export function checkAbiIndependent(layouts: readonly StructLayout[]): void {
  const first = layouts[0];
  if (first === undefined) return;
  const shape = wireShape(first);
  for (const l of layouts) {
    const other = wireShape(l);
    if (other !== shape) {
      throw new LayoutError('LAYOUT_SELF_CHECK', `${l.name} is declared abiIndependent but is laid out differently on ${first.abi} and ${l.abi}.`, {
        path: l.name, expected: shape, received: other,
      });
    }
  }
}

/**
 * Check declarations on every ABI: every declared struct by default (run once when the package loads), or
 * the declarations given (registered ones use the cached layouts, others are compiled afresh).
 */
export function checkAllLayouts(decls: readonly StructDecl[] = structDecls): void {
  for (const d of decls) {
    const registered = hasStruct(d.name) && structDecl(d.name) === d;
    const layouts = abiNames.map((abi) => (registered ? layoutOf(d.name, { abi }) : compileDecl(d, { abi })));
    for (const l of layouts) checkLayout(l);
    if (d.abiIndependent === true) checkAbiIndependent(layouts);
  }
}

/**
 * Derive a struct's layout from its protocol/ declaration by the C rules: each member at the next multiple of
 * its alignment, a struct's size rounded up to its largest member alignment, a union's members all at 0.
 * Integer alignment comes from the ABI (abi.ts), which is how x86_32's 4-aligned uint64_t falls out.
 */
import {
  abis, scalarTypes, structDecls, defaultAbi,
  type AbiName, type FieldDecl, type InlineAggregate, type StructDecl,
} from '../../protocol/index.js';
import { LayoutError } from '../errors.js';
import type { FieldLayout, Hole, StructLayout, VirtioByteOrder } from './layout.js';

const declsByName = new Map<string, StructDecl>(structDecls.map((d) => [d.name, d]));

export interface LayoutOptions {
  readonly abi?: AbiName;
  /** Byte order of `__virtio*` fields (legacy virtio uses the guest's); `little` by default. */
  readonly byteOrder?: VirtioByteOrder;
}

const cache = new Map<string, StructLayout>();

/** The names of all declared structs, in declaration order. */
export function structNames(): string[] {
  return structDecls.map((d) => d.name);
}

export function hasStruct(name: string): boolean {
  return declsByName.has(name);
}

export function structDecl(name: string): StructDecl {
  const d = declsByName.get(name);
  if (d === undefined) {
    throw new LayoutError('UNKNOWN_STRUCT', `Unknown struct "${name}"; known: ${structNames().join(', ')}.`, {
      received: name, expected: 'a declared struct name',
    });
  }
  return d;
}

/** The layout of a declared struct for an ABI (x86_64 by default). Cached; layouts are immutable. */
export function layoutOf(name: string, options: LayoutOptions = {}): StructLayout {
  const abi = options.abi ?? defaultAbi;
  const byteOrder = options.byteOrder ?? 'little';
  const key = `${name}/${abi}/${byteOrder}`;
  let l = cache.get(key);
  if (l === undefined) {
    if (!(abi in abis)) throw new LayoutError('UNKNOWN_ABI', `Unknown ABI "${String(abi)}".`, { received: abi, expected: Object.keys(abis) });
    const decl = structDecl(name);
    l = compileAggregate(decl.name, decl.kind, decl.fields, abi, byteOrder, decl);
    cache.set(key, l);
  }
  return l;
}

/**
 * Derive the layout of a declaration that need not be registered in protocol/ (uncached): how the self-check
 * tests itself on deliberately broken declarations. Named struct member types still come from protocol/.
 */
export function compileDecl(decl: StructDecl, options: LayoutOptions = {}): StructLayout {
  const abi = options.abi ?? defaultAbi;
  if (!(abi in abis)) throw new LayoutError('UNKNOWN_ABI', `Unknown ABI "${String(abi)}".`, { received: abi, expected: Object.keys(abis) });
  return compileAggregate(decl.name, decl.kind, decl.fields, abi, options.byteOrder ?? 'little', decl);
}

function compileAggregate(
  name: string, kind: 'struct' | 'union', decls: readonly FieldDecl[], abi: AbiName,
  byteOrder: VirtioByteOrder, decl: StructDecl | undefined,
): StructLayout {
  const fields: FieldLayout[] = [];
  const holes: Hole[] = [];
  let flexible: FieldLayout | undefined;
  let end = 0;
  let align = 1;
  for (const [i, f] of decls.entries()) {
    if (f.onlyAbi !== undefined && !f.onlyAbi.includes(abi)) continue;
    if (f.flexible === true) {
      if (i !== decls.length - 1 || kind !== 'struct' || f.count !== undefined) {
        throw new LayoutError('LAYOUT_SELF_CHECK', `${name}.${f.name}: a flexible array member must be the last member of a struct, without a count.`, { path: `${name}.${f.name}` });
      }
      // C11 6.7.2.1p18: placed like an array of unknown size at its alignment; contributes no size.
      const m = compileMember(name, f, abi, byteOrder);
      const offset = roundUp(end, m.align);
      if (offset > end) holes.push({ offset: end, size: offset - end, before: f.name });
      flexible = { ...m, offset, size: 0, count: 0 };
      end = offset;
      align = Math.max(align, m.align);
      continue;
    }
    const m = compileMember(name, f, abi, byteOrder);
    const offset = kind === 'union' ? 0 : roundUp(end, m.align);
    if (kind === 'struct' && offset > end) holes.push({ offset: end, size: offset - end, before: f.name });
    fields.push({ ...m, offset });
    end = kind === 'union' ? Math.max(end, m.size) : offset + m.size;
    align = Math.max(align, m.align);
  }
  const size = roundUp(end, align);
  if (size > end && kind === 'struct') holes.push({ offset: end, size: size - end, before: '(end)' });
  return Object.freeze({ name, kind, abi, byteOrder, size, align, fields: Object.freeze(fields), flexible, holes: Object.freeze(holes), decl });
}

function compileMember(owner: string, f: FieldDecl, abi: AbiName, byteOrder: VirtioByteOrder): Omit<FieldLayout, 'offset'> {
  const count = f.count;
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    throw new LayoutError('LAYOUT_SELF_CHECK', `${owner}.${f.name}: array count must be a positive integer.`, { path: `${owner}.${f.name}` });
  }
  const anonymous = f.anonymous === true;
  if (anonymous && (typeof f.type === 'string' || count !== undefined || f.flexible === true)) {
    throw new LayoutError('LAYOUT_SELF_CHECK', `${owner}.${f.name}: an anonymous member must be an inline struct or union, not an array (C11 6.7.2.1p13).`, { path: `${owner}.${f.name}` });
  }
  const common = {
    name: f.name, anonymous, count, select: f.select, sharedIndex: f.sharedIndex === true, doc: f.doc,
  };
  if (typeof f.type === 'string') {
    const s = scalarTypes[f.type];
    if (s !== undefined) {
      const littleEndian = s.order === 'virtio' ? byteOrder === 'little' : s.order === 'little' ? true : abis[abi].byteOrder === 'little';
      const align = abis[abi].alignOf[s.size];
      return { ...common, size: s.size * (count ?? 1), align, elemSize: s.size, cType: f.type, scalar: { type: s, littleEndian }, aggregate: undefined };
    }
    const inner = layoutOf(f.type, { abi, byteOrder });
    return { ...common, size: inner.size * (count ?? 1), align: inner.align, elemSize: inner.size, cType: `${inner.kind} ${inner.name}`, scalar: undefined, aggregate: inner };
  }
  const agg: InlineAggregate = f.type;
  const inner = compileAggregate(`${owner}.${f.name}`, agg.kind, agg.fields, abi, byteOrder, undefined);
  return { ...common, size: inner.size * (count ?? 1), align: inner.align, elemSize: inner.size, cType: agg.kind, scalar: undefined, aggregate: inner };
}

function roundUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

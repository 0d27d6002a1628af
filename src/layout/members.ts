/**
 * Member lookup by C name through anonymous members. C11 6.7.2.1p13: the members of an anonymous struct or
 * union are members of the enclosing struct or union, so `virtio_net_hdr_v1.csum_start` and `.rsc` are found
 * inside its anonymous union (and csum_start inside that union's anonymous struct).
 */
import type { FieldLayout, StructLayout } from './layout.js';

export interface VisibleMember {
  readonly field: FieldLayout;
  /** Offset of the member from the start of the aggregate searched (anonymous holders' offsets added). */
  readonly offset: number;
}

/** The member named `name` of `l`, looking through anonymous members; undefined when there is none. */
export function findMember(l: StructLayout, name: string): VisibleMember | undefined {
  for (const f of l.fields) {
    if (f.anonymous) {
      if (f.aggregate === undefined) continue;
      const inner = findMember(f.aggregate, name);
      if (inner !== undefined) return { field: inner.field, offset: f.offset + inner.offset };
    } else if (f.name === name) {
      return { field: f, offset: f.offset };
    }
  }
  if (l.flexible?.name === name) return { field: l.flexible, offset: l.flexible.offset };
  return undefined;
}

/** Every member name of `l` as C code writes it (anonymous members' members in their place), in C order. */
export function memberNames(l: StructLayout): string[] {
  const out: string[] = [];
  for (const f of l.fields) {
    if (f.anonymous) out.push(...(f.aggregate === undefined ? [] : memberNames(f.aggregate)));
    else out.push(f.name);
  }
  return out;
}

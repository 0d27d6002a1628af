/**
 * Which ring fields are shared indices, read from the declarations. protocol/virtio/ring.ts marks `sharedIndex`
 * the fields through which one side hands the other control of ring entries: vring_avail.flags / idx,
 * vring_used.flags / idx, vring_packed_desc.flags and both vring_packed_desc_event fields. SplitRing and
 * PackedRing take the offsets they access through RingPort.load/storeIndex16 (Atomics on a SharedArrayBuffer)
 * from this list only, and reach every other field through plain views, so the declaration decides.
 *
 * The split ring's used_event and avail_event are the one exception: they are not members of any struct but the
 * __virtio16 after a flexible ring[] (linux/virtio_ring.h vring_used_event() / vring_avail_event()), so no
 * declaration can carry the flag; split-ring.ts accesses them as shared indices by name.
 */
import { LayoutError } from '../errors.js';
import type { StructLayout } from '../layout/layout.js';

/** Every `sharedIndex` member of `layout` with its offset; each must be a 16-bit scalar (virtio indices are __virtio16 / __le16). */
export function sharedIndexOffsets(layout: StructLayout): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  for (const f of layout.fields) {
    if (!f.sharedIndex) continue;
    if (f.scalar === undefined || f.size !== 2) {
      throw new LayoutError('LAYOUT_SELF_CHECK', `${layout.name}.${f.name} is marked sharedIndex but is not a 16-bit scalar.`, { path: `${layout.name}.${f.name}`, received: f.size });
    }
    out.set(f.name, f.offset);
  }
  return out;
}

/** The offset of shared index `name` of `layout`; LayoutError when the declaration does not mark it sharedIndex. */
export function sharedIndexOffset(layout: StructLayout, name: string): number {
  const off = sharedIndexOffsets(layout).get(name);
  if (off === undefined) {
    throw new LayoutError('LAYOUT_NOT_SHARED_INDEX', `${layout.name}.${name} is not declared sharedIndex, so it cannot be accessed as a shared index.`, { path: `${layout.name}.${name}` });
  }
  return off;
}

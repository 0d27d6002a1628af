/**
 * Where the parts of a split virtqueue lie (virtio 1.2 §2.7): the descriptor table, the driver area
 * (vring_avail + ring[num] + used_event) and the device area (vring_used + ring[num] + avail_event).
 *
 * Sizes come from the protocol/ layouts: a descriptor is sizeof(vring_desc), the rings start at the
 * flexible members offsetof(vring_avail, ring) / offsetof(vring_used, ring), a used entry is sizeof(vring_used_elem) and an avail entry or
 * event word is a __virtio16. The alignments are VRING_DESC/AVAIL/USED_ALIGN_SIZE.
 */
import { scalarTypes } from '../../protocol/index.js';
import { virtioConstant } from './virtio-constants.js';
import { layoutOf } from '../layout/compile.js';

const DESC = layoutOf('vring_desc').size;
const USED_ELEM = layoutOf('vring_used_elem').size;
const U16 = (scalarTypes['__virtio16'] as { size: number }).size;
/** offsetof(struct vring_avail, ring) and offsetof(struct vring_used, ring): the flexible arrays. */
const AVAIL_RING = (layoutOf('vring_avail').flexible as { offset: number }).offset;
const USED_RING = (layoutOf('vring_used').flexible as { offset: number }).offset;

export const VRING_DESC_ALIGN_SIZE = virtioConstant('VRING_DESC_ALIGN_SIZE');
export const VRING_AVAIL_ALIGN_SIZE = virtioConstant('VRING_AVAIL_ALIGN_SIZE');
export const VRING_USED_ALIGN_SIZE = virtioConstant('VRING_USED_ALIGN_SIZE');

/** Byte offsets within each area and the areas' sizes, for a queue of `num` entries. */
export interface SplitAreas {
  readonly num: number;
  readonly eventIdx: boolean;
  readonly descSize: number;
  /** Size of the driver area: header, ring[num], and used_event when eventIdx. */
  readonly availSize: number;
  /** Size of the device area: header, ring[num], and avail_event when eventIdx. */
  readonly usedSize: number;
  /** Offset of avail.ring[0] within the driver area. */
  readonly availRing: number;
  /** Offset of used_event (vring_used_event(): avail->ring[num]) within the driver area. */
  readonly usedEvent: number;
  /** Offset of used.ring[0] within the device area. */
  readonly usedRing: number;
  /** Offset of avail_event (vring_avail_event(): used->ring[num]) within the device area. */
  readonly availEvent: number;
  readonly descStride: number;
  readonly availStride: number;
  readonly usedStride: number;
}

export function splitAreas(num: number, eventIdx: boolean): SplitAreas {
  const ev = eventIdx ? U16 : 0;
  return {
    num, eventIdx,
    descSize: DESC * num,
    availSize: AVAIL_RING + U16 * num + ev,
    usedSize: USED_RING + USED_ELEM * num + ev,
    availRing: AVAIL_RING,
    usedEvent: AVAIL_RING + U16 * num,
    usedRing: USED_RING,
    availEvent: USED_RING + USED_ELEM * num,
    descStride: DESC, availStride: U16, usedStride: USED_ELEM,
  };
}

/** vring_init()'s placement of the three areas in one legacy block (virtio 1.2 §2.7.2), relative to its start. */
export interface LegacyPlacement {
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
  readonly size: number;
}

export function legacyPlacement(num: number, align: number): LegacyPlacement {
  const avail = DESC * num;
  // vring_init: used = align_up(&avail->ring[num] + sizeof(__virtio16)) — the driver area always has used_event.
  const used = Number((BigInt(avail + AVAIL_RING + U16 * num + U16) + BigInt(align) - 1n) & ~(BigInt(align) - 1n));
  return { desc: 0, avail, used, size: vringSize(num, align) };
}

/**
 * linux/virtio_ring.h vring_size(num, align): bytes of a legacy vring, computed as the header does in
 * size_t / unsigned long and returned as unsigned int (so truncated to 32 bits). Legacy rings always
 * reserve used_event and avail_event.
 */
export function vringSize(num: number, align: number): number {
  const n = BigInt(num >>> 0);
  const a = BigInt(align);
  const mask64 = (1n << 64n) - 1n;
  const first = (BigInt(DESC) * n + BigInt(U16) * (3n + n) + a - 1n) & (~(a - 1n) & mask64);
  return Number((first + BigInt(U16) * 3n + BigInt(USED_ELEM) * n) & 0xffffffffn);
}

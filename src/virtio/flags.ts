/**
 * The virtio ring flag and event-suppression constants, each taken from its declaration in
 * protocol/virtio/constants.ts (linux/virtio_ring.h, checked against the C preprocessor by the oracle).
 * This is the one module the rings, walkers, drivers, devices and dumps import them from.
 */
import { virtioConstant } from './virtio-constants.js';

/** linux/virtio_ring.h: the descriptor continues via `next` (split) / the next ring entry (packed). */
export const VRING_DESC_F_NEXT = virtioConstant('VRING_DESC_F_NEXT');
/** linux/virtio_ring.h: the buffer is device-writable (otherwise device-readable). */
export const VRING_DESC_F_WRITE = virtioConstant('VRING_DESC_F_WRITE');
/** linux/virtio_ring.h: the buffer holds a table of descriptors (virtio 1.2 §2.7.5.3, §2.8.7). */
export const VRING_DESC_F_INDIRECT = virtioConstant('VRING_DESC_F_INDIRECT');
/** linux/virtio_ring.h: the device asks not to be kicked (split, without EVENT_IDX; §2.7.10). */
export const VRING_USED_F_NO_NOTIFY = virtioConstant('VRING_USED_F_NO_NOTIFY');
/** linux/virtio_ring.h: the driver asks not to be interrupted (split, without EVENT_IDX; §2.7.7). */
export const VRING_AVAIL_F_NO_INTERRUPT = virtioConstant('VRING_AVAIL_F_NO_INTERRUPT');

/** linux/virtio_ring.h: the bit number (7) of a packed descriptor's AVAIL flag (virtio 1.2 §2.8.1). */
export const VRING_PACKED_DESC_F_AVAIL = virtioConstant('VRING_PACKED_DESC_F_AVAIL');
/** linux/virtio_ring.h: the bit number (15) of a packed descriptor's USED flag. */
export const VRING_PACKED_DESC_F_USED = virtioConstant('VRING_PACKED_DESC_F_USED');
/** The mask of the AVAIL flag, 1 << VRING_PACKED_DESC_F_AVAIL (the spec's VIRTQ_DESC_F_AVAIL). */
export const VRING_PACKED_DESC_F_AVAIL_BIT = 1 << VRING_PACKED_DESC_F_AVAIL;
/** The mask of the USED flag, 1 << VRING_PACKED_DESC_F_USED (the spec's VIRTQ_DESC_F_USED). */
export const VRING_PACKED_DESC_F_USED_BIT = 1 << VRING_PACKED_DESC_F_USED;
/** virtio 1.2 §2.8.10: event suppression structure `flags` values. */
export const VRING_PACKED_EVENT_FLAG_ENABLE = virtioConstant('VRING_PACKED_EVENT_FLAG_ENABLE');
export const VRING_PACKED_EVENT_FLAG_DISABLE = virtioConstant('VRING_PACKED_EVENT_FLAG_DISABLE');
export const VRING_PACKED_EVENT_FLAG_DESC = virtioConstant('VRING_PACKED_EVENT_FLAG_DESC');
/** linux/virtio_ring.h: bit number of the wrap counter in `off_wrap` (15); bits 0..14 are the offset. */
export const VRING_PACKED_EVENT_F_WRAP_CTR = virtioConstant('VRING_PACKED_EVENT_F_WRAP_CTR');

/*
 * The virtio specification's own spellings of the same values (virtio 1.2 §2.7.5 `VIRTQ_DESC_F_*`,
 * §2.7.6 `VIRTQ_AVAIL_F_NO_INTERRUPT`, §2.7.8 `VIRTQ_USED_F_NO_NOTIFY`), for code written from the spec.
 */
export const VIRTQ_DESC_F_NEXT = VRING_DESC_F_NEXT;
export const VIRTQ_DESC_F_WRITE = VRING_DESC_F_WRITE;
export const VIRTQ_DESC_F_INDIRECT = VRING_DESC_F_INDIRECT;
export const VIRTQ_AVAIL_F_NO_INTERRUPT = VRING_AVAIL_F_NO_INTERRUPT;
export const VIRTQ_USED_F_NO_NOTIFY = VRING_USED_F_NO_NOTIFY;
/** virtio 1.2 §2.8.1: the packed descriptor flag masks, `#define VIRTQ_DESC_F_AVAIL (1 << 7)` and `(1 << 15)`. */
export const VIRTQ_DESC_F_AVAIL = VRING_PACKED_DESC_F_AVAIL_BIT;
export const VIRTQ_DESC_F_USED = VRING_PACKED_DESC_F_USED_BIT;

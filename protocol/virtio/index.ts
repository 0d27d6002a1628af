/**
 * The virtio half of protocol/: linux/virtio_ring.h, virtio_net.h, virtio_blk.h, virtio_config.h.
 * Every virtio struct is fixed-width and naturally aligned, so it is laid out alike on every ABI.
 */
import type { ConstantDecl, StructDecl } from '../decl.js';
import { vring_desc, vring_avail, vring_used_elem, vring_used, vring_packed_desc, vring_packed_desc_event } from './ring.js';
import { virtio_net_hdr, virtio_net_hdr_mrg_rxbuf, virtio_net_hdr_v1, virtio_net_hdr_v1_hash } from './net.js';
import { virtio_blk_outhdr, virtio_blk_discard_write_zeroes } from './blk.js';
import { virtioRingConstants, virtioConfigConstants, virtioBlkConstants, virtioNetConstants, virtioIdConstants } from './constants.js';

/** Virtio structs, in header order (a struct before any struct that embeds it). */
export const virtioStructs: readonly StructDecl[] = [
  vring_desc, vring_avail, vring_used_elem, vring_used, vring_packed_desc_event, vring_packed_desc,
  virtio_net_hdr_v1, virtio_net_hdr_v1_hash, virtio_net_hdr, virtio_net_hdr_mrg_rxbuf,
  virtio_blk_outhdr, virtio_blk_discard_write_zeroes,
];

export const virtioConstants: readonly ConstantDecl[] = [
  ...virtioRingConstants, ...virtioConfigConstants, ...virtioBlkConstants, ...virtioNetConstants, ...virtioIdConstants,
];

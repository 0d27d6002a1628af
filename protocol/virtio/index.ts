/**
 * The virtio half of protocol/: linux/virtio_ring.h, virtio_net.h, virtio_blk.h, virtio_config.h.
 * Every virtio struct is fixed-width and naturally aligned, so it is laid out alike on every ABI.
 */
import type { ConstantDecl, StructDecl } from '../decl.js';
// The one import from src/: the leaf module of typed errors (it imports nothing), so a failed lookup is a RingwireError.
import { LayoutError } from '../../src/errors.js';
import { vring_desc, vring_avail, vring_used_elem, vring_used, vring_packed_desc, vring_packed_desc_event } from './ring.js';
import { virtio_net_hdr, virtio_net_hdr_mrg_rxbuf, virtio_net_hdr_v1, virtio_net_hdr_v1_hash } from './net.js';
import { virtio_blk_outhdr, virtio_blk_discard_write_zeroes } from './blk.js';
import { virtioRingConstants, virtioConfigConstants, virtioBlkConstants, virtioNetConstants } from './constants.js';

/** Virtio structs, in header order (a struct before any struct that embeds it). */
export const virtioStructs: readonly StructDecl[] = [
  vring_desc, vring_avail, vring_used_elem, vring_used, vring_packed_desc_event, vring_packed_desc,
  virtio_net_hdr_v1, virtio_net_hdr_v1_hash, virtio_net_hdr, virtio_net_hdr_mrg_rxbuf,
  virtio_blk_outhdr, virtio_blk_discard_write_zeroes,
];

export const virtioConstants: readonly ConstantDecl[] = [
  ...virtioRingConstants, ...virtioConfigConstants, ...virtioBlkConstants, ...virtioNetConstants,
];

const byName = new Map(virtioConstants.map((c) => [c.name, c.value]));

/** The value of a virtio constant by its C name; LayoutError UNKNOWN_CONSTANT for a name no header defines. */
export function virtioConstant(name: string): number {
  const v = byName.get(name);
  if (v === undefined) throw new LayoutError('UNKNOWN_CONSTANT', `No virtio constant "${name}" is declared (linux/virtio_*.h).`, { received: name });
  return v;
}

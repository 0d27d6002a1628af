/**
 * Every wire format ringwire knows, declared once. src/ derives layouts, views, codecs and rings from these.
 */
import type { ConstantDecl, StructDecl } from './decl.js';
import { xen_sring_header } from './xen/ring.js';
import { blkif_request_segment, blkif_request, blkif_request_discard, blkif_request_indirect, blkif_response } from './xen/blkif.js';
import {
  netif_tx_request, netif_tx_response, netif_rx_request, netif_rx_response, netif_extra_info,
  xen_netif_ctrl_request, xen_netif_ctrl_response, xen_netif_gref,
} from './xen/netif.js';
import { blkifConstants, netifConstants, ringConstants } from './xen/constants.js';
import { xenbusConstants } from './xen/xenbus.js';
import { virtioStructs, virtioConstants } from './virtio/index.js';
import type { vring_desc, vring_avail, vring_used_elem, vring_used, vring_packed_desc, vring_packed_desc_event } from './virtio/ring.js';
import type { virtio_net_hdr, virtio_net_hdr_mrg_rxbuf, virtio_net_hdr_v1, virtio_net_hdr_v1_hash } from './virtio/net.js';
import type { virtio_blk_outhdr, virtio_blk_discard_write_zeroes } from './virtio/blk.js';

export * from './abi.js';
export * from './ctypes.js';
export type * from './decl.js';
export { XEN_PAGE_SHIFT, MAX_RING_PAGE_ORDER } from './xen/ring.js';
export type { RingTypeDecl, RecordVariantsDecl, RecordVariantDecl, ExtraSlotsDecl } from './xen/ring.js';
export { xenRingTypes, type XenRingName } from './xen/rings.js';
export {
  xenbusStateNames, xenbusConstants, xenbusTransitions, type XenbusStateName, type XenbusEnd, type XenbusTransitionDecl,
} from './xen/xenbus.js';
export { virtioStructs, virtioConstants } from './virtio/index.js';

/** Xen structs, in header order. */
export const xenStructs: readonly StructDecl[] = [
  xen_sring_header,
  blkif_request_segment, blkif_request, blkif_request_discard, blkif_request_indirect, blkif_response,
  xen_netif_ctrl_request, xen_netif_ctrl_response, xen_netif_gref,
  netif_tx_request, netif_extra_info, netif_tx_response, netif_rx_request, netif_rx_response,
];

export const xenConstants: readonly ConstantDecl[] = [...ringConstants, ...blkifConstants, ...netifConstants, ...xenbusConstants];

/** Every declared struct (Xen, and virtio once declared), by C name. */
export const structDecls: readonly StructDecl[] = [...xenStructs, ...virtioStructs];
export const constantDecls: readonly ConstantDecl[] = [...xenConstants, ...virtioConstants];

/**
 * The declarations by struct name, as types with every literal kept (`as const satisfies StructDecl`):
 * what typed records (src/codec/typed-record.ts) derive member names and value types from. A struct
 * missing here (xen_sring_header, declared without `as const`) still has an untyped codec.
 */
export interface StructDeclRegistry {
  blkif_request_segment: typeof blkif_request_segment;
  blkif_request: typeof blkif_request;
  blkif_request_discard: typeof blkif_request_discard;
  blkif_request_indirect: typeof blkif_request_indirect;
  blkif_response: typeof blkif_response;
  xen_netif_ctrl_request: typeof xen_netif_ctrl_request;
  xen_netif_ctrl_response: typeof xen_netif_ctrl_response;
  xen_netif_gref: typeof xen_netif_gref;
  netif_tx_request: typeof netif_tx_request;
  netif_extra_info: typeof netif_extra_info;
  netif_tx_response: typeof netif_tx_response;
  netif_rx_request: typeof netif_rx_request;
  netif_rx_response: typeof netif_rx_response;
  vring_desc: typeof vring_desc;
  vring_avail: typeof vring_avail;
  vring_used_elem: typeof vring_used_elem;
  vring_used: typeof vring_used;
  vring_packed_desc: typeof vring_packed_desc;
  vring_packed_desc_event: typeof vring_packed_desc_event;
  virtio_net_hdr: typeof virtio_net_hdr;
  virtio_net_hdr_mrg_rxbuf: typeof virtio_net_hdr_mrg_rxbuf;
  virtio_net_hdr_v1: typeof virtio_net_hdr_v1;
  virtio_net_hdr_v1_hash: typeof virtio_net_hdr_v1_hash;
  virtio_blk_outhdr: typeof virtio_blk_outhdr;
  virtio_blk_discard_write_zeroes: typeof virtio_blk_discard_write_zeroes;
}

/** A struct name with a typed codec. */
export type TypedStructName = keyof StructDeclRegistry;

/** The trace format (pcapng container, ringwire record framing), declared as data. */
export * as trace from './trace/index.js';

/** Every error code and protocol rule, with its citation (protocol/catalogue/). */
export {
  catalogue, ruleFamilies, xenRingCatalogue, xenbusCatalogue, virtqCatalogue, guestMemoryCatalogue, codecCatalogue,
  layoutCatalogue, portCatalogue, traceCatalogue, cliCatalogue,
  type CatalogueId, type RuleEntry, type RuleSource, type RuleFamily, type RuleKind, type RuleParty, type RuleSeverity,
  type HeaderSource, type LinuxSource, type VirtioSource, type PolicySource,
} from './catalogue/index.js';

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
import { virtioStructs, virtioConstants } from './virtio/index.js';

export * from './abi.js';
export * from './ctypes.js';
export type * from './decl.js';
export { xenRingTypes, XEN_PAGE_SHIFT, MAX_RING_PAGE_ORDER } from './xen/ring.js';
export type { RingTypeDecl } from './xen/ring.js';
export { virtioStructs, virtioConstants, virtioConstant } from './virtio/index.js';

/** Xen structs, in header order. */
export const xenStructs: readonly StructDecl[] = [
  xen_sring_header,
  blkif_request_segment, blkif_request, blkif_request_discard, blkif_request_indirect, blkif_response,
  xen_netif_ctrl_request, xen_netif_ctrl_response, xen_netif_gref,
  netif_tx_request, netif_extra_info, netif_tx_response, netif_rx_request, netif_rx_response,
];

export const xenConstants: readonly ConstantDecl[] = [...ringConstants, ...blkifConstants, ...netifConstants];

/** Every declared struct (Xen, and virtio once declared), by C name. */
export const structDecls: readonly StructDecl[] = [...xenStructs, ...virtioStructs];
export const constantDecls: readonly ConstantDecl[] = [...xenConstants, ...virtioConstants];
export * as trace from './trace/index.js';

/**
 * The netif receive ring (backend → guest). The frontend posts empty granted pages as netif_rx_request
 * {id, gref}; the backend fills them and answers netif_rx_response {id, offset, flags, status}, where status
 * is the byte count (or a negative NETIF_RSP_*). netif.h "Guest receive" gives a packet's wire format:
 *
 *   Fragment 1: flags = NETRXF_*, size = fragment size
 *   [Extra 1..N: netif_extra_info_t] - only if fragment 1 has NETRXF_extra_info; chained by XEN_NETIF_EXTRA_MORE
 *   Fragment 2..N - only if the previous fragment has NETRXF_more_data
 *
 * so the packet size is the sum of the fragments. Extra info overlays the response, id included, so netif.h
 * requires every response to land in the ring slot of the request consumed to make room for it ("backends
 * must make sure this is the case"); the frontend relies on that, as Linux netfront does, to find the
 * buffer of each slot, and checks the id of every data slot against it.
 *
 * This module holds what both ends share (the NETRXF_* flags and the packet types); the ends are
 * netif-rx-front.ts and netif-rx-back.ts.
 */
import { xenConstant } from './xen-constants.js';
import type { NetifExtras } from './netif-extra.js';

export const NETRXF_data_validated = xenConstant('NETRXF_data_validated');
export const NETRXF_csum_blank = xenConstant('NETRXF_csum_blank');
export const NETRXF_more_data = xenConstant('NETRXF_more_data');
export const NETRXF_extra_info = xenConstant('NETRXF_extra_info');
export const NETRXF_gso_prefix = xenConstant('NETRXF_gso_prefix');

/** A posted receive buffer: one granted page. */
export interface NetifRxBuffer { readonly id: number; readonly gref: number }

/** A filled buffer: `size` bytes at `offset` in the page `gref` names. */
export interface NetifRxFragment { readonly id: number; readonly gref: number; readonly offset: number; readonly size: number }

export interface NetifRxPacket {
  /** Ring index of the packet's first slot. */
  readonly index: number;
  /** Ring slots the packet used, extra-info slots included. */
  readonly slots: number;
  /** Sum of the fragment sizes. */
  readonly size: number;
  /** NETIF_RSP_OKAY, or the first negative status a data slot carried (NETIF_RSP_ERROR / _DROPPED). */
  readonly status: number;
  readonly dataValidated: boolean;
  readonly csumBlank: boolean;
  /** NETRXF_gso_prefix ("Deprecated but included for compatibility"). */
  readonly gsoPrefix: boolean;
  readonly fragments: readonly NetifRxFragment[];
  readonly extras: NetifExtras;
  /** Buffers whose slots carried extra info: never filled, free to post again. */
  readonly released: readonly NetifRxBuffer[];
}

/** A packet as the backend delivers it: where each fragment lies in its buffer. */
export interface NetifRxDelivery {
  readonly fragments: readonly { readonly offset?: number; readonly size: number }[];
  readonly dataValidated?: boolean;
  readonly csumBlank?: boolean;
  readonly extras?: NetifExtras;
}

/** What deliver() wrote: the buffers it filled (copy the data there) and those its extra slots used. */
export interface NetifRxDelivered {
  readonly index: number;
  readonly slots: number;
  readonly fragments: readonly NetifRxFragment[];
  readonly released: readonly NetifRxBuffer[];
}

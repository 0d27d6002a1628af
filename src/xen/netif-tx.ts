/**
 * The netif transmit ring (guest → backend). netif.h "Guest transmit" gives the wire format of a packet:
 *
 *   Fragment 1: netif_tx_request_t  - flags = NETTXF_*, size = total packet size
 *   [Extra 1..N: netif_extra_info_t] - only if fragment 1 has NETTXF_extra_info; chained by XEN_NETIF_EXTRA_MORE
 *   Fragment 2..N: netif_tx_request_t - only if the previous fragment has NETTXF_more_data; size = fragment size
 *
 * so "the actual size of fragment 1 can only be determined by subtracting the sizes of fragments 2..N from
 * the total packet size". Every request slot is answered by one netif_tx_response: data slots with their id
 * and a NETIF_RSP_* status, extra-info slots with NETIF_RSP_NULL ("No response: used for auxiliary requests
 * (e.g., netif_extra_info_t)"), whose id carries nothing. Responses need not come in slot order (a
 * zero-copy backend answers when it releases a page), so the frontend matches them by id.
 *
 * This module holds what both ends share (the NETTXF_* flags and the packet types); the ends are
 * netif-tx-front.ts and netif-tx-back.ts.
 */
import { xenConstant } from './xen-constants.js';
import type { NetifExtras } from './netif-extra.js';

export const NETTXF_csum_blank = xenConstant('NETTXF_csum_blank');
export const NETTXF_data_validated = xenConstant('NETTXF_data_validated');
export const NETTXF_more_data = xenConstant('NETTXF_more_data');
export const NETTXF_extra_info = xenConstant('NETTXF_extra_info');

/** One granted buffer fragment: `size` bytes at `offset` in the page `gref` names. */
export interface NetifTxFragment { readonly gref: number; readonly offset: number; readonly size: number }

/** A packet as the frontend queues it; its size is the sum of the fragment sizes. */
export interface NetifTxPacket {
  readonly fragments: readonly NetifTxFragment[];
  /** NETTXF_csum_blank: the protocol checksum field is blank (offload). */
  readonly csumBlank?: boolean;
  /** NETTXF_data_validated: the data has been validated against the protocol checksum. */
  readonly dataValidated?: boolean;
  readonly extras?: NetifExtras;
}

export interface NetifTxCompletion {
  /** The first slot's id (what queue() returned). */
  readonly id: number;
  /** The id of every data slot, in packet order. */
  readonly ids: readonly number[];
  /** NETIF_RSP_OKAY when every data slot was answered OKAY, else the first other status. */
  readonly status: number;
  readonly statuses: readonly number[];
  readonly packet: NetifTxPacket;
}

/** A fragment as the backend receives it (the first one's size already derived from the total). */
export interface NetifTxReceivedFragment { readonly id: number; readonly gref: number; readonly offset: number; readonly size: number }

export interface NetifTxReceivedPacket {
  /** Ring index of the packet's first slot. */
  readonly index: number;
  /** Ring slots the packet used, extra-info slots included (each gets a response). */
  readonly slots: number;
  /** The first slot's size: the whole packet. */
  readonly size: number;
  readonly csumBlank: boolean;
  readonly dataValidated: boolean;
  readonly fragments: readonly NetifTxReceivedFragment[];
  readonly extras: NetifExtras;
}

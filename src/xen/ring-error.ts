/**
 * RingError: a Xen ring operation was refused because the indices or records the peer published break
 * ring.h's rules (or a caller asked for something the ring cannot do). The refused operation leaves the ring
 * state unchanged. `index` is the ring index involved, `expected` / `received` the values compared.
 */
import { RingwireError, type ErrorDetail } from '../errors.js';
import type { XenRingRuleId } from '../../protocol/catalogue/index.js';

/** Stable codes carried by RingError (never reworded). */
export const xenRingErrorCodes = Object.freeze({
  /** RING_REQUEST_PROD_OVERFLOW: the frontend published more requests than the ring holds. */
  REQ_PROD_OVERFLOW: 'XEN_RING_REQ_PROD_OVERFLOW',
  /** RING_RESPONSE_PROD_OVERFLOW: the backend published more responses than the ring holds. */
  RSP_PROD_OVERFLOW: 'XEN_RING_RSP_PROD_OVERFLOW',
  /** rsp_prod ran ahead of the requests the frontend produced. */
  RSP_PROD_AHEAD: 'XEN_RING_RSP_PROD_AHEAD',
  /** A response carries an id that no outstanding request has. */
  UNKNOWN_RESPONSE_ID: 'XEN_RING_UNKNOWN_RESPONSE_ID',
  /** A request reuses an id that is still outstanding. */
  DUPLICATE_REQUEST_ID: 'XEN_RING_DUPLICATE_REQUEST_ID',
  /** RING_FULL: no free slot for a request (or no consumed request left to answer). */
  RING_FULL: 'XEN_RING_FULL',
  /** A record read from the ring is malformed (bad operation, segment count, packet chain). */
  BAD_RECORD: 'XEN_RING_BAD_RECORD',
  /** The memory given cannot hold the ring (order out of range, buffer too short, misaligned offset). */
  BAD_MEMORY: 'XEN_RING_BAD_MEMORY',
  /** Unknown ring type name. */
  UNKNOWN_RING_TYPE: 'XEN_RING_UNKNOWN_TYPE',
  /** A producer index read again is behind where it was (or behind what was already consumed). */
  INDEX_BACKWARDS: 'XEN_RING_INDEX_BACKWARDS',
} as const satisfies Record<string, XenRingRuleId>);

/**
 * The record rules of blkif.h and netif.h (XEN_BLKIF_*, XEN_NETIF_*): a typed end that meets one in a private
 * copy refuses with the rule's own code (record-fault.ts).
 */
export type XenRecordRuleId = Extract<XenRingRuleId, `XEN_BLKIF_${string}` | `XEN_NETIF_${string}`> | 'XEN_RING_BAD_RECORD';

export type XenRingErrorCode = (typeof xenRingErrorCodes)[keyof typeof xenRingErrorCodes] | XenRecordRuleId;

export class RingError extends RingwireError {
  declare readonly code: XenRingErrorCode;
  constructor(code: XenRingErrorCode, message: string, detail: ErrorDetail = {}) {
    super(code, message, detail);
  }
}

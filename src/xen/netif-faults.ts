/**
 * The netif record checks, each a pure function of values read from private copies: what Linux netback
 * refuses in a tx packet (xenvif_count_requests, xenvif_get_extras, xenvif_set_skb_gso) and what a frontend
 * refuses in a control response. The typed ends throw a fault with its own catalogue id as the code
 * (faultError); the trace checker reports it under the same id. One definition serves both.
 */
import { faultError, type RecordFault } from './record-fault.js';
import { xenConstant } from './xen-constants.js';
import { netifCtrlRing } from '../../protocol/xen/netif.js';
import { XEN_PAGE_SHIFT } from '../../protocol/index.js';

// netif.h values, from protocol/ (netif-extra.ts exports the same; read here directly so the two modules do not import each other).
const XEN_NETIF_NR_SLOTS_MIN = xenConstant('XEN_NETIF_NR_SLOTS_MIN');
const XEN_NETIF_EXTRA_TYPE_GSO = xenConstant('XEN_NETIF_EXTRA_TYPE_GSO');
const XEN_NETIF_EXTRA_TYPE_MAX = xenConstant('XEN_NETIF_EXTRA_TYPE_MAX');
const XEN_NETIF_GSO_TYPE_TCPV4 = xenConstant('XEN_NETIF_GSO_TYPE_TCPV4');
const XEN_NETIF_GSO_TYPE_TCPV6 = xenConstant('XEN_NETIF_GSO_TYPE_TCPV6');
/** A granted buffer is one page of 1 << XEN_PAGE_SHIFT bytes. */
const XEN_PAGE_SIZE = 1 << XEN_PAGE_SHIFT;

/** One violation, as record-fault.ts shapes every record rule's. */
export type NetifFault = RecordFault;
export { faultError };

/** netif.h "offset: Offset within buffer page": a fragment of `size` bytes at `offset` must not cross it (netback: "Cross page boundary"). */
export function txCrossesPage(index: number, offset: number, size: number): NetifFault | undefined {
  if (offset + size <= XEN_PAGE_SIZE) return undefined;
  return {
    rule: 'XEN_NETIF_CROSSES_PAGE', index, path: 'netif_tx_request.offset', expected: `offset + size <= ${XEN_PAGE_SIZE}`, received: offset + size,
    message: `Slot ${index}: fragment at offset ${offset} of ${size} bytes crosses its page.`, source: 'netif.h: offset: Offset within buffer page',
  };
}

/**
 * A packet at `start` whose data slot `last` (the `dataSlots`-th) still has NETTXF_more_data, with
 * XEN_NETIF_NR_SLOTS_MIN data slots already taken: "a backend must accept packets using slots up to this value".
 */
export function txTooManySlots(start: number, last: number, dataSlots: number): NetifFault | undefined {
  if (dataSlots < XEN_NETIF_NR_SLOTS_MIN) return undefined;
  return {
    rule: 'XEN_NETIF_TOO_MANY_SLOTS', index: last, path: 'netif_tx_request.flags', expected: `at most ${XEN_NETIF_NR_SLOTS_MIN} data slots`, received: dataSlots + 1,
    message: `The tx packet at ${start} continues past ${XEN_NETIF_NR_SLOTS_MIN} data slots (slot ${last} has NETTXF_more_data).`,
    source: 'netif.h XEN_NETIF_NR_SLOTS_MIN: a backend must accept packets using slots up to this value',
  };
}

/** A following fragment of `size` bytes when the first slot's total leaves `remaining` (netback: "Frag is bigger than frame"). */
export function txFirstSlotShort(index: number, size: number, remaining: number): NetifFault | undefined {
  if (size <= remaining) return undefined;
  return {
    rule: 'XEN_NETIF_FIRST_SLOT_SHORT', index, path: 'netif_tx_request.size', expected: `<= ${remaining}`, received: size,
    message: `Slot ${index}: fragment size ${size} exceeds the ${remaining} bytes the first slot's total leaves.`,
    source: 'netif.h Guest transmit: fragment 1 size = total packet size - sizes of fragments 2..N',
  };
}

/**
 * An extra-info slot's type: XEN_NETIF_EXTRA_TYPE_NONE is "Never used - invalid" and nothing is defined from
 * XEN_NETIF_EXTRA_TYPE_MAX on (netback: "Invalid extra type"); `seenBefore`: the packet already had one of it.
 */
export function extraTypeFault(index: number, type: number, seenBefore: boolean): NetifFault | undefined {
  if (type < XEN_NETIF_EXTRA_TYPE_GSO || type >= XEN_NETIF_EXTRA_TYPE_MAX) {
    return {
      rule: 'XEN_NETIF_EXTRA_BAD_TYPE', index, path: 'netif_extra_info.type', expected: `${XEN_NETIF_EXTRA_TYPE_GSO}..${XEN_NETIF_EXTRA_TYPE_MAX - 1}`, received: type,
      message: `Slot ${index}: netif_extra_info.type ${type} is not a XEN_NETIF_EXTRA_TYPE_*.`,
      source: 'netif.h: XEN_NETIF_EXTRA_TYPE_NONE (0) Never used - invalid; XEN_NETIF_EXTRA_TYPE_MAX',
    };
  }
  if (!seenBefore) return undefined;
  return {
    rule: 'XEN_NETIF_EXTRA_REPEATED', index, path: 'netif_extra_info.type', expected: 'one extra of each type per packet', received: type,
    message: `Slot ${index}: a second netif_extra_info of type ${type} in one packet.`, source: 'ringwire policy: one extra of each type per packet',
  };
}

/** A GSO extra's u.gso (netback xenvif_set_skb_gso: "GSO size must not be zero", "Bad GSO type"). */
export function gsoFault(index: number, gso: { readonly size: number; readonly type: number }): NetifFault | undefined {
  if (gso.size === 0) {
    return {
      rule: 'XEN_NETIF_GSO_SIZE_ZERO', index, path: 'netif_extra_info.u.gso.size', expected: '> 0', received: 0,
      message: `Slot ${index}: a GSO extra with segment size 0.`, source: 'Linux xen-netback xenvif_set_skb_gso: GSO size must not be zero',
    };
  }
  if (gso.type === XEN_NETIF_GSO_TYPE_TCPV4 || gso.type === XEN_NETIF_GSO_TYPE_TCPV6) return undefined;
  return {
    rule: 'XEN_NETIF_GSO_UNKNOWN_TYPE', index, path: 'netif_extra_info.u.gso.type', expected: `XEN_NETIF_GSO_TYPE_TCPV4 (${XEN_NETIF_GSO_TYPE_TCPV4}) or _TCPV6 (${XEN_NETIF_GSO_TYPE_TCPV6})`, received: gso.type,
    message: `Slot ${index}: GSO type ${gso.type} is neither XEN_NETIF_GSO_TYPE_TCPV4 nor XEN_NETIF_GSO_TYPE_TCPV6.`, source: 'Linux xen-netback xenvif_set_skb_gso: Bad GSO type',
  };
}

/**
 * A GSO extra of `type` sent to a backend that did not offer it (netif.h "feature-gso-tcpv4",
 * "feature-gso-tcpv6"): `offered` is whether the backend wrote that key = 1.
 */
export function gsoOfferFault(index: number, type: number, offered: boolean): NetifFault | undefined {
  if (offered) return undefined;
  const key = gsoFeatureKey(type);
  return {
    rule: 'XEN_NETIF_GSO_NOT_OFFERED', index, path: 'netif_extra_info.u.gso.type', expected: `no GSO extra of type ${type}: the backend did not write ${key} = 1`, received: type,
    message: `Slot ${index}: a GSO extra of type ${type}, which the backend did not offer (${key}).`, source: `netif.h ${key}`,
  };
}

/** The xenstore key a backend writes to offer GSO of `type` (netif.h "feature-gso-tcpv4", "feature-gso-tcpv6"). */
export function gsoFeatureKey(type: number): string {
  return type === XEN_NETIF_GSO_TYPE_TCPV4 ? 'feature-gso-tcpv4' : 'feature-gso-tcpv6';
}

// ---- the control ring -------------------------------------------------------------------------------------

/** The XEN_NETIF_CTRL_TYPE_* the ring declares (protocol/xen/netif.ts), by value. */
const ctrlTypes = new Set(netifCtrlRing.requestVariants.variants.map((v) => xenConstant(v.constant)));
const STATUS_SUCCESS = xenConstant('XEN_NETIF_CTRL_STATUS_SUCCESS');
const STATUS_LAST = xenConstant('XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW');

/** A control request type netif.h defines no request for (XEN_NETIF_CTRL_TYPE_INVALID included): netback answers NOT_SUPPORTED. */
export function ctrlTypeFault(index: number, type: number): NetifFault | undefined {
  if (ctrlTypes.has(type)) return undefined;
  return {
    rule: 'XEN_NETIF_CTRL_UNKNOWN_TYPE', index, path: 'xen_netif_ctrl_request.type', expected: `a XEN_NETIF_CTRL_TYPE_* (${[...ctrlTypes].join(', ')})`, received: type,
    message: `Request ${index}: control type ${type} is no XEN_NETIF_CTRL_TYPE_* request.`, source: 'netif.h Control messages',
  };
}

/** A control response status past the XEN_NETIF_CTRL_STATUS_* values (SUCCESS .. BUFFER_OVERFLOW). */
export function ctrlStatusFault(index: number, status: number): NetifFault | undefined {
  if (status >= STATUS_SUCCESS && status <= STATUS_LAST) return undefined;
  return {
    rule: 'XEN_NETIF_CTRL_BAD_STATUS', index, path: 'xen_netif_ctrl_response.status', expected: `${STATUS_SUCCESS}..${STATUS_LAST}`, received: status,
    message: `Response ${index}: status ${status} is not a XEN_NETIF_CTRL_STATUS_* value.`, source: 'netif.h Control responses: status: XEN_NETIF_CTRL_STATUS_*',
  };
}

/** A control response whose type does not echo its request's ("type: the type of the corresponding request"). */
export function ctrlEchoFault(index: number, id: number, type: number, requestType: number): NetifFault | undefined {
  if (type === requestType) return undefined;
  return {
    rule: 'XEN_RING_BAD_RECORD', index, path: 'xen_netif_ctrl_response.type', expected: requestType, received: type,
    message: `Response ${index} for id ${id} has type ${type}; the request was type ${requestType}.`, source: 'netif.h Control responses: type: the type of the corresponding request',
  };
}

const txStatuses = new Set(['NETIF_RSP_DROPPED', 'NETIF_RSP_ERROR', 'NETIF_RSP_OKAY', 'NETIF_RSP_NULL'].map((c) => xenConstant(c)));

/** A tx response status that is no NETIF_RSP_* (DROPPED, ERROR, OKAY or NULL). */
export function txStatusFault(index: number, status: number): NetifFault | undefined {
  if (txStatuses.has(status)) return undefined;
  return {
    rule: 'XEN_RING_BAD_RECORD', index, path: 'netif_tx_response.status', expected: 'NETIF_RSP_OKAY, _ERROR, _DROPPED or _NULL', received: status,
    message: `Response ${index}: status ${status} is not a NETIF_RSP_* value.`, source: 'netif.h: NETIF_RSP_DROPPED, NETIF_RSP_ERROR, NETIF_RSP_OKAY, NETIF_RSP_NULL',
  };
}

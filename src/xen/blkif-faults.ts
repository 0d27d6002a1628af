/**
 * The blkif record checks, each a pure function of values read from a private copy (no allocation when the
 * record is good): what Linux blkback refuses in a request (drivers/block/xen-blkback/blkback.c:
 * do_block_io_op, dispatch_rw_block_io, dispatch_discard_io) and what Linux blkfront refuses in a response
 * (drivers/block/xen-blkfront.c: blkif_interrupt). BlkifBack and BlkifFront throw a fault with its rule as
 * the code (faultError); the trace checker (check/rules/xen-blkif.ts) and the dump checker (check/dump-xen.ts)
 * report the same fault. Values come from protocol/ through xenConstant, never restated.
 */
import { XEN_PAGE_SHIFT } from '../../protocol/index.js';
import { blkifRing } from '../../protocol/xen/blkif.js';
import { layoutOf } from '../layout/compile.js';
import { xenConstant } from './xen-constants.js';
import type { RecordFault } from './record-fault.js';

const BLKIF_OP_READ = xenConstant('BLKIF_OP_READ');
const BLKIF_OP_WRITE = xenConstant('BLKIF_OP_WRITE');
const BLKIF_OP_DISCARD = xenConstant('BLKIF_OP_DISCARD');
const BLKIF_OP_INDIRECT = xenConstant('BLKIF_OP_INDIRECT');
const BLKIF_MAX_SEGMENTS_PER_REQUEST = xenConstant('BLKIF_MAX_SEGMENTS_PER_REQUEST');
const BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST = xenConstant('BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST');
const statuses = [xenConstant('BLKIF_RSP_OKAY'), xenConstant('BLKIF_RSP_ERROR'), xenConstant('BLKIF_RSP_EOPNOTSUPP')];

/**
 * The operations a backend serves: those the ring's declaration names (protocol/xen/blkif.ts) but
 * BLKIF_OP_RESERVED_1, which blkif.h names and no backend serves (blkback's dispatch_other_io refuses it).
 * Indexed by operation value (a uint8_t).
 */
const served: readonly boolean[] = (() => {
  const t = new Array<boolean>(256).fill(false);
  for (const v of blkifRing.requestVariants.variants) if (v.constant !== 'BLKIF_OP_RESERVED_1') t[xenConstant(v.constant)] = true;
  return t;
})();
/** The operations whose request carries seg[] (read, write, write barrier). */
const withSegments: readonly boolean[] = (() => {
  const t = new Array<boolean>(256).fill(false);
  for (const v of blkifRing.requestVariants.variants) if ('segments' in v) t[xenConstant(v.constant)] = true;
  return t;
})();

/** Sectors of 512 bytes in a page of 1 << XEN_PAGE_SHIFT bytes: last_sect is at most 7. */
export const LAST_SECT_MAX = (1 << XEN_PAGE_SHIFT) / 512 - 1;
/**
 * The most segments an indirect request can carry: BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST pages of
 * (1 << XEN_PAGE_SHIFT) / sizeof(struct blkif_request_segment) segments.
 */
export const INDIRECT_SEGMENTS_MAX = BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * ((1 << XEN_PAGE_SHIFT) / layoutOf('blkif_request_segment').size);

/** What the backend offered in xenstore, which bounds what a frontend may send (blkif.h "feature-*" keys). */
export interface BlkifBackFeatures {
  /** feature-max-indirect-segments (absent: 0); at most INDIRECT_SEGMENTS_MAX. */
  readonly maxIndirectSegments: number;
  /** feature-discard = 1. */
  readonly discard: boolean;
}

/** A backend that offers everything the protocol allows (what BlkifBack assumes until told otherwise). */
export const BLKIF_ALL_FEATURES: BlkifBackFeatures = Object.freeze({ maxIndirectSegments: INDIRECT_SEGMENTS_MAX, discard: true });

/** True when `op` is an operation a backend serves. */
export function blkifServes(op: number): boolean {
  return served[op & 0xff] === true && op === (op & 0xff);
}

/** True when requests with operation `op` carry seg[] (read, write, write barrier). */
export function blkifHasSegments(op: number): boolean {
  return withSegments[op & 0xff] === true && op === (op & 0xff);
}

/** blkback do_block_io_op: an operation it does not know is answered with an error ("unknown operation"). */
export function blkifOpFault(index: number, op: number): RecordFault | undefined {
  if (blkifServes(op)) return undefined;
  return {
    rule: 'XEN_BLKIF_UNKNOWN_OP', index, path: 'blkif_request.operation', expected: 'a BLKIF_OP_* a backend serves', received: op,
    message: `Request ${index}: operation ${op} names no BLKIF_OP_* a backend serves.`, source: 'Linux xen-blkback blkback.c do_block_io_op',
  };
}

/**
 * nr_segments of a request with operation `op` (a known one): a read or write carries 1..11
 * (blkback dispatch_rw_block_io: "nseg == 0" or "nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST" fails), a write
 * barrier at most 11, an indirect request at most what the backend offered.
 */
export function blkifSegmentCountFault(index: number, op: number, n: number, features: BlkifBackFeatures): RecordFault | undefined {
  if (op === BLKIF_OP_INDIRECT) {
    const limit = Math.min(features.maxIndirectSegments, INDIRECT_SEGMENTS_MAX);
    if (n <= limit) return undefined;
    return {
      rule: 'XEN_BLKIF_INDIRECT_TOO_MANY', index, path: 'blkif_request_indirect.nr_segments', expected: `<= ${limit}`, received: n,
      message: `Request ${index}: an indirect request of ${n} segments; the backend takes at most ${limit}.`,
      source: 'xen/io/blkif.h feature-max-indirect-segments; Linux xen-blkback dispatch_rw_block_io',
    };
  }
  if ((op === BLKIF_OP_READ || op === BLKIF_OP_WRITE) && n === 0) {
    return {
      rule: 'XEN_BLKIF_NO_SEGMENTS', index, path: 'blkif_request.nr_segments', expected: `1..${BLKIF_MAX_SEGMENTS_PER_REQUEST}`, received: 0,
      message: `Request ${index}: a ${op === BLKIF_OP_READ ? 'read' : 'write'} with no segments.`, source: 'Linux xen-blkback blkback.c dispatch_rw_block_io',
    };
  }
  if (!blkifHasSegments(op) || n <= BLKIF_MAX_SEGMENTS_PER_REQUEST) return undefined;
  return {
    rule: 'XEN_BLKIF_TOO_MANY_SEGMENTS', index, path: 'blkif_request.nr_segments', expected: `<= ${BLKIF_MAX_SEGMENTS_PER_REQUEST}`, received: n,
    message: `Request ${index}: ${n} segments; a direct request holds ${BLKIF_MAX_SEGMENTS_PER_REQUEST}.`, source: 'xen/io/blkif.h BLKIF_MAX_SEGMENTS_PER_REQUEST',
  };
}

/** Segment `k`'s first_sect after its last_sect (blkback dispatch_rw_block_io: "last_sect < first_sect" fails). */
export function blkifSectOrderFault(index: number, k: number, first: number, last: number): RecordFault | undefined {
  if (first <= last) return undefined;
  return {
    rule: 'XEN_BLKIF_SECT_ORDER', index, path: `blkif_request.seg[${k}].first_sect`, expected: `<= last_sect ${last}`, received: first,
    message: `Request ${index}: segment ${k} starts at sector ${first}, after its last sector ${last}.`, source: 'Linux xen-blkback blkback.c dispatch_rw_block_io',
  };
}

/** Segment `k`'s last_sect past its frame (blkback dispatch_rw_block_io: "last_sect >= XEN_PAGE_SIZE >> 9" fails). */
export function blkifSectPastPageFault(index: number, k: number, last: number): RecordFault | undefined {
  if (last <= LAST_SECT_MAX) return undefined;
  return {
    rule: 'XEN_BLKIF_SECT_PAST_PAGE', index, path: `blkif_request.seg[${k}].last_sect`, expected: `<= ${LAST_SECT_MAX}`, received: last,
    message: `Request ${index}: segment ${k} ends at sector ${last}, past its ${1 << XEN_PAGE_SHIFT}-byte frame.`, source: 'Linux xen-blkback blkback.c dispatch_rw_block_io',
  };
}

/** A discard request to a backend that did not write feature-discard = 1 (blkif.h feature-discard). */
export function blkifDiscardFault(index: number, op: number, features: BlkifBackFeatures): RecordFault | undefined {
  if (op !== BLKIF_OP_DISCARD || features.discard) return undefined;
  return {
    rule: 'XEN_BLKIF_DISCARD_NOT_OFFERED', index, path: 'blkif_request_discard.operation', expected: 'no BLKIF_OP_DISCARD without feature-discard = 1', received: op,
    message: `Request ${index}: a discard, which the backend did not offer (feature-discard).`, source: 'xen/io/blkif.h feature-discard',
  };
}

/** A response status that is no BLKIF_RSP_* (blkfront blkif_interrupt treats anything else as unknown). */
export function blkifStatusFault(index: number, status: number): RecordFault | undefined {
  if (status === statuses[0] || status === statuses[1] || status === statuses[2]) return undefined;
  return {
    rule: 'XEN_BLKIF_BAD_STATUS', index, path: 'blkif_response.status', expected: 'BLKIF_RSP_OKAY (0), BLKIF_RSP_ERROR (-1) or BLKIF_RSP_EOPNOTSUPP (-2)', received: status,
    message: `Response ${index}: status ${status} is no BLKIF_RSP_*.`, source: 'xen/io/blkif.h BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, BLKIF_RSP_EOPNOTSUPP',
  };
}

/**
 * A response whose operation is not its request's (for BLKIF_OP_INDIRECT: its indirect_op, which blkback's
 * make_response echoes); Linux blkfront blkif_interrupt refuses it ("response has wrong operation").
 */
export function blkifRspOperationFault(index: number, id: bigint | string, op: number, want: number): RecordFault | undefined {
  if (op === want) return undefined;
  return {
    rule: 'XEN_BLKIF_RSP_OPERATION', index, path: 'blkif_response.operation', expected: want, received: op,
    message: `Response ${index} for id ${String(id)} carries operation ${op}; a response to this request carries ${want}.`,
    source: 'Linux xen-blkfront.c blkif_interrupt: response has wrong operation',
  };
}

/**
 * Xen shared rings (RingError): ring.h's index rules, request and response ids, and the records a ring holds
 * (blkif, netif). Macros are those of xen/io/ring.h; Linux functions name the driver behaviour ringwire follows.
 */
import type { RuleEntry } from './types.js';

export const xenRingCatalogue = [
  {
    id: 'XEN_RING_REQ_PROD_OVERFLOW', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'The frontend never publishes req_prod more than the ring size ahead of the responses produced, so no request overwrites an unanswered one.',
    source: { header: 'xen/io/ring.h', macro: 'RING_REQUEST_PROD_OVERFLOW' },
  },
  {
    id: 'XEN_RING_RSP_PROD_OVERFLOW', family: 'xen-ring', kind: 'protocol', binds: 'back', severity: 'error',
    statement: 'The backend never publishes rsp_prod more than the ring size ahead of the responses the frontend consumed.',
    source: { header: 'xen/io/ring.h', macro: 'RING_RESPONSE_PROD_OVERFLOW' },
  },
  {
    id: 'XEN_RING_RSP_PROD_AHEAD', family: 'xen-ring', kind: 'protocol', binds: 'back', severity: 'error',
    statement: 'rsp_prod never passes the requests the frontend produced, since each response answers one request.',
    source: { ringwire: 'policy', why: 'RING_RESPONSE_PROD_OVERFLOW bounds rsp_prod by the ring size only; a response slot past req_prod answers a request that was never made.' },
  },
  {
    id: 'XEN_RING_UNKNOWN_RESPONSE_ID', family: 'xen-ring', kind: 'protocol', binds: 'back', severity: 'error',
    statement: 'A response carries the id of a request that is outstanding, and answers it once.',
    source: { linux: 'drivers/block/xen-blkfront.c', function: 'blkif_interrupt' },
  },
  {
    id: 'XEN_RING_DUPLICATE_REQUEST_ID', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A frontend does not reuse a request id while the request holding it is still outstanding.',
    source: { linux: 'drivers/block/xen-blkfront.c', function: 'get_id_from_freelist' },
  },
  {
    id: 'XEN_RING_FULL', family: 'xen-ring', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'A request is produced only into a free slot, and a response only for a request already consumed.',
    source: { header: 'xen/io/ring.h', macro: 'RING_FULL' },
  },
  {
    id: 'XEN_RING_BAD_RECORD', family: 'xen-ring', kind: 'protocol', binds: 'either', severity: 'error',
    statement: 'A record on the ring holds a known operation or type, a segment or slot count within its limits and fields consistent with its request.',
    source: { linux: 'drivers/block/xen-blkback/blkback.c', function: 'dispatch_rw_block_io' },
  },
  {
    id: 'XEN_RING_BAD_MEMORY', family: 'xen-ring', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'A shared ring lies in memory of 4096 << order bytes (order within MAX_RING_PAGE_ORDER), suitably aligned for its shared indices.',
    source: { header: 'xen/io/ring.h', macro: '__CONST_RING_SIZE' },
  },
  {
    id: 'XEN_RING_UNKNOWN_TYPE', family: 'xen-ring', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'A ring type is named as ringwire declares it (blkif, netif_tx, netif_rx, xen_netif_ctrl).',
    source: { ringwire: 'policy', why: 'ring types are the DEFINE_RING_TYPES instances declared in protocol/xen/rings.ts; any other name has no layout.' },
  },
] as const satisfies readonly RuleEntry[];

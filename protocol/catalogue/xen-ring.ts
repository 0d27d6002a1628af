/**
 * Xen shared rings (RingError): ring.h's index rules, request and response ids, and the records a ring holds
 * (blkif, netif). Macros are those of xen/io/ring.h; Linux functions name the driver behaviour ringwire follows.
 */
import type { RuleEntry } from './types.js';

export const xenRingCatalogue = [
  {
    id: 'XEN_RING_REQ_PROD_OVERFLOW', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'The frontend never publishes req_prod more than the ring size ahead of the responses produced, so no request overwrites an unanswered one.',
    source: { header: 'xen/io/ring.h', macro: 'RING_REQUEST_PROD_OVERFLOW' }, dumps: true,
  },
  {
    id: 'XEN_RING_RSP_PROD_OVERFLOW', family: 'xen-ring', kind: 'protocol', binds: 'back', severity: 'error',
    statement: 'The backend never publishes rsp_prod more than the ring size ahead of the responses the frontend consumed.',
    source: { header: 'xen/io/ring.h', macro: 'RING_RESPONSE_PROD_OVERFLOW' }, dumps: true,
  },
  {
    id: 'XEN_RING_RSP_PROD_AHEAD', family: 'xen-ring', kind: 'protocol', binds: 'back', severity: 'error',
    statement: 'rsp_prod never passes the requests the frontend produced, since each response answers one request.',
    source: { ringwire: 'policy', why: 'RING_RESPONSE_PROD_OVERFLOW bounds rsp_prod by the ring size only; a response slot past req_prod answers a request that was never made.' }, dumps: true,
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
  // ---- Checked on traces by src/check/ (no error class throws these) ----
  {
    id: 'XEN_RING_INDEX_BACKWARDS', family: 'xen-ring', kind: 'protocol', binds: 'either', severity: 'error',
    statement: 'A producer index (req_prod, rsp_prod) only moves forward: a store that moves it back un-publishes records the peer may already hold.',
    source: { header: 'xen/io/ring.h', macro: 'RING_PUSH_REQUESTS' },
  },
  {
    id: 'XEN_RING_CONS_PAST_PROD', family: 'xen-ring', kind: 'protocol', binds: 'either', severity: 'error',
    statement: 'A consumer copies only records already published: RING_COPY_REQUEST below req_prod, RING_COPY_RESPONSE below rsp_prod.',
    source: { header: 'xen/io/ring.h', macro: 'RING_REQUEST_CONS_OVERFLOW' }, checked: 'trace',
    unseen: 'Which slots a consumer copies is its own business: its peer sees only the indices and event fields it publishes, so only a monitor of its reads (the trace\'s read records) sees a copy past the producer index.',
  },
  {
    id: 'XEN_RING_SLOT_REWRITTEN', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A frontend writes a request slot only before publishing it: from the index store until its response, the slot is the backend\'s to read.',
    source: { header: 'xen/io/ring.h', macro: 'RING_PUSH_REQUESTS' }, checked: 'trace',
    unseen: 'A backend that copies each request once (RING_COPY_REQUEST) never sees a store to the slot after its copy, and a store before it is indistinguishable from the original request; only a monitor of the frontend\'s writes sees the rewrite.',
  },
  {
    id: 'XEN_RING_DOUBLE_FETCH', family: 'xen-ring', kind: 'protocol', binds: 'either', severity: 'error',
    statement: 'A consumer copies each record from shared memory once and acts on the copy, never reading a consumed slot again (XSA-155).',
    source: { header: 'xen/io/ring.h', macro: 'RING_COPY_REQUEST' }, checked: 'trace',
    unseen: 'Which shared bytes an end reads, and how often, is seen only by a monitor of its reads; the peer sees none of them.',
  },
  {
    id: 'XEN_RING_MISSING_NOTIFY', family: 'xen-ring', kind: 'protocol', binds: 'either', severity: 'error',
    statement: 'A producer whose push moved its index past the peer\'s event index (new - event < new - old) notifies the event channel before its next ring action.',
    source: { header: 'xen/io/ring.h', macro: 'RING_PUSH_REQUESTS_AND_CHECK_NOTIFY' }, checked: 'trace',
    unseen: 'A notification that never comes looks, to the peer, like a producer that has not published yet; only a monitor that sees both the index store and the event channel can tell.',
  },
  {
    id: 'XEN_RING_NOTIFY_NOT_NEEDED', family: 'xen-ring', kind: 'protocol', binds: 'either', severity: 'info',
    statement: 'An end notifies only after a push that moved its index past the peer\'s event index; other notifications cost the peer a wakeup for nothing.',
    source: { header: 'xen/io/ring.h', macro: 'RING_PUSH_RESPONSES_AND_CHECK_NOTIFY' }, checked: 'trace',
    unseen: 'Spurious events are legal and must be tolerated: ring.h\'s consumers re-check the indices on every event; the peer cannot tell one from an event that raced a final check.',
  },
  {
    id: 'XEN_RING_STUCK', family: 'xen-ring', kind: 'protocol', binds: 'back', severity: 'error',
    statement: 'At the end of a trace every published request of a ring that answers each request (all but netif_rx) has its response published.',
    source: { linux: 'drivers/block/xen-blkback/blkback.c', function: 'xen_blkif_schedule' }, checked: 'trace',
    unseen: 'At any moment a peer that stopped is indistinguishable from a slow one; only the end of the whole trace shows work never answered.',
  },
  {
    id: 'XEN_RING_NOTIFY_STORM', family: 'xen-ring', kind: 'protocol', binds: 'either', severity: 'warning',
    statement: 'An end does not raise the event channel again and again with no new records published in between (XSA-391: a peer can be flooded with events).',
    source: { linux: 'drivers/xen/events/events_base.c', function: 'xen_irq_lateeoi' }, checked: 'trace',
    unseen: 'Each event on its own is legal (spurious events must be tolerated); a flood is a rate over time that a monitor judges, and the peer\'s defence is rate limiting (XSA-391, lateeoi), not refusal.',
  },
  {
    id: 'XEN_BLKIF_UNKNOWN_OP', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A blkif request\'s operation is one of BLKIF_OP_READ, WRITE, WRITE_BARRIER, FLUSH_DISKCACHE, DISCARD or INDIRECT.',
    source: { linux: 'drivers/block/xen-blkback/blkback.c', function: 'do_block_io_op' }, dumps: true,
  },
  {
    id: 'XEN_BLKIF_NO_SEGMENTS', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A blkif read or write request carries at least one segment.',
    source: { linux: 'drivers/block/xen-blkback/blkback.c', function: 'dispatch_rw_block_io' }, dumps: true,
  },
  {
    id: 'XEN_BLKIF_TOO_MANY_SEGMENTS', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A direct blkif request carries at most BLKIF_MAX_SEGMENTS_PER_REQUEST (11) segments.',
    source: { header: 'xen/io/blkif.h', macro: 'BLKIF_MAX_SEGMENTS_PER_REQUEST' }, dumps: true,
  },
  {
    id: 'XEN_BLKIF_SECT_ORDER', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'Each segment of a blkif request has first_sect <= last_sect (last_sect is inclusive).',
    source: { linux: 'drivers/block/xen-blkback/blkback.c', function: 'dispatch_rw_block_io' }, dumps: true,
  },
  {
    id: 'XEN_BLKIF_SECT_PAST_PAGE', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'Each segment of a blkif request ends within its 4096-byte frame: last_sect <= 7 (512-byte sectors).',
    source: { header: 'xen/io/blkif.h', macro: 'struct blkif_request_segment' }, dumps: true,
  },
  {
    id: 'XEN_BLKIF_INDIRECT_TOO_MANY', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A BLKIF_OP_INDIRECT request carries at most the feature-max-indirect-segments the backend wrote (none if it wrote none), and never more than BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST pages of segments.',
    source: { header: 'xen/io/blkif.h', macro: 'BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST' }, dumps: true,
  },
  {
    id: 'XEN_BLKIF_DISCARD_NOT_OFFERED', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A frontend sends BLKIF_OP_DISCARD only to a backend that wrote feature-discard = 1.',
    source: { header: 'xen/io/blkif.h', macro: 'BLKIF_OP_DISCARD' },
  },
  {
    id: 'XEN_BLKIF_BAD_STATUS', family: 'xen-ring', kind: 'protocol', binds: 'back', severity: 'error',
    statement: 'A blkif response\'s status is BLKIF_RSP_OKAY (0), BLKIF_RSP_ERROR (-1) or BLKIF_RSP_EOPNOTSUPP (-2).',
    source: { header: 'xen/io/blkif.h', macro: 'BLKIF_RSP_OKAY' },
  },
  {
    id: 'XEN_BLKIF_RSP_OPERATION', family: 'xen-ring', kind: 'protocol', binds: 'back', severity: 'error',
    statement: 'A blkif response\'s operation is copied from its request: the request\'s operation, or for BLKIF_OP_INDIRECT its indirect_op.',
    source: { linux: 'drivers/block/xen-blkfront.c', function: 'blkif_interrupt' },
  },
  {
    id: 'XEN_RING_EVENT_LOST_WAKEUP', family: 'xen-ring', kind: 'protocol', binds: 'either', severity: 'error',
    statement: 'A consumer sets its event index (req_event, rsp_event) within (cons, cons + RING_SIZE] of its own consumer index, since the producer notifies only when it moves its index onto or past the event index.',
    source: { header: 'xen/io/ring.h', macro: 'RING_FINAL_CHECK_FOR_REQUESTS' }, checked: 'trace',
    unseen: 'The event index is judged against the consumer\'s private index (req_cons, rsp_cons are never in shared memory), so the producer cannot tell a wrong event index from one set correctly earlier and passed since.',
  },
  {
    id: 'XEN_RING_NO_FINAL_CHECK', family: 'xen-ring', kind: 'protocol', binds: 'either', severity: 'error',
    statement: 'A consumer that re-arms its event index at or below records already published reads the producer index again and consumes them, since the producer will not notify for them.',
    source: { header: 'xen/io/ring.h', macro: 'RING_FINAL_CHECK_FOR_RESPONSES' }, checked: 'trace',
    unseen: 'Whether the consumer read the producer index again after arming its event index is a read its peer never sees; to the peer it is only slow.',
  },
  {
    id: 'XEN_NETIF_CROSSES_PAGE', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'Each netif tx slot\'s offset + size stays within its 4096-byte granted page (for the first slot, its size after the following slots are subtracted).',
    source: { linux: 'drivers/net/xen-netback/netback.c', function: 'xenvif_count_requests' },
  },
  {
    id: 'XEN_NETIF_TOO_MANY_SLOTS', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A netif tx packet (a first slot and the slots NETTXF_more_data chains to it) uses at most XEN_NETIF_NR_SLOTS_MIN data slots when the backend negotiated no larger limit.',
    source: { linux: 'drivers/net/xen-netback/netback.c', function: 'xenvif_count_requests' },
  },
  {
    id: 'XEN_NETIF_FIRST_SLOT_SHORT', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'The first slot of a netif tx packet gives the whole packet\'s size, which is at least the sum of the sizes of the slots that follow it.',
    source: { linux: 'drivers/net/xen-netback/netback.c', function: 'xenvif_count_requests' },
  },
  {
    id: 'XEN_NETIF_EXTRA_BAD_TYPE', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A netif extra-info slot\'s type is a XEN_NETIF_EXTRA_TYPE_* from GSO up to (not including) XEN_NETIF_EXTRA_TYPE_MAX; XEN_NETIF_EXTRA_TYPE_NONE is never used.',
    source: { linux: 'drivers/net/xen-netback/netback.c', function: 'xenvif_get_extras' },
  },
  {
    id: 'XEN_NETIF_EXTRA_REPEATED', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A netif packet carries at most one extra-info slot of each type.',
    source: { ringwire: 'policy', why: 'Linux netback keeps one extra per type (xenvif_get_extras stores extras[type - 1]), so a second extra of a type silently replaces the first; ringwire refuses the ambiguity.' },
  },
  {
    id: 'XEN_NETIF_GSO_SIZE_ZERO', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A netif GSO extra gives a non-zero segment size (u.gso.size).',
    source: { linux: 'drivers/net/xen-netback/netback.c', function: 'xenvif_set_skb_gso' },
  },
  {
    id: 'XEN_NETIF_GSO_UNKNOWN_TYPE', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A netif GSO extra\'s u.gso.type is XEN_NETIF_GSO_TYPE_TCPV4 or XEN_NETIF_GSO_TYPE_TCPV6.',
    source: { linux: 'drivers/net/xen-netback/netback.c', function: 'xenvif_set_skb_gso' },
  },
  {
    id: 'XEN_NETIF_GSO_NOT_OFFERED', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A frontend sends a GSO extra of type TCPV4 or TCPV6 only to a backend that wrote feature-gso-tcpv4 = 1 or feature-gso-tcpv6 = 1 respectively.',
    source: { linux: 'drivers/net/xen-netfront.c', function: 'xennet_fix_features' },
  },
  {
    id: 'XEN_NETIF_CTRL_UNKNOWN_TYPE', family: 'xen-ring', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A netif control request\'s type is one of the XEN_NETIF_CTRL_TYPE_* requests netif.h defines (XEN_NETIF_CTRL_TYPE_INVALID is none).',
    source: { linux: 'drivers/net/xen-netback/netback.c', function: 'process_ctrl_request' },
  },
  {
    id: 'XEN_NETIF_CTRL_BAD_STATUS', family: 'xen-ring', kind: 'protocol', binds: 'back', severity: 'error',
    statement: 'A netif control response\'s status is one of the XEN_NETIF_CTRL_STATUS_* values netif.h defines.',
    source: { header: 'xen/io/netif.h', macro: 'XEN_NETIF_CTRL_STATUS_SUCCESS' },
  },
] as const satisfies readonly RuleEntry[];

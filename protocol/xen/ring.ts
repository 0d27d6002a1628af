/**
 * xen/io/ring.h — the shared ring page.
 *
 *  0        4          8         12          16              20                  64
 *  +--------+----------+---------+-----------+---------------+-------------------+----------------------+
 *  |req_prod|req_event |rsp_prod |rsp_event  | pvt (4 bytes) | __pad[44]         | ring[] of entries    |
 *  +--------+----------+---------+-----------+---------------+-------------------+----------------------+
 *
 * DEFINE_RING_TYPES(name, req, rsp) makes `union name_sring_entry { req; rsp; }` and `struct name_sring`
 * with this header; the four RING_IDX fields are free-running 32-bit counters shared by both ends.
 * __CONST_RING_SIZE rounds the number of entries that fit in the pages down to a power of two.
 */
import type { StructDecl } from '../decl.js';

export const xen_sring_header: StructDecl = {
  name: 'xen_sring_header',
  kind: 'struct',
  header: 'xen/io/ring.h',
  doc: 'The 64-byte header of every struct <name>_sring (DEFINE_RING_TYPES); ring entries start right after it.',
  fields: [
    { name: 'req_prod', type: 'RING_IDX', sharedIndex: true, doc: 'requests produced by the frontend (published by RING_PUSH_REQUESTS)' },
    { name: 'req_event', type: 'RING_IDX', sharedIndex: true, doc: 'backend wants an event when req_prod passes this (RING_FINAL_CHECK_FOR_REQUESTS)' },
    { name: 'rsp_prod', type: 'RING_IDX', sharedIndex: true, doc: 'responses produced by the backend (RING_PUSH_RESPONSES)' },
    { name: 'rsp_event', type: 'RING_IDX', sharedIndex: true, doc: 'frontend wants an event when rsp_prod passes this (RING_FINAL_CHECK_FOR_RESPONSES)' },
    {
      name: 'pvt',
      doc: 'private words some protocols use (netif smartpoll); zeroed by SHARED_RING_INIT',
      type: {
        kind: 'union',
        fields: [
          { name: 'netif', type: { kind: 'struct', fields: [{ name: 'smartpoll_active', type: 'uint8_t' }] } },
          { name: 'tapif_user', type: { kind: 'struct', fields: [{ name: 'msg', type: 'uint8_t' }] } },
          { name: 'pvt_pad', type: 'uint8_t', count: 4 },
        ],
      },
      select: { fallback: 'pvt_pad' },
    },
    { name: '__pad', type: 'uint8_t', count: 44, doc: 'reserved; zeroed by SHARED_RING_INIT' },
  ],
  expect: { x86_64: { size: 64 }, x86_32: { size: 64 }, arm: { size: 64 } },
};

/** A ring type made by DEFINE_RING_TYPES(name, request, response). */
export interface RingTypeDecl {
  readonly name: string;
  readonly request: string;
  readonly response: string;
  readonly header: string;
}

export const xenRingTypes: readonly RingTypeDecl[] = [
  { name: 'blkif', request: 'blkif_request', response: 'blkif_response', header: 'xen/io/blkif.h' },
  { name: 'netif_tx', request: 'netif_tx_request', response: 'netif_tx_response', header: 'xen/io/netif.h' },
  { name: 'netif_rx', request: 'netif_rx_request', response: 'netif_rx_response', header: 'xen/io/netif.h' },
  { name: 'xen_netif_ctrl', request: 'xen_netif_ctrl_request', response: 'xen_netif_ctrl_response', header: 'xen/io/netif.h' },
];

/** ring.h: XEN_PAGE_SHIFT 12 — rings are made of 4096-byte pages. */
export const XEN_PAGE_SHIFT = 12;
/** Ring-page orders ringwire supports: 1, 2, 4, 8 and 16 pages (max-ring-page-order 4 in xenstore). */
export const MAX_RING_PAGE_ORDER = 4;

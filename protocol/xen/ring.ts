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

/**
 * One Xen ring, described once: DEFINE_RING_TYPES(name, request, response) plus what its header says about
 * the slots. Ring names, the CLI's `--ring` list, `dump xen` decoding and the typed ends all derive from
 * these declarations (protocol/xen/rings.ts lists them); a new ring is one such declaration (with its
 * structs and constants) and its oracle entry.
 */
export interface RingTypeDecl {
  /** The DEFINE_RING_TYPES name (`blkif` makes `union blkif_sring_entry`, `struct blkif_sring`). */
  readonly name: string;
  /** The request struct that sizes the ring entry (DEFINE_RING_TYPES's second argument). */
  readonly request: string;
  /** The response struct (DEFINE_RING_TYPES's third argument). */
  readonly response: string;
  readonly header: string;
  /** Request slots: which struct each one holds, by the value of a member (blkif: operation). */
  readonly requestVariants?: RecordVariantsDecl;
  /** Slots of one side that hold extra-info records instead of that side's struct (netif). */
  readonly requestExtras?: ExtraSlotsDecl;
  readonly responseExtras?: ExtraSlotsDecl;
}

/**
 * The request kinds of a ring, chosen by a member common to every variant (at the same offset in each:
 * blkif's `operation` is byte 0 of blkif_request, blkif_request_discard and blkif_request_indirect).
 */
export interface RecordVariantsDecl {
  /** The discriminating member (`operation`, `type`). */
  readonly by: string;
  readonly variants: readonly RecordVariantDecl[];
  /**
   * What a value no variant names is: a `violation` (blkif.h defines no other operation), or a request the
   * peer answers as unsupported (netif.h: XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED for an unknown type).
   */
  readonly unnamed: 'violation' | 'unsupported';
}

export interface RecordVariantDecl {
  /** The constant whose value selects this variant (`BLKIF_OP_DISCARD`). */
  readonly constant: string;
  /** The variant's name in ringwire's typed records (`discard`). */
  readonly op: string;
  /** The struct the slot holds; the ring's request struct when absent. */
  readonly struct?: string;
  /** An array of segments sized by a count member, and the most the count may be (a per-record rule). */
  readonly segments?: { readonly array: string; readonly count: string; readonly max: string; readonly rule: string };
  /** What each word of an array member carries for this variant (the ctrl ring's data[]). */
  readonly words?: { readonly array: string; readonly names: readonly string[] };
}

/**
 * Extra-info slots: after a slot whose `flagsMember` has `flag`, the following slots hold `struct`, chained
 * for as long as each one's `moreMember` has `moreFlag` (netif.h "Extra Info").
 */
export interface ExtraSlotsDecl {
  readonly flagsMember: string;
  readonly flag: string;
  readonly struct: string;
  readonly moreMember: string;
  readonly moreFlag: string;
}

/** ring.h: XEN_PAGE_SHIFT 12 — rings are made of 4096-byte pages. */
export const XEN_PAGE_SHIFT = 12;
/** Ring-page orders ringwire supports: 1, 2, 4, 8 and 16 pages (max-ring-page-order 4 in xenstore). */
export const MAX_RING_PAGE_ORDER = 4;

/**
 * xen/io/blkif.h — the block device protocol.
 *
 * blkif_request, x86_64 and arm (112 bytes):        x86_32 (108 bytes; uint64_t is 4-aligned on i386):
 *   0 operation  1 nr_segments  2 handle              0 operation  1 nr_segments  2 handle
 *   4 (4 bytes of padding)                            4 id
 *   8 id                                             12 sector_number
 *  16 sector_number                                  20 seg[11]
 *  24 seg[11] (8 bytes each: gref, first_sect, last_sect, 2 padding)
 */
import type { StructDecl } from '../decl.js';
import type { RingTypeDecl } from './ring.js';

export const blkif_request_segment = {
  name: 'blkif_request_segment',
  kind: 'struct',
  header: 'xen/io/blkif.h',
  doc: 'One granted page of a read/write request, and the inclusive sector range within it.',
  fields: [
    { name: 'gref', type: 'grant_ref_t', doc: 'reference to I/O buffer frame' },
    { name: 'first_sect', type: 'uint8_t', doc: 'first sector in frame to transfer (inclusive)' },
    { name: 'last_sect', type: 'uint8_t', doc: 'last sector in frame to transfer (inclusive)' },
  ],
  expect: { x86_64: { size: 8 }, x86_32: { size: 8 }, arm: { size: 8 } },
} as const satisfies StructDecl;

export const blkif_request = {
  name: 'blkif_request',
  kind: 'struct',
  header: 'xen/io/blkif.h',
  doc: 'A read, write, barrier or flush request (BLKIF_OP_READ/WRITE/WRITE_BARRIER/FLUSH_DISKCACHE).',
  fields: [
    { name: 'operation', type: 'uint8_t', doc: 'BLKIF_OP_*' },
    { name: 'nr_segments', type: 'uint8_t', doc: 'number of segments (at most BLKIF_MAX_SEGMENTS_PER_REQUEST)' },
    { name: 'handle', type: 'blkif_vdev_t', doc: 'only for read/write requests' },
    { name: 'id', type: 'uint64_t', doc: 'private guest value, echoed in response' },
    { name: 'sector_number', type: 'blkif_sector_t', doc: 'start sector idx on disk (r/w only)' },
    { name: 'seg', type: 'blkif_request_segment', count: 11 },
  ],
  // The ABI difference the backends must translate (Linux blkback's blkif_x86_32_request).
  expect: {
    x86_64: { size: 112, offsets: { id: 8, sector_number: 16, seg: 24 } },
    x86_32: { size: 108, offsets: { id: 4, sector_number: 12, seg: 20 } },
    arm: { size: 112, offsets: { id: 8, sector_number: 16, seg: 24 } },
  },
} as const satisfies StructDecl;

export const blkif_request_discard = {
  name: 'blkif_request_discard',
  kind: 'struct',
  header: 'xen/io/blkif.h',
  doc: 'BLKIF_OP_DISCARD: a contiguous sector range the backend may discard.',
  fields: [
    { name: 'operation', type: 'uint8_t', doc: 'BLKIF_OP_DISCARD' },
    { name: 'flag', type: 'uint8_t', doc: 'BLKIF_DISCARD_SECURE or zero' },
    { name: 'handle', type: 'blkif_vdev_t', doc: 'same as for read/write requests' },
    { name: 'id', type: 'uint64_t', doc: 'private guest value, echoed in response' },
    { name: 'sector_number', type: 'blkif_sector_t', doc: 'start sector idx on disk' },
    { name: 'nr_sectors', type: 'uint64_t', doc: 'number of contiguous sectors to discard' },
  ],
  expect: {
    x86_64: { size: 32, offsets: { id: 8, sector_number: 16, nr_sectors: 24 } },
    x86_32: { size: 28, offsets: { id: 4, sector_number: 12, nr_sectors: 20 } },
    arm: { size: 32, offsets: { id: 8, sector_number: 16, nr_sectors: 24 } },
  },
} as const satisfies StructDecl;

export const blkif_request_indirect = {
  name: 'blkif_request_indirect',
  kind: 'struct',
  header: 'xen/io/blkif.h',
  doc: 'BLKIF_OP_INDIRECT: segments live in granted pages of blkif_request_segment (feature-max-indirect-segments).',
  fields: [
    { name: 'operation', type: 'uint8_t', doc: 'BLKIF_OP_INDIRECT' },
    { name: 'indirect_op', type: 'uint8_t', doc: 'BLKIF_OP_{READ/WRITE}' },
    { name: 'nr_segments', type: 'uint16_t', doc: 'number of segments' },
    { name: 'id', type: 'uint64_t', doc: 'private guest value, echoed in response' },
    { name: 'sector_number', type: 'blkif_sector_t', doc: 'start sector idx on disk (r/w only)' },
    { name: 'handle', type: 'blkif_vdev_t', doc: 'same as for read/write requests' },
    { name: 'indirect_grefs', type: 'grant_ref_t', count: 8, doc: 'pages holding the segments (BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)' },
    { name: 'pad', type: 'uint64_t', onlyAbi: ['x86_32'], doc: '#ifdef __i386__: make it 64 byte aligned on i386' },
  ],
  expect: {
    x86_64: { size: 64, offsets: { id: 8, sector_number: 16, handle: 24, indirect_grefs: 28 } },
    x86_32: { size: 64, offsets: { id: 4, sector_number: 12, handle: 20, indirect_grefs: 24, pad: 56 } },
    arm: { size: 64, offsets: { id: 8, sector_number: 16, handle: 24, indirect_grefs: 28 } },
  },
} as const satisfies StructDecl;

export const blkif_response = {
  name: 'blkif_response',
  kind: 'struct',
  header: 'xen/io/blkif.h',
  doc: 'The backend\'s answer to one request, matched by id.',
  fields: [
    { name: 'id', type: 'uint64_t', doc: 'copied from request' },
    { name: 'operation', type: 'uint8_t', doc: 'copied from request' },
    { name: 'status', type: 'int16_t', doc: 'BLKIF_RSP_*' },
  ],
  expect: {
    x86_64: { size: 16, offsets: { operation: 8, status: 10 } },
    x86_32: { size: 12, offsets: { operation: 8, status: 10 } },
    arm: { size: 16, offsets: { operation: 8, status: 10 } },
  },
} as const satisfies StructDecl;

/**
 * DEFINE_RING_TYPES(blkif, struct blkif_request, struct blkif_response). A request slot holds the struct its
 * `operation` byte names (blkif.h "REQUEST CODES"); read, write and barrier requests (and flush, which
 * carries none) hold at most BLKIF_MAX_SEGMENTS_PER_REQUEST segments, as Linux blkback's
 * dispatch_rw_block_io checks before mapping any.
 */
const rwSegments = { array: 'seg', count: 'nr_segments', max: 'BLKIF_MAX_SEGMENTS_PER_REQUEST', rule: 'blkif.h BLKIF_MAX_SEGMENTS_PER_REQUEST' } as const;

export const blkifRing = {
  name: 'blkif',
  request: 'blkif_request',
  response: 'blkif_response',
  header: 'xen/io/blkif.h',
  requestVariants: {
    by: 'operation',
    unnamed: 'violation',
    variants: [
      { constant: 'BLKIF_OP_READ', op: 'read', segments: rwSegments },
      { constant: 'BLKIF_OP_WRITE', op: 'write', segments: rwSegments },
      { constant: 'BLKIF_OP_WRITE_BARRIER', op: 'write_barrier', segments: rwSegments },
      { constant: 'BLKIF_OP_FLUSH_DISKCACHE', op: 'flush', segments: rwSegments },
      // "Used in SLES sources for device specific command packet contained within the request."
      { constant: 'BLKIF_OP_RESERVED_1', op: 'reserved_1' },
      { constant: 'BLKIF_OP_DISCARD', op: 'discard', struct: 'blkif_request_discard' },
      { constant: 'BLKIF_OP_INDIRECT', op: 'indirect', struct: 'blkif_request_indirect' },
    ],
  },
} as const satisfies RingTypeDecl;

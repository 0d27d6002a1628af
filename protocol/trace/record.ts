/**
 * The ringwire record: the packet data of every Enhanced Packet Block of a ringwire trace. Always
 * little-endian, whatever the pcapng section's byte order.
 *
 *   0        2         3         4          6       7       8                              16           20           24
 *   +--------+---------+---------+----------+-------+-------+------------------------------+------------+------------+------ ...
 *   | hdr_len|ver_major|ver_minor| rec_type | party | flags | seq                          | body_len   | frag_off   | body
 *   +--------+---------+---------+----------+-------+-------+------------------------------+------------+------------+------ ...
 *   <------------------------------------------------ hdr_len bytes (24 in 1.0) ------------------------------------>
 *
 * Compatibility: a later minor version may append header members (hdr_len grows; readers skip what they do
 * not know), define new flag bits, parties or record types (readers skip and count records of unknown type).
 * A change an older reader would misread — moving or re-meaning a member, or a flag it must not ignore —
 * bumps ver_major, and readers refuse a major version they do not know.
 *
 * Splitting: a record whose header + body would exceed MAX_PACKET_BYTES is written as consecutive fragments,
 * each a complete record with the same header except frag_off (where its part of the body starts) and the
 * RWT_F_FRAGMENT flag; body_len is the whole body's length in every fragment. The fragments follow each
 * other on the same interface, in order, with no other record between them.
 *
 * Integrity: the EPB's epb_hash option holds the CRC-32 of the record's bytes (header and body), so a
 * changed bit is told apart from a cut file.
 */
import { everyAbi, type ConstantDecl, type StructDecl } from '../decl.js';

const HEADER = 'ringwire trace format 1.0 (protocol/trace/record.ts)';

export const ringwire_record_header: StructDecl = {
  name: 'ringwire_record_header', kind: 'struct', header: HEADER, abiIndependent: true,
  doc: 'Starts every ringwire record; the body follows at hdr_len.',
  fields: [
    { name: 'hdr_len', type: '__le16', doc: 'bytes from the start of the record to its body; first, so the header can grow' },
    { name: 'ver_major', type: '__u8', doc: 'record format major version: readers refuse one they do not know' },
    { name: 'ver_minor', type: '__u8', doc: 'record format minor version: additions older readers can skip' },
    { name: 'rec_type', type: '__le16', doc: 'what the body is (RWT_SETUP ... RWT_END)' },
    { name: 'party', type: '__u8', doc: 'who acted: RWT_PARTY_NONE, _FRONT or _BACK' },
    { name: 'flags', type: '__u8', doc: 'RWT_F_FRAGMENT; unknown bits are ignored' },
    { name: 'seq', type: '__le64', doc: 'global sequence number over the whole trace, from 0; the fragments of one record share it' },
    { name: 'body_len', type: '__le32', doc: 'length of the whole body (of all fragments together)' },
    { name: 'frag_off', type: '__le32', doc: 'where this record\'s body lies in the whole body: 0 unless split' },
  ],
  expect: everyAbi({ size: 24 }),
};

export const RWT_VERSION_MAJOR = 1;
export const RWT_VERSION_MINOR = 0;

/** The record is one fragment of a record split because it was larger than MAX_PACKET_BYTES. */
export const RWT_F_FRAGMENT = 0x01;

/** Default cap on one record's whole body (after reassembly); a reader refuses a larger body_len before allocating. */
export const RWT_DEFAULT_MAX_BODY = 16 * 1024 * 1024;

/** Acting party. Direction in epb_flags follows from it (pcapng.ts EPB_FLAGS_*). */
export const RWT_PARTY_NONE = 0;
export const RWT_PARTY_FRONT = 1;
export const RWT_PARTY_BACK = 2;

export interface PartyDecl {
  readonly name: string;
  readonly value: number;
  readonly doc: string;
}

export const recordParties: readonly PartyDecl[] = [
  { name: 'none', value: RWT_PARTY_NONE, doc: 'the recorder itself (setup, region, checkpoint, lost, end)' },
  { name: 'front', value: RWT_PARTY_FRONT, doc: 'the Xen frontend or the virtio driver' },
  { name: 'back', value: RWT_PARTY_BACK, doc: 'the Xen backend or the virtio device' },
];

export interface RecordTypeDecl {
  /** The constant's name, RWT_<NAME>. */
  readonly name: string;
  /** The lowercase word tools print. */
  readonly word: string;
  readonly value: number;
  readonly doc: string;
}

export const RWT_SETUP = 1;
export const RWT_REGION = 2;
export const RWT_WRITE = 3;
export const RWT_READ = 4;
export const RWT_BARRIER = 5;
export const RWT_NOTIFY = 6;
export const RWT_ANNOTATION = 7;
export const RWT_CONFIG = 8;
export const RWT_SNAPSHOT = 9;
export const RWT_CHECKPOINT = 10;
export const RWT_LOST = 11;
export const RWT_END = 12;

/** Record types. 0 is never used; numbers are never reused for another meaning. */
export const recordTypes: readonly RecordTypeDecl[] = [
  { name: 'RWT_SETUP', word: 'setup', value: RWT_SETUP, doc: 'the ring or queue this interface carries: transport; Xen ring type, ABI, page order, grant refs of the ring pages, event channel; virtio split or packed, queue size, byte order, negotiated features, guest-physical addresses of the areas' },
  { name: 'RWT_REGION', word: 'region', value: RWT_REGION, doc: 'a memory region (ring pages, a granted data page by grant ref, descriptor / driver / device area, a buffer by guest-physical address) and its initial bytes' },
  { name: 'RWT_WRITE', word: 'write', value: RWT_WRITE, doc: 'a party wrote bytes at an offset of a region' },
  { name: 'RWT_READ', word: 'read', value: RWT_READ, doc: 'a party read bytes at an offset of a region (optional in a recording; makes double fetches visible)' },
  { name: 'RWT_BARRIER', word: 'barrier', value: RWT_BARRIER, doc: 'a memory barrier point: xen_wmb / xen_rmb / xen_mb, virtio_wmb / virtio_rmb / virtio_mb' },
  { name: 'RWT_NOTIFY', word: 'notify', value: RWT_NOTIFY, doc: 'an event channel send, a virtqueue kick or a used-buffer interrupt, with its direction and port or queue' },
  { name: 'RWT_ANNOTATION', word: 'annotation', value: RWT_ANNOTATION, doc: 'the ring.h macro or driver / device operation that produced the records that follow, e.g. RING_PUSH_REQUESTS_AND_CHECK_NOTIFY' },
  { name: 'RWT_CONFIG', word: 'config', value: RWT_CONFIG, doc: 'xenbus handshake (XenStore keys each end writes, state transitions) or virtio status, feature negotiation and queue setup' },
  { name: 'RWT_SNAPSHOT', word: 'snapshot', value: RWT_SNAPSHOT, doc: 'a whole region\'s bytes at a point in time, for captures that see states rather than writes' },
  { name: 'RWT_CHECKPOINT', word: 'checkpoint', value: RWT_CHECKPOINT, doc: 'SHA-256 of each region, so a replay detects divergence' },
  { name: 'RWT_LOST', word: 'lost', value: RWT_LOST, doc: 'records a capture dropped' },
  { name: 'RWT_END', word: 'end', value: RWT_END, doc: 'the interface\'s last record: a trace whose every interface has ended is complete; a missing end means the file was cut' },
];


export const recordConstants: readonly ConstantDecl[] = [
  { name: 'RWT_VERSION_MAJOR', value: RWT_VERSION_MAJOR, header: HEADER },
  { name: 'RWT_VERSION_MINOR', value: RWT_VERSION_MINOR, header: HEADER },
  { name: 'RWT_F_FRAGMENT', value: RWT_F_FRAGMENT, header: HEADER, doc: 'the record is one fragment of a split record' },
  ...recordParties.map((p) => ({ name: `RWT_PARTY_${p.name.toUpperCase()}`, value: p.value, header: HEADER, doc: p.doc })),
  ...recordTypes.map((t) => ({ name: t.name, value: t.value, header: HEADER, doc: t.doc })),
];

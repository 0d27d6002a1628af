/**
 * Reading and writing the ringwire record header (protocol/trace/record.ts). Offsets come from the
 * declaration; every member is little-endian whatever the pcapng section's byte order.
 */
import { RECORD_HEADER as H } from './layouts.js';

/** The header members, by their wire names. */
export interface RecordHeader {
  hdr_len: number;
  ver_major: number;
  ver_minor: number;
  rec_type: number;
  party: number;
  flags: number;
  /** A 64-bit counter, kept as a number: ringwire refuses a seq above 2^53 - 1 when reading. */
  seq: number;
  body_len: number;
  frag_off: number;
}

export const RECORD_HEADER_BYTES = H.sizeof;

const TWO_32 = 0x1_0000_0000;

export function writeRecordHeader(view: DataView, base: number, h: RecordHeader): void {
  view.setUint16(base + H.hdr_len.offset, h.hdr_len, true);
  view.setUint8(base + H.ver_major.offset, h.ver_major);
  view.setUint8(base + H.ver_minor.offset, h.ver_minor);
  view.setUint16(base + H.rec_type.offset, h.rec_type, true);
  view.setUint8(base + H.party.offset, h.party);
  view.setUint8(base + H.flags.offset, h.flags);
  view.setUint32(base + H.seq.offset, h.seq % TWO_32, true);
  view.setUint32(base + H.seq.offset + 4, Math.floor(h.seq / TWO_32), true);
  view.setUint32(base + H.body_len.offset, h.body_len, true);
  view.setUint32(base + H.frag_off.offset, h.frag_off, true);
}

/** The members this reader knows, read into `into` (the caller has checked that H.sizeof bytes are there). */
export function readRecordHeader(view: DataView, base: number, into: RecordHeader): RecordHeader {
  into.hdr_len = view.getUint16(base + H.hdr_len.offset, true);
  into.ver_major = view.getUint8(base + H.ver_major.offset);
  into.ver_minor = view.getUint8(base + H.ver_minor.offset);
  into.rec_type = view.getUint16(base + H.rec_type.offset, true);
  into.party = view.getUint8(base + H.party.offset);
  into.flags = view.getUint8(base + H.flags.offset);
  into.seq = view.getUint32(base + H.seq.offset + 4, true) * TWO_32 + view.getUint32(base + H.seq.offset, true);
  into.body_len = view.getUint32(base + H.body_len.offset, true);
  into.frag_off = view.getUint32(base + H.frag_off.offset, true);
  return into;
}

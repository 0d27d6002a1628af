/**
 * What a trace reader yields: one ringwire record (reassembled when it was split), with its header members
 * under their wire names and where it came from. A reader reuses ONE TraceRecord and the buffer its body
 * lies in for every record, so nothing is allocated per record: read what you need before asking for the
 * next record, or keep `detach()`.
 */
import type { RecordHeader } from './record-header.js';

export interface DetachedRecord extends RecordHeader {
  readonly interface_id: number;
  readonly timestamp: bigint;
  readonly packet: number;
  readonly offset: number;
  readonly fragments: number;
  readonly body: Uint8Array;
}

export class TraceRecord implements RecordHeader {
  hdr_len = 0;
  ver_major = 0;
  ver_minor = 0;
  rec_type = 0;
  party = 0;
  flags = 0;
  seq = 0;
  body_len = 0;
  frag_off = 0;
  /** The pcapng interface (ring or queue) the record belongs to, numbered from 0 in its section. */
  interface_id = 0;
  /** The EPB timestamp, in units of the interface's if_tsresol (high and low 32 bits). */
  timestamp_high = 0;
  timestamp_low = 0;
  /** 1-based number of the (first) Enhanced Packet Block, as tshark numbers frames. */
  packet = 0;
  /** Byte offset of that block in the file. */
  offset = 0;
  /** Number of packets the record was split into (1 when not split). */
  fragments = 1;
  /** The buffer the body lies in, and where: `bytes[bodyOffset, bodyOffset + body_len)`. */
  bytes: Uint8Array = new Uint8Array(0);
  bodyOffset = 0;

  /** The body, as a view of the reader's buffer (valid until the reader moves on). */
  get body(): Uint8Array {
    return this.bytes.subarray(this.bodyOffset, this.bodyOffset + this.body_len);
  }

  get timestamp(): bigint {
    return (BigInt(this.timestamp_high) << 32n) | BigInt(this.timestamp_low);
  }

  /** A copy that stays valid after the reader moves on. */
  detach(): DetachedRecord {
    return {
      hdr_len: this.hdr_len, ver_major: this.ver_major, ver_minor: this.ver_minor, rec_type: this.rec_type,
      party: this.party, flags: this.flags, seq: this.seq, body_len: this.body_len, frag_off: this.frag_off,
      interface_id: this.interface_id, timestamp: this.timestamp, packet: this.packet, offset: this.offset,
      fragments: this.fragments, body: this.body.slice(),
    };
  }
}

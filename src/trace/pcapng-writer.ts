/**
 * TraceWriter: writes a ringwire trace as pcapng, streaming, to any ByteSink. One Section Header Block at
 * the start (section_length -1: the writer never seeks back), one Interface Description Block per ring or
 * queue, one Enhanced Packet Block per record. A body too large for one packet is split into fragments
 * (protocol/trace/record.ts); close() writes each interface's end record.
 *
 * Per record the writer allocates nothing: it frames the record in a reused scratch buffer and hands the
 * body to the sink as given (three write() calls: head, body, tail).
 */
import {
  BLOCK_TRAILER_BYTES, PCAPNG_BT_SHB, PCAPNG_BT_IDB, PCAPNG_BT_EPB, PCAPNG_BYTE_ORDER_MAGIC, PCAPNG_MAJOR_VERSION, PCAPNG_MINOR_VERSION, OPT_ENDOFOPT, SHB_USERAPPL, IF_NAME, IF_TSRESOL, EPB_FLAGS, EPB_HASH, EPB_HASH_ALGORITHM_CRC32, LINKTYPE_RINGWIRE, IF_TSRESOL_NANOSECONDS, RWT_VERSION_MAJOR, RWT_VERSION_MINOR, RWT_F_FRAGMENT, RWT_DEFAULT_MAX_BODY, RWT_END, RWT_PARTY_NONE,
} from '../../protocol/trace/index.js';
import { SHB, IDB, EPB, OPTION, RWT_MAX_FRAGMENT_BODY } from './layouts.js';
import type { ByteSink } from './byte-sink.js';
import { crc32 } from './crc32.js';
import { directionFlags } from './direction.js';
import { TraceError } from './errors.js';
import { RECORD_HEADER_BYTES, writeRecordHeader, type RecordHeader } from './record-header.js';

export interface TraceWriterOptions {
  /** Byte order of the pcapng framing (the record header is always little-endian). Little by default. */
  readonly littleEndian?: boolean;
  /** shb_userappl: the application that wrote the trace. */
  readonly application?: string;
  /** Largest body a record may have before splitting (RWT_DEFAULT_MAX_BODY, 16 MiB, by default). */
  readonly maxBodyBytes?: number;
}

export interface InterfaceOptions {
  /** if_name: the ring or queue, e.g. `blkif/x86_64/order0` or `virtio-split/256`. */
  readonly name: string;
  /** if_tsresol: the option's raw value (9 = nanoseconds, the default). */
  readonly tsresol?: number;
}

export interface TraceRecordInput {
  readonly rec_type: number;
  readonly party: number;
  readonly body?: Uint8Array;
  /** In units of the interface's if_tsresol; the record's seq when not given (a trace without a clock). */
  readonly timestamp?: bigint | number;
  /** Extra flag bits (RWT_F_FRAGMENT is the writer's own). */
  readonly flags?: number;
}

const EMPTY = new Uint8Array(0);
const TWO_32 = 0x1_0000_0000;
/** Options written after each record: epb_flags (4 + 4), epb_hash (4 + 1 + 4, padded to 12), opt_endofopt (4). */
const EPB_OPTIONS_BYTES = 8 + 12 + 4;
const textEncoder = new TextEncoder();

export class TraceWriter {
  private readonly le: boolean;
  private readonly maxBody: number;
  private readonly scratch = new Uint8Array(EPB.sizeof + RECORD_HEADER_BYTES + 3 + EPB_OPTIONS_BYTES + BLOCK_TRAILER_BYTES);
  private readonly view = new DataView(this.scratch.buffer);
  private readonly header: RecordHeader = {
    hdr_len: RECORD_HEADER_BYTES, ver_major: RWT_VERSION_MAJOR, ver_minor: RWT_VERSION_MINOR,
    rec_type: 0, party: 0, flags: 0, seq: 0, body_len: 0, frag_off: 0,
  };
  private readonly ended: boolean[] = [];
  private nextSeq = 0;
  private closed = false;
  /** Enhanced Packet Blocks written (fragments count one each), as tshark and capinfos count packets. */
  packets = 0;
  /** Bytes handed to the sink. */
  bytesWritten = 0;

  constructor(private readonly sink: ByteSink, options: TraceWriterOptions = {}) {
    this.le = options.littleEndian ?? true;
    this.maxBody = options.maxBodyBytes ?? RWT_DEFAULT_MAX_BODY;
    const opts = options.application === undefined ? [] : [{ code: SHB_USERAPPL, value: textEncoder.encode(options.application) }];
    this.block(PCAPNG_BT_SHB, SHB.sizeof, (v) => {
      v.setUint32(SHB.byte_order_magic.offset, PCAPNG_BYTE_ORDER_MAGIC, this.le);
      v.setUint16(SHB.major_version.offset, PCAPNG_MAJOR_VERSION, this.le);
      v.setUint16(SHB.minor_version.offset, PCAPNG_MINOR_VERSION, this.le);
      v.setBigInt64(SHB.section_length.offset, -1n, this.le);
    }, opts);
  }

  /** Declares a ring or queue; returns its interface number, which records name. */
  addInterface(options: InterfaceOptions): number {
    this.checkOpen();
    const tsresol = options.tsresol ?? IF_TSRESOL_NANOSECONDS;
    if (!Number.isInteger(tsresol) || tsresol < 0 || tsresol > 0xff) {
      throw new TraceError('TRACE_BAD_ARGUMENT', `if_tsresol must be one byte, not ${String(tsresol)}.`, { received: tsresol });
    }
    this.block(PCAPNG_BT_IDB, IDB.sizeof, (v) => {
      v.setUint16(IDB.linktype.offset, LINKTYPE_RINGWIRE, this.le);
      v.setUint16(IDB.reserved.offset, 0, this.le);
      v.setUint32(IDB.snaplen.offset, 0, this.le);
    }, [{ code: IF_NAME, value: textEncoder.encode(options.name) }, { code: IF_TSRESOL, value: Uint8Array.of(tsresol) }]);
    this.ended.push(false);
    return this.ended.length - 1;
  }

  /**
   * Writes one record on an interface (as several fragments when the body is larger than one packet
   * holds); returns its sequence number. Nothing is written when the call is refused.
   */
  write(iface: number, record: TraceRecordInput): number {
    this.checkOpen();
    if (this.ended[iface] !== false) {
      throw new TraceError('TRACE_BAD_ARGUMENT', `Interface ${iface} ${this.ended[iface] === true ? 'has ended' : 'was never added'}.`, { received: iface });
    }
    const body = record.body ?? EMPTY;
    const flags = record.flags ?? 0;
    checkInt('rec_type', record.rec_type, 1, 0xffff);
    checkInt('party', record.party, 0, 0xff);
    checkInt('flags', flags, 0, 0xff);
    if (flags & RWT_F_FRAGMENT) {
      throw new TraceError('TRACE_BAD_ARGUMENT', 'RWT_F_FRAGMENT is set by the writer when it splits a record, not by callers.', { path: 'flags', received: flags });
    }
    if (body.length > this.maxBody) {
      throw new TraceError('TRACE_TOO_LARGE', `A record body of ${body.length} bytes is above the limit of ${this.maxBody}.`, {
        received: body.length, expected: this.maxBody,
      });
    }
    const seq = this.nextSeq;
    const ts = record.timestamp === undefined ? seq : record.timestamp;
    const tsBig = typeof ts === 'bigint' ? ts : BigInt(ts);
    if (tsBig < 0n || tsBig > 0xffff_ffff_ffff_ffffn) {
      throw new TraceError('TRACE_BAD_ARGUMENT', `A timestamp must fit 64 bits unsigned, not ${tsBig}.`, { received: tsBig });
    }
    const tsHigh = Number(tsBig >> 32n);
    const tsLow = Number(tsBig & 0xffff_ffffn);
    this.nextSeq++;
    const h = this.header;
    h.rec_type = record.rec_type;
    h.party = record.party;
    h.seq = seq;
    h.body_len = body.length;
    const split = body.length > RWT_MAX_FRAGMENT_BODY;
    h.flags = flags | (split ? RWT_F_FRAGMENT : 0);
    let off = 0;
    do {
      const n = Math.min(RWT_MAX_FRAGMENT_BODY, body.length - off);
      h.frag_off = off;
      this.packet(iface, tsHigh, tsLow, body.subarray(off, off + n), directionFlags(record.party));
      off += n;
    } while (off < body.length);
    if (record.rec_type === RWT_END) this.ended[iface] = true;
    return seq;
  }

  /** Writes the end record on one interface. */
  end(iface: number, timestamp?: bigint | number): number {
    return this.write(iface, timestamp === undefined ? { rec_type: RWT_END, party: RWT_PARTY_NONE } : { rec_type: RWT_END, party: RWT_PARTY_NONE, timestamp });
  }

  /** Ends every interface not yet ended; the trace is complete. Further writes are refused. */
  close(timestamp?: bigint | number): void {
    this.checkOpen();
    if (this.ended.length === 0) {
      throw new TraceError('TRACE_BAD_ARGUMENT', 'A trace needs at least one interface before it is closed.');
    }
    for (let i = 0; i < this.ended.length; i++) if (this.ended[i] === false) this.end(i, timestamp);
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new TraceError('TRACE_BAD_ARGUMENT', 'The trace is closed.');
  }

  /** One EPB carrying the record header (from this.header) and `part` of the body. */
  private packet(iface: number, tsHigh: number, tsLow: number, part: Uint8Array, epbFlags: number): void {
    const le = this.le;
    const v = this.view;
    const s = this.scratch;
    const recordLen = RECORD_HEADER_BYTES + part.length;
    const pad = (4 - (recordLen & 3)) & 3;
    const total = EPB.sizeof + recordLen + pad + EPB_OPTIONS_BYTES + BLOCK_TRAILER_BYTES;
    v.setUint32(EPB.block_type.offset, PCAPNG_BT_EPB, le);
    v.setUint32(EPB.block_total_length.offset, total, le);
    v.setUint32(EPB.interface_id.offset, iface, le);
    v.setUint32(EPB.timestamp_high.offset, tsHigh, le);
    v.setUint32(EPB.timestamp_low.offset, tsLow, le);
    v.setUint32(EPB.captured_packet_length.offset, recordLen, le);
    v.setUint32(EPB.original_packet_length.offset, recordLen, le);
    writeRecordHeader(v, EPB.sizeof, this.header);
    const headEnd = EPB.sizeof + RECORD_HEADER_BYTES;
    const crc = crc32(part, crc32(s, 0, EPB.sizeof, headEnd));
    this.emit(s.subarray(0, headEnd));
    this.emit(part);
    // The tail: padding, epb_flags, epb_hash (algorithm octet + CRC-32 most significant byte first), end.
    let t = headEnd;
    s.fill(0, t, t + pad);
    t += pad;
    t = this.optionHead(t, EPB_FLAGS, 4);
    v.setUint32(t, epbFlags, le);
    t += 4;
    t = this.optionHead(t, EPB_HASH, 5);
    s[t] = EPB_HASH_ALGORITHM_CRC32;
    v.setUint32(t + 1, crc, false);
    s.fill(0, t + 5, t + 8);
    t += 8;
    t = this.optionHead(t, OPT_ENDOFOPT, 0);
    v.setUint32(t, total, le);
    t += 4;
    this.emit(s.subarray(headEnd, t));
    this.packets++;
  }

  private optionHead(at: number, code: number, length: number): number {
    this.view.setUint16(at + OPTION.option_code.offset, code, this.le);
    this.view.setUint16(at + OPTION.option_length.offset, length, this.le);
    return at + OPTION.sizeof;
  }

  /** A non-packet block (SHB, IDB): its fixed part filled by `fixed`, then options and the end of options. */
  private block(type: number, fixedSize: number, fixed: (v: DataView) => void, options: readonly { code: number; value: Uint8Array }[]): void {
    let optBytes = OPTION.sizeof;
    for (const o of options) {
      if (o.value.length > 0xffff) throw new TraceError('TRACE_BAD_ARGUMENT', `An option value of ${o.value.length} bytes is above 65535.`, { received: o.value.length });
      optBytes += OPTION.sizeof + ((o.value.length + 3) & ~3);
    }
    const total = fixedSize + optBytes + BLOCK_TRAILER_BYTES;
    const b = new Uint8Array(total);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, this.le);
    v.setUint32(4, total, this.le);
    fixed(v);
    let at = fixedSize;
    for (const o of options) {
      v.setUint16(at + OPTION.option_code.offset, o.code, this.le);
      v.setUint16(at + OPTION.option_length.offset, o.value.length, this.le);
      b.set(o.value, at + OPTION.sizeof);
      at += OPTION.sizeof + ((o.value.length + 3) & ~3);
    }
    // opt_endofopt is all zeros already; then the trailing length.
    v.setUint32(total - BLOCK_TRAILER_BYTES, total, this.le);
    this.emit(b);
  }

  private emit(chunk: Uint8Array): void {
    this.sink.write(chunk);
    this.bytesWritten += chunk.length;
  }
}

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new TraceError('TRACE_BAD_ARGUMENT', `${name} must be an integer in ${min}..${max}, not ${String(v)}.`, { path: name, received: v, expected: `${min}..${max}` });
  }
}

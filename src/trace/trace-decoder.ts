/**
 * The pcapng and record rules, shared by the synchronous reader over a buffer and the streaming reader.
 * A reader hands it the first 12 bytes of each block (blockLength), then the whole block (block); the
 * decoder keeps the section's byte order, its interfaces, the counts, and the fragments of a split record.
 *
 * Every length is checked against MAX_BLOCK_BYTES or the body limit before a reader allocates for it;
 * every error is a TraceError with the byte offset and the packet number. What this reader does not know
 * (block types, options, record types) is skipped and counted.
 */
import {
  BLOCK_TRAILER_BYTES, MAX_BLOCK_BYTES, MAX_PACKET_BYTES, PCAPNG_BT_SHB, PCAPNG_BT_IDB, PCAPNG_BT_EPB, PCAPNG_BYTE_ORDER_MAGIC, PCAPNG_MAJOR_VERSION, OPT_ENDOFOPT, OPT_COMMENT, SHB_USERAPPL, IF_NAME, IF_TSRESOL, EPB_FLAGS, EPB_HASH, EPB_HASH_ALGORITHM_CRC32, LINKTYPE_RINGWIRE, IF_TSRESOL_NANOSECONDS, RWT_VERSION_MAJOR, RWT_F_FRAGMENT, RWT_DEFAULT_MAX_BODY, RWT_END, recordTypes,
} from '../../protocol/trace/index.js';
import { SHB, IDB, EPB, OPTION, RECORD_HEADER } from './layouts.js';
import { crc32Int32 } from './crc32.js';
import { directionFlags } from './direction.js';
import { TraceError, type TraceErrorCode } from './errors.js';
import { readRecordHeader } from './record-header.js';
import { TraceRecord } from './trace-record.js';

/** The smallest block: type, length, trailing length. Readers fetch this much to learn a block's length. */
export const BLOCK_HEAD_BYTES = 12;
const SWAPPED_MAGIC = 0x4d3c2b1a;
const SHB_TYPE_BYTES = [0x0a, 0x0d, 0x0d, 0x0a];
const knownRecordTypes = new Set(recordTypes.map((t) => t.value));
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface TraceReaderOptions {
  /** Largest whole record body accepted (RWT_DEFAULT_MAX_BODY, 16 MiB, by default). */
  readonly maxBodyBytes?: number;
}

export interface TraceInterface {
  readonly linktype: number;
  /** if_name: the ring or queue. */
  readonly if_name: string | undefined;
  /** if_tsresol's raw value (9, nanoseconds, when absent as pcapng says 6: ringwire always writes it). */
  readonly if_tsresol: number;
  /** A LINKTYPE_RINGWIRE interface; packets of other interfaces are skipped and counted. */
  readonly ringwire: boolean;
  /** Its end record has been read. */
  ended: boolean;
}

export interface TraceStats {
  sections: number;
  blocks: number;
  /** Enhanced Packet Blocks read (fragments one each): what capinfos and tshark count. */
  packets: number;
  /** Records yielded. */
  records: number;
  /** Packets that were fragments of a split record. */
  fragments: number;
  /** Records of a type this reader does not know, by type. */
  skippedRecords: number;
  skippedRecordTypes: Record<number, number>;
  /** Blocks of a type this reader does not know (or does not use). */
  skippedBlocks: number;
  skippedOptions: number;
  /** Packets on interfaces whose link type is not ringwire's. */
  foreignPackets: number;
}

export class TraceDecoder {
  private le = true;
  private sawShb = false;
  private readonly maxBody: number;
  readonly interfaces: TraceInterface[] = [];
  readonly stats: TraceStats = {
    sections: 0, blocks: 0, packets: 0, records: 0, fragments: 0, skippedRecords: 0, skippedRecordTypes: {},
    skippedBlocks: 0, skippedOptions: 0, foreignPackets: 0,
  };
  private readonly rec = new TraceRecord();
  // A split record being put together: its body so far, and the header its fragments must repeat.
  private asm: Uint8Array = new Uint8Array(0);
  private asmFilled = -1;
  private readonly asmHead = new TraceRecord();
  private readonly frag = new TraceRecord();
  /** The block being decoded is an EPB already counted in stats.packets (for error record numbers). */
  private inEpb = false;

  constructor(options: TraceReaderOptions = {}) {
    this.maxBody = options.maxBodyBytes ?? RWT_DEFAULT_MAX_BODY;
  }

  /** Bytes the decoder holds for reassembly (bounded by maxBodyBytes). */
  get reassemblyBytes(): number {
    return this.asm.length;
  }

  /**
   * The total length of the block whose first 12 bytes are at view[base]; `at` is its file offset. The
   * length is checked (multiple of 4, at least 12, at most MAX_BLOCK_BYTES) before the caller reads on.
   */
  blockLength(view: DataView, base: number, at: number): number {
    this.inEpb = false;
    if (!this.sawShb) {
      for (let i = 0; i < 4; i++) {
        if (view.getUint8(base + i) !== SHB_TYPE_BYTES[i]) this.notPcapng(at);
      }
    }
    let le = this.le;
    if (view.getUint32(base, true) === PCAPNG_BT_SHB) {
      // §4.1: the byte-order magic decides how to read everything else in the section, its own length first.
      const magic = view.getUint32(base + SHB.byte_order_magic.offset, true);
      if (magic === PCAPNG_BYTE_ORDER_MAGIC) le = true;
      else if (magic === SWAPPED_MAGIC) le = false;
      else if (!this.sawShb) this.notPcapng(at);
      else this.fail('TRACE_BAD_BLOCK', at + SHB.byte_order_magic.offset, `Section Header Block has byte-order magic 0x${hex(magic)}, not 0x1a2b3c4d in either byte order.`);
      this.le = le;
    }
    const len = view.getUint32(base + 4, le);
    if (len > MAX_BLOCK_BYTES) {
      this.fail('TRACE_TOO_LARGE', at + 4, `Block length ${len} is above the reader's limit of ${MAX_BLOCK_BYTES} bytes.`, MAX_BLOCK_BYTES, len);
    }
    if (len < BLOCK_HEAD_BYTES || len % 4 !== 0) {
      this.fail('TRACE_BAD_BLOCK', at + 4, `Block length ${len} is not a multiple of 4 of at least 12.`, 'a multiple of 4, >= 12', len);
    }
    return len;
  }

  /** Decodes the whole block bytes[base, base + len) at file offset `at`; returns a record when one is complete. */
  block(bytes: Uint8Array, view: DataView, base: number, len: number, at: number): TraceRecord | null {
    const le = this.le;
    this.inEpb = false;
    const type = view.getUint32(base, le);
    const trailer = view.getUint32(base + len - BLOCK_TRAILER_BYTES, le);
    if (trailer !== len) {
      this.fail('TRACE_BAD_BLOCK', at + len - 4, `Block's trailing length ${trailer} differs from its length ${len}.`, len, trailer);
    }
    this.stats.blocks++;
    if (type === PCAPNG_BT_EPB) return this.epb(bytes, view, base, len, at);
    if (type === PCAPNG_BT_SHB) this.shb(view, base, len, at);
    else if (type === PCAPNG_BT_IDB) this.idb(bytes, view, base, len, at);
    else this.stats.skippedBlocks++;
    return null;
  }

  /** The input ended at file offset `end`; `partial` holds the bytes of an unfinished block from `blockStart`. */
  finish(end: number, partial: Uint8Array, blockStart: number): void {
    this.inEpb = false;
    if (partial.length > 0) {
      if (!this.sawShb) {
        for (let i = 0; i < Math.min(4, partial.length); i++) if (partial[i] !== SHB_TYPE_BYTES[i]) this.notPcapng(0);
      }
      this.fail('TRACE_TRUNCATED', end, `The trace ends at byte ${end}, inside the block that starts at byte ${blockStart}.`);
    }
    if (!this.sawShb) this.fail('TRACE_TRUNCATED', end, 'The input is empty: no pcapng Section Header Block.');
    this.sectionComplete(end);
  }

  /** The input ended inside a block whose length is known. */
  truncated(end: number, blockStart: number, len: number): never {
    this.inEpb = false;
    return this.fail('TRACE_TRUNCATED', end, `The trace ends at byte ${end}, inside the ${len}-byte block that starts at byte ${blockStart}.`, len, end - blockStart);
  }

  private sectionComplete(at: number): void {
    if (this.asmFilled >= 0) {
      this.fail('TRACE_TRUNCATED', at, `The trace ends at byte ${at} inside split record seq ${this.asmHead.seq} (${this.asmFilled} of ${this.asmHead.body_len} bytes).`);
    }
    let ringwire = 0;
    for (let i = 0; i < this.interfaces.length; i++) {
      const f = this.interfaces[i] as TraceInterface;
      if (!f.ringwire) continue;
      ringwire++;
      if (!f.ended) this.fail('TRACE_TRUNCATED', at, `The trace ends at byte ${at} before interface ${i} (${f.if_name ?? 'unnamed'}) wrote its end record.`);
    }
    if (ringwire === 0) this.fail('TRACE_TRUNCATED', at, `The trace ends at byte ${at} before any ringwire interface was declared.`);
  }

  private shb(view: DataView, base: number, len: number, at: number): void {
    if (len < SHB.sizeof + BLOCK_TRAILER_BYTES) this.fail('TRACE_BAD_BLOCK', at + 4, `Section Header Block of ${len} bytes is shorter than its fixed part.`);
    const major = view.getUint16(base + SHB.major_version.offset, this.le);
    if (major !== PCAPNG_MAJOR_VERSION) {
      this.fail('TRACE_VERSION', at + SHB.major_version.offset, `pcapng major version ${major} is not 1, the one this reader knows.`, PCAPNG_MAJOR_VERSION, major);
    }
    if (this.sawShb) this.sectionComplete(at);
    this.sawShb = true;
    this.stats.sections++;
    this.interfaces.length = 0;
    this.options(view, base + SHB.sizeof, base + len - BLOCK_TRAILER_BYTES, at - base, (code) => code === SHB_USERAPPL || code === 2 || code === 3);
  }

  private idb(bytes: Uint8Array, view: DataView, base: number, len: number, at: number): void {
    if (len < IDB.sizeof + BLOCK_TRAILER_BYTES) this.fail('TRACE_BAD_BLOCK', at + 4, `Interface Description Block of ${len} bytes is shorter than its fixed part.`);
    const linktype = view.getUint16(base + IDB.linktype.offset, this.le);
    let name: string | undefined;
    let tsresol = IF_TSRESOL_NANOSECONDS;
    this.options(view, base + IDB.sizeof, base + len - BLOCK_TRAILER_BYTES, at - base, (code, vstart, vlen) => {
      if (code === IF_NAME) {
        try {
          name = utf8.decode(bytes.subarray(vstart, vstart + vlen));
        } catch {
          this.fail('TRACE_BAD_BLOCK', at - base + vstart, 'if_name is not UTF-8.');
        }
        return true;
      }
      if (code === IF_TSRESOL) {
        if (vlen !== 1) this.fail('TRACE_BAD_BLOCK', at - base + vstart, `if_tsresol has ${vlen} bytes, not 1.`, 1, vlen);
        tsresol = bytes[vstart] as number;
        return true;
      }
      return false;
    });
    this.interfaces.push({ linktype, if_name: name, if_tsresol: tsresol, ringwire: linktype === LINKTYPE_RINGWIRE, ended: false });
  }

  /**
   * Walks the options in view[start, end) (§3.5); `known` says whether this reader uses a code. `shift`
   * turns a view position into a file offset.
   */
  private options(view: DataView, start: number, end: number, shift: number, known: (code: number, vstart: number, vlen: number) => boolean): void {
    let p = start;
    while (p < end) {
      if (end - p < OPTION.sizeof) this.fail('TRACE_BAD_BLOCK', shift + p, `Option header at byte ${shift + p} runs past the end of its block.`);
      const code = view.getUint16(p + OPTION.option_code.offset, this.le);
      const vlen = view.getUint16(p + OPTION.option_length.offset, this.le);
      const vstart = p + OPTION.sizeof;
      const next = vstart + ((vlen + 3) & ~3);
      if (next > end) this.fail('TRACE_BAD_BLOCK', shift + p, `Option ${code} of ${vlen} bytes at byte ${shift + p} runs past the end of its block.`, end - vstart, vlen);
      if (code === OPT_ENDOFOPT) {
        if (vlen !== 0) this.fail('TRACE_BAD_BLOCK', shift + p, `opt_endofopt has length ${vlen}, not 0.`, 0, vlen);
        return;
      }
      if (code !== OPT_COMMENT && !known(code, vstart, vlen)) this.stats.skippedOptions++;
      p = next;
    }
  }

  private epb(bytes: Uint8Array, view: DataView, base: number, len: number, at: number): TraceRecord | null {
    const le = this.le;
    const st = this.stats;
    st.packets++;
    this.inEpb = true;
    if (len < EPB.sizeof + BLOCK_TRAILER_BYTES) this.fail('TRACE_BAD_BLOCK', at + 4, `Enhanced Packet Block of ${len} bytes is shorter than its fixed part.`);
    const iface = view.getUint32(base + EPB.interface_id.offset, le);
    const f = this.interfaces[iface];
    if (f === undefined) {
      this.fail('TRACE_BAD_BLOCK', at + EPB.interface_id.offset, `Packet names interface ${iface}; the section declared ${this.interfaces.length}.`, `< ${this.interfaces.length}`, iface);
    }
    const caplen = view.getUint32(base + EPB.captured_packet_length.offset, le);
    const data = base + EPB.sizeof;
    const dataEnd = data + caplen;
    const optStart = data + ((caplen + 3) & ~3);
    const end = base + len - BLOCK_TRAILER_BYTES;
    if (caplen > MAX_PACKET_BYTES || optStart > end) {
      this.fail('TRACE_BAD_BLOCK', at + EPB.captured_packet_length.offset, `captured_packet_length ${caplen} does not fit its ${len}-byte block.`, `<= ${end - data}`, caplen);
    }
    if (!f.ringwire) {
      st.foreignPackets++;
      return null;
    }
    const origlen = view.getUint32(base + EPB.original_packet_length.offset, le);
    if (origlen !== caplen) {
      this.fail('TRACE_BAD_BLOCK', at + EPB.original_packet_length.offset, `original_packet_length ${origlen} differs from captured_packet_length ${caplen}: ringwire never cuts a record.`, caplen, origlen);
    }
    // Options, inline: this runs once per record.
    let epbFlags = -1;
    let crc = -1;
    let p = optStart;
    while (p < end) {
      if (end - p < OPTION.sizeof) this.fail('TRACE_BAD_BLOCK', at - base + p, `Option header at byte ${at - base + p} runs past the end of its block.`);
      const code = view.getUint16(p + OPTION.option_code.offset, le);
      const vlen = view.getUint16(p + OPTION.option_length.offset, le);
      const v = p + OPTION.sizeof;
      const next = v + ((vlen + 3) & ~3);
      if (next > end) this.fail('TRACE_BAD_BLOCK', at - base + p, `Option ${code} of ${vlen} bytes at byte ${at - base + p} runs past the end of its block.`, end - v, vlen);
      if (code === OPT_ENDOFOPT) {
        if (vlen !== 0) this.fail('TRACE_BAD_BLOCK', at - base + p, `opt_endofopt has length ${vlen}, not 0.`, 0, vlen);
        break;
      }
      if (code === EPB_FLAGS) {
        if (vlen !== 4) this.fail('TRACE_BAD_BLOCK', at - base + p, `epb_flags has ${vlen} bytes, not 4.`, 4, vlen);
        epbFlags = view.getUint32(v, le);
      } else if (code === EPB_HASH && vlen >= 1 && bytes[v] === EPB_HASH_ALGORITHM_CRC32) {
        if (vlen !== 5) this.fail('TRACE_BAD_BLOCK', at - base + p, `epb_hash CRC32 has ${vlen - 1} hash bytes, not 4.`, 5, vlen);
        crc = view.getUint32(v + 1, false);
      } else if (code !== OPT_COMMENT && code !== EPB_HASH) {
        st.skippedOptions++;
      }
      p = next;
    }
    // The CRC first: after it, a wrong value below is a writer's bug or a deliberate edit, not a flipped bit.
    if (crc < 0) this.fail('TRACE_CRC', at + EPB.sizeof, 'The record has no epb_hash CRC32 option.');
    const actual = crc32Int32(bytes, 0, data, dataEnd);
    if (actual !== (crc | 0)) {
      this.fail('TRACE_CRC', at + EPB.sizeof, `The record's CRC-32 is 0x${hex(actual)}; its epb_hash says 0x${hex(crc)}.`, crc, actual >>> 0);
    }
    if (caplen < RECORD_HEADER.sizeof) {
      this.fail('TRACE_BAD_RECORD', at + EPB.sizeof, `A ${caplen}-byte packet is shorter than the ${RECORD_HEADER.sizeof}-byte record header.`, RECORD_HEADER.sizeof, caplen);
    }
    const r = this.frag;
    readRecordHeader(view, data, r);
    if (r.ver_major !== RWT_VERSION_MAJOR) {
      this.fail('TRACE_VERSION', at + EPB.sizeof + RECORD_HEADER.ver_major.offset, `Record format major version ${r.ver_major} is not ${RWT_VERSION_MAJOR}, the one this reader knows.`, RWT_VERSION_MAJOR, r.ver_major);
    }
    if (r.hdr_len < RECORD_HEADER.sizeof || r.hdr_len > caplen) {
      this.fail('TRACE_BAD_RECORD', at + EPB.sizeof, `hdr_len ${r.hdr_len} is outside ${RECORD_HEADER.sizeof}..${caplen}.`, `${RECORD_HEADER.sizeof}..${caplen}`, r.hdr_len);
    }
    if (r.seq > Number.MAX_SAFE_INTEGER) {
      this.fail('TRACE_BAD_RECORD', at + EPB.sizeof + RECORD_HEADER.seq.offset, `seq ${r.seq} is above 2^53 - 1, which this reader can count.`);
    }
    if (epbFlags !== directionFlags(r.party)) {
      this.fail('TRACE_BAD_BLOCK', at + EPB.sizeof, `epb_flags 0x${hex(epbFlags)} do not give the direction of party ${r.party} (0x${hex(directionFlags(r.party))}).`, directionFlags(r.party), epbFlags);
    }
    if (f.ended) this.fail('TRACE_BAD_RECORD', at, `A record follows the end record of interface ${iface}.`);
    r.interface_id = iface;
    r.timestamp_high = view.getUint32(base + EPB.timestamp_high.offset, le);
    r.timestamp_low = view.getUint32(base + EPB.timestamp_low.offset, le);
    r.packet = st.packets;
    r.offset = at;
    r.fragments = 1;
    r.bytes = bytes;
    r.bodyOffset = data + r.hdr_len;
    const part = caplen - r.hdr_len;
    if (this.asmFilled >= 0) return this.nextFragment(r, part, at);
    if (r.flags & RWT_F_FRAGMENT) return this.firstFragment(r, part, at);
    if (r.frag_off !== 0 || r.body_len !== part) {
      this.fail('TRACE_BAD_RECORD', at + EPB.sizeof, `An unsplit record has body_len ${r.body_len} and frag_off ${r.frag_off}; its body is ${part} bytes.`, part, r.body_len);
    }
    return this.complete(r);
  }

  private firstFragment(r: TraceRecord, part: number, at: number): TraceRecord | null {
    if (r.frag_off !== 0) this.fail('TRACE_BAD_RECORD', at + EPB.sizeof, `A split record starts with frag_off ${r.frag_off}, not 0: its first fragment is missing.`, 0, r.frag_off);
    if (r.body_len > this.maxBody) {
      this.fail('TRACE_TOO_LARGE', at + EPB.sizeof, `A split record of ${r.body_len} bytes is above the reader's limit of ${this.maxBody}.`, this.maxBody, r.body_len);
    }
    if (part > r.body_len) this.fail('TRACE_BAD_RECORD', at + EPB.sizeof, `A fragment of ${part} bytes is longer than its record's body_len ${r.body_len}.`, r.body_len, part);
    if (this.asm.length < r.body_len) this.asm = new Uint8Array(r.body_len);
    this.asm.set(r.bytes.subarray(r.bodyOffset, r.bodyOffset + part));
    this.asmFilled = part;
    copyRecord(this.asmHead, r);
    this.stats.fragments++;
    return this.asmFilled === r.body_len ? this.assembled() : null;
  }

  private nextFragment(r: TraceRecord, part: number, at: number): TraceRecord | null {
    const h = this.asmHead;
    if (!(r.flags & RWT_F_FRAGMENT) || r.interface_id !== h.interface_id || r.seq !== h.seq || r.rec_type !== h.rec_type ||
        r.party !== h.party || r.body_len !== h.body_len || r.frag_off !== this.asmFilled) {
      this.fail('TRACE_BAD_RECORD', at + EPB.sizeof, `Split record seq ${h.seq} (packet ${h.packet}) needs its fragment at ${this.asmFilled} next; packet ${r.packet} is seq ${r.seq} at ${r.frag_off}.`, this.asmFilled, r.frag_off);
    }
    if (part === 0 || part > h.body_len - this.asmFilled) {
      this.fail('TRACE_BAD_RECORD', at + EPB.sizeof, `A ${part}-byte fragment does not fit the ${h.body_len - this.asmFilled} bytes left of split record seq ${h.seq}.`, h.body_len - this.asmFilled, part);
    }
    this.asm.set(r.bytes.subarray(r.bodyOffset, r.bodyOffset + part), this.asmFilled);
    this.asmFilled += part;
    h.fragments++;
    this.stats.fragments++;
    return this.asmFilled === h.body_len ? this.assembled() : null;
  }

  private assembled(): TraceRecord | null {
    const r = this.asmHead;
    this.asmFilled = -1;
    r.bytes = this.asm;
    r.bodyOffset = 0;
    r.frag_off = 0;
    return this.complete(r);
  }

  private complete(r: TraceRecord): TraceRecord | null {
    if (r.rec_type === RWT_END) (this.interfaces[r.interface_id] as TraceInterface).ended = true;
    if (!knownRecordTypes.has(r.rec_type)) {
      this.stats.skippedRecords++;
      this.stats.skippedRecordTypes[r.rec_type] = (this.stats.skippedRecordTypes[r.rec_type] ?? 0) + 1;
      return null;
    }
    this.stats.records++;
    copyRecord(this.rec, r);
    return this.rec;
  }

  private notPcapng(at: number): never {
    return this.fail('TRACE_NOT_PCAPNG', at, 'The input is not pcapng: it does not start with a Section Header Block (0x0A0D0D0A, byte-order magic 0x1A2B3C4D).');
  }

  private fail(code: TraceErrorCode, offset: number, message: string, expected?: unknown, received?: unknown): never {
    // A packet's own number once its block is being read; before that, the number the next packet gets.
    throw new TraceError(code, message, { offset, record: this.stats.packets + (this.inEpb ? 0 : 1), expected, received });
  }
}

function copyRecord(to: TraceRecord, from: TraceRecord): void {
  to.hdr_len = from.hdr_len; to.ver_major = from.ver_major; to.ver_minor = from.ver_minor; to.rec_type = from.rec_type;
  to.party = from.party; to.flags = from.flags; to.seq = from.seq; to.body_len = from.body_len; to.frag_off = from.frag_off;
  to.interface_id = from.interface_id; to.timestamp_high = from.timestamp_high; to.timestamp_low = from.timestamp_low;
  to.packet = from.packet; to.offset = from.offset; to.fragments = from.fragments; to.bytes = from.bytes; to.bodyOffset = from.bodyOffset;
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/**
 * Traces for the trace tests, written by TraceWriter from seeded data (never hand-written bytes), and an
 * independent byte-swapper that rewrites a little-endian trace's pcapng framing big-endian.
 */
import { GrowableSink, TraceWriter, crc32, type DetachedRecord } from '../../src/trace/index.js';
import { protocol } from '../../src/index.js';
import * as traceLayouts from '../../src/trace/layouts.js';
import { rng } from '../virtio/rng.js';

const T = { ...protocol.trace, ...traceLayouts };

export interface WrittenRecord {
  readonly iface: number;
  readonly rec_type: number;
  readonly party: number;
  readonly seq: number;
  readonly body: Uint8Array;
  readonly timestamp: bigint;
}

export interface SampleTrace {
  readonly bytes: Uint8Array;
  readonly names: readonly string[];
  /** What was written, in order, end records included. */
  readonly records: readonly WrittenRecord[];
  readonly packets: number;
}

export function seededBytes(rand: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/**
 * A trace over `names` interfaces with every record type on each, `extra` more random records, and
 * optionally one body larger than a packet (split).
 */
export function sampleTrace(opts: { seed?: number; names?: readonly string[]; extra?: number; bigBody?: number; littleEndian?: boolean; maxBody?: number } = {}): SampleTrace {
  const rand = rng(opts.seed ?? 1);
  const names = opts.names ?? ['blkif/x86_64/order0', 'virtio-split/256'];
  const sink = new GrowableSink();
  const w = new TraceWriter(sink, { application: 'ringwire tests', littleEndian: opts.littleEndian ?? true, ...(opts.maxBody === undefined ? {} : { maxBodyBytes: opts.maxBody }) });
  const records: WrittenRecord[] = [];
  const ifaces = names.map((name, i) => w.addInterface(i === 1 ? { name, tsresol: 6 } : { name }));
  let clock = 1_700_000_000_000_000_000n;
  const put = (iface: number, rec_type: number, party: number, body: Uint8Array): void => {
    clock += BigInt(1 + Math.floor(rand() * 1000));
    const seq = w.write(iface, { rec_type, party, body, timestamp: clock });
    records.push({ iface, rec_type, party, seq, body, timestamp: clock });
  };
  for (const iface of ifaces) {
    for (const t of T.recordTypes) {
      if (t.value === T.RWT_END) continue;
      put(iface, t.value, Math.floor(rand() * 3), seededBytes(rand, Math.floor(rand() * 40)));
    }
  }
  for (let i = 0; i < (opts.extra ?? 0); i++) {
    put(ifaces[Math.floor(rand() * ifaces.length)] as number, 1 + Math.floor(rand() * 11), Math.floor(rand() * 3), seededBytes(rand, Math.floor(rand() * 200)));
  }
  if (opts.bigBody !== undefined) put(0, T.RWT_WRITE, T.RWT_PARTY_FRONT, seededBytes(rand, opts.bigBody));
  for (const iface of ifaces) put(iface, T.RWT_END, T.RWT_PARTY_NONE, new Uint8Array(0));
  return { bytes: sink.bytes.slice(), names, records, packets: w.packets };
}

/**
 * Rewrites the pcapng framing of a little-endian trace in big-endian: block types and lengths, the SHB's
 * magic, versions and section length, the IDB and EPB fixed members, option codes and lengths, and the
 * integer options (epb_flags). Packet data (ringwire records, little-endian by definition), string options
 * and epb_hash bytes stay as they are. Written from the draft, not from src/trace.
 */
export function swapToBigEndian(le: Uint8Array): Uint8Array {
  const out = le.slice();
  const v = new DataView(le.buffer, le.byteOffset, le.byteLength);
  const o = new DataView(out.buffer);
  const sw32 = (at: number) => o.setUint32(at, v.getUint32(at, true), false);
  const sw16 = (at: number) => o.setUint16(at, v.getUint16(at, true), false);
  let at = 0;
  while (at < le.length) {
    const type = v.getUint32(at, true);
    const len = v.getUint32(at + 4, true);
    sw32(at); sw32(at + 4); sw32(at + len - 4);
    let opt: number;
    if (type === 0x0a0d0d0a) {
      sw32(at + 8); sw16(at + 12); sw16(at + 14);
      o.setBigInt64(at + 16, v.getBigInt64(at + 16, true), false);
      opt = at + 24;
    } else if (type === 1) {
      sw16(at + 8); sw16(at + 10); sw32(at + 12);
      opt = at + 16;
    } else if (type === 6) {
      for (let k = 8; k < 28; k += 4) sw32(at + k);
      opt = at + 28 + ((v.getUint32(at + 20, true) + 3) & ~3);
    } else {
      throw new Error(`unexpected block type ${type}`);
    }
    while (opt < at + len - 4) {
      const code = v.getUint16(opt, true);
      const olen = v.getUint16(opt + 2, true);
      sw16(opt); sw16(opt + 2);
      if (type === 6 && code === 2) sw32(opt + 4);
      if (code === 0) break;
      opt += 4 + ((olen + 3) & ~3);
    }
    at += len;
  }
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Rebuilds the n-th EPB (1-based) of a little-endian trace with new packet data and a matching CRC. */
export function reframe(b: Uint8Array, n: number, edit: (rec: Uint8Array) => Uint8Array): Uint8Array {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 0;
  let k = 0;
  while (at < b.length) {
    const len = v.getUint32(at + 4, true);
    if (v.getUint32(at, true) === 6 && ++k === n) {
      const caplen = v.getUint32(at + 20, true);
      const rec = edit(b.slice(at + 28, at + 28 + caplen));
      const optAt = at + 28 + ((caplen + 3) & ~3);
      const opts = b.slice(optAt, at + len - 4);
      const pad = (4 - (rec.length & 3)) & 3;
      const total = 28 + rec.length + pad + opts.length + 4;
      const blk = new Uint8Array(total);
      blk.set(b.subarray(at, at + 28));
      blk.set(rec, 28);
      blk.set(opts, 28 + rec.length + pad);
      const bv = new DataView(blk.buffer);
      bv.setUint32(4, total, true); bv.setUint32(20, rec.length, true); bv.setUint32(24, rec.length, true); bv.setUint32(total - 4, total, true);
      // epb_flags (8 bytes) then epb_hash: algorithm octet, CRC-32 most significant byte first.
      bv.setUint32(28 + rec.length + pad + 8 + 5, crc32(rec), false);
      return concat(b.subarray(0, at), blk, b.subarray(at + len));
    }
    at += len;
  }
  throw new Error(`no EPB ${n}`);
}

/** Detaches each record as it comes (a reader reuses one record object). */
export function collect(reader: Iterable<{ detach(): DetachedRecord }>): DetachedRecord[] {
  const out: DetachedRecord[] = [];
  for (const r of reader) out.push(r.detach());
  return out;
}

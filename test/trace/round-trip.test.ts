/**
 * Writer → reader round trips: every record type, both byte orders of the pcapng framing, split records,
 * what old readers must skip, and the record header's declared offsets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { protocol } from '../../src/index.js';
import * as traceLayouts from '../../src/trace/layouts.js';
import {
  GrowableSink, TraceWriter, TraceReader, TraceError, readAllRecords, crc32, directionFlags,
  readRecordHeader, writeRecordHeader, type DetachedRecord,
} from '../../src/trace/index.js';
import { sampleTrace, seededBytes, swapToBigEndian, concat, reframe, collect, type SampleTrace } from './trace-fixtures.js';
import { rng } from '../virtio/rng.js';

const T = { ...protocol.trace, ...traceLayouts };

function assertSame(got: readonly DetachedRecord[], want: SampleTrace): void {
  assert.equal(got.length, want.records.length);
  got.forEach((r, i) => {
    const w = want.records[i]!;
    assert.equal(r.rec_type, w.rec_type, `record ${i} rec_type`);
    assert.equal(r.party, w.party, `record ${i} party`);
    assert.equal(r.seq, w.seq, `record ${i} seq`);
    assert.equal(r.interface_id, w.iface, `record ${i} interface`);
    assert.equal(r.timestamp, w.timestamp, `record ${i} timestamp`);
    assert.equal(r.body_len, w.body.length);
    assert.deepEqual(r.body, w.body, `record ${i} body`);
    assert.equal(r.ver_major, T.RWT_VERSION_MAJOR);
    assert.equal(r.hdr_len, T.RECORD_HEADER.sizeof);
  });
}

test('every record type on every interface reads back as written (type, party, seq, interface, timestamp, body)', () => {
  const t = sampleTrace({ seed: 11, names: ['blkif/x86_64/order0', 'virtio-split/256', 'netif_tx/x86_32/order2'], extra: 50 });
  const reader = new TraceReader(t.bytes);
  const got = collect(reader);
  assertSame(got, t);
  for (const ty of T.recordTypes) assert.ok(got.some((r) => r.rec_type === ty.value), ty.name);
  assert.deepEqual(reader.interfaces.map((f) => f.if_name), t.names);
  assert.deepEqual(reader.interfaces.map((f) => f.if_tsresol), [9, 6, 9]);
  assert.ok(reader.interfaces.every((f) => f.ended && f.ringwire && f.linktype === T.LINKTYPE_RINGWIRE));
  assert.equal(reader.stats.packets, t.packets);
  assert.equal(reader.stats.records, t.records.length);
  assert.equal(reader.stats.skippedBlocks + reader.stats.skippedOptions + reader.stats.skippedRecords, 0);
  // Sequence numbers are global and dense, whatever the interface.
  assert.deepEqual(got.map((r) => r.seq), got.map((_, i) => i));
});

test('the record header sits where protocol/trace declares it, little-endian (distinct-byte sentinels)', () => {
  const H = T.RECORD_HEADER;
  assert.deepEqual(
    Object.fromEntries(T.ringwire_record_header.fields.map((f) => [f.name, (H as unknown as Record<string, { offset: number }>)[f.name]!.offset])),
    { hdr_len: 0, ver_major: 2, ver_minor: 3, rec_type: 4, party: 6, flags: 7, seq: 8, body_len: 16, frag_off: 20 },
  );
  const b = new Uint8Array(24);
  const h = { hdr_len: 0x0201, ver_major: 0x03, ver_minor: 0x04, rec_type: 0x0605, party: 0x07, flags: 0x08, seq: 0x0f0e0d0c0b0a09, body_len: 0x13121110, frag_off: 0x17161514 };
  writeRecordHeader(new DataView(b.buffer), 0, h);
  assert.deepEqual([...b], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 16, 17, 18, 19, 20, 21, 22, 23]);
  assert.deepEqual(readRecordHeader(new DataView(b.buffer), 0, { ...h, seq: 0 }), h);
});

test('the EPB options carry the direction (epb_flags) and the CRC-32 of the record (epb_hash, algorithm 2)', () => {
  const sink = new GrowableSink();
  const w = new TraceWriter(sink);
  const i = w.addInterface({ name: 'x' });
  const body = Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x01);
  w.write(i, { rec_type: T.RWT_WRITE, party: T.RWT_PARTY_FRONT, body });
  const b = sink.bytes;
  const v = new DataView(b.buffer, b.byteOffset);
  // SHB, then IDB, then the EPB.
  let at = v.getUint32(4, true);
  at += v.getUint32(at + 4, true);
  assert.equal(v.getUint32(at, true), T.PCAPNG_BT_EPB);
  const caplen = v.getUint32(at + T.EPB.captured_packet_length.offset, true);
  assert.equal(caplen, 24 + body.length);
  const rec = b.subarray(at + T.EPB.sizeof, at + T.EPB.sizeof + caplen);
  assert.deepEqual([...rec.subarray(24)], [...body]);
  let o = at + T.EPB.sizeof + ((caplen + 3) & ~3);
  assert.deepEqual([v.getUint16(o, true), v.getUint16(o + 2, true), v.getUint32(o + 4, true)], [T.EPB_FLAGS, 4, T.EPB_FLAGS_OUTBOUND]);
  o += 8;
  assert.deepEqual([v.getUint16(o, true), v.getUint16(o + 2, true), b[o + 4]], [T.EPB_HASH, 5, T.EPB_HASH_ALGORITHM_CRC32]);
  assert.equal(v.getUint32(o + 5, false), crc32(rec));
  assert.equal(directionFlags(T.RWT_PARTY_BACK), T.EPB_FLAGS_INBOUND);
  assert.equal(directionFlags(T.RWT_PARTY_NONE), 0);
});

test('a big-endian trace (framing byte-swapped, records as they are) reads the same as the little-endian one', () => {
  const le = sampleTrace({ seed: 5, extra: 20, bigBody: 300_000 });
  const swapped = swapToBigEndian(le.bytes);
  assert.notDeepEqual(swapped, le.bytes);
  assertSame(readAllRecords(swapped), le);
  // The writer's own big-endian output is exactly the swapped file.
  const be = sampleTrace({ seed: 5, extra: 20, bigBody: 300_000, littleEndian: false });
  assert.deepEqual(be.bytes, swapped);
});

test('a body larger than one packet is split into fragments of at most 256 KiB and put back together', () => {
  for (const size of [T.RWT_MAX_FRAGMENT_BODY, T.RWT_MAX_FRAGMENT_BODY + 1, 3 * T.RWT_MAX_FRAGMENT_BODY, 1_000_003]) {
    const t = sampleTrace({ seed: size, bigBody: size });
    const reader = new TraceReader(t.bytes);
    const got = collect(reader);
    assertSame(got, t);
    const big = got.find((r) => r.body_len === size)!;
    const n = Math.ceil(size / T.RWT_MAX_FRAGMENT_BODY);
    assert.equal(big.fragments, n, `${size} bytes`);
    assert.equal(big.flags & T.RWT_F_FRAGMENT, n > 1 ? T.RWT_F_FRAGMENT : 0);
    assert.equal(reader.stats.fragments, n > 1 ? n : 0);
    assert.equal(reader.stats.packets, t.records.length - 1 + n);
    // No packet exceeds Wireshark's limit.
    const v = new DataView(t.bytes.buffer);
    for (let at = 0; at < t.bytes.length; at += v.getUint32(at + 4, true)) {
      if (v.getUint32(at, true) === T.PCAPNG_BT_EPB) assert.ok(v.getUint32(at + 20, true) <= T.MAX_PACKET_BYTES);
    }
  }
});

test('unknown block types, unknown options and unknown record types are skipped and counted', () => {
  const t = sampleTrace({ seed: 3 });
  const b = t.bytes;
  const v = new DataView(b.buffer);
  const shbLen = v.getUint32(4, true);
  // An unknown block (type 0x0BAD) and a Name Resolution Block (type 4, known to pcapng, unused here) after the SHB.
  const unknown = new Uint8Array(24);
  const uv = new DataView(unknown.buffer);
  uv.setUint32(0, 0x0bad, true); uv.setUint32(4, 24, true); uv.setUint32(20, 24, true);
  const nrb = new Uint8Array(16);
  const nv = new DataView(nrb.buffer);
  nv.setUint32(0, 4, true); nv.setUint32(4, 16, true); nv.setUint32(12, 16, true);
  // An unknown option (code 0x7777) on the first EPB: rebuild that block with it inserted before opt_endofopt.
  const idbLen = v.getUint32(shbLen + 4, true);
  const idb2Len = v.getUint32(shbLen + idbLen + 4, true);
  const epbAt = shbLen + idbLen + idb2Len;
  const epbLen = v.getUint32(epbAt + 4, true);
  const epb = new Uint8Array(epbLen + 8);
  epb.set(b.subarray(epbAt, epbAt + epbLen - 8));
  const ev = new DataView(epb.buffer);
  ev.setUint16(epbLen - 8, 0x7777, true); ev.setUint16(epbLen - 6, 3, true); epb.set([1, 2, 3], epbLen - 4);
  ev.setUint32(epbLen + 4, epbLen + 8, true);
  ev.setUint32(4, epbLen + 8, true);
  // A record of an unknown type (200) with a longer header (a later minor version), written by hand-framing.
  const w2 = new GrowableSink();
  const tw = new TraceWriter(w2);
  const i0 = tw.addInterface({ name: 'a' });
  tw.write(i0, { rec_type: 200, party: 1, body: Uint8Array.of(9) });
  tw.write(i0, { rec_type: T.RWT_NOTIFY, party: 2, body: Uint8Array.of(7, 7) });
  tw.close();
  const second = w2.bytes.slice();
  const edited = concat(b.subarray(0, shbLen), unknown, nrb, b.subarray(shbLen, epbAt), epb, b.subarray(epbAt + epbLen), second);
  const reader = new TraceReader(edited);
  const got = collect(reader);
  assert.equal(reader.stats.skippedBlocks, 2);
  assert.equal(reader.stats.skippedOptions, 1);
  assert.equal(reader.stats.skippedRecords, 1);
  assert.deepEqual(reader.stats.skippedRecordTypes, { 200: 1 });
  assert.equal(reader.stats.sections, 2);
  assert.equal(got.length, t.records.length + 2);
  assert.deepEqual([...got[t.records.length]!.body], [7, 7]);
  assert.deepEqual(reader.interfaces.map((f) => f.if_name), ['a']);
});

test('a later minor version with a longer header and unknown flag bits reads; an unknown major version is refused', () => {
  const make = (ver_major: number, hdr_len: number, flags: number): Uint8Array => {
    const sink = new GrowableSink();
    const w = new TraceWriter(sink);
    const i = w.addInterface({ name: 'v' });
    w.write(i, { rec_type: T.RWT_ANNOTATION, party: 0, body: new TextEncoder().encode('RING_PUSH_REQUESTS') });
    w.close();
    const b = sink.bytes.slice();
    return reframe(b, 1, (rec) => {
      const extra = hdr_len - 24;
      const out = new Uint8Array(rec.length + extra);
      out.set(rec.subarray(0, 24));
      out.set(rec.subarray(24), hdr_len);
      out.fill(0xee, 24, hdr_len);
      const dv = new DataView(out.buffer);
      dv.setUint16(0, hdr_len, true);
      out[2] = ver_major;
      out[3] = 7;
      out[7] = flags;
      return out;
    });
  };
  const got = readAllRecords(make(1, 40, 0x80));
  assert.equal(got[0]!.hdr_len, 40);
  assert.equal(got[0]!.ver_minor, 7);
  assert.equal(new TextDecoder().decode(got[0]!.body), 'RING_PUSH_REQUESTS');
  assert.throws(() => readAllRecords(make(2, 24, 0)), (e) => e instanceof TraceError && e.code === 'TRACE_VERSION' && e.record === 1 && typeof e.offset === 'number');
});

test('sections: a second SHB starts a new set of interfaces (cat of two traces)', () => {
  const a = sampleTrace({ seed: 1, names: ['one'] });
  const b = sampleTrace({ seed: 2, names: ['two', 'three'] });
  const reader = new TraceReader(concat(a.bytes, b.bytes));
  const got = collect(reader);
  assert.equal(got.length, a.records.length + b.records.length);
  assert.equal(reader.stats.sections, 2);
  assert.deepEqual(reader.interfaces.map((f) => f.if_name), ['two', 'three']);
});

test('writer refusals are TraceErrors and write nothing', () => {
  const sink = new GrowableSink();
  const w = new TraceWriter(sink, { maxBodyBytes: 1000 });
  assert.throws(() => w.close(), { code: 'TRACE_BAD_ARGUMENT' });
  const i = w.addInterface({ name: 'r' });
  const before = sink.length;
  const refuse = (f: () => unknown, code: string) => {
    assert.throws(f, (e) => e instanceof TraceError && e.code === code);
    assert.equal(sink.length, before);
  };
  refuse(() => w.write(7, { rec_type: 3, party: 1 }), 'TRACE_BAD_ARGUMENT');
  refuse(() => w.write(i, { rec_type: 0, party: 1 }), 'TRACE_BAD_ARGUMENT');
  refuse(() => w.write(i, { rec_type: 3, party: 256 }), 'TRACE_BAD_ARGUMENT');
  refuse(() => w.write(i, { rec_type: 3, party: 1, flags: T.RWT_F_FRAGMENT }), 'TRACE_BAD_ARGUMENT');
  refuse(() => w.write(i, { rec_type: 3, party: 1, timestamp: -1n }), 'TRACE_BAD_ARGUMENT');
  refuse(() => w.write(i, { rec_type: 3, party: 1, body: new Uint8Array(1001) }), 'TRACE_TOO_LARGE');
  refuse(() => w.addInterface({ name: 'r', tsresol: 300 }), 'TRACE_BAD_ARGUMENT');
  assert.equal(w.write(i, { rec_type: 3, party: 1, timestamp: 5 }), 0);
  w.end(i);
  assert.throws(() => w.write(i, { rec_type: 3, party: 1 }), /has ended/);
  w.close();
  assert.throws(() => w.addInterface({ name: 'late' }), { code: 'TRACE_BAD_ARGUMENT' });
  assert.equal(readAllRecords(sink.bytes)[0]!.timestamp, 5n);
});

test('a shared-memory input is copied block by block before it is checked, and reads the same', () => {
  const t = sampleTrace({ seed: 9, extra: 10, bigBody: 270_000 });
  const shared = new Uint8Array(new SharedArrayBuffer(t.bytes.length));
  shared.set(t.bytes);
  const got = [];
  for (const r of new TraceReader(shared)) {
    assert.ok(!(r.bytes.buffer instanceof SharedArrayBuffer), 'record bytes are a private copy');
    got.push(r.detach());
  }
  assertSame(got, t);
});

test('records are views of the input; detach() copies', () => {
  const rand = rng(4);
  const sink = new GrowableSink();
  const w = new TraceWriter(sink);
  const i = w.addInterface({ name: 'v' });
  const body = seededBytes(rand, 64);
  w.write(i, { rec_type: T.RWT_SNAPSHOT, party: 0, body });
  w.close();
  const input = sink.bytes.slice();
  for (const r of new TraceReader(input)) {
    if (r.rec_type !== T.RWT_SNAPSHOT) continue;
    assert.equal(r.bytes, input);
    const d = r.detach();
    input[r.bodyOffset] = input[r.bodyOffset]! ^ 0xff;
    assert.equal(d.body[0], body[0]);
    assert.notEqual(r.body[0], body[0]);
  }
});


/**
 * Bad input never crashes, hangs or reads out of bounds: a cut anywhere gives every whole record before
 * it and then TRACE_TRUNCATED at the cut; a flipped bit gives a typed TraceError (offset and record number)
 * or a valid result; huge lengths are refused before allocating; a file that is not pcapng says so.
 * Replay a failing seed with RINGWIRE_SEED=<seed in the test name>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { protocol } from '../../src/index.js';
import * as traceLayouts from '../../src/trace/layouts.js';
import { TraceReader, TraceStreamReader, TraceError, GrowableSink, TraceWriter, type DetachedRecord } from '../../src/trace/index.js';
import { sampleTrace, collect, concat, reframe, type SampleTrace } from './trace-fixtures.js';
import { rng, seedFromEnv } from '../virtio/rng.js';

const T = { ...protocol.trace, ...traceLayouts };
const seed = seedFromEnv(0x7472_6163);
const codes = new Set(['TRACE_TRUNCATED', 'TRACE_CRC', 'TRACE_BAD_BLOCK', 'TRACE_BAD_RECORD', 'TRACE_NOT_PCAPNG', 'TRACE_TOO_LARGE', 'TRACE_VERSION']);

/** File offset where each packet (1-based) ends. */
function packetEnds(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ends = [0];
  for (let at = 0; at < b.length; at += v.getUint32(at + 4, true)) {
    if (v.getUint32(at, true) === T.PCAPNG_BT_EPB) ends.push(at + v.getUint32(at + 4, true));
  }
  return ends;
}

/** Reads until the reader stops; returns the records read and the error it stopped with. */
function readUntilError(b: Uint8Array): { records: DetachedRecord[]; error: unknown; stats: TraceReader['stats'] } {
  const reader = new TraceReader(b);
  const records: DetachedRecord[] = [];
  try {
    for (const r of reader) records.push(r.detach());
  } catch (error) {
    return { records, error, stats: reader.stats };
  }
  return { records, error: undefined, stats: reader.stats };
}

function assertTyped(e: unknown, what: string): asserts e is TraceError {
  assert.ok(e instanceof TraceError, `${what}: ${String(e)}`);
  assert.ok(codes.has(e.code), `${what}: code ${e.code}`);
  assert.equal(typeof e.offset, 'number', `${what}: offset`);
  assert.equal(typeof e.record, 'number', `${what}: record number`);
  assert.equal(e.index, e.record);
  assert.ok(!e.message.includes('\n'), 'one sentence');
}

function checkCuts(t: SampleTrace, cuts: Iterable<number>): void {
  const full = collect(new TraceReader(t.bytes));
  const ends = packetEnds(t.bytes);
  for (const cut of cuts) {
    const { records, error } = readUntilError(t.bytes.subarray(0, cut));
    assertTyped(error, `cut at ${cut}`);
    assert.equal(error.code, 'TRACE_TRUNCATED', `cut at ${cut}: ${error.message}`);
    assert.equal(error.offset, cut, `cut at ${cut}`);
    const whole = full.filter((r) => ends[r.packet + r.fragments - 1]! <= cut);
    assert.deepEqual(records, whole, `cut at ${cut}: the whole records before the cut`);
  }
}

test('a trace cut at every byte gives every whole record before the cut, then TRACE_TRUNCATED at the cut', () => {
  const t = sampleTrace({ seed: 21, names: ['a', 'b', 'c'], extra: 20 });
  checkCuts(t, Array.from({ length: t.bytes.length }, (_, i) => i));
});

test(`a trace with a split record cut at every block boundary and fragment edge, and at seeded points (seed ${seed})`, () => {
  const t = sampleTrace({ seed: 22, extra: 10, bigBody: 700_000 });
  const rand = rng(seed);
  const v = new DataView(t.bytes.buffer);
  const cuts = new Set<number>();
  for (let at = 0; at < t.bytes.length; at += v.getUint32(at + 4, true)) for (const d of [-1, 0, 1, 11, 12, 29, 52]) cuts.add(at + d);
  for (let i = 0; i < 300; i++) cuts.add(Math.floor(rand() * t.bytes.length));
  cuts.delete(-1);
  cuts.delete(t.bytes.length);
  checkCuts(t, [...cuts].filter((c) => c >= 0 && c < t.bytes.length));
});

/** A flip gives a typed error, or records whose content is the original's, fewer only if they were counted as skipped. */
function checkFlip(t: SampleTrace, full: readonly DetachedRecord[], pos: number, bit: number): 'error' | 'valid' {
  const b = t.bytes.slice();
  b[pos] = b[pos]! ^ (1 << bit);
  const { records, error, stats } = readUntilError(b);
  if (error !== undefined) {
    assertTyped(error, `bit ${bit} of byte ${pos}`);
    return 'error';
  }
  // Content covered by the CRC must be the original's; what pcapng tools rewrite (timestamps, interface
  // numbers, interface names) is outside it by design.
  const content = (r: DetachedRecord) => [r.rec_type, r.party, r.seq, r.flags, r.body_len, [...r.body].join()].join('/');
  const want = full.map(content);
  const got = records.map(content);
  const skipped = stats.skippedRecords + stats.skippedBlocks + stats.foreignPackets;
  if (skipped === 0) assert.deepEqual(got, want, `bit ${bit} of byte ${pos} accepted with different content`);
  else assert.ok(got.every((c) => want.includes(c)) && got.length < want.length, `bit ${bit} of byte ${pos}: skipped records`);
  return 'valid';
}

test('every single flipped bit of a trace gives a typed error with offset and record number, or a valid read', () => {
  const t = sampleTrace({ seed: 31, names: ['a', 'b'], extra: 6 });
  const full = collect(new TraceReader(t.bytes));
  let errors = 0;
  for (let pos = 0; pos < t.bytes.length; pos++) for (let bit = 0; bit < 8; bit++) if (checkFlip(t, full, pos, bit) === 'error') errors++;
  // Most bits are covered: everything but timestamps, names, padding and ignored header members.
  assert.ok(errors > t.bytes.length * 8 * 0.6, `${errors} of ${t.bytes.length * 8} flips were caught`);
});

test(`seeded bit flips over a larger trace with split records (seed ${seed})`, () => {
  const t = sampleTrace({ seed: 32, extra: 200, bigBody: 600_000 });
  const full = collect(new TraceReader(t.bytes));
  const rand = rng(seed ^ 0x55);
  for (let i = 0; i < 400; i++) checkFlip(t, full, Math.floor(rand() * t.bytes.length), Math.floor(rand() * 8));
});

test('a flipped bit inside a record is TRACE_CRC, with the packet number and the record\'s offset', () => {
  const t = sampleTrace({ seed: 33 });
  const v = new DataView(t.bytes.buffer);
  let at = 0;
  let n = 0;
  for (; ; at += v.getUint32(at + 4, true)) if (v.getUint32(at, true) === T.PCAPNG_BT_EPB && ++n === 3) break;
  const b = t.bytes.slice();
  b[at + 28 + 10]! ^= 4;
  const { records, error } = readUntilError(b);
  assertTyped(error, 'record flip');
  assert.deepEqual([error.code, error.record, error.offset, records.length], ['TRACE_CRC', 3, at + 28, 2]);
});

test('a block length of 4 GiB is refused before anything is allocated, by both readers', async () => {
  const shb = sampleTrace({ seed: 1 }).bytes;
  const shbLen = new DataView(shb.buffer).getUint32(4, true);
  for (const len of [0xfffffffc, T.MAX_BLOCK_BYTES + 4]) {
    const head = new Uint8Array(12);
    const hv = new DataView(head.buffer);
    hv.setUint32(0, 6, true);
    hv.setUint32(4, len, true);
    const b = concat(shb.subarray(0, shbLen), head);
    const { error } = readUntilError(b);
    assertTyped(error, 'huge block');
    assert.deepEqual([error.code, error.offset], ['TRACE_TOO_LARGE', shbLen + 4]);
    const s = new TraceStreamReader([b]);
    await assert.rejects(async () => { for await (const _ of s); }, { code: 'TRACE_TOO_LARGE', offset: shbLen + 4 });
    const s1 = new TraceStreamReader(Array.from(b, (x) => Uint8Array.of(x)));
    await assert.rejects(async () => { for await (const _ of s1); }, { code: 'TRACE_TOO_LARGE' });
    assert.equal(s1.bufferHighWater, 65536, 'the block buffer did not grow');
  }
  // The SHB's own length.
  const b = shb.slice(0, 28);
  new DataView(b.buffer).setUint32(4, 0xfffffff0, true);
  assert.equal((readUntilError(b).error as TraceError).code, 'TRACE_TOO_LARGE');
  // A split record's body_len above the reader's limit, refused before the reassembly buffer is made.
  const big = sampleTrace({ seed: 2, bigBody: 300_000 });
  assert.equal(readUntilError(big.bytes).error, undefined, 'the default limit takes it');
  assert.throws(() => collect(new TraceReader(big.bytes, { maxBodyBytes: 299_999 })), { code: 'TRACE_TOO_LARGE' });
});

test('input that is not pcapng says so (TRACE_NOT_PCAPNG at offset 0), whatever its length', () => {
  const enc = new TextEncoder();
  const pcap = Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0);
  const badMagic = sampleTrace({ seed: 1 }).bytes.slice();
  badMagic[8] = 0x99;
  for (const b of [pcap, enc.encode('hello, world\n'), enc.encode('x'), Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0b), badMagic]) {
    const { error } = readUntilError(b);
    assertTyped(error, 'not pcapng');
    assert.deepEqual([error.code, error.offset], ['TRACE_NOT_PCAPNG', 0]);
    assert.match(error.message, /not pcapng/);
  }
  assert.equal((readUntilError(new Uint8Array(0)).error as TraceError).code, 'TRACE_TRUNCATED');
});

test('records that break the record rules are TRACE_BAD_RECORD / TRACE_BAD_BLOCK with their packet number', () => {
  const t = sampleTrace({ seed: 41, bigBody: 600_000 });
  const ends = packetEnds(t.bytes);
  const v = new DataView(t.bytes.buffer);
  const starts: number[] = [0];
  for (let at = 0; at < t.bytes.length; at += v.getUint32(at + 4, true)) if (v.getUint32(at, true) === 6) starts.push(at);
  const packets = starts.length - 1;
  // A missing middle fragment: the big record's fragments are the packets before the two end records.
  const frag2 = packets - 3;
  const noFrag = concat(t.bytes.subarray(0, starts[frag2]!), t.bytes.subarray(ends[frag2]!));
  let e = readUntilError(noFrag).error as TraceError;
  assert.deepEqual([e.code, e.record], ['TRACE_BAD_RECORD', frag2]);
  // A record after its interface's end record (the last two packets swapped in order: end of 0, then ...).
  const twoEnds = concat(t.bytes, t.bytes.subarray(starts[packets]!, ends[packets]!));
  e = readUntilError(twoEnds).error as TraceError;
  assert.deepEqual([e.code, e.record], ['TRACE_BAD_RECORD', packets + 1]);
  // hdr_len below the header, with a valid CRC.
  e = readUntilError(reframe(t.bytes, 2, (r) => { r[0] = 8; return r; })).error as TraceError;
  assert.deepEqual([e.code, e.record], ['TRACE_BAD_RECORD', 2]);
  // An unsplit record whose body_len disagrees with its packet.
  e = readUntilError(reframe(t.bytes, 2, (r) => { r[16] = r[16]! + 1; return r; })).error as TraceError;
  assert.deepEqual([e.code, e.record], ['TRACE_BAD_RECORD', 2]);
  // A packet shorter than the record header.
  e = readUntilError(reframe(t.bytes, 2, (r) => r.subarray(0, 10))).error as TraceError;
  assert.deepEqual([e.code, e.record], ['TRACE_BAD_RECORD', 2]);
  // A party whose direction epb_flags does not carry.
  e = readUntilError(reframe(t.bytes, 2, (r) => { r[6] = r[6] === 1 ? 2 : 1; return r; })).error as TraceError;
  assert.deepEqual([e.code, e.record], ['TRACE_BAD_BLOCK', 2]);
  // A seq beyond 2^53.
  e = readUntilError(reframe(t.bytes, 2, (r) => { r[15] = 0x01; return r; })).error as TraceError;
  assert.deepEqual([e.code, e.record], ['TRACE_BAD_RECORD', 2]);
  // An interface number the section never declared.
  const b = t.bytes.slice();
  new DataView(b.buffer).setUint32(starts[1]! + 8, 9, true);
  e = readUntilError(b).error as TraceError;
  assert.deepEqual([e.code, e.record, e.offset], ['TRACE_BAD_BLOCK', 1, starts[1]! + 8]);
});

test('a trace with no interface, or whose writer never closed, is TRACE_TRUNCATED at its end', () => {
  const sink = new GrowableSink();
  const w = new TraceWriter(sink);
  const shbOnly = sink.bytes.slice();
  const i = w.addInterface({ name: 'open' });
  w.write(i, { rec_type: T.RWT_WRITE, party: 1, body: Uint8Array.of(1) });
  for (const b of [shbOnly, sink.bytes.slice()]) {
    const { error, records } = readUntilError(b);
    assertTyped(error, 'unclosed');
    assert.deepEqual([error.code, error.offset], ['TRACE_TRUNCATED', b.length]);
    assert.equal(records.length, b === shbOnly ? 0 : 1);
  }
});

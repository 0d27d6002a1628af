/**
 * The streaming reader over chunks of any size (1 byte too) gives what the synchronous reader gives,
 * records and errors alike, and holds at most MAX_BLOCK_BYTES for blocks plus the largest split record;
 * forEach gives what async iteration gives, records and errors alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { protocol } from '../../src/index.js';
import * as traceLayouts from '../../src/trace/layouts.js';
import { TraceReader, TraceStreamReader, TraceError, type DetachedRecord } from '../../src/trace/index.js';
import { fileChunks, FileSink } from '../../src/trace/file-io.js';
import { TraceWriter } from '../../src/trace/index.js';
import { sampleTrace, collect } from './trace-fixtures.js';
import { rng, seedFromEnv } from '../virtio/rng.js';
import { fixturesRoot } from './make-trace-fixtures.js';

const T = { ...protocol.trace, ...traceLayouts };
const seed = seedFromEnv(0x5713);

function* chunked(b: Uint8Array, sizes: () => number): Generator<Uint8Array> {
  for (let at = 0; at < b.length;) {
    const n = Math.max(1, sizes());
    yield b.subarray(at, at + n);
    at += n;
  }
}

async function readStream(r: TraceStreamReader): Promise<{ records: DetachedRecord[]; error: unknown }> {
  const records: DetachedRecord[] = [];
  try {
    for await (const rec of r) records.push(rec.detach());
  } catch (error) {
    return { records, error };
  }
  return { records, error: undefined };
}

test(`chunked input of odd sizes, 1-byte chunks and async chunks reads as the sync reader does (seed ${seed})`, async () => {
  const t = sampleTrace({ seed: 51, names: ['a', 'b', 'c'], extra: 60, bigBody: 400_000 });
  const want = collect(new TraceReader(t.bytes));
  const rand = rng(seed);
  const small = sampleTrace({ seed: 52, extra: 5 });
  const smallWant = collect(new TraceReader(small.bytes));
  assert.deepEqual((await readStream(new TraceStreamReader(chunked(small.bytes, () => 1)))).records, smallWant, '1-byte chunks');
  for (const sizes of [() => 3, () => 7, () => 4093, () => 65537, () => 1 << 30, () => Math.floor(rand() * 3000), () => (rand() < 0.1 ? 1 : Math.floor(rand() * 300_000))]) {
    const got = await readStream(new TraceStreamReader(chunked(t.bytes, sizes)));
    assert.equal(got.error, undefined);
    assert.deepEqual(got.records, want);
  }
  async function* slow(): AsyncGenerator<Uint8Array> {
    for (const c of chunked(t.bytes, () => 999)) {
      await new Promise((r) => setImmediate(r));
      yield c;
    }
  }
  const r = new TraceStreamReader(slow());
  assert.deepEqual((await readStream(r)).records, want);
  const sync = new TraceReader(t.bytes);
  for (const _ of sync);
  assert.deepEqual(r.stats, sync.stats);
  assert.deepEqual(r.interfaces, sync.interfaces);
});

test(`errors from the stream reader are the sync reader's: same code, offset and record (seed ${seed})`, async () => {
  const t = sampleTrace({ seed: 53, extra: 10, bigBody: 300_000 });
  const rand = rng(seed + 1);
  for (let i = 0; i < 60; i++) {
    const b = t.bytes.slice(0, i % 2 === 0 ? Math.floor(rand() * t.bytes.length) : t.bytes.length);
    if (i % 2 === 1) b[Math.floor(rand() * b.length)]! ^= 1 << Math.floor(rand() * 8);
    let syncErr: unknown;
    const syncRecs: DetachedRecord[] = [];
    try { for (const r of new TraceReader(b)) syncRecs.push(r.detach()); } catch (e) { syncErr = e; }
    const size = 1 + Math.floor(rand() * 5000);
    const got = await readStream(new TraceStreamReader(chunked(b, () => size)));
    assert.deepEqual(got.records, syncRecs, `case ${i}`);
    if (syncErr === undefined) { assert.equal(got.error, undefined); continue; }
    assert.ok(got.error instanceof TraceError && syncErr instanceof TraceError);
    assert.deepEqual([got.error.code, got.error.offset, got.error.record], [syncErr.code, syncErr.offset, syncErr.record], `case ${i}: ${syncErr.message}`);
  }
});

test('constant memory: over a generated 12 MB trace the stream reader\'s buffers stay under the stated bound', async () => {
  // Bound: one block (MAX_BLOCK_BYTES) plus the largest split record's body, whatever the file's size or chunking.
  const biggest = 700_000;
  const t = sampleTrace({ seed: 54, extra: 75_000, bigBody: biggest });
  assert.ok(t.bytes.length > 12_000_000, `${t.bytes.length} bytes`);
  const bound = T.MAX_BLOCK_BYTES + biggest;
  for (const size of [1000, 333_333, t.bytes.length]) {
    const r = new TraceStreamReader(chunked(t.bytes, () => size));
    let n = 0;
    for await (const _ of r) n++;
    assert.equal(n, t.records.length);
    assert.ok(r.bufferHighWater <= bound, `chunks of ${size}: held ${r.bufferHighWater} > ${bound}`);
  }
});

test('fileChunks (node-only) streams a file through the reader in fixed-size chunks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-trace-'));
  try {
    const t = sampleTrace({ seed: 55, extra: 30, bigBody: 280_000 });
    const path = join(dir, 't.pcapng');
    writeFileSync(path, t.bytes);
    const got = await readStream(new TraceStreamReader(fileChunks(path, 4096)));
    assert.equal(got.error, undefined);
    assert.deepEqual(got.records, collect(new TraceReader(t.bytes)));
    // FileSink: the writer straight to a file, read back.
    const out = join(dir, 'w.pcapng');
    const sink = new FileSink(out);
    const w = new TraceWriter(sink);
    const i = w.addInterface({ name: 'file' });
    w.write(i, { rec_type: T.RWT_WRITE, party: T.RWT_PARTY_BACK, body: t.records[0]!.body });
    w.close();
    sink.close();
    sink.close();
    const back = await readStream(new TraceStreamReader(fileChunks(out)));
    assert.deepEqual(back.records.map((r) => [r.rec_type, r.party, [...r.body]]), [[T.RWT_WRITE, T.RWT_PARTY_BACK, [...t.records[0]!.body]], [T.RWT_END, 0, []]]);
    // A cut file: the error's JSON form names the code, offset and packet.
    writeFileSync(out, t.bytes.subarray(0, 1000));
    const cut = await readStream(new TraceStreamReader(fileChunks(out)));
    assert.ok(cut.error instanceof TraceError);
    assert.deepEqual(JSON.parse(JSON.stringify(cut.error)), { code: 'TRACE_TRUNCATED', message: cut.error.message, offset: 1000, index: cut.error.record, record: cut.error.record, expected: cut.error.expected, received: cut.error.received, rule: cut.error.rule });
    assert.match(cut.error.rule ?? '', /^ringwire policy: /); // filled from the catalogue
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Records (detached) and the error, read with forEach. */
async function readForEach(r: TraceStreamReader): Promise<{ records: DetachedRecord[]; error: unknown }> {
  const records: DetachedRecord[] = [];
  try {
    await r.forEach((rec) => { records.push(rec.detach()); });
  } catch (error) {
    return { records, error };
  }
  return { records, error: undefined };
}

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? fixtureFiles(join(dir, e.name)) : e.name.endsWith('.pcapng') ? [join(dir, e.name)] : []);
}

test('forEach gives the records, stats and interfaces that async iteration gives, on every fixture and any chunking', async () => {
  const files = fixtureFiles(fixturesRoot);
  assert.ok(files.length >= 24, `${files.length} fixtures`);
  const rand = rng(seed + 2);
  for (const f of files) {
    const b = new Uint8Array(readFileSync(f));
    for (const size of [1, 13, 4096, 1 + Math.floor(rand() * 20_000), b.length]) {
      const it = new TraceStreamReader(chunked(b, () => size));
      const want = await readStream(it);
      assert.equal(want.error, undefined, f);
      const each = new TraceStreamReader(chunked(b, () => size));
      const got = await readForEach(each);
      assert.equal(got.error, undefined, f);
      assert.ok(got.records.length > 0, f);
      assert.deepEqual(got.records, want.records, `${f}, chunks of ${size}`);
      assert.deepEqual(each.stats, it.stats, f);
      assert.deepEqual(each.interfaces, it.interfaces, f);
    }
  }
  // Split records, several interfaces, both byte orders.
  for (const littleEndian of [true, false]) {
    const t = sampleTrace({ seed: 56, names: ['a', 'b', 'c'], extra: 40, bigBody: 500_000, littleEndian });
    for (const size of [7, 65537, t.bytes.length]) {
      const got = await readForEach(new TraceStreamReader(chunked(t.bytes, () => size)));
      assert.equal(got.error, undefined);
      assert.deepEqual(got.records, collect(new TraceReader(t.bytes)), `chunks of ${size}, ${littleEndian ? 'little' : 'big'}-endian`);
    }
  }
});

test(`forEach on cut and bit-flipped traces: the same records, then the same error (code, offset, record) as iteration (seed ${seed})`, async () => {
  const rand = rng(seed + 3);
  const inputs = [...fixtureFiles(fixturesRoot).filter(() => rand() < 0.5).map((f) => new Uint8Array(readFileSync(f))), sampleTrace({ seed: 57, extra: 20, bigBody: 300_000 }).bytes];
  let errors = 0;
  for (const [n, input] of inputs.entries()) {
    for (let i = 0; i < 8; i++) {
      const b = input.slice(0, i % 2 === 0 ? Math.floor(rand() * input.length) : input.length);
      if (i % 2 === 1) b[Math.floor(rand() * b.length)]! ^= 1 << Math.floor(rand() * 8);
      const size = 1 + Math.floor(rand() * 5000);
      const want = await readStream(new TraceStreamReader(chunked(b, () => size)));
      const got = await readForEach(new TraceStreamReader(chunked(b, () => size)));
      assert.deepEqual(got.records, want.records, `input ${n} case ${i}`);
      if (want.error === undefined) { assert.equal(got.error, undefined, `input ${n} case ${i}`); continue; }
      errors++;
      assert.ok(got.error instanceof TraceError && want.error instanceof TraceError, `input ${n} case ${i}: ${String(got.error)}`);
      assert.deepEqual([got.error.code, got.error.offset, got.error.record, got.error.message], [want.error.code, want.error.offset, want.error.record, want.error.message]);
    }
  }
  assert.ok(errors > inputs.length, `${errors} corrupt cases gave an error`);
});

test('forEach stops at the first error its callback throws, having read no further', async () => {
  const t = sampleTrace({ seed: 58, extra: 30 });
  const stop = new Error('stop');
  let seen = 0;
  const r = new TraceStreamReader(chunked(t.bytes, () => 1000));
  await assert.rejects(r.forEach(() => { if (++seen === 5) throw stop; }), (e) => e === stop);
  assert.equal(seen, 5);
  assert.equal(r.stats.records, 5);
});

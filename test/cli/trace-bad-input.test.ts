/**
 * Bad input over files, through `ringwire trace info` as users run it: traces with every record type,
 * cut at every byte (a small one) and at seeded points (a larger one with a split record, read from real
 * files), and with seeded flipped bits. Every run ends with exit 2 and one typed line naming the byte and
 * packet, or, only for a flip outside what the CRC covers (timestamps, interface names, framing the
 * reader skips), exit 0 with the same records; never an exception of another kind, never a hang.
 * Replay a failing seed with RINGWIRE_SEED=<seed in the test name>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/main.js';
import { processIo } from '../../src/cli/io.js';
import type { TraceInfo } from '../../src/cli/trace-info.js';
import { sampleTrace, type SampleTrace } from '../trace/trace-fixtures.js';
import { rng, seedFromEnv } from '../virtio/rng.js';
import { traceIo, runTrace } from './trace-io.js';

const seed = seedFromEnv(0x6669_6c65);
const typedLine = /^ringwire: (TRACE_[A-Z_]+): [^\n]* \(byte (\d+), packet (\d+)\)\.\n$/;

/** The CRC-covered bytes of each packet: [data start, data end) and the epb_hash value, with the block's start and packet number. */
interface Covered { readonly block: number; readonly packet: number; readonly ranges: readonly [number, number][] }

function covered(b: Uint8Array): Covered[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Covered[] = [];
  let packet = 0;
  for (let at = 0; at < b.length; at += v.getUint32(at + 4, true)) {
    if (v.getUint32(at, true) !== 6) continue;
    packet++;
    const caplen = v.getUint32(at + 20, true);
    const data = at + 28;
    // Options after the padded data: epb_flags (4 + 4), then epb_hash (4 + 5): its value is algorithm + CRC.
    const hash = data + ((caplen + 3) & ~3) + 8 + 4;
    out.push({ block: at, packet, ranges: [[data, data + caplen], [hash, hash + 5]] });
  }
  return out;
}

async function info(bytes: Uint8Array, chunk: number): Promise<{ status: number; info?: TraceInfo; stderr: string; stdout: string }> {
  const io = traceIo({ t: bytes }, chunk);
  const status = await runTrace(io, 'trace', 'info', 't', '--json');
  assert.equal(io.closed, io.opened, 'input closed');
  return status === 0 ? { status, info: JSON.parse(io.stdout) as TraceInfo, stderr: io.stderr, stdout: io.stdout } : { status, stderr: io.stderr, stdout: io.stdout };
}

function assertOneTypedLine(r: { status: number; stderr: string; stdout: string }, what: string): RegExpExecArray {
  assert.equal(r.status, 2, `${what}: ${r.stderr}`);
  assert.equal(r.stdout, '', what);
  const m = typedLine.exec(r.stderr);
  assert.ok(m !== null, `${what}: ${r.stderr}`);
  return m;
}

test('trace info on a small trace cut at every byte: exit 2, TRACE_TRUNCATED at the cut', { timeout: 300_000 }, async () => {
  const t = sampleTrace({ seed: 101, names: ['blkif/x86_64/order0', 'virtio-packed/64'], extra: 8 });
  for (let cut = 0; cut < t.bytes.length; cut++) {
    const m = assertOneTypedLine(await info(t.bytes.subarray(0, cut), 1 + (cut % 97) * 13), `cut at ${cut}`);
    assert.deepEqual([m[1], Number(m[2])], ['TRACE_TRUNCATED', cut], `cut at ${cut}`);
  }
});

test(`trace info on files cut at seeded points of a trace with a split record (seed ${seed})`, { timeout: 300_000 }, async () => {
  const t = sampleTrace({ seed: 102, extra: 300, bigBody: 400_000 });
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-cut-'));
  try {
    const rand = rng(seed);
    const file = join(dir, 'cut.pcapng');
    for (let i = 0; i < 40; i++) {
      const cut = Math.floor(rand() * t.bytes.length);
      writeFileSync(file, t.bytes.subarray(0, cut));
      let err = '';
      const status = await run(['trace', 'info', file], { ...processIo, out: () => assert.fail('no output'), err: (s) => { err += `${s}\n`; } });
      const m = assertOneTypedLine({ status, stderr: err, stdout: '' }, `cut at ${cut}`);
      assert.deepEqual([m[1], Number(m[2])], ['TRACE_TRUNCATED', cut], `cut at ${cut}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** One flipped bit: exit 2 with a typed line (TRACE_CRC at its packet when the CRC covers the bit), or exit 0 with the same records. */
async function checkFlip(t: SampleTrace, want: TraceInfo, cov: readonly Covered[], pos: number, bit: number): Promise<'error' | 'valid'> {
  const b = t.bytes.slice();
  b[pos] = b[pos]! ^ (1 << bit);
  const what = `bit ${bit} of byte ${pos}`;
  const r = await info(b, 1 + (pos % 4096));
  const inside = cov.find((c) => c.ranges.some(([s, e]) => pos >= s && pos < e));
  if (inside !== undefined) {
    const m = assertOneTypedLine(r, what);
    assert.deepEqual([m[1], Number(m[2]), Number(m[3])], ['TRACE_CRC', inside.block + 28, inside.packet], what);
    return 'error';
  }
  if (r.status !== 0) {
    assertOneTypedLine(r, what);
    return 'error';
  }
  const got = r.info as TraceInfo;
  assert.equal(r.stderr, '', what);
  const skipped = got.skipped.blocks + got.skipped.records + got.skipped.foreign_packets;
  if (skipped === 0) {
    assert.deepEqual([got.records, got.records_by_type, got.body_bytes, got.packets], [want.records, want.records_by_type, want.body_bytes, want.packets], `${what} accepted with other records`);
  } else {
    assert.ok(got.records < want.records && got.body_bytes <= want.body_bytes, `${what}: skipped, yet not fewer records`);
  }
  return 'valid';
}

test(`trace info on seeded flipped bits of traces with every record type (seed ${seed})`, { timeout: 300_000 }, async () => {
  const small = sampleTrace({ seed: 103, names: ['a', 'b', 'c'], extra: 5 });
  const larger = sampleTrace({ seed: 104, extra: 200, bigBody: 300_000 });
  const rand = rng(seed ^ 0xf11b);
  for (const [t, flips] of [[small, 3000], [larger, 400]] as const) {
    const want = (await info(t.bytes, 65536)).info as TraceInfo;
    const cov = covered(t.bytes);
    const counts = { error: 0, valid: 0 };
    for (let i = 0; i < flips; i++) counts[await checkFlip(t, want, cov, Math.floor(rand() * t.bytes.length), Math.floor(rand() * 8))]++;
    assert.ok(counts.error > flips / 2, `${counts.error} of ${flips} flips refused`);
    assert.ok(counts.valid > 0, 'some flips land outside the CRC (timestamps, names) and are read');
  }
});

/**
 * Bad input over the committed trace fixtures: a file cut anywhere gives every whole record before the cut and
 * then TRACE_TRUNCATED at the cut's byte offset; a flipped bit gives a typed TraceError with offset and record
 * number (or, outside what the CRC and the framing cover, the same records) — never another exception, never a
 * hang. Every cut point of every Xen fixture; for the larger virtio fixtures every cut in the first and last
 * blocks, at and beside every block boundary, and seeded cuts elsewhere (`RINGWIRE_EXHAUSTIVE=1` cuts those at
 * every byte too).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { TraceError, TraceReader, decodeTraceEvents } from '../../src/index.js';
import { rng, seedFromEnv } from '../virtio/rng.js';
import { fixturesRoot } from './make-trace-fixtures.js';

const files = ['xen', 'virtio'].flatMap((dir) => readdirSync(`${fixturesRoot}${dir}`).filter((n) => n.endsWith('.pcapng')).map((n) => `${dir}/${n}`));
const exhaustive = process.env['RINGWIRE_EXHAUSTIVE'] === '1';

/** End offsets of the pcapng blocks, and of the Enhanced Packet Blocks among them (type 6; little-endian files). */
function blockEnds(b: Uint8Array): { all: number[]; epb: number[] } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const all: number[] = [];
  const epb: number[] = [];
  for (let at = 0; at < b.length; at += v.getUint32(at + 4, true)) {
    const end = at + v.getUint32(at + 4, true);
    all.push(end);
    if (v.getUint32(at, true) === 6) epb.push(end);
  }
  return { all, epb };
}

function readUpTo(b: Uint8Array): { seqs: number[]; error: unknown } {
  const seqs: number[] = [];
  try {
    for (const r of new TraceReader(b)) seqs.push(r.seq);
    return { seqs, error: undefined };
  } catch (e) {
    return { seqs, error: e };
  }
}

test('trace fixtures: the set is there (>= 12 per transport)', () => {
  assert.ok(files.filter((f) => f.startsWith('xen/')).length >= 12);
  assert.ok(files.filter((f) => f.startsWith('virtio/')).length >= 12);
});

test('trace fixtures cut at every byte (Xen) or every telling byte (virtio): whole records, then TRACE_TRUNCATED at the cut', () => {
  const seed = seedFromEnv(11);
  const next = rng(seed);
  for (const f of files) {
    const b = readFileSync(`${fixturesRoot}${f}`);
    const all = readUpTo(b);
    assert.equal(all.error, undefined, f);
    const { all: ends, epb: recordEnds } = blockEnds(b);
    // A record is whole once the file reaches the end of its Enhanced Packet Block (no fixture splits one).
    assert.equal(recordEnds.length, all.seqs.length, f);
    const cuts = new Set<number>();
    if (f.startsWith('xen/') || exhaustive) for (let c = 0; c < b.length; c++) cuts.add(c);
    else {
      for (let c = 0; c < Math.min(b.length, 400); c++) cuts.add(c);
      for (let c = Math.max(0, b.length - 400); c < b.length; c++) cuts.add(c);
      for (const e of ends) for (const d of [-1, 0, 1]) if (e + d >= 0 && e + d < b.length) cuts.add(e + d);
      for (let k = 0; k < 300; k++) cuts.add(Math.floor(next() * b.length));
    }
    for (const c of cuts) {
      const r = readUpTo(b.subarray(0, c));
      const whole = recordEnds.filter((e) => e <= c).length;
      assert.deepEqual(r.seqs, all.seqs.slice(0, whole), `${f} cut at ${c} (seed ${seed})`);
      assert.ok(r.error instanceof TraceError, `${f} cut at ${c}: ${String(r.error)}`);
      assert.ok(r.error.code === 'TRACE_TRUNCATED' || (c < 28 && r.error.code === 'TRACE_NOT_PCAPNG'), `${f} cut at ${c}: ${r.error.code}`);
      if (r.error.code === 'TRACE_TRUNCATED') assert.equal(r.error.offset, c, `${f} cut at ${c}`);
    }
  }
});

test('trace fixtures with seeded flipped bits: a typed error naming offset and record, or the same records; decoding never throws anything else', () => {
  const seed = seedFromEnv(12);
  const next = rng(seed);
  let caught = 0;
  for (const f of files) {
    const b = readFileSync(`${fixturesRoot}${f}`);
    const clean = [...decodeTraceEvents(new TraceReader(b))].length;
    for (let k = 0; k < 60; k++) {
      const bad = Uint8Array.from(b);
      const bit = Math.floor(next() * b.length * 8);
      bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
      try {
        const n = [...decodeTraceEvents(new TraceReader(bad))].length;
        // Outside the CRC (timestamps, interface names) the records, and so the events, are the same.
        assert.ok(n === clean || n > 0, `${f} bit ${bit} (seed ${seed})`);
      } catch (e) {
        assert.ok(e instanceof TraceError, `${f} bit ${bit} (seed ${seed}): ${String(e)}`);
        assert.equal(typeof e.offset, 'number', `${f} bit ${bit}`);
        assert.ok(e.code === 'TRACE_CRC' || e.record !== undefined || e.offset !== undefined);
        caught++;
      }
    }
  }
  assert.ok(caught > files.length * 30, `${caught} of ${files.length * 60} flips caught`);
});

/**
 * The event-decoder seam (src/trace/event.ts) and pcapng timestamps (src/trace/timestamp.ts): transport
 * decoders are tried in order, the record-level decoder shows what none takes, and `ringwire trace decode`
 * prints whatever events the decoders give.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { protocol } from '../../src/index.js';
import {
  TraceReader, TraceEventDecoders, RecordEventDecoder, recordTypeWord, partyWord, timestampNanoseconds, timestampText,
  formatSeconds, describeTsresol, type TraceEvent, type TraceEventDecoder, type TraceRecord, type TraceInterface,
} from '../../src/trace/index.js';
import { eventLine } from '../../src/cli/trace-decode.js';
import { GrowableSink, TraceRecorder, SharedRing, FrontRing, BlkifFront, ringType } from '../../src/index.js';
import { sampleTrace } from './trace-fixtures.js';
import { traceIo, runTrace } from '../cli/trace-io.js';

const T = protocol.trace;

test('pcapng timestamps in nanoseconds for decimal and binary if_tsresol', () => {
  const ts = 1_700_000_000_123_456_789n;
  assert.equal(timestampNanoseconds(ts, 9), ts);
  assert.equal(timestampNanoseconds(1_700_000_000_123_456n, 6), 1_700_000_000_123_456_000n);
  assert.equal(timestampNanoseconds(1_700_000_000n, 0), 1_700_000_000_000_000_000n);
  assert.equal(timestampNanoseconds(1_700_000_000_123_456_789_999n, 12), ts, 'picoseconds round down');
  assert.equal(timestampNanoseconds(3n << 10n, 0x80 | 10), 3_000_000_000n, '2^-10 s units');
  assert.equal(timestampNanoseconds(1n, 0x80 | 1), 500_000_000n);
  assert.equal(formatSeconds(1_700_000_000_000_000_042n), '1700000000.000000042');
  assert.equal(formatSeconds(-1_500_000_000n), '-1.500000000');
  assert.equal(timestampText(0, 7), '7');
  assert.equal(timestampText(0x1f_ffff, 0xffff_ffff), String(2 ** 53 - 1));
  assert.equal(timestampText(0xffff_ffff, 0xffff_fffe), '18446744073709551614');
  assert.deepEqual([9, 6, 3, 0, 12, 4, 0x8a].map(describeTsresol), ['9 (1 ns)', '6 (1 us)', '3 (1 ms)', '0 (1 s)', '12 (1 ps)', '4 (10^-4 s)', '0x8a (2^-10 s)']);
});

test('record type and party words come from protocol/trace; unknown numbers are named by number', () => {
  assert.deepEqual(T.recordTypes.map((t) => recordTypeWord(t.value)), T.recordTypes.map((t) => t.word));
  assert.equal(recordTypeWord(99), 'type-99');
  assert.deepEqual([0, 1, 2, 7].map(partyWord), ['none', 'front', 'back', 'party-7']);
});

test('the record-level decoder shows type, party, length, the first 16 body bytes; one reused event', () => {
  const t = sampleTrace({ seed: 91, extra: 10, bigBody: 270_000 });
  const dec = new RecordEventDecoder();
  let prev: TraceEvent | undefined;
  let i = 0;
  for (const r of new TraceReader(t.bytes)) {
    const w = t.records[i++]!;
    const [e] = [...dec.accept(r)];
    assert.ok(e !== undefined);
    if (prev !== undefined) assert.equal(e, prev, 'the same event object, refilled');
    prev = e;
    assert.deepEqual({ ...e }, {
      seq: w.seq, iface: w.iface, party: partyWord(w.party), kind: recordTypeWord(w.rec_type), rec_type: w.rec_type,
      packet: r.packet, fragments: w.body.length > 262_120 ? 2 : 1, timestamp: String(w.timestamp), body_len: w.body.length,
      body_head: Buffer.from(w.body.subarray(0, 16)).toString('hex'), text: e.text,
    });
    assert.match(e.text, new RegExp(`^${w.body.length} bytes`));
  }
  assert.equal(i, t.records.length);
});

/** A stand-in transport decoder: takes notify records (two events each), swallows barriers, leaves the rest. */
class NotifyDecoder implements TraceEventDecoder {
  seen: string[] = [];
  accept(r: TraceRecord, iface: TraceInterface): Iterable<TraceEvent> | undefined {
    this.seen.push(iface.if_name ?? '');
    if (r.rec_type === T.RWT_BARRIER) return [];
    if (r.rec_type !== T.RWT_NOTIFY) return undefined;
    const base = { seq: r.seq, iface: r.interface_id, party: partyWord(r.party) };
    return [{ ...base, kind: 'kick', text: `kick on ${iface.if_name ?? '?'}`, port: 3 }, { ...base, kind: 'wake', text: 'the other end wakes' }];
  }
}

test('TraceEventDecoders: the first decoder that accepts a record gives its events; the rest fall back to records', () => {
  const t = sampleTrace({ seed: 92, extra: 40 });
  const mine = new NotifyDecoder();
  const decoders = new TraceEventDecoders([mine]);
  const reader = new TraceReader(t.bytes);
  const kinds: string[] = [];
  for (const r of reader) for (const e of decoders.accept(r, reader.interfaces[r.interface_id]!)) kinds.push(e.kind);
  const want = t.records.flatMap((r) => (r.rec_type === T.RWT_NOTIFY ? ['kick', 'wake'] : r.rec_type === T.RWT_BARRIER ? [] : [recordTypeWord(r.rec_type)]));
  assert.deepEqual(kinds, want);
  assert.deepEqual(mine.seen, t.records.map((r) => t.names[r.iface]));
});

test('ringwire trace decode: a recorded trace decodes to its events (exit 0); random bodies give one error event per interface (exit 1)', async () => {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  const buf = new ArrayBuffer(4096);
  const iface = rec.addInterface('blkif/x86_64/order0', { transport: 'xen', ring: 'blkif', abi: 'x86_64', order: 0, grefs: [8], evtchn: 4 });
  const region = rec.addRegion(iface, { kind: T.RWT_REGION_XEN_RING, name: 'sring', bytes: new Uint8Array(buf) });
  const front = new BlkifFront(FrontRing.attach(SharedRing.init(buf, ringType('blkif'), { wrapPort: (p) => rec.port(iface, region, T.RWT_PARTY_FRONT, p) }), 0, { channel: 4 }));
  front.queue({ op: 'flush' });
  assert.equal(front.push(), true);
  rec.close();
  const io = traceIo({ t: sink.bytes.slice() });
  assert.equal(await runTrace(io, 'trace', 'decode', 't', '--json'), 0);
  const events = io.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(events.filter((e) => e['kind'] === 'notify').map((e) => [e['party'], e['text']]), [['front', 'notify front->back port 4']]);
  assert.equal(events.filter((e) => e['kind'] === 'checkpoint').length, 1);
  assert.equal(events[0]?.['kind'], 'setup');

  const t = sampleTrace({ seed: 93, extra: 30 });
  const bad = traceIo({ t: t.bytes });
  assert.equal(await runTrace(bad, 'trace', 'decode', 't', '--json'), 1);
  const errors = bad.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e['kind'] === 'error');
  assert.equal(errors.length, t.names.length, 'one error per interface, then record by record');
  assert.ok(errors.every((e) => e['code'] === 'TRACE_BAD_RECORD'));
  assert.equal(eventLine({ seq: 12, iface: 1, party: 'front', kind: 'write', text: 'x' }), '      12   1 front write               x');
});

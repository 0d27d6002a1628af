/**
 * The conformance checker on traces: every malformed fixture triggers the rule it is named after and no
 * other error; every valid trace fixture checks clean; each fixture regenerates byte for byte with its
 * findings; every rule the catalogue marks `checked: 'trace'` has a rule object and a fixture; a stream
 * gives the same findings as a buffer; the options filter by rule and severity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  TraceReader, TraceStreamReader, TraceChecker, checkTrace, traceRuleIds, catalogue, protocol, XenRingState, type ReplayInterface, ruleEntry, type Finding, type RuleEntry,
} from '../../src/index.js';
import { traceFixtures } from '../trace/make-trace-fixtures.js';
import { buildMalformed, malformedFixtures } from './malformed-fixtures.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): Uint8Array => readFileSync(`${root}${path}`);
const errors = (fs: readonly Finding[]): Finding[] => fs.filter((f) => f.severity === 'error');

test('each malformed fixture triggers its rule and no other error-severity finding', () => {
  assert.ok(malformedFixtures.length >= 78);
  for (const f of malformedFixtures) {
    const found = checkTrace(new TraceReader(read(f.path)));
    assert.ok(found.some((x) => x.rule === f.rule), `${f.path}: ${f.rule} not reported (got ${found.map((x) => x.rule).join(', ') || 'nothing'})`);
    assert.deepEqual(errors(found).map((x) => x.rule).filter((r) => r !== f.rule), [], f.path);
    // Each finding names who broke the rule, where, and why.
    for (const x of found) {
      assert.equal(x.source.length > 0, true);
      assert.ok(x.record >= 1 && x.offset > 0 && x.seq >= 0, `${f.path}: a place in the file`);
      assert.match(x.message, /^[a-z].*\.$/i);
      assert.equal(x.severity, ruleEntry(x.rule)?.severity);
    }
  }
});

test('every valid trace fixture checks clean (no error-severity finding)', () => {
  assert.equal(traceFixtures.length, 24);
  for (const f of traceFixtures) {
    const found = checkTrace(new TraceReader(read(`fixtures/${f.dir}/${f.name}.pcapng`)));
    assert.deepEqual(errors(found), [], f.name);
  }
});

test('malformed fixtures: names unique, each regenerates byte for byte with its expected findings', () => {
  assert.equal(new Set(malformedFixtures.map((f) => f.path)).size, malformedFixtures.length);
  for (const f of malformedFixtures) {
    assert.ok(existsSync(`${root}${f.path}`), `${f.path} is missing: run node dist/test/check/malformed-fixtures.js`);
    const { pcapng, expected } = buildMalformed(f);
    assert.ok(Buffer.from(pcapng).equals(read(f.path)), `${f.path} differs from a fresh recording`);
    assert.equal(readFileSync(`${root}${f.path.replace(/\.pcapng$/, '.expected.json')}`, 'utf8'), expected, f.path);
  }
});

test('every catalogue entry checked on traces has a rule that reports it and a malformed fixture', () => {
  const ids = new Set<string>(traceRuleIds());
  const fixtures = new Set<string>(malformedFixtures.map((f) => f.rule));
  const checked = (catalogue as readonly RuleEntry[]).filter((e) => e.checked === 'trace');
  assert.ok(checked.length >= 15);
  for (const e of checked) {
    assert.ok(ids.has(e.id), `${e.id}: no trace rule reports it`);
    assert.ok(fixtures.has(e.id), `${e.id}: no malformed fixture`);
  }
  for (const id of ids) assert.ok(ruleEntry(id) !== undefined, `${id}: a rule reports an id the catalogue lacks`);
  for (const f of fixtures) assert.ok(ids.has(f), `${f}: a fixture for a rule no trace rule reports`);
});

test('a streamed trace gives the same findings as a buffer, record by record', async () => {
  const bytes = read('fixtures/xen/malformed/XEN_RING_MISSING_NOTIFY.pcapng');
  const chunks = async function* (): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += 97) yield bytes.subarray(i, i + 97);
  };
  const c = new TraceChecker();
  const streamed: Finding[] = [];
  for await (const r of new TraceStreamReader(chunks())) streamed.push(...c.accept(r));
  streamed.push(...c.end());
  assert.deepEqual(streamed, checkTrace(new TraceReader(bytes)));
  assert.equal(streamed.length, 1);
  assert.equal(c.counts.error, 1);
  assert.ok(c.records > 40);
});

test('the missing notify is placed at the push that owed it, with the event index it read', () => {
  const [f] = checkTrace(new TraceReader(read('fixtures/xen/malformed/XEN_RING_MISSING_NOTIFY.pcapng')));
  assert.ok(f !== undefined);
  assert.equal(f.party, 'front');
  assert.equal(f.path, 'sring.req_event');
  assert.equal(f.message, 'front moved req_prod from 2 to 3 past req_event 3 and did not notify.');
  assert.equal(f.source, 'xen/io/ring.h RING_PUSH_REQUESTS_AND_CHECK_NOTIFY');
  const events = [...new TraceReader(read('fixtures/xen/malformed/XEN_RING_MISSING_NOTIFY.pcapng'))].length;
  assert.ok(f.seq < events - 1, 'reported at the push, not at the end');
});

test('options: --rules keeps the ids given, --severity drops what is less severe', () => {
  const storm = read('fixtures/xen/malformed/XEN_RING_NOTIFY_STORM.pcapng');
  // Eight notifications no push asked for (info each); at the eighth in a row, the storm (a warning).
  const all = checkTrace(new TraceReader(storm)).map((f) => `${f.severity} ${f.rule}`);
  assert.equal(all.length, 9);
  assert.equal(all.filter((f) => f === 'info XEN_RING_NOTIFY_NOT_NEEDED').length, 8);
  assert.equal(all[7], 'warning XEN_RING_NOTIFY_STORM');
  assert.deepEqual(checkTrace(new TraceReader(storm), { severity: 'error' }), []);
  assert.deepEqual(checkTrace(new TraceReader(storm), { severity: 'warning' }).map((f) => f.rule), ['XEN_RING_NOTIFY_STORM']);
  const overflow = read('fixtures/xen/malformed/XEN_RING_REQ_PROD_OVERFLOW.pcapng');
  assert.deepEqual(checkTrace(new TraceReader(overflow), { rules: ['XEN_RING_DOUBLE_FETCH'] }), []);
  // The overflowing ring is left with requests unanswered, but the stuck rule names only stalls with no other cause,
  // even when the error that explains the stall is filtered out of the report.
  assert.deepEqual(checkTrace(new TraceReader(overflow), { rules: ['XEN_RING_STUCK'] }), []);
  assert.deepEqual(checkTrace(new TraceReader(overflow), { rules: ['XEN_RING_REQ_PROD_OVERFLOW'] }).map((f) => f.rule), ['XEN_RING_REQ_PROD_OVERFLOW']);
});

test('a checkpoint the replayed memory does not meet is a finding under its TRACE_ code', () => {
  // Each record is read (its CRC checked) before one digest byte of the checkpoint is flipped in the reader's buffer.
  const bytes = read('fixtures/xen/blkif-read.pcapng').slice();
  const c = new TraceChecker();
  let findings: Finding[] = [];
  for (const r of new TraceReader(bytes)) {
    if (r.rec_type === protocol.trace.RWT_CHECKPOINT) r.bytes[r.bodyOffset + 8] = (r.bytes[r.bodyOffset + 8] as number) ^ 0xff;
    findings = findings.concat(c.accept(r));
  }
  findings = findings.concat(c.end());
  assert.deepEqual(findings.map((f) => [f.rule, f.party]), [['TRACE_CHECKPOINT', 'none']]);
});

test('blkif ids outstanding are bounded by twice the ring size, whatever a frontend publishes', () => {
  const s = new XenRingState({ transport: 'xen', ring: 'blkif', abi: 'x86_64', order: 0, grefs: [8], evtchn: 3 }, { id: 0, regions: [] } as unknown as ReplayInterface);
  assert.equal(s.nrEnts, 32);
  const place = { seq: 0, record: 1, offset: 0, party: 'front' };
  for (let k = 0; k < 1000; k++) {
    s.update({ seq: k, iface: 0, party: 'front', kind: 'requests-published', text: '', req_prod: k + 1, first: k, requests: [{ index: k, record: { id: String(k), operation: 0 } }] }, place);
  }
  assert.equal(s.outstanding.size, 64);
  assert.ok(s.outstanding.has('999') && !s.outstanding.has('935'), 'the oldest are forgotten first');
  assert.equal(s.reqProd, 1000);
});

test('a ring snapshot: the requests it shows outstanding are decoded and judged; ids are compared within it, not with earlier publications', async () => {
  const { GrowableSink, TraceRecorder, BlkifFront, FrontRing, codecFor, decodeTraceEvents, recordXenRing } = await import('../../src/index.js');
  const req = codecFor('blkif_request');
  // A capture of a live ring: memory changes unseen, then a snapshot record (what test/real-xen writes).
  const snapshotOnly = (records: readonly { id: bigint; operation: number }[]): Uint8Array => {
    const sink = new GrowableSink();
    const rec = new TraceRecorder(sink);
    const x = recordXenRing(rec, { ring: 'blkif' });
    const bytes = new Uint8Array(x.buffer);
    records.forEach((r, i) => req.encode({ operation: r.operation, nr_segments: 1, handle: 0, id: r.id, sector_number: 0n, seg: Array.from({ length: 11 }, (_v, k) => ({ gref: k === 0 ? 9 : 0, first_sect: 0, last_sect: k === 0 ? 7 : 0 })) }, bytes, x.type.header.ring + i * x.type.entrySize));
    new DataView(x.buffer).setUint32(x.type.header.reqProd, records.length, true);
    rec.snapshot(x.iface, x.region);
    rec.close();
    return sink.bytes.slice();
  };
  const bad = snapshotOnly([{ id: 7n, operation: 0 }, { id: 7n, operation: 1 }, { id: 8n, operation: 99 }]);
  const snap = [...decodeTraceEvents(new TraceReader(bad))].find((e) => e.kind === 'ring-snapshot');
  assert.equal(snap?.['outstanding'], 3);
  assert.match(String(snap?.text), /; 3 outstanding: \[0\] BLKIF_OP_READ nr_segments=1 handle=0 id=7 .*; \[2\] /);
  assert.deepEqual(errors(checkTrace(new TraceReader(bad))).map((f) => [f.rule, f.path]).sort(), [
    ['XEN_BLKIF_UNKNOWN_OP', 'request[2].operation'], ['XEN_RING_DUPLICATE_REQUEST_ID', 'request[1].id'],
  ]);
  assert.deepEqual(errors(checkTrace(new TraceReader(snapshotOnly([{ id: 7n, operation: 0 }, { id: 8n, operation: 1 }])))), []);
  // Published (recorded stores), then captured while still outstanding: the same id is not a duplicate.
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  const x = recordXenRing(rec, { ring: 'blkif' });
  const front = new BlkifFront(FrontRing.attach(x.front, 0, { channel: x.setup.evtchn }));
  front.queue({ op: 'read', sector: 8n, segments: [{ gref: 9, first_sect: 0, last_sect: 7 }] });
  front.push();
  rec.snapshot(x.iface, x.region);
  rec.close();
  const es = [...decodeTraceEvents(new TraceReader(sink.bytes))];
  assert.equal(es.filter((e) => e.kind === 'ring-snapshot' && e['outstanding'] === 1).length, 1);
  // (Nobody consumes it, so the end of the trace finds the ring stuck; that is another rule's business.)
  assert.deepEqual(errors(checkTrace(new TraceReader(sink.bytes))).map((f) => f.rule), ['XEN_RING_STUCK']);
});

/**
 * Hostile traffic judged against ringwire's own reference ends: every scenario's trace carries its expectation
 * (the rule, the side that did not break it, refuse or observe, all derived from the catalogue and the
 * checker), and replaying it against the reference implementation of that side meets it: refused with exactly
 * the rule's code, or observed by the monitor while the reference kept going or refused cleanly. Implementations
 * that accept, refuse with another code, or fail otherwise are caught.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  TraceReader, replayAgainst, checkTrace, ruleEntry, RingError, xenRingErrorCodes, protocol,
  type ReplayImplementationFactory, type TraceRecord,
} from '../../src/index.js';
import {
  hostileScenarios, recordScenario, scenarioExpectation, judgeHostile, referenceImplementation, expectFor, type PlacedScenario,
} from '../../src/hostile/index.js';
import { decodeAnnotation } from '../../src/trace/bodies.js';

const T = protocol.trace;
const scenario = (rule: string): PlacedScenario => {
  const f = hostileScenarios.find((s) => s.rule === rule);
  assert.ok(f !== undefined, rule);
  return f;
};
const replay = (rule: string, factory: ReplayImplementationFactory) => {
  const f = scenario(rule);
  const a = scenarioExpectation(f);
  const r = replayAgainst(new TraceReader(recordScenario(f)), 0, a.side, factory);
  assert.ok(r.hostile !== undefined);
  return { r, o: judgeHostile(r.hostile, r) };
};

test('every hostile trace ends with its expectation: the rule, the side the checker does not blame, refuse or observe', () => {
  assert.ok(hostileScenarios.length >= 40);
  for (const f of hostileScenarios) {
    const bytes = recordScenario(f);
    // The reader reuses its record object: keep what is needed of each.
    const records: { rec_type: number; note?: Record<string, unknown> }[] = [];
    for (const r of new TraceReader(bytes) as Iterable<TraceRecord>) {
      records.push(r.rec_type === T.RWT_ANNOTATION && r.party === T.RWT_PARTY_NONE ? { rec_type: r.rec_type, note: { ...decodeAnnotation(r.body, r) } } : { rec_type: r.rec_type });
    }
    const notes = records.filter((r) => r.note !== undefined).map((r) => r.note);
    assert.equal(notes.length, 1, f.rule);
    const a = notes[0] as Record<string, unknown>;
    const finding = checkTrace(new TraceReader(bytes)).find((x) => x.rule === f.rule);
    assert.ok(finding !== undefined, `${f.rule}: the checker reports it`);
    // The party the finding names; a record of no party (the recorder's setup) leaves it to the catalogue's binds.
    const party = finding.party === 'none' ? (ruleEntry(f.rule) as { binds: string }).binds : finding.party;
    const blamed = party === 'front' || party === 'driver' ? 'front' : 'back';
    assert.deepEqual(a, { op: 'hostile', rule: f.rule, expect: expectFor(ruleEntry(f.rule) as never), side: blamed === 'front' ? 'back' : 'front' }, f.rule);
    // Only the end follows it: the closing checkpoint and end record.
    const at = records.findIndex((r) => r.note !== undefined);
    assert.deepEqual(records.slice(at + 1).map((r) => r.rec_type), [T.RWT_CHECKPOINT, T.RWT_END], f.rule);
  }
  // Both kinds are exercised, on both transports and both sides.
  const all = hostileScenarios.map((f) => ({ ...scenarioExpectation(f), dir: f.dir }));
  for (const dir of ['xen', 'virtio']) for (const side of ['front', 'back']) assert.ok(all.some((a) => a.dir === dir && a.side === side && a.expect === 'refuse'), `${dir} ${side}`);
  assert.ok(all.some((a) => a.expect === 'observe' && a.dir === 'xen') && all.some((a) => a.expect === 'observe' && a.dir === 'virtio'));
});

test('every hostile scenario, replayed against ringwire\'s reference implementation of the side under test, meets its expectation', () => {
  const refused: string[] = [];
  const observed: string[] = [];
  for (const f of hostileScenarios) {
    const a = scenarioExpectation(f);
    const { r, o } = replay(f.rule, referenceImplementation);
    assert.equal(o.ok, true, `${f.rule}: ${o.text}`);
    assert.equal(r.finalRun || r.divergence !== undefined, true, `${f.rule}: the side under test had its last turn or refused`);
    assert.ok(o.text.includes(f.rule), `${f.rule}: ${o.text}`);
    if (a.expect === 'refuse') {
      // The reference end's own checked operation threw exactly the rule's code.
      assert.equal(o.verdict, 'refused', f.rule);
      assert.equal(o.refused, f.rule);
      assert.equal(r.refusal?.code, f.rule);
      assert.match(o.text, new RegExp(`^refused as expected: ${f.rule} \\(run \\d+, record \\d+\\)$`));
      refused.push(f.rule);
    } else {
      assert.equal(o.verdict, 'observed', f.rule);
      assert.equal(o.finding?.rule, f.rule, f.rule);
      // The monitor blames the other side, never the one under test.
      assert.notEqual(o.finding.party === 'driver' ? 'front' : o.finding.party === 'device' ? 'back' : o.finding.party, a.side, f.rule);
      // Any refusal is a ringwire code, and the implementation never diverged.
      if (r.refusal !== undefined) assert.ok(ruleEntry(r.refusal.code) !== undefined, r.refusal.code);
      else assert.equal(r.divergence, undefined, f.rule);
      observed.push(f.rule);
    }
  }
  // No scenario is left out: every one is met (none is listed as a known gap any more).
  assert.equal(refused.length + observed.length, hostileScenarios.length);
  assert.ok(refused.length >= 63 && observed.length <= 15, `${refused.length} refused, ${observed.length} observed`);
});

const permissive = fileURLToPath(new URL('../../../fixtures/impl/blkif-back-permissive.js', import.meta.url));
const careful = fileURLToPath(new URL('../../../fixtures/impl/blkif-back.js', import.meta.url));

test('a permissive blkif backend (trusts req_prod) is caught on XEN_RING_REQ_PROD_OVERFLOW; the example backend refuses it', async () => {
  const bad = (await import(permissive)).default as ReplayImplementationFactory;
  const { r, o } = replay('XEN_RING_REQ_PROD_OVERFLOW', bad);
  assert.equal(o.ok, false);
  assert.equal(o.verdict, 'diverged');
  assert.equal(r.refusal, undefined);
  assert.match(o.text, /^did not refuse with XEN_RING_REQ_PROD_OVERFLOW: at record \d+ \(seq \d+\) sring offset \d+: /);
  const good = (await import(careful)).default as ReplayImplementationFactory;
  assert.equal(replay('XEN_RING_REQ_PROD_OVERFLOW', good).o.verdict, 'refused');
  // On healthy traffic it is a fine backend: the healthy round reproduced; the last run, after the overflow, diverged.
  assert.equal(r.runs, 2);
  assert.equal(r.finalRun, true);
});

test('refusing with another code, throwing without a code, or never refusing each fail a refuse expectation', () => {
  const wrongCode: ReplayImplementationFactory = () => ({ run() { throw new RingError(xenRingErrorCodes.BAD_RECORD, 'no'); } });
  const w = replay('XEN_RING_REQ_PROD_OVERFLOW', wrongCode).o;
  assert.deepEqual([w.ok, w.verdict, w.refused], [false, 'wrong-code', 'XEN_RING_BAD_RECORD']);
  assert.match(w.text, /^refused with XEN_RING_BAD_RECORD, expected XEN_RING_REQ_PROD_OVERFLOW: no$/);
  const crash: ReplayImplementationFactory = () => ({ run() { throw new TypeError('cannot read properties of undefined'); } });
  const c = replay('VIRTQ_DESC_LOOP', crash).o;
  assert.deepEqual([c.ok, c.verdict], [false, 'failed']);
  assert.match(c.text, /TypeError: cannot read properties of undefined/);
  // A device that swallows what it cannot walk and carries on: nothing diverges, nothing is refused.
  const idle: ReplayImplementationFactory = (ctx) => {
    const inner = referenceImplementation(ctx);
    return { run() { try { inner.run(); } catch { /* ignored */ } } };
  };
  const i = replay('VIRTQ_HEAD_OUT_OF_RANGE', idle);
  assert.deepEqual([i.o.ok, i.o.verdict], [false, 'accepted']);
  assert.match(i.o.text, /^accepted it: no refusal with VIRTQ_HEAD_OUT_OF_RANGE in \d+ run\(s\)$/);
  // A refusal carrying the code from another copy of ringwire (a plain Error with `code`) counts.
  const foreign: ReplayImplementationFactory = (ctx) => {
    const inner = referenceImplementation(ctx);
    return { run() { try { inner.run(); } catch (e) { throw Object.assign(new Error((e as Error).message), { code: (e as { code: string }).code }); } } };
  };
  assert.equal(replay('VIRTQ_HEAD_OUT_OF_RANGE', foreign).o.verdict, 'refused');
});

test('observe: a crash fails, a clean refusal with any code passes, the rule comes from the monitor', () => {
  const crash: ReplayImplementationFactory = () => ({ run() { throw new Error('boom'); } });
  const c = replay('XEN_RING_MISSING_NOTIFY', crash).o;
  assert.deepEqual([c.ok, c.verdict], [false, 'failed']);
  const clean: ReplayImplementationFactory = () => ({ run() { throw new RingError(xenRingErrorCodes.BAD_RECORD, 'refused'); } });
  const k = replay('XEN_RING_MISSING_NOTIFY', clean).o;
  assert.deepEqual([k.ok, k.verdict, k.refused, k.finding?.rule, k.finding?.party], [true, 'observed', 'XEN_RING_BAD_RECORD', 'XEN_RING_MISSING_NOTIFY', 'front']);
  assert.match(k.text, /^observed as expected: XEN_RING_MISSING_NOTIFY \(monitor: record \d+, by front\); it refused cleanly with XEN_RING_BAD_RECORD$/);
  // An implementation that diverges (answers nothing) fails an observe expectation too.
  const silent: ReplayImplementationFactory = () => ({ run() { /* never answers */ } });
  const s = replay('XEN_RING_MISSING_NOTIFY', silent).o;
  assert.deepEqual([s.ok, s.verdict], [false, 'diverged']);
});

test('a trace without a hostile annotation gets no final run and no judgement; the monitor still reports', async () => {
  const { readFileSync } = await import('node:fs');
  const trace = readFileSync(fileURLToPath(new URL('../../../fixtures/xen/blkif-write.pcapng', import.meta.url)));
  const good = (await import(careful)).default as ReplayImplementationFactory;
  const r = replayAgainst(new TraceReader(trace), 0, 'back', good);
  assert.deepEqual([r.hostile, r.finalRun, r.divergence, r.refusal, r.findings.length], [undefined, false, undefined, undefined, 0]);
  assert.equal(r.setup?.transport, 'xen');
  // run() returning a promise cannot be replayed synchronously: it is reported, not awaited.
  const asyncImpl: ReplayImplementationFactory = () => ({ run: async () => undefined });
  const a = replayAgainst(new TraceReader(trace), 0, 'back', asyncImpl);
  assert.match(a.divergence?.implementation ?? '', /run\(\) returned a promise/);
});

test('the reference ends also reproduce healthy traffic: valid fixtures replayed against them diverge nowhere', async () => {
  const { readFileSync } = await import('node:fs');
  // Each reference end against the recordings its side plays well (the others differ in batching or
  // start-up details that are the recording's choice, not the protocol's: see the report in src/hostile/).
  const cases: [string, 'front' | 'back'][] = [
    ...['blkif-read', 'blkif-write', 'blkif-flush', 'blkif-discard', 'blkif-indirect', 'blkif-x86_32', 'blkif-order2'].flatMap((f) => [[`xen/${f}`, 'front'], [`xen/${f}`, 'back']] as [string, 'front' | 'back'][]),
    ['xen/blkif-index-wrap', 'back'], ['xen/blkif-xenbus-handshake', 'front'],
    ['virtio/split-blk', 'front'], ['virtio/split-blk', 'back'], ['virtio/split-indirect', 'front'], ['virtio/split-indirect', 'back'],
    ['virtio/split-legacy-be', 'front'], ['virtio/split-legacy-be', 'back'], ['virtio/split-event-idx', 'front'], ['virtio/split-in-order', 'front'],
    ['virtio/packed-blk', 'front'], ['virtio/packed-blk', 'back'], ['virtio/packed-wrap', 'front'], ['virtio/packed-wrap', 'back'],
  ];
  for (const [name, side] of cases) {
    const trace = readFileSync(fileURLToPath(new URL(`../../../fixtures/${name}.pcapng`, import.meta.url)));
    const r = replayAgainst(new TraceReader(trace), 0, side, referenceImplementation);
    assert.equal(r.divergence, undefined, `${name} ${side}: ${JSON.stringify(r.divergence)}`);
    assert.ok(r.runs >= 1, `${name} ${side}`);
  }
});

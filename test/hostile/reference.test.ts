/**
 * The pieces the reference ends gained to meet the newer hostile scenarios: ReplayContext.events (what
 * happened besides memory since the last run, each record shown once, in order), the xenbus watch of the
 * reference backend, and the packed driver-event check the reference device applies before notifying.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TraceReader, replayAgainst, protocol, PackedRing, GuestMemory, PlainRingPort, VRING_PACKED_EVENT_FLAG_DESC,
  type ReplayContext, type ReplayEvent, type ReplayImplementationFactory, type TraceRecord,
} from '../../src/index.js';
import { hostileScenarios, recordScenario, scenarioExpectation, referenceImplementation } from '../../src/hostile/index.js';
import { XenbusWatch } from '../../src/hostile/reference-xenbus.js';
import { driverEventError } from '../../src/hostile/reference-virtio.js';
import { RingwireError } from '../../src/errors.js';

const T = protocol.trace;

function trace(rule: string): { bytes: Uint8Array; side: 'front' | 'back' } {
  const f = hostileScenarios.find((s) => s.rule === rule);
  assert.ok(f !== undefined, rule);
  return { bytes: recordScenario(f), side: scenarioExpectation(f).side };
}

/** The notify / config / annotation records of parties front and back, and setup records after the first (the front's), as [party, rec_type]. */
function nonMemory(bytes: Uint8Array): [string, number][] {
  const out: [string, number][] = [];
  let setups = 0;
  for (const r of new TraceReader(bytes) as Iterable<TraceRecord>) {
    if (r.interface_id !== 0) continue;
    if (r.rec_type === T.RWT_SETUP && setups++ > 0) out.push(['front', T.RWT_SETUP]);
    if (r.party === T.RWT_PARTY_NONE) continue;
    if (r.rec_type === T.RWT_NOTIFY || r.rec_type === T.RWT_CONFIG || r.rec_type === T.RWT_ANNOTATION) out.push([r.party === T.RWT_PARTY_FRONT ? 'front' : 'back', r.rec_type]);
  }
  return out;
}

const kindType: Readonly<Record<ReplayEvent['kind'], number>> = { notify: T.RWT_NOTIFY, config: T.RWT_CONFIG, annotation: T.RWT_ANNOTATION, setup: T.RWT_SETUP };

test('ReplayContext.events shows every notify, config and annotation record once, in trace order, up to the last run', () => {
  // Every scenario: the runs in the middle, the run at the end of a trace the side under test acted last in
  // (XENBUS_BAD_TRANSITION's backend), and the hostile final run.
  let lastActed = 0;
  for (const rule of hostileScenarios.map((f) => f.rule)) {
    const { bytes, side } = trace(rule);
    const seen: ReplayEvent[] = [];
    const perRun: number[] = [];
    const factory: ReplayImplementationFactory = (ctx: ReplayContext) => {
      const inner = referenceImplementation(ctx);
      return { run() { assert.ok(ctx.events !== undefined); seen.push(...ctx.events); perRun.push(ctx.events.length); return inner.run(); } };
    };
    const r = replayAgainst(new TraceReader(bytes), 0, side, factory);
    assert.equal(r.runs + (r.refusal === undefined ? 0 : 1), perRun.length, rule);
    // The implementation saw exactly the trace's records (the last run sees through the end of the trace).
    const want = nonMemory(bytes);
    assert.deepEqual(seen.map((e) => [e.party, kindType[e.kind]]), want.slice(0, seen.length), rule);
    if (r.finalRun) assert.equal(seen.length, want.length, rule);
    assert.ok(perRun.some((n) => n > 0), rule);
    const last = want.at(-1);
    if (r.finalRun && last !== undefined && last[0] === side) lastActed++;
  }
  assert.ok(lastActed > 0);
  // A kick's notification value reaches the device.
  const { bytes } = trace('VIRTQ_NOTIFICATION_DATA_MISMATCH');
  const kicks: (number | undefined)[] = [];
  const r = replayAgainst(new TraceReader(bytes), 0, 'back', (ctx) => {
    const inner = referenceImplementation(ctx);
    return { run() { for (const e of ctx.events ?? []) if (e.kind === 'notify' && e.party === 'front') kicks.push(e.data); return inner.run(); } };
  });
  // The warm round's kick announces avail idx 1; the last one avail idx 3 while 2 is published, which the device refuses.
  assert.deepEqual(kicks, [1 << 16, 3 << 16]);
  assert.equal(r.refusal?.code, 'VIRTQ_NOTIFICATION_DATA_MISMATCH');
});

const state = (party: 'front' | 'back', from: number, to: number): ReplayEvent => ({ party, kind: 'config', config: { xenbus_state: { from, to } } });
const key = (party: 'front' | 'back', k: string, value: string): ReplayEvent => ({ party, kind: 'config', config: { xenstore: `${party === 'front' ? 'device/vbd/768' : 'backend/vbd/1/768'}/${k}`, value } });
const code = (f: () => void): string | undefined => {
  try { f(); } catch (e) { return e instanceof RingwireError ? e.code : 'not a RingwireError'; }
  return undefined;
};

test('XenbusWatch: a careful handshake passes; a frontend out of order or over max-ring-page-order is refused', () => {
  const good = new XenbusWatch();
  good.accept([key('back', 'max-ring-page-order', '2'), state('back', 1, 2)]);
  good.accept([key('front', 'ring-page-order', '2'), key('front', 'ring-ref0', '8'), state('front', 1, 3)]);
  assert.equal(code(() => good.accept([state('back', 2, 4), state('front', 3, 4)])), undefined);
  // Initialised while the backend is still Initialising.
  assert.equal(code(() => new XenbusWatch().accept([key('front', 'ring-ref', '8'), state('front', 1, 3)])), 'XENBUS_BAD_TRANSITION');
  // Connected before the backend is.
  const early = new XenbusWatch();
  early.accept([state('back', 1, 2), state('front', 1, 3)]);
  assert.equal(code(() => early.accept([state('front', 3, 4)])), 'XENBUS_BAD_TRANSITION');
  // ring-page-order 2 against max-ring-page-order 1, and against none written (order 0).
  const big = new XenbusWatch();
  big.accept([key('back', 'max-ring-page-order', '1'), state('back', 1, 2), key('front', 'ring-page-order', '2')]);
  assert.equal(code(() => big.accept([state('front', 1, 3)])), 'XENBUS_BAD_VALUE');
  assert.equal(code(() => new XenbusWatch().accept([state('back', 1, 2), key('front', 'ring-page-order', '1'), state('front', 1, 3)])), 'XENBUS_BAD_VALUE');
  // Notifications and annotations are not the watch's business.
  assert.equal(code(() => new XenbusWatch().accept([{ party: 'front', kind: 'notify', channel: 1, data: undefined }, { party: 'back', kind: 'annotation', annotation: { op: 'x' } }])), undefined);
});

test('driverEventError: a DESC off_wrap outside the ring is VIRTQ_EVENT_OFFSET_OUT_OF_RANGE; inside it, other modes or without EVENT_IDX nothing', () => {
  const ring = (eventIdx: boolean): PackedRing => {
    const memory = new GuestMemory();
    memory.map(0, new PlainRingPort(new ArrayBuffer(0x2000)));
    return new PackedRing({ memory, size: 8, desc: 0n, driverEvent: 0x1000n, deviceEvent: 0x1004n, eventIdx });
  };
  const r = ring(true);
  const DESC = VRING_PACKED_EVENT_FLAG_DESC;
  r.setDriverEvent(12 | (1 << 15), DESC);
  const e = driverEventError(r);
  assert.equal(e?.code, 'VIRTQ_EVENT_OFFSET_OUT_OF_RANGE');
  assert.match(e.message, /offset 12, outside the ring of 8/);
  r.setDriverEvent(7 | (1 << 15), DESC);
  assert.equal(driverEventError(r), undefined);
  r.setDriverEvent(12, 0);
  assert.equal(driverEventError(r), undefined);
  const off = ring(false);
  off.setDriverEvent(12, DESC);
  assert.equal(driverEventError(off), undefined);
});

/**
 * Xen trace events: the characteristic events of the recorded Xen fixtures, exactly; the annotations the
 * rings make; recordXenRing; the xenbus handshake model and its refusals; decoding what a misbehaving peer
 * recorded without judging it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BackRing, FrontRing, GrowableSink, PlainRingPort, RecordingRingPort, SharedRing, TraceError, TraceReader, TraceRecorder, XenbusDevice,
  XenbusError, decodeTraceEvents, recordXenRing, ringType, protocol, type PortEvent, type TraceEvent, type XenbusConfig,
} from '../../src/index.js';
import { xenEventDecoder } from '../../src/trace/xen-events.js';
import { buildFixture } from './make-trace-fixtures.js';
import { xenTraceFixtures } from './fixtures-xen.js';
import type { TraceFixture } from './fixture-kit.js';

const T = protocol.trace;

function fixture(name: string): TraceFixture {
  const f = xenTraceFixtures.find((x) => x.name === name);
  assert.ok(f !== undefined, name);
  return f;
}

/** The events of a freshly recorded fixture (the committed files are compared with these in trace-fixtures.test). */
function events(name: string): TraceEvent[] {
  return [...decodeTraceEvents(new TraceReader(buildFixture(fixture(name)).pcapng))];
}

type Slot = { index: number; slot: number; struct: string; variant?: string; record: Record<string, unknown> };
const slots = (e: TraceEvent, side: 'requests' | 'responses'): Slot[] => e[side] as Slot[];
const ofKind = (es: readonly TraceEvent[], kind: string) => es.filter((e) => e.kind === kind);

test('at least twelve Xen fixtures, each with requests published, consumed, answered, and every answer consumed', () => {
  assert.ok(xenTraceFixtures.length >= 12);
  for (const f of xenTraceFixtures) {
    const es = events(f.name);
    const published = ofKind(es, 'requests-published').flatMap((e) => slots(e, 'requests').map((s) => s.index));
    const answered = ofKind(es, 'responses-published').flatMap((e) => slots(e, 'responses').map((s) => s.index));
    const consumed = ofKind(es, 'request-consumed').map((e) => e['idx']);
    assert.ok(consumed.length > 0, `${f.name}: requests published and consumed`);
    // netif rx: the frontend posts more buffers than the backend fills; elsewhere every request is taken.
    assert.deepEqual(consumed, published.slice(0, f.name === 'netif-rx' ? 5 : published.length), `${f.name}: the backend copies each published request once, in order`);
    assert.deepEqual(ofKind(es, 'response-consumed').map((e) => e['idx']), answered, `${f.name}: the frontend copies each published response once, in order`);
    assert.equal(answered.length, consumed.length, `${f.name}: one response per request slot consumed`);
    assert.ok(es.every((e) => e.party === 'none' || e.party === 'front' || e.party === 'back'));
    assert.equal(ofKind(es, 'write').length, 0, `${f.name}: every write to the ring or a grant is explained`);
  }
});

test('blkif-indirect: a blkif_request_indirect is published, and its response carries indirect_op, not BLKIF_OP_INDIRECT', () => {
  const es = events('blkif-indirect');
  const pub = ofKind(es, 'requests-published')[0] as TraceEvent;
  assert.equal(pub.party, 'front');
  assert.equal(pub.text, 'front published requests 0..1: [0] BLKIF_OP_INDIRECT indirect_op=1 nr_segments=20 id=0 sector_number=8192 handle=0; '
    + '[1] BLKIF_OP_READ nr_segments=1 handle=0 id=1 sector_number=0');
  const [indirect, read] = slots(pub, 'requests') as [Slot, Slot];
  assert.equal(indirect.struct, 'blkif_request_indirect');
  assert.equal(indirect.variant, 'BLKIF_OP_INDIRECT');
  assert.deepEqual(indirect.record['indirect_grefs'], [400, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(read.struct, 'blkif_request');
  assert.deepEqual(read.record['seg'], [{ gref: 600, first_sect: 0, last_sect: 7 }], 'only the nr_segments segments in use are listed');
  const rsp = ofKind(es, 'responses-published')[0] as TraceEvent;
  assert.equal(rsp.text, 'back published responses 0..1: [0] blkif_response id=0 operation=1 status=0; [1] blkif_response id=1 operation=0 status=0');
  assert.equal(slots(rsp, 'responses')[0]?.record['operation'], protocol.xenConstants.find((c) => c.name === 'BLKIF_OP_WRITE')?.value);
  // The 20 segments went into the indirect page before the request was written.
  const table = es.find((e) => e.kind === 'data-write') as TraceEvent;
  assert.deepEqual([table['gref'], table['offset'], table['length']], [400, 0, 160]);
  assert.ok(table.seq < (ofKind(es, 'request-written')[0] as TraceEvent).seq);
});

test('blkif-index-wrap: indices start at 0xfffffff0 and a batch is published across 0xffffffff -> 0', () => {
  const es = events('blkif-index-wrap');
  assert.deepEqual(ofKind(es, 'index-set').slice(-2).map((e) => e.text), ['front set req_prod 4294967280', 'front set rsp_prod 4294967280']);
  const pubs = ofKind(es, 'requests-published');
  assert.deepEqual(pubs.map((e) => [e['first'], e['last']]), [[4294967280, 4294967285], [4294967286, 4294967291], [4294967292, 1], [2, 7]]);
  const across = pubs[2] as TraceEvent;
  assert.match(across.text, /^front published requests 4294967292\.\.1: \[4294967292\] BLKIF_OP_/);
  assert.deepEqual(slots(across, 'requests').map((s) => [s.index, s.slot]), [[4294967292, 28], [4294967293, 29], [4294967294, 30], [4294967295, 31], [0, 0], [1, 1]]);
  assert.deepEqual(ofKind(es, 'responses-published').map((e) => e['rsp_prod']), [4294967286, 4294967292, 2, 8]);
  assert.ok(es.some((e) => e.text === 'back consumed request 4294967295') && es.some((e) => e.text === 'back consumed request 0'));
});

test('blkif-xenbus-handshake: the states in the order the Linux drivers take them, the keys before the state that announces them', () => {
  const es = events('blkif-xenbus-handshake');
  assert.deepEqual(ofKind(es, 'xenbus-state').map((e) => e.text), [
    'xenbus: backend state Initialising -> InitWait',
    'xenbus: frontend state Initialising -> Initialised',
    'xenbus: backend state InitWait -> Connected',
    'xenbus: frontend state Initialised -> Connected',
  ]);
  const at = (text: string): number => {
    const e = es.find((x) => x.text === text);
    assert.ok(e !== undefined, text);
    return e.seq;
  };
  const initWait = at('xenbus: backend state Initialising -> InitWait');
  const ringRef = at('xenbus: frontend wrote device/vbd/768/ring-ref = 8');
  assert.ok(at('xenbus: backend wrote backend/vbd/1/768/max-ring-page-order = 4') < initWait);
  assert.ok(initWait < at('front SHARED_RING_INIT') && at('front SHARED_RING_INIT') < ringRef);
  assert.ok(ringRef < at('xenbus: frontend wrote device/vbd/768/event-channel = 5'));
  assert.ok(at('xenbus: frontend wrote device/vbd/768/protocol = x86_64-abi') < at('xenbus: frontend state Initialising -> Initialised'));
  assert.ok(at('xenbus: frontend state Initialised -> Connected') < (ofKind(es, 'requests-published')[0] as TraceEvent).seq, 'I/O only once both ends are Connected');
  const e = es.find((x) => x.kind === 'xenbus-state') as TraceEvent;
  assert.deepEqual([e['end'], e['from'], e['to'], e['from_state'], e['to_state'], e.party], ['backend', 1, 2, 'Initialising', 'InitWait', 'back']);
});

test('blkif-x86_32 and blkif-order2: the ABI and the ring order come from the setup record', () => {
  const x32 = events('blkif-x86_32');
  const req = slots(ofKind(x32, 'requests-published')[0] as TraceEvent, 'requests')[0] as Slot;
  assert.equal(req.record['id'], '578437695752307201', 'the distinct-byte id 0x0807060504030201, read at offset 4 of the x86_32 request');
  assert.equal(ofKind(x32, 'request-written')[1]?.text, 'front wrote request 1 (slot 1)');
  const big = events('blkif-order2');
  const pub = ofKind(big, 'requests-published')[0] as TraceEvent;
  assert.deepEqual([pub['first'], pub['last'], pub['count']], [0, 35, 36]);
  assert.equal(slots(pub, 'requests')[35]?.slot, 35, 'slot 35 exists only in a ring of more than 32 entries');
});

test('netif fixtures: tx extra-info slots (GSO, MCAST_ADD) and the rx extra-info response are decoded as netif_extra_info', () => {
  const tx = slots(ofKind(events('netif-tx'), 'requests-published')[0] as TraceEvent, 'requests');
  assert.deepEqual(tx.map((s) => s.struct === 'netif_extra_info' ? 'x' : 'r').join(''), 'rrrrrxrxxr');
  assert.deepEqual(tx[8]?.record, { type: 2, flags: 0, u: { mcast: { addr: [1, 0, 0x5e, 0, 0, 0xfb] } } });
  assert.deepEqual(tx[5]?.record, { type: 1, flags: 0, u: { gso: { size: 1448, type: 1, pad: 0, features: 0 } } });
  const txRsp = slots(ofKind(events('netif-tx'), 'responses-published')[0] as TraceEvent, 'responses');
  assert.deepEqual(txRsp.map((s) => s.record['status']), [0, 0, 0, 0, 0, 1, 0, 1, 1, 0], 'each extra slot is answered NETIF_RSP_NULL in its place');
  const rx = slots(ofKind(events('netif-rx'), 'responses-published')[0] as TraceEvent, 'responses');
  assert.deepEqual(rx.map((s) => s.struct), ['netif_rx_response', 'netif_rx_response', 'netif_extra_info', 'netif_rx_response', 'netif_rx_response']);
  const ctrl = events('netif-ctrl');
  assert.match((ofKind(ctrl, 'responses-published')[0] as TraceEvent).text, /^back published responses 0\.\.3: \[0\] xen_netif_ctrl_response id=3 type=4 status=0 data=128;/);
});

test('decoding is deterministic: the same trace gives the same events, and JSON.stringify accepts them', () => {
  for (const f of xenTraceFixtures.slice(0, 4)) {
    const bytes = buildFixture(f).pcapng;
    const a = JSON.stringify([...decodeTraceEvents(new TraceReader(bytes))]);
    const b = JSON.stringify([...decodeTraceEvents(new TraceReader(bytes.slice()))]);
    assert.equal(a, b, f.name);
  }
});

test('the rings label each ring.h macro on the port, in the order they run', () => {
  const log: PortEvent[] = [];
  const s = SharedRing.init(new ArrayBuffer(4096), ringType('blkif'), { wrapPort: (p) => new RecordingRingPort(p, log) });
  const f = FrontRing.attach(s, 0, { channel: 4 });
  const b = BackRing.attach(s, 0, { channel: 4 });
  f.writeRequest(f.nextRequestIndex(), new Uint8Array(16));
  f.pushRequestsAndNotify();
  f.pushRequests();
  b.finalCheckForRequests();
  b.copyRequest(b.reqCons++);
  b.writeResponse(b.nextResponseIndex(), new Uint8Array(16));
  b.pushResponses();
  b.pushResponsesAndNotify();
  f.copyResponse(f.rspCons++);
  f.finalCheckForResponses();
  const ops = log.flatMap((e) => (e.kind === 'annotate' ? [[e.op, e.args]] : []));
  assert.deepEqual(ops, [
    ['SHARED_RING_INIT', undefined],
    ['RING_PUSH_REQUESTS_AND_CHECK_NOTIFY', { req_prod_pvt: 1 }],
    ['notify_remote_via_evtchn', { port: 4 }],
    ['RING_PUSH_REQUESTS', { req_prod_pvt: 1 }],
    ['RING_FINAL_CHECK_FOR_REQUESTS', { req_cons: 0 }],
    ['RING_COPY_REQUEST', { idx: 0 }],
    ['RING_PUSH_RESPONSES', { rsp_prod_pvt: 1 }],
    ['RING_PUSH_RESPONSES_AND_CHECK_NOTIFY', { rsp_prod_pvt: 1 }],
    ['RING_COPY_RESPONSE', { idx: 0 }],
    ['RING_FINAL_CHECK_FOR_RESPONSES', { rsp_cons: 1 }],
  ]);
  // A plain port has no annotate(): the same calls run without it.
  const plain = SharedRing.init(new ArrayBuffer(4096), ringType('blkif'));
  assert.equal('annotate' in plain.port, false);
  FrontRing.attach(plain).pushRequestsAndNotify();
});

test('recordXenRing: one interface, one ring region, a recording port per party; bad grant lists are refused before anything is written', () => {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  assert.throws(() => recordXenRing(rec, { ring: 'blkif', order: 1, grefs: [8] }), (e: unknown) => e instanceof TraceError && e.code === 'TRACE_BAD_ARGUMENT' && e.path === 'grefs');
  assert.throws(() => recordXenRing(rec, { ring: 'blkif', order: 5 }), { code: 'XEN_RING_BAD_MEMORY' });
  const x = recordXenRing(rec, { ring: 'netif_tx', abi: 'x86_32-abi', order: 1, evtchn: 12 });
  assert.deepEqual(x.setup, { transport: 'xen', ring: 'netif_tx', abi: 'x86_32', order: 1, grefs: [8, 9], evtchn: 12 });
  assert.equal(x.iface, 0, 'the refused calls declared no interface');
  assert.equal(x.buffer.byteLength, 8192);
  assert.equal(x.front.reqEvent, 1, 'SHARED_RING_INIT ran on the frontend side');
  x.back.reqEvent = 5; // a backend store, recorded as the backend's
  // A misbehaving backend moves req_prod by more than the ring holds: decoded as what it is, not judged.
  x.back.reqProd = 1000;
  rec.snapshot(x.iface, x.region);
  x.front.port.writeU32(x.front.byteLength - 4, 0xdeadbeef, true); // the page's tail after the last slot
  BackRing.attach(x.back).copyRequest(0);
  BackRing.attach(x.back).copyRequest(0);
  rec.close();
  const es = [...decodeTraceEvents(new TraceReader(sink.bytes))];
  const names = (es[0] as TraceEvent).text;
  assert.match(names, /"ring":"netif_tx"/);
  assert.deepEqual(es.slice(-8).map((e) => [e.party, e.kind, e.text]), [
    ['back', 'event-set', 'back set req_event 5'],
    ['back', 'index-set', 'back set req_prod 1000'],
    ['none', 'ring-snapshot', 'snapshot of the ring: req_prod=1000 req_event=5 rsp_prod=0 rsp_event=1'],
    ['front', 'header-write', 'front wrote past the last slot (at 8188)'],
    ['back', 'request-reread', 'back re-read request 0'],
    ['back', 'request-reread', 'back re-read request 0'],
    ['none', 'checkpoint', 'checkpoint: 1 region(s) verified'],
    ['none', 'end', 'end'],
  ]);
});

test('the Xen decoder is chosen by the setup: another transport or an unknown ring gets record-level events', () => {
  assert.equal(xenEventDecoder({ transport: 'virtio', layout: 'split', size: 8, queue: 0, byte_order: 'little', features: '0x0', desc: '0x0' }, 0), undefined);
  assert.equal(xenEventDecoder({ transport: 'xen', ring: 'vscsiif', abi: 'x86_64', order: 0, grefs: [1], evtchn: 1 }, 0), undefined);
  assert.equal(xenEventDecoder({ transport: 'xen', ring: 'blkif', abi: 'x86_64', order: 9, grefs: [1], evtchn: 1 }, 0), undefined);
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  const iface = rec.addInterface('vscsiif/x86_64/order0', { transport: 'xen', ring: 'vscsiif', abi: 'x86_64', order: 0, grefs: [8], evtchn: 3 });
  const buf = new ArrayBuffer(4096);
  const region = rec.addRegion(iface, { kind: T.RWT_REGION_XEN_RING, name: 'sring', bytes: new Uint8Array(buf) });
  rec.port(iface, region, T.RWT_PARTY_FRONT, new PlainRingPort(buf)).storeIndex32(0, 1);
  rec.close();
  const es = [...decodeTraceEvents(new TraceReader(sink.bytes))];
  // No transport decoder: the store is shown record by record (its access header, then the 4 bytes stored).
  assert.equal(es[2]?.kind, 'write');
  assert.equal(es[2]?.text, '20 bytes: 00000000040000000000000000000000 ...');
});

test('XenbusDevice: the handshake emits every key and state in order, and refuses out-of-order steps with nothing changed', () => {
  const seen: [string, XenbusConfig][] = [];
  const bus = new XenbusDevice({ emit: (end, c) => seen.push([end, c]) });
  const refused = (f: () => void, code: string, path?: string) => {
    const before = [seen.length, bus.state('frontend'), bus.state('backend')];
    assert.throws(f, (e: unknown) => e instanceof XenbusError && e.code === code && (path === undefined || e.path === path));
    assert.deepEqual([seen.length, bus.state('frontend'), bus.state('backend')], before, 'a refused step emits and changes nothing');
  };
  refused(() => bus.frontendInitialise({ grefs: [8], evtchn: 3 }), 'XENBUS_BAD_TRANSITION', 'backend/state');
  refused(() => bus.frontendConnect(), 'XENBUS_BAD_TRANSITION', 'backend/state');
  refused(() => bus.switchState('backend', 'Connected'), 'XENBUS_BAD_TRANSITION', 'backend/state');
  bus.backendInitWait({ 'max-ring-page-order': 1 });
  refused(() => bus.backendInitWait(), 'XENBUS_BAD_TRANSITION');
  refused(() => bus.backendConnect(), 'XENBUS_BAD_TRANSITION', 'frontend/state');
  refused(() => bus.frontendInitialise({ grefs: [8, 9, 10], evtchn: 3 }), 'XENBUS_BAD_VALUE');
  refused(() => bus.frontendInitialise({ grefs: [8, 9, 10, 11], evtchn: 3 }), 'XENBUS_BAD_VALUE');
  bus.frontendInitialise({ grefs: [8, 9], evtchn: 3, abi: 'x86_32' });
  refused(() => bus.frontendConnect(), 'XENBUS_BAD_TRANSITION', 'backend/state');
  bus.backendConnect();
  bus.frontendConnect();
  assert.deepEqual([bus.stateName('frontend'), bus.stateName('backend')], ['Connected', 'Connected']);
  assert.equal(bus.read('frontend', 'ring-ref1'), '9');
  assert.deepEqual(seen, [
    ['backend', { xenstore: 'backend/vbd/1/768/max-ring-page-order', value: '1' }],
    ['backend', { xenbus_state: { from: 1, to: 2 } }],
    ['frontend', { xenstore: 'device/vbd/768/ring-page-order', value: '1' }],
    ['frontend', { xenstore: 'device/vbd/768/ring-ref0', value: '8' }],
    ['frontend', { xenstore: 'device/vbd/768/ring-ref1', value: '9' }],
    ['frontend', { xenstore: 'device/vbd/768/event-channel', value: '3' }],
    ['frontend', { xenstore: 'device/vbd/768/protocol', value: 'x86_32-abi' }],
    ['frontend', { xenbus_state: { from: 1, to: 3 } }],
    ['backend', { xenbus_state: { from: 2, to: 4 } }],
    ['frontend', { xenbus_state: { from: 3, to: 4 } }],
  ]);
  // Closing: the frontend first, the backend follows, each Closed only once the other has moved.
  refused(() => bus.switchState('backend', 'Closed'), 'XENBUS_BAD_TRANSITION');
  bus.switchState('frontend', 'Closing');
  bus.switchState('backend', 'Closing');
  bus.switchState('frontend', 'Closed');
  bus.switchState('backend', 'Closed');
  // A netfront-style frontend goes Connected straight from Initialising once the backend is InitWait.
  const net = new XenbusDevice({ frontendPath: 'device/vif/0', backendPath: 'backend/vif/1/0' });
  net.backendInitWait({ 'feature-sg': 1 });
  net.switchState('frontend', 'Connected');
  net.backendConnect();
  assert.deepEqual([net.state('frontend'), net.state('backend')], [4, 4]);
});

test('the xenbus state values are those of xen/io/xenbus.h', () => {
  const c = new Map(protocol.xenConstants.map((x) => [x.name, x.value]));
  assert.deepEqual(protocol.xenbusStateNames.map((n) => c.get(`XenbusState${n}`)), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(protocol.xenConstants.find((x) => x.name === 'XenbusStateInitWait')?.header, 'xen/io/xenbus.h');
});

/**
 * Unit tests for the ring.h state machines beyond the C replay: sizes per ring type, ABI and order,
 * SHARED_RING_INIT vs attach, slot placement, the typed errors (and that they change nothing), the port.
 */
import { test } from 'node:test';
import { ruleText } from '../../src/rule-catalogue.js';
import assert from 'node:assert/strict';
import {
  SharedRing, FrontRing, BackRing, ringType, RingError, xenRingErrorCodes, idxAdd, idxSub, roundDownPow2, ringIdx,
} from '../../src/xen/index.js';
import { PlainRingPort, type RingPort } from '../../src/memory/ring-port.js';

test('__RING_SIZE for every ring type, ABI and order 0..4', () => {
  // entries = RD32((4096 << order - 64) / entry size); blkif 112 bytes (108 on x86_32), netif_tx 12, netif_rx 8, ctrl 16.
  const expect: Record<string, [number, number[]]> = {
    'blkif/x86_64': [112, [32, 64, 128, 512, 1024]],
    'blkif/x86_32': [108, [32, 64, 128, 256, 512]],
    'blkif/arm': [112, [32, 64, 128, 512, 1024]],
    'netif_tx/x86_64': [12, [256, 512, 1024, 2048, 4096]],
    'netif_rx/x86_32': [8, [256, 512, 1024, 4096, 8192]],
    'xen_netif_ctrl/arm': [16, [128, 256, 512, 1024, 4096]],
  };
  for (const [key, [entry, ents]] of Object.entries(expect)) {
    const [name, abi] = key.split('/') as ['blkif', 'x86_64'];
    const t = ringType(name, { abi });
    assert.equal(t.entrySize, entry, key);
    assert.deepEqual([0, 1, 2, 3, 4].map((o) => t.nrEnts(o)), ents.map((n, o) => roundDownPow2(Math.floor(((4096 << o) - 64) / entry))), key);
    assert.equal(t.ringBytes(3), 32768);
    assert.equal(t.header.ring, 64);
    assert.deepEqual([t.header.reqProd, t.header.reqEvent, t.header.rspProd, t.header.rspEvent], [0, 4, 8, 12]);
  }
  assert.equal(ringType('blkif', { abi: 'x86_32-abi' }), ringType('blkif', { abi: 'x86_32' }));
  assert.equal(ringType('blkif', { abi: 'arm-abi' }).abi, 'arm');
});

test('ringType and orders refuse unknown names with typed errors', () => {
  assert.throws(() => ringType('scsi' as 'blkif'), (e: unknown) => e instanceof RingError && e.code === 'XEN_RING_UNKNOWN_TYPE' && e.received === 'scsi');
  assert.throws(() => ringType('blkif', { abi: 'mips' }), { code: 'UNKNOWN_ABI' });
  for (const bad of [-1, 5, 1.5]) assert.throws(() => ringType('blkif').nrEnts(bad), { code: 'XEN_RING_BAD_MEMORY' });
});

test('RING_IDX helpers wrap at 2^32', () => {
  assert.equal(idxAdd(0xffffffff, 1), 0);
  assert.equal(idxSub(2, 0xfffffffe), 4);
  assert.equal(idxSub(0, 1), 0xffffffff);
  assert.equal(ringIdx(-1), 0xffffffff);
  assert.deepEqual([0, 1, 3, 4, 37, 0x80000001].map(roundDownPow2), [0, 1, 2, 4, 32, 0x80000000]);
});

test('SHARED_RING_INIT sets the indices and zeroes pvt and __pad; attach leaves memory as it is', () => {
  const buf = new ArrayBuffer(4096 * 2 + 64);
  new Uint8Array(buf).fill(0xee);
  const t = ringType('netif_tx');
  const s = SharedRing.init(buf, t, { order: 1, byteOffset: 64 });
  assert.deepEqual([s.reqProd, s.reqEvent, s.rspProd, s.rspEvent], [0, 1, 0, 1]);
  const b = new Uint8Array(buf);
  assert.ok(b.subarray(64 + 16, 64 + 64).every((x) => x === 0), 'pvt and __pad zeroed');
  assert.ok(b.subarray(0, 64).every((x) => x === 0xee), 'bytes before the ring untouched');
  assert.ok(b.subarray(64 + 64).every((x) => x === 0xee), 'slots untouched by SHARED_RING_INIT');
  assert.deepEqual([...s.pvt], [0, 0, 0, 0]);
  assert.equal(s.byteLength, 8192);
  s.reqProd = 0x1_0000_0005; // stored as a RING_IDX
  const again = SharedRing.attach(buf, t, { order: 1, byteOffset: 64 });
  assert.equal(again.reqProd, 5);
  assert.equal(again.reqEvent, 1);
  assert.equal(new DataView(buf).getUint32(64, true), 5, 'req_prod little-endian at offset 0 of the ring');
});

test('attach refuses memory that cannot hold the ring', () => {
  const t = ringType('blkif');
  assert.throws(() => SharedRing.attach(new ArrayBuffer(4095), t), (e: unknown) => e instanceof RingError && e.code === 'XEN_RING_BAD_MEMORY' && e.expected === 4096);
  assert.throws(() => SharedRing.attach(new ArrayBuffer(8192), t, { byteOffset: 2 }), { code: 'XEN_RING_BAD_MEMORY' });
  assert.throws(() => SharedRing.attach(new ArrayBuffer(8192), t, { order: 2 }), { code: 'XEN_RING_BAD_MEMORY' });
  assert.throws(() => SharedRing.overPort(new PlainRingPort(new ArrayBuffer(100)), t), { code: 'XEN_RING_BAD_MEMORY' });
});

test('slot i lives at 64 + (i & (nrEnts - 1)) * entrySize; get views and copies see the same bytes', () => {
  const t = ringType('blkif', { abi: 'x86_32' });
  const buf = new ArrayBuffer(4096);
  const s = SharedRing.init(buf, t);
  const f = FrontRing.attach(s, 0xfffffffe);
  const b = BackRing.attach(s, 0xfffffffe);
  for (const i of [0, 31, 32, 0xffffffff, 0xfffffffe]) assert.equal(f.slotOffset(i), 64 + (i % 32) * 108);
  const idx = f.nextRequestIndex();
  assert.equal(idx, 0xfffffffe);
  assert.equal(f.reqProdPvt, 0xffffffff);
  f.encodeRequest(idx, { operation: 1, nr_segments: 1, handle: 0x0201, id: 0x0807060504030201n, sector_number: 99n, seg: Array.from({ length: 11 }, (_v, i) => ({ gref: i, first_sect: 0, last_sect: 7 })) });
  assert.equal(new DataView(buf).getUint32(64 + 30 * 108 + 4, true), 0x04030201, 'x86_32 blkif_request.id at 4');
  f.pushRequests();
  assert.equal(b.unconsumedRequests(), 1);
  const view = b.getRequest(b.reqCons);
  const copy = b.copyRequest(b.reqCons);
  assert.equal(view.byteLength, 108);
  assert.deepEqual(copy, view.slice());
  f.writeRequest(idx, new Uint8Array(200).fill(9)); // over-long payload is cut at sizeof(request)
  assert.equal(view[0], 9, 'a GET view is live');
  assert.equal(copy[0], 1, 'a COPY is private');
  assert.equal(new Uint8Array(buf)[64 + 30 * 108 + 108], 0, 'nothing past sizeof(request) written');
  f.encodeRequest(idx, { operation: 0, nr_segments: 0, handle: 0, id: 7n, sector_number: 0n, seg: Array.from({ length: 11 }, () => ({ gref: 0, first_sect: 0, last_sect: 0 })) });
  assert.equal(b.readRequest(b.reqCons)['id'], 7n);
  b.reqCons++;
  const r = b.nextResponseIndex();
  b.encodeResponse(r, { id: 7n, operation: 0, status: -1 });
  b.writeResponse(r + 1, new Uint8Array(40)); // over-long is cut at sizeof(response)
  assert.equal(b.pushResponsesAndCheckNotify(), true, '(new - rsp_event) < (new - old): rsp_prod moved from 0 across rsp_event 1');
  assert.equal(f.checkedResponseProd(), 0xffffffff);
  assert.equal(f.readResponse(f.rspCons)['status'], -1);
  assert.equal(f.getResponse(f.rspCons).byteLength, 12);
  assert.equal(f.copyResponse(f.rspCons).byteLength, 12);
});

test('push-and-check-notify and final checks follow the event indices', () => {
  const s = SharedRing.init(new ArrayBuffer(4096), ringType('netif_rx'));
  const f = FrontRing.attach(s);
  const b = BackRing.attach(s);
  f.reqProdPvt += 1;
  assert.equal(f.pushRequestsAndCheckNotify(), true, 'req_event 1 is crossed by 0 -> 1');
  f.reqProdPvt += 1;
  assert.equal(f.pushRequestsAndCheckNotify(), false, 'req_event 1 already passed');
  assert.equal(b.hasUnconsumedRequests(), 2);
  assert.equal(b.finalCheckForRequests(), 2, 'work pending: req_event left alone');
  assert.equal(s.reqEvent, 1);
  b.reqCons = 2;
  assert.equal(b.finalCheckForRequests(), 0);
  assert.equal(s.reqEvent, 3, 'req_event = req_cons + 1');
  b.rspProdPvt = 2;
  assert.equal(b.pushResponsesAndCheckNotify(), true);
  assert.equal(f.hasUnconsumedResponses(), 2);
  assert.equal(f.finalCheckForResponses(), 2);
  f.rspCons = 2;
  assert.equal(f.finalCheckForResponses(), 0);
  assert.equal(s.rspEvent, 3);
  b.pushResponses();
  assert.equal(s.rspProd, 2);
});

test('overflow conditions are typed errors with the indices seen, and leave state unchanged', () => {
  const s = SharedRing.init(new ArrayBuffer(4096), ringType('blkif'));
  const f = FrontRing.attach(s, 0xfffffff0);
  const b = BackRing.attach(s, 0xfffffff0);
  s.reqProd = 0xfffffff0 + 33; // a producer index past the ring
  const before = new Uint8Array(s.bytes).slice();
  assert.equal(b.requestProdOverflow(s.reqProd), true);
  assert.throws(() => b.checkedRequestProd(), (e: unknown) => e instanceof RingError && e.code === xenRingErrorCodes.REQ_PROD_OVERFLOW
    && e.index === 17 && (e.received as { req_prod: number }).req_prod === 17);
  assert.equal(b.unconsumedRequests(), 32, 'the ring.h clamp still bounds consumption');
  s.reqProd = 0xfffffff0 + 32;
  assert.equal(b.checkedRequestProd(), 16);
  s.rspProd = 0xfffffff0 + 33;
  assert.throws(() => f.checkedResponseProd(), { code: 'XEN_RING_RSP_PROD_OVERFLOW' });
  s.rspProd = 0xfffffff0 + 1;
  assert.throws(() => f.checkedResponseProd(), (e: unknown) => e instanceof RingError && e.code === 'XEN_RING_RSP_PROD_AHEAD' && e.received === 0xfffffff1);
  assert.deepEqual([f.reqProdPvt, f.rspCons, b.rspProdPvt, b.reqCons], [0xfffffff0, 0xfffffff0, 0xfffffff0, 0xfffffff0]);
  s.reqProd = 0xfffffff0 + 33;
  s.rspProd = 0;
  assert.deepEqual(new Uint8Array(s.bytes).slice(), before);
  assert.throws(() => b.nextResponseIndex(), { code: 'XEN_RING_FULL' });
  f.reqProdPvt = idxAdd(f.rspCons, 32);
  assert.equal(f.full(), true);
  assert.throws(() => f.nextRequestIndex(), (e: unknown) => e instanceof RingError && e.code === 'XEN_RING_FULL' && e.index === 16);
  assert.equal(f.reqProdPvt, 16);
  assert.deepEqual((new RingError('XEN_RING_FULL', 'x', { index: 1, received: 2n })).toJSON(), { code: 'XEN_RING_FULL', message: 'x', index: 1, received: '2', rule: ruleText('XEN_RING_FULL') });
});

test('every shared write and notification goes through the port, in order', () => {
  const log: string[] = [];
  const wrap = (p: RingPort): RingPort => ({
    get bytes() { return p.bytes; }, get view() { return p.view; }, get shared() { return p.shared; },
    loadIndex32: (o) => p.loadIndex32(o), loadIndex16: (o) => p.loadIndex16(o),
    storeIndex32: (o, v) => { log.push(`idx ${o}=${v}`); p.storeIndex32(o, v); },
    storeIndex16: (o, v) => p.storeIndex16(o, v),
    write: (o, src) => { log.push(`write ${o}+${src.byteLength}`); p.write(o, src); },
    writeU8: (o, v) => p.writeU8(o, v), writeU16: (o, v, le) => p.writeU16(o, v, le),
    writeU32: (o, v, le) => p.writeU32(o, v, le), writeU64: (o, v, le) => p.writeU64(o, v, le),
    fill: (o, n, v) => { log.push(`fill ${o}+${n}`); p.fill(o, n, v); },
    fence: () => { log.push('fence'); p.fence(); },
    notify: (c) => { log.push(`notify ${c}`); p.notify(c); },
  });
  const seen: number[] = [];
  const s = SharedRing.init(new SharedArrayBuffer(4096), ringType('xen_netif_ctrl'), { wrapPort: wrap, onNotify: (c) => seen.push(c) });
  const f = FrontRing.attach(s, 0, { channel: 7 });
  f.encodeRequest(f.nextRequestIndex(), { id: 1, type: 1, data: [0, 0, 0] });
  if (f.pushRequestsAndCheckNotify()) f.notify();
  assert.deepEqual(log, ['idx 8=0', 'idx 0=0', 'idx 12=1', 'idx 4=1', 'fill 16+4', 'fill 20+44', 'write 64+16', 'idx 0=1', 'fence', 'notify 7']);
  assert.deepEqual(seen, [7]);
  const over = SharedRing.overPort(s.port, s.type);
  assert.equal(over.reqProd, 1);
});

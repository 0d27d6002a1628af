/**
 * The blkif record path (BlkifFront.queueRecord / pollRecords, BlkifBack.takeRecords / nextRecord /
 * respondRecord / respondRaw): requests round-trip with every member intact, and every check the object
 * path makes fires on it too, leaving the ring and the shadow table unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SharedRing, FrontRing, BackRing, BlkifFront, BlkifBack, BlkifRecord, BlkifRecordCodec, ringType, RingError,
  BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT,
} from '../../src/xen/index.js';
import { codecFor } from '../../src/codec/codec.js';
import type { AbiName } from '../../protocol/index.js';

const START = 0xfffffffd; // the indices wrap during each test

function pair(abi: AbiName = 'x86_64') {
  const s = SharedRing.init(new ArrayBuffer(4096), ringType('blkif', { abi }));
  s.reqProd = s.rspProd = START;
  return { s, front: new BlkifFront(FrontRing.attach(s, START)), back: new BlkifBack(BackRing.attach(s, START)) };
}

type Done = [number, number, number, number];
function collector(): { got: Done[]; fn: (lo: number, hi: number, op: number, status: number) => void } {
  const got: Done[] = [];
  return { got, fn: (lo, hi, op, status) => { got.push([lo, hi, op, status]); } };
}

const seg = (...triples: number[]) => Uint32Array.from(triples);

for (const abi of ['x86_64', 'x86_32'] as const) {
  test(`blkif ${abi} record path: read, write, barrier and flush round-trip with shadow-table ids`, () => {
    const { front, back } = pair(abi);
    const segs = seg(7, 1, 6, 0xffffffff, 0, 7, 9, 2, 3);
    const ids = [
      front.queueRecord(BLKIF_OP_READ, 0x0201, 2 ** 53 - 1, 3, segs),
      front.queueRecord(BLKIF_OP_WRITE, 0xffff, 64, 2, segs, 3),
      front.queueRecord(BLKIF_OP_WRITE_BARRIER, 0, 5, 0, segs),
      front.queueRecord(BLKIF_OP_FLUSH_DISKCACHE, 3, 0, 0, segs),
    ];
    assert.deepEqual(ids, [0, 1, 2, 3], 'ids are shadow indices, lowest first');
    assert.equal(front.outstanding, 4);
    assert.equal(back.takeRecords(), 0, 'not visible before push');
    front.push();
    assert.equal(back.takeRecords(1), 1);
    const r = new BlkifRecord();
    assert.equal(back.nextRecord(r), true);
    assert.deepEqual([r.index, r.operation, r.handle, r.idLo, r.idHi, r.sectorLo, r.sectorHi, r.nr_segments], [START, BLKIF_OP_READ, 0x0201, 0, 0, 0xffffffff, 0x1fffff, 3]);
    assert.deepEqual([...r.gref.subarray(0, 3)], [7, 0xffffffff, 9]);
    assert.deepEqual([...r.first_sect.subarray(0, 3)], [1, 0, 2]);
    assert.deepEqual([...r.last_sect.subarray(0, 3)], [6, 7, 3]);
    assert.equal(back.nextRecord(r), false, 'the batch held one request');
    back.respondRecord(r, 0);
    assert.equal(back.takeRecords(), 3);
    const seen: number[][] = [];
    while (back.nextRecord(r)) {
      seen.push([r.index, r.operation, r.handle, r.idLo, r.sectorLo, r.nr_segments, ...r.gref.subarray(0, r.nr_segments)]);
      back.respondRaw(r.idLo, r.idHi, r.responseOperation, r.operation === BLKIF_OP_WRITE ? -1 : 0);
    }
    assert.deepEqual(seen, [
      [(START + 1) >>> 0, BLKIF_OP_WRITE, 0xffff, 1, 64, 2, 0xffffffff, 9],
      [(START + 2) >>> 0, BLKIF_OP_WRITE_BARRIER, 0, 2, 5, 0],
      [(START + 3) >>> 0, BLKIF_OP_FLUSH_DISKCACHE, 3, 3, 0, 0],
    ]);
    back.push();
    const c = collector();
    assert.equal(front.pollRecords(c.fn), 4);
    assert.deepEqual(c.got, [[0, 0, BLKIF_OP_READ, 0], [1, 0, BLKIF_OP_WRITE, -1], [2, 0, BLKIF_OP_WRITE_BARRIER, 0], [3, 0, BLKIF_OP_FLUSH_DISKCACHE, 0]]);
    assert.equal(front.outstanding, 0);
    assert.equal(front.ring.rspCons, (START + 4) >>> 0);
    assert.equal(front.queueRecord(BLKIF_OP_READ, 0, 0, 0, segs), 3, 'a freed id is reused (last freed first)');
  });

  test(`blkif ${abi} record path: the backend reads discard and indirect requests into a record and answers indirect with indirect_op`, () => {
    const { front, back } = pair(abi);
    const d = front.queue({ op: 'discard', handle: 4, sector: 0x1_0000_0002n, nrSectors: 0x3_0000_0004n, secure: true });
    const i = front.queue({ op: 'indirect', indirectOp: 'write', sector: 4096n, nrSegments: 600, indirectGrefs: [41, 42, 43], handle: 2 });
    front.push();
    assert.equal(back.takeRecords(), 2);
    const r = new BlkifRecord();
    assert.ok(back.nextRecord(r));
    assert.deepEqual([r.operation, r.handle, r.idLo, r.sectorLo, r.sectorHi, r.nrSectorsLo, r.nrSectorsHi, r.flag, r.nr_segments], [BLKIF_OP_DISCARD, 4, Number(d), 2, 1, 4, 3, 1, 0]);
    assert.equal(r.responseOperation, BLKIF_OP_DISCARD);
    back.respondRecord(r, -2);
    assert.ok(back.nextRecord(r));
    assert.deepEqual([r.operation, r.indirect_op, r.handle, r.idLo, r.sectorLo, r.nr_segments, r.nr_indirect_pages], [BLKIF_OP_INDIRECT, BLKIF_OP_WRITE, 2, Number(i), 4096, 600, 2]);
    assert.deepEqual([...r.indirect_grefs.subarray(0, 2)], [41, 42], 'only the pages 600 segments use (512 per page)');
    assert.equal(r.responseOperation, BLKIF_OP_WRITE, 'Linux blkback make_response echoes indirect_op');
    back.respondRecord(r, 0);
    back.push();
    const done = front.poll();
    assert.deepEqual(done.map((c) => [c.id, c.operation, c.status]), [[d, BLKIF_OP_DISCARD, -2], [i, BLKIF_OP_WRITE, 0]]);
  });
}

test('record path, front: a full ring, too many segments, a wrong shape and out-of-range values are refused, nothing changed', () => {
  const { front } = pair();
  const segs = new Uint32Array(3 * 12).fill(1);
  const before = () => [front.ring.reqProdPvt, front.outstanding];
  const state = before();
  assert.throws(() => front.queueRecord(BLKIF_OP_READ, 0, 0, 12, segs), { code: 'XEN_RING_BAD_RECORD', path: 'nr_segments' });
  assert.throws(() => front.queueRecord(BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 1, segs), { code: 'XEN_RING_BAD_RECORD', path: 'nr_segments' });
  assert.throws(() => front.queueRecord(BLKIF_OP_DISCARD, 0, 0, 0, segs), { code: 'XEN_RING_BAD_RECORD', path: 'blkif_request.operation' });
  assert.throws(() => front.queueRecord(BLKIF_OP_INDIRECT, 0, 0, 0, segs), { code: 'XEN_RING_BAD_RECORD' });
  assert.throws(() => front.queueRecord(BLKIF_OP_READ, 0x10000, 0, 0, segs), { code: 'CODEC_OUT_OF_RANGE', path: 'blkif_request.handle' });
  assert.throws(() => front.queueRecord(BLKIF_OP_READ, 0, 0, 1, seg(1, 256, 7)), { code: 'CODEC_OUT_OF_RANGE', path: 'blkif_request.seg[0].first_sect' });
  assert.throws(() => front.queueRecord(BLKIF_OP_READ, 0, 0, 1, seg(1, 0, 300)), { code: 'CODEC_OUT_OF_RANGE', path: 'blkif_request.seg[0].last_sect' });
  assert.throws(() => front.queueRecord(BLKIF_OP_READ, 0, 0, 2, seg(1, 0, 7)), { code: 'CODEC_OUT_OF_RANGE', path: 'blkif_request.seg' });
  assert.throws(() => front.queueRecord(BLKIF_OP_READ, 0, -8, 0, segs), { code: 'CODEC_OUT_OF_RANGE' });
  assert.throws(() => front.queueRecord(BLKIF_OP_READ, 0, 2 ** 53, 0, segs), { code: 'CODEC_UNSAFE_INTEGER' });
  assert.deepEqual(before(), state, 'no refused request was queued');
  for (let k = 0; k < 32; k++) assert.equal(front.queueRecord(BLKIF_OP_READ, 0, k, 0, segs), k);
  assert.throws(() => front.queueRecord(BLKIF_OP_READ, 0, 0, 0, segs), { code: 'XEN_RING_FULL' });
  assert.throws(() => front.queue({ op: 'flush' }), { code: 'XEN_RING_FULL' });
  assert.equal(front.outstanding, 32);
});

test('record path, front: unknown, repeated and wrongly-answered ids and a bad rsp_prod refuse the whole batch', () => {
  const { s, front, back } = pair();
  const segs = seg(5, 0, 7);
  const a = front.queueRecord(BLKIF_OP_READ, 0, 0, 1, segs);
  const b = front.queueRecord(BLKIF_OP_WRITE, 0, 8, 1, segs);
  front.push();
  assert.equal(back.takeRecords(), 2);
  const cons = front.ring.rspCons;
  const c = collector();
  const refused = (code: string, check?: (e: RingError) => void) => {
    back.push();
    assert.throws(() => front.pollRecords(c.fn), (e: unknown) => { assert.ok(e instanceof RingError); assert.equal(e.code, code); check?.(e); return true; });
    assert.equal(front.ring.rspCons, cons, 'rsp_cons not advanced');
    assert.equal(front.outstanding, 2, 'the shadow table is unchanged');
    assert.equal(c.got.length, 0, 'no completion reported');
    back.ring.rspProdPvt = cons;
  };
  back.respondRaw(a, 0, BLKIF_OP_READ, 0);
  back.respondRaw(99, 0, BLKIF_OP_WRITE, 0); // an id never requested
  refused('XEN_RING_UNKNOWN_RESPONSE_ID', (e) => { assert.equal(e.index, (cons + 1) >>> 0); assert.equal(e.received, 99n); });
  back.respondRaw(b, 1, BLKIF_OP_WRITE, 0); // the right low half, a high half no request has
  refused('XEN_RING_UNKNOWN_RESPONSE_ID', (e) => assert.equal(e.received, (1n << 32n) | BigInt(b)));
  back.respondRaw(a, 0, BLKIF_OP_READ, 0);
  back.respondRaw(a, 0, BLKIF_OP_READ, 0); // answered twice in one batch
  refused('XEN_RING_UNKNOWN_RESPONSE_ID');
  back.respondRaw(b, 0, BLKIF_OP_READ, 0); // a write answered as a read
  refused('XEN_BLKIF_RSP_OPERATION', (e) => { assert.equal(e.path, 'blkif_response.operation'); assert.equal(e.expected, BLKIF_OP_WRITE); assert.equal(e.received, BLKIF_OP_READ); });
  s.rspProd = cons + 40;
  assert.throws(() => front.pollRecords(c.fn), { code: 'XEN_RING_RSP_PROD_OVERFLOW' });
  s.rspProd = cons + 3;
  assert.throws(() => front.pollRecords(c.fn), { code: 'XEN_RING_RSP_PROD_AHEAD' });
  assert.equal(front.outstanding, 2);
  s.rspProd = cons;
  back.respondRaw(b, 0, BLKIF_OP_WRITE, 0);
  back.respondRaw(a, 0, BLKIF_OP_READ, -1);
  back.push();
  assert.equal(front.pollRecords(c.fn), 2);
  assert.deepEqual(c.got, [[b, 0, BLKIF_OP_WRITE, 0], [a, 0, BLKIF_OP_READ, -1]], 'answered out of order, reported in ring order');
  assert.equal(front.outstanding, 0);
  assert.equal(front.pollRecords(c.fn), 0);
});

test('record path, back: req_prod overflow and malformed requests are refused before req_cons moves', () => {
  const { s, back } = pair();
  s.reqProd = START + 33;
  assert.throws(() => back.takeRecords(), { code: 'XEN_RING_REQ_PROD_OVERFLOW' });
  assert.equal(back.ring.reqCons, START);
  s.reqProd = START + 2;
  const bytes = new Uint8Array(112);
  bytes[1] = 1;
  back.ring.writeRequest(START, bytes); // a good read of one segment first: the batch is refused whole
  bytes[0] = 9; // no such BLKIF_OP
  back.ring.writeRequest(START + 1, bytes);
  assert.throws(() => back.takeRecords(), (e: unknown) => e instanceof RingError && e.code === 'XEN_BLKIF_UNKNOWN_OP' && e.index === (START + 1) >>> 0 && e.received === 9);
  bytes[0] = 4; // reserved_1
  back.ring.writeRequest(START + 1, bytes);
  assert.throws(() => back.takeRecords(), { code: 'XEN_BLKIF_UNKNOWN_OP', path: 'blkif_request.operation' });
  bytes[0] = BLKIF_OP_WRITE; bytes[1] = 12; // 12 segments
  back.ring.writeRequest(START + 1, bytes);
  assert.throws(() => back.takeRecords(), { code: 'XEN_BLKIF_TOO_MANY_SEGMENTS', path: 'blkif_request.nr_segments' });
  bytes[1] = 0; // a write of no segments
  back.ring.writeRequest(START + 1, bytes);
  assert.throws(() => back.takeRecords(), { code: 'XEN_BLKIF_NO_SEGMENTS', path: 'blkif_request.nr_segments' });
  bytes[1] = 1; bytes[24 + 4] = 3; bytes[24 + 5] = 1; // seg[0] (at 24 on x86_64): first_sect 3 after last_sect 1
  back.ring.writeRequest(START + 1, bytes);
  assert.throws(() => back.takeRecords(), { code: 'XEN_BLKIF_SECT_ORDER', path: 'blkif_request.seg[0].first_sect' });
  bytes[24 + 4] = 0; bytes[24 + 5] = 9;
  back.ring.writeRequest(START + 1, bytes);
  assert.throws(() => back.takeRecords(), { code: 'XEN_BLKIF_SECT_PAST_PAGE', path: 'blkif_request.seg[0].last_sect' });
  bytes[24 + 5] = 0;
  bytes[0] = BLKIF_OP_INDIRECT; bytes[1] = 4; // indirect with indirect_op 4
  back.ring.writeRequest(START + 1, bytes);
  assert.throws(() => back.takeRecords(), { code: 'XEN_RING_BAD_RECORD', path: 'blkif_request_indirect.indirect_op' });
  assert.equal(back.ring.reqCons, START, 'nothing consumed');
  assert.equal(back.nextRecord(new BlkifRecord()), false, 'a refused batch yields no record');
  assert.throws(() => back.respondRaw(0, 0, BLKIF_OP_READ, 0), { code: 'XEN_RING_FULL' });
  bytes[0] = BLKIF_OP_READ; bytes[1] = 11;
  back.ring.writeRequest(START + 1, bytes);
  for (const max of [0, -1, Number.NaN]) assert.equal(back.takeRecords(max), 0, `takeRecords(${max}) takes none`);
  assert.equal(back.ring.reqCons, START);
  assert.equal(back.takeRecords(1.5), 1, 'a fractional max rounds down');
  assert.equal(back.takeRecords(), 1);
  for (const [lo, hi, op, status] of [[-1, 0, 0, 0], [0, 2 ** 32, 0, 0], [0, 0, 256, 0], [0, 0, 0, 0x8000]] as const) {
    assert.throws(() => back.respondRaw(lo, hi, op, status), { code: 'CODEC_OUT_OF_RANGE' });
  }
  assert.equal(back.ring.rspProdPvt, START, 'a refused response takes no slot');
  back.respondRaw(7, 0xfedcba98, BLKIF_OP_READ, -2); // an id above 2^53
  back.respondRaw(8, 0x1fffff, BLKIF_OP_WRITE, 0); // the largest high half below 2^53
  const rsp = codecFor('blkif_response', { abi: 'x86_64' });
  assert.deepEqual(rsp.decode(back.ring.getResponse(START)), { id: 0xfedcba98_00000007n, operation: BLKIF_OP_READ, status: -2 });
  assert.deepEqual(rsp.decode(back.ring.getResponse(START + 1)), { id: 0x1fffff_00000008n, operation: BLKIF_OP_WRITE, status: 0 });
});

test('record path, back: requests are read from private copies (XSA-155), not from the live slot', () => {
  const { front, back } = pair();
  front.queueRecord(BLKIF_OP_READ, 1, 16, 2, seg(10, 0, 7, 11, 1, 6));
  front.push();
  assert.equal(back.takeRecords(), 1);
  // A hostile frontend rewrites the slot after the backend checked it: 12 segments and other grefs.
  const live = back.ring.getRequest(START);
  live[1] = 12;
  live.fill(0xee, 24);
  const r = new BlkifRecord();
  assert.ok(back.nextRecord(r));
  assert.equal(r.nr_segments, 2, 'the checked copy, not the rewritten slot');
  assert.deepEqual([...r.gref.subarray(0, 2)], [10, 11]);
});

test('record and object paths share the id space and complete each other\'s requests', () => {
  const { front, back } = pair();
  const segs = seg(3, 0, 7);
  assert.equal(front.queue({ op: 'read', id: 0n, sector: 0n, segments: [{ gref: 9, first_sect: 0, last_sect: 7 }] }), 0n);
  assert.equal(front.queue({ op: 'write', id: (1n << 40n) | 5n, sector: 8n, segments: [{ gref: 9, first_sect: 0, last_sect: 7 }] }), (1n << 40n) | 5n);
  const r1 = front.queueRecord(BLKIF_OP_WRITE, 7, 24, 1, segs);
  assert.equal(r1, 1, 'id 0 is taken by an object request');
  assert.throws(() => front.queue({ op: 'read', id: BigInt(r1), sector: 0n, segments: [{ gref: 9, first_sect: 0, last_sect: 7 }] }), { code: 'XEN_RING_DUPLICATE_REQUEST_ID' });
  assert.equal(front.queue({ op: 'flush' }), 2n, 'an automatic object id skips record ids in flight');
  assert.equal(front.outstanding, 4);
  front.push();
  const reqs = back.take();
  assert.deepEqual(reqs.map((q) => q.id), [0n, (1n << 40n) | 5n, 1n, 2n]);
  const cons = front.ring.rspCons;
  // pollRecords: an object-path id answered twice, or with the wrong operation, is refused as well.
  back.respond(reqs[1]!, 0);
  back.respond(reqs[1]!, 0);
  back.push();
  const c = collector();
  assert.throws(() => front.pollRecords(c.fn), { code: 'XEN_RING_UNKNOWN_RESPONSE_ID' });
  back.ring.rspProdPvt = cons;
  back.respond({ id: reqs[1]!.id, op: 'read' }, 0);
  back.push();
  assert.throws(() => front.pollRecords(c.fn), { code: 'XEN_BLKIF_RSP_OPERATION', path: 'blkif_response.operation' });
  assert.equal(front.outstanding, 4);
  back.ring.rspProdPvt = cons;
  back.respond(reqs[1]!, 0);
  back.respond(reqs[2]!, -1);
  back.push();
  assert.equal(front.pollRecords(c.fn), 2);
  assert.deepEqual(c.got, [[5, 0x100, BLKIF_OP_WRITE, 0], [1, 0, BLKIF_OP_WRITE, -1]]);
  // poll(): a record-path request is answered with the request its shadow copy holds.
  const r2 = front.queueRecord(BLKIF_OP_READ, 9, 32, 1, seg(4, 2, 5));
  front.push();
  const more = back.take();
  back.respond(reqs[0]!, 0);
  back.respond(reqs[3]!, 0);
  back.respond({ id: BigInt(r2), op: 'write' }, 0); // wrong operation for a record-path request
  back.push();
  const cons2 = front.ring.rspCons;
  assert.throws(() => front.poll(), { code: 'XEN_BLKIF_RSP_OPERATION', path: 'blkif_response.operation' });
  assert.equal(front.ring.rspCons, cons2);
  back.ring.rspProdPvt = cons2 + 1;
  back.respond({ id: BigInt(r2), op: 'read' }, 0);
  back.respond({ id: BigInt(r2), op: 'read' }, 0); // and twice
  back.push();
  assert.throws(() => front.poll(), { code: 'XEN_RING_UNKNOWN_RESPONSE_ID' });
  assert.equal(front.outstanding, 3, 'the refused batches changed nothing');
  back.ring.rspProdPvt = cons2 + 1;
  back.respond(reqs[3]!, 0);
  back.respond(more[0]!, 0);
  back.push();
  const done = front.poll();
  assert.deepEqual(done.map((d) => d.id), [0n, 2n, BigInt(r2)]);
  assert.deepEqual(done[2]?.request, { op: 'read', id: BigInt(r2), handle: 9, sector: 32n, segments: [{ gref: 4, first_sect: 2, last_sect: 5 }] });
  assert.equal(front.outstanding, 0);
});

for (const abi of ['x86_64', 'x86_32'] as const) {
  test(`BlkifRecordCodec ${abi}: a record in a DataView at an unaligned offset (the DataView path) reads and writes as an aligned one (the typed-array path)`, () => {
    const codec = new BlkifRecordCodec(abi);
    const segs = seg(0x01020304, 1, 6, 0xffffffff, 0, 7, 9, 2, 3);
    const aligned = new DataView(new ArrayBuffer(codec.size));
    const unaligned = new DataView(new ArrayBuffer(codec.size + 2), 2);
    for (const dv of [aligned, unaligned]) codec.encodeRw(dv, 0, BLKIF_OP_WRITE, 0xabcd, 17, 2 ** 40 + 8, 3, segs, 0);
    assert.deepEqual(new Uint8Array(unaligned.buffer, 2), new Uint8Array(aligned.buffer), 'the same bytes');
    const want = codecFor('blkif_request', { abi }).decode(new Uint8Array(aligned.buffer)) as { seg: { gref: number }[] };
    assert.equal(want.seg[1]?.gref, 0xffffffff, 'seg[1].gref where the struct codec reads it');
    const out = [new BlkifRecord(), new BlkifRecord()];
    [aligned, unaligned].forEach((dv, i) => { assert.equal(codec.check(dv, 0, 5), BLKIF_OP_WRITE); codec.decodeInto(dv, 0, 5, out[i]!); });
    for (const r of out) {
      assert.deepEqual([r.operation, r.handle, r.idLo, r.sectorLo, r.sectorHi, r.nr_segments], [BLKIF_OP_WRITE, 0xabcd, 17, 8, 0x100, 3]);
      assert.deepEqual([...r.gref.subarray(0, 3), ...r.first_sect.subarray(0, 3), ...r.last_sect.subarray(0, 3)], [0x01020304, 0xffffffff, 9, 1, 0, 2, 6, 7, 3]);
    }
    const before = new Uint8Array(aligned.buffer).slice();
    for (const dv of [aligned, unaligned]) {
      assert.throws(() => codec.encodeRw(dv, 0, BLKIF_OP_READ, 0, 0, 0, 1, seg(1, 256, 7), 0), { code: 'CODEC_OUT_OF_RANGE', path: 'blkif_request.seg[0].first_sect' });
      assert.throws(() => codec.encodeRw(dv, 0, BLKIF_OP_READ, 0, 0, 0, 2, seg(1, 0, 7, 2, 0, 256), 0), { code: 'CODEC_OUT_OF_RANGE', path: 'blkif_request.seg[1].last_sect' });
      assert.throws(() => codec.encodeRw(dv, 0, BLKIF_OP_READ, 0, 0, 2 ** 53, 1, seg(1, 0, 7), 0), { code: 'CODEC_UNSAFE_INTEGER' });
      assert.throws(() => codec.encodeRw(dv, 0, BLKIF_OP_READ, 0, -1, 0, 1, seg(1, 0, 7), 0), { code: 'CODEC_OUT_OF_RANGE' });
    }
    // A refused encode writes nothing, on either path.
    assert.deepEqual(new Uint8Array(aligned.buffer), before);
    assert.deepEqual(new Uint8Array(unaligned.buffer, 2), before);
  });
}

/**
 * Typed blkif ends in one thread: every request kind round-trips through the ring with its fields intact,
 * responses match by id, and a hostile peer's response or request is refused with the ring unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SharedRing, FrontRing, BackRing, BlkifFront, BlkifBack, ringType, RingError, BLKIF_RSP_OKAY, BLKIF_RSP_EOPNOTSUPP, type BlkifRequest,
  BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_INDIRECT, idxAdd,
} from '../../src/xen/index.js';
import { codecFor } from '../../src/codec/codec.js';
import type { AbiName } from '../../protocol/index.js';

function pair(abi: AbiName = 'x86_64') {
  const s = SharedRing.init(new ArrayBuffer(4096), ringType('blkif', { abi }));
  return { s, front: new BlkifFront(FrontRing.attach(s, 0xfffffffd)), back: new BlkifBack(BackRing.attach(s, 0xfffffffd)) };
}

for (const abi of ['x86_64', 'x86_32'] as const) {
  test(`blkif ${abi}: read, write, barrier, flush, discard and indirect requests round-trip and complete by id`, () => {
    const { s, front, back } = pair(abi);
    s.reqProd = s.rspProd = 0xfffffffd;
    const reqs: BlkifRequest[] = [
      { op: 'read', handle: 0x0201, sector: 0x0807060504030201n, segments: [{ gref: 7, first_sect: 1, last_sect: 6 }, { gref: 8, first_sect: 0, last_sect: 7 }] },
      { op: 'write', id: 1000n, sector: 64n, segments: Array.from({ length: 11 }, (_v, i) => ({ gref: 100 + i, first_sect: 0, last_sect: 7 })) },
      { op: 'write_barrier', sector: 5n, segments: [] },
      { op: 'flush', handle: 3 },
      { op: 'discard', sector: 1024n, nrSectors: 2048n, secure: true },
      { op: 'discard', handle: 9, sector: 1n, nrSectors: 1n },
      { op: 'indirect', indirectOp: 'write', sector: 4096n, nrSegments: 600, indirectGrefs: [41, 42], handle: 2 },
      { op: 'indirect', indirectOp: 'read', sector: 0n, nrSegments: 1, indirectGrefs: [77] },
    ];
    const ids = reqs.map((r) => front.queue(r));
    assert.deepEqual(ids, [0n, 1000n, 1n, 2n, 3n, 4n, 5n, 6n]);
    assert.equal(front.outstanding, 8);
    assert.equal(back.take().length, 0, 'not visible before push');
    assert.equal(front.push(), true, 'req_event 1 lies in (old, new] = (0xfffffffd, 5] once the indices wrap');
    const got = back.take(5);
    got.push(...back.take());
    assert.equal(got.length, 8);
    got.forEach((g, i) => {
      const want = reqs[i] as BlkifRequest & Record<string, unknown>;
      assert.equal(g.id, ids[i]);
      assert.equal(g.index, (0xfffffffd + i) >>> 0);
      for (const [k, v] of Object.entries(want)) if (k !== 'id') assert.deepEqual((g as unknown as Record<string, unknown>)[k], v, `${abi} request ${i}.${k}`);
    });
    for (const g of got) back.respond(g, g.op === 'discard' ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_OKAY);
    back.push();
    const done = front.poll();
    assert.deepEqual(done.map((c) => [c.id, c.status]), ids.map((id, i) => [id, reqs[i]?.op === 'discard' ? -2 : 0]));
    assert.equal(done[0]?.request, reqs[0]);
    assert.equal(front.outstanding, 0);
    assert.equal(front.finalCheck(), 0);
    assert.equal(back.finalCheck(), 0);
  });
}

test('blkif front refuses a duplicate id, a full ring and over-long requests, changing nothing', () => {
  const { front } = pair();
  front.queue({ op: 'read', id: 5n, sector: 0n, segments: [{ gref: 9, first_sect: 0, last_sect: 7 }] });
  assert.throws(() => front.queue({ op: 'read', id: 5n, sector: 0n, segments: [{ gref: 9, first_sect: 0, last_sect: 7 }] }), { code: 'XEN_RING_DUPLICATE_REQUEST_ID' });
  assert.throws(() => front.queue({ op: 'read', sector: 0n, segments: Array.from({ length: 12 }, () => ({ gref: 1, first_sect: 0, last_sect: 7 })) }), { code: 'XEN_RING_BAD_RECORD' });
  assert.throws(() => front.queue({ op: 'indirect', indirectOp: 'read', sector: 0n, nrSegments: 1, indirectGrefs: [1, 2, 3, 4, 5, 6, 7, 8, 9] }), { code: 'XEN_RING_BAD_RECORD' });
  assert.throws(() => front.queue({ op: 'read', sector: 0n, segments: [{ gref: -1, first_sect: 0, last_sect: 7 }] }), { code: 'CODEC_OUT_OF_RANGE' });
  assert.equal(front.outstanding, 1, 'a refused record is not queued');
  for (let i = 1; i < 32; i++) front.queue({ op: 'flush' });
  assert.equal(front.ring.full(), true);
  const prod = front.ring.reqProdPvt;
  assert.throws(() => front.queue({ op: 'flush' }), { code: 'XEN_RING_FULL' });
  assert.equal(front.ring.reqProdPvt, prod);
  assert.equal(front.outstanding, 32);
  assert.throws(() => new BlkifFront(FrontRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('netif_tx')))), { code: 'XEN_RING_UNKNOWN_TYPE' });
  assert.throws(() => new BlkifBack(BackRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('netif_rx')))), { code: 'XEN_RING_UNKNOWN_TYPE' });
});

test('a response whose id was never requested is XEN_RING_UNKNOWN_RESPONSE_ID, and the ring is unchanged', () => {
  const { s, front, back } = pair();
  s.reqProd = s.rspProd = 0xfffffffd;
  const a = front.queue({ op: 'read', sector: 0n, segments: [{ gref: 9, first_sect: 0, last_sect: 7 }] });
  front.queue({ op: 'write', sector: 8n, segments: [{ gref: 9, first_sect: 0, last_sect: 7 }] });
  front.push();
  const [ra, rb] = back.take();
  back.respond(ra as { id: bigint; op: 'read' }, 0);
  back.respond({ id: 99n, op: (rb as { op: 'write' }).op }, 0); // a hostile backend answers id 99
  back.push();
  const cons = front.ring.rspCons;
  const err = (() => { try { front.poll(); } catch (e) { return e; } return undefined; })();
  assert.ok(err instanceof RingError);
  assert.equal(err.code, 'XEN_RING_UNKNOWN_RESPONSE_ID');
  assert.equal(err.index, 0xfffffffe);
  assert.equal(err.received, 99n);
  assert.equal(front.ring.rspCons, cons, 'rsp_cons not advanced');
  assert.equal(front.outstanding, 2, 'id a still outstanding: the batch was refused whole');
  // a duplicate answer for the same id in one batch is refused too
  back.ring.rspProdPvt = cons;
  back.respond({ id: a, op: 'read' }, 0);
  back.respond({ id: a, op: 'read' }, 0);
  back.push();
  assert.throws(() => front.poll(), { code: 'XEN_RING_UNKNOWN_RESPONSE_ID' });
  back.ring.rspProdPvt = cons;
  back.respond({ id: a, op: 'write' }, 0); // wrong operation echoed
  back.ring.pushResponses();
  s.rspProd = cons + 1;
  assert.throws(() => front.poll(), { code: 'XEN_BLKIF_RSP_OPERATION' });
  back.ring.rspProdPvt = cons;
  back.respond({ id: a, op: 'read' }, -3); // no BLKIF_RSP_*
  s.rspProd = cons + 1;
  assert.throws(() => front.poll(), { code: 'XEN_BLKIF_BAD_STATUS', received: -3, index: cons });
  s.rspProd = (cons - 1) >>> 0;
  assert.throws(() => front.poll(), { code: 'XEN_RING_INDEX_BACKWARDS' });
  s.rspProd = cons + 40;
  assert.throws(() => front.poll(), { code: 'XEN_RING_RSP_PROD_OVERFLOW' });
  assert.equal(front.outstanding, 2);
});

test('blkif back refuses req_prod overflow and malformed requests before consuming', () => {
  const { s, back } = pair();
  s.reqProd = 0xfffffffd + 33;
  assert.throws(() => back.take(), { code: 'XEN_RING_REQ_PROD_OVERFLOW' });
  assert.equal(back.ring.reqCons, 0xfffffffd);
  s.reqProd = 0xfffffffd + 2;
  const good = new Uint8Array(112);
  good[1] = 1; // a read of one segment, sectors 0..0
  back.ring.writeRequest(0xfffffffd, good);
  const bytes = new Uint8Array(112);
  bytes[0] = 9; // no such BLKIF_OP
  back.ring.writeRequest(0xfffffffe, bytes);
  assert.throws(() => back.take(), (e: unknown) => e instanceof RingError && e.code === 'XEN_BLKIF_UNKNOWN_OP' && e.index === 0xfffffffe && e.received === 9);
  assert.equal(back.ring.reqCons, 0xfffffffd);
  bytes[0] = 0; bytes[1] = 12; // 12 segments
  back.ring.writeRequest(0xfffffffe, bytes);
  assert.throws(() => back.take(), { code: 'XEN_BLKIF_TOO_MANY_SEGMENTS', path: 'blkif_request.nr_segments' });
  bytes[1] = 0; // a read of no segments
  back.ring.writeRequest(0xfffffffe, bytes);
  assert.throws(() => back.take(), { code: 'XEN_BLKIF_NO_SEGMENTS', path: 'blkif_request.nr_segments', index: 0xfffffffe });
  const segAt = (k: number, first: number, last: number) => {
    const l = codecFor('blkif_request', { abi: 'x86_64' }).layout;
    const seg = l.fields.find((f) => f.name === 'seg')!;
    bytes.fill(0); bytes[1] = k + 1;
    bytes[seg.offset + k * 8 + 4] = first; bytes[seg.offset + k * 8 + 5] = last; // blkif_request_segment: gref, first_sect, last_sect
    back.ring.writeRequest(0xfffffffe, bytes);
  };
  segAt(2, 5, 2);
  assert.throws(() => back.take(), { code: 'XEN_BLKIF_SECT_ORDER', path: 'blkif_request.seg[2].first_sect', received: 5 });
  segAt(0, 0, 8);
  assert.throws(() => back.take(), { code: 'XEN_BLKIF_SECT_PAST_PAGE', path: 'blkif_request.seg[0].last_sect', received: 8 });
  bytes.fill(0);
  bytes[0] = 6; bytes[1] = 4; // indirect with indirect_op 4
  back.ring.writeRequest(0xfffffffe, bytes);
  assert.throws(() => back.take(), { code: 'XEN_RING_BAD_RECORD', path: 'blkif_request_indirect.indirect_op' });
  // What the backend offered bounds indirect requests and discards (blkif.h feature-max-indirect-segments, feature-discard).
  const indirect = codecFor('blkif_request_indirect', { abi: 'x86_64' });
  back.ring.writeRequest(0xfffffffe, indirect.encodeToBytes({ operation: 6, indirect_op: 0, nr_segments: 20, handle: 0, id: 1n, sector_number: 0n, indirect_grefs: [1, 0, 0, 0, 0, 0, 0, 0] }));
  back.features = { maxIndirectSegments: 16, discard: false };
  assert.throws(() => back.take(), { code: 'XEN_BLKIF_INDIRECT_TOO_MANY', received: 20, expected: '<= 16' });
  back.features = { maxIndirectSegments: 32, discard: false };
  assert.equal(back.take().length, 2);
  back.ring.rspProdPvt = back.ring.reqCons = 0xfffffffd;
  bytes.fill(0); bytes[0] = 5; // BLKIF_OP_DISCARD
  back.ring.writeRequest(0xfffffffe, bytes);
  assert.throws(() => back.take(), { code: 'XEN_BLKIF_DISCARD_NOT_OFFERED' });
  back.features = { maxIndirectSegments: 0, discard: true };
  assert.equal(back.take().length, 2);
  back.ring.rspProdPvt = back.ring.reqCons = 0xfffffffd;
  // req_prod moved back behind what was consumed: XEN_RING_INDEX_BACKWARDS, not an overflow.
  back.ring.reqCons = 0xfffffffe;
  s.reqProd = 0xfffffffd;
  assert.throws(() => back.take(), { code: 'XEN_RING_INDEX_BACKWARDS', index: 0xfffffffd });
  back.ring.reqCons = 0xfffffffd;
  assert.throws(() => back.respond({ id: 1n, op: 'read' }, 0), { code: 'XEN_RING_FULL' });
});

for (const abi of ['x86_64', 'x86_32'] as const) {
  test(`blkif ${abi}: an indirect request is answered with its indirect_op, as Linux blkback's make_response writes it`, () => {
    const { s, front, back } = pair(abi);
    s.reqProd = s.rspProd = 0xfffffffd;
    const rd = front.queue({ op: 'indirect', indirectOp: 'read', sector: 0n, nrSegments: 100, indirectGrefs: [5] });
    const wr = front.queue({ op: 'indirect', indirectOp: 'write', sector: 8n, nrSegments: 600, indirectGrefs: [6, 7] });
    front.push();
    // blkback: dispatch_rw_block_io stores indirect_op as pending_req->operation; make_response copies it into
    // blkif_response.operation. Encode those bytes with the blkif_response codec, not with BlkifBack.
    const rsp = codecFor('blkif_response', { abi });
    const ring = BackRing.attach(s, 0xfffffffd);
    const cons = front.ring.rspCons;
    const answer = (id: bigint, operation: number) => {
      const bytes = rsp.encodeToBytes({ id, operation, status: BLKIF_RSP_OKAY });
      assert.equal(bytes[rsp.layout.fields.find((f) => f.name === 'operation')!.offset], operation, 'operation byte as blkback writes it');
      ring.writeResponse(ring.nextResponseIndex(), bytes);
    };
    ring.reqCons = idxAdd(ring.reqCons, 2);
    answer(rd, BLKIF_OP_INDIRECT); // what ringwire used to write: Linux blkfront rejects it
    ring.pushResponses();
    assert.throws(() => front.poll(), (e: unknown) => e instanceof RingError && e.code === 'XEN_BLKIF_RSP_OPERATION'
      && e.path === 'blkif_response.operation' && e.expected === BLKIF_OP_READ && e.received === BLKIF_OP_INDIRECT);
    assert.equal(front.ring.rspCons, cons, 'a refused batch leaves rsp_cons');
    assert.equal(front.outstanding, 2);
    ring.rspProdPvt = cons;
    answer(rd, BLKIF_OP_READ);
    answer(wr, BLKIF_OP_WRITE);
    ring.pushResponses();
    assert.deepEqual(front.poll().map((c) => [c.id, c.operation, c.status]), [[rd, BLKIF_OP_READ, 0], [wr, BLKIF_OP_WRITE, 0]]);
    assert.equal(front.outstanding, 0);

    // BlkifBack.respond writes indirect_op into blkif_response.operation.
    front.queue({ op: 'indirect', indirectOp: 'write', sector: 16n, nrSegments: 20, indirectGrefs: [9] });
    front.push();
    back.ring.rspProdPvt = back.ring.reqCons = ring.reqCons;
    const [got] = back.take();
    assert.equal(got?.op, 'indirect');
    const slot = back.ring.rspProdPvt;
    back.respond(got!, BLKIF_RSP_OKAY);
    const written = rsp.decode(back.ring.getResponse(slot));
    assert.equal(written['operation'], BLKIF_OP_WRITE);
    assert.equal(written['id'], got!.id);
  });
}

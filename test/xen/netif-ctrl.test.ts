/**
 * netif control ring: every XEN_NETIF_CTRL_TYPE_* request round-trips with its data[] words where netif.h's
 * "Control messages" put them, responses come back out of order and match by id, through many times the
 * ring (indices wrapping 2^32), and a hostile response is refused with the ring unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SharedRing, FrontRing, BackRing, NetifCtrlFront, NetifCtrlBack, ringType, RingError, netifCtrlType, xenConstant,
  XEN_NETIF_CTRL_STATUS_SUCCESS, XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED, XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER, XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW,
  XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, XEN_NETIF_CTRL_TYPE_INVALID,
  type NetifCtrlRequest, type NetifCtrlReceivedRequest,
} from '../../src/index.js';

function pair(start = 0) {
  const s = SharedRing.init(new ArrayBuffer(4096), ringType('xen_netif_ctrl'));
  s.reqProd = s.rspProd = start;
  return { s, front: new NetifCtrlFront(FrontRing.attach(s, start)), back: new NetifCtrlBack(BackRing.attach(s, start)) };
}

const snapshot = (s: SharedRing) => s.port.bytes.slice();

/** Every request kind with distinct sentinel words, and the data[] netif.h lays out for it. */
const kinds: Array<[NetifCtrlRequest, string, [number, number, number]]> = [
  [{ op: 'get_hash_flags' }, 'XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS', [0, 0, 0]],
  [{ op: 'set_hash_flags', flags: 0x0000000f }, 'XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS', [0x0f, 0, 0]],
  [{ op: 'set_hash_key', gref: 0x04030201, size: 40 }, 'XEN_NETIF_CTRL_TYPE_SET_HASH_KEY', [0x04030201, 40, 0]],
  [{ op: 'get_hash_mapping_size' }, 'XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE', [0, 0, 0]],
  [{ op: 'set_hash_mapping_size', size: 128 }, 'XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE', [128, 0, 0]],
  [{ op: 'set_hash_mapping', gref: 0x14131211, size: 64, offset: 0x24232221 }, 'XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING', [0x14131211, 64, 0x24232221]],
  [{ op: 'set_hash_algorithm', algorithm: XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ }, 'XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM', [1, 0, 0]],
  [{ op: 'get_gref_mapping_size' }, 'XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE', [0, 0, 0]],
  [{ op: 'add_gref_mapping', queue: 3, gref: 0x34333231, size: 512 }, 'XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING', [3, 0x34333231, 512]],
  [{ op: 'del_gref_mapping', gref: 0xfffffffe, size: 1 }, 'XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING', [0, 0xfffffffe, 1]],
];

test('netif ctrl: each request type is laid out as netif.h "Control messages" says', () => {
  const { front, back } = pair(0xfffffffb);
  kinds.forEach(([r, typeName, data], i) => {
    const id = front.queue(r);
    assert.equal(id, i);
    const type = xenConstant(typeName);
    assert.equal(netifCtrlType(r), type);
    const slot = front.ring.getRequest(0xfffffffb + i);
    const dv = new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
    assert.deepEqual([dv.getUint16(0, true), dv.getUint16(2, true), dv.getUint32(4, true), dv.getUint32(8, true), dv.getUint32(12, true)], [i, type, ...data], typeName);
  });
  front.push();
  const got = back.take();
  got.forEach((g, i) => {
    const [r, typeName, data] = kinds[i] as (typeof kinds)[0];
    assert.equal(g.op, r.op);
    assert.equal(g.type, xenConstant(typeName));
    assert.deepEqual(g.data, data);
    assert.equal(g.index, (0xfffffffb + i) >>> 0);
    for (const [k, v] of Object.entries(r)) assert.equal((g as unknown as Record<string, unknown>)[k], v, `${typeName}.${k}`);
  });
  assert.equal((got[7] as NetifCtrlReceivedRequest & { queue: number }).queue, 0, 'queue index defaults to 0');
});

for (const start of [0, 0xfffffff0]) {
  test(`netif ctrl from index ${start.toString(16)}: out-of-order answers match by id through 6x the ring`, () => {
    const { s, front, back } = pair(start);
    let moved = 0;
    let k = 0;
    while (moved < 6 * s.nrEnts) {
      const sent = new Map<number, NetifCtrlRequest>();
      for (let i = 0; i < 50; i++) { const r = (kinds[k++ % kinds.length] as (typeof kinds)[0])[0]; sent.set(front.queue(r), r); }
      front.push();
      const got = back.take();
      assert.equal(got.length, 50);
      const statuses = [XEN_NETIF_CTRL_STATUS_SUCCESS, XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED, XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER, XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW];
      for (let i = got.length - 1; i >= 0; i--) { const g = got[i] as NetifCtrlReceivedRequest; back.respond(g, statuses[g.id % 4] as number, g.id * 3); }
      back.push();
      const done = front.poll();
      assert.equal(done.length, 50);
      assert.deepEqual(done.map((c) => c.id), got.map((g) => g.id).reverse());
      for (const c of done) {
        assert.equal(c.request, sent.get(c.id));
        assert.equal(c.status, statuses[c.id % 4]);
        assert.equal(c.data, c.id * 3);
      }
      assert.equal(front.outstanding, 0);
      moved += 50;
    }
    assert.equal(front.finalCheck(), 0);
    assert.equal(back.finalCheck(), 0);
  });
}

test('netif ctrl back: a type netif.h does not define arrives as op "unknown" to be answered NOT_SUPPORTED', () => {
  const { s, back } = pair();
  const fr = FrontRing.attach(s);
  for (const type of [XEN_NETIF_CTRL_TYPE_INVALID, 11, 0xffff]) fr.encodeRequest(fr.nextRequestIndex(), { id: type, type, data: [1, 2, 3] });
  fr.pushRequests();
  const got = back.take(2);
  assert.deepEqual(got.map((g) => [g.op, g.type, g.data]), [['unknown', 0, [1, 2, 3]], ['unknown', 11, [1, 2, 3]]]);
  for (const g of got) back.respond(g, XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED);
  assert.equal(back.take().length, 1);
  assert.deepEqual(fr.readResponse(1), { id: 11, type: 11, status: XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED, data: 0 });
  s.reqProd = 200;
  assert.throws(() => back.take(), { code: 'XEN_RING_REQ_PROD_OVERFLOW' });
  assert.equal(back.ring.reqCons, 3);
});

test('netif ctrl front: unknown or repeated id, a wrong type echo and an unknown status are refused whole', () => {
  const { s, front, back } = pair(0xfffffffe);
  const a = front.queue({ op: 'get_hash_flags' });
  const b = front.queue({ op: 'set_hash_flags', flags: 1 });
  front.push();
  const [ra, rb] = back.take() as [NetifCtrlReceivedRequest, NetifCtrlReceivedRequest];
  const cons = front.ring.rspCons;
  const attempt = (write: () => void, want: Record<string, unknown>) => {
    back.ring.rspProdPvt = cons;
    write();
    back.ring.pushResponses();
    const before = snapshot(s);
    const err = (() => { try { front.poll(); } catch (e) { return e; } return undefined; })();
    assert.ok(err instanceof RingError, String(want['code']));
    for (const [k, v] of Object.entries(want)) assert.deepEqual((err as unknown as Record<string, unknown>)[k], v, `${String(want['code'])} ${k}`);
    assert.equal(front.ring.rspCons, cons);
    assert.equal(front.outstanding, 2);
    assert.deepEqual(snapshot(s), before);
  };
  attempt(() => { back.respond(ra, 0); back.respond({ id: 9, type: rb.type }, 0); }, { code: 'XEN_RING_UNKNOWN_RESPONSE_ID', index: 0xffffffff, received: 9, path: 'xen_netif_ctrl_response.id' });
  attempt(() => { back.respond(ra, 0); back.respond(ra, 0); }, { code: 'XEN_RING_UNKNOWN_RESPONSE_ID', received: a });
  attempt(() => { back.respond(ra, 0); back.respond({ id: b, type: ra.type }, 0); }, { code: 'XEN_RING_BAD_RECORD', path: 'xen_netif_ctrl_response.type', received: ra.type, expected: rb.type });
  attempt(() => { back.respond(rb, 4); }, { code: 'XEN_NETIF_CTRL_BAD_STATUS', path: 'xen_netif_ctrl_response.status', received: 4 });
  s.rspProd = (cons + 3) >>> 0;
  assert.throws(() => front.poll(), { code: 'XEN_RING_RSP_PROD_AHEAD' });
  back.ring.rspProdPvt = cons;
  back.respond(rb, XEN_NETIF_CTRL_STATUS_SUCCESS);
  back.respond(ra, XEN_NETIF_CTRL_STATUS_SUCCESS, 0x0f);
  back.push();
  assert.deepEqual(front.poll().map((c) => [c.id, c.status, c.data]), [[b, 0, 0], [a, 0, 0x0f]]);
});

test('netif ctrl front: refuses an unknown op, an out-of-range word and a full ring, changing nothing', () => {
  const { s, front } = pair();
  assert.throws(() => front.queue({ op: 'reboot' } as unknown as NetifCtrlRequest), { code: 'XEN_RING_BAD_RECORD', path: 'op' });
  assert.throws(() => front.queue({ op: 'set_hash_flags', flags: 2 ** 32 }), { code: 'CODEC_OUT_OF_RANGE' });
  assert.equal(front.ring.reqProdPvt, 0);
  for (let i = 0; i < s.nrEnts; i++) front.queue({ op: 'get_hash_flags' });
  const before = snapshot(s);
  assert.throws(() => front.queue({ op: 'get_hash_flags' }), { code: 'XEN_RING_FULL' });
  assert.equal(front.outstanding, s.nrEnts);
  assert.deepEqual(snapshot(s), before);
  assert.throws(() => new NetifCtrlFront(FrontRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('netif_tx')))), { code: 'XEN_RING_UNKNOWN_TYPE' });
  assert.throws(() => new NetifCtrlBack(BackRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('blkif')))), { code: 'XEN_RING_UNKNOWN_TYPE' });
});

test('netif ctrl front: ids are uint16, wrap at 2^16 and skip one still in flight', () => {
  const { front, back } = pair(0xffffff00);
  assert.equal(front.queue({ op: 'get_hash_mapping_size' }), 0); // never answered
  let last = -1;
  for (let i = 0; i < 0x10000; i++) { // ids 1..0xffff, then one more
    last = front.queue({ op: 'get_hash_flags' });
    front.push();
    for (const g of back.take()) if (g.id !== 0) back.respond(g, 0);
    back.push();
    assert.equal(front.poll().length, 1);
  }
  assert.equal(last, 1, 'after 0xffff comes 1: id 0 is still outstanding');
  assert.equal(front.outstanding, 1);
});

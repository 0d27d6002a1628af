/**
 * netif rx ends: the frontend posts buffers, the backend fills them with multi-slot packets (GSO / hash
 * extras in the slots right after fragment 1, each response in its request's slot), the frontend assembles
 * them; through many times the ring (indices wrapping 2^32), and every hostile response refused with the
 * ring unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SharedRing, FrontRing, BackRing, NetifRxFront, NetifRxBack, ringType, RingError,
  NETIF_RSP_OKAY, NETIF_RSP_ERROR, NETIF_RSP_DROPPED, NETRXF_more_data, NETRXF_extra_info, NETRXF_data_validated, NETRXF_gso_prefix,
  XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_FLAG_MORE, XEN_NETIF_GSO_TYPE_TCPV6,
  type NetifRxDelivery, type NetifExtras, type NetifRxBuffer,
} from '../../src/index.js';

function pair(start = 0) {
  const s = SharedRing.init(new ArrayBuffer(4096), ringType('netif_rx'));
  s.reqProd = s.rspProd = start;
  return { s, front: new NetifRxFront(FrontRing.attach(s, start)), back: new NetifRxBack(BackRing.attach(s, start)) };
}

const snapshot = (s: SharedRing) => s.port.bytes.slice();

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
}

function randomDelivery(r: (n: number) => number): NetifRxDelivery {
  const n = 1 + (r(5) === 0 ? r(18) : r(3));
  const fragments = Array.from({ length: n }, () => { const offset = r(256); return { offset, size: r(4096 - offset + 1) }; });
  const extras: { -readonly [K in keyof NetifExtras]: NetifExtras[K] } = {};
  if (r(2) === 0) extras.gso = { size: 1 + r(9000), type: XEN_NETIF_GSO_TYPE_TCPV6, features: 0 };
  if (r(3) === 0) extras.hash = { type: r(4), algorithm: 1, value: (r(0x10000) * 0x10000 + r(0x10000)) >>> 0 };
  return { fragments, dataValidated: r(2) === 0, csumBlank: r(2) === 0, ...(Object.keys(extras).length > 0 ? { extras } : {}) };
}

for (const start of [0, 0xfffffff0]) {
  test(`netif_rx from index ${start.toString(16)}: packets with extras round-trip through 8x the ring`, () => {
    const seed = 0x0a11ce + start;
    const r = rng(seed);
    const { s, front, back } = pair(start);
    const grefOf = new Map<number, number>(); // id -> gref of the buffer posted under it
    let nextGref = 0x1000;
    const post = () => { const g = nextGref++; grefOf.set(front.post(g), g); };
    for (let i = 0; i < s.nrEnts; i++) post();
    assert.equal(front.posted, s.nrEnts);
    assert.equal(front.push(), true);
    let slotsMoved = 0;
    let round = 0;
    while (slotsMoved < 8 * s.nrEnts) {
      round++;
      const sent: NetifRxDelivery[] = [];
      for (;;) {
        const d = randomDelivery(r);
        const need = d.fragments.length + Object.keys(d.extras ?? {}).length;
        if (back.buffersAvailable() < need) break;
        const w = back.deliver(d);
        assert.equal(w.slots, need);
        assert.deepEqual(w.fragments.map((f) => f.gref), w.fragments.map((f) => grefOf.get(f.id)), `seed ${seed}: delivered into the posted grefs`);
        sent.push(d);
        slotsMoved += need;
      }
      back.push();
      const got = [...front.poll(2), ...front.poll()];
      assert.equal(got.length, sent.length, `seed ${seed} round ${round}`);
      got.forEach((p, i) => {
        const d = sent[i] as NetifRxDelivery;
        const msg = `seed ${seed} round ${round} packet ${i}`;
        assert.deepEqual(p.fragments.map((f) => ({ offset: f.offset, size: f.size })), d.fragments, msg);
        assert.deepEqual(p.fragments.map((f) => f.gref), p.fragments.map((f) => grefOf.get(f.id)), msg);
        assert.equal(p.size, d.fragments.reduce((a, f) => a + f.size, 0), msg);
        assert.equal(p.status, NETIF_RSP_OKAY);
        assert.equal(p.dataValidated, d.dataValidated, msg);
        assert.equal(p.csumBlank, d.csumBlank, msg);
        assert.deepEqual(p.extras, d.extras ?? {}, msg);
        assert.equal(p.released.length, Object.keys(d.extras ?? {}).length, msg);
        assert.equal(p.slots, p.fragments.length + p.released.length, msg);
      });
      assert.equal(front.posted, back.buffersAvailable());
      // Re-post as many buffers as came back (data and extra slots alike).
      while (!front.ring.full()) post();
      front.push();
    }
    assert.ok(round >= 8, `seed ${seed}: ${round} rounds`);
    assert.equal(front.finalCheck(), 0);
    assert.equal(back.finalCheck(), s.nrEnts, 'every buffer re-posted and unconsumed');
  });
}

test('netif_rx wire bytes: ids are slot numbers; responses and extras land in their requests\' slots', () => {
  const { s, front, back } = pair(0xfffffffe);
  assert.deepEqual([0x04030201, 0x14131211, 0x24232221, 0x34333231].map((g) => front.post(g)), [254, 255, 0, 1]);
  assert.deepEqual([...front.ring.getRequest(0xffffffff)], [255, 0, 0, 0, 0x11, 0x12, 0x13, 0x14]);
  front.push();
  const w = back.deliver({ fragments: [{ offset: 0x0102, size: 0x0304 }, { size: 7 }], dataValidated: true, extras: { gso: { size: 1448, type: XEN_NETIF_GSO_TYPE_TCPV6, features: 0 }, hash: { type: 3, algorithm: 1, value: 0xdeadbeef } } });
  assert.deepEqual(w.fragments.map((f) => [f.id, f.gref, f.offset, f.size]), [[254, 0x04030201, 0x0102, 0x0304], [1, 0x34333231, 0, 7]]);
  assert.deepEqual(w.released, [{ id: 255, gref: 0x14131211 }, { id: 0, gref: 0x24232221 }]);
  const slot = (i: number) => [...back.ring.getResponse(0xfffffffe + i)];
  assert.deepEqual(slot(0), [254, 0, 0x02, 0x01, NETRXF_data_validated | NETRXF_extra_info | NETRXF_more_data, 0, 0x04, 0x03]);
  assert.deepEqual(slot(1), [XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE, 1448 & 0xff, 1448 >> 8, XEN_NETIF_GSO_TYPE_TCPV6, 0, 0, 0]);
  assert.deepEqual(slot(2), [XEN_NETIF_EXTRA_TYPE_HASH, 0, 3, 1, 0xef, 0xbe, 0xad, 0xde]);
  assert.deepEqual(slot(3), [1, 0, 0, 0, 0, 0, 7, 0]);
  assert.equal(back.push(), true);
  assert.equal(s.rspProd, 2);
  const [p] = front.poll();
  assert.equal(p?.index, 0xfffffffe);
  assert.equal(p?.size, 0x0304 + 7);
  assert.deepEqual(p?.extras, { gso: { size: 1448, type: XEN_NETIF_GSO_TYPE_TCPV6, features: 0 }, hash: { type: 3, algorithm: 1, value: 0xdeadbeef } });
  assert.equal(front.posted, 0);
});

/** Hostile backend: raw responses written by the back ring. */
function rawRsp(back: NetifRxBack, idx: number, v: { id: number; offset?: number; flags?: number; status: number }) {
  back.ring.encodeResponse(idx, { offset: 0, flags: 0, ...v });
}

function rejects(front: NetifRxFront, s: SharedRing, want: Record<string, unknown>) {
  const before = snapshot(s);
  const cons = front.ring.rspCons;
  const posted = front.posted;
  const err = (() => { try { front.poll(); } catch (e) { return e; } return undefined; })();
  assert.ok(err instanceof RingError, `expected ${String(want['code'])}`);
  for (const [k, v] of Object.entries(want)) assert.deepEqual((err as unknown as Record<string, unknown>)[k], v, k);
  assert.equal(front.ring.rspCons, cons, 'rsp_cons unchanged');
  assert.equal(front.posted, posted, 'posted buffers unchanged');
  assert.deepEqual(snapshot(s), before, 'ring bytes unchanged');
}

test('netif_rx front: a response for a buffer not posted in its slot is XEN_RING_UNKNOWN_RESPONSE_ID', () => {
  const { s, front, back } = pair(0xfffffffe);
  for (let i = 0; i < 4; i++) front.post(100 + i);
  front.push();
  rawRsp(back, 0xfffffffe, { id: 254, status: 10 });
  rawRsp(back, 0xffffffff, { id: 77, status: 10 }); // slot 255's buffer is id 255
  s.rspProd = 0;
  rejects(front, s, { code: 'XEN_RING_UNKNOWN_RESPONSE_ID', index: 0xffffffff, received: 77, expected: 255, path: 'netif_rx_response.id' });
  rawRsp(back, 0xffffffff, { id: 0, status: 10 }); // the id of another posted buffer, answered in the wrong slot
  rejects(front, s, { code: 'XEN_RING_UNKNOWN_RESPONSE_ID', received: 0 });
  s.rspProd = 3;
  rejects(front, s, { code: 'XEN_RING_RSP_PROD_AHEAD' });
  // Fixed, the same instance takes both.
  rawRsp(back, 0xffffffff, { id: 255, status: NETIF_RSP_DROPPED });
  s.rspProd = 0;
  const got = front.poll();
  assert.deepEqual(got.map((p) => [p.status, p.size, p.fragments[0]?.gref]), [[NETIF_RSP_OKAY, 10, 100], [NETIF_RSP_DROPPED, 0, 101]]);
});

test('netif_rx front: bad statuses, a page overrun and too many slots are XEN_RING_BAD_RECORD, bad extras their own rules', () => {
  const { s, front, back } = pair(0xfffffff0);
  for (let i = 0; i < 40; i++) front.post(i);
  front.push();
  const base = 0xfffffff0;
  const at = (k: number) => (base + k) >>> 0;
  const id = (k: number) => at(k) & 255;
  rawRsp(back, at(0), { id: id(0), status: -3 });
  s.rspProd = at(1);
  rejects(front, s, { code: 'XEN_RING_BAD_RECORD', path: 'netif_rx_response.status', index: at(0), received: -3 });
  rawRsp(back, at(0), { id: id(0), offset: 4000, status: 97 });
  rejects(front, s, { code: 'XEN_RING_BAD_RECORD', path: 'netif_rx_response.status', index: at(0), received: 4097 });
  // 19 data slots
  for (let k = 0; k < 19; k++) rawRsp(back, at(k), { id: id(k), flags: NETRXF_more_data, status: 1 });
  s.rspProd = at(19);
  rejects(front, s, { code: 'XEN_RING_BAD_RECORD', path: 'netif_rx_response.flags', index: at(17), received: 19 });
  // unknown and duplicate extra types
  rawRsp(back, at(0), { id: id(0), flags: NETRXF_extra_info, status: 1 });
  back.ring.writeResponse(at(1), new Uint8Array([XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE, 0, 0, 0, 0, 0, 0]));
  back.ring.writeResponse(at(2), new Uint8Array([7, 0, 0, 0, 0, 0, 0, 0]));
  s.rspProd = at(3);
  rejects(front, s, { code: 'XEN_NETIF_EXTRA_BAD_TYPE', path: 'netif_extra_info.type', index: at(2), received: 7 });
  back.ring.writeResponse(at(2), new Uint8Array([XEN_NETIF_EXTRA_TYPE_GSO, 0, 0, 0, 0, 0, 0, 0]));
  rejects(front, s, { code: 'XEN_NETIF_EXTRA_REPEATED', path: 'netif_extra_info.type', index: at(2), received: XEN_NETIF_EXTRA_TYPE_GSO });
  // incomplete chains wait (extra chain, then data chain)
  back.ring.writeResponse(at(2), new Uint8Array([XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_FLAG_MORE, 0, 0, 0, 0, 0, 0]));
  assert.deepEqual(front.poll(), []);
  back.ring.writeResponse(at(2), new Uint8Array([XEN_NETIF_EXTRA_TYPE_HASH, 0, 0, 0, 0, 0, 0, 0]));
  rawRsp(back, at(0), { id: id(0), flags: NETRXF_extra_info | NETRXF_more_data | NETRXF_gso_prefix, status: 1 });
  assert.deepEqual(front.poll(), [], 'fragment 2 not yet published');
  assert.equal(front.ring.rspCons, base);
  rawRsp(back, at(3), { id: id(3), status: NETIF_RSP_ERROR });
  s.rspProd = at(4);
  const [p] = front.poll();
  assert.deepEqual([p?.slots, p?.status, p?.gsoPrefix, p?.released.map((b: NetifRxBuffer) => b.gref)], [4, NETIF_RSP_ERROR, true, [1, 2]]);
  assert.equal(front.posted, 36);
});

test('netif_rx back: refuses a packet it has no buffers for, or whose fragments do not fit, changing nothing', () => {
  const { s, front, back } = pair();
  front.post(1);
  front.post(2);
  front.push();
  const before = snapshot(s);
  const cases: Array<[NetifRxDelivery, string, string?]> = [
    [{ fragments: [{ size: 1 }, { size: 1 }, { size: 1 }] }, 'XEN_RING_FULL'],
    [{ fragments: [{ size: 1 }, { size: 1 }], extras: { gso: { size: 1, type: 1, features: 0 } } }, 'XEN_RING_FULL'],
    [{ fragments: [] }, 'XEN_RING_BAD_RECORD', 'fragments'],
    [{ fragments: Array.from({ length: 19 }, () => ({ size: 0 })) }, 'XEN_RING_BAD_RECORD', 'fragments'],
    [{ fragments: [{ offset: 4095, size: 2 }] }, 'XEN_RING_BAD_RECORD', 'fragments[0]'],
    [{ fragments: [{ size: -1 }] }, 'XEN_RING_BAD_RECORD', 'fragments[0].size'],
    [{ fragments: [{ offset: -1, size: 1 }] }, 'CODEC_OUT_OF_RANGE'],
  ];
  for (const [d, code, path] of cases) assert.throws(() => back.deliver(d), (e: unknown) => (e as { code?: string }).code === code && (path === undefined || (e as { path?: string }).path === path), `${code} ${path ?? ''}`);
  assert.deepEqual(snapshot(s), before);
  assert.deepEqual([back.ring.reqCons, back.ring.rspProdPvt], [0, 0]);
  assert.equal(back.deliver({ fragments: [{ size: 1 }, { size: 2 }] }).slots, 2);
  s.reqProd = 300;
  assert.throws(() => back.buffersAvailable(), { code: 'XEN_RING_REQ_PROD_OVERFLOW' });
  assert.throws(() => front.post(-1), { code: 'CODEC_OUT_OF_RANGE' });
  assert.equal(front.ring.reqProdPvt, 2);
  assert.throws(() => new NetifRxFront(FrontRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('netif_tx')))), { code: 'XEN_RING_UNKNOWN_TYPE' });
  assert.throws(() => new NetifRxBack(BackRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('xen_netif_ctrl')))), { code: 'XEN_RING_UNKNOWN_TYPE' });
  const full = pair();
  for (let i = 0; i < full.s.nrEnts; i++) full.front.post(i);
  assert.throws(() => full.front.post(0), { code: 'XEN_RING_FULL' });
  assert.equal(full.front.posted, full.s.nrEnts);
});

/**
 * netif tx ends: packets of 1..18 data slots with GSO / mcast / hash extra-info slots round-trip through the
 * ring many times its size (indices wrapping 2^32), every slot is answered (extras with NETIF_RSP_NULL),
 * and each malformed packet or response is refused with its code, the ring bytes and indices unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SharedRing, FrontRing, BackRing, NetifTxFront, NetifTxBack, ringType, RingError,
  NETIF_RSP_OKAY, NETIF_RSP_ERROR, NETIF_RSP_DROPPED, NETIF_RSP_NULL, NETTXF_more_data, NETTXF_extra_info, NETTXF_csum_blank,
  XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, XEN_NETIF_EXTRA_FLAG_MORE, XEN_NETIF_GSO_TYPE_TCPV4,
  type NetifTxPacket, type NetifExtras, type NetifTxReceivedPacket,
} from '../../src/index.js';

function pair(start = 0, order = 0) {
  const s = SharedRing.init(new ArrayBuffer(4096 << order), ringType('netif_tx'), { order });
  s.reqProd = s.rspProd = start;
  return { s, front: new NetifTxFront(FrontRing.attach(s, start)), back: new NetifTxBack(BackRing.attach(s, start)) };
}

const snapshot = (s: SharedRing) => s.port.bytes.slice();

/** xorshift32: deterministic packets; the seed is in every assertion message. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
}

function randomPacket(r: (n: number) => number): NetifTxPacket {
  const n = 1 + (r(4) === 0 ? r(18) : r(3));
  // 18 fragments of < 3600 bytes stay under XEN_NETIF_MAX_TX_SIZE
  const fragments = Array.from({ length: n }, () => { const offset = r(2048); return { gref: r(0x7fffffff), offset, size: r(Math.min(4096 - offset, 3600)) }; });
  const extras: { -readonly [K in keyof NetifExtras]: NetifExtras[K] } = {};
  if (r(2) === 0) extras.gso = { size: 1 + r(9000), type: XEN_NETIF_GSO_TYPE_TCPV4, features: r(4) };
  if (r(3) === 0) extras.hash = { type: r(4), algorithm: 1, value: (r(0x10000) * 0x10000 + r(0x10000)) >>> 0 };
  if (r(8) === 0) extras.mcastAdd = [1, 0, 0x5e, r(128), r(256), r(256)];
  if (r(8) === 0) extras.mcastDel = [0x33, 0x33, r(256), r(256), r(256), r(256)];
  return { fragments, csumBlank: r(2) === 0, dataValidated: r(2) === 0, ...(Object.keys(extras).length > 0 ? { extras } : {}) };
}

for (const start of [0, 0xfffffff0]) {
  test(`netif_tx from index ${start.toString(16)}: random packets with extras round-trip through 8x the ring`, () => {
    const seed = 0x5eed0001 + start;
    const r = rng(seed);
    const { s, front, back } = pair(start);
    let slotsMoved = 0;
    let round = 0;
    while (slotsMoved < 8 * s.nrEnts) {
      round++;
      const sent: Array<{ id: number; p: NetifTxPacket }> = [];
      for (;;) {
        const p = randomPacket(r);
        const slots = p.fragments.length + Object.keys(p.extras ?? {}).length;
        if (front.ring.freeRequests() < slots) break;
        sent.push({ id: front.queue(p), p });
        slotsMoved += slots;
      }
      front.push();
      const got: NetifTxReceivedPacket[] = [];
      for (let batch = back.take(3); batch.length > 0; batch = back.take(3)) got.push(...batch);
      assert.equal(got.length, sent.length, `seed ${seed} round ${round}`);
      got.forEach((g, i) => {
        const { id, p } = sent[i] as { id: number; p: NetifTxPacket };
        const msg = `seed ${seed} round ${round} packet ${i}`;
        assert.equal(g.fragments[0]?.id, id, msg);
        assert.deepEqual(g.fragments.map((f) => ({ gref: f.gref, offset: f.offset, size: f.size })), p.fragments, msg);
        assert.equal(g.size, p.fragments.reduce((a, f) => a + f.size, 0), msg);
        assert.equal(g.csumBlank, p.csumBlank, msg);
        assert.equal(g.dataValidated, p.dataValidated, msg);
        assert.deepEqual(g.extras, p.extras ?? {}, msg);
        assert.equal(g.slots, p.fragments.length + Object.keys(p.extras ?? {}).length, msg);
      });
      // Answer in reverse order: the frontend matches by id, not by slot.
      const statusOf = (i: number) => [NETIF_RSP_OKAY, NETIF_RSP_OKAY, NETIF_RSP_ERROR, NETIF_RSP_DROPPED][i % 4] as number;
      for (let i = got.length - 1; i >= 0; i--) back.respond(got[i] as NetifTxReceivedPacket, statusOf(i));
      back.push();
      const done = front.poll();
      assert.equal(done.length, sent.length, `seed ${seed} round ${round}`);
      const byId = new Map(done.map((c) => [c.id, c]));
      sent.forEach(({ id, p }, i) => {
        const c = byId.get(id);
        assert.equal(c?.packet, p);
        assert.equal(c?.status, statusOf(i));
        assert.equal(c?.ids.length, p.fragments.length);
      });
      assert.equal(front.outstanding, 0);
      assert.equal(front.ring.freeRequests(), s.nrEnts);
    }
    assert.ok(round >= 8, `seed ${seed}: ${round} rounds`);
    assert.equal(front.finalCheck(), 0);
    assert.equal(back.finalCheck(), 0);
  });
}

test('netif_tx wire bytes: fragment 1 carries the total and the flags, extras follow it, fragments 2..N after', () => {
  const { s, front, back } = pair(0xfffffffe);
  const id = front.queue({
    fragments: [{ gref: 0x04030201, offset: 0x0605, size: 100 }, { gref: 0x14131211, offset: 0, size: 0x0807 }],
    csumBlank: true,
    extras: { gso: { size: 1448, type: XEN_NETIF_GSO_TYPE_TCPV4, features: 0x0b0a }, hash: { type: 1, algorithm: 1, value: 0x12345678 } },
  });
  assert.equal(id, 0);
  const slot = (i: number) => [...front.ring.getRequest(0xfffffffe + i)];
  const flags = NETTXF_csum_blank | NETTXF_more_data | NETTXF_extra_info;
  const total = 100 + 0x0807;
  assert.deepEqual(slot(0), [1, 2, 3, 4, 5, 6, flags, 0, 0, 0, total & 0xff, total >> 8]);
  assert.deepEqual(slot(1), [XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE, 1448 & 0xff, 1448 >> 8, XEN_NETIF_GSO_TYPE_TCPV4, 0, 0x0a, 0x0b, 0, 0, 0, 0]);
  assert.deepEqual(slot(2), [XEN_NETIF_EXTRA_TYPE_HASH, 0, 1, 1, 0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0]);
  assert.deepEqual(slot(3), [0x11, 0x12, 0x13, 0x14, 0, 0, 0, 0, 1, 0, 0x07, 0x08]);
  assert.equal(front.push(), true);
  const [p] = back.take();
  assert.equal(p?.index, 0xfffffffe);
  assert.equal(p?.slots, 4);
  assert.deepEqual(p?.fragments.map((f) => f.size), [100, 0x0807], 'fragment 1 size = total - fragments 2..N');
  back.respond(p as NetifTxReceivedPacket, NETIF_RSP_OKAY);
  assert.equal(back.push(), true);
  // One response per request slot, extras NETIF_RSP_NULL, in ring order (wrapping past 2^32).
  const rsp = [0, 1, 2, 3].map((i) => front.ring.readResponse(0xfffffffe + i));
  assert.deepEqual(rsp.map((x) => x['status']), [NETIF_RSP_OKAY, NETIF_RSP_NULL, NETIF_RSP_NULL, NETIF_RSP_OKAY]);
  assert.deepEqual([rsp[0]?.['id'], rsp[3]?.['id']], [0, 1]);
  assert.equal(s.rspProd, 2);
  assert.deepEqual(front.poll().map((c) => [c.id, c.ids, c.status]), [[0, [0, 1], NETIF_RSP_OKAY]]);
});

test('netif_tx mcast add / del ride a dummy one-slot packet (netif.h "feature-multicast-control")', () => {
  const { front, back } = pair();
  front.queue({ fragments: [{ gref: 9, offset: 0, size: 0 }], extras: { mcastAdd: [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb] } });
  front.queue({ fragments: [{ gref: 9, offset: 0, size: 0 }], extras: { mcastDel: [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb], mcastAdd: [0x33, 0x33, 0, 0, 0, 1] } });
  front.push();
  const got = back.take();
  assert.deepEqual(got.map((p) => [p.slots, p.size, p.extras]), [
    [2, 0, { mcastAdd: [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb] }],
    [3, 0, { mcastAdd: [0x33, 0x33, 0, 0, 0, 1], mcastDel: [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb] }],
  ]);
  assert.equal(front.ring.getRequest(3)[0], XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 'extras go out in XEN_NETIF_EXTRA_TYPE_* order');
  for (const p of got) back.respond(p, NETIF_RSP_OKAY);
  back.push();
  assert.equal(front.poll().length, 2);
});

/** A raw-slot writer standing in for a hostile or sloppy frontend. */
function raw(front: NetifTxFront) {
  return {
    req(gref: number, offset: number, flags: number, id: number, size: number) {
      front.ring.encodeRequest(front.ring.nextRequestIndex(), { gref, offset, flags, id, size });
    },
    extra(type: number, flags: number) {
      const b = new Uint8Array(12);
      b[0] = type; b[1] = flags; b[2] = 0xaa;
      front.ring.writeRequest(front.ring.nextRequestIndex(), b);
    },
    push() { front.ring.pushRequests(); },
  };
}

function rejects(back: NetifTxBack, s: SharedRing, want: { code: string; path?: string; index?: number; received?: unknown; expected?: unknown }) {
  const before = snapshot(s);
  const cons = back.ring.reqCons;
  const err = (() => { try { back.take(); } catch (e) { return e; } return undefined; })();
  assert.ok(err instanceof RingError, `expected ${want.code}`);
  for (const [k, v] of Object.entries(want)) assert.deepEqual((err as unknown as Record<string, unknown>)[k], v, k);
  assert.equal(back.ring.reqCons, cons, 'req_cons unchanged');
  assert.deepEqual(snapshot(s), before, 'ring bytes unchanged');
}

test('netif_tx back: a more_data chain past req_prod waits; then the whole packet arrives', () => {
  const { s, front, back } = pair(0xfffffff0);
  const w = raw(front);
  w.req(1, 0, NETTXF_more_data | NETTXF_extra_info, 7, 300);
  w.extra(XEN_NETIF_EXTRA_TYPE_GSO, 0);
  w.push();
  assert.deepEqual(back.take(), [], 'incomplete packet: not an error yet');
  assert.equal(back.ring.reqCons, 0xfffffff0);
  w.req(2, 0, NETTXF_more_data, 8, 100);
  w.push();
  assert.deepEqual(back.take(), []);
  w.req(3, 0, 0, 9, 50);
  w.push();
  const [p] = back.take();
  assert.deepEqual(p?.fragments.map((f) => [f.id, f.gref, f.size]), [[7, 1, 150], [8, 2, 100], [9, 3, 50]]);
  assert.equal(back.ring.reqCons, (0xfffffff0 + 4) >>> 0);
  assert.equal(s.reqProd, (0xfffffff0 + 4) >>> 0);
  // An extra chain past req_prod waits too.
  w.req(4, 0, NETTXF_extra_info, 10, 0);
  w.extra(XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE);
  w.push();
  assert.deepEqual(back.take(), []);
});

test('netif_tx back: 18 data slots are accepted, a 19th (XEN_NETIF_NR_SLOTS_MIN) is XEN_NETIF_TOO_MANY_SLOTS', () => {
  const { s, front, back } = pair(0xfffffff8);
  const w = raw(front);
  for (let i = 0; i < 18; i++) w.req(i, 0, i < 17 ? NETTXF_more_data : 0, i, i === 0 ? 17 : 1);
  w.push();
  const [ok] = back.take();
  assert.equal(ok?.fragments.length, 18);
  assert.equal(ok?.fragments[0]?.size, 0);
  const first = front.ring.reqProdPvt;
  for (let i = 0; i < 18; i++) w.req(i, 0, NETTXF_more_data, 100 + i, 0);
  w.push(); // the chain says more even before slot 19 is published: already too long
  rejects(back, s, { code: 'XEN_NETIF_TOO_MANY_SLOTS', path: 'netif_tx_request.flags', index: (first + 17) >>> 0, received: 19 });
});

test('netif_tx back: fragment sizes beyond the first slot total, a page-crossing fragment, bad extras', () => {
  const { s, front, back } = pair(0xfffffffe);
  const w = raw(front);
  w.req(1, 0, NETTXF_more_data, 1, 100);
  w.req(2, 0, NETTXF_more_data, 2, 60);
  w.req(3, 0, 0, 3, 41); // 60 + 41 > 100
  w.push();
  rejects(back, s, { code: 'XEN_NETIF_FIRST_SLOT_SHORT', path: 'netif_tx_request.size', index: 0, received: 41, expected: '<= 40' });
  // The same instance keeps working once the slots are fixed.
  front.ring.encodeRequest(0, { gref: 3, offset: 0, flags: 0, id: 3, size: 40 });
  assert.deepEqual(back.take().map((p) => p.fragments.map((f) => f.size)), [[0, 60, 40]]);

  w.req(1, 4000, 0, 4, 200);
  w.push();
  rejects(back, s, { code: 'XEN_NETIF_CROSSES_PAGE', path: 'netif_tx_request.offset', index: 1, received: 4200 });
  front.ring.encodeRequest(1, { gref: 1, offset: 3896, flags: 0, id: 4, size: 200 });
  assert.equal(back.take().length, 1);

  for (const type of [0, 5, 0xff]) {
    const at = front.ring.reqProdPvt;
    w.req(1, 0, NETTXF_extra_info, 5, 10);
    w.extra(type, 0);
    w.push();
    rejects(back, s, { code: 'XEN_NETIF_EXTRA_BAD_TYPE', path: 'netif_extra_info.type', index: (at + 1) >>> 0, received: type });
    front.ring.reqProdPvt = at;
    s.reqProd = at;
  }
  w.req(1, 0, NETTXF_extra_info, 5, 10);
  w.extra(XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE);
  w.extra(XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_FLAG_MORE);
  w.extra(XEN_NETIF_EXTRA_TYPE_GSO, 0);
  w.push();
  rejects(back, s, { code: 'XEN_NETIF_EXTRA_REPEATED', path: 'netif_extra_info.type', index: 5, received: XEN_NETIF_EXTRA_TYPE_GSO, expected: 'one extra of each type per packet' });
  s.reqProd = (0xfffffffe + 300) >>> 0;
  rejects(back, s, { code: 'XEN_RING_REQ_PROD_OVERFLOW' });
});

test('netif_tx back: take(max) stops after max packets; respond refuses more slots than consumed', () => {
  const { front, back } = pair();
  for (let i = 0; i < 3; i++) front.queue({ fragments: [{ gref: i, offset: 0, size: 1 }, { gref: i, offset: 1, size: 1 }] });
  front.push();
  const [a] = back.take(1);
  assert.equal(back.ring.reqCons, 2);
  assert.throws(() => back.respond({ slots: 4, fragments: [] }, NETIF_RSP_OKAY), { code: 'XEN_RING_FULL' });
  assert.throws(() => back.respond(a as NetifTxReceivedPacket, 0x8000), { code: 'CODEC_OUT_OF_RANGE' });
  assert.equal(back.ring.rspProdPvt, 0, 'nothing written');
  assert.equal(back.take().length, 2);
});

test('netif_tx front: refuses bad packets and a full ring, changing nothing', () => {
  const { s, front } = pair();
  const before = snapshot(s);
  const cases: Array<[NetifTxPacket, string, string?]> = [
    [{ fragments: [] }, 'XEN_RING_BAD_RECORD', 'fragments'],
    [{ fragments: Array.from({ length: 19 }, () => ({ gref: 1, offset: 0, size: 1 })) }, 'XEN_RING_BAD_RECORD', 'fragments'],
    [{ fragments: Array.from({ length: 17 }, () => ({ gref: 1, offset: 0, size: 4000 })) }, 'XEN_RING_BAD_RECORD', 'netif_tx_request.size'],
    [{ fragments: [{ gref: 1, offset: 4000, size: 97 }] }, 'XEN_RING_BAD_RECORD', 'fragments[0]'],
    [{ fragments: [{ gref: 1, offset: 0, size: -1 }, { gref: 1, offset: 0, size: 5 }] }, 'XEN_RING_BAD_RECORD', 'fragments[0].size'],
    [{ fragments: [{ gref: -1, offset: 0, size: 1 }] }, 'CODEC_OUT_OF_RANGE'],
    [{ fragments: [{ gref: 1, offset: 0, size: 1 }, { gref: 2 ** 32, offset: 0, size: 1 }] }, 'CODEC_OUT_OF_RANGE'],
    [{ fragments: [{ gref: 1, offset: 0, size: 1 }], extras: { mcastAdd: [1, 2, 3] } }, 'XEN_RING_BAD_RECORD', 'netif_extra_info.u.mcast.addr'],
    [{ fragments: [{ gref: 1, offset: 0, size: 1 }], extras: { hash: { type: 0, algorithm: 1, value: -1 } } }, 'XEN_RING_BAD_RECORD', 'netif_extra_info.u.hash.value'],
    [{ fragments: [{ gref: 1, offset: 0, size: 1 }], extras: { gso: { size: 0x10000, type: 1, features: 0 } } }, 'CODEC_OUT_OF_RANGE'],
  ];
  for (const [p, code, path] of cases) assert.throws(() => front.queue(p), (e: unknown) => (e as { code?: string }).code === code && (path === undefined || (e as { path?: string }).path === path), `${code} ${path ?? ''}`);
  assert.deepEqual(snapshot(s), before);
  assert.equal(front.ring.reqProdPvt, 0);
  assert.equal(front.outstanding, 0);
  const big = { fragments: Array.from({ length: 16 }, () => ({ gref: 1, offset: 0, size: 1 })) };
  for (let i = 0; i < 16; i++) front.queue(big);
  assert.equal(front.ring.freeRequests(), 0);
  assert.throws(() => front.queue({ fragments: [{ gref: 1, offset: 0, size: 1 }] }), (e: unknown) => e instanceof RingError && e.code === 'XEN_RING_FULL' && e.received === 0);
  assert.equal(front.outstanding, 16);
  assert.throws(() => new NetifTxFront(FrontRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('netif_rx')))), { code: 'XEN_RING_UNKNOWN_TYPE' });
  assert.throws(() => new NetifTxBack(BackRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('blkif')))), { code: 'XEN_RING_UNKNOWN_TYPE' });
});

test('netif_tx front: slot ids are unique among those in flight, skip a held one and wrap at 2^16', () => {
  const { front, back } = pair();
  const two = { fragments: [{ gref: 1, offset: 0, size: 1 }, { gref: 1, offset: 0, size: 1 }] };
  const held = front.queue({ fragments: [{ gref: 1, offset: 0, size: 1 }] }); // id 0, never answered
  front.push();
  const [heldPacket] = back.take();
  let last: number[] = [];
  for (let round = 0; round < 0x8000; round++) {
    front.queue(two);
    front.push();
    const [p] = back.take() as [NetifTxReceivedPacket];
    last = p.fragments.map((f) => f.id);
    back.respond(p, NETIF_RSP_OKAY);
    back.push();
    assert.equal(front.poll().length, 1);
  }
  assert.equal(held, 0);
  assert.deepEqual(last, [0xffff, 1], 'after 0xffff the id wraps past 0, which is still in flight');
  assert.equal(front.outstanding, 1);
  back.respond(heldPacket as NetifTxReceivedPacket, NETIF_RSP_OKAY);
  back.push();
  assert.deepEqual(front.poll().map((c) => c.id), [0]);
});

test('netif_tx front poll: unknown id, duplicate id, bad status and a stray NETIF_RSP_NULL are refused whole', () => {
  const { s, front, back } = pair(0xfffffffd);
  const a = front.queue({ fragments: [{ gref: 1, offset: 0, size: 10 }], extras: { gso: { size: 1448, type: 1, features: 0 } } });
  front.queue({ fragments: [{ gref: 2, offset: 0, size: 10 }] });
  front.push();
  const [pa, pb] = back.take() as [NetifTxReceivedPacket, NetifTxReceivedPacket];
  const cons = front.ring.rspCons;
  const attempt = (write: () => void, want: { code: string; path?: string; index?: number; received?: unknown }) => {
    back.ring.rspProdPvt = cons;
    write();
    back.ring.pushResponses();
    const err = (() => { try { front.poll(); } catch (e) { return e; } return undefined; })();
    assert.ok(err instanceof RingError, want.code);
    for (const [k, v] of Object.entries(want)) assert.deepEqual((err as unknown as Record<string, unknown>)[k], v, `${want.code} ${k}`);
    assert.equal(front.ring.rspCons, cons);
    assert.equal(front.outstanding, 2);
  };
  attempt(() => { back.respond(pa, NETIF_RSP_OKAY); back.respond({ slots: 1, fragments: [{ ...pb.fragments[0], id: 77 } as NetifTxReceivedPacket['fragments'][0]] }, NETIF_RSP_OKAY); },
    { code: 'XEN_RING_UNKNOWN_RESPONSE_ID', path: 'netif_tx_response.id', index: 0xffffffff, received: 77 });
  attempt(() => { back.respond(pa, NETIF_RSP_OKAY); back.respond({ slots: 1, fragments: pa.fragments }, NETIF_RSP_OKAY); },
    { code: 'XEN_RING_UNKNOWN_RESPONSE_ID', received: a });
  attempt(() => { back.respond(pa, NETIF_RSP_OKAY); back.respond(pb, 5); }, { code: 'XEN_RING_BAD_RECORD', path: 'netif_tx_response.status', received: 5 });
  attempt(() => { back.respond(pa, NETIF_RSP_OKAY); back.respond({ slots: 1, fragments: [{ ...pb.fragments[0], id: 0 } as NetifTxReceivedPacket['fragments'][0]] }, NETIF_RSP_NULL); },
    { code: 'XEN_RING_BAD_RECORD', path: 'netif_tx_response.status', received: NETIF_RSP_NULL, index: 0xffffffff });
  s.rspProd = (cons + 300) >>> 0;
  assert.throws(() => front.poll(), { code: 'XEN_RING_RSP_PROD_OVERFLOW' });
  // A good batch still completes on the same instance; a packet completes only when all its data slots do.
  back.ring.rspProdPvt = cons;
  back.respond(pb, NETIF_RSP_DROPPED);
  back.push();
  assert.deepEqual(front.poll().map((c) => [c.id, c.status]), [[pb.fragments[0]?.id, NETIF_RSP_DROPPED]]);
  back.respond(pa, NETIF_RSP_OKAY);
  back.push();
  assert.deepEqual(front.poll().map((c) => [c.id, c.status]), [[a, NETIF_RSP_OKAY]]);
  assert.equal(front.outstanding, 0);
});

test('netif_tx front: a packet answered slot by slot completes with its first non-OKAY status', () => {
  const { front, back } = pair();
  const id = front.queue({ fragments: [{ gref: 1, offset: 0, size: 3 }, { gref: 2, offset: 0, size: 2 }, { gref: 3, offset: 0, size: 1 }] });
  front.push();
  const [p] = back.take() as [NetifTxReceivedPacket];
  const one = (i: number, status: number) => back.respond({ slots: 1, fragments: [p.fragments[i] as NetifTxReceivedPacket['fragments'][0]] }, status);
  one(2, NETIF_RSP_ERROR);
  back.push();
  assert.deepEqual(front.poll(), []);
  one(0, NETIF_RSP_OKAY);
  one(1, NETIF_RSP_DROPPED);
  back.push();
  const [c] = front.poll();
  assert.equal(c?.id, id);
  assert.deepEqual(c?.statuses, [NETIF_RSP_OKAY, NETIF_RSP_DROPPED, NETIF_RSP_ERROR]);
  assert.equal(c?.status, NETIF_RSP_DROPPED);
});

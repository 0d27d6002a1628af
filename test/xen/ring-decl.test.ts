/**
 * One description per ring: ring names, the CLI's ring list, request variants and the typed ends come from
 * the declarations in protocol/xen; the typed ends keep their bookkeeping out of a caller's reach.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { protocol, LayoutError, codecFor } from '../../src/index.js';
import {
  xenRingNames, ringType, SharedRing, FrontRing, BackRing, BlkifFront, BlkifBack, NetifTxFront, NetifTxBack, NetifRxFront, NetifRxBack,
  NetifCtrlFront, NetifCtrlBack, BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT, BLKIF_OP_READ,
} from '../../src/xen/index.js';
import { compileRingRecords } from '../../src/xen/ring-records.js';

test('ring names are the declared rings, in declaration order', () => {
  assert.deepEqual(xenRingNames, protocol.xenRingTypes.map((t) => t.name));
  for (const name of xenRingNames) assert.equal(ringType(name).decl.name, name);
});

for (const abi of ['x86_64', 'x86_32'] as const) {
  test(`blkif ${abi}: the declaration picks each request's struct by operation, with the same operation offset in each`, () => {
    const r = ringType('blkif', { abi }).records;
    const slot = new Uint8Array(ringType('blkif', { abi }).entrySize);
    const dv = new DataView(slot.buffer);
    const structOf = (op: number) => { slot[0] = op; return r.variantOf(dv, 0)?.codec.layout.name; };
    assert.equal(structOf(BLKIF_OP_READ), 'blkif_request');
    assert.equal(structOf(BLKIF_OP_DISCARD), 'blkif_request_discard');
    assert.equal(structOf(BLKIF_OP_INDIRECT), 'blkif_request_indirect');
    assert.equal(structOf(9), undefined);
    assert.equal(r.unnamed, 'violation');
    assert.equal(r.variantByOp('write')?.segments?.max, 11);
    assert.equal(r.variantByOp('discard')?.segments, undefined);
  });
}

test('netif rings: extra-info slots are declared per side; the ctrl ring declares data[] words per type', () => {
  assert.equal(ringType('netif_tx').records.requestExtras?.codec.layout.name, 'netif_extra_info');
  assert.equal(ringType('netif_tx').records.responseExtras, undefined);
  assert.equal(ringType('netif_rx').records.responseExtras?.flag, 8);
  assert.equal(ringType('netif_rx').records.requestExtras, undefined);
  const ctrl = ringType('xen_netif_ctrl').records;
  assert.equal(ctrl.unnamed, 'unsupported');
  assert.deepEqual(ctrl.variantByOp('set_hash_mapping')?.words?.names, ['gref', 'size', 'offset']);
  // NetifCtrlBack names the words as declared.
  const s = SharedRing.init(new ArrayBuffer(4096), ringType('xen_netif_ctrl'));
  const front = new NetifCtrlFront(FrontRing.attach(s));
  const back = new NetifCtrlBack(BackRing.attach(s));
  front.queue({ op: 'set_hash_mapping', gref: 7, size: 64, offset: 3 });
  front.push();
  const [got] = back.take();
  assert.deepEqual({ ...got }, { op: 'set_hash_mapping', id: 0, index: 0, type: 6, data: [7, 64, 3], gref: 7, size: 64, offset: 3 });
});

test('a declaration whose variant struct moves the discriminant is refused (LAYOUT_SELF_CHECK)', () => {
  const request = codecFor('netif_tx_request');
  const decl = {
    name: 'bogus', request: 'netif_tx_request', response: 'netif_tx_response', header: 'none',
    // netif_rx_response has `flags` at 4, netif_tx_request at 6: a slot could not be classified.
    requestVariants: { by: 'flags', unnamed: 'violation' as const, variants: [{ constant: 'NETTXF_csum_blank', op: 'x', struct: 'netif_rx_response' }] },
  };
  assert.throws(() => compileRingRecords(decl, 'x86_64', request), (e: unknown) => e instanceof LayoutError && e.code === 'LAYOUT_SELF_CHECK' && e.path === 'netif_rx_response.flags');
});

test('typed ends keep their bookkeeping private; the ring.h indices stay RING_IDX values the caller may advance', () => {
  const ends = [
    new BlkifFront(FrontRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('blkif')))),
    new BlkifBack(BackRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('blkif')))),
    new NetifTxFront(FrontRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('netif_tx')))),
    new NetifTxBack(BackRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('netif_tx')))),
    new NetifRxFront(FrontRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('netif_rx')))),
    new NetifRxBack(BackRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('netif_rx')))),
    new NetifCtrlFront(FrontRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('xen_netif_ctrl')))),
    new NetifCtrlBack(BackRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('xen_netif_ctrl')))),
  ];
  for (const e of ends) {
    const own = Object.getOwnPropertyNames(e);
    for (const name of own) {
      const v = (e as unknown as Record<string, unknown>)[name];
      assert.ok(!(v instanceof Map) && !(v instanceof Set), `${e.constructor.name}.${name} exposes a table`);
    }
    for (const name of ['inFlight', 'byId', 'buffers', 'nextId', 'nullsOwed', 'packets']) assert.equal(name in e, false, `${e.constructor.name}.${name}`);
  }
  const f = FrontRing.attach(SharedRing.init(new ArrayBuffer(4096), ringType('blkif')), 0xffffffff);
  assert.equal(f.reqProdPvt, 0xffffffff);
  f.reqProdPvt++;
  assert.equal(f.reqProdPvt, 0, 'wraps as a RING_IDX');
  f.rspCons = -1;
  assert.equal(f.rspCons, 0xffffffff);
  for (const old of ['pvtReqProd', 'pvtRspCons', 'pvtRspProd', 'pvtReqCons']) assert.equal(old in f, false, old);
  const b = BackRing.attach(f.sring);
  b.reqCons = 2 ** 32 + 5;
  b.rspProdPvt = 2 ** 32 + 4;
  assert.deepEqual([b.reqCons, b.rspProdPvt], [5, 4]);
});

test('each typed end refuses a ring of another type with XEN_RING_UNKNOWN_TYPE', () => {
  const s = SharedRing.init(new ArrayBuffer(4096), ringType('blkif'));
  for (const make of [
    () => new NetifTxFront(FrontRing.attach(s)), () => new NetifTxBack(BackRing.attach(s)), () => new NetifRxFront(FrontRing.attach(s)),
    () => new NetifRxBack(BackRing.attach(s)), () => new NetifCtrlFront(FrontRing.attach(s)), () => new NetifCtrlBack(BackRing.attach(s)),
  ]) assert.throws(make, { code: 'XEN_RING_UNKNOWN_TYPE' });
});

test('blkifOperation and blkifResponseOperation read the operation codes from the declaration', async () => {
  const { blkifOperation, blkifResponseOperation, inspectRingImage } = await import('../../src/xen/index.js');
  assert.equal(blkifOperation({ op: 'flush' }), 3);
  assert.equal(blkifOperation({ op: 'indirect', indirectOp: 'write', sector: 0n, nrSegments: 1, indirectGrefs: [1] }), BLKIF_OP_INDIRECT);
  assert.equal(blkifResponseOperation({ op: 'indirect', indirectOp: 'write' }), 1);
  assert.equal(blkifResponseOperation({ op: 'discard' }), BLKIF_OP_DISCARD);
  // The report itself refuses an image shorter than the ring (the CLI checks sizes before calling it).
  assert.throws(() => inspectRingImage(new Uint8Array(100), ringType('blkif'), 0), { code: 'XEN_RING_BAD_MEMORY' });
});

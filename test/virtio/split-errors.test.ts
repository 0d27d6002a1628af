/**
 * Every split-ring error code, each triggered by a hand-built malformed ring that has exactly that one fault,
 * and a check that the rejected operation left memory and queue state as they were.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory, SplitDevice, SplitDriver, type SplitQueueConfig } from '../../src/virtio/index.js';
import type { RingPort } from '../../src/index.js';
import { ram, throwsCode } from './helpers.js';

const NEXT = 1, WRITE = 2, INDIRECT = 4;
const DESC = 0x0, AVAIL = 0x100, USED = 0x200;

function setup(extra: Partial<SplitQueueConfig> = {}) {
  const g = ram(0x10000);
  const cfg: SplitQueueConfig = { memory: g.memory, size: 8, desc: DESC, avail: AVAIL, used: USED, indirect: true, ...extra };
  const dev = new SplitDevice(cfg);
  const v = g.view;
  const desc = (i: number, addr: bigint, len: number, flags: number, next = 0, base = DESC) => {
    v.setBigUint64(base + i * 16, addr, true); v.setUint32(base + i * 16 + 8, len, true);
    v.setUint16(base + i * 16 + 12, flags, true); v.setUint16(base + i * 16 + 14, next, true);
  };
  const avail = (...heads: number[]) => {
    heads.forEach((h, k) => v.setUint16(AVAIL + 4 + 2 * k, h, true));
    v.setUint16(AVAIL + 2, heads.length, true);
  };
  /** pop() must throw `code`, and leave RAM bytes and device state untouched. */
  const rejects = (code: string) => {
    const before = g.bytes.slice();
    const state = [dev.lastAvail, dev.usedIdxShadow];
    const err = throwsCode(() => dev.pop(), code);
    assert.deepEqual(g.bytes, before, 'memory unchanged');
    assert.deepEqual([dev.lastAvail, dev.usedIdxShadow], state, 'state unchanged');
    return err;
  };
  return { g, dev, desc, avail, rejects, cfg };
}

test('VIRTQ_AVAIL_IDX_JUMP: avail.idx moved by more than the queue size', () => {
  const s = setup();
  s.desc(0, 0x1000n, 16, 0);
  s.avail(0);
  s.g.view.setUint16(AVAIL + 2, 9, true);
  s.rejects('VIRTQ_AVAIL_IDX_JUMP');
  s.g.view.setUint16(AVAIL + 2, 8, true); // exactly size pending is fine
  assert.equal(s.dev.pending(), 8);
});

test('VIRTQ_AVAIL_IDX_BACKWARDS: avail.idx read lower than before (§2.7.13.3); back by more than the size is a jump', () => {
  const s = setup();
  s.desc(0, 0x1000n, 16, 0);
  s.desc(1, 0x1000n, 16, 0);
  s.avail(0, 1);
  assert.equal(s.dev.pending(), 2);                 // the device has seen avail.idx 2
  s.g.view.setUint16(AVAIL + 2, 1, true);           // the driver takes one back before it was popped
  const e = s.rejects('VIRTQ_AVAIL_IDX_BACKWARDS');
  assert.equal(e.index, 1);
  s.g.view.setUint16(AVAIL + 2, 2, true);           // restored: the queue goes on
  assert.equal(s.dev.pop()?.head, 0);
  s.g.view.setUint16(AVAIL + 2, 0xfff9, true);      // 9 behind 2: reads as a jump of 0xfff8 ahead
  s.rejects('VIRTQ_AVAIL_IDX_JUMP');
});

test('VIRTQ_HEAD_OUT_OF_RANGE', () => {
  const s = setup();
  s.avail(8);
  const e = s.rejects('VIRTQ_HEAD_OUT_OF_RANGE');
  assert.equal(e.index, 8);
});

test('VIRTQ_NEXT_OUT_OF_RANGE', () => {
  const s = setup();
  s.desc(0, 0x1000n, 16, NEXT, 8);
  s.avail(0);
  assert.equal(s.rejects('VIRTQ_NEXT_OUT_OF_RANGE').index, 0);
});

test('VIRTQ_DESC_LOOP: a loop, and one descriptor more than the queue size; exactly size is legal', () => {
  const s = setup();
  s.desc(0, 0x1000n, 16, NEXT, 1);
  s.desc(1, 0x1000n, 16, NEXT, 0);
  s.avail(0);
  s.rejects('VIRTQ_DESC_LOOP');

  const t = setup();
  for (let i = 0; i < 8; i++) t.desc(i, 0x1000n, 16, i < 7 ? NEXT : 0, i + 1);
  t.avail(0);
  const chain = t.dev.pop();
  assert.equal(chain?.count, 8);
  assert.equal(chain?.readable, 128);
});

test('VIRTQ_ZERO_LENGTH', () => {
  const s = setup();
  s.desc(0, 0x1000n, 0, 0);
  s.avail(0);
  s.rejects('VIRTQ_ZERO_LENGTH');
});

test('VIRTQ_READ_AFTER_WRITE', () => {
  const s = setup();
  s.desc(0, 0x1000n, 16, WRITE | NEXT, 1);
  s.desc(1, 0x2000n, 16, 0);
  s.avail(0);
  assert.equal(s.rejects('VIRTQ_READ_AFTER_WRITE').index, 1);
});

test('VIRTQ_INDIRECT_BAD_LEN: zero and not a multiple of 16', () => {
  for (const len of [0, 24]) {
    const s = setup();
    s.desc(0, 0x4000n, len, INDIRECT);
    s.avail(0);
    s.rejects('VIRTQ_INDIRECT_BAD_LEN');
  }
});

test('VIRTQ_INDIRECT_NESTED', () => {
  const s = setup();
  s.desc(0, 0x4000n, 32, INDIRECT);
  s.desc(0, 0x1000n, 16, NEXT, 1, 0x4000);
  s.desc(1, 0x5000n, 16, INDIRECT, 0, 0x4000);
  s.avail(0);
  s.rejects('VIRTQ_INDIRECT_NESTED');
});

test('VIRTQ_INDIRECT_WITH_NEXT', () => {
  const s = setup();
  s.desc(0, 0x4000n, 16, INDIRECT | NEXT, 1);
  s.desc(0, 0x1000n, 16, 0, 0, 0x4000);
  s.desc(1, 0x1000n, 16, 0);
  s.avail(0);
  s.rejects('VIRTQ_INDIRECT_WITH_NEXT');
});

test('VIRTQ_INDIRECT_TOO_LARGE, and VIRTQ_INDIRECT_NOT_NEGOTIATED', () => {
  const s = setup({ maxIndirect: 4 });
  for (let k = 0; k < 5; k++) s.desc(k, 0x1000n, 16, k < 4 ? NEXT : 0, k + 1, 0x4000);
  s.desc(0, 0x4000n, 5 * 16, INDIRECT);
  s.avail(0);
  s.rejects('VIRTQ_INDIRECT_TOO_LARGE');

  const t = setup({ indirect: false });
  t.desc(0, 0x1000n, 16, 0, 0, 0x4000);
  t.desc(0, 0x4000n, 16, INDIRECT);
  t.avail(0);
  t.rejects('VIRTQ_INDIRECT_NOT_NEGOTIATED');
});

test('indirect table: a chain inside it is walked; next past its end is VIRTQ_NEXT_OUT_OF_RANGE; a loop in it is VIRTQ_DESC_LOOP', () => {
  const s = setup();
  s.desc(0, 0x1000n, 16, NEXT, 1, 0x4000);
  s.desc(1, 0x2000n, 100, WRITE, 0, 0x4000);
  s.desc(3, 0x4000n, 32, INDIRECT | WRITE); // WRITE on the indirect descriptor itself is ignored (§2.7.5.3.2)
  s.avail(3);
  const c = s.dev.pop();
  assert.ok(c);
  assert.deepEqual([c.head, c.count, c.ringCount, c.readable, c.writable], [3, 3, 1, 16, 100]);
  assert.equal(c.inTable[1], 1);

  const t = setup();
  t.desc(0, 0x1000n, 16, NEXT, 2, 0x4000);
  t.desc(1, 0x2000n, 16, 0, 0, 0x4000);
  t.desc(0, 0x4000n, 32, INDIRECT);
  t.avail(0);
  t.rejects('VIRTQ_NEXT_OUT_OF_RANGE');

  const u = setup();
  u.desc(0, 0x1000n, 16, NEXT, 1, 0x4000);
  u.desc(1, 0x2000n, 16, NEXT, 0, 0x4000);
  u.desc(0, 0x4000n, 32, INDIRECT);
  u.avail(0);
  u.rejects('VIRTQ_DESC_LOOP');
});

test('VIRTQ_LENGTH_OVERFLOW: a chain over 2^32 bytes', () => {
  const s = setup();
  // A region too large to allocate: a port that only claims its size (the walker never reads buffers).
  const huge = { bytes: { byteLength: 2 ** 33 } } as unknown as RingPort;
  s.g.memory.map(2 ** 40, huge);
  s.desc(0, 2n ** 40n, 0xffffffff, NEXT, 1);
  s.desc(1, 2n ** 40n, 1, 0); // exactly 2^32 in total is allowed
  s.avail(0);
  assert.equal(s.dev.pop()?.readable, 2 ** 32);
  const t = setup();
  t.g.memory.map(2 ** 40, huge);
  t.desc(0, 2n ** 40n, 0xffffffff, NEXT, 1);
  t.desc(1, 2n ** 40n, 2, 0);
  t.avail(0);
  t.rejects('VIRTQ_LENGTH_OVERFLOW');
});

test('VIRTQ_ADDR_UNMAPPED and VIRTQ_ADDR_WRAP (buffers and indirect tables)', () => {
  const s = setup();
  s.desc(0, 0xfff0n, 0x20, 0); // straddles the end of RAM
  s.avail(0);
  assert.equal(s.rejects('VIRTQ_ADDR_UNMAPPED').addr, 0xfff0n);

  const t = setup();
  t.desc(0, 0xffff_ffff_ffff_fff0n, 0x20, 0);
  t.avail(0);
  const e = t.rejects('VIRTQ_ADDR_WRAP');
  assert.equal(e.addr, 0xffff_ffff_ffff_fff0n);
  assert.equal((e.toJSON() as { addr: string }).addr, '18446744073709551600');

  const u = setup();
  u.desc(0, 0x2_0000_0000n, 32, INDIRECT);
  u.avail(0);
  u.rejects('VIRTQ_ADDR_UNMAPPED');
});

function driverSetup() {
  const s = setup();
  const drv = new SplitDriver(s.cfg);
  const v = s.g.view;
  const used = (slot: number, id: number, len: number, idx: number) => {
    v.setUint32(USED + 4 + slot * 8, id, true); v.setUint32(USED + 8 + slot * 8, len, true); v.setUint16(USED + 2, idx, true);
  };
  const rejects = (code: string) => {
    const before = s.g.bytes.slice();
    const state = [drv.lastUsed, drv.numFree, drv.inFlight];
    throwsCode(() => drv.getUsed(), code);
    assert.deepEqual(s.g.bytes, before);
    assert.deepEqual([drv.lastUsed, drv.numFree, drv.inFlight], state);
  };
  return { ...s, drv, used, rejects };
}

test('VIRTQ_USED_IDX_JUMP', () => {
  const s = driverSetup();
  s.drv.add([{ addr: 0x1000, len: 16, write: true }]);
  s.used(0, 0, 16, 2);
  s.rejects('VIRTQ_USED_IDX_JUMP');
});

test('VIRTQ_USED_IDX_BACKWARDS: used.idx read lower than before (§2.7.8)', () => {
  const s = driverSetup();
  s.drv.add([{ addr: 0x1000, len: 16, write: true }]);
  s.drv.add([{ addr: 0x2000, len: 16, write: true }]);
  s.used(0, 0, 16, 1);
  assert.equal(s.drv.getUsed()?.id, 0);
  s.used(1, 1, 16, 2);
  s.g.view.setUint16(USED + 2, 2, true);
  assert.equal(s.drv.hasUsed(), true);              // not read by getUsed yet
  s.g.view.setUint16(USED + 2, 0, true);            // the device takes back an entry the driver already reclaimed
  s.rejects('VIRTQ_USED_IDX_BACKWARDS');
  s.g.view.setUint16(USED + 2, 2, true);
  assert.equal(s.drv.getUsed()?.id, 1);
});

test('VIRTQ_USED_ID_OUT_OF_RANGE', () => {
  const s = driverSetup();
  s.drv.add([{ addr: 0x1000, len: 16, write: true }]);
  s.used(0, 8, 16, 1);
  s.rejects('VIRTQ_USED_ID_OUT_OF_RANGE');
});

test('VIRTQ_USED_ID_NOT_OUTSTANDING: never a head, or the middle of a chain', () => {
  const s = driverSetup();
  s.drv.add([{ addr: 0x1000, len: 16 }, { addr: 0x2000, len: 16, write: true }]);
  s.used(0, 1, 16, 1);
  s.rejects('VIRTQ_USED_ID_NOT_OUTSTANDING');
  s.used(0, 5, 16, 1);
  s.rejects('VIRTQ_USED_ID_NOT_OUTSTANDING');
});

test('VIRTQ_USED_ID_TWICE', () => {
  const s = driverSetup();
  const a = s.drv.add([{ addr: 0x1000, len: 16, write: true }]);
  s.drv.add([{ addr: 0x2000, len: 16, write: true }]);
  s.used(0, a, 16, 1);
  assert.equal(s.drv.getUsed()?.id, a);
  s.used(1, a, 16, 2);
  s.rejects('VIRTQ_USED_ID_TWICE');
});

test('VIRTQ_USED_LEN_TOO_LARGE', () => {
  const s = driverSetup();
  s.drv.add([{ addr: 0x1000, len: 16 }, { addr: 0x2000, len: 512, write: true }]);
  s.used(0, 0, 513, 1);
  s.rejects('VIRTQ_USED_LEN_TOO_LARGE');
  s.used(0, 0, 512, 1);
  assert.equal(s.drv.getUsed()?.len, 512);
});

test('driver input checks: VIRTQ_NO_SPACE, VIRTQ_BAD_BUFFER, order, mapping, and pushUsed of a head not popped', () => {
  const s = driverSetup();
  throwsCode(() => s.drv.add([]), 'VIRTQ_NO_SPACE');
  throwsCode(() => s.drv.add(Array.from({ length: 9 }, () => ({ addr: 0x1000, len: 1 }))), 'VIRTQ_NO_SPACE');
  throwsCode(() => s.drv.add([{ addr: 0x1000, len: 0 }]), 'VIRTQ_BAD_BUFFER');
  throwsCode(() => s.drv.add([{ addr: -1, len: 1 }]), 'VIRTQ_BAD_BUFFER');
  throwsCode(() => s.drv.add([{ addr: 0x1000, len: 1, write: true }, { addr: 0x1000, len: 1 }]), 'VIRTQ_READ_AFTER_WRITE');
  throwsCode(() => s.drv.add([{ addr: 0x20000, len: 1 }]), 'VIRTQ_ADDR_UNMAPPED');
  throwsCode(() => s.drv.add([{ addr: 0xffff_ffff_ffff_ffffn, len: 2 }]), 'VIRTQ_ADDR_WRAP');
  s.g.memory.map(2 ** 40, { bytes: { byteLength: 2 ** 33 } } as unknown as RingPort);
  throwsCode(() => s.drv.add([{ addr: 2 ** 40, len: 0xffffffff }, { addr: 2 ** 40, len: 2 }]), 'VIRTQ_LENGTH_OVERFLOW');
  throwsCode(() => s.drv.addIndirect(Array.from({ length: 9 }, () => ({ addr: 0x1000, len: 1 })), 0x4000), 'VIRTQ_INDIRECT_TOO_LARGE');
  assert.equal(s.drv.numFree, 8);
  assert.equal(s.drv.availIdxShadow, 0);
  throwsCode(() => s.dev.pushUsed(0, 0), 'VIRTQ_USED_ID_NOT_OUTSTANDING');
  const noInd = new SplitDriver({ ...s.cfg, indirect: false });
  throwsCode(() => noInd.addIndirect([{ addr: 0x1000, len: 1 }], 0x4000), 'VIRTQ_INDIRECT_NOT_NEGOTIATED');
});

test('geometry: size not a power of two, misaligned or unmapped areas, overlapping regions', () => {
  const { memory } = ram(0x1000);
  throwsCode(() => new SplitDriver({ memory, size: 6, desc: 0, avail: 0x100, used: 0x200 }), 'VIRTQ_BAD_GEOMETRY');
  throwsCode(() => new SplitDriver({ memory, size: 8, desc: 8, avail: 0x100, used: 0x200 }), 'VIRTQ_BAD_GEOMETRY');
  throwsCode(() => new SplitDriver({ memory, size: 8, desc: 0, avail: 0x100, used: 0x2000 }), 'VIRTQ_ADDR_UNMAPPED');
  throwsCode(() => memory.mapNew(0x800, 0x1000), 'VIRTQ_BAD_GEOMETRY');
  throwsCode(() => new GuestMemory().mapNew(2 ** 53, 16), 'VIRTQ_BAD_GEOMETRY');
});

test('notification suppression without EVENT_IDX: VRING_USED_F_NO_NOTIFY and VRING_AVAIL_F_NO_INTERRUPT', () => {
  const s = driverSetup();
  s.drv.add([{ addr: 0x1000, len: 8 }]);
  assert.equal(s.drv.kickPrepare(), true);
  s.dev.disableNotifications();
  assert.equal(s.g.view.getUint16(USED, true), 1);
  s.drv.add([{ addr: 0x1000, len: 8 }]);
  assert.equal(s.drv.kickPrepare(), false);
  assert.equal(s.dev.enableNotifications(), true);
  assert.equal(s.g.view.getUint16(USED, true), 0);
  const c = s.dev.pop();
  assert.ok(c);
  s.drv.disableCallbacks();
  assert.equal(s.g.view.getUint16(AVAIL, true), 1);
  s.dev.pushUsed(c.head, 0);
  assert.equal(s.dev.needInterrupt(), false);
  assert.equal(s.drv.enableCallbacks(), true);
  assert.equal(s.g.view.getUint16(AVAIL, true), 0);
  assert.equal(s.dev.needInterrupt(), true);
  assert.equal(s.drv.getUsed()?.id, c.head);
  assert.equal(s.drv.hasUsed(), false);
});

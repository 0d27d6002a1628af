/**
 * SplitDriver's `base`: a driver attached at avail index `base` (everything before it reclaimed), beside a
 * device attached at the same base, carries both 16-bit indices across 65535 -> 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory, SplitDriver, SplitDevice, splitAreas } from '../../src/index.js';

test('SplitDriver base: avail_idx_shadow and last_used start there and wrap 65535 -> 0 with the device', () => {
  const memory = new GuestMemory();
  const port = memory.mapNew(0, 0x8000);
  const base = 65533;
  // The running queue's memory: avail.idx and used.idx both at base (offsetof(vring_avail/used, idx) = 2).
  port.view.setUint16(0x1000 + 2, base, true);
  port.view.setUint16(0x2000 + 2, base, true);
  const cfg = { memory, size: 4, desc: 0, avail: 0x1000, used: 0x2000, base };
  const drv = new SplitDriver(cfg);
  const dev = new SplitDevice(cfg);
  assert.equal(drv.availIdxShadow, base);
  assert.equal(drv.lastUsed, base);
  assert.equal(drv.hasUsed(), false);
  const a = splitAreas(4, false);
  for (let i = 0; i < 6; i++) {
    const head = drv.add([{ addr: 0x4000 + i * 16, len: 16, write: true }]);
    assert.equal(port.view.getUint16(0x1000 + a.availRing + ((base + i) & 3) * 2, true), head, 'the head lands in the ring slot of its index');
    assert.equal(port.view.getUint16(0x1002, true), (base + i + 1) & 0xffff);
    const c = dev.pop();
    assert.equal(c?.head, head);
    dev.pushUsed(head, 16);
    assert.equal(drv.getUsed()?.id, head);
    assert.equal(drv.lastUsed, (base + i + 1) & 0xffff);
  }
  assert.equal(drv.availIdxShadow, 3, '65533 + 6 wraps to 3');
  assert.equal(drv.inFlight, 0);
});

test('SplitDriver base out of 0..65535 is taken modulo 2^16, as the index is', () => {
  const memory = new GuestMemory();
  memory.mapNew(0, 0x8000);
  assert.equal(new SplitDriver({ memory, size: 4, desc: 0, avail: 0x1000, used: 0x2000, base: 65536 + 7 }).availIdxShadow, 7);
});

/**
 * The snapshot analysis in src/virtio/ (split-snapshot.ts, packed-snapshot.ts), without the CLI: typed,
 * JSON-ready reports, and the device's own rules — a snapshot's verdict on the next live chain is what
 * the device would say popping it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GuestMemory, PackedDevice, PackedRing, PackedDriver, SplitDevice, SplitDriver, analyzePackedSnapshot, analyzeSplitSnapshot, VirtqError,
} from '../../src/virtio/index.js';
import { rng, seedFromEnv } from './rng.js';

test('a healthy split queue: consistent, JSON-ready, wire fields by their C names, live chains as the device sees them', () => {
  const memory = new GuestMemory();
  memory.mapNew(0, 0x1000);
  memory.mapNew(0x10000, 0x1000);
  const cfg = { memory, size: 4, desc: 0, avail: 0x800, used: 0xc00, eventIdx: true };
  const drv = new SplitDriver(cfg);
  const dev = new SplitDevice(cfg);
  const a = drv.add([{ addr: 0x10000, len: 8 }]);
  drv.add([{ addr: 0x10100, len: 8 }, { addr: 0x10200, len: 16, write: true }]);
  dev.pop();
  dev.pushUsed(a, 0);
  const r = analyzeSplitSnapshot(dev.ring);
  assert.equal(r.consistent, true);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  assert.deepEqual(Object.keys(r.avail), ['flags', 'idx', 'ring', 'used_event']);
  assert.deepEqual(Object.keys(r.used), ['flags', 'idx', 'ring', 'avail_event']);
  assert.deepEqual(r.chains.map((c) => [c.slot, c.head, c.live]), [[0, 0, false], [1, 1, true]]);
  assert.deepEqual(r.chains[1]?.descs.map((d) => [d.index, d.addr, d.len, d.flags, d.next, d.buffer]), [[1, 0x10100, 8, 1, 2, 'checked'], [2, 0x10200, 16, 2, 0, 'checked']]);
  // The analysis reads, never writes: the device goes on exactly as before.
  assert.equal(dev.pop()?.head, 1);
});

test('split: the snapshot\'s verdict on the oldest live chain is the device\'s own pop() verdict (random hostile tables)', () => {
  const seed = seedFromEnv(0x736e_6170);
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  let violations = 0;
  for (let i = 0; i < 300; i++) {
    const memory = new GuestMemory();
    const port = memory.mapNew(0, 0x2000);
    const v = port.view;
    const size = 8;
    for (let d = 0; d < size; d++) {
      v.setBigUint64(d * 16, BigInt(0x1000 + int(0x1100)), true);
      v.setUint32(d * 16 + 8, [0, 16, 64, 48, 0xffffffff][int(5)] as number, true);
      v.setUint16(d * 16 + 12, int(8), true);
      v.setUint16(d * 16 + 14, int(size + 1), true);
    }
    const used = int(0x10000);
    const ahead = int(size + 1);
    for (let s = 0; s < size; s++) v.setUint16(0x804 + 2 * s, int(size + 1), true);
    v.setUint16(0x802, (used + ahead) & 0xffff, true);
    v.setUint16(0xc02, used, true);
    const dev = new SplitDevice({ memory, size, desc: 0, avail: 0x800, used: 0xc00, indirect: true, base: used });
    assert.equal(dev.lastAvail, used);
    const r = analyzeSplitSnapshot(dev.ring);
    const firstLive = r.chains.find((c) => c.live);
    let popCode: string | undefined;
    try { dev.pop(); } catch (e) { assert.ok(e instanceof VirtqError); popCode = e.code; }
    if (ahead === 0) { assert.equal(firstLive, undefined); continue; }
    assert.ok(firstLive, `seed ${seed} #${i}`);
    assert.equal(firstLive.error?.code, popCode, `seed ${seed} #${i}: slot ${firstLive.slot}`);
    if (popCode !== undefined) violations++;
  }
  assert.ok(violations > 0);
});

test('packed: a healthy queue is consistent; a not-checked walk leaves buffers unchecked and the verdict unchanged', () => {
  const memory = new GuestMemory();
  memory.mapNew(0, 0x100);
  memory.mapNew(0x10000, 0x1000);
  const cfg = { memory, size: 4, desc: 0, driverEvent: 0x80, deviceEvent: 0x84, eventIdx: true, indirect: true };
  const drv = new PackedDriver(cfg);
  const dev = new PackedDevice(cfg);
  dev.enableNotifications();
  drv.add([{ addr: 0x10000, len: 8 }, { addr: 0x10100, len: 8, write: true }]);
  drv.addIndirect([{ addr: 0x10200, len: 8 }], 0x10800);
  const r = analyzePackedSnapshot(dev.ring);
  assert.equal(r.consistent, true);
  assert.deepEqual(r.start, { pos: 0, wrap: 1 });
  assert.deepEqual(r.chains.map((c) => [c.pos, c.id, c.descs.length]), [[0, 0, 2], [2, 1, 1]]);
  assert.equal(r.chains[1]?.descs[0]?.table?.length, 1);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  // Rings alone: same chains, buffers not checked, the indirect table not readable for its chain only.
  const rings = new GuestMemory();
  rings.map(0, memory.region(0).port);
  const bare = new GuestMemory();
  const ringOnly = new PackedRing({ ...cfg, memory: bare, ringMemory: rings });
  const n = analyzePackedSnapshot(ringOnly, { unmapped: 'not-checked' });
  assert.equal(n.consistent, true);
  assert.deepEqual(n.not_checked, { buffers: 2, chains: 1 });
  assert.deepEqual(n.chains.map((c) => [c.pos, c.finding, c.error?.code]), [[0, undefined, undefined], [2, 'not checked', 'VIRTQ_INDIRECT_UNREADABLE']]);
  // The device popping the same queue is unaffected by the analysis.
  assert.equal(dev.pop()?.id, 0);
});

/**
 * VIRTIO_F_IN_ORDER (virtio 1.2 §2.7.9 split, §2.8.8 packed): batched used entries between driver and
 * device through the 16-bit wrap of avail.idx / used.idx and through many packed wrap-counter flips;
 * descriptors in ring order; and each in-order violation from a hand-built ring, with state unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GuestMemory, PackedDevice, PackedDriver, SplitDevice, SplitDriver, type PackedQueueConfig, type SplitQueueConfig,
  type VirtqBuffer,
} from '../../src/virtio/index.js';
import { ram, throwsCode } from './helpers.js';
import { rng, seedFromEnv } from './rng.js';

const NEXT = 1, WRITE = 2, INDIRECT = 4;
const SIZE = 8;
const BUF = 0x10000;
const TABLE = 0x8000;

function withSeed(name: string, fallback: number, body: (seed: number) => void): void {
  test(name, () => {
    const seed = seedFromEnv(fallback);
    try { body(seed); } catch (e) {
      throw new Error(`seed ${seed} (replay with RINGWIRE_SEED=${seed}): ${(e as Error).message}`, { cause: e });
    }
  });
}

/** Buffers for one request: `nr` readable then `nw` writable, 16 bytes each, in the token's own area. */
function buffers(token: number, nr: number, nw: number): VirtqBuffer[] {
  const base = BUF + (token % 64) * 256;
  const out: VirtqBuffer[] = [];
  for (let k = 0; k < nr + nw; k++) out.push({ addr: base + k * 16, len: 16 + k, write: k >= nr });
  return out;
}
function writableOf(bufs: readonly VirtqBuffer[]): number {
  return bufs.reduce((s, b) => s + (b.write === true ? b.len : 0), 0);
}

withSeed('split IN_ORDER: batched used entries through the 16-bit wrap, descriptors in ring order', 0x10a0, (seed) => {
  const rand = rng(seed);
  const memory = new GuestMemory();
  memory.mapNew(0, 0x1000);
  memory.mapNew(TABLE, SIZE * 64 * 8);
  memory.mapNew(BUF, 64 * 256);
  const cfg = { memory, size: SIZE, desc: 0, avail: 0x800, used: 0xc00, indirect: true, eventIdx: true, inOrder: true };
  const drv = new SplitDriver(cfg);
  const dev = new SplitDevice(cfg);
  const usedView = memory.region(0).port.view;
  const queue: { head: number; writable: number; token: number }[] = []; // made available, not yet reclaimed
  let popped = 0; // of `queue`, how many the device holds (front of the queue once used are removed)
  let used = 0; // of `queue`, how many the device returned (front)
  let token = 0;
  let nextHead = 0;
  let reclaimed = 0;
  let wrapped = false;
  let batches = 0;
  const lastLen = new Map<number, number>();
  while (reclaimed < 70000) {
    for (let a = Math.floor(rand() * 4); a > 0; a--) {
      const nr = 1 + Math.floor(rand() * 2);
      const nw = Math.floor(rand() * 2);
      const ind = rand() < 0.3;
      if ((ind ? 1 : nr + nw) > drv.numFree) break;
      const bufs = buffers(token, nr, nw);
      const before = drv.availIdxShadow;
      const head = ind ? drv.addIndirect(bufs, TABLE + (token % (SIZE * 8)) * 64) : drv.add(bufs);
      if (drv.availIdxShadow < before) wrapped = true;
      // §2.7.5: descriptors are used in ring order, from 0, wrapping.
      assert.equal(head, nextHead, 'head in ring order');
      nextHead = (nextHead + (ind ? 1 : nr + nw)) % SIZE;
      queue.push({ head, writable: writableOf(bufs), token });
      token++;
    }
    drv.kick();
    for (let c = dev.pop(); c !== null; c = dev.pop()) {
      assert.equal(c.head, queue[popped]?.head, 'device pops in order');
      popped++;
    }
    // Device: return the oldest popped buffers, one by one or as a batch with a single used entry.
    if (popped > used && rand() < 0.8) {
      const n = 1 + Math.floor(rand() * (popped - used));
      const last = queue[used + n - 1]!;
      const len = Math.floor(rand() * (last.writable + 1));
      const slot = dev.usedIdxShadow & (SIZE - 1);
      const idxBefore = dev.usedIdxShadow;
      if (n === 1 && rand() < 0.5) dev.pushUsed(last.head, len);
      else {
        assert.equal(dev.pushUsedBatch(last.head, len), n);
        batches++;
      }
      // one used entry, at the batch's first position, naming the last buffer; used.idx moved by n
      assert.equal(usedView.getUint32(0xc00 + 4 + slot * 8, true), last.head);
      assert.equal(dev.usedIdxShadow, (idxBefore + n) & 0xffff);
      lastLen.set(last.token, len);
      used += n;
      dev.interrupt();
    }
    for (let u = drv.getUsed(); u !== null; u = drv.getUsed()) {
      const exp = queue.shift()!;
      used--; popped--;
      assert.equal(u.id, exp.head, 'reclaimed in the order made available');
      // the buffer the entry named gets the entry's len; the skipped ones their whole writable size
      assert.equal(u.len, lastLen.get(exp.token) ?? exp.writable, `len of token ${exp.token}`);
      lastLen.delete(exp.token);
      reclaimed++;
    }
  }
  assert.ok(wrapped, 'avail.idx crossed 65535 -> 0');
  assert.ok(batches > 1000, `batches: ${batches}`);
  assert.equal(drv.inFlight, queue.length);
});

function splitSetup(extra: Partial<SplitQueueConfig & { inOrder: boolean }> = {}) {
  const g = ram(0x10000);
  const cfg = { memory: g.memory, size: SIZE, desc: 0, avail: 0x100, used: 0x200, indirect: true, inOrder: true, ...extra };
  const v = g.view;
  const desc = (i: number, addr: number, len: number, flags: number, next = 0, base = 0) => {
    v.setBigUint64(base + i * 16, BigInt(addr), true); v.setUint32(base + i * 16 + 8, len, true);
    v.setUint16(base + i * 16 + 12, flags, true); v.setUint16(base + i * 16 + 14, next, true);
  };
  const avail = (...heads: number[]) => {
    heads.forEach((h, k) => v.setUint16(0x100 + 4 + 2 * k, h, true));
    v.setUint16(0x100 + 2, heads.length, true);
  };
  return { g, cfg, desc, avail };
}

test('split IN_ORDER device: a driver that leaves ring order is refused (VIRTQ_IN_ORDER_NOT_RING_ORDER), state unchanged', () => {
  const cases: [string, (s: ReturnType<typeof splitSetup>) => void][] = [
    ['first head is not descriptor 0', (s) => { s.desc(2, 0x1000, 16, 0); s.avail(2); }],
    ['next is not x + 1', (s) => { s.desc(0, 0x1000, 16, NEXT, 2); s.desc(2, 0x1000, 16, 0); s.avail(0); }],
    ['indirect table entries are not sequential', (s) => {
      s.desc(0, 0x4000, 48, INDIRECT);
      s.desc(0, 0x1000, 16, NEXT, 2, 0x4000); s.desc(1, 0x1000, 16, 0, 0, 0x4000); s.desc(2, 0x1000, 16, 0, 0, 0x4000);
      s.avail(0);
    }],
  ];
  for (const [what, build] of cases) {
    const s = splitSetup();
    const dev = new SplitDevice(s.cfg);
    build(s);
    const before = s.g.bytes.slice();
    const e = throwsCode(() => dev.pop(), 'VIRTQ_IN_ORDER_NOT_RING_ORDER');
    assert.match(e.message, /§2\.7\.5/, what);
    assert.deepEqual(s.g.bytes, before, what);
    assert.deepEqual([dev.lastAvail, dev.usedIdxShadow], [0, 0], what);
  }
  // The same chains are fine without IN_ORDER, and in ring order (wrapping from 7 to 0) with it.
  const free = splitSetup({ inOrder: false });
  free.desc(2, 0x1000, 16, 0); free.avail(2);
  assert.equal(new SplitDevice(free.cfg).pop()?.head, 2);
  const ok = splitSetup();
  const dev = new SplitDevice(ok.cfg);
  for (let i = 0; i < 6; i++) ok.desc(i, 0x1000, 16, 0);
  ok.desc(6, 0x1000, 16, NEXT, 7); ok.desc(7, 0x1000, 16, NEXT, 0); ok.desc(0, 0x1000, 16, 0);
  ok.avail(0, 1, 2, 3, 4, 5);
  for (let i = 0; i < 6; i++) { assert.equal(dev.pop()?.head, i); dev.pushUsed(i, 0); }
  ok.g.view.setUint16(0x100 + 4 + 12, 6, true); ok.g.view.setUint16(0x100 + 2, 7, true);
  assert.equal(dev.pop()?.ringCount, 3, 'chain 6 -> 7 -> 0 wraps in ring order');
});

test('split IN_ORDER driver: a used entry naming a buffer beyond used.idx is VIRTQ_IN_ORDER_VIOLATION; a batch is not', () => {
  const s = splitSetup();
  const drv = new SplitDriver(s.cfg);
  const a = drv.add([{ addr: 0x1000, len: 8 }, { addr: 0x1100, len: 32, write: true }]);
  const b = drv.add([{ addr: 0x2000, len: 64, write: true }]);
  assert.deepEqual([a, b], [0, 2], 'ring order');
  const v = s.g.view;
  // The device used b before a: one entry naming b, used.idx moved by 1.
  v.setUint32(0x200 + 4, b, true); v.setUint32(0x200 + 8, 10, true); v.setUint16(0x200 + 2, 1, true);
  const state = [drv.lastUsed, drv.numFree, drv.inFlight];
  const e = throwsCode(() => drv.getUsed(), 'VIRTQ_IN_ORDER_VIOLATION');
  assert.equal(e.received, b);
  assert.equal(e.expected, a);
  assert.deepEqual([drv.lastUsed, drv.numFree, drv.inFlight], state);
  // The same entry with used.idx moved by 2 is a batch {a, b}: a used completely, b with the entry's len.
  v.setUint16(0x200 + 2, 2, true);
  const u1 = drv.getUsed();
  assert.deepEqual([u1?.id, u1?.len], [a, 32]);
  assert.equal(drv.hasUsed(), true, 'rest of the batch pending');
  const u2 = drv.getUsed();
  assert.deepEqual([u2?.id, u2?.len], [b, 10]);
  assert.equal(drv.getUsed(), null);
  assert.deepEqual([drv.numFree, drv.inFlight, drv.lastUsed], [SIZE, 0, 2]);
  // Descriptors continue in ring order after the reclaim (3, then 4), not from the front of a free list.
  assert.equal(drv.add([{ addr: 0x1000, len: 8 }]), 3);
  assert.equal(drv.add([{ addr: 0x1000, len: 8 }]), 4);
  // Without IN_ORDER the driver reuses the freed descriptors first.
  const plain = new SplitDriver({ ...splitSetup().cfg, inOrder: false });
  plain.add([{ addr: 0x1000, len: 8 }]);
  const pv = plain.ring.usedPort.view;
  pv.setUint32(plain.ring.usedBase + 4, 0, true); pv.setUint16(plain.ring.usedBase + 2, 1, true);
  plain.getUsed();
  assert.equal(plain.add([{ addr: 0x1000, len: 8 }]), 0);
});

test('split IN_ORDER device: pushUsed out of order is VIRTQ_IN_ORDER_VIOLATION; pushUsedBatch needs the feature', () => {
  const s = splitSetup();
  const drv = new SplitDriver(s.cfg);
  const dev = new SplitDevice(s.cfg);
  const a = drv.add([{ addr: 0x1000, len: 8, write: true }]);
  const b = drv.add([{ addr: 0x2000, len: 8, write: true }]);
  dev.pop(); dev.pop();
  const before = s.g.bytes.slice();
  assert.equal(throwsCode(() => dev.pushUsed(b, 8), 'VIRTQ_IN_ORDER_VIOLATION').expected, a);
  assert.deepEqual(s.g.bytes, before);
  throwsCode(() => dev.pushUsedBatch(7, 0), 'VIRTQ_USED_ID_NOT_OUTSTANDING');
  dev.pushUsed(a, 8);
  dev.pushUsed(b, 8);
  assert.equal(dev.usedIdxShadow, 2);
  const plain = new SplitDevice({ ...s.cfg, inOrder: false });
  throwsCode(() => plain.pushUsedBatch(0, 0), 'VIRTQ_FEATURE_NOT_NEGOTIATED');
});

withSeed('packed IN_ORDER: batched used descriptors through many wrap-counter flips', 0x10a1, (seed) => {
  const rand = rng(seed);
  const memory = new GuestMemory();
  memory.mapNew(0, 0x1000);
  memory.mapNew(TABLE, SIZE * 64 * 8);
  memory.mapNew(BUF, 64 * 256);
  const size = 7; // packed sizes need not be powers of two
  const cfg = { memory, size, desc: 0, driverEvent: 0x200, deviceEvent: 0x204, indirect: true, eventIdx: true, inOrder: true };
  const drv = new PackedDriver(cfg);
  const dev = new PackedDevice(cfg);
  const view = memory.region(0).port.view;
  const queue: { id: number; writable: number; count: number; token: number }[] = [];
  const lastLen = new Map<number, number>();
  let popped = 0, used = 0, token = 0, reclaimed = 0, flips = 0, batches = 0;
  let lastWrap = drv.usedWrap;
  while (reclaimed < 20000) {
    for (let a = Math.floor(rand() * 4); a > 0; a--) {
      const nr = 1 + Math.floor(rand() * 2);
      const nw = Math.floor(rand() * 2);
      const ind = rand() < 0.3;
      const count = ind ? 1 : nr + nw;
      if (count > drv.numFree) break;
      const bufs = buffers(token, nr, nw);
      const id = ind ? drv.addIndirect(bufs, TABLE + (token % (SIZE * 8)) * 64) : drv.add(bufs);
      queue.push({ id, writable: writableOf(bufs), count, token });
      token++;
    }
    drv.kick();
    for (let c = dev.pop(); c !== null; c = dev.pop()) { assert.equal(c.id, queue[popped]?.id); popped++; }
    if (popped > used && rand() < 0.8) {
      const n = 1 + Math.floor(rand() * (popped - used));
      const last = queue[used + n - 1]!;
      const len = Math.floor(rand() * (last.writable + 1));
      const pos = dev.nextUsed;
      const skip = queue.slice(used, used + n).reduce((s, q) => s + q.count, 0);
      if (n === 1 && rand() < 0.5) dev.pushUsed(last.id, len);
      else { assert.equal(dev.pushUsedBatch(last.id, len), n); batches++; }
      // one used descriptor over the batch's first descriptor, naming the last buffer; the device skips the batch
      assert.equal(view.getUint16(pos * 16 + 12, true), last.id);
      assert.equal(dev.nextUsed, (pos + skip) % size);
      lastLen.set(last.token, len);
      used += n;
      dev.interrupt();
    }
    for (let u = drv.getUsed(); u !== null; u = drv.getUsed()) {
      const exp = queue.shift()!;
      used--; popped--;
      assert.equal(u.id, exp.id, 'reclaimed in the order made available');
      assert.equal(u.len, lastLen.get(exp.token) ?? exp.writable, `len of token ${exp.token}`);
      lastLen.delete(exp.token);
      reclaimed++;
      if (drv.usedWrap !== lastWrap) { flips++; lastWrap = drv.usedWrap; }
    }
  }
  assert.ok(flips > 1000, `wrap flips: ${flips}`);
  assert.ok(batches > 500, `batches: ${batches}`);
});

function packedSetup() {
  const g = ram(0x10000);
  const cfg: PackedQueueConfig & { inOrder: boolean } = { memory: g.memory, size: SIZE, desc: 0, driverEvent: 0x100, deviceEvent: 0x104, inOrder: true };
  return { g, cfg };
}

test('packed IN_ORDER: one used descriptor stands for a batch; device pushUsed out of order is refused', () => {
  const s = packedSetup();
  const drv = new PackedDriver(s.cfg);
  const dev = new PackedDevice(s.cfg);
  const a = drv.add([{ addr: 0x1000, len: 8 }, { addr: 0x1100, len: 40, write: true }]);
  const b = drv.add([{ addr: 0x2000, len: 24, write: true }]);
  const c = drv.add([{ addr: 0x3000, len: 16, write: true }]);
  dev.pop(); dev.pop(); dev.pop();
  const before = s.g.bytes.slice();
  assert.equal(throwsCode(() => dev.pushUsed(b, 1), 'VIRTQ_IN_ORDER_VIOLATION').expected, a);
  assert.deepEqual(s.g.bytes, before);
  assert.equal(dev.pushUsedBatch(b, 5), 2);
  // written at a's first descriptor (0); the device skips a's 2 descriptors and b's 1
  assert.equal(s.g.view.getUint16(12, true), b);
  assert.equal(dev.nextUsed, 3);
  const u1 = drv.getUsed();
  assert.deepEqual([u1?.id, u1?.len], [a, 40]);
  const u2 = drv.getUsed();
  assert.deepEqual([u2?.id, u2?.len], [b, 5]);
  assert.equal(drv.getUsed(), null, 'c not used yet');
  dev.pushUsed(c, 16);
  const u3 = drv.getUsed();
  assert.deepEqual([u3?.id, u3?.len], [c, 16]);
  assert.deepEqual([drv.numFree, drv.inFlight, drv.lastUsed], [SIZE, 0, 4]);
  throwsCode(() => new PackedDevice({ ...s.cfg, inOrder: false }).pushUsedBatch(0, 0), 'VIRTQ_FEATURE_NOT_NEGOTIATED');
});

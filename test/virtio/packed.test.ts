/**
 * Packed virtqueues: each packed-specific error from a hand-built ring (plus the shared chain rules as
 * they apply to packed descriptors), event suppression modes, and driver/device round trips through the
 * wrap counters and past 3× the queue size many times, with and without EVENT_IDX and indirect tables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory, PackedDevice, PackedDriver, type PackedQueueConfig } from '../../src/virtio/index.js';
import { ram, throwsCode } from './helpers.js';
import { rng, seedFromEnv } from './rng.js';

const NEXT = 1, WRITE = 2, INDIRECT = 4, AVAIL = 1 << 7, USED = 1 << 15;
const DESC = 0x0, DRV_EV = 0x100, DEV_EV = 0x104;

function setup(extra: Partial<PackedQueueConfig> = {}) {
  const g = ram(0x10000);
  const cfg: PackedQueueConfig = { memory: g.memory, size: 8, desc: DESC, driverEvent: DRV_EV, deviceEvent: DEV_EV, indirect: true, ...extra };
  const dev = new PackedDevice(cfg);
  const v = g.view;
  const desc = (p: number, addr: bigint, len: number, id: number, flags: number, base = DESC) => {
    v.setBigUint64(base + p * 16, addr, true); v.setUint32(base + p * 16 + 8, len, true);
    v.setUint16(base + p * 16 + 12, id, true); v.setUint16(base + p * 16 + 14, flags, true);
  };
  const rejects = (code: string) => {
    const before = g.bytes.slice();
    const state = [dev.nextAvail, dev.availWrap, dev.nextUsed, dev.usedWrap];
    const e = throwsCode(() => dev.pop(), code);
    assert.deepEqual(g.bytes, before);
    assert.deepEqual([dev.nextAvail, dev.availWrap, dev.nextUsed, dev.usedWrap], state);
    return e;
  };
  return { g, cfg, dev, desc, rejects };
}

test('packed availability follows the wrap counter: first pass AVAIL=1 USED=0, nothing else', () => {
  const s = setup();
  s.desc(0, 0x1000n, 16, 0, USED); // AVAIL=0 USED=1: available only in the second pass
  assert.equal(s.dev.pop(), null);
  s.desc(0, 0x1000n, 16, 0, AVAIL | USED); // a used descriptor
  assert.equal(s.dev.pop(), null);
  s.desc(0, 0x1000n, 16, 0, AVAIL);
  assert.equal(s.dev.pop()?.id, 0);
});

test('VIRTQ_PACKED_DESC_NOT_AVAIL: a chain continues into a descriptor the driver has not made available', () => {
  const s = setup();
  s.desc(0, 0x1000n, 16, 1, AVAIL | NEXT);
  s.desc(1, 0x2000n, 16, 1, USED); // wrong pass
  assert.equal(s.rejects('VIRTQ_PACKED_DESC_NOT_AVAIL').index, 1);
});

test('VIRTQ_PACKED_BAD_ID', () => {
  const s = setup();
  s.desc(0, 0x1000n, 16, 8, AVAIL);
  s.rejects('VIRTQ_PACKED_BAD_ID');
});

test('VIRTQ_PACKED_DUPLICATE_ID: an id made available again while outstanding', () => {
  const s = setup();
  s.desc(0, 0x1000n, 16, 3, AVAIL);
  s.desc(1, 0x1000n, 16, 3, AVAIL);
  assert.equal(s.dev.pop()?.id, 3);
  s.rejects('VIRTQ_PACKED_DUPLICATE_ID');
});

test('VIRTQ_CHAIN_TOO_LONG: every descriptor sets NEXT', () => {
  const s = setup();
  for (let p = 0; p < 8; p++) s.desc(p, 0x1000n, 16, 0, AVAIL | NEXT);
  s.rejects('VIRTQ_CHAIN_TOO_LONG');
  // a chain of exactly the queue size is legal
  const t = setup();
  for (let p = 0; p < 8; p++) t.desc(p, 0x1000n, 16, 0, AVAIL | (p < 7 ? NEXT : 0));
  const c = t.dev.pop();
  assert.equal(c?.ringCount, 8);
  assert.deepEqual([t.dev.nextAvail, t.dev.availWrap], [0, 0]);
});

test('packed chain rules shared with split: zero length, order, indirect, addresses', () => {
  const cases: [string, (s: ReturnType<typeof setup>) => void][] = [
    ['VIRTQ_ZERO_LENGTH', (s) => s.desc(0, 0x1000n, 0, 0, AVAIL)],
    ['VIRTQ_READ_AFTER_WRITE', (s) => { s.desc(0, 0x1000n, 8, 0, AVAIL | WRITE | NEXT); s.desc(1, 0x1000n, 8, 0, AVAIL); }],
    ['VIRTQ_INDIRECT_BAD_LEN', (s) => s.desc(0, 0x4000n, 20, 0, AVAIL | INDIRECT)],
    ['VIRTQ_INDIRECT_WITH_NEXT', (s) => { s.desc(0, 0x4000n, 16, 0, AVAIL | INDIRECT | NEXT); s.desc(1, 0x1000n, 8, 0, AVAIL); }],
    ['VIRTQ_INDIRECT_WITH_NEXT', (s) => { s.desc(0, 0x1000n, 8, 0, AVAIL | NEXT); s.desc(1, 0x4000n, 16, 0, AVAIL | INDIRECT); s.desc(0, 0x1000n, 8, 0, 0, 0x4000); }],
    ['VIRTQ_INDIRECT_NESTED', (s) => { s.desc(0, 0x4000n, 32, 0, AVAIL | INDIRECT); s.desc(0, 0x1000n, 8, 0, 0, 0x4000); s.desc(1, 0x5000n, 16, 0, INDIRECT, 0x4000); }],
    ['VIRTQ_INDIRECT_TOO_LARGE', (s) => s.desc(0, 0x4000n, 16 * 9, 0, AVAIL | INDIRECT)],
    ['VIRTQ_ADDR_UNMAPPED', (s) => s.desc(0, 0x10000n, 1, 0, AVAIL)],
    ['VIRTQ_ADDR_UNMAPPED', (s) => s.desc(0, 0xfff8n, 16, 0, AVAIL | INDIRECT)],
    ['VIRTQ_ADDR_WRAP', (s) => s.desc(0, 0xffff_ffff_ffff_ff00n, 0x200, 0, AVAIL)],
  ];
  for (const [code, build] of cases) {
    const s = setup();
    build(s);
    s.rejects(code);
  }
  const n = setup({ indirect: false });
  n.desc(0, 0x1000n, 8, 0, 0, 0x4000);
  n.desc(0, 0x4000n, 16, 0, AVAIL | INDIRECT);
  n.rejects('VIRTQ_INDIRECT_NOT_NEGOTIATED');
});

test('packed driver: used id out of range, not outstanding, twice, length too large — state unchanged', () => {
  const s = setup();
  const drv = new PackedDriver(s.cfg);
  const a = drv.add([{ addr: 0x1000, len: 16 }, { addr: 0x2000, len: 64, write: true }]);
  const b = drv.add([{ addr: 0x3000, len: 64, write: true }]);
  const usedAt = (p: number, id: number, len: number) => s.desc(p, 0n, len, id, AVAIL | USED | WRITE);
  const rejects = (code: string) => {
    const before = s.g.bytes.slice();
    const st = [drv.lastUsed, drv.usedWrap, drv.numFree, drv.inFlight];
    throwsCode(() => drv.getUsed(), code);
    assert.deepEqual(s.g.bytes, before);
    assert.deepEqual([drv.lastUsed, drv.usedWrap, drv.numFree, drv.inFlight], st);
  };
  usedAt(0, 8, 0); rejects('VIRTQ_USED_ID_OUT_OF_RANGE');
  usedAt(0, 5, 0); rejects('VIRTQ_USED_ID_NOT_OUTSTANDING');
  usedAt(0, a, 65); rejects('VIRTQ_USED_LEN_TOO_LARGE');
  usedAt(0, a, 64);
  assert.deepEqual({ ...drv.getUsed() }, { id: a, len: 64 });
  assert.equal(drv.lastUsed, 2);
  usedAt(2, a, 1); rejects('VIRTQ_USED_ID_TWICE');
  usedAt(2, b, 1);
  assert.equal(drv.getUsed()?.id, b);
  assert.equal(drv.getUsed(), null);
  throwsCode(() => drv.add(Array.from({ length: 9 }, () => ({ addr: 0x1000, len: 1 }))), 'VIRTQ_NO_SPACE');
  throwsCode(() => s.dev.pushUsed(1, 0), 'VIRTQ_USED_ID_NOT_OUTSTANDING');
  throwsCode(() => new PackedDriver({ ...s.cfg, indirect: false }).addIndirect([{ addr: 0x1000, len: 1 }], 0x4000), 'VIRTQ_INDIRECT_NOT_NEGOTIATED');
  throwsCode(() => drv.addIndirect([], 0x4000), 'VIRTQ_INDIRECT_TOO_LARGE');
  throwsCode(() => new PackedDriver({ ...s.cfg, size: 0 }), 'VIRTQ_BAD_GEOMETRY');
  throwsCode(() => new PackedDriver({ ...s.cfg, driverEvent: 0x102 }), 'VIRTQ_BAD_GEOMETRY');
});

test('packed event suppression: DISABLE stops kicks and interrupts, DESC fires when the position is passed', () => {
  const { memory } = ram(0x10000);
  const cfg: PackedQueueConfig = { memory, size: 8, desc: 0, driverEvent: 0x100, deviceEvent: 0x104, eventIdx: true };
  const drv = new PackedDriver(cfg);
  const dev = new PackedDevice(cfg);
  const a = drv.add([{ addr: 0x1000, len: 8 }]);
  assert.equal(drv.kickPrepare(), true); // the device event structure starts as FLAG_ENABLE (0)
  dev.disableNotifications();
  const b = drv.add([{ addr: 0x1000, len: 8 }]);
  assert.equal(drv.kickPrepare(), false);
  assert.equal(dev.enableNotifications(), true); // FLAG_DESC at next_avail 0: work already pending
  assert.equal(dev.pop()?.id, a);
  assert.equal(dev.pop()?.id, b); // pop moves the event offset to 2
  drv.add([{ addr: 0x1000, len: 8 }]);
  assert.equal(drv.kickPrepare(), true); // position 2 made available
  assert.equal(drv.kickPrepare(), false); // nothing new
  drv.disableCallbacks();
  dev.pushUsed(a, 0);
  assert.equal(dev.needInterrupt(), false);
  assert.equal(drv.enableCallbacks(), true); // FLAG_DESC at last_used 0; a used descriptor is pending
  assert.equal(drv.getUsed()?.id, a); // moves the driver event offset to 1
  dev.pushUsed(b, 0);
  assert.equal(dev.needInterrupt(), true);
  assert.equal(dev.needInterrupt(), false);
});

for (const eventIdx of [false, true]) {
  for (const indirect of [false, true]) {
    test(`packed round trip: eventIdx=${eventIdx} indirect=${indirect}`, () => {
      const seed = seedFromEnv(0xbac + (eventIdx ? 1 : 0) + (indirect ? 2 : 0));
      try { packedRoundTrip(seed, eventIdx, indirect); } catch (e) {
        throw new Error(`seed ${seed} (replay with RINGWIRE_SEED=${seed}): ${(e as Error).message}`, { cause: e });
      }
    });
  }
}

function packedRoundTrip(seed: number, eventIdx: boolean, indirect: boolean): void {
  const rand = rng(seed);
  const SIZE = 12; // not a power of two: packed queues allow any size
  const memory = new GuestMemory();
  let notes = 0;
  memory.mapNew(0, 0x1000, { shared: eventIdx, onNotify: () => { notes++; } });
  const bufPort = memory.mapNew(0x10000, SIZE * 256);
  memory.mapNew(0x8000, SIZE * 64);
  const cfg: PackedQueueConfig = { memory, size: SIZE, desc: 0, driverEvent: 0x800, deviceEvent: 0x804, eventIdx, indirect };
  const drv = new PackedDriver(cfg);
  const dev = new PackedDevice(cfg);
  const expected = new Map<number, { token: number; writable: number }>();
  const popped: { id: number; writable: number }[] = [];
  const scratch = new Uint8Array(64);
  let token = 0;
  let completed = 0;
  let wraps = 0;
  let lastWrap = dev.availWrap;
  while (completed < 30000) {
    for (let a = Math.floor(rand() * 4); a > 0; a--) {
      const nr = 1 + Math.floor(rand() * 2);
      const nw = Math.floor(rand() * 2);
      const useInd = indirect && rand() < 0.5;
      if ((useInd ? 1 : nr + nw) > drv.numFree) break;
      const slot = token % SIZE;
      if ([...expected.values()].some((e) => e.token % SIZE === slot)) break;
      const base = 0x10000 + slot * 256;
      const bufs = [];
      for (let k = 0; k < nr; k++) {
        bufPort.bytes.fill((token + k) & 0xff, base - 0x10000 + k * 64, base - 0x10000 + k * 64 + 8);
        bufs.push({ addr: base + k * 64, len: 8 });
      }
      for (let k = 0; k < nw; k++) bufs.push({ addr: base + (nr + k) * 64, len: 48, write: true });
      const id = useInd ? drv.addIndirect(bufs, 0x8000 + slot * 64) : drv.add(bufs);
      assert.ok(!expected.has(id));
      expected.set(id, { token, writable: nw * 48 });
      token++;
    }
    if (rand() < 0.7) drv.kick();
    for (let p = Math.floor(rand() * 4); p > 0; p--) {
      const c = dev.pop();
      if (c === null) break;
      const exp = expected.get(c.id);
      assert.ok(exp, `popped unknown id ${c.id}`);
      assert.equal(c.writable, exp.writable);
      let r = 0;
      for (let k = 0; k < c.count; k++) {
        const f = c.flags[k] as number;
        if ((f & INDIRECT) !== 0) continue;
        if ((f & WRITE) === 0) {
          c.readBuffer(k, scratch);
          assert.equal(scratch[0], (exp.token + r++) & 0xff);
        } else c.writeBuffer(k, scratch.subarray(0, 48));
      }
      popped.push({ id: c.id, writable: c.writable });
      if (dev.availWrap !== lastWrap) { wraps++; lastWrap = dev.availWrap; }
    }
    for (let q = Math.floor(rand() * 4); q > 0 && popped.length > 0; q--) {
      const [done] = popped.splice(rand() < 0.3 ? popped.length - 1 : 0, 1);
      if (done !== undefined) dev.pushUsed(done.id, Math.floor(rand() * (done.writable + 1)));
    }
    if (rand() < 0.7) dev.interrupt();
    if (rand() < 0.3) drv.disableCallbacks();
    for (let u = drv.getUsed(); u !== null; u = drv.getUsed()) {
      const exp = expected.get(u.id);
      assert.ok(exp, `used unknown id ${u.id}`);
      assert.ok(u.len <= exp.writable);
      expected.delete(u.id);
      completed++;
    }
    drv.enableCallbacks();
    if (rand() < 0.3) dev.disableNotifications(); else dev.enableNotifications();
  }
  assert.ok(wraps > 3 * 100, `wrap counter flipped ${wraps} times`);
  assert.ok(notes > 0);
}

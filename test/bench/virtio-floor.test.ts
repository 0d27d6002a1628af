/**
 * The hand-written floor of virtio-bench (virtio-floor.ts) does the record API's work: round trip by round trip
 * it leaves the same bytes in the descriptor table, driver area and device area as SplitDriver.addRecord,
 * SplitDevice.popRecord, SplitDevice.pushUsed and SplitDriver.getUsedRecord on virtio-bench's queue, walks the
 * same chain, reclaims the same head and len, keeps the same counters, and refuses the same bad input with the
 * same code, leaving nothing changed; and so does the packed floor against PackedDriver / PackedDevice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory, PackedDevice, PackedDriver, SplitDevice, SplitDriver, VirtqError } from '../../src/virtio/index.js';
import { ENTRY, FloorError, makePackedFloor, makeSplitFloor, type PackedFloor, type SplitFloor } from './virtio-floor.js';

/** virtio-bench's queue: areas in region 0 (64 KiB), buffers in region 1 at 0x10000 (4 KiB). */
function ringwire(): { drv: SplitDriver; dev: SplitDevice; ring: Uint8Array } {
  const memory = new GuestMemory();
  const ring = memory.mapNew(0, 0x10000).bytes;
  memory.mapNew(0x10000, 0x1000);
  const cfg = { memory, size: 256, desc: 0, avail: 0x2000, used: 0x3000 };
  const drv = new SplitDriver(cfg);
  const dev = new SplitDevice(cfg);
  assert.ok(drv.ring.direct && dev.ring.direct, 'the bench queue is a direct ring');
  return { drv, dev, ring };
}

/** Both round trips on the same records; every observable result compared. */
function roundBoth(rw: ReturnType<typeof ringwire>, floor: SplitFloor, addr: Float64Array, len: Uint32Array, nOut: number, nIn: number, what: string): void {
  const { drv, dev } = rw;
  drv.addRecord(addr, len, nOut, nIn);
  const head = dev.popRecord();
  assert.ok(head >= 0, `${what}: ringwire popped nothing`);
  const c = dev.chain;
  const walked = {
    head: c.head, count: c.count, readable: c.readable, writable: c.writable,
    entries: Array.from({ length: c.count }, (_, k) => [c.index[k], c.addrLo[k], c.addrHi[k], c.len[k], c.flags[k], c.next[k], c.inTable[k],
      // ringwire's buffers are in its region 1 at 0x10000; the floor's one region starts at 0: compare guest addresses.
      0x10000 + (c.regionOffset[k] as number)]),
  };
  dev.pushUsed(head, c.writable);
  const reclaimed = drv.getUsedRecord();

  const got = floor.round(addr, len, nOut, nIn);
  const fc = floor.chain();
  const e = floor.entries;
  const floorWalked = {
    head: fc.head, count: fc.count, readable: fc.readable, writable: fc.writable,
    entries: Array.from({ length: fc.count }, (_, k) => [e[k * ENTRY], e[k * ENTRY + 1], e[k * ENTRY + 2], e[k * ENTRY + 3], e[k * ENTRY + 4],
      e[k * ENTRY + 5], e[k * ENTRY + 6], e[k * ENTRY + 8]]),
  };
  assert.deepEqual(floorWalked, walked, `${what}: the walked chain`);
  assert.equal(got, reclaimed, `${what}: the reclaimed head`);
  assert.equal(floor.usedLen(), drv.usedLen, `${what}: the used len`);
  assert.deepEqual(floor.state(), {
    numFree: drv.numFree, availIdxShadow: drv.availIdxShadow, numAdded: drv.numAdded, lastUsed: drv.lastUsed, inFlight: drv.inFlight,
    lastAvail: dev.lastAvail, usedIdxShadow: dev.usedIdxShadow,
  }, `${what}: the counters`);
  const diff = rw.ring.findIndex((b, i) => floor.bytes[i] !== b);
  assert.equal(diff, -1, `${what}: ring bytes differ first at 0x${diff.toString(16)} (ringwire ${rw.ring[diff]}, floor ${floor.bytes[diff]})`);
}

/** n buffer records at varying addresses and lengths inside the buffer region. */
function records(n: number, round: number): { addr: Float64Array; len: Uint32Array } {
  const addr = new Float64Array(n);
  const len = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    addr[k] = 0x10000 + ((round * 0x130 + k * 0x100) % 0xf00);
    len[k] = 1 + ((round * 7 + k * 13) % 0x100);
  }
  return { addr, len };
}

test('the floor leaves the same ring bytes, chain, used buffer and counters as the record API, round trip by round trip', () => {
  // virtio-bench's shapes (1 and 3 descriptors, the last device-writable) and others, past both 16-bit and ring wraps.
  for (const [nOut, nIn] of [[0, 1], [2, 1], [3, 0], [1, 2], [0, 4]] as const) {
    const rw = ringwire();
    const floor = makeSplitFloor();
    for (let r = 0; r < 600; r++) {
      const { addr, len } = records(nOut + nIn, r);
      roundBoth(rw, floor, addr, len, nOut, nIn, `${nOut}+${nIn}, round trip ${r}`);
    }
  }
});

test('the floor with the bench\'s own records (virtio-bench recordsOf) matches the record API', () => {
  for (const n of [1, 3]) {
    const rw = ringwire();
    const floor = makeSplitFloor();
    const addr = Float64Array.from({ length: n }, (_, k) => 0x10000 + k * 0x100);
    const len = new Uint32Array(n).fill(64);
    for (let r = 0; r < 300; r++) roundBoth(rw, floor, addr, len, n - 1, 1, `bench ${n}, round trip ${r}`);
  }
});

/** The code fn throws: a VirtqError's or a FloorError's. */
function codeOf(fn: () => unknown): string | undefined {
  try { fn(); } catch (e) {
    if (e instanceof VirtqError || e instanceof FloorError) return e.code;
    throw e;
  }
  return undefined;
}

test('the floor refuses bad records with ringwire\'s codes, before changing anything', () => {
  const rw = ringwire();
  const floor = makeSplitFloor();
  const good = records(3, 0);
  roundBoth(rw, floor, good.addr, good.len, 2, 1, 'before');
  const bad: [string, Float64Array, Uint32Array, number, number][] = [
    ['len 0', new Float64Array([0x10000]), new Uint32Array([0]), 0, 1],
    ['fractional addr', new Float64Array([65536.5]), new Uint32Array([8]), 0, 1],
    ['negative addr', new Float64Array([-16]), new Uint32Array([8]), 0, 1],
    ['NaN addr', new Float64Array([NaN]), new Uint32Array([8]), 0, 1],
    ['addr at 2^53', new Float64Array([2 ** 53]), new Uint32Array([8]), 0, 1],
    ['past the buffer region', new Float64Array([0x10ff0]), new Uint32Array([0x20]), 0, 1],
    ['second buffer unmapped', new Float64Array([0x10000, 0x20000]), new Uint32Array([8, 8]), 1, 1],
    ['no buffers', new Float64Array(1), new Uint32Array(1), 0, 0],
    ['more records than the arrays', new Float64Array([0x10000]), new Uint32Array([8]), 1, 1],
    ['fractional count', new Float64Array([0x10000, 0x10100]), new Uint32Array([8, 8]), 0.5, 1],
    ['more than the free descriptors', new Float64Array(257).fill(0x10000), new Uint32Array(257).fill(1), 0, 257],
  ];
  for (const [what, addr, len, nOut, nIn] of bad) {
    const want = codeOf(() => rw.drv.addRecord(addr, len, nOut, nIn));
    assert.ok(want !== undefined, `${what}: ringwire refuses it`);
    assert.equal(codeOf(() => floor.round(addr, len, nOut, nIn)), want, what);
  }
  // Nothing moved on either side: the next round trips still match.
  for (let r = 1; r < 40; r++) {
    const { addr, len } = records(3, r);
    roundBoth(rw, floor, addr, len, 2, 1, `after, round trip ${r}`);
  }
});

test('a reset queue refuses the floor\'s round trip (VIRTQ_QUEUE_RESET) on either end', () => {
  const floor = makeSplitFloor();
  const { addr, len } = records(1, 0);
  floor.setReset(true, false);
  assert.equal(codeOf(() => floor.round(addr, len, 0, 1)), 'VIRTQ_QUEUE_RESET');
  floor.setReset(false, true);
  assert.equal(codeOf(() => floor.round(addr, len, 0, 1)), 'VIRTQ_QUEUE_RESET');
});

/** virtio-bench's packed queue: the ring in region 0, buffers in region 1 at 0x10000. */
function ringwirePacked(): { drv: PackedDriver; dev: PackedDevice; ring: Uint8Array } {
  const memory = new GuestMemory();
  const ring = memory.mapNew(0, 0x10000).bytes;
  memory.mapNew(0x10000, 0x1000);
  const cfg = { memory, size: 256, desc: 0, driverEvent: 0x2000, deviceEvent: 0x2004 };
  const drv = new PackedDriver(cfg);
  const dev = new PackedDevice(cfg);
  assert.ok(drv.ring.direct && dev.ring.direct, 'the bench queue is a direct ring');
  return { drv, dev, ring };
}

function roundBothPacked(rw: ReturnType<typeof ringwirePacked>, floor: PackedFloor, addr: Float64Array, len: Uint32Array, nOut: number, nIn: number, what: string): void {
  const { drv, dev } = rw;
  drv.addRecord(addr, len, nOut, nIn);
  const id = dev.popRecord();
  assert.ok(id >= 0, `${what}: ringwire popped nothing`);
  const c = dev.chain;
  const walked = {
    head: c.head, id: c.id, count: c.count, readable: c.readable, writable: c.writable,
    entries: Array.from({ length: c.count }, (_, k) => [c.index[k], c.addrLo[k], c.addrHi[k], c.len[k], c.flags[k], c.next[k], c.inTable[k],
      0x10000 + (c.regionOffset[k] as number)]),
  };
  dev.pushUsed(id, c.writable);
  const reclaimed = drv.getUsedRecord();

  const got = floor.round(addr, len, nOut, nIn);
  const fc = floor.chain();
  const e = floor.entries;
  const floorWalked = {
    head: fc.head, id: fc.id, count: fc.count, readable: fc.readable, writable: fc.writable,
    entries: Array.from({ length: fc.count }, (_, k) => [e[k * ENTRY], e[k * ENTRY + 1], e[k * ENTRY + 2], e[k * ENTRY + 3], e[k * ENTRY + 4],
      e[k * ENTRY + 5], e[k * ENTRY + 6], e[k * ENTRY + 8]]),
  };
  assert.deepEqual(floorWalked, walked, `${what}: the walked chain`);
  assert.equal(got, reclaimed, `${what}: the reclaimed id`);
  assert.equal(floor.usedLen(), drv.usedLen, `${what}: the used len`);
  assert.deepEqual(floor.state(), {
    numFree: drv.numFree, numAdded: drv.numAdded, inFlight: drv.inFlight, nextAvail: drv.nextAvail, availWrap: drv.availWrap,
    lastUsed: drv.lastUsed, usedWrap: drv.usedWrap,
    deviceNextAvail: dev.nextAvail, deviceAvailWrap: dev.availWrap, nextUsed: dev.nextUsed, deviceUsedWrap: dev.usedWrap,
  }, `${what}: the counters`);
  const diff = rw.ring.findIndex((b, i) => floor.bytes[i] !== b);
  assert.equal(diff, -1, `${what}: ring bytes differ first at 0x${diff.toString(16)} (ringwire ${rw.ring[diff]}, floor ${floor.bytes[diff]})`);
}

test('the packed floor leaves the same ring bytes, chain, used buffer and counters as the record API, round trip by round trip', () => {
  for (const [nOut, nIn] of [[0, 1], [2, 1], [3, 0], [1, 2], [0, 5]] as const) {
    const rw = ringwirePacked();
    const floor = makePackedFloor();
    // 600 round trips of up to 5 descriptors pass the ring's end (and flip the wrap counters) several times.
    for (let r = 0; r < 600; r++) {
      const { addr, len } = records(nOut + nIn, r);
      roundBothPacked(rw, floor, addr, len, nOut, nIn, `packed ${nOut}+${nIn}, round trip ${r}`);
    }
  }
});

test('the packed floor refuses bad records with ringwire\'s codes, and a reset queue', () => {
  const rw = ringwirePacked();
  const floor = makePackedFloor();
  const bad: [string, Float64Array, Uint32Array, number, number][] = [
    ['len 0', new Float64Array([0x10000]), new Uint32Array([0]), 0, 1],
    ['past the buffer region', new Float64Array([0x10ff0]), new Uint32Array([0x20]), 0, 1],
    ['no buffers', new Float64Array(1), new Uint32Array(1), 0, 0],
    ['more than the free descriptors', new Float64Array(257).fill(0x10000), new Uint32Array(257).fill(1), 0, 257],
  ];
  for (const [what, addr, len, nOut, nIn] of bad) {
    const want = codeOf(() => rw.drv.addRecord(addr, len, nOut, nIn));
    assert.ok(want !== undefined, `${what}: ringwire refuses it`);
    assert.equal(codeOf(() => floor.round(addr, len, nOut, nIn)), want, what);
  }
  for (let r = 0; r < 40; r++) {
    const { addr, len } = records(3, r);
    roundBothPacked(rw, floor, addr, len, 2, 1, `after, round trip ${r}`);
  }
  const { addr, len } = records(1, 0);
  floor.setReset(true, false);
  assert.equal(codeOf(() => floor.round(addr, len, 0, 1)), 'VIRTQ_QUEUE_RESET');
  floor.setReset(false, true);
  assert.equal(codeOf(() => floor.round(addr, len, 0, 1)), 'VIRTQ_QUEUE_RESET');
});

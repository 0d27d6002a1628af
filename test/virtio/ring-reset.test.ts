/**
 * VIRTIO_F_RING_RESET (virtio 1.2 §2.6.1): a queue reset on both ends after traffic has wrapped the 16-bit
 * indices (split) or flipped the wrap counters (packed) returns each end to the state of a new queue; in
 * between, nothing is executed or notified; re-enabling works with the old or a new configuration.
 * Also: the ends' bookkeeping is read-only to callers (issue 7, item 7).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory, PackedDevice, PackedDriver, SplitDevice, SplitDriver } from '../../src/virtio/index.js';
import { throwsCode } from './helpers.js';

function guest() {
  const memory = new GuestMemory();
  const notes: number[] = [];
  const ring = memory.mapNew(0, 0x2000, { onNotify: (c) => notes.push(c) });
  memory.mapNew(0x10000, 0x1000);
  return { memory, ring, notes };
}

function splitState(drv: SplitDriver, dev: SplitDevice) {
  return {
    drv: [drv.numFree, drv.availIdxShadow, drv.numAdded, drv.lastUsed, drv.inFlight],
    dev: [dev.lastAvail, dev.usedIdxShadow, dev.signalledUsed],
  };
}

test('split RING_RESET after the 16-bit wrap: both ends return to a new queue, refuse work in between, then run again', () => {
  const { memory, ring, notes } = guest();
  const cfg = { memory, size: 8, desc: 0, avail: 0x800, used: 0xc00, eventIdx: true, ringReset: true, queueIndex: 1 };
  const drv = new SplitDriver(cfg);
  const dev = new SplitDevice(cfg);
  const fresh = guest();
  const freshState = splitState(new SplitDriver({ ...cfg, memory: fresh.memory }), new SplitDevice({ ...cfg, memory: fresh.memory }));
  // Traffic past 65535 -> 0, leaving three buffers in flight (one popped by the device, two not).
  for (let i = 0; i < 65540; i++) {
    drv.add([{ addr: 0x10000, len: 8, write: true }]);
    const c = dev.pop()!;
    dev.pushUsed(c.head, 4);
    assert.equal(drv.getUsed()?.len, 4);
  }
  assert.equal(drv.availIdxShadow, 4, 'wrapped');
  for (let k = 0; k < 3; k++) drv.add([{ addr: 0x10000, len: 8, write: true }]);
  drv.kick();
  dev.pop();

  dev.reset();
  assert.equal(drv.reset(), 3, 'three buffers abandoned');
  const bytes = ring.bytes.slice();
  const n = notes.length;
  // §2.6.1.1.1: no requests executed, no notification, on either end, until re-enabled
  for (const op of [() => dev.pop(), () => dev.pushUsed(0, 0), () => dev.interrupt(), () => dev.pending(), () => dev.enableNotifications()]) {
    throwsCode(op, 'VIRTQ_QUEUE_RESET');
  }
  for (const op of [() => drv.add([{ addr: 0x10000, len: 8 }]), () => drv.kick(), () => drv.getUsed(), () => drv.enableCallbacks()]) {
    throwsCode(op, 'VIRTQ_QUEUE_RESET');
  }
  assert.deepEqual(ring.bytes, bytes, 'refused operations wrote nothing');
  assert.equal(notes.length, n, 'and notified nothing');
  assert.deepEqual(dev.isReset && drv.isReset, true);

  drv.enable();
  dev.enable();
  assert.deepEqual(splitState(drv, dev), freshState, 'the state of a new queue');
  assert.ok(ring.bytes.subarray(0, 0xc00 + 4 + 8 * 8 + 2).every((b) => b === 0), 'descriptor table, driver and device areas zeroed');
  throwsCode(() => drv.enable(), 'VIRTQ_QUEUE_ENABLED');
  throwsCode(() => dev.enable(), 'VIRTQ_QUEUE_ENABLED');
  for (let i = 0; i < 20; i++) {
    const head = drv.add([{ addr: 0x10000, len: 8, write: true }]);
    const kicked = drv.kick();
    if (i === 0) assert.equal(kicked, true, 'avail_event is 0 again');
    const c = dev.pop()!;
    assert.equal(c.head, head);
    dev.pushUsed(c.head, 8);
    assert.equal(drv.getUsed()?.id, head);
  }
  assert.equal(dev.lastAvail, 20);
});

test('split RING_RESET: re-enable with a new size and place; without the feature reset() is refused', () => {
  const { memory } = guest();
  const cfg = { memory, size: 8, desc: 0, avail: 0x800, used: 0xc00, ringReset: true };
  const drv = new SplitDriver(cfg);
  const dev = new SplitDevice(cfg);
  drv.add([{ addr: 0x10000, len: 8 }]);
  dev.pop();
  drv.reset(); dev.reset();
  const moved = { memory, size: 4, desc: 0x1000, avail: 0x1400, used: 0x1800 };
  // a bad geometry leaves the queue reset and unchanged
  throwsCode(() => drv.enable({ ...moved, size: 3 }), 'VIRTQ_BAD_GEOMETRY');
  assert.equal(drv.isReset, true);
  drv.enable(moved);
  dev.enable(moved);
  assert.equal(drv.ring.size, 4);
  assert.equal(drv.numFree, 4);
  for (let i = 0; i < 10; i++) {
    drv.add([{ addr: 0x10000, len: 8 }, { addr: 0x10100, len: 8 }]);
    const c = dev.pop()!;
    assert.equal(c.count, 2);
    dev.pushUsed(c.head, 0);
    drv.getUsed();
  }
  throwsCode(() => new SplitDriver({ ...cfg, ringReset: false }).reset(), 'VIRTQ_FEATURE_NOT_NEGOTIATED');
  throwsCode(() => new SplitDevice({ ...cfg, ringReset: false }).reset(), 'VIRTQ_FEATURE_NOT_NEGOTIATED');
});

test('packed RING_RESET after wrap-counter flips: wrap counters back to 1, positions 0, memory zeroed, traffic again', () => {
  const { memory, ring, notes } = guest();
  const size = 5;
  const cfg = { memory, size, desc: 0, driverEvent: 0x800, deviceEvent: 0x804, ringReset: true, inOrder: true };
  const drv = new PackedDriver(cfg);
  const dev = new PackedDevice(cfg);
  for (let i = 0; i < 7; i++) {
    drv.add([{ addr: 0x10000, len: 8, write: true }]);
    dev.pushUsed(dev.pop()!.id, 8);
    drv.getUsed();
  }
  assert.deepEqual([drv.availWrap, dev.availWrap, dev.usedWrap], [0, 0, 0], 'flipped');
  drv.add([{ addr: 0x10000, len: 8, write: true }]);
  dev.pop();
  dev.reset();
  assert.equal(drv.reset(), 1);
  const n = notes.length;
  throwsCode(() => dev.pushUsed(0, 0), 'VIRTQ_QUEUE_RESET');
  throwsCode(() => dev.interrupt(), 'VIRTQ_QUEUE_RESET');
  throwsCode(() => drv.getUsed(), 'VIRTQ_QUEUE_RESET');
  assert.equal(notes.length, n);
  drv.enable();
  dev.enable();
  assert.deepEqual([drv.nextAvail, drv.availWrap, drv.lastUsed, drv.usedWrap, drv.numFree, drv.inFlight], [0, 1, 0, 1, size, 0]);
  assert.deepEqual([dev.nextAvail, dev.availWrap, dev.nextUsed, dev.usedWrap], [0, 1, 0, 1]);
  assert.ok(ring.bytes.subarray(0, size * 16).every((b) => b === 0));
  assert.ok(ring.bytes.subarray(0x800, 0x808).every((b) => b === 0));
  for (let i = 0; i < 12; i++) {
    const id = drv.add([{ addr: 0x10000, len: 8, write: true }]);
    const c = dev.pop()!;
    assert.equal(c.head, i % size, 'from position 0 again');
    dev.pushUsed(c.id, 8);
    assert.equal(drv.getUsed()?.id, id);
  }
  throwsCode(() => new PackedDriver({ ...cfg, ringReset: false }).reset(), 'VIRTQ_FEATURE_NOT_NEGOTIATED');
  throwsCode(() => new PackedDevice({ ...cfg, ringReset: false }).reset(), 'VIRTQ_FEATURE_NOT_NEGOTIATED');
  throwsCode(() => drv.enable(), 'VIRTQ_QUEUE_ENABLED');
  drv.reset(); dev.reset();
  drv.enable({ memory, size: 3, desc: 0x1000, driverEvent: 0x1100, deviceEvent: 0x1104 });
  dev.enable({ memory, size: 3, desc: 0x1000, driverEvent: 0x1100, deviceEvent: 0x1104 });
  drv.add([{ addr: 0x10000, len: 8 }, { addr: 0x10000, len: 8 }, { addr: 0x10000, len: 8 }]);
  assert.equal(dev.pop()?.ringCount, 3);
});

test('driver and device bookkeeping cannot be written by a caller', () => {
  const { memory } = guest();
  const split = { memory, size: 8, desc: 0, avail: 0x800, used: 0xc00 };
  const packed = { memory, size: 8, desc: 0x1000, driverEvent: 0x1800, deviceEvent: 0x1804 };
  const ends: [object, string[]][] = [
    [new SplitDriver(split), ['numFree', 'availIdxShadow', 'numAdded', 'lastUsed', 'inFlight', 'ring']],
    [new SplitDevice(split), ['lastAvail', 'usedIdxShadow', 'signalledUsed', 'chain', 'ring']],
    [new PackedDriver(packed), ['nextAvail', 'availWrap', 'lastUsed', 'usedWrap', 'numFree', 'numAdded', 'inFlight', 'ring']],
    [new PackedDevice(packed), ['nextAvail', 'availWrap', 'nextUsed', 'usedWrap', 'chain', 'ring']],
  ];
  for (const [end, names] of ends) {
    assert.deepEqual(Object.keys(end), [], `${end.constructor.name} has no public own fields`);
    for (const name of names) {
      const before = (end as Record<string, unknown>)[name];
      assert.throws(() => { (end as Record<string, unknown>)[name] = 12345; }, TypeError, `${end.constructor.name}.${name}`);
      assert.equal((end as Record<string, unknown>)[name], before);
    }
  }
  assert.equal('usedIdx' in new SplitDevice(split), false, 'renamed to usedIdxShadow');
});

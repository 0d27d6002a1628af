/**
 * VIRTIO_F_NOTIFICATION_DATA (virtio 1.2 §2.9, §4.1.5.2): the 32-bit value le32 { vqn:16; next_off:15;
 * next_wrap:1 } — its bit layout, the value split and packed drivers send with each kick (through the
 * 16-bit avail.idx wrap and packed wrap-counter flips), the device-side check, and the RingPort carrying it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  GuestMemory, PackedDevice, PackedDriver, SplitDevice, SplitDriver, decodeNotificationData, encodeNotificationData,
  splitNotificationData, notifiedAvailIdx, virtqFeatures, VIRTIO_F_NOTIFICATION_DATA, VIRTIO_F_IN_ORDER, VIRTIO_F_RING_RESET,
} from '../../src/virtio/index.js';
import { PlainRingPort, RecordingRingPort, replayPortEvents, protocol, type PortEvent } from '../../src/index.js';
import { virtioSpecOnlyConstants } from '../../protocol/virtio/constants.js';
import { throwsCode } from './helpers.js';

test('notification value layout: vqn in bits 0..15, next_off in 16..30, next_wrap in bit 31', () => {
  const v = encodeNotificationData(0x1234, 0x5678, 1);
  assert.equal(v, 0xd6781234);
  assert.deepEqual(decodeNotificationData(v), { vqn: 0x1234, next_off: 0x5678, next_wrap: 1 });
  assert.deepEqual(decodeNotificationData(0x00010002), { vqn: 2, next_off: 1, next_wrap: 0 });
  // split: next_off is the low 15 bits of the avail index and next_wrap its bit 15 (§2.9)
  const s = splitNotificationData(3, 0x8005);
  assert.deepEqual(decodeNotificationData(s), { vqn: 3, next_off: 5, next_wrap: 1 });
  assert.equal(notifiedAvailIdx(s), 0x8005);
  throwsCode(() => decodeNotificationData(2 ** 32), 'VIRTQ_NOTIFICATION_DATA_MISMATCH');
  throwsCode(() => decodeNotificationData(-1), 'VIRTQ_NOTIFICATION_DATA_MISMATCH');
});

test('feature bits: VIRTIO_F_NOTIFICATION_DATA is 38 (and equals the headers once they define it); virtqFeatures maps bits', () => {
  assert.equal(VIRTIO_F_NOTIFICATION_DATA, 38);
  assert.equal(VIRTIO_F_IN_ORDER, 35);
  assert.equal(VIRTIO_F_RING_RESET, 40);
  const golden = JSON.parse(readFileSync(new URL('../../../test/golden/virtio-layout.json', import.meta.url), 'utf8')) as { constants: Record<string, number> };
  for (const c of virtioSpecOnlyConstants) {
    if (c.name in golden.constants) assert.equal(golden.constants[c.name], c.value, c.name);
    assert.ok(!protocol.virtioConstants.some((d) => d.name === c.name), `${c.name} stays out of the oracle-compared list`);
  }
  const f = virtqFeatures((1n << 38n) | (1n << 35n) | (1n << 29n));
  assert.deepEqual(f, { eventIdx: true, indirect: false, inOrder: true, notificationData: true, ringReset: false });
  assert.equal(virtqFeatures(1n << 40n).ringReset, true);
});

/** A guest whose ring page records notifications as [channel, data]. */
function guest() {
  const memory = new GuestMemory();
  const kicks: [number, number | undefined][] = [];
  memory.mapNew(0, 0x1000, { onNotify: (c, d) => kicks.push([c, d]) });
  memory.mapNew(0x10000, 0x1000);
  return { memory, kicks };
}

test('split: each kick carries vqn and the new avail idx, through 65535 -> 0; the device checks it', () => {
  const { memory, kicks } = guest();
  const cfg = { memory, size: 8, desc: 0, avail: 0x800, used: 0xc00, queueIndex: 5, notificationData: true };
  const drv = new SplitDriver(cfg);
  const dev = new SplitDevice(cfg);
  let wrapped = false;
  for (let round = 0; round < 35000; round++) {
    const n = 1 + (round % 3);
    for (let k = 0; k < n; k++) drv.add([{ addr: 0x10000, len: 8, write: true }]);
    const before = kicks.length;
    assert.equal(drv.kick(), true);
    const [channel, data] = kicks[before]!;
    assert.equal(channel, 5);
    assert.equal(data, drv.notificationData());
    const d = decodeNotificationData(data!);
    assert.equal(d.vqn, 5);
    assert.equal(d.next_off | (d.next_wrap << 15), drv.availIdxShadow);
    if (d.next_wrap === 0 && drv.availIdxShadow < n) wrapped = true;
    assert.equal(dev.checkNotification(data!), n, 'announces the n entries added');
    for (let c = dev.pop(); c !== null; c = dev.pop()) dev.pushUsed(c.head, 8);
    assert.equal(dev.checkNotification(data!), 0, 'an old notification announces nothing new');
    while (drv.getUsed() !== null);
  }
  assert.ok(wrapped, 'avail idx wrapped');
  // another queue's number, or an index the driver has not published, is refused without state change
  const last = kicks[kicks.length - 1]![1]!;
  const lastAvail = dev.lastAvail;
  throwsCode(() => dev.checkNotification(((last & ~0xffff) | 4) >>> 0), 'VIRTQ_NOTIFICATION_DATA_MISMATCH');
  throwsCode(() => dev.checkNotification(splitNotificationData(5, drv.availIdxShadow + 1)), 'VIRTQ_NOTIFICATION_DATA_MISMATCH');
  assert.equal(dev.lastAvail, lastAvail);
});

test('packed: each kick carries next_off / next_wrap of the next available descriptor; the device checks it', () => {
  const { memory, kicks } = guest();
  const size = 6;
  const cfg = { memory, size, desc: 0, driverEvent: 0x800, deviceEvent: 0x804, queueIndex: 2, notificationData: true };
  const drv = new PackedDriver(cfg);
  const dev = new PackedDevice(cfg);
  let flips = 0;
  let wrap = 1;
  for (let round = 0; round < 300; round++) {
    const n = 1 + (round % 4);
    for (let k = 0; k < n; k++) drv.add([{ addr: 0x10000, len: 8, write: true }]);
    const before = kicks.length;
    drv.kick();
    const data = kicks[before]![1]!;
    assert.deepEqual(decodeNotificationData(data), { vqn: 2, next_off: drv.nextAvail, next_wrap: drv.availWrap });
    if (drv.availWrap !== wrap) { flips++; wrap = drv.availWrap; }
    assert.equal(dev.checkNotification(data), n, 'n descriptors beyond the device');
    for (let c = dev.pop(); c !== null; c = dev.pop()) dev.pushUsed(c.id, 8);
    assert.equal(dev.checkNotification(data), 0);
    while (drv.getUsed() !== null);
  }
  assert.ok(flips > 50);
  throwsCode(() => dev.checkNotification(encodeNotificationData(2, size, 0)), 'VIRTQ_NOTIFICATION_DATA_MISMATCH');
  throwsCode(() => dev.checkNotification(encodeNotificationData(1, 0, 0)), 'VIRTQ_NOTIFICATION_DATA_MISMATCH');
});

test('without VIRTIO_F_NOTIFICATION_DATA a kick carries the queue number only, and the device refuses to check a value', () => {
  const { memory, kicks } = guest();
  const drv = new SplitDriver({ memory, size: 8, desc: 0, avail: 0x800, used: 0xc00, queueIndex: 1 });
  const dev = new SplitDevice({ memory, size: 8, desc: 0, avail: 0x800, used: 0xc00, queueIndex: 1 });
  drv.add([{ addr: 0x10000, len: 8 }]);
  drv.kick();
  assert.deepEqual(kicks, [[1, undefined]]);
  throwsCode(() => dev.checkNotification(splitNotificationData(1, 1)), 'VIRTQ_FEATURE_NOT_NEGOTIATED');
  const pdev = new PackedDevice({ memory, size: 8, desc: 0, driverEvent: 0x800, deviceEvent: 0x804 });
  throwsCode(() => pdev.checkNotification(0), 'VIRTQ_FEATURE_NOT_NEGOTIATED');
});

test('RingPort.notify passes the value on; RecordingRingPort logs it and replays it', () => {
  const seen: [number, number | undefined][] = [];
  const plain = new PlainRingPort(new ArrayBuffer(64), 0, 64, (c, d) => seen.push([c, d]));
  const log: PortEvent[] = [];
  const rec = new RecordingRingPort(plain, log, 0);
  rec.notify(3, 0xd6781234);
  rec.notify(4);
  assert.deepEqual(seen, [[3, 0xd6781234], [4, undefined]]);
  assert.deepEqual(log, [{ port: 0, kind: 'notify', channel: 3, data: 0xd6781234 }, { port: 0, kind: 'notify', channel: 4 }]);
  const again: [number, number | undefined][] = [];
  replayPortEvents(log, new PlainRingPort(new ArrayBuffer(64), 0, 64, (c, d) => again.push([c, d])), 0);
  assert.deepEqual(again, seen);
});

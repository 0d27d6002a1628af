/**
 * The virtio malformed fixtures on packed queues: each a real run of PackedDriver / PackedDevice on a
 * recorded packed queue (virtio 1.2 §2.8) with one fault injected through the faulty end's own mapping of
 * guest memory (a PackedRing over the driver's or the device's recorded GuestMemory). Where the reference
 * device is handed the faulty chain it refuses it with a VirtqError (refused()), as a device loop would.
 */
import {
  PackedDevice, PackedDriver, PackedRing, recordVirtqueue, virtioConstant,
  VRING_DESC_F_NEXT, VRING_DESC_F_WRITE, VRING_PACKED_DESC_F_AVAIL_BIT, VRING_PACKED_DESC_F_USED_BIT,
  VRING_PACKED_EVENT_FLAG_DESC, VRING_PACKED_EVENT_F_WRAP_CTR, VIRTIO_RING_F_EVENT_IDX,
  type PackedQueueConfig, type TraceRecorder, type VirtqFeatures, type VirtqueueRecording,
} from '../index.js';
import { refused } from './virtio.js';
import { driverEventError } from './reference-virtio.js';
import type { MalformedFixture } from './scenario.js';

const SIZE = 8;
const VERSION_1 = 1n << BigInt(virtioConstant('VIRTIO_F_VERSION_1'));
const RING_PACKED = 1n << BigInt(virtioConstant('VIRTIO_F_RING_PACKED'));
const EVENT_IDX = 1n << BigInt(VIRTIO_RING_F_EVENT_IDX);
const BUF = 0x4000;

export interface PackedQueue {
  readonly q: VirtqueueRecording<PackedQueueConfig>;
  readonly driver: PackedDriver;
  readonly device: PackedDevice;
  /** The queue as the driver maps it: stores through it are the driver's. */
  readonly asDriver: PackedRing;
  /** The queue as the device maps it: stores through it are the device's. */
  readonly asDevice: PackedRing;
}

/** A packed queue of 8 with a healthy first round: a 16-byte request and a 512-byte writable buffer, used whole. */
export function warmPacked(rec: TraceRecorder, features = 0n): PackedQueue {
  const q = recordVirtqueue(rec, { layout: 'packed', size: SIZE, features: VERSION_1 | RING_PACKED | features, ram: new ArrayBuffer(0x10000), desc: 0, driverEvent: 0x1000, deviceEvent: 0x1004 });
  const config = (c: PackedQueueConfig & VirtqFeatures) => c;
  const x = { q, driver: new PackedDriver(config(q.driverConfig)), device: new PackedDevice(config(q.deviceConfig)), asDriver: new PackedRing(q.driverConfig), asDevice: new PackedRing(q.deviceConfig) };
  packedRound(x, 0);
  return x;
}

/** Add one request (read buffer, then a 512-byte writable one) and kick. Returns its buffer id. */
export function addPacked(x: PackedQueue, n: number, kick = true): number {
  const id = x.driver.add([{ addr: BUF + 0x1000 * n, len: 16 }, { addr: BUF + 0x1000 * n + 0x800, len: 512, write: true }]);
  if (kick) x.driver.kick();
  return id;
}

/** One whole healthy round: add, kick, pop, use all 512 bytes, interrupt, reclaim. */
export function packedRound(x: PackedQueue, n: number): void {
  addPacked(x, n);
  const c = x.device.pop();
  if (c === null) throw new Error('the device found nothing available');
  x.device.pushUsed(c.id, 512);
  x.device.interrupt();
  x.driver.getUsed();
}

/** The AVAIL/USED bits that make a descriptor available in driver wrap pass `wrap` (§2.8.1). */
export function availBits(wrap: number): number {
  return wrap === 1 ? VRING_PACKED_DESC_F_AVAIL_BIT : VRING_PACKED_DESC_F_USED_BIT;
}

/**
 * The driver writes descriptors by hand from next_avail: each [len, flags without wrap bits, id], bodies and
 * later flags first and the head's flags last (§2.8.6), each marked available for its pass unless `bits`
 * says otherwise for that position; then it kicks. Returns the head position.
 */
export function publishPacked(x: PackedQueue, descs: readonly (readonly [number, number, number])[], bits?: (k: number, wrap: number) => number): number {
  const r = x.asDriver;
  const head = x.driver.nextAvail;
  let p = head;
  let w = x.driver.availWrap;
  let headFlags = 0;
  descs.forEach(([len, flags, id], k) => {
    r.writeDescBody(r.descPort, r.descBase, p, BUF + 0x100 * k, 0, len, id);
    const f = flags | (bits === undefined ? availBits(w) : bits(k, w));
    if (k === 0) headFlags = f; else r.setDescFlags(p, f);
    p++;
    if (p === r.size) { p = 0; w ^= 1; }
  });
  r.setDescFlags(head, headFlags);
  r.descPort.notify(0);
  return head;
}

export const virtioPackedMalformedFixtures: readonly MalformedFixture[] = [
  {
    rule: 'VIRTQ_CHAIN_TOO_LONG',
    about: 'packed queue of 8: after a healthy round the driver makes available a list of 8 descriptors that all set VIRTQ_DESC_F_NEXT, so it does not end within the queue size, and kicks; the device refuses it.',
    record(rec) {
      const x = warmPacked(rec);
      publishPacked(x, Array.from({ length: SIZE }, () => [16, VRING_DESC_F_NEXT, 3] as const));
      refused(() => x.device.pop(), 'VIRTQ_CHAIN_TOO_LONG');
    },
  },
  {
    rule: 'VIRTQ_PACKED_DESC_NOT_AVAIL',
    about: 'packed queue of 8: after a healthy round the driver makes available a head whose VIRTQ_DESC_F_NEXT leads to a descriptor it left unavailable (AVAIL and USED clear), and kicks; the device refuses it.',
    record(rec) {
      const x = warmPacked(rec);
      publishPacked(x, [[16, VRING_DESC_F_NEXT, 1], [512, VRING_DESC_F_WRITE, 1]], (k, w) => k === 0 ? availBits(w) : 0);
      refused(() => x.device.pop(), 'VIRTQ_PACKED_DESC_NOT_AVAIL');
    },
  },
  {
    rule: 'VIRTQ_PACKED_BAD_ID',
    about: 'packed queue of 8: after a healthy round the driver makes available a one-descriptor buffer with buffer id 12, not below the queue size, and kicks; the device refuses it.',
    record(rec) {
      const x = warmPacked(rec);
      publishPacked(x, [[16, 0, 12]]);
      refused(() => x.device.pop(), 'VIRTQ_PACKED_BAD_ID');
    },
  },
  {
    rule: 'VIRTQ_PACKED_DUPLICATE_ID',
    about: 'packed queue of 8: the driver makes a request available and the device pops it; before it is used the driver makes another buffer available under the same buffer id and kicks; the device refuses it.',
    record(rec) {
      const x = warmPacked(rec);
      const id = addPacked(x, 1);
      if (x.device.pop() === null) throw new Error('nothing available');
      publishPacked(x, [[16, 0, id]]);
      refused(() => x.device.pop(), 'VIRTQ_PACKED_DUPLICATE_ID');
    },
  },
  {
    rule: 'VIRTQ_PACKED_WRAP_MISUSE',
    about: 'packed queue of 8: the driver makes a request available and the device pops it, then writes its used descriptor with AVAIL and USED clear although its wrap counter is 1, and interrupts; the driver sees nothing used.',
    record(rec) {
      const x = warmPacked(rec);
      addPacked(x, 1);
      const c = x.device.pop();
      if (c === null) throw new Error('nothing available');
      const r = x.asDevice;
      const pos = x.device.nextUsed;
      r.writeDescBody(r.descPort, r.descBase, pos, 0, 0, 512, c.id);
      r.setDescFlags(pos, VRING_DESC_F_WRITE);
      r.descPort.notify(0);
      if (x.driver.getUsed() !== null) throw new Error('the driver took a descriptor that is not used');
    },
  },
  {
    rule: 'VIRTQ_EVENT_OFFSET_OUT_OF_RANGE',
    about: 'packed queue of 8 with VIRTIO_RING_F_EVENT_IDX: after a healthy round the driver asks for a used buffer notification at descriptor offset 12 (RING_EVENT_FLAGS_DESC), outside the ring, then makes a request available and kicks; the device uses it and, deciding whether to notify, refuses the driver event.',
    record(rec) {
      const x = warmPacked(rec, EVENT_IDX);
      x.asDriver.setDriverEvent(12 | (1 << VRING_PACKED_EVENT_F_WRAP_CTR), VRING_PACKED_EVENT_FLAG_DESC);
      addPacked(x, 1);
      const c = x.device.pop();
      if (c === null) throw new Error('nothing available');
      x.device.pushUsed(c.id, 512);
      refused(() => { const bad = driverEventError(x.device.ring); if (bad !== undefined) throw bad; }, 'VIRTQ_EVENT_OFFSET_OUT_OF_RANGE');
    },
  },
];

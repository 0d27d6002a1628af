/**
 * The virtio malformed fixtures: each a real run of SplitDriver / SplitDevice on a recorded split queue
 * with one fault injected through the faulty end's own mapping of guest memory (a SplitRing over the
 * driver's or the device's recorded GuestMemory), so the trace breaks exactly the rule it is named after.
 */
import {
  SplitDevice, SplitDriver, SplitRing, recordVirtqueue, virtioConstant, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE, VRING_DESC_F_INDIRECT,
  VIRTIO_RING_F_INDIRECT_DESC,
  type SplitQueueConfig, type TraceRecorder, type VirtqFeatures, type VirtqueueRecording,
} from '../index.js';
import type { MalformedFixture } from './scenario.js';

const SIZE = 8;
const VERSION_1 = 1n << BigInt(virtioConstant('VIRTIO_F_VERSION_1'));
const BUF = 0x4000;

interface Queue {
  readonly q: VirtqueueRecording<SplitQueueConfig>;
  readonly driver: SplitDriver;
  readonly device: SplitDevice;
  /** The queue as the driver maps it: stores through it are the driver's. */
  readonly asDriver: SplitRing;
  /** The queue as the device maps it: stores through it are the device's. */
  readonly asDevice: SplitRing;
}

/** A split queue of 8 with a healthy first round: a 16-byte request and a 512-byte writable buffer, used whole. */
function warm(rec: TraceRecorder, features = 0n): Queue {
  const q = recordVirtqueue(rec, { layout: 'split', size: SIZE, features: VERSION_1 | features, ram: new ArrayBuffer(0x10000), desc: 0, avail: 0x1000, used: 0x2000 });
  const config = (c: SplitQueueConfig & VirtqFeatures) => c;
  const driver = new SplitDriver(config(q.driverConfig));
  const device = new SplitDevice(config(q.deviceConfig));
  const queue = { q, driver, device, asDriver: new SplitRing(q.driverConfig), asDevice: new SplitRing(q.deviceConfig) };
  round(queue, 0);
  return queue;
}

/** Add one request (read buffer, then a 512-byte writable one) and kick. Returns the head. */
function add(x: Queue, n: number, kick = true): number {
  const head = x.driver.add([{ addr: BUF + 0x1000 * n, len: 16 }, { addr: BUF + 0x1000 * n + 0x800, len: 512, write: true }]);
  if (kick) x.driver.kick();
  return head;
}

/** One whole healthy round: add, kick, pop, use all 512 bytes, interrupt, reclaim. */
function round(x: Queue, n: number): void {
  add(x, n);
  const c = x.device.pop();
  if (c === null) throw new Error('the device found nothing available');
  x.device.pushUsed(c.head, 512);
  x.device.interrupt();
  x.driver.getUsed();
}

/** The driver publishes head `head` by hand (avail ring entry, then avail.idx) and kicks. */
function publish(x: Queue, head: number): void {
  const r = x.asDriver;
  const idx = r.availIdx();
  r.setAvailRing(idx & (SIZE - 1), head);
  r.setAvailIdx(idx + 1);
  r.availPort.notify(0);
}

/** The driver writes descriptor i of the table by hand (buffer at BUF + 0x100 * i, or `addr`). */
function desc(x: Queue, i: number, len: number, flags: number, next: number, addr = BUF + 0x100 * i): void {
  const r = x.asDriver;
  r.writeDesc(r.descPort, r.descBase, i, addr, 0, len, flags, next);
}

/** The driver writes entry i of an indirect table at guest address TABLE (guest RAM is one region from 0). */
function tableDesc(x: Queue, i: number, len: number, flags: number, next: number): void {
  const r = x.asDriver;
  r.writeDesc(r.descPort, r.descBase + TABLE, i, BUF + 0x100 * i, 0, len, flags, next);
}

const TABLE = 0x6000;
const INDIRECT_DESC = 1n << BigInt(VIRTIO_RING_F_INDIRECT_DESC);

/** The device returns a used element by hand (element, then used.idx) and interrupts. */
function use(x: Queue, id: number, len: number): void {
  const r = x.asDevice;
  const idx = r.usedIdx();
  r.setUsedElem(idx & (SIZE - 1), id, len);
  r.setUsedIdx(idx + 1);
  r.usedPort.notify(0);
}

export const virtioMalformedFixtures: readonly MalformedFixture[] = [
  {
    rule: 'VIRTQ_DESC_LOOP',
    about: 'split queue of 8: after a healthy round the driver chains descriptor 4 to 5 and 5 back to 4, makes head 4 available and kicks.',
    record(rec) {
      const x = warm(rec);
      desc(x, 4, 16, VRING_DESC_F_NEXT, 5);
      desc(x, 5, 16, VRING_DESC_F_NEXT, 4);
      publish(x, 4);
    },
  },
  {
    rule: 'VIRTQ_NEXT_OUT_OF_RANGE',
    about: 'split queue of 8: after a healthy round the driver makes head 4 available with next 40, outside the table, and kicks.',
    record(rec) {
      const x = warm(rec);
      desc(x, 4, 16, VRING_DESC_F_NEXT, 40);
      publish(x, 4);
    },
  },
  {
    rule: 'VIRTQ_HEAD_OUT_OF_RANGE',
    about: 'split queue of 8: after a healthy round the driver puts head 9 in the avail ring, publishes it and kicks.',
    record(rec) {
      const x = warm(rec);
      publish(x, 9);
    },
  },
  {
    rule: 'VIRTQ_ZERO_LENGTH',
    about: 'split queue of 8: after a healthy round the driver makes head 4 available as one descriptor of len 0 and kicks.',
    record(rec) {
      const x = warm(rec);
      desc(x, 4, 0, 0, 0);
      publish(x, 4);
    },
  },
  {
    rule: 'VIRTQ_READ_AFTER_WRITE',
    about: 'split queue of 8: after a healthy round the driver chains a device-readable descriptor after a device-writable one, makes it available and kicks.',
    record(rec) {
      const x = warm(rec);
      desc(x, 4, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 5);
      desc(x, 5, 16, 0, 0);
      publish(x, 4);
    },
  },
  {
    rule: 'VIRTQ_LENGTH_OVERFLOW',
    about: 'split queue of 8: after a healthy round the driver chains a 4096-byte descriptor in guest RAM, one of 0xffffffff bytes and a third, over 2^32 bytes in total, makes it available and kicks.',
    record(rec) {
      const x = warm(rec);
      // The first buffer lies in guest RAM, so a device walking the chain meets the length rule (checked before
      // the second buffer's address) rather than an unmapped first buffer.
      desc(x, 4, 0x1000, VRING_DESC_F_NEXT, 5, BUF);
      desc(x, 5, 0xffffffff, VRING_DESC_F_NEXT, 6, BUF);
      desc(x, 6, 16, 0, 0);
      publish(x, 4);
    },
  },
  {
    rule: 'VIRTQ_INDIRECT_NOT_NEGOTIATED',
    about: 'split queue of 8 without VIRTIO_RING_F_INDIRECT_DESC: after a healthy round the driver makes an indirect descriptor available and kicks.',
    record(rec) {
      const x = warm(rec);
      tableDesc(x, 0, 16, VRING_DESC_F_NEXT, 1);
      tableDesc(x, 1, 512, VRING_DESC_F_WRITE, 0);
      desc(x, 4, 32, VRING_DESC_F_INDIRECT, 0, TABLE);
      publish(x, 4);
    },
  },
  {
    rule: 'VIRTQ_INDIRECT_WITH_NEXT',
    about: 'split queue of 8 with VIRTIO_RING_F_INDIRECT_DESC: after a healthy round the driver makes available a descriptor with both VRING_DESC_F_INDIRECT and VRING_DESC_F_NEXT, and kicks.',
    record(rec) {
      const x = warm(rec, INDIRECT_DESC);
      tableDesc(x, 0, 16, VRING_DESC_F_NEXT, 1);
      tableDesc(x, 1, 512, VRING_DESC_F_WRITE, 0);
      desc(x, 4, 32, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 5, TABLE);
      desc(x, 5, 16, 0, 0);
      publish(x, 4);
    },
  },
  {
    rule: 'VIRTQ_INDIRECT_BAD_LEN',
    about: 'split queue of 8 with VIRTIO_RING_F_INDIRECT_DESC: after a healthy round the driver makes available an indirect descriptor of len 20, not a multiple of 16, and kicks.',
    record(rec) {
      const x = warm(rec, INDIRECT_DESC);
      tableDesc(x, 0, 16, 0, 0);
      desc(x, 4, 20, VRING_DESC_F_INDIRECT, 0, TABLE);
      publish(x, 4);
    },
  },
  {
    rule: 'VIRTQ_INDIRECT_NESTED',
    about: 'split queue of 8 with VIRTIO_RING_F_INDIRECT_DESC: after a healthy round the driver makes available an indirect table whose first entry is itself indirect, and kicks.',
    record(rec) {
      const x = warm(rec, INDIRECT_DESC);
      tableDesc(x, 0, 32, VRING_DESC_F_INDIRECT, 0);
      tableDesc(x, 1, 16, 0, 0);
      desc(x, 4, 32, VRING_DESC_F_INDIRECT, 0, TABLE);
      publish(x, 4);
    },
  },
  {
    rule: 'VIRTQ_AVAIL_IDX_JUMP',
    about: 'split queue of 8: after a healthy round the driver stores avail.idx 0 over 1, moving it backwards.',
    record(rec) {
      const x = warm(rec);
      x.asDriver.setAvailIdx(x.asDriver.availIdx() - 1);
    },
  },
  {
    rule: 'VIRTQ_USED_IDX_JUMP',
    about: 'split queue of 8: after a healthy round the device stores used.idx 0 over 1, moving it backwards.',
    record(rec) {
      const x = warm(rec);
      x.asDevice.setUsedIdx(x.asDevice.usedIdx() - 1);
    },
  },
  {
    rule: 'VIRTQ_USED_ID_NOT_OUTSTANDING',
    about: 'split queue of 8: the driver makes a second request available; the device pops it but returns id 5, which was never made available, and interrupts.',
    record(rec) {
      const x = warm(rec);
      add(x, 1);
      x.device.pop();
      use(x, 5, 0);
    },
  },
  {
    rule: 'VIRTQ_USED_ID_TWICE',
    about: 'split queue of 8: after a healthy round the driver makes two requests available; the device uses the first, the driver reclaims it, and with the second still outstanding the device returns the first one\'s id again and interrupts.',
    record(rec) {
      const x = warm(rec);
      add(x, 1, false);
      add(x, 2);
      const c = x.device.pop();
      if (c === null || x.device.pop() === null) throw new Error('nothing available');
      x.device.pushUsed(c.head, 512);
      x.device.interrupt();
      x.driver.getUsed();
      use(x, c.head, 512);
    },
  },
  {
    rule: 'VIRTQ_USED_ID_OUT_OF_RANGE',
    about: 'split queue of 8: the driver makes a second request available; the device returns id 12, outside the queue, and interrupts.',
    record(rec) {
      const x = warm(rec);
      add(x, 1);
      x.device.pop();
      use(x, 12, 0);
    },
  },
  {
    rule: 'VIRTQ_USED_LEN_TOO_LARGE',
    about: 'split queue of 8: the device uses a chain whose writable buffer is 512 bytes with len 4096 and interrupts.',
    record(rec) {
      const x = warm(rec);
      add(x, 1);
      const c = x.device.pop();
      if (c === null) throw new Error('nothing available');
      x.device.pushUsed(c.head, 4096);
      x.device.interrupt(); // (the driver's getUsed() refuses this element: VIRTQ_USED_LEN_TOO_LARGE)
    },
  },
  {
    rule: 'VIRTQ_DEVICE_WROTE_READABLE',
    about: 'split queue of 8: the device pops a request and writes 16 bytes over its device-readable header before filling the writable buffer and using it.',
    record(rec) {
      const x = warm(rec);
      add(x, 1);
      const c = x.device.pop();
      if (c === null) throw new Error('nothing available');
      x.asDevice.descPort.write(BUF + 0x1000, new Uint8Array(16).fill(0xee));
      c.writeBuffer(1, new Uint8Array(512).fill(0xab));
      x.device.pushUsed(c.head, 512);
      x.device.interrupt();
      x.driver.getUsed();
    },
  },
  {
    rule: 'VIRTQ_DEVICE_WROTE_DESC',
    about: 'split queue of 8: after a healthy round the device stores into descriptor 6 of the table, which the driver owns.',
    record(rec) {
      const x = warm(rec);
      const r = x.asDevice;
      r.writeDesc(r.descPort, r.descBase, 6, 0x9000, 0, 64, 0, 0);
    },
  },
  {
    rule: 'VIRTQ_MISSING_KICK',
    about: 'split queue of 8 without EVENT_IDX: the driver makes a request available with VRING_USED_F_NO_NOTIFY clear and never kicks; the device happens to poll.',
    record(rec) {
      const x = warm(rec);
      add(x, 1, false);
      const c = x.device.pop();
      if (c === null) throw new Error('nothing available');
      x.device.pushUsed(c.head, 512);
      x.device.interrupt();
      x.driver.getUsed();
    },
  },
  {
    rule: 'VIRTQ_MISSING_INTERRUPT',
    about: 'split queue of 8 without EVENT_IDX: the device uses a request with VRING_AVAIL_F_NO_INTERRUPT clear and never interrupts; the driver happens to poll.',
    record(rec) {
      const x = warm(rec);
      add(x, 1);
      const c = x.device.pop();
      if (c === null) throw new Error('nothing available');
      x.device.pushUsed(c.head, 512);
      x.driver.getUsed();
    },
  },
];


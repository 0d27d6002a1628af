/**
 * The virtio malformed fixtures on split queues: each a real run of SplitDriver / SplitDevice on a recorded
 * split queue with one fault injected through the faulty end's own mapping of guest memory (a SplitRing over
 * the driver's or the device's recorded GuestMemory), so the trace breaks exactly the rule it is named after.
 * Where the reference device is handed the faulty chain it refuses it with a VirtqError, as a device loop
 * would, and the run records that refusal (nothing more). Packed queues: virtio-packed.ts.
 */
import {
  SplitDevice, SplitDriver, SplitRing, recordVirtqueue, virtioConstant, splitNotificationData, VirtqError,
  VRING_DESC_F_NEXT, VRING_DESC_F_WRITE, VRING_DESC_F_INDIRECT,
  VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_F_IN_ORDER, VIRTIO_F_NOTIFICATION_DATA, VIRTIO_F_RING_RESET,
  type SplitQueueConfig, type TraceRecorder, type VirtqErrorCode, type VirtqFeatures, type VirtqueueRecording,
} from '../index.js';
import { recordQueueSetup } from '../trace/virtio-recording.js';
import type { MalformedFixture } from './scenario.js';

const SIZE = 8;
const VERSION_1 = 1n << BigInt(virtioConstant('VIRTIO_F_VERSION_1'));
const BUF = 0x4000;

export interface Queue {
  readonly q: VirtqueueRecording<SplitQueueConfig>;
  readonly driver: SplitDriver;
  readonly device: SplitDevice;
  /** The queue as the driver maps it: stores through it are the driver's. */
  readonly asDriver: SplitRing;
  /** The queue as the device maps it: stores through it are the device's. */
  readonly asDevice: SplitRing;
}

/** A split queue of 8 with a healthy first round: a 16-byte request and a 512-byte writable buffer, used whole. */
export function warm(rec: TraceRecorder, features = 0n): Queue {
  const q = recordVirtqueue(rec, { layout: 'split', size: SIZE, features: VERSION_1 | features, ram: new ArrayBuffer(0x10000), desc: 0, avail: 0x1000, used: 0x2000 });
  const config = (c: SplitQueueConfig & VirtqFeatures) => c;
  const driver = new SplitDriver(config(q.driverConfig));
  const device = new SplitDevice(config(q.deviceConfig));
  const queue = { q, driver, device, asDriver: new SplitRing(q.driverConfig), asDevice: new SplitRing(q.deviceConfig) };
  round(queue, 0);
  return queue;
}

/** Add one request (read buffer, then a 512-byte writable one) and kick. Returns the head. */
export function add(x: Queue, n: number, kick = true): number {
  const head = x.driver.add([{ addr: BUF + 0x1000 * n, len: 16 }, { addr: BUF + 0x1000 * n + 0x800, len: 512, write: true }]);
  if (kick) x.driver.kick();
  return head;
}

/** One whole healthy round: add, kick, pop, use all 512 bytes, interrupt, reclaim. */
export function round(x: Queue, n: number): void {
  add(x, n);
  const c = x.device.pop();
  if (c === null) throw new Error('the device found nothing available');
  x.device.pushUsed(c.head, 512);
  x.device.interrupt();
  x.driver.getUsed();
}

/** The driver publishes head `head` by hand (avail ring entry, then avail.idx) and kicks. */
export function publish(x: Queue, head: number): void {
  const r = x.asDriver;
  const idx = r.availIdx();
  r.setAvailRing(idx & (SIZE - 1), head);
  r.setAvailIdx(idx + 1);
  r.availPort.notify(0);
}

/** The driver writes descriptor i of the table by hand (buffer at BUF + 0x100 * i, or `addr`). */
export function desc(x: Queue, i: number, len: number, flags: number, next: number, addr = BUF + 0x100 * i): void {
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
const IN_ORDER = 1n << BigInt(VIRTIO_F_IN_ORDER);
const NOTIFICATION_DATA = 1n << BigInt(VIRTIO_F_NOTIFICATION_DATA);
const RING_RESET = 1n << BigInt(VIRTIO_F_RING_RESET);

/**
 * The device loop meets the chain the driver just published: the reference device's pop() must refuse it
 * with `code` (as a device would, it stops there); anything else means the scenario does not inject what it says.
 */
export function refused(pop: () => unknown, code: VirtqErrorCode): void {
  try {
    pop();
  } catch (e) {
    if (e instanceof VirtqError && e.code === code) return;
    throw e;
  }
  throw new Error(`the reference device accepted a chain it should refuse with ${code}`);
}

/** The device returns a used element by hand (element, then used.idx) and interrupts. */
export function use(x: Queue, id: number, len: number): void {
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
      refused(() => x.device.pop(), 'VIRTQ_DESC_LOOP');
    },
  },
  {
    rule: 'VIRTQ_NEXT_OUT_OF_RANGE',
    about: 'split queue of 8: after a healthy round the driver makes head 4 available with next 40, outside the table, and kicks.',
    record(rec) {
      const x = warm(rec);
      desc(x, 4, 16, VRING_DESC_F_NEXT, 40);
      publish(x, 4);
      refused(() => x.device.pop(), 'VIRTQ_NEXT_OUT_OF_RANGE');
    },
  },
  {
    rule: 'VIRTQ_HEAD_OUT_OF_RANGE',
    about: 'split queue of 8: after a healthy round the driver puts head 9 in the avail ring, publishes it and kicks.',
    record(rec) {
      const x = warm(rec);
      publish(x, 9);
      refused(() => x.device.pop(), 'VIRTQ_HEAD_OUT_OF_RANGE');
    },
  },
  {
    rule: 'VIRTQ_ZERO_LENGTH',
    about: 'split queue of 8: after a healthy round the driver makes head 4 available as one descriptor of len 0 and kicks.',
    record(rec) {
      const x = warm(rec);
      desc(x, 4, 0, 0, 0);
      publish(x, 4);
      refused(() => x.device.pop(), 'VIRTQ_ZERO_LENGTH');
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
      refused(() => x.device.pop(), 'VIRTQ_READ_AFTER_WRITE');
    },
  },
  {
    rule: 'VIRTQ_LENGTH_OVERFLOW',
    about: 'split queue of 8: after a healthy round the driver chains a 16-byte descriptor to one of 0xffffffff bytes, over 2^32 bytes in total, makes it available and kicks; the device refuses it.',
    record(rec) {
      const x = warm(rec);
      desc(x, 4, 16, VRING_DESC_F_NEXT, 5, BUF);
      desc(x, 5, 0xffffffff, 0, 0, BUF);
      publish(x, 4);
      refused(() => x.device.pop(), 'VIRTQ_LENGTH_OVERFLOW');
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
      refused(() => x.device.pop(), 'VIRTQ_INDIRECT_NOT_NEGOTIATED');
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
      refused(() => x.device.pop(), 'VIRTQ_INDIRECT_WITH_NEXT');
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
      refused(() => x.device.pop(), 'VIRTQ_INDIRECT_BAD_LEN');
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
      refused(() => x.device.pop(), 'VIRTQ_INDIRECT_NESTED');
    },
  },
  {
    rule: 'VIRTQ_AVAIL_IDX_JUMP',
    about: 'split queue of 8: after a healthy round the driver stores avail.idx 10 over 1, nine entries ahead with only eight descriptors.',
    record(rec) {
      const x = warm(rec);
      x.asDriver.setAvailIdx(x.asDriver.availIdx() + SIZE + 1);
      refused(() => x.device.pop(), 'VIRTQ_AVAIL_IDX_JUMP');
    },
  },
  {
    rule: 'VIRTQ_USED_IDX_JUMP',
    about: 'split queue of 8: after a healthy round the device stores used.idx 10 over 1, nine entries ahead with nothing outstanding.',
    record(rec) {
      const x = warm(rec);
      x.asDevice.setUsedIdx(x.asDevice.usedIdx() + SIZE + 1);
      x.asDevice.usedPort.notify(0);
      refused(() => x.driver.getUsed(), 'VIRTQ_USED_IDX_JUMP');
    },
  },
  {
    rule: 'VIRTQ_AVAIL_IDX_BACKWARDS',
    about: 'split queue of 8: after a healthy round the driver stores avail.idx 0 over 1, moving it backwards.',
    record(rec) {
      const x = warm(rec);
      x.asDriver.setAvailIdx(x.asDriver.availIdx() - 1);
    },
  },
  {
    rule: 'VIRTQ_USED_IDX_BACKWARDS',
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
  {
    rule: 'VIRTQ_INDIRECT_TOO_LARGE',
    about: 'split queue of 8 with VIRTIO_RING_F_INDIRECT_DESC: after a healthy round the driver makes available an indirect table of 9 entries, more than the queue size, and kicks; the device refuses it.',
    record(rec) {
      const x = warm(rec, INDIRECT_DESC);
      for (let i = 0; i < SIZE; i++) tableDesc(x, i, 16, VRING_DESC_F_NEXT, i + 1);
      tableDesc(x, SIZE, 512, VRING_DESC_F_WRITE, 0);
      desc(x, 4, 16 * (SIZE + 1), VRING_DESC_F_INDIRECT, 0, TABLE);
      publish(x, 4);
      refused(() => x.device.pop(), 'VIRTQ_INDIRECT_TOO_LARGE');
    },
  },
  {
    rule: 'VIRTQ_ADDR_UNMAPPED',
    about: 'split queue of 8 over 64 KiB of declared guest RAM: after a healthy round the driver makes available a 16-byte buffer at 0x20000, outside it, and kicks; the device refuses it.',
    record(rec) {
      const x = warm(rec);
      desc(x, 4, 16, 0, 0, 0x20000);
      publish(x, 4);
      refused(() => x.device.pop(), 'VIRTQ_ADDR_UNMAPPED');
    },
  },
  {
    rule: 'VIRTQ_ADDR_WRAP',
    about: 'split queue of 8: after a healthy round the driver makes available a 512-byte buffer at 0xffffffffffffff00, which wraps past 2^64, and kicks; the device refuses it.',
    record(rec) {
      const x = warm(rec);
      const r = x.asDriver;
      r.writeDesc(r.descPort, r.descBase, 4, 0xffffff00, 0xffffffff, 512, 0, 0);
      publish(x, 4);
      refused(() => x.device.pop(), 'VIRTQ_ADDR_WRAP');
    },
  },
  {
    rule: 'VIRTQ_IN_ORDER_VIOLATION',
    about: 'split queue of 8 with VIRTIO_F_IN_ORDER: the driver makes two requests available (heads 2 and 4); the device pops both, returns head 4 first and interrupts; the driver refuses the entry.',
    record(rec) {
      const x = warm(rec, IN_ORDER);
      add(x, 1, false);
      const second = add(x, 2);
      x.device.pop();
      x.device.pop();
      use(x, second, 512);
      refused(() => x.driver.getUsed(), 'VIRTQ_IN_ORDER_VIOLATION');
    },
  },
  {
    rule: 'VIRTQ_IN_ORDER_NOT_RING_ORDER',
    about: 'split queue of 8 with VIRTIO_F_IN_ORDER: after a healthy round that used descriptors 0 and 1 the driver makes available a chain at descriptor 5 instead of 2, and kicks; the device refuses it.',
    record(rec) {
      const x = warm(rec, IN_ORDER);
      desc(x, 5, 16, 0, 0);
      publish(x, 5);
      refused(() => x.device.pop(), 'VIRTQ_IN_ORDER_NOT_RING_ORDER');
    },
  },
  {
    rule: 'VIRTQ_FEATURE_NOT_NEGOTIATED',
    about: 'split queue of 8 without VIRTIO_F_NOTIFICATION_DATA: the driver makes a request available and kicks with a notification value; the device, which has no such value to check, serves the request.',
    record(rec) {
      const x = warm(rec);
      add(x, 1, false);
      x.asDriver.availPort.notify(0, splitNotificationData(0, x.driver.availIdxShadow));
      refused(() => x.device.checkNotification(splitNotificationData(0, x.driver.availIdxShadow)), 'VIRTQ_FEATURE_NOT_NEGOTIATED');
      const c = x.device.pop();
      if (c === null) throw new Error('nothing available');
      x.device.pushUsed(c.head, 512);
      x.device.interrupt();
      x.driver.getUsed();
    },
  },
  {
    rule: 'VIRTQ_NOTIFICATION_DATA_MISMATCH',
    about: 'split queue of 8 with VIRTIO_F_NOTIFICATION_DATA: the driver makes a request available (avail idx 2) and kicks announcing avail idx 3; the device refuses the notification.',
    record(rec) {
      const x = warm(rec, NOTIFICATION_DATA);
      add(x, 1, false);
      const value = splitNotificationData(0, x.driver.availIdxShadow + 1);
      x.asDriver.availPort.notify(0, value);
      refused(() => x.device.checkNotification(value), 'VIRTQ_NOTIFICATION_DATA_MISMATCH');
    },
  },
  {
    rule: 'VIRTQ_QUEUE_RESET',
    about: 'split queue of 8 with VIRTIO_F_RING_RESET: the driver makes a request available, the device pops it, the driver resets the queue, and the device, which missed the reset, still uses the request and interrupts.',
    record(rec) {
      const x = warm(rec, RING_RESET);
      add(x, 1);
      const c = x.device.pop();
      if (c === null) throw new Error('nothing available');
      x.driver.reset();
      x.device.pushUsed(c.head, 512);
      x.device.interrupt();
    },
  },
  {
    rule: 'VIRTQ_QUEUE_ENABLED',
    about: 'split queue of 8 with VIRTIO_F_RING_RESET: after a healthy round the driver re-initialises the live queue (virtqueue_reinit_split, areas zeroed) without resetting it; its own enable() refuses that.',
    record(rec) {
      const x = warm(rec, RING_RESET);
      refused(() => x.driver.enable(), 'VIRTQ_QUEUE_ENABLED');
      const r = x.asDriver;
      r.descPort.annotate?.('virtqueue_reinit_split', { queue: r.queueIndex, size: r.size });
      r.descPort.fill(r.descBase, r.areas.descSize, 0);
      r.availPort.fill(r.availBase, r.areas.availSize, 0);
      r.usedPort.fill(r.usedBase, r.areas.usedSize, 0);
    },
  },
  {
    rule: 'VIRTQ_GEOMETRY_CHANGED',
    about: 'split queue of 8: after a healthy round the driver sets the queue up again with its driver area moved from 0x1000 to 0x3000, without resetting it.',
    record(rec) {
      const x = warm(rec);
      recordQueueSetup(rec, x.q.iface, { ...x.q.setup, avail: '0x3000' });
    },
  },
  {
    rule: 'VIRTQ_EVENT_IDX_NOT_NEGOTIATED',
    about: 'split queue of 8 without VIRTIO_RING_F_EVENT_IDX: the driver stores used_event 5 as if the feature were on; the device uses a request with VRING_AVAIL_F_NO_INTERRUPT clear and, honouring used_event, never interrupts; the driver happens to poll.',
    record(rec) {
      const x = warm(rec);
      x.asDriver.setUsedEvent(5);
      add(x, 1);
      const c = x.device.pop();
      if (c === null) throw new Error('nothing available');
      x.device.pushUsed(c.head, 512);
      x.driver.getUsed();
    },
  },
];


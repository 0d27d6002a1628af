/**
 * PackedDevice: the device end of a packed virtqueue. pop() checks the descriptor at next_avail against the
 * driver wrap counter, walks the chain (packed-walker.ts), and only then advances; pushUsed() writes one
 * used descriptor (id, len, then flags with AVAIL = USED = used wrap counter, §2.8.1) and skips the buffer's
 * descriptor count; interrupt() consults the driver event suppression structure (§2.8.10). With
 * VIRTIO_F_IN_ORDER (§2.8.8) buffers are used in the order popped and pushUsedBatch() returns a batch with
 * one used descriptor; VIRTIO_F_NOTIFICATION_DATA and VIRTIO_F_RING_RESET as in split-device.ts.
 * Bookkeeping is private.
 */
import { VirtqError } from './errors.js';
import { QueueResetState } from './queue-reset.js';
import { DescChain } from './chain.js';
import { walkPackedChain } from './packed-walker.js';
import { checkIdNotOutstanding } from './packed-checks.js';
import { PackedRing, type PackedQueueConfig } from './packed-ring.js';
import {
  VRING_PACKED_DESC_F_AVAIL_BIT, VRING_PACKED_DESC_F_USED_BIT, VRING_PACKED_EVENT_FLAG_DESC,
  VRING_PACKED_EVENT_FLAG_DISABLE, VRING_PACKED_EVENT_FLAG_ENABLE, VRING_PACKED_EVENT_F_WRAP_CTR,
} from './flags.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE } from './flags.js';
import type { VirtqFeatures } from './features.js';
import { decodeNotificationData } from './notification-data.js';

export class PackedDevice {
  #ring: PackedRing;
  readonly #inOrder: boolean;
  readonly #notificationData: boolean;
  readonly #resetState: QueueResetState;
  #nextAvail = 0;
  /** The driver's wrap counter as the device tracks it. */
  #availWrap = 1;
  #nextUsed = 0;
  #usedWrap = 1;
  /** Descriptor positions the used pointer advanced since the last needInterrupt(). */
  #usedAdded = 0;
  #chain: DescChain;
  // The typed arrays start as empty arrays of their type (the constructor makes them queue-sized): a field
  // declared without a value would hold undefined first and V8 would then check its map at every access.
  #outstanding = new Uint8Array(0);
  #idCount = new Uint16Array(0);
  /** IN_ORDER: buffer ids in the order popped (a ring of size entries from #orderHead, #orderCount long). */
  #order = new Uint16Array(0);
  #orderHead = 0;
  #orderCount = 0;
  #notifications = true;

  constructor(config: PackedQueueConfig & VirtqFeatures) {
    this.#inOrder = config.inOrder === true;
    this.#notificationData = config.notificationData === true;
    this.#resetState = new QueueResetState(config.ringReset === true);
    this.#ring = new PackedRing(config);
    this.#chain = new DescChain(this.#ring.size + this.#ring.maxIndirect + 1, this.#ring.memory);
    this.#outstanding = new Uint8Array(this.#ring.size);
    this.#idCount = new Uint16Array(this.#ring.size);
    this.#order = new Uint16Array(this.#ring.size);
  }

  /** The queue's areas and accessors (replaced when enable() takes a new configuration). */
  get ring(): PackedRing { return this.#ring; }
  /** The chain the last pop() walked; reused by every pop(). */
  get chain(): DescChain { return this.#chain; }
  /** Ring position of the next descriptor to check for availability. */
  get nextAvail(): number { return this.#nextAvail; }
  /** The driver's wrap counter as the device tracks it (§2.8.1). */
  get availWrap(): number { return this.#availWrap; }
  /** Ring position the next used descriptor is written at. */
  get nextUsed(): number { return this.#nextUsed; }
  /** Device ring wrap counter (§2.8.1). */
  get usedWrap(): number { return this.#usedWrap; }
  /** True between reset() and enable(). */
  get isReset(): boolean { return this.#resetState.isReset; }

  #live(op: string): void {
    // The queue index is read only to refuse: a live queue pays one flag test.
    if (this.#resetState.isReset) this.#resetState.requireLive(op, this.#ring.queueIndex);
  }

  /** Whether the descriptor at next_avail is available. */
  hasAvail(): boolean {
    this.#live('hasAvail()');
    return PackedRing.isAvail(this.#ring.descFlags(this.#nextAvail), this.#availWrap);
  }

  /** Pop the next available buffer (chain.id is its buffer id), or null. Throws, changing nothing, on a violation. */
  pop(): DescChain | null {
    return this.popRecord() < 0 ? null : this.#chain;
  }

  /**
   * pop() without the null-or-object result: the buffer id of the chain now in `chain`, or -1 when nothing
   * is available. The same checks and codes.
   */
  popRecord(): number {
    const r = this.#ring;
    const c = this.#chain;
    if (!r.direct) {
      if (!this.hasAvail()) return -1;
      walkPackedChain(r, this.#nextAvail, this.#availWrap, c);
      return this.#take(r, c);
    }
    // hasAvail() and the walk straight from the ring's DataView (PackedRing.direct), in one function. The walk
    // accepts only a chain that passes every rule of walkPackedChain(); anything else is walked again by
    // walkPackedChain(), which judges it (a direct ring is a plain ArrayBuffer no other thread can change, so
    // that walk reads the same bytes).
    this.#live('hasAvail()');
    const size = r.size;
    const view = r.descView;
    const base = r.descBase;
    const stride = r.stride;
    const flagsOff = r.flagsOff;
    const addrOff = r.addrOff;
    const lenOff = r.lenOff;
    const idOff = r.idOff;
    const pos = this.#nextAvail;
    const wrap = this.#availWrap;
    const fIndirect = VRING_DESC_F_INDIRECT;
    const fNext = VRING_DESC_F_NEXT;
    const fWrite = VRING_DESC_F_WRITE;
    const fAvail = VRING_PACKED_DESC_F_AVAIL_BIT;
    const fUsed = VRING_PACKED_DESC_F_USED_BIT;
    // §2.8.1: available in pass `w` when AVAIL equals the driver's wrap counter and USED does not.
    let flags = view.getUint16(base + pos * stride + flagsOff, true);
    if (((flags & fAvail) !== 0 ? 1 : 0) !== wrap || ((flags & fUsed) !== 0 ? 1 : 0) === wrap) return -1;
    c.reset(pos);
    let p = pos;
    let w = wrap;
    let walked = false;
    for (let k = 0; k < size; k++) {
      const at = base + p * stride;
      if (k > 0) {
        flags = view.getUint16(at + flagsOff, true);
        if (((flags & fAvail) !== 0 ? 1 : 0) !== w || ((flags & fUsed) !== 0 ? 1 : 0) === w) break;
      }
      const lo = view.getUint32(at + addrOff, true);
      const hi = view.getUint32(at + addrOff + 4, true);
      const len = view.getUint32(at + lenOff, true);
      const id = view.getUint16(at + idOff, true);
      if (!c.acceptPlain(k, p, lo, hi, len, flags, id, fIndirect, fWrite)) break;
      p++;
      if (p === size) { p = 0; w ^= 1; }
      if ((flags & fNext) === 0) {
        if (id >= size) break;
        c.count = k + 1;
        c.ringCount = k + 1;
        c.id = id;
        walked = true;
        break;
      }
    }
    if (!walked) walkPackedChain(r, pos, wrap, c);
    return this.#take(r, c);
  }

  /** The chain at next_avail was walked: refuse a buffer id still outstanding, then take it. */
  #take(r: PackedRing, c: DescChain): number {
    checkIdNotOutstanding(this.#outstanding, c.id, this.#nextAvail);
    // QEMU hw/virtio/virtio.c virtqueue_pop() (virtqueue_packed_pop()): the buffer is taken.
    if (!r.direct && r.descPort.annotate !== undefined) r.descPort.annotate('virtqueue_pop', { id: c.id, head: this.#nextAvail });
    this.#outstanding[c.id] = 1;
    this.#idCount[c.id] = c.ringCount;
    if (this.#inOrder) { this.#order[(this.#orderHead + this.#orderCount) % r.size] = c.id; this.#orderCount++; }
    this.#nextAvail += c.ringCount;
    if (this.#nextAvail >= r.size) { this.#nextAvail -= r.size; this.#availWrap ^= 1; }
    if (r.eventIdx && this.#notifications) r.setDeviceEvent(this.#nextAvail | (this.#availWrap << VRING_PACKED_EVENT_F_WRAP_CTR), VRING_PACKED_EVENT_FLAG_DESC);
    return c.id;
  }

  #checkOutstanding(id: number, op: string): void {
    if (id >>> 0 !== id || id >= this.#ring.size || this.#outstanding[id] !== 1) throw notOutstanding(op, id);
  }

  /**
   * Return buffer `id` with `len` bytes written. With IN_ORDER it must be the oldest buffer popped (§6.2:
   * "a device MUST use buffers in the same order in which they have been available").
   */
  pushUsed(id: number, len: number): void {
    this.#live('pushUsed()');
    this.#checkOutstanding(id, 'pushUsed');
    if (this.#inOrder && this.#order[this.#orderHead] !== id) throw inOrderViolation(id, this.#order[this.#orderHead] as number);
    const r = this.#ring;
    if (r.direct && !this.#inOrder) {
      // #writeUsed() and #retire() straight on the ring's DataView: id and len, then the flags (§2.8.22).
      const fAvailUsed = VRING_PACKED_DESC_F_AVAIL_BIT | VRING_PACKED_DESC_F_USED_BIT;
      const fWrite = VRING_DESC_F_WRITE;
      const pos = this.#nextUsed;
      const flags = (this.#usedWrap === 1 ? fAvailUsed : 0) | (len > 0 ? fWrite : 0);
      const v = r.descView;
      const at = r.descBase + pos * r.stride;
      v.setUint32(at + r.addrOff, 0, true);
      v.setUint32(at + r.addrOff + 4, 0, true);
      v.setUint32(at + r.lenOff, len >>> 0, true);
      v.setUint16(at + r.idOff, id, true);
      v.setUint16(at + r.flagsOff, flags, true);
      this.#outstanding[id] = 0;
      const n = this.#idCount[id] as number;
      let next = pos + n;
      if (next >= r.size) { next -= r.size; this.#usedWrap ^= 1; }
      this.#nextUsed = next;
      this.#usedAdded += n;
      return;
    }
    this.#pushThroughPorts(id, len);
  }

  #pushThroughPorts(id: number, len: number): void {
    // QEMU virtqueue_push(): virtqueue_fill() + virtqueue_flush(), one used descriptor.
    const port = this.#ring.descPort;
    if (port.annotate !== undefined) port.annotate('virtqueue_push', { id, len: len >>> 0 });
    this.#writeUsed(id, len);
    this.#retire(id);
  }

  /**
   * IN_ORDER (§2.8.8): return every popped buffer up to and including `lastId` with one used descriptor,
   * written over the first available descriptor of the batch and carrying "the Buffer ID corresponding to
   * the last descriptor in the batch"; the device "then skips forward in the ring according to the size of
   * the batch". `len` is the last buffer's. Returns the number of buffers in the batch.
   */
  pushUsedBatch(lastId: number, len: number): number {
    this.#live('pushUsedBatch()');
    if (!this.#inOrder) throw new VirtqError('VIRTQ_FEATURE_NOT_NEGOTIATED', 'pushUsedBatch() on a queue without VIRTIO_F_IN_ORDER', { index: lastId });
    this.#checkOutstanding(lastId, 'pushUsedBatch');
    const port = this.#ring.descPort;
    if (port.annotate !== undefined) port.annotate('virtqueue_fill', { id: lastId, len: len >>> 0 });
    this.#writeUsed(lastId, len);
    let n = 0;
    for (;;) {
      const id = this.#order[this.#orderHead] as number;
      this.#retire(id);
      n++;
      if (id === lastId) return n;
    }
  }

  /** Write the used descriptor at next_used: id and len, then the flags that hand it back (§2.8.22). */
  #writeUsed(id: number, len: number): void {
    const r = this.#ring;
    const pos = this.#nextUsed;
    // Imported constants read into locals before the stores (V8 then keeps the DataView calls plain stores).
    const fAvailUsed = VRING_PACKED_DESC_F_AVAIL_BIT | VRING_PACKED_DESC_F_USED_BIT;
    const fWrite = VRING_DESC_F_WRITE;
    const flags = (this.#usedWrap === 1 ? fAvailUsed : 0) | (len > 0 ? fWrite : 0);
    r.writeDescBody(r.descPort, r.descBase, pos, 0, 0, len >>> 0, id);
    r.setDescFlags(pos, flags);
  }

  /** The buffer is used: skip its descriptors and forget it. */
  #retire(id: number): void {
    const r = this.#ring;
    this.#outstanding[id] = 0;
    const n = this.#idCount[id] as number;
    this.#nextUsed += n;
    if (this.#nextUsed >= r.size) { this.#nextUsed -= r.size; this.#usedWrap ^= 1; }
    this.#usedAdded += n;
    if (this.#inOrder) { this.#orderHead = (this.#orderHead + 1) % r.size; this.#orderCount--; }
  }

  /**
   * VIRTIO_F_NOTIFICATION_DATA (§2.9): check a kick's 32-bit value against this device's view and return how
   * many descriptor positions beyond next_avail it announces (0 for one already caught up with). vqn names
   * this queue; next_off is an offset "within the descriptor ring", so below the queue size; with next_wrap
   * it may lie at most one ring ahead of the device.
   */
  checkNotification(value: number): number {
    this.#live('checkNotification()');
    const r = this.#ring;
    if (!this.#notificationData) throw new VirtqError('VIRTQ_FEATURE_NOT_NEGOTIATED', 'checkNotification() on a queue without VIRTIO_F_NOTIFICATION_DATA', { index: r.queueIndex });
    const d = decodeNotificationData(value);
    if (d.vqn !== r.queueIndex) {
      throw new VirtqError('VIRTQ_NOTIFICATION_DATA_MISMATCH', `notification 0x${value.toString(16)} names queue ${d.vqn}, not ${r.queueIndex}`, { index: r.queueIndex, expected: r.queueIndex, received: d.vqn });
    }
    if (d.next_off >= r.size) {
      throw new VirtqError('VIRTQ_NOTIFICATION_DATA_MISMATCH', `notification next_off ${d.next_off} is outside the ${r.size}-entry descriptor ring`, { index: r.queueIndex, expected: `< ${r.size}`, received: d.next_off });
    }
    const ahead = d.next_off - this.#nextAvail + (d.next_wrap === this.#availWrap ? 0 : r.size);
    return ahead >= 0 && ahead <= r.size ? ahead : 0;
  }

  needInterrupt(): boolean {
    this.#live('needInterrupt()');
    const r = this.#ring;
    r.descPort.fence();
    const added = this.#usedAdded;
    this.#usedAdded = 0;
    return r.needEvent(r.driverEventOffWrap(), r.driverEventFlags(), this.#usedWrap, this.#nextUsed, added);
  }

  interrupt(): boolean {
    const need = this.needInterrupt();
    if (need) {
      const port = this.#ring.descPort;
      // QEMU virtio_notify(): the used-buffer notification, after virtio_should_notify() said so.
      if (port.annotate !== undefined) port.annotate('virtio_notify', { queue: this.#ring.queueIndex });
      port.notify(this.#ring.queueIndex);
    }
    return need;
  }

  enableNotifications(): boolean {
    this.#live('enableNotifications()');
    const r = this.#ring;
    if (r.deviceEventPort.annotate !== undefined) r.deviceEventPort.annotate('virtio_queue_set_notification', { enable: true });
    this.#notifications = true;
    if (r.eventIdx) r.setDeviceEvent(this.#nextAvail | (this.#availWrap << VRING_PACKED_EVENT_F_WRAP_CTR), VRING_PACKED_EVENT_FLAG_DESC);
    else r.setDeviceEvent(0, VRING_PACKED_EVENT_FLAG_ENABLE);
    r.deviceEventPort.fence();
    return this.hasAvail();
  }

  disableNotifications(): void {
    this.#live('disableNotifications()');
    const port = this.#ring.deviceEventPort;
    if (port.annotate !== undefined) port.annotate('virtio_queue_set_notification', { enable: false });
    this.#notifications = false;
    this.#ring.setDeviceEvent(this.#ring.deviceEventOffWrap(), VRING_PACKED_EVENT_FLAG_DISABLE);
  }

  /**
   * Per-queue reset, device side (§2.6.1.1.1, VIRTIO_F_RING_RESET): "The device MUST reset any state of a
   * virtqueue to the default state, including the available state and the used state" — positions 0, both
   * wrap counters 1 (§2.8.1), nothing outstanding. Until enable() the queue executes and notifies nothing.
   */
  reset(): void {
    this.#resetState.beginReset(this.#ring.queueIndex);
    const port = this.#ring.descPort;
    if (port.annotate !== undefined) port.annotate('virtio_queue_reset', { queue: this.#ring.queueIndex });
    this.#nextAvail = 0;
    this.#availWrap = 1;
    this.#nextUsed = 0;
    this.#usedWrap = 1;
    this.#usedAdded = 0;
    this.#orderHead = 0;
    this.#orderCount = 0;
    this.#notifications = true;
    this.#outstanding.fill(0);
  }

  /** Re-enable after reset(), observing the driver's new queue configuration if any (§2.6.1.2.1). */
  enable(config?: PackedQueueConfig): void {
    this.#resetState.requireReset(this.#ring.queueIndex);
    if (config !== undefined) {
      const ring = new PackedRing(config);
      this.#ring = ring;
      this.#chain = new DescChain(ring.size + ring.maxIndirect + 1, ring.memory);
      this.#outstanding = new Uint8Array(ring.size);
      this.#idCount = new Uint16Array(ring.size);
      this.#order = new Uint16Array(ring.size);
    }
    this.#resetState.endReset();
  }
}

function notOutstanding(op: string, id: number): VirtqError {
  return new VirtqError('VIRTQ_USED_ID_NOT_OUTSTANDING', `${op}(${id}): not a buffer this device popped and has not returned`, { index: id, received: id });
}

function inOrderViolation(id: number, first: number): VirtqError {
  return new VirtqError('VIRTQ_IN_ORDER_VIOLATION', `pushUsed(${id}) before buffer id ${first}, which was made available first`, { index: id, expected: first, received: id });
}

/**
 * SplitDevice: the device end of a split virtqueue. pop() takes the next available head, walks its chain
 * with the hostile-input-proof walker (chain-walker.ts) and only then advances; pushUsed() returns a chain;
 * interrupt() decides on a used-buffer notification (virtio 1.2 §2.7.7.2). With VIRTIO_F_IN_ORDER (§2.7.9)
 * pop() checks the driver used descriptors in ring order and pushUsedBatch() returns a batch with one used
 * entry; with VIRTIO_F_NOTIFICATION_DATA checkNotification() checks a kick's value (§2.9); with
 * VIRTIO_F_RING_RESET reset() / enable() reset the queue alone (§2.6.1). Bookkeeping is private.
 */
import { VirtqError } from './errors.js';
import { QueueResetState } from './queue-reset.js';
import { vringNeedEvent } from './event-idx.js';
import { idx16Add, idx16Sub } from './index16.js';
import { DescChain } from './chain.js';
import { walkSplitChain } from './chain-walker.js';
import { availAhead, checkRingOrder, idxBackwardsError, idxBehind } from './split-checks.js';
import { SplitRing, type SplitQueueConfig } from './split-ring.js';
import { VRING_AVAIL_F_NO_INTERRUPT, VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE, VRING_USED_F_NO_NOTIFY } from './flags.js';
import type { VirtqFeatures } from './features.js';
import { notifiedAvailIdx, notifiedVqn } from './notification-data.js';

export class SplitDevice {
  #ring: SplitRing;
  readonly #inOrder: boolean;
  readonly #notificationData: boolean;
  readonly #resetState: QueueResetState;
  /** Next avail ring entry to consume (QEMU last_avail_idx). */
  #lastAvail = 0;
  /** avail.idx as last read: the driver never decrements it (§2.7.13.3). */
  #availSeen = 0;
  /** The device's copy of used.idx (QEMU used_idx, Linux vhost last_used_idx). */
  #usedIdxShadow = 0;
  /** used.idx when the driver was last considered for an interrupt (QEMU signalled_used). */
  #signalledUsed = 0;
  #chain: DescChain;
  // The typed arrays start as empty arrays of their type (the constructor makes them queue-sized): a field
  // declared without a value would hold undefined first and V8 would then check its map at every access.
  #outstanding = new Uint8Array(0);
  /** IN_ORDER: the head popped at each avail position, and the descriptor the next chain must start at. */
  #popped = new Uint16Array(0);
  #nextHead = 0;
  /** Whether the device wants kicks; with EVENT_IDX, pop() keeps avail_event at lastAvail only while true. */
  #notifications = true;

  /**
   * `base` starts the device at that avail position with everything before it used, as vhost's
   * VHOST_SET_VRING_BASE (or QEMU restoring last_avail_idx) attaches a device to a queue already running;
   * default 0, a fresh queue.
   */
  constructor(config: SplitQueueConfig & VirtqFeatures & { readonly base?: number }) {
    const base = idx16Add(config.base ?? 0, 0);
    this.#lastAvail = base;
    this.#availSeen = base;
    this.#usedIdxShadow = base;
    this.#signalledUsed = base;
    this.#inOrder = config.inOrder === true;
    this.#notificationData = config.notificationData === true;
    this.#resetState = new QueueResetState(config.ringReset === true);
    this.#ring = new SplitRing(config);
    this.#chain = new DescChain(this.#ring.size + this.#ring.maxIndirect + 1, this.#ring.memory);
    this.#outstanding = new Uint8Array(this.#ring.size);
    this.#popped = new Uint16Array(this.#ring.size);
  }

  /** The queue's areas and accessors (replaced when enable() takes a new configuration). */
  get ring(): SplitRing { return this.#ring; }
  /** The chain the last pop() walked; reused by every pop(). */
  get chain(): DescChain { return this.#chain; }
  /** Next avail ring entry to consume (QEMU last_avail_idx). */
  get lastAvail(): number { return this.#lastAvail; }
  /** The device's copy of used.idx, the next used ring entry it writes. */
  get usedIdxShadow(): number { return this.#usedIdxShadow; }
  /** used.idx when the driver was last considered for an interrupt. */
  get signalledUsed(): number { return this.#signalledUsed; }
  /** True between reset() and enable(). */
  get isReset(): boolean { return this.#resetState.isReset; }

  #live(op: string): void {
    // The queue index is read only to refuse: a live queue pays one flag test.
    if (this.#resetState.isReset) this.#resetState.requireLive(op, this.#ring.queueIndex);
  }

  /** Heads the driver has made available and this device has not popped (validated against the queue size). */
  pending(): number {
    this.#live('pending()');
    const r = this.#ring;
    const idx = r.availIdx();
    if (idx !== this.#availSeen) {
      const back = idxBehind(this.#availSeen, idx, r.size);
      if (back !== 0) throw idxBackwardsError('avail', this.#availSeen, idx, back);
    }
    const n = availAhead(idx, this.#lastAvail, r.size);
    this.#availSeen = idx;
    return n;
  }

  /**
   * Pop the next available chain, or null. The returned DescChain is this device's scratch, valid until the
   * next pop(). On a violation it throws and lastAvail, avail_event and every other state stay as they were.
   */
  pop(): DescChain | null {
    return this.popRecord() < 0 ? null : this.#chain;
  }

  /**
   * pop() without the null-or-object result: the head index of the chain now in `chain`, or -1 when nothing
   * is available. The same checks and codes.
   */
  popRecord(): number {
    const r = this.#ring;
    if (!r.direct) return this.#popThroughPorts();
    // pending() and the walk, straight from the areas' DataViews (SplitRing.direct), in one function: V8
    // keeps the queue's fields in registers across it. The walk accepts only a chain that passes every rule
    // of walkSplitChain(); anything else is walked again by walkSplitChain(), which judges it (a direct
    // ring is a plain ArrayBuffer no other thread can change, so that walk reads the same bytes).
    this.#live('pending()');
    const size = r.size;
    const av = r.availView;
    const idx = av.getUint16(r.availIdxAt, true);
    if (idx !== this.#availSeen) {
      const back = idxBehind(this.#availSeen, idx, size);
      if (back !== 0) throw idxBackwardsError('avail', this.#availSeen, idx, back);
    }
    const lastAvail = this.#lastAvail;
    const ahead = availAhead(idx, lastAvail, size);
    this.#availSeen = idx;
    if (ahead === 0) return -1;
    const slot = lastAvail & (size - 1);
    const head = av.getUint16(r.availRingAt + slot * r.areas.availStride, true);
    const c = this.#chain;
    const view = r.descView;
    const d = r.d;
    const base = r.descBase;
    const stride = d.stride;
    const loOff = d.addrLoOff;
    const hiOff = d.addrHiOff;
    const lenOff = d.len;
    const flagsOff = d.flags;
    const nextOff = d.next;
    const fIndirect = VRING_DESC_F_INDIRECT;
    const fNext = VRING_DESC_F_NEXT;
    const fWrite = VRING_DESC_F_WRITE;
    c.reset(head);
    let i = head;
    let walked = false;
    for (let k = 0; head < size && k < size; k++) {
      const at = base + i * stride;
      const lo = view.getUint32(at + loOff, true);
      const hi = view.getUint32(at + hiOff, true);
      const len = view.getUint32(at + lenOff, true);
      const flags = view.getUint16(at + flagsOff, true);
      const next = view.getUint16(at + nextOff, true);
      if (!c.acceptPlain(k, i, lo, hi, len, flags, next, fIndirect, fWrite)) break;
      if ((flags & fNext) === 0) {
        c.count = k + 1;
        c.ringCount = k + 1;
        walked = true;
        break;
      }
      if (next >= size) break;
      i = next;
    }
    if (!walked) walkSplitChain(r, head, c);
    return this.#take(r, slot, head);
  }

  #popThroughPorts(): number {
    if (this.pending() === 0) return -1;
    const r = this.#ring;
    const slot = this.#lastAvail & (r.size - 1);
    const head = r.availRing(slot);
    walkSplitChain(r, head, this.#chain);
    return this.#take(r, slot, head);
  }

  /** The chain from `head` (avail ring entry `slot`) was walked: check ring order (IN_ORDER) and take it. */
  #take(r: SplitRing, slot: number, head: number): number {
    if (this.#inOrder) checkRingOrder(this.#chain, head, this.#nextHead, r.size, this.#lastAvail);
    // QEMU hw/virtio/virtio.c virtqueue_pop(): the chain is taken; avail_event follows with EVENT_IDX. (A direct
    // ring's ports record nothing: isDirect() admits no annotate.)
    if (!r.direct && r.usedPort.annotate !== undefined) r.usedPort.annotate('virtqueue_pop', { head });
    this.#lastAvail = idx16Add(this.#lastAvail, 1);
    this.#outstanding[head] = 1;
    this.#popped[slot] = head;
    if (this.#inOrder) this.#nextHead = (head + this.#chain.ringCount) % r.size;
    if (r.eventIdx && this.#notifications) r.setAvailEvent(this.#lastAvail);
    return head;
  }

  #checkOutstanding(id: number, op: string): void {
    if (id >>> 0 !== id || id >= this.#ring.size || this.#outstanding[id] !== 1) throw notOutstanding(op, id);
  }

  /**
   * Return chain `id` with `len` bytes written (virtio 1.2 §2.7.8.2: set len, then publish used.idx). With
   * IN_ORDER it must be the oldest chain popped (§6.2: "a device MUST use buffers in the same order in which
   * they have been available").
   */
  pushUsed(id: number, len: number): void {
    this.#live('pushUsed()');
    const r = this.#ring;
    const size = r.size;
    if (id >>> 0 !== id || id >= size || this.#outstanding[id] !== 1) throw notOutstanding('pushUsed', id);
    const shadow = this.#usedIdxShadow;
    const slot = shadow & (size - 1);
    if (this.#inOrder && this.#popped[slot] !== id) throw inOrderViolation(id, this.#popped[slot] as number);
    this.#outstanding[id] = 0;
    const idx = idx16Add(shadow, 1);
    this.#usedIdxShadow = idx;
    if (!r.direct) {
      this.#pushThroughPorts(r, slot, id, len, idx);
      return;
    }
    // virtio 1.2 §2.7.8.2: the element, then used.idx.
    const uv = r.usedView;
    const at = r.usedRingAt + slot * r.areas.usedStride;
    uv.setUint32(at + r.usedElemId, id, true);
    uv.setUint32(at + r.usedElemLen, len >>> 0, true);
    uv.setUint16(r.usedIdxAt, idx, true);
  }

  #pushThroughPorts(r: SplitRing, slot: number, id: number, len: number, idx: number): void {
    // QEMU virtqueue_push(): virtqueue_fill() writes the used element, virtqueue_flush() publishes used.idx.
    if (r.usedPort.annotate !== undefined) r.usedPort.annotate('virtqueue_push', { id, len: len >>> 0 });
    r.setUsedElem(slot, id, len >>> 0);
    r.setUsedIdx(idx);
  }

  /**
   * IN_ORDER (§2.7.9): return every popped chain up to and including `lastId` with one used entry — written
   * at the position of the batch's first buffer, naming "the head entry of the descriptor chain describing
   * the last buffer in the batch" — and advance used.idx by the batch size. `len` is the last buffer's; the
   * others "are assumed to have been used (read or written) by the device completely".
   * Returns the batch size.
   */
  pushUsedBatch(lastId: number, len: number): number {
    this.#live('pushUsedBatch()');
    const r = this.#ring;
    if (!this.#inOrder) throw new VirtqError('VIRTQ_FEATURE_NOT_NEGOTIATED', 'pushUsedBatch() on a queue without VIRTIO_F_IN_ORDER', { index: lastId });
    this.#checkOutstanding(lastId, 'pushUsedBatch');
    const mask = r.size - 1;
    const popped = idx16Sub(this.#lastAvail, this.#usedIdxShadow);
    let k = 0;
    while (k < popped && this.#popped[(this.#usedIdxShadow + k) & mask] !== lastId) k++;
    // An outstanding head is always among the popped ones; k < popped holds.
    const slot = this.#usedIdxShadow & mask;
    if (r.usedPort.annotate !== undefined) r.usedPort.annotate('virtqueue_fill', { id: lastId, len: len >>> 0 });
    r.setUsedElem(slot, lastId, len >>> 0);
    for (let j = 0; j <= k; j++) this.#outstanding[this.#popped[(this.#usedIdxShadow + j) & mask] as number] = 0;
    if (r.usedPort.annotate !== undefined) r.usedPort.annotate('virtqueue_flush', { count: k + 1 });
    this.#usedIdxShadow = idx16Add(this.#usedIdxShadow, k + 1);
    r.setUsedIdx(this.#usedIdxShadow);
    return k + 1;
  }

  /**
   * VIRTIO_F_NOTIFICATION_DATA (§2.9): check a kick's 32-bit value against this device's view and return how
   * many avail entries beyond lastAvail it announces (0 for a notification already caught up with). The
   * value names this queue (vqn) and the avail idx after the driver's update; §2.7.13.4 "The driver has to
   * be careful to expose the new idx value" before notifying, so an index ahead of avail.idx is refused.
   */
  checkNotification(value: number): number {
    this.#live('checkNotification()');
    const r = this.#ring;
    if (!this.#notificationData) throw new VirtqError('VIRTQ_FEATURE_NOT_NEGOTIATED', 'checkNotification() on a queue without VIRTIO_F_NOTIFICATION_DATA', { index: r.queueIndex });
    const vqn = notifiedVqn(value);
    if (vqn !== r.queueIndex) {
      throw new VirtqError('VIRTQ_NOTIFICATION_DATA_MISMATCH', `notification 0x${(value >>> 0).toString(16)} names queue ${vqn}, not ${r.queueIndex}`, { index: r.queueIndex, expected: r.queueIndex, received: vqn });
    }
    const announced = notifiedAvailIdx(value);
    const availIdx = r.availIdx();
    const ahead = idx16Sub(announced, availIdx);
    if (ahead !== 0 && ahead < 0x8000) {
      throw new VirtqError('VIRTQ_NOTIFICATION_DATA_MISMATCH', `notification announces avail idx ${announced}, ahead of avail.idx ${availIdx} in memory`, { index: r.queueIndex, expected: `<= ${availIdx}`, received: announced });
    }
    const fresh = idx16Sub(announced, this.#lastAvail);
    return fresh <= r.size ? fresh : 0;
  }

  /** Whether the driver wants a used-buffer notification for the entries pushed since the last call. */
  needInterrupt(): boolean {
    this.#live('needInterrupt()');
    const r = this.#ring;
    r.usedPort.fence();
    const oldIdx = this.#signalledUsed;
    const newIdx = this.#usedIdxShadow;
    this.#signalledUsed = newIdx;
    return r.eventIdx ? vringNeedEvent(r.usedEvent(), newIdx, oldIdx) : (r.availFlags() & VRING_AVAIL_F_NO_INTERRUPT) === 0;
  }

  /** needInterrupt() and, when needed, notify the driver through the device area's port. */
  interrupt(): boolean {
    const need = this.needInterrupt();
    if (need) {
      const port = this.#ring.usedPort;
      // QEMU virtio_notify(): the used-buffer notification, after virtio_should_notify() said so.
      if (port.annotate !== undefined) port.annotate('virtio_notify', { queue: this.#ring.queueIndex });
      port.notify(this.#ring.queueIndex);
    }
    return need;
  }

  /** Ask for kicks again (avail_event = lastAvail with EVENT_IDX, else clear VRING_USED_F_NO_NOTIFY); true if work is pending. */
  enableNotifications(): boolean {
    this.#live('enableNotifications()');
    const r = this.#ring;
    if (r.usedPort.annotate !== undefined) r.usedPort.annotate('virtio_queue_set_notification', { enable: true });
    this.#notifications = true;
    if (r.eventIdx) r.setAvailEvent(this.#lastAvail);
    else r.setUsedFlags(r.usedFlags() & ~VRING_USED_F_NO_NOTIFY);
    r.usedPort.fence();
    return this.pending() !== 0;
  }

  /**
   * Stop kicks while polling: VRING_USED_F_NO_NOTIFY without EVENT_IDX; with it, avail_event stops following
   * lastAvail, so the driver's vring_need_event() test fails once it is passed (§2.7.10).
   */
  disableNotifications(): void {
    this.#live('disableNotifications()');
    const r = this.#ring;
    if (r.usedPort.annotate !== undefined) r.usedPort.annotate('virtio_queue_set_notification', { enable: false });
    this.#notifications = false;
    if (!r.eventIdx) r.setUsedFlags(r.usedFlags() | VRING_USED_F_NO_NOTIFY);
  }

  /**
   * Per-queue reset, device side (§2.6.1.1.1, VIRTIO_F_RING_RESET): "The device MUST reset any state of a
   * virtqueue to the default state, including the available state and the used state". Popped chains are
   * dropped without a used entry, and until enable() the queue executes nothing and notifies nothing.
   * Shared memory is not touched: the driver sets the areas up again before re-enabling (§2.6.1.2.2).
   */
  reset(): void {
    this.#resetState.beginReset(this.#ring.queueIndex);
    const port = this.#ring.usedPort;
    if (port.annotate !== undefined) port.annotate('virtio_queue_reset', { queue: this.#ring.queueIndex });
    this.#lastAvail = 0;
    this.#availSeen = 0;
    this.#usedIdxShadow = 0;
    this.#signalledUsed = 0;
    this.#nextHead = 0;
    this.#notifications = true;
    this.#outstanding.fill(0);
  }

  /**
   * Re-enable after reset(): §2.6.1.2.1 "The device MUST observe any queue configuration that may have been
   * changed by the driver, like the maximum queue size" — pass the new configuration, if any.
   */
  enable(config?: SplitQueueConfig): void {
    this.#resetState.requireReset(this.#ring.queueIndex);
    if (config !== undefined) {
      const ring = new SplitRing(config);
      this.#ring = ring;
      this.#chain = new DescChain(ring.size + ring.maxIndirect + 1, ring.memory);
      this.#outstanding = new Uint8Array(ring.size);
      this.#popped = new Uint16Array(ring.size);
    }
    this.#resetState.endReset();
  }
}

function notOutstanding(op: string, id: number): VirtqError {
  return new VirtqError('VIRTQ_USED_ID_NOT_OUTSTANDING', `${op}(${id}): not a head this device popped and has not returned`, { index: id, received: id });
}

function inOrderViolation(id: number, first: number): VirtqError {
  return new VirtqError('VIRTQ_IN_ORDER_VIOLATION', `pushUsed(${id}) before head ${first}, which was made available first`, { index: id, expected: first, received: id });
}

/**
 * SplitDevice: the device end of a split virtqueue. pop() takes the next available head, walks its chain
 * with the hostile-input-proof walker (chain-walker.ts) and only then advances; pushUsed() returns a chain;
 * interrupt() decides on a used-buffer notification (virtio 1.2 §2.7.7.2).
 */
import { VirtqError } from './errors.js';
import { vringNeedEvent } from './event-idx.js';
import { DescChain } from './chain.js';
import { walkSplitChain } from './chain-walker.js';
import { availAhead } from './split-checks.js';
import { SplitRing, type SplitQueueConfig } from './split-ring.js';
import { VRING_AVAIL_F_NO_INTERRUPT, VRING_USED_F_NO_NOTIFY } from './flags.js';

export class SplitDevice {
  readonly ring: SplitRing;
  /** Next avail ring entry to consume (QEMU last_avail_idx). */
  lastAvail = 0;
  /** The device's copy of used.idx. */
  usedIdx = 0;
  /** used.idx when the driver was last considered for an interrupt. */
  signalledUsed = 0;
  /** The chain the last pop() walked; reused by every pop(). */
  readonly chain: DescChain;
  private readonly outstanding: Uint8Array;
  /** Whether the device wants kicks; with EVENT_IDX, pop() keeps avail_event at lastAvail only while true. */
  private notifications = true;

  constructor(config: SplitQueueConfig) {
    this.ring = new SplitRing(config);
    this.chain = new DescChain(this.ring.size + this.ring.maxIndirect + 1, this.ring.memory);
    this.outstanding = new Uint8Array(this.ring.size);
  }

  /** Heads the driver has made available and this device has not popped (validated against the queue size). */
  pending(): number {
    return availAhead(this.ring.availIdx(), this.lastAvail, this.ring.size);
  }

  /**
   * Pop the next available chain, or null. The returned DescChain is this device's scratch, valid until the
   * next pop(). On a violation it throws and lastAvail, avail_event and every other state stay as they were.
   */
  pop(): DescChain | null {
    if (this.pending() === 0) return null;
    const r = this.ring;
    const head = r.availRing(this.lastAvail & (r.size - 1));
    walkSplitChain(r, head, this.chain);
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    this.outstanding[head] = 1;
    if (r.eventIdx && this.notifications) r.setAvailEvent(this.lastAvail);
    return this.chain;
  }

  /** Return chain `id` with `len` bytes written (virtio 1.2 §2.7.8.2: set len, then publish used.idx). */
  pushUsed(id: number, len: number): void {
    const r = this.ring;
    if (id >>> 0 !== id || id >= r.size || this.outstanding[id] !== 1) {
      throw new VirtqError('VIRTQ_USED_ID_NOT_OUTSTANDING', `pushUsed(${id}): not a head this device popped and has not returned`, { index: id, received: id });
    }
    this.outstanding[id] = 0;
    r.setUsedElem(this.usedIdx & (r.size - 1), id, len >>> 0);
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    r.setUsedIdx(this.usedIdx);
  }

  /** Whether the driver wants a used-buffer notification for the entries pushed since the last call. */
  needInterrupt(): boolean {
    const r = this.ring;
    r.usedPort.fence();
    const oldIdx = this.signalledUsed;
    const newIdx = this.usedIdx;
    this.signalledUsed = newIdx;
    return r.eventIdx ? vringNeedEvent(r.usedEvent(), newIdx, oldIdx) : (r.availFlags() & VRING_AVAIL_F_NO_INTERRUPT) === 0;
  }

  /** needInterrupt() and, when needed, notify the driver through the device area's port. */
  interrupt(): boolean {
    const need = this.needInterrupt();
    if (need) this.ring.usedPort.notify(this.ring.queueIndex);
    return need;
  }

  /** Ask for kicks again (avail_event = lastAvail with EVENT_IDX, else clear VRING_USED_F_NO_NOTIFY); true if work is pending. */
  enableNotifications(): boolean {
    const r = this.ring;
    this.notifications = true;
    if (r.eventIdx) r.setAvailEvent(this.lastAvail);
    else r.setUsedFlags(r.usedFlags() & ~VRING_USED_F_NO_NOTIFY);
    r.usedPort.fence();
    return this.pending() !== 0;
  }

  /**
   * Stop kicks while polling: VRING_USED_F_NO_NOTIFY without EVENT_IDX; with it, avail_event stops following
   * lastAvail, so the driver's vring_need_event() test fails once it is passed (§2.7.10).
   */
  disableNotifications(): void {
    const r = this.ring;
    this.notifications = false;
    if (!r.eventIdx) r.setUsedFlags(r.usedFlags() | VRING_USED_F_NO_NOTIFY);
  }
}

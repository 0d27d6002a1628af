/**
 * SplitDriver: the driver end of a split virtqueue (virtio 1.2 §2.7.13 supplying buffers, §2.7.14 receiving
 * used buffers, §2.7.7 / §2.7.10 notification suppression).
 *
 * The descriptor free list is private driver state (never read back from shared memory): head, then
 * freeNext[] in order, as Linux's desc_extra keeps it. Used entries are read by copying id and len once,
 * then validated against what this driver made available; a rejected entry leaves the queue unchanged.
 */
import { VirtqError } from './errors.js';
import { vringNeedEvent } from './event-idx.js';
import { SplitRing, type SplitQueueConfig } from './split-ring.js';
import { VRING_AVAIL_F_NO_INTERRUPT, VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE, VRING_USED_F_NO_NOTIFY } from './flags.js';
import { UsedBuffer, addrHi, addrLo, checkBuffers, type VirtqBuffer } from './buffers.js';

const HEAD_NONE = 0;
const HEAD_OUTSTANDING = 1;
const HEAD_COMPLETED = 2;

export class SplitDriver {
  readonly ring: SplitRing;
  private readonly freeNext: Uint16Array;
  private freeHead = 0;
  /** Free descriptors. */
  numFree: number;
  /** The driver's copy of avail.idx (Linux avail_idx_shadow). */
  availIdxShadow = 0;
  /** Chains added since the last kickPrepare(). */
  numAdded = 0;
  /** Next used entry to reclaim. */
  lastUsed = 0;
  /** Chains made available and not yet reclaimed. */
  inFlight = 0;
  private callbacks = true;
  private readonly chainLen: Uint16Array;
  private readonly chainWritable: Float64Array;
  private readonly headState: Uint8Array;
  private readonly scratch = new UsedBuffer();

  constructor(config: SplitQueueConfig) {
    this.ring = new SplitRing(config);
    const n = this.ring.size;
    this.freeNext = new Uint16Array(n);
    for (let i = 0; i < n; i++) this.freeNext[i] = (i + 1) % n;
    this.numFree = n;
    this.chainLen = new Uint16Array(n);
    this.chainWritable = new Float64Array(n);
    this.headState = new Uint8Array(n);
  }

  /** Add a chain of direct descriptors; publishes it in the avail ring. Returns the head index. */
  add(bufs: readonly VirtqBuffer[]): number {
    const r = this.ring;
    if (bufs.length === 0 || bufs.length > this.numFree) {
      throw new VirtqError('VIRTQ_NO_SPACE', `cannot add ${bufs.length} descriptors with ${this.numFree} free`, { expected: `1..${this.numFree}`, received: bufs.length });
    }
    const writable = checkBuffers(r.memory, bufs);
    const head = this.freeHead;
    let i = head;
    const n = bufs.length;
    for (let k = 0; k < n; k++) {
      const b = bufs[k] as VirtqBuffer;
      const more = k < n - 1;
      const flags = (b.write === true ? VRING_DESC_F_WRITE : 0) | (more ? VRING_DESC_F_NEXT : 0);
      r.writeDesc(r.descPort, r.descBase, i, addrLo(b.addr), addrHi(b.addr), b.len, flags, more ? (this.freeNext[i] as number) : 0);
      if (k > 0) this.headState[i] = HEAD_NONE;
      i = this.freeNext[i] as number;
    }
    this.freeHead = i;
    this.numFree -= n;
    return this.publish(head, n, writable);
  }

  /**
   * Add a chain through an indirect table the caller placed at `tableAddr` in guest memory
   * (bufs.length × sizeof(vring_desc) bytes); one ring descriptor refers to it (virtio 1.2 §2.7.5.3).
   */
  addIndirect(bufs: readonly VirtqBuffer[], tableAddr: number | bigint): number {
    const r = this.ring;
    if (!r.indirect) throw new VirtqError('VIRTQ_INDIRECT_NOT_NEGOTIATED', 'addIndirect on a queue without VIRTIO_RING_F_INDIRECT_DESC');
    if (bufs.length === 0 || bufs.length > r.maxIndirect) {
      throw new VirtqError('VIRTQ_INDIRECT_TOO_LARGE', `an indirect table of ${bufs.length} entries (allowed 1..${r.maxIndirect})`, { received: bufs.length });
    }
    if (this.numFree < 1) throw new VirtqError('VIRTQ_NO_SPACE', 'no free descriptor for the indirect descriptor', { received: 0 });
    const writable = checkBuffers(r.memory, bufs);
    const tableLen = bufs.length * r.d.stride;
    const port = r.memory.portFor(tableAddr, tableLen, 'indirect table');
    const base = r.memory.offset;
    const n = bufs.length;
    for (let k = 0; k < n; k++) {
      const b = bufs[k] as VirtqBuffer;
      const more = k < n - 1;
      r.writeDesc(port, base, k, addrLo(b.addr), addrHi(b.addr), b.len, (b.write === true ? VRING_DESC_F_WRITE : 0) | (more ? VRING_DESC_F_NEXT : 0), more ? k + 1 : 0);
    }
    const head = this.freeHead;
    r.writeDesc(r.descPort, r.descBase, head, addrLo(tableAddr), addrHi(tableAddr), tableLen, VRING_DESC_F_INDIRECT, 0);
    this.freeHead = this.freeNext[head] as number;
    this.numFree -= 1;
    return this.publish(head, 1, writable);
  }

  private publish(head: number, n: number, writable: number): number {
    const r = this.ring;
    this.chainLen[head] = n;
    this.chainWritable[head] = writable;
    this.headState[head] = HEAD_OUTSTANDING;
    this.inFlight++;
    // §2.7.13.2: place the head in the next ring slot, then §2.7.13.3 publish idx (the store orders it).
    r.setAvailRing(this.availIdxShadow & (r.size - 1), head);
    this.availIdxShadow = (this.availIdxShadow + 1) & 0xffff;
    r.setAvailIdx(this.availIdxShadow);
    this.numAdded++;
    return head;
  }

  /**
   * virtqueue_kick_prepare(): whether the device wants a notification for the chains added since the last
   * call — vring_need_event(avail_event, new, old) with EVENT_IDX, else !VRING_USED_F_NO_NOTIFY (§2.7.10).
   */
  kickPrepare(): boolean {
    const r = this.ring;
    r.descPort.fence();
    const newIdx = this.availIdxShadow;
    const oldIdx = (newIdx - this.numAdded) & 0xffff;
    this.numAdded = 0;
    return r.eventIdx ? vringNeedEvent(r.availEvent(), newIdx, oldIdx) : (r.usedFlags() & VRING_USED_F_NO_NOTIFY) === 0;
  }

  /** kickPrepare() and, when needed, notify the device through the driver area's port. */
  kick(): boolean {
    const need = this.kickPrepare();
    if (need) this.ring.availPort.notify(this.ring.queueIndex);
    return need;
  }

  /** Whether the device has used entries not yet reclaimed. */
  hasUsed(): boolean {
    return this.ring.usedIdx() !== this.lastUsed;
  }

  /**
   * Reclaim the next used entry into a reused UsedBuffer (or `out`), or return null when there is none.
   * Validates the copied id and len against this driver's outstanding chains first; throws without
   * changing any state on a violation.
   */
  getUsed(out: UsedBuffer = this.scratch): UsedBuffer | null {
    const r = this.ring;
    const usedIdx = r.usedIdx();
    if (usedIdx === this.lastUsed) return null;
    const pending = (usedIdx - this.lastUsed) & 0xffff;
    if (pending > this.inFlight) {
      throw new VirtqError('VIRTQ_USED_IDX_JUMP', `used.idx ${usedIdx} is ${pending} ahead of ${this.lastUsed}, but only ${this.inFlight} chains are outstanding`, { index: usedIdx, expected: `<= ${this.inFlight}`, received: pending });
    }
    const slot = this.lastUsed & (r.size - 1);
    const id = r.usedElemIdAt(slot);
    const len = r.usedElemLenAt(slot);
    if (id >= r.size) throw new VirtqError('VIRTQ_USED_ID_OUT_OF_RANGE', `used ring slot ${slot} names id ${id}, outside the ${r.size}-entry table`, { index: id, expected: `< ${r.size}`, received: id });
    const state = this.headState[id];
    if (state === HEAD_COMPLETED) throw new VirtqError('VIRTQ_USED_ID_TWICE', `used ring slot ${slot} returns head ${id} again after it was completed`, { index: id, received: id });
    if (state !== HEAD_OUTSTANDING) throw new VirtqError('VIRTQ_USED_ID_NOT_OUTSTANDING', `used ring slot ${slot} names ${id}, which is not the head of an outstanding chain`, { index: id, received: id });
    const writable = this.chainWritable[id] as number;
    if (len > writable) throw new VirtqError('VIRTQ_USED_LEN_TOO_LARGE', `used len ${len} for head ${id} exceeds its ${writable} device-writable bytes`, { index: id, expected: `<= ${writable}`, received: len });
    // detach_buf_split: return the chain to the front of the free list.
    let last = id;
    const n = this.chainLen[id] as number;
    for (let k = 1; k < n; k++) last = this.freeNext[last] as number;
    this.freeNext[last] = this.freeHead;
    this.freeHead = id;
    this.numFree += n;
    this.headState[id] = HEAD_COMPLETED;
    this.inFlight--;
    this.lastUsed = (this.lastUsed + 1) & 0xffff;
    if (r.eventIdx && this.callbacks) r.setUsedEvent(this.lastUsed);
    out.id = id;
    out.len = len;
    return out;
  }

  /** virtqueue_enable_cb(): ask for used-buffer notifications again; true when entries are already pending. */
  enableCallbacks(): boolean {
    const r = this.ring;
    this.callbacks = true;
    if (r.eventIdx) r.setUsedEvent(this.lastUsed);
    else r.setAvailFlags(r.availFlags() & ~VRING_AVAIL_F_NO_INTERRUPT);
    r.availPort.fence();
    return this.hasUsed();
  }

  /** virtqueue_disable_cb(): VRING_AVAIL_F_NO_INTERRUPT without EVENT_IDX; with it, used_event simply stops moving. */
  disableCallbacks(): void {
    const r = this.ring;
    this.callbacks = false;
    if (!r.eventIdx) r.setAvailFlags(r.availFlags() | VRING_AVAIL_F_NO_INTERRUPT);
  }
}

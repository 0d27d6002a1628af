/**
 * SplitDriver: the driver end of a split virtqueue (virtio 1.2 §2.7.13 supplying buffers, §2.7.14 receiving
 * used buffers, §2.7.7 / §2.7.10 notification suppression), with VIRTIO_F_IN_ORDER (§2.7.9),
 * VIRTIO_F_NOTIFICATION_DATA (§2.9) and VIRTIO_F_RING_RESET (§2.6.1).
 *
 * The descriptor free list is private driver state (never read back from shared memory): head, then
 * freeNext[] in order, as Linux's desc_extra keeps it. Used entries are read by copying id and len once,
 * then validated against what this driver made available; a rejected entry leaves the queue unchanged.
 * All bookkeeping is private; the getters below expose it read-only.
 */
import { VirtqError } from './errors.js';
import { QueueResetState } from './queue-reset.js';
import { vringNeedEvent } from './event-idx.js';
import { idx16Add, idx16Sub } from './index16.js';
import { SplitRing, type SplitQueueConfig } from './split-ring.js';
import { idxBackwardsError, idxBehind } from './split-checks.js';
import { VRING_AVAIL_F_NO_INTERRUPT, VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE, VRING_USED_F_NO_NOTIFY } from './flags.js';
import { UsedBuffer, addrHi, addrLo, checkBuffers, checkRecords, recordCount, type VirtqBuffer } from './buffers.js';
import type { VirtqFeatures } from './features.js';
import { splitNotificationData } from './notification-data.js';

const HEAD_NONE = 0;
const HEAD_OUTSTANDING = 1;
const HEAD_COMPLETED = 2;

export class SplitDriver {
  #ring: SplitRing;
  readonly #inOrder: boolean;
  readonly #notificationData: boolean;
  readonly #resetState: QueueResetState;
  // The typed arrays start as empty arrays of their type (the constructor makes them queue-sized): a field
  // declared without a value would hold undefined first and V8 would then check its map at every access.
  #freeNext = new Uint16Array(0);
  #freeHead = 0;
  #numFree = 0;
  #availIdxShadow = 0;
  #numAdded = 0;
  #lastUsed = 0;
  /** used.idx as last read: it only increases (§2.7.8). */
  #usedSeen = 0;
  #inFlight = 0;
  #callbacks = true;
  #chainLen = new Uint16Array(0);
  #chainWritable = new Float64Array(0);
  #headState = new Uint8Array(0);
  /** The head published at each avail ring slot (IN_ORDER: the used ring names batches by these). */
  #availHead = new Uint16Array(0);
  /** IN_ORDER: buffers left in the batch the last read used entry stands for, and that entry's len. */
  #batchLeft = 0;
  #batchLen = 0;
  readonly #scratch = new UsedBuffer();
  /** len of the buffer getUsedRecord() / getUsed() returned last. */
  #usedLen = 0;

  /**
   * `base` starts the driver at that avail index with everything before it reclaimed (avail_idx_shadow and
   * last_used both `base`), the driver's half of a queue handed over already running, as SplitDevice's `base`
   * is vhost's VHOST_SET_VRING_BASE; default 0, a fresh queue. avail.idx and used.idx in memory are the
   * caller's to set (a running queue's memory holds them). Traces use it to reach the 16-bit wrap quickly.
   */
  constructor(config: SplitQueueConfig & VirtqFeatures & { readonly base?: number }) {
    this.#inOrder = config.inOrder === true;
    this.#notificationData = config.notificationData === true;
    this.#resetState = new QueueResetState(config.ringReset === true);
    this.#ring = new SplitRing(config);
    const n = this.#ring.size;
    this.#freeNext = new Uint16Array(n);
    this.#chainLen = new Uint16Array(n);
    this.#chainWritable = new Float64Array(n);
    this.#headState = new Uint8Array(n);
    this.#availHead = new Uint16Array(n);
    this.#initState();
    const base = idx16Add(config.base ?? 0, 0);
    this.#availIdxShadow = base;
    this.#lastUsed = base;
    this.#usedSeen = base;
  }

  /** The queue's areas and accessors (replaced when enable() re-enables it with a new configuration). */
  get ring(): SplitRing { return this.#ring; }
  /** Free descriptors (Linux num_free). */
  get numFree(): number { return this.#numFree; }
  /** The driver's copy of avail.idx (Linux avail_idx_shadow). */
  get availIdxShadow(): number { return this.#availIdxShadow; }
  /** Chains added since the last kickPrepare() (Linux num_added). */
  get numAdded(): number { return this.#numAdded; }
  /** Next used ring entry to reclaim (Linux last_used_idx). */
  get lastUsed(): number { return this.#lastUsed; }
  /** Chains made available and not yet reclaimed. */
  get inFlight(): number { return this.#inFlight; }
  /** True between reset() and enable(). */
  get isReset(): boolean { return this.#resetState.isReset; }

  /** The state of a freshly discovered queue (virtqueue_init + the free list in ring order). */
  #initState(): void {
    const n = this.#ring.size;
    for (let i = 0; i < n; i++) this.#freeNext[i] = (i + 1) % n;
    this.#freeHead = 0;
    this.#numFree = n;
    this.#availIdxShadow = 0;
    this.#numAdded = 0;
    this.#lastUsed = 0;
    this.#usedSeen = 0;
    this.#inFlight = 0;
    this.#callbacks = true;
    this.#batchLeft = 0;
    this.#batchLen = 0;
    this.#usedLen = 0;
    this.#headState.fill(HEAD_NONE);
  }

  #live(op: string): void {
    // The queue index is read only to refuse: a live queue pays one flag test.
    if (this.#resetState.isReset) this.#resetState.requireLive(op, this.#ring.queueIndex);
  }

  /** Add a chain of direct descriptors; publishes it in the avail ring. Returns the head index. */
  add(bufs: readonly VirtqBuffer[]): number {
    this.#live('add()');
    const r = this.#ring;
    if (bufs.length === 0 || bufs.length > this.#numFree) throw this.#noSpace(bufs.length);
    const writable = checkBuffers(r.memory, bufs);
    if (!r.direct) return this.#addThroughPorts(bufs, writable);
    const head = this.#freeHead;
    let i = head;
    const n = bufs.length;
    // With IN_ORDER the free list is never relinked, so freeNext[i] is (i + 1) % size: §2.7.5.2 "driver MUST
    // set next to 0 for the last descriptor in the table (where x = queue_size - 1) and to x + 1 for the rest".
    const freeNext = this.#freeNext;
    const headState = this.#headState;
    const fWrite = VRING_DESC_F_WRITE;
    const fNext = VRING_DESC_F_NEXT;
    // The five fields writeDesc() writes, straight into the table's DataView.
    const v = r.descView;
    const d = r.d;
    const base = r.descBase;
    for (let k = 0; k < n; k++) {
      const b = bufs[k] as VirtqBuffer;
      const more = k < n - 1;
      const flags = (b.write === true ? fWrite : 0) | (more ? fNext : 0);
      const next = more ? (freeNext[i] as number) : 0;
      const lo = addrLo(b.addr);
      const hi = addrHi(b.addr);
      const at = base + i * d.stride;
      v.setUint32(at + d.addrLoOff, lo, true);
      v.setUint32(at + d.addrHiOff, hi, true);
      v.setUint32(at + d.len, b.len, true);
      v.setUint16(at + d.flags, flags, true);
      v.setUint16(at + d.next, next, true);
      if (k > 0) headState[i] = HEAD_NONE;
      i = freeNext[i] as number;
    }
    this.#freeHead = i;
    this.#numFree -= n;
    return this.#publish(head, n, writable);
  }

  /** add()'s writes through the descriptor table's port (shared memory, recorders, legacy byte order). */
  #addThroughPorts(bufs: readonly VirtqBuffer[], writable: number): number {
    const r = this.#ring;
    const n = bufs.length;
    const head = this.#freeHead;
    const freeNext = this.#freeNext;
    const headState = this.#headState;
    const fWrite = VRING_DESC_F_WRITE;
    const fNext = VRING_DESC_F_NEXT;
    let i = head;
    // Linux drivers/virtio/virtio_ring.c virtqueue_add_split(): descriptors, then the avail entry and idx.
    if (r.descPort.annotate !== undefined) r.descPort.annotate('virtqueue_add_split', { head, descs: n });
    for (let k = 0; k < n; k++) {
      const b = bufs[k] as VirtqBuffer;
      const more = k < n - 1;
      const flags = (b.write === true ? fWrite : 0) | (more ? fNext : 0);
      r.writeDesc(r.descPort, r.descBase, i, addrLo(b.addr), addrHi(b.addr), b.len, flags, more ? (freeNext[i] as number) : 0);
      if (k > 0) headState[i] = HEAD_NONE;
      i = freeNext[i] as number;
    }
    this.#freeHead = i;
    this.#numFree -= n;
    return this.#publish(head, n, writable);
  }

  /**
   * add() without objects: buffers as records (buffers.ts recordCount), addr[from + k] and len[from + k], the
   * first nOut device-readable and the next nIn device-writable. The same checks, codes and memory bytes as
   * add() with the equivalent VirtqBuffer list. Returns the head index.
   */
  addRecord(addr: Float64Array, len: Uint32Array, nOut: number, nIn: number, from = 0): number {
    this.#live('addRecord()');
    const r = this.#ring;
    const n = recordCount(addr, len, nOut, nIn, from);
    if (n === 0 || n > this.#numFree) throw this.#noSpace(n);
    const writable = checkRecords(r.memory, addr, len, nOut, n, from);
    if (!r.direct) return this.#addRecordThroughPorts(addr, len, nOut, n, from, writable);
    const head = this.#freeHead;
    const freeNext = this.#freeNext;
    const headState = this.#headState;
    let i = head;
    // The same five fields writeDesc() writes, straight into the table's DataView.
    const v = r.descView;
    const d = r.d;
    const base = r.descBase;
    const stride = d.stride;
    const loOff = d.addrLoOff;
    const hiOff = d.addrHiOff;
    const lenOff = d.len;
    const flagsOff = d.flags;
    const nextOff = d.next;
    // Imported constants read into locals first: V8 then turns every DataView call below into a plain store.
    const fWrite = VRING_DESC_F_WRITE;
    const fNext = VRING_DESC_F_NEXT;
    for (let j = 0; j < n; j++) {
      const a = addr[from + j] as number;
      const more = j < n - 1;
      const flags = (j >= nOut ? fWrite : 0) | (more ? fNext : 0);
      const next = more ? (freeNext[i] as number) : 0;
      const at = base + i * stride;
      // Only integers below 2^53 got here: ToUint32 and the quotient's ToUint32 are the two halves.
      v.setUint32(at + loOff, a >>> 0, true);
      v.setUint32(at + hiOff, (a / 0x1_0000_0000) >>> 0, true);
      v.setUint32(at + lenOff, len[from + j] as number, true);
      v.setUint16(at + flagsOff, flags, true);
      v.setUint16(at + nextOff, next, true);
      if (j > 0) headState[i] = HEAD_NONE;
      i = freeNext[i] as number;
    }
    this.#freeHead = i;
    this.#numFree -= n;
    return this.#publish(head, n, writable);
  }

  /** addRecord()'s writes through the descriptor table's port (shared memory, recorders, legacy byte order). */
  #addRecordThroughPorts(addr: Float64Array, len: Uint32Array, nOut: number, n: number, from: number, writable: number): number {
    const r = this.#ring;
    const head = this.#freeHead;
    const freeNext = this.#freeNext;
    const headState = this.#headState;
    let i = head;
    if (r.descPort.annotate !== undefined) r.descPort.annotate('virtqueue_add_split', { head, descs: n });
    for (let j = 0; j < n; j++) {
      const a = addr[from + j] as number;
      const more = j < n - 1;
      r.writeDesc(r.descPort, r.descBase, i, a >>> 0, (a / 0x1_0000_0000) >>> 0, len[from + j] as number,
        (j >= nOut ? VRING_DESC_F_WRITE : 0) | (more ? VRING_DESC_F_NEXT : 0), more ? (freeNext[i] as number) : 0);
      if (j > 0) headState[i] = HEAD_NONE;
      i = freeNext[i] as number;
    }
    this.#freeHead = i;
    this.#numFree -= n;
    return this.#publish(head, n, writable);
  }

  #noSpace(n: number): VirtqError {
    return new VirtqError('VIRTQ_NO_SPACE', `cannot add ${n} descriptors with ${this.#numFree} free`, { expected: `1..${this.#numFree}`, received: n });
  }

  /**
   * Add a chain through an indirect table the caller placed at `tableAddr` in guest memory
   * (bufs.length × sizeof(vring_desc) bytes); one ring descriptor refers to it (virtio 1.2 §2.7.5.3).
   * Table entries are linked 0 → 1 → 2 ..., as §2.7.5.3.1 requires under IN_ORDER.
   */
  addIndirect(bufs: readonly VirtqBuffer[], tableAddr: number | bigint): number {
    this.#live('addIndirect()');
    const r = this.#ring;
    if (!r.indirect) throw new VirtqError('VIRTQ_INDIRECT_NOT_NEGOTIATED', 'addIndirect on a queue without VIRTIO_RING_F_INDIRECT_DESC');
    if (bufs.length === 0 || bufs.length > r.maxIndirect) {
      throw new VirtqError('VIRTQ_INDIRECT_TOO_LARGE', `an indirect table of ${bufs.length} entries (allowed 1..${r.maxIndirect})`, { received: bufs.length });
    }
    if (this.#numFree < 1) throw new VirtqError('VIRTQ_NO_SPACE', 'no free descriptor for the indirect descriptor', { received: 0 });
    const writable = checkBuffers(r.memory, bufs);
    const tableLen = bufs.length * r.d.stride;
    const port = r.memory.portFor(tableAddr, tableLen, 'indirect table');
    const base = r.memory.offset;
    const n = bufs.length;
    if (r.descPort.annotate !== undefined) r.descPort.annotate('virtqueue_add_split', { head: this.#freeHead, descs: n, indirect: true });
    for (let k = 0; k < n; k++) {
      const b = bufs[k] as VirtqBuffer;
      const more = k < n - 1;
      r.writeDesc(port, base, k, addrLo(b.addr), addrHi(b.addr), b.len, (b.write === true ? VRING_DESC_F_WRITE : 0) | (more ? VRING_DESC_F_NEXT : 0), more ? k + 1 : 0);
    }
    const head = this.#freeHead;
    r.writeDesc(r.descPort, r.descBase, head, addrLo(tableAddr), addrHi(tableAddr), tableLen, VRING_DESC_F_INDIRECT, 0);
    this.#freeHead = this.#freeNext[head] as number;
    this.#numFree -= 1;
    return this.#publish(head, 1, writable);
  }

  #publish(head: number, n: number, writable: number): number {
    const r = this.#ring;
    this.#chainLen[head] = n;
    this.#chainWritable[head] = writable;
    this.#headState[head] = HEAD_OUTSTANDING;
    this.#inFlight++;
    // §2.7.13.2: place the head in the next ring slot, then §2.7.13.3 publish idx (the store orders it).
    const slot = this.#availIdxShadow & (r.size - 1);
    this.#availHead[slot] = head;
    const idx = idx16Add(this.#availIdxShadow, 1);
    this.#availIdxShadow = idx;
    if (r.direct) {
      r.availView.setUint16(r.availRingAt + slot * r.areas.availStride, head, true);
      r.availView.setUint16(r.availIdxAt, idx, true);
    } else {
      this.#publishThroughPorts(r, slot, head, idx);
    }
    this.#numAdded++;
    return head;
  }

  #publishThroughPorts(r: SplitRing, slot: number, head: number, idx: number): void {
    r.setAvailRing(slot, head);
    r.setAvailIdx(idx);
  }

  /**
   * virtqueue_kick_prepare(): whether the device wants a notification for the chains added since the last
   * call — vring_need_event(avail_event, new, old) with EVENT_IDX, else !VRING_USED_F_NO_NOTIFY (§2.7.10).
   */
  kickPrepare(): boolean {
    this.#live('kickPrepare()');
    const r = this.#ring;
    if (r.descPort.annotate !== undefined) r.descPort.annotate('virtqueue_kick_prepare', { avail_idx: this.#availIdxShadow });
    r.descPort.fence();
    const newIdx = this.#availIdxShadow;
    const oldIdx = idx16Sub(newIdx, this.#numAdded);
    this.#numAdded = 0;
    return r.eventIdx ? vringNeedEvent(r.availEvent(), newIdx, oldIdx) : (r.usedFlags() & VRING_USED_F_NO_NOTIFY) === 0;
  }

  /**
   * The notification value for the queue as it stands (virtio 1.2 §2.9): vqn, and as next_off / next_wrap
   * "the 15 least significant bits of the available index" and its bit 15 — the avail idx just published.
   */
  notificationData(): number {
    return splitNotificationData(this.#ring.queueIndex, this.#availIdxShadow);
  }

  /**
   * kickPrepare() and, when needed, notify the device through the driver area's port; with
   * VIRTIO_F_NOTIFICATION_DATA the notification carries notificationData() (§2.9, §4.1.5.2).
   */
  kick(): boolean {
    const need = this.kickPrepare();
    if (need) {
      const r = this.#ring;
      if (r.availPort.annotate !== undefined) r.availPort.annotate('virtqueue_notify', { queue: r.queueIndex });
      if (this.#notificationData) r.availPort.notify(r.queueIndex, this.notificationData());
      else r.availPort.notify(r.queueIndex);
    }
    return need;
  }

  /** Whether the device has used entries not yet reclaimed. */
  hasUsed(): boolean {
    this.#live('hasUsed()');
    return this.#batchLeft > 0 || this.#ring.usedIdx() !== this.#lastUsed;
  }

  /**
   * Reclaim the next used buffer into a reused UsedBuffer (or `out`), or return null when there is none.
   * Validates the copied id and len against this driver's outstanding chains first; throws without
   * changing any state on a violation. With VIRTIO_F_IN_ORDER one used entry may stand for a batch: the
   * buffers before the one it names come back one per call, each with its whole device-writable size.
   */
  getUsed(out: UsedBuffer = this.#scratch): UsedBuffer | null {
    this.#live('getUsed()');
    const id = this.#reclaim();
    if (id < 0) return null;
    out.id = id;
    out.len = this.#usedLen;
    return out;
  }

  /**
   * getUsed() without an object: the reclaimed head index, or -1 when there is none; its len is `usedLen`.
   * The same checks and codes.
   */
  getUsedRecord(): number {
    this.#live('getUsedRecord()');
    return this.#reclaim();
  }

  /** Bytes the device wrote into the buffer getUsedRecord() or getUsed() returned last. */
  get usedLen(): number { return this.#usedLen; }

  /**
   * The next used entry, or -1. On a direct ring without IN_ORDER the common case, an entry that passes every
   * rule, is taken here in one small function (which V8 can inline into the caller's loop); anything else
   * goes to #reclaimChecked(), the one statement of the rules, which reads the same bytes again (a direct
   * ring is a plain ArrayBuffer no other thread can change) and takes or refuses the entry.
   */
  #reclaim(): number {
    const r = this.#ring;
    if (!r.direct || this.#inOrder) return this.#reclaimChecked();
    const uv = r.usedView;
    const usedIdx = uv.getUint16(r.usedIdxAt, true);
    const lastUsed = this.#lastUsed;
    const size = r.size;
    const pending = idx16Sub(usedIdx, lastUsed);
    // used.idx not behind what was seen, and 1..inFlight entries ahead of last_used.
    if (pending === 0 || pending > this.#inFlight || idxBehind(this.#usedSeen, usedIdx, size) !== 0) return this.#reclaimChecked();
    const at = r.usedRingAt + (lastUsed & (size - 1)) * r.areas.usedStride;
    const id = uv.getUint32(at + r.usedElemId, true);
    const len = uv.getUint32(at + r.usedElemLen, true);
    if (id >= size || this.#headState[id] !== HEAD_OUTSTANDING || len > (this.#chainWritable[id] as number)) return this.#reclaimChecked();
    this.#usedSeen = usedIdx;
    this.#detach(id);
    this.#usedLen = len;
    return id;
  }

  #reclaimChecked(): number {
    const r = this.#ring;
    const mask = r.size - 1;
    if (this.#inOrder && this.#batchLeft > 0) return this.#takeBatched();
    const direct = r.direct;
    const usedIdx = direct ? r.usedView.getUint16(r.usedIdxAt, true) : r.usedIdx();
    if (usedIdx !== this.#usedSeen) {
      const back = idxBehind(this.#usedSeen, usedIdx, r.size);
      if (back !== 0) throw idxBackwardsError('used', this.#usedSeen, usedIdx, back);
    }
    if (usedIdx === this.#lastUsed) return -1;
    const pending = idx16Sub(usedIdx, this.#lastUsed);
    if (pending > this.#inFlight) throw this.#usedError('VIRTQ_USED_IDX_JUMP', usedIdx, pending, 0, 0);
    this.#usedSeen = usedIdx;
    const slot = this.#lastUsed & mask;
    // Copy id and len once, then judge the copies.
    const at = r.usedRingAt + slot * r.areas.usedStride;
    const id = direct ? r.usedView.getUint32(at + r.usedElemId, true) : r.usedElemIdAt(slot);
    const len = direct ? r.usedView.getUint32(at + r.usedElemLen, true) : r.usedElemLenAt(slot);
    if (id >= r.size) throw this.#usedError('VIRTQ_USED_ID_OUT_OF_RANGE', usedIdx, pending, id, len);
    const state = this.#headState[id];
    if (state !== HEAD_OUTSTANDING) throw this.#usedError(state === HEAD_COMPLETED ? 'VIRTQ_USED_ID_TWICE' : 'VIRTQ_USED_ID_NOT_OUTSTANDING', usedIdx, pending, id, len);
    if (len > (this.#chainWritable[id] as number)) throw this.#usedError('VIRTQ_USED_LEN_TOO_LARGE', usedIdx, pending, id, len);
    if (!this.#inOrder) {
      if (r.availPort.annotate !== undefined) r.availPort.annotate('virtqueue_get_buf', { id, len });
      this.#detach(id);
      this.#usedLen = len;
      return id;
    }
    // §2.7.9: the entry sits at the position of the first buffer of a batch and names "the head entry of the
    // descriptor chain describing the last buffer in the batch"; used.idx moved over the whole batch. A
    // head beyond the entries used.idx covers was used before buffers made available ahead of it (§6.2).
    let k = 0;
    while (k < pending && this.#availHead[(this.#lastUsed + k) & mask] !== id) k++;
    if (k === pending) throw this.#usedError('VIRTQ_IN_ORDER_VIOLATION', usedIdx, pending, id, len);
    this.#batchLeft = k + 1;
    this.#batchLen = len;
    return this.#takeBatched();
  }

  /** The error a used entry is refused with (cold: built only when refusing, so #reclaim() stays small). */
  #usedError(code: 'VIRTQ_USED_IDX_JUMP' | 'VIRTQ_USED_ID_OUT_OF_RANGE' | 'VIRTQ_USED_ID_TWICE' | 'VIRTQ_USED_ID_NOT_OUTSTANDING' | 'VIRTQ_USED_LEN_TOO_LARGE' | 'VIRTQ_IN_ORDER_VIOLATION',
    usedIdx: number, pending: number, id: number, len: number): VirtqError {
    const size = this.#ring.size;
    const slot = this.#lastUsed & (size - 1);
    switch (code) {
      case 'VIRTQ_USED_IDX_JUMP':
        return new VirtqError(code, `used.idx ${usedIdx} is ${pending} ahead of ${this.#lastUsed}, but only ${this.#inFlight} chains are outstanding`, { index: usedIdx, expected: `<= ${this.#inFlight}`, received: pending });
      case 'VIRTQ_USED_ID_OUT_OF_RANGE':
        return new VirtqError(code, `used ring slot ${slot} names id ${id}, outside the ${size}-entry table`, { index: id, expected: `< ${size}`, received: id });
      case 'VIRTQ_USED_ID_TWICE':
        return new VirtqError(code, `used ring slot ${slot} returns head ${id} again after it was completed`, { index: id, received: id });
      case 'VIRTQ_USED_ID_NOT_OUTSTANDING':
        return new VirtqError(code, `used ring slot ${slot} names ${id}, which is not the head of an outstanding chain`, { index: id, received: id });
      case 'VIRTQ_USED_LEN_TOO_LARGE': {
        const writable = this.#chainWritable[id] as number;
        return new VirtqError(code, `used len ${len} for head ${id} exceeds its ${writable} device-writable bytes`, { index: id, expected: `<= ${writable}`, received: len });
      }
      default:
        return new VirtqError(code, `used ring slot ${slot} names head ${id}, which is not among the ${pending} buffers made available next (expected head ${this.#availHead[slot]} first)`, { index: slot, expected: this.#availHead[slot], received: id });
    }
  }

  /** IN_ORDER: hand back the oldest buffer of the current batch ("assumed ... used completely", §2.7.9). */
  #takeBatched(): number {
    const head = this.#availHead[this.#lastUsed & (this.#ring.size - 1)] as number;
    this.#batchLeft--;
    const len = this.#batchLeft === 0 ? this.#batchLen : (this.#chainWritable[head] as number);
    const port = this.#ring.availPort;
    if (port.annotate !== undefined) port.annotate('virtqueue_get_buf', { id: head, len });
    this.#detach(head);
    this.#usedLen = len;
    return head;
  }

  /** detach_buf_split: return the chain's descriptors, advance last_used and used_event. */
  #detach(id: number): void {
    const r = this.#ring;
    const n = this.#chainLen[id] as number;
    if (!this.#inOrder) {
      // Back to the front of the free list.
      let last = id;
      for (let k = 1; k < n; k++) last = this.#freeNext[last] as number;
      this.#freeNext[last] = this.#freeHead;
      this.#freeHead = id;
    }
    // IN_ORDER: the chain is the oldest in flight, so its descriptors follow the free range in ring order.
    this.#numFree += n;
    this.#headState[id] = HEAD_COMPLETED;
    this.#inFlight--;
    this.#lastUsed = idx16Add(this.#lastUsed, 1);
    if (r.eventIdx && this.#callbacks) r.setUsedEvent(this.#lastUsed);
  }

  /** virtqueue_enable_cb(): ask for used-buffer notifications again; true when entries are already pending. */
  enableCallbacks(): boolean {
    this.#live('enableCallbacks()');
    const r = this.#ring;
    if (r.availPort.annotate !== undefined) r.availPort.annotate('virtqueue_enable_cb');
    this.#callbacks = true;
    if (r.eventIdx) r.setUsedEvent(this.#lastUsed);
    else r.setAvailFlags(r.availFlags() & ~VRING_AVAIL_F_NO_INTERRUPT);
    r.availPort.fence();
    return this.hasUsed();
  }

  /** virtqueue_disable_cb(): VRING_AVAIL_F_NO_INTERRUPT without EVENT_IDX; with it, used_event simply stops moving. */
  disableCallbacks(): void {
    this.#live('disableCallbacks()');
    const r = this.#ring;
    if (r.availPort.annotate !== undefined) r.availPort.annotate('virtqueue_disable_cb');
    this.#callbacks = false;
    if (!r.eventIdx) r.setAvailFlags(r.availFlags() | VRING_AVAIL_F_NO_INTERRUPT);
  }

  /**
   * Per-queue reset, driver side (virtio 1.2 §2.6.1, VIRTIO_F_RING_RESET). The transport's handshake is the
   * caller's: §2.6.1.1.2 "After the driver tells the device to reset a queue, the driver MUST verify that the
   * queue has actually been reset" (PCI: read back 0 in queue_reset, §4.1.4.3.2). From here until enable()
   * every queue operation is refused. Returns how many buffers were in flight and are abandoned (the
   * driver "MAY release any resource associated with that virtqueue").
   */
  reset(): number {
    if (!this.#resetState.beginReset(this.#ring.queueIndex)) return 0;
    const dropped = this.#inFlight;
    const port = this.#ring.availPort;
    if (port.annotate !== undefined) port.annotate('virtqueue_reset', { queue: this.#ring.queueIndex, dropped });
    return dropped;
  }

  /**
   * Re-enable a reset queue (§2.6.1.2.2: "the driver MUST configure the queue resources as during initial
   * virtqueue discovery, but optionally with different parameters"): the driver state returns to that of
   * a new queue and, as Linux's virtqueue_reset_split() does, the descriptor table, driver area and device
   * area are zeroed. `config` gives new geometry (size, addresses); the negotiated features stay.
   */
  enable(config?: SplitQueueConfig): void {
    this.#resetState.requireReset(this.#ring.queueIndex);
    if (config !== undefined) {
      const ring = new SplitRing(config);
      const n = ring.size;
      this.#ring = ring;
      if (n !== this.#freeNext.length) {
        this.#freeNext = new Uint16Array(n);
        this.#chainLen = new Uint16Array(n);
        this.#chainWritable = new Float64Array(n);
        this.#headState = new Uint8Array(n);
        this.#availHead = new Uint16Array(n);
      }
    }
    const r = this.#ring;
    // Linux virtqueue_reinit_split(): the areas zeroed, the state of a new queue.
    if (r.descPort.annotate !== undefined) r.descPort.annotate('virtqueue_reinit_split', { queue: r.queueIndex, size: r.size });
    r.descPort.fill(r.descBase, r.areas.descSize, 0);
    r.availPort.fill(r.availBase, r.areas.availSize, 0);
    r.usedPort.fill(r.usedBase, r.areas.usedSize, 0);
    this.#initState();
    this.#resetState.endReset();
  }
}

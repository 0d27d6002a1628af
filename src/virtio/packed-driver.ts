/**
 * PackedDriver: the driver end of a packed virtqueue (virtio 1.2 §2.8.20–§2.8.22; driver
 * requirements in §2.8.16, §2.8.17 and §2.8.19), with VIRTIO_F_IN_ORDER (§2.8.8),
 * VIRTIO_F_NOTIFICATION_DATA (§2.9) and VIRTIO_F_RING_RESET (§2.6.1).
 *
 * Descriptors are written at next_avail in ring order; each carries the buffer id, and the chain's first
 * descriptor gets its flags (AVAIL = avail wrap counter, USED = its inverse) last, which publishes the whole
 * chain (§2.8.21). Buffer ids come from a private free list. Used descriptors are read flags first, then
 * id and len, each once, validated, and only then is any state changed. All bookkeeping is private.
 */
import { VirtqError } from './errors.js';
import { QueueResetState } from './queue-reset.js';
import { UsedBuffer, addrHi, addrLo, checkBuffers, checkRecords, recordCount, type VirtqBuffer } from './buffers.js';
import { PackedRing, type PackedQueueConfig } from './packed-ring.js';
import {
  VRING_PACKED_DESC_F_AVAIL_BIT, VRING_PACKED_DESC_F_USED_BIT, VRING_PACKED_EVENT_FLAG_DESC,
  VRING_PACKED_EVENT_FLAG_DISABLE, VRING_PACKED_EVENT_FLAG_ENABLE, VRING_PACKED_EVENT_F_WRAP_CTR,
} from './flags.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE } from './flags.js';
import type { VirtqFeatures } from './features.js';
import { encodeNotificationData } from './notification-data.js';
import { layoutOf } from '../layout/compile.js';

const ID_OUTSTANDING = 1;
const ID_COMPLETED = 2;

export class PackedDriver {
  #ring: PackedRing;
  readonly #inOrder: boolean;
  readonly #notificationData: boolean;
  readonly #resetState: QueueResetState;
  #nextAvail = 0;
  #availWrap = 1;
  #lastUsed = 0;
  #usedWrap = 1;
  #numFree = 0;
  /** Descriptor positions advanced since the last kickPrepare(). */
  #numAdded = 0;
  #inFlight = 0;
  #callbacks = true;
  #freeIdHead = 0;
  // The typed arrays start as empty arrays of their type (the constructor makes them queue-sized): a field
  // declared without a value would hold undefined first and V8 would then check its map at every access.
  #freeIdNext = new Uint16Array(0);
  #idCount = new Uint16Array(0);
  #idWritable = new Float64Array(0);
  #idState = new Uint8Array(0);
  /** IN_ORDER: buffer ids in the order made available (a ring of size entries from #orderHead). */
  #order = new Uint16Array(0);
  #orderHead = 0;
  /** IN_ORDER: buffers left in the batch the last used descriptor stands for, and its len. */
  #batchLeft = 0;
  #batchLen = 0;
  readonly #scratch = new UsedBuffer();
  /** len of the buffer getUsedRecord() / getUsed() returned last. */
  #usedLen = 0;

  constructor(config: PackedQueueConfig & VirtqFeatures) {
    this.#inOrder = config.inOrder === true;
    this.#notificationData = config.notificationData === true;
    this.#resetState = new QueueResetState(config.ringReset === true);
    this.#ring = new PackedRing(config);
    const n = this.#ring.size;
    this.#freeIdNext = new Uint16Array(n);
    this.#idCount = new Uint16Array(n);
    this.#idWritable = new Float64Array(n);
    this.#idState = new Uint8Array(n);
    this.#order = new Uint16Array(n);
    this.#initState();
  }

  /** The queue's areas and accessors (replaced when enable() re-enables it with a new configuration). */
  get ring(): PackedRing { return this.#ring; }
  /** Ring position the next descriptor is written at (Linux next_avail_idx). */
  get nextAvail(): number { return this.#nextAvail; }
  /** Driver ring wrap counter (§2.8.1; Linux avail_wrap_counter). */
  get availWrap(): number { return this.#availWrap; }
  /** Ring position of the next used descriptor to read (Linux last_used_idx). */
  get lastUsed(): number { return this.#lastUsed; }
  /** The device ring wrap counter as the driver tracks it (Linux used_wrap_counter). */
  get usedWrap(): number { return this.#usedWrap; }
  /** Free descriptors. */
  get numFree(): number { return this.#numFree; }
  /** Descriptor positions advanced since the last kickPrepare(). */
  get numAdded(): number { return this.#numAdded; }
  /** Buffers made available and not yet reclaimed. */
  get inFlight(): number { return this.#inFlight; }
  /** True between reset() and enable(). */
  get isReset(): boolean { return this.#resetState.isReset; }

  #initState(): void {
    const n = this.#ring.size;
    for (let i = 0; i < n; i++) this.#freeIdNext[i] = i + 1;
    this.#freeIdHead = 0;
    this.#numFree = n;
    this.#nextAvail = 0;
    this.#availWrap = 1;
    this.#lastUsed = 0;
    this.#usedWrap = 1;
    this.#numAdded = 0;
    this.#inFlight = 0;
    this.#callbacks = true;
    this.#orderHead = 0;
    this.#batchLeft = 0;
    this.#batchLen = 0;
    this.#usedLen = 0;
    this.#idState.fill(0);
  }

  #live(op: string): void {
    // The queue index is read only to refuse: a live queue pays one flag test.
    if (this.#resetState.isReset) this.#resetState.requireLive(op, this.#ring.queueIndex);
  }

  #wrapFlags(wrap: number): number {
    return wrap === 1 ? VRING_PACKED_DESC_F_AVAIL_BIT : VRING_PACKED_DESC_F_USED_BIT;
  }

  /** Add a chain of direct descriptors and make it available. Returns its buffer id. */
  add(bufs: readonly VirtqBuffer[]): number {
    this.#live('add()');
    const r = this.#ring;
    const n = bufs.length;
    if (n === 0 || n > this.#numFree) throw this.#noSpace(n);
    const writable = checkBuffers(r.memory, bufs);
    const id = this.#freeIdHead;
    const head = this.#nextAvail;
    const headWrap = this.#availWrap;
    // Linux drivers/virtio/virtio_ring.c virtqueue_add_packed(): bodies and later flags, the head's flags last.
    if (!r.direct && r.descPort.annotate !== undefined) r.descPort.annotate('virtqueue_add_packed', { id, head, descs: n });
    let headFlags = 0;
    let p = head;
    let w = headWrap;
    for (let k = 0; k < n; k++) {
      const b = bufs[k] as VirtqBuffer;
      const flags = (b.write === true ? VRING_DESC_F_WRITE : 0) | (k < n - 1 ? VRING_DESC_F_NEXT : 0) | this.#wrapFlags(w);
      r.writeDescBody(r.descPort, r.descBase, p, addrLo(b.addr), addrHi(b.addr), b.len, id);
      if (k === 0) headFlags = flags; else r.setDescFlags(p, flags);
      p++;
      if (p === r.size) { p = 0; w ^= 1; }
    }
    r.setDescFlags(head, headFlags);
    return this.#commit(id, n, writable, p, w);
  }

  /**
   * add() without objects: buffers as records (buffers.ts recordCount), addr[from + k] and len[from + k], the
   * first nOut device-readable and the next nIn device-writable. The same checks, codes and memory bytes as
   * add() with the equivalent VirtqBuffer list. Returns the buffer id.
   */
  addRecord(addr: Float64Array, len: Uint32Array, nOut: number, nIn: number, from = 0): number {
    this.#live('addRecord()');
    const r = this.#ring;
    const n = recordCount(addr, len, nOut, nIn, from);
    if (n === 0 || n > this.#numFree) throw this.#noSpace(n);
    const writable = checkRecords(r.memory, addr, len, nOut, n, from);
    const id = this.#freeIdHead;
    const head = this.#nextAvail;
    const size = r.size;
    // Imported constants read into locals first (V8 then keeps the DataView calls below plain stores).
    const fWrite = VRING_DESC_F_WRITE;
    const fNext = VRING_DESC_F_NEXT;
    const fAvail = VRING_PACKED_DESC_F_AVAIL_BIT;
    const fUsed = VRING_PACKED_DESC_F_USED_BIT;
    let headFlags = 0;
    let p = head;
    let w = this.#availWrap;
    if (r.direct) {
      // The fields writeDescBody() and setDescFlags() write, straight into the ring's DataView.
      const v = r.descView;
      const base = r.descBase;
      const stride = r.stride;
      const addrOff = r.addrOff;
      const lenOff = r.lenOff;
      const idOff = r.idOff;
      const flagsOff = r.flagsOff;
      for (let k = 0; k < n; k++) {
        const a = addr[from + k] as number;
        // §2.8.1: AVAIL equal to the driver's wrap counter, USED its inverse.
        const flags = (k >= nOut ? fWrite : 0) | (k < n - 1 ? fNext : 0) | (w === 1 ? fAvail : fUsed);
        const at = base + p * stride;
        // checkRecords admitted only integers below 2^53: ToUint32 and the quotient's ToUint32 are the halves.
        v.setUint32(at + addrOff, a >>> 0, true);
        v.setUint32(at + addrOff + 4, (a / 0x1_0000_0000) >>> 0, true);
        v.setUint32(at + lenOff, len[from + k] as number, true);
        v.setUint16(at + idOff, id, true);
        if (k === 0) headFlags = flags; else v.setUint16(at + flagsOff, flags, true);
        p++;
        if (p === size) { p = 0; w ^= 1; }
      }
      // §2.8.21: the head's flags last, which makes the whole chain available.
      v.setUint16(base + head * stride + flagsOff, headFlags, true);
      return this.#commit(id, n, writable, p, w);
    }
    return this.#addRecordThroughPorts(addr, len, nOut, n, from, writable);
  }

  /** addRecord()'s writes through the ring's port (shared memory, recorders). */
  #addRecordThroughPorts(addr: Float64Array, len: Uint32Array, nOut: number, n: number, from: number, writable: number): number {
    const r = this.#ring;
    const id = this.#freeIdHead;
    const head = this.#nextAvail;
    if (r.descPort.annotate !== undefined) r.descPort.annotate('virtqueue_add_packed', { id, head, descs: n });
    let headFlags = 0;
    let p = head;
    let w = this.#availWrap;
    for (let k = 0; k < n; k++) {
      const a = addr[from + k] as number;
      const flags = (k >= nOut ? VRING_DESC_F_WRITE : 0) | (k < n - 1 ? VRING_DESC_F_NEXT : 0) | this.#wrapFlags(w);
      r.writeDescBody(r.descPort, r.descBase, p, a >>> 0, (a / 0x1_0000_0000) >>> 0, len[from + k] as number, id);
      if (k === 0) headFlags = flags; else r.setDescFlags(p, flags);
      p++;
      if (p === r.size) { p = 0; w ^= 1; }
    }
    r.setDescFlags(head, headFlags);
    return this.#commit(id, n, writable, p, w);
  }

  #noSpace(n: number): VirtqError {
    return new VirtqError('VIRTQ_NO_SPACE', `cannot add ${n} descriptors with ${this.#numFree} free`, { received: n });
  }

  /** Add a chain through an indirect table of vring_packed_desc at `tableAddr` (§2.8.7). */
  addIndirect(bufs: readonly VirtqBuffer[], tableAddr: number | bigint): number {
    this.#live('addIndirect()');
    const r = this.#ring;
    if (!r.indirect) throw new VirtqError('VIRTQ_INDIRECT_NOT_NEGOTIATED', 'addIndirect on a queue without VIRTIO_RING_F_INDIRECT_DESC');
    if (bufs.length === 0 || bufs.length > r.maxIndirect) throw new VirtqError('VIRTQ_INDIRECT_TOO_LARGE', `an indirect table of ${bufs.length} entries (allowed 1..${r.maxIndirect})`, { received: bufs.length });
    if (this.#numFree < 1) throw new VirtqError('VIRTQ_NO_SPACE', 'no free descriptor for the indirect descriptor', { received: 0 });
    const writable = checkBuffers(r.memory, bufs);
    const tableLen = bufs.length * r.stride;
    const port = r.memory.portFor(tableAddr, tableLen, 'indirect table');
    const base = r.memory.offset;
    const id = this.#freeIdHead;
    if (r.descPort.annotate !== undefined) r.descPort.annotate('virtqueue_add_packed', { id, head: this.#nextAvail, descs: bufs.length, indirect: true });
    for (let k = 0; k < bufs.length; k++) {
      const b = bufs[k] as VirtqBuffer;
      r.writeDescBody(port, base, k, addrLo(b.addr), addrHi(b.addr), b.len, id);
      port.writeU16(base + k * r.stride + r.flagsOff, b.write === true ? VRING_DESC_F_WRITE : 0, true);
    }
    const head = this.#nextAvail;
    r.writeDescBody(r.descPort, r.descBase, head, addrLo(tableAddr), addrHi(tableAddr), tableLen, id);
    r.setDescFlags(head, VRING_DESC_F_INDIRECT | this.#wrapFlags(this.#availWrap));
    let p = head + 1;
    let w = this.#availWrap;
    if (p === r.size) { p = 0; w ^= 1; }
    return this.#commit(id, 1, writable, p, w);
  }

  #commit(id: number, n: number, writable: number, p: number, w: number): number {
    this.#freeIdHead = this.#freeIdNext[id] as number;
    this.#idCount[id] = n;
    this.#idWritable[id] = writable;
    this.#idState[id] = ID_OUTSTANDING;
    this.#order[(this.#orderHead + this.#inFlight) % this.#ring.size] = id;
    this.#inFlight++;
    this.#numFree -= n;
    this.#numAdded += n;
    this.#nextAvail = p;
    this.#availWrap = w;
    return id;
  }

  /** Whether the device wants a notification (device event suppression, §2.8.10; Linux virtqueue_kick_prepare_packed). */
  kickPrepare(): boolean {
    this.#live('kickPrepare()');
    const r = this.#ring;
    if (r.descPort.annotate !== undefined) r.descPort.annotate('virtqueue_kick_prepare', { next_avail: this.#nextAvail, avail_wrap_counter: this.#availWrap });
    r.descPort.fence();
    const added = this.#numAdded;
    this.#numAdded = 0;
    return r.needEvent(r.deviceEventOffWrap(), r.deviceEventFlags(), this.#availWrap, this.#nextAvail, added);
  }

  /**
   * The notification value for the queue as it stands (virtio 1.2 §2.9): vqn; next_off "the offset (in units
   * of descriptor entries) within the descriptor ring where the next available descriptor will be written";
   * next_wrap "the wrap counter referring to the next available descriptor".
   */
  notificationData(): number {
    return encodeNotificationData(this.#ring.queueIndex, this.#nextAvail, this.#availWrap);
  }

  /** kickPrepare() and, when needed, notify; with VIRTIO_F_NOTIFICATION_DATA the kick carries notificationData(). */
  kick(): boolean {
    const need = this.kickPrepare();
    if (need) {
      const r = this.#ring;
      if (r.descPort.annotate !== undefined) r.descPort.annotate('virtqueue_notify', { queue: r.queueIndex });
      if (this.#notificationData) r.descPort.notify(r.queueIndex, this.notificationData());
      else r.descPort.notify(r.queueIndex);
    }
    return need;
  }

  hasUsed(): boolean {
    this.#live('hasUsed()');
    return this.#batchLeft > 0 || PackedRing.isUsed(this.#ring.descFlags(this.#lastUsed), this.#usedWrap);
  }

  /**
   * Reclaim the next used buffer, or null. Throws without changing state on a bad id or length. With
   * VIRTIO_F_IN_ORDER a used descriptor may stand for a batch (§2.8.8): the buffers made available before
   * the one it names come back first, one per call, each with its whole device-writable size.
   */
  getUsed(out: UsedBuffer = this.#scratch): UsedBuffer | null {
    this.#live('getUsed()');
    const id = this.#reclaim();
    if (id < 0) return null;
    out.id = id;
    out.len = this.#usedLen;
    return out;
  }

  /** getUsed() without an object: the buffer id, or -1 when none is used; its len is `usedLen`. The same checks and codes. */
  getUsedRecord(): number {
    this.#live('getUsedRecord()');
    return this.#reclaim();
  }

  /** Bytes the device wrote into the buffer getUsedRecord() or getUsed() returned last. */
  get usedLen(): number { return this.#usedLen; }

  /**
   * The next used buffer, or -1. On a direct ring without IN_ORDER a used descriptor that passes every rule
   * is taken here in one small function; anything else goes to #reclaimChecked(), the one statement of the
   * rules, which reads the same bytes again (a direct ring is a plain ArrayBuffer no other thread can change).
   */
  #reclaim(): number {
    const r = this.#ring;
    if (!r.direct || this.#inOrder) return this.#reclaimChecked();
    const pos = this.#lastUsed;
    const v = r.descView;
    const at = r.descBase + pos * r.stride;
    const flags = v.getUint16(at + r.flagsOff, true);
    // §2.8.1: used in the device's pass when AVAIL and USED both equal the driver's used wrap counter.
    const wrap = this.#usedWrap;
    const a = (flags & VRING_PACKED_DESC_F_AVAIL_BIT) !== 0 ? 1 : 0;
    const u = (flags & VRING_PACKED_DESC_F_USED_BIT) !== 0 ? 1 : 0;
    if (a !== wrap || u !== wrap) return this.#reclaimChecked();
    const id = v.getUint16(at + r.idOff, true);
    const len = v.getUint32(at + r.lenOff, true);
    if (id >= r.size || this.#idState[id] !== ID_OUTSTANDING || len > (this.#idWritable[id] as number)) return this.#reclaimChecked();
    this.#detach(id);
    this.#usedLen = len;
    return id;
  }

  #reclaimChecked(): number {
    if (this.#batchLeft > 0) return this.#takeBatched();
    const r = this.#ring;
    const pos = this.#lastUsed;
    // Flags first (the store that handed the descriptor back), then id and len, each copied once.
    const flags = r.descFlags(pos);
    if (!PackedRing.isUsed(flags, this.#usedWrap)) return -1;
    const at = r.descBase + pos * r.stride;
    const view = r.descView;
    const id = view.getUint16(at + r.idOff, true);
    const len = view.getUint32(at + r.lenOff, true);
    if (id >= r.size) throw this.#usedError('VIRTQ_USED_ID_OUT_OF_RANGE', id, len);
    const state = this.#idState[id];
    if (state !== ID_OUTSTANDING) throw this.#usedError(state === ID_COMPLETED ? 'VIRTQ_USED_ID_TWICE' : 'VIRTQ_USED_ID_NOT_OUTSTANDING', id, len);
    if (len > (this.#idWritable[id] as number)) throw this.#usedError('VIRTQ_USED_LEN_TOO_LARGE', id, len);
    if (!this.#inOrder) {
      if (r.descPort.annotate !== undefined) r.descPort.annotate('virtqueue_get_buf', { id, len });
      this.#detach(id);
      this.#usedLen = len;
      return id;
    }
    // §2.8.8: the used descriptor overwrites the first available descriptor of a batch and carries "the
    // Buffer ID corresponding to the last descriptor in the batch". Every outstanding id is in #order, so
    // the batch is the oldest buffers up to this id (packed has no used index to bound it further).
    const size = r.size;
    let k = 0;
    while (k < this.#inFlight - 1 && this.#order[(this.#orderHead + k) % size] !== id) k++;
    this.#batchLeft = k + 1;
    this.#batchLen = len;
    return this.#takeBatched();
  }

  /** The error a used descriptor is refused with (cold: built only when refusing). */
  #usedError(code: 'VIRTQ_USED_ID_OUT_OF_RANGE' | 'VIRTQ_USED_ID_TWICE' | 'VIRTQ_USED_ID_NOT_OUTSTANDING' | 'VIRTQ_USED_LEN_TOO_LARGE', id: number, len: number): VirtqError {
    const pos = this.#lastUsed;
    switch (code) {
      case 'VIRTQ_USED_ID_OUT_OF_RANGE':
        return new VirtqError(code, `used descriptor at ${pos} names buffer id ${id}, not below ${this.#ring.size}`, { index: pos, received: id });
      case 'VIRTQ_USED_ID_TWICE':
        return new VirtqError(code, `used descriptor at ${pos} returns buffer id ${id} again`, { index: pos, received: id });
      case 'VIRTQ_USED_ID_NOT_OUTSTANDING':
        return new VirtqError(code, `used descriptor at ${pos} names buffer id ${id}, which is not outstanding`, { index: pos, received: id });
      default: {
        const writable = this.#idWritable[id] as number;
        return new VirtqError(code, `used len ${len} for buffer id ${id} exceeds its ${writable} device-writable bytes`, { index: pos, expected: `<= ${writable}`, received: len });
      }
    }
  }

  /** IN_ORDER: hand back the oldest buffer of the current batch ("assumed ... used completely", §2.8.8). */
  #takeBatched(): number {
    const id = this.#order[this.#orderHead] as number;
    this.#batchLeft--;
    const len = this.#batchLeft === 0 ? this.#batchLen : (this.#idWritable[id] as number);
    const port = this.#ring.descPort;
    if (port.annotate !== undefined) port.annotate('virtqueue_get_buf', { id, len });
    this.#detach(id);
    this.#usedLen = len;
    return id;
  }

  /** Skip the buffer's descriptors (§2.8.22), free its id, move the driver event with EVENT_IDX. */
  #detach(id: number): void {
    const r = this.#ring;
    const n = this.#idCount[id] as number;
    this.#lastUsed += n;
    if (this.#lastUsed >= r.size) { this.#lastUsed -= r.size; this.#usedWrap ^= 1; }
    this.#numFree += n;
    this.#idState[id] = ID_COMPLETED;
    this.#freeIdNext[id] = this.#freeIdHead;
    this.#freeIdHead = id;
    if (this.#inOrder) this.#orderHead = (this.#orderHead + 1) % r.size;
    this.#inFlight--;
    if (r.eventIdx && this.#callbacks) r.setDriverEvent(this.#usedOffWrap(), VRING_PACKED_EVENT_FLAG_DESC);
  }

  #usedOffWrap(): number {
    return this.#lastUsed | (this.#usedWrap << VRING_PACKED_EVENT_F_WRAP_CTR);
  }

  /** Ask for used-buffer notifications: at the next used descriptor with EVENT_IDX (FLAG_DESC), else FLAG_ENABLE. */
  enableCallbacks(): boolean {
    this.#live('enableCallbacks()');
    const r = this.#ring;
    if (r.driverEventPort.annotate !== undefined) r.driverEventPort.annotate('virtqueue_enable_cb');
    this.#callbacks = true;
    if (r.eventIdx) r.setDriverEvent(this.#usedOffWrap(), VRING_PACKED_EVENT_FLAG_DESC);
    else r.setDriverEvent(0, VRING_PACKED_EVENT_FLAG_ENABLE);
    r.driverEventPort.fence();
    return this.hasUsed();
  }

  disableCallbacks(): void {
    this.#live('disableCallbacks()');
    const port = this.#ring.driverEventPort;
    if (port.annotate !== undefined) port.annotate('virtqueue_disable_cb');
    this.#callbacks = false;
    this.#ring.setDriverEvent(this.#ring.driverEventOffWrap(), VRING_PACKED_EVENT_FLAG_DISABLE);
  }

  /**
   * Per-queue reset, driver side (§2.6.1, VIRTIO_F_RING_RESET). The transport handshake is the caller's
   * (§2.6.1.1.2: "the driver MUST verify that the queue has actually been reset"). Until enable() every
   * queue operation is refused. Returns how many buffers were in flight and are abandoned.
   */
  reset(): number {
    if (!this.#resetState.beginReset(this.#ring.queueIndex)) return 0;
    const dropped = this.#inFlight;
    const port = this.#ring.descPort;
    if (port.annotate !== undefined) port.annotate('virtqueue_reset', { queue: this.#ring.queueIndex, dropped });
    return dropped;
  }

  /**
   * Re-enable a reset queue as at initial discovery (§2.6.1.2.2), optionally with new geometry: the driver
   * state of a new queue (wrap counters 1, §2.8.1), and the descriptor ring and both event suppression
   * structures zeroed, as Linux's virtqueue_reset_packed() does. The negotiated features stay.
   */
  enable(config?: PackedQueueConfig): void {
    this.#resetState.requireReset(this.#ring.queueIndex);
    if (config !== undefined) {
      const ring = new PackedRing(config);
      const n = ring.size;
      this.#ring = ring;
      if (n !== this.#freeIdNext.length) {
        this.#freeIdNext = new Uint16Array(n);
        this.#idCount = new Uint16Array(n);
        this.#idWritable = new Float64Array(n);
        this.#idState = new Uint8Array(n);
        this.#order = new Uint16Array(n);
      }
    }
    const r = this.#ring;
    const eventSize = layoutOf('vring_packed_desc_event').size;
    // Linux virtqueue_reinit_packed(): the ring and both event structures zeroed, the state of a new queue.
    if (r.descPort.annotate !== undefined) r.descPort.annotate('virtqueue_reinit_packed', { queue: r.queueIndex, size: r.size });
    r.descPort.fill(r.descBase, r.size * r.stride, 0);
    r.driverEventPort.fill(r.driverEventBase, eventSize, 0);
    r.deviceEventPort.fill(r.deviceEventBase, eventSize, 0);
    this.#initState();
    this.#resetState.endReset();
  }
}

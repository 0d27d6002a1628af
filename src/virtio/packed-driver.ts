/**
 * PackedDriver: the driver end of a packed virtqueue (virtio 1.2 §2.8.20–§2.8.22; driver
 * requirements in §2.8.16, §2.8.17 and §2.8.19).
 *
 * Descriptors are written at next_avail in ring order; each carries the buffer id, and the chain's first
 * descriptor gets its flags (AVAIL = avail wrap counter, USED = its inverse) last, which publishes the whole
 * chain (§2.8.21). Buffer ids come from a private free list. Used descriptors are read flags first, then
 * id and len, each once, validated, and only then is any state changed.
 */
import { VirtqError } from './errors.js';
import { UsedBuffer, addrHi, addrLo, checkBuffers, type VirtqBuffer } from './buffers.js';
import { PackedRing, type PackedQueueConfig } from './packed-ring.js';
import {
  VRING_PACKED_DESC_F_AVAIL_BIT, VRING_PACKED_DESC_F_USED_BIT, VRING_PACKED_EVENT_FLAG_DESC,
  VRING_PACKED_EVENT_FLAG_DISABLE, VRING_PACKED_EVENT_FLAG_ENABLE, VRING_PACKED_EVENT_F_WRAP_CTR,
} from './flags.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE } from './flags.js';


const ID_OUTSTANDING = 1;
const ID_COMPLETED = 2;

export class PackedDriver {
  readonly ring: PackedRing;
  nextAvail = 0;
  availWrap = 1;
  lastUsed = 0;
  usedWrap = 1;
  numFree: number;
  /** Descriptor positions advanced since the last kickPrepare(). */
  numAdded = 0;
  inFlight = 0;
  private callbacks = true;
  private freeIdHead = 0;
  private readonly freeIdNext: Uint16Array;
  private readonly idCount: Uint16Array;
  private readonly idWritable: Float64Array;
  private readonly idState: Uint8Array;
  private readonly scratch = new UsedBuffer();

  constructor(config: PackedQueueConfig) {
    this.ring = new PackedRing(config);
    const n = this.ring.size;
    this.numFree = n;
    this.freeIdNext = new Uint16Array(n);
    for (let i = 0; i < n; i++) this.freeIdNext[i] = i + 1;
    this.idCount = new Uint16Array(n);
    this.idWritable = new Float64Array(n);
    this.idState = new Uint8Array(n);
  }

  private wrapFlags(wrap: number): number {
    return wrap === 1 ? VRING_PACKED_DESC_F_AVAIL_BIT : VRING_PACKED_DESC_F_USED_BIT;
  }

  /** Add a chain of direct descriptors and make it available. Returns its buffer id. */
  add(bufs: readonly VirtqBuffer[]): number {
    const r = this.ring;
    const n = bufs.length;
    if (n === 0 || n > this.numFree) throw new VirtqError('VIRTQ_NO_SPACE', `cannot add ${n} descriptors with ${this.numFree} free`, { received: n });
    const writable = checkBuffers(r.memory, bufs);
    const id = this.freeIdHead;
    const head = this.nextAvail;
    const headWrap = this.availWrap;
    let headFlags = 0;
    let p = head;
    let w = headWrap;
    for (let k = 0; k < n; k++) {
      const b = bufs[k] as VirtqBuffer;
      const flags = (b.write === true ? VRING_DESC_F_WRITE : 0) | (k < n - 1 ? VRING_DESC_F_NEXT : 0) | this.wrapFlags(w);
      r.writeDescBody(r.descPort, r.descBase, p, addrLo(b.addr), addrHi(b.addr), b.len, id);
      if (k === 0) headFlags = flags; else r.setDescFlags(p, flags);
      p++;
      if (p === r.size) { p = 0; w ^= 1; }
    }
    r.setDescFlags(head, headFlags);
    return this.commit(id, n, writable, p, w);
  }

  /** Add a chain through an indirect table of vring_packed_desc at `tableAddr` (§2.8.7). */
  addIndirect(bufs: readonly VirtqBuffer[], tableAddr: number | bigint): number {
    const r = this.ring;
    if (!r.indirect) throw new VirtqError('VIRTQ_INDIRECT_NOT_NEGOTIATED', 'addIndirect on a queue without VIRTIO_RING_F_INDIRECT_DESC');
    if (bufs.length === 0 || bufs.length > r.maxIndirect) throw new VirtqError('VIRTQ_INDIRECT_TOO_LARGE', `an indirect table of ${bufs.length} entries (allowed 1..${r.maxIndirect})`, { received: bufs.length });
    if (this.numFree < 1) throw new VirtqError('VIRTQ_NO_SPACE', 'no free descriptor for the indirect descriptor', { received: 0 });
    const writable = checkBuffers(r.memory, bufs);
    const tableLen = bufs.length * r.stride;
    const port = r.memory.portFor(tableAddr, tableLen, 'indirect table');
    const base = r.memory.offset;
    const id = this.freeIdHead;
    for (let k = 0; k < bufs.length; k++) {
      const b = bufs[k] as VirtqBuffer;
      r.writeDescBody(port, base, k, addrLo(b.addr), addrHi(b.addr), b.len, id);
      port.writeU16(base + k * r.stride + r.flagsOff, b.write === true ? VRING_DESC_F_WRITE : 0, true);
    }
    const head = this.nextAvail;
    r.writeDescBody(r.descPort, r.descBase, head, addrLo(tableAddr), addrHi(tableAddr), tableLen, id);
    r.setDescFlags(head, VRING_DESC_F_INDIRECT | this.wrapFlags(this.availWrap));
    let p = head + 1;
    let w = this.availWrap;
    if (p === r.size) { p = 0; w ^= 1; }
    return this.commit(id, 1, writable, p, w);
  }

  private commit(id: number, n: number, writable: number, p: number, w: number): number {
    this.freeIdHead = this.freeIdNext[id] as number;
    this.idCount[id] = n;
    this.idWritable[id] = writable;
    this.idState[id] = ID_OUTSTANDING;
    this.inFlight++;
    this.numFree -= n;
    this.numAdded += n;
    this.nextAvail = p;
    this.availWrap = w;
    return id;
  }

  /** Whether the device wants a notification (device event suppression, §2.8.10; Linux virtqueue_kick_prepare_packed). */
  kickPrepare(): boolean {
    const r = this.ring;
    r.descPort.fence();
    const added = this.numAdded;
    this.numAdded = 0;
    return r.needEvent(r.deviceEventOffWrap(), r.deviceEventFlags(), this.availWrap, this.nextAvail, added);
  }

  kick(): boolean {
    const need = this.kickPrepare();
    if (need) this.ring.descPort.notify(this.ring.queueIndex);
    return need;
  }

  hasUsed(): boolean {
    return PackedRing.isUsed(this.ring.descFlags(this.lastUsed), this.usedWrap);
  }

  /** Reclaim the next used buffer, or null. Throws without changing state on a bad id or length. */
  getUsed(out: UsedBuffer = this.scratch): UsedBuffer | null {
    const r = this.ring;
    const flags = r.descFlags(this.lastUsed);
    if (!PackedRing.isUsed(flags, this.usedWrap)) return null;
    const at = r.descBase + this.lastUsed * r.stride;
    const id = r.descPort.view.getUint16(at + r.idOff, true);
    const len = r.descPort.view.getUint32(at + r.lenOff, true);
    if (id >= r.size) throw new VirtqError('VIRTQ_USED_ID_OUT_OF_RANGE', `used descriptor at ${this.lastUsed} names buffer id ${id}, not below ${r.size}`, { index: this.lastUsed, received: id });
    const state = this.idState[id];
    if (state === ID_COMPLETED) throw new VirtqError('VIRTQ_USED_ID_TWICE', `used descriptor at ${this.lastUsed} returns buffer id ${id} again`, { index: this.lastUsed, received: id });
    if (state !== ID_OUTSTANDING) throw new VirtqError('VIRTQ_USED_ID_NOT_OUTSTANDING', `used descriptor at ${this.lastUsed} names buffer id ${id}, which is not outstanding`, { index: this.lastUsed, received: id });
    const writable = this.idWritable[id] as number;
    if (len > writable) throw new VirtqError('VIRTQ_USED_LEN_TOO_LARGE', `used len ${len} for buffer id ${id} exceeds its ${writable} device-writable bytes`, { index: this.lastUsed, expected: `<= ${writable}`, received: len });
    const n = this.idCount[id] as number;
    this.lastUsed += n;
    if (this.lastUsed >= r.size) { this.lastUsed -= r.size; this.usedWrap ^= 1; }
    this.numFree += n;
    this.idState[id] = ID_COMPLETED;
    this.freeIdNext[id] = this.freeIdHead;
    this.freeIdHead = id;
    this.inFlight--;
    if (r.eventIdx && this.callbacks) r.setDriverEvent(this.usedOffWrap(), VRING_PACKED_EVENT_FLAG_DESC);
    out.id = id;
    out.len = len;
    return out;
  }

  private usedOffWrap(): number {
    return this.lastUsed | (this.usedWrap << VRING_PACKED_EVENT_F_WRAP_CTR);
  }

  /** Ask for used-buffer notifications: at the next used descriptor with EVENT_IDX (FLAG_DESC), else FLAG_ENABLE. */
  enableCallbacks(): boolean {
    const r = this.ring;
    this.callbacks = true;
    if (r.eventIdx) r.setDriverEvent(this.usedOffWrap(), VRING_PACKED_EVENT_FLAG_DESC);
    else r.setDriverEvent(0, VRING_PACKED_EVENT_FLAG_ENABLE);
    r.driverEventPort.fence();
    return this.hasUsed();
  }

  disableCallbacks(): void {
    this.callbacks = false;
    this.ring.setDriverEvent(this.ring.driverEventOffWrap(), VRING_PACKED_EVENT_FLAG_DISABLE);
  }
}



/**
 * PackedDevice: the device end of a packed virtqueue. pop() checks the descriptor at next_avail against the
 * driver wrap counter, walks the chain (packed-walker.ts), and only then advances; pushUsed() writes one
 * used descriptor (id, len, then flags with AVAIL = USED = used wrap counter, §2.8.1) and skips the buffer's
 * descriptor count; interrupt() consults the driver event suppression structure (§2.8.10).
 */
import { VirtqError } from './errors.js';
import { DescChain } from './chain.js';
import { walkPackedChain } from './packed-walker.js';
import { checkIdNotOutstanding } from './packed-checks.js';
import { PackedRing, type PackedQueueConfig } from './packed-ring.js';
import {
  VRING_PACKED_DESC_F_AVAIL_BIT, VRING_PACKED_DESC_F_USED_BIT, VRING_PACKED_EVENT_FLAG_DESC,
  VRING_PACKED_EVENT_FLAG_DISABLE, VRING_PACKED_EVENT_FLAG_ENABLE, VRING_PACKED_EVENT_F_WRAP_CTR,
} from './flags.js';
import { VRING_DESC_F_WRITE } from './flags.js';

export class PackedDevice {
  readonly ring: PackedRing;
  nextAvail = 0;
  /** The driver's wrap counter as the device tracks it. */
  availWrap = 1;
  nextUsed = 0;
  usedWrap = 1;
  /** Descriptor positions the used pointer advanced since the last needInterrupt(). */
  usedAdded = 0;
  readonly chain: DescChain;
  private readonly outstanding: Uint8Array;
  private readonly idCount: Uint16Array;
  private notifications = true;

  constructor(config: PackedQueueConfig) {
    this.ring = new PackedRing(config);
    this.chain = new DescChain(this.ring.size + this.ring.maxIndirect + 1, this.ring.memory);
    this.outstanding = new Uint8Array(this.ring.size);
    this.idCount = new Uint16Array(this.ring.size);
  }

  /** Whether the descriptor at next_avail is available. */
  hasAvail(): boolean {
    return PackedRing.isAvail(this.ring.descFlags(this.nextAvail), this.availWrap);
  }

  /** Pop the next available buffer (chain.id is its buffer id), or null. Throws, changing nothing, on a violation. */
  pop(): DescChain | null {
    if (!this.hasAvail()) return null;
    const r = this.ring;
    const c = this.chain;
    walkPackedChain(r, this.nextAvail, this.availWrap, c);
    checkIdNotOutstanding(this.outstanding, c.id, this.nextAvail);
    this.outstanding[c.id] = 1;
    this.idCount[c.id] = c.ringCount;
    this.nextAvail += c.ringCount;
    if (this.nextAvail >= r.size) { this.nextAvail -= r.size; this.availWrap ^= 1; }
    if (r.eventIdx && this.notifications) r.setDeviceEvent(this.nextAvail | (this.availWrap << VRING_PACKED_EVENT_F_WRAP_CTR), VRING_PACKED_EVENT_FLAG_DESC);
    return c;
  }

  /** Return buffer `id` with `len` bytes written. */
  pushUsed(id: number, len: number): void {
    const r = this.ring;
    if (id >>> 0 !== id || id >= r.size || this.outstanding[id] !== 1) {
      throw new VirtqError('VIRTQ_USED_ID_NOT_OUTSTANDING', `pushUsed(${id}): not a buffer this device popped and has not returned`, { index: id, received: id });
    }
    this.outstanding[id] = 0;
    const pos = this.nextUsed;
    r.writeDescBody(r.descPort, r.descBase, pos, 0, 0, len >>> 0, id);
    const wrapBits = this.usedWrap === 1 ? VRING_PACKED_DESC_F_AVAIL_BIT | VRING_PACKED_DESC_F_USED_BIT : 0;
    r.setDescFlags(pos, wrapBits | (len > 0 ? VRING_DESC_F_WRITE : 0));
    const n = this.idCount[id] as number;
    this.nextUsed += n;
    if (this.nextUsed >= r.size) { this.nextUsed -= r.size; this.usedWrap ^= 1; }
    this.usedAdded += n;
  }

  needInterrupt(): boolean {
    const r = this.ring;
    r.descPort.fence();
    const added = this.usedAdded;
    this.usedAdded = 0;
    return r.needEvent(r.driverEventOffWrap(), r.driverEventFlags(), this.usedWrap, this.nextUsed, added);
  }

  interrupt(): boolean {
    const need = this.needInterrupt();
    if (need) this.ring.descPort.notify(this.ring.queueIndex);
    return need;
  }

  enableNotifications(): boolean {
    const r = this.ring;
    this.notifications = true;
    if (r.eventIdx) r.setDeviceEvent(this.nextAvail | (this.availWrap << VRING_PACKED_EVENT_F_WRAP_CTR), VRING_PACKED_EVENT_FLAG_DESC);
    else r.setDeviceEvent(0, VRING_PACKED_EVENT_FLAG_ENABLE);
    r.deviceEventPort.fence();
    return this.hasAvail();
  }

  disableNotifications(): void {
    this.notifications = false;
    this.ring.setDeviceEvent(this.ring.deviceEventOffWrap(), VRING_PACKED_EVENT_FLAG_DISABLE);
  }
}

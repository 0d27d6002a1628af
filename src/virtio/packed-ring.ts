/**
 * PackedRing: a packed virtqueue's areas resolved to ports (virtio 1.2 §2.8): the descriptor ring
 * (size × vring_packed_desc, 16-aligned), the driver event suppression structure and the device event
 * suppression structure (vring_packed_desc_event, 4-aligned, §2.8.10.1). Packed rings exist only in
 * virtio 1.x, so every field is little-endian. Descriptor flags and event words go through
 * load/storeIndex16: a descriptor's flags store is what hands it to the other side.
 */
import { VRING_PACKED_DESC_F_AVAIL_BIT, VRING_PACKED_DESC_F_USED_BIT, VRING_PACKED_EVENT_FLAG_DESC, VRING_PACKED_EVENT_FLAG_DISABLE, VRING_PACKED_EVENT_F_WRAP_CTR } from './flags.js';
import { layoutOf } from '../layout/compile.js';
import { bigField, numberField } from '../codec/views.js';
import { sharedIndexOffset } from './shared-fields.js';
import { vringNeedEvent } from './event-idx.js';
import type { RingPort } from '../memory/ring-port.js';
import { VirtqError } from './errors.js';
import { isDirect, smallInt } from './split-ring.js';
import type { GuestMemory } from './guest-memory.js';


export interface PackedQueueConfig {
  /** Guest memory that buffers and indirect tables live in. */
  readonly memory: GuestMemory;
  /** Memory the ring and event structures live in, when not `memory`; default `memory`. */
  readonly ringMemory?: GuestMemory;
  /** Queue size, 1..32768 (any value; §2.8). */
  readonly size: number;
  /** Guest-physical addresses of the descriptor ring and the two event suppression structures. */
  readonly desc: number | bigint;
  readonly driverEvent: number | bigint;
  readonly deviceEvent: number | bigint;
  /** VIRTIO_RING_F_EVENT_IDX: VRING_PACKED_EVENT_FLAG_DESC may be used. */
  readonly eventIdx?: boolean;
  readonly indirect?: boolean;
  readonly maxIndirect?: number;
  readonly queueIndex?: number;
}

export class PackedRing {
  // The fields are `declare`d and set once, in the constructor: a declared class field is created holding
  // undefined first (ES2022 [[Define]] semantics), which makes V8 widen its type to "anything", and the hot
  // paths would then check each DataView's map and each offset's representation again at every use.
  declare readonly memory: GuestMemory;
  declare readonly size: number;
  declare readonly eventIdx: boolean;
  declare readonly indirect: boolean;
  declare readonly maxIndirect: number;
  declare readonly queueIndex: number;
  declare readonly stride: number;
  declare readonly descPort: RingPort;
  declare readonly descBase: number;
  declare readonly driverEventPort: RingPort;
  declare readonly driverEventBase: number;
  declare readonly deviceEventPort: RingPort;
  declare readonly deviceEventBase: number;
  /** Offsets within a vring_packed_desc. */
  declare readonly addrOff: number;
  declare readonly lenOff: number;
  declare readonly idOff: number;
  declare readonly flagsOff: number;
  declare private readonly offWrapOff: number;
  declare private readonly evFlagsOff: number;
  /**
   * True when the ring and both event structures are in plain ArrayBuffer ports (split-ring.ts isDirect()):
   * descriptors and flags are then read and written through `descView` directly, the same bytes in the same
   * order as through the port's methods.
   */
  declare readonly direct: boolean;
  declare readonly descView: DataView;

  constructor(c: PackedQueueConfig) {
    if (!Number.isInteger(c.size) || c.size < 1 || c.size > 32768) {
      throw new VirtqError('VIRTQ_BAD_GEOMETRY', `packed queue size ${c.size} is not in 1..32768`, { received: c.size });
    }
    this.memory = c.memory;
    this.size = c.size;
    this.eventIdx = c.eventIdx === true;
    this.indirect = c.indirect === true;
    this.maxIndirect = c.maxIndirect ?? c.size;
    this.queueIndex = c.queueIndex ?? 0;
    const d = layoutOf('vring_packed_desc');
    const e = layoutOf('vring_packed_desc_event');
    this.stride = d.size;
    this.addrOff = bigField(d, 'addr').offset;
    this.lenOff = numberField(d, 'len').offset;
    this.idOff = numberField(d, 'id').offset;
    // Accessed through load/storeIndex16: the members the declarations mark sharedIndex (shared-fields.ts).
    this.flagsOff = sharedIndexOffset(d, 'flags');
    this.offWrapOff = sharedIndexOffset(e, 'off_wrap');
    this.evFlagsOff = sharedIndexOffset(e, 'flags');
    const rings = c.ringMemory ?? c.memory;
    // virtio 1.2 §2.8, "Structure Size and Alignment": the descriptor ring is 16-byte aligned, each event
    // suppression structure 4-byte aligned (the headers define no constants for the packed layout).
    [this.descPort, this.descBase] = this.area(rings, c.desc, this.size * d.size, 16, 'descriptor ring');
    [this.driverEventPort, this.driverEventBase] = this.area(rings, c.driverEvent, e.size, 4, 'driver event suppression');
    [this.deviceEventPort, this.deviceEventBase] = this.area(rings, c.deviceEvent, e.size, 4, 'device event suppression');
    this.direct = isDirect(this.descPort) && isDirect(this.driverEventPort) && isDirect(this.deviceEventPort);
    this.descView = this.descPort.view;
  }

  private area(rings: GuestMemory, gpa: number | bigint, len: number, align: number, what: string): [RingPort, number] {
    const a = BigInt(gpa);
    if (a % BigInt(align) !== 0n) throw new VirtqError('VIRTQ_BAD_GEOMETRY', `${what} at 0x${a.toString(16)} is not ${align}-byte aligned`, { addr: a, expected: align });
    const port = rings.portFor(a, len, what);
    return [port, smallInt(rings.offset)];
  }

  descFlags(pos: number): number {
    const at = this.descBase + pos * this.stride + this.flagsOff;
    return this.direct ? this.descView.getUint16(at, true) : this.descPort.loadIndex16(at);
  }
  setDescFlags(pos: number, flags: number): void {
    const at = this.descBase + pos * this.stride + this.flagsOff;
    if (this.direct) this.descView.setUint16(at, flags, true);
    else this.descPort.storeIndex16(at, flags);
  }

  /** Write a descriptor's addr, len and id (not flags) in a table at (port, base). */
  writeDescBody(port: RingPort, base: number, pos: number, lo: number, hi: number, len: number, id: number): void {
    const at = base + pos * this.stride;
    if (this.direct && port === this.descPort) {
      const v = this.descView;
      v.setUint32(at + this.addrOff, lo, true);
      v.setUint32(at + this.addrOff + 4, hi, true);
      v.setUint32(at + this.lenOff, len, true);
      v.setUint16(at + this.idOff, id, true);
      return;
    }
    port.writeU32(at + this.addrOff, lo, true);
    port.writeU32(at + this.addrOff + 4, hi, true);
    port.writeU32(at + this.lenOff, len, true);
    port.writeU16(at + this.idOff, id, true);
  }

  driverEventOffWrap(): number { return this.driverEventPort.loadIndex16(this.driverEventBase + this.offWrapOff); }
  driverEventFlags(): number { return this.driverEventPort.loadIndex16(this.driverEventBase + this.evFlagsOff); }
  setDriverEvent(offWrap: number, flags: number): void {
    this.driverEventPort.storeIndex16(this.driverEventBase + this.offWrapOff, offWrap);
    this.driverEventPort.storeIndex16(this.driverEventBase + this.evFlagsOff, flags);
  }
  deviceEventOffWrap(): number { return this.deviceEventPort.loadIndex16(this.deviceEventBase + this.offWrapOff); }
  deviceEventFlags(): number { return this.deviceEventPort.loadIndex16(this.deviceEventBase + this.evFlagsOff); }
  setDeviceEvent(offWrap: number, flags: number): void {
    this.deviceEventPort.storeIndex16(this.deviceEventBase + this.offWrapOff, offWrap);
    this.deviceEventPort.storeIndex16(this.deviceEventBase + this.evFlagsOff, flags);
  }

  /** Is the descriptor with these flags available to the device in a pass with driver wrap counter `wrap`? (§2.8.1) */
  static isAvail(flags: number, wrap: number): boolean {
    const a = (flags & VRING_PACKED_DESC_F_AVAIL_BIT) !== 0 ? 1 : 0;
    const u = (flags & VRING_PACKED_DESC_F_USED_BIT) !== 0 ? 1 : 0;
    return a === wrap && u !== wrap;
  }

  /** Is the descriptor with these flags a used descriptor for device wrap counter `wrap`? (§2.8.1) */
  static isUsed(flags: number, wrap: number): boolean {
    const a = (flags & VRING_PACKED_DESC_F_AVAIL_BIT) !== 0 ? 1 : 0;
    const u = (flags & VRING_PACKED_DESC_F_USED_BIT) !== 0 ? 1 : 0;
    return a === u && u === wrap;
  }

  /**
   * Whether the other side asked to be notified, given its event suppression structure (virtio 1.2 §2.8.10):
   * ENABLE yes, DISABLE no, DESC when the ring position moved from `newPos - added` to `newPos` passes
   * off_wrap's offset. As Linux virtqueue_kick_prepare_packed() / virtqueue_enable_cb_delayed_packed(): an
   * event offset in the other wrap pass is moved back by the ring size, then vring_need_event() decides.
   */
  needEvent(offWrap: number, flags: number, wrap: number, newPos: number, added: number): boolean {
    if (flags !== VRING_PACKED_EVENT_FLAG_DESC) return flags !== VRING_PACKED_EVENT_FLAG_DISABLE;
    let ev = offWrap & ((1 << VRING_PACKED_EVENT_F_WRAP_CTR) - 1);
    if ((offWrap >>> VRING_PACKED_EVENT_F_WRAP_CTR) !== wrap) ev -= this.size;
    return vringNeedEvent(ev, newPos, newPos - added);
  }

  /** The ring offset (bits 0..14) and wrap counter (bit 15) of an event structure's off_wrap (virtio 1.2 §2.8.10). */
  static offWrapOffset(offWrap: number): number { return offWrap & ((1 << VRING_PACKED_EVENT_F_WRAP_CTR) - 1); }
  static offWrapCounter(offWrap: number): number { return (offWrap >>> VRING_PACKED_EVENT_F_WRAP_CTR) & 1; }
}

/**
 * SplitRing: a split virtqueue's three areas resolved to (RingPort, offset) once, and the accessors both
 * ends use. Every shared-memory access of SplitDriver and SplitDevice goes through these ports: idx, flags
 * and the event words through load/storeIndex16 (atomic on a SharedArrayBuffer), descriptors and ring
 * entries through the port's view and write* methods.
 *
 * Byte order is a parameter of the queue: 'little' for virtio 1.x, the guest's for legacy devices
 * (virtio 1.2 §2.7.3). Atomics act in host (little-endian) order, so a big-endian queue swaps its 16-bit
 * index values above the port.
 */
import { layoutOf } from '../layout/compile.js';
import { bigField, numberField } from '../codec/views.js';
import { sharedIndexOffset } from './shared-fields.js';
import { PlainRingPort, type RingPort } from '../memory/ring-port.js';
import type { VirtioByteOrder } from '../layout/layout.js';
import { VirtqError } from './errors.js';
import type { GuestMemory } from './guest-memory.js';
import { splitAreas, legacyPlacement, VRING_AVAIL_ALIGN_SIZE, VRING_DESC_ALIGN_SIZE, VRING_USED_ALIGN_SIZE, type SplitAreas } from './split-geometry.js';


export interface SplitQueueConfig {
  /** Guest memory that buffers and indirect tables live in. */
  readonly memory: GuestMemory;
  /** Memory the three areas live in, when not `memory` (a dump of ring images); default `memory`. */
  readonly ringMemory?: GuestMemory;
  /** Queue size: a power of two, 1..32768 (virtio 1.2 §2.7). */
  readonly size: number;
  /** Guest-physical addresses of the descriptor table, driver area and device area. */
  readonly desc: number | bigint;
  readonly avail: number | bigint;
  readonly used: number | bigint;
  /** Byte order of the ring's fields: 'little' (virtio 1.x, default) or the legacy guest's. */
  readonly byteOrder?: VirtioByteOrder;
  /** VIRTIO_RING_F_EVENT_IDX negotiated: used_event / avail_event are present and used. */
  readonly eventIdx?: boolean;
  /** VIRTIO_RING_F_INDIRECT_DESC negotiated. */
  readonly indirect?: boolean;
  /** Most entries an indirect table may hold (default: the queue size). */
  readonly maxIndirect?: number;
  /** Channel passed to RingPort.notify for kicks and interrupts (the queue index). */
  readonly queueIndex?: number;
  /**
   * Areas placed by vring_init() (legacy, §2.7.2): the used ring is aligned to the caller's `align` rather
   * than to VRING_USED_ALIGN_SIZE, so only the 2-byte alignment atomic index access needs is required.
   */
  readonly legacy?: boolean;
}

/** The three areas of a legacy queue placed by vring_init(num, align) from `gpa` (legacy rings always reserve the event words). */
export function legacySplitConfig(memory: GuestMemory, size: number, gpa: number, align: number, rest: Partial<SplitQueueConfig> = {}): SplitQueueConfig {
  const p = legacyPlacement(size, align);
  return { ...rest, memory, size, desc: gpa + p.desc, avail: gpa + p.avail, used: gpa + p.used, legacy: true };
}

/** Descriptor field accessors (offsets from protocol/ via the layout) for one byte order. */
export interface DescFields {
  readonly le: boolean;
  readonly stride: number;
  readonly addrLoOff: number;
  readonly addrHiOff: number;
  readonly len: number;
  readonly flags: number;
  readonly next: number;
}

export function splitDescFields(byteOrder: VirtioByteOrder): DescFields {
  const l = layoutOf('vring_desc', { byteOrder });
  const le = byteOrder === 'little';
  const addr = bigField(l, 'addr').offset;
  return {
    le, stride: l.size,
    addrLoOff: le ? addr : addr + 4, addrHiOff: le ? addr + 4 : addr,
    len: numberField(l, 'len').offset, flags: numberField(l, 'flags').offset, next: numberField(l, 'next').offset,
  };
}

/**
 * A port whose methods are plain DataView accesses on an ArrayBuffer: a PlainRingPort itself (its own class,
 * no method replaced on the instance, no annotate), not over shared memory. Reading and writing its view
 * directly is then exactly what its methods do. Shared memory keeps its Atomics index accesses, and recording,
 * wrapping or spying ports see every access, through the port.
 */
export function isDirect(port: RingPort): boolean {
  if (Object.getPrototypeOf(port) !== PlainRingPort.prototype || port.shared || port.annotate !== undefined) return false;
  return !PORT_METHODS.some((m) => Object.prototype.hasOwnProperty.call(port, m));
}

const PORT_METHODS = ['loadIndex16', 'storeIndex16', 'loadIndex32', 'storeIndex32', 'write', 'writeU8', 'writeU16', 'writeU32', 'writeU64', 'fill', 'fence', 'notify'];

/**
 * An offset as a small integer when it is one (resolve() computes offsets in floating point): V8 then keeps
 * the ring's offset fields, and every offset computed from them on the hot paths, in integer registers.
 */
export function smallInt(n: number): number {
  return n <= 0x3fffffff ? n | 0 : n;
}

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

export class SplitRing {
  // The fields are `declare`d and set once, in the constructor: a declared class field is created holding
  // undefined first (ES2022 [[Define]] semantics), which makes V8 widen its type to "anything", and the hot
  // paths would then check each DataView's map and each offset's representation again at every use.
  declare readonly memory: GuestMemory;
  declare readonly size: number;
  declare readonly byteOrder: VirtioByteOrder;
  declare readonly le: boolean;
  declare readonly eventIdx: boolean;
  declare readonly indirect: boolean;
  declare readonly maxIndirect: number;
  declare readonly queueIndex: number;
  declare readonly areas: SplitAreas;
  declare readonly d: DescFields;

  declare readonly descPort: RingPort;
  declare readonly descBase: number;
  declare readonly availPort: RingPort;
  declare readonly availBase: number;
  declare readonly usedPort: RingPort;
  declare readonly usedBase: number;

  declare private readonly availFlagsOff: number;
  declare private readonly availIdxOff: number;
  declare private readonly usedFlagsOff: number;
  declare private readonly usedIdxOff: number;
  declare readonly usedElemId: number;
  declare readonly usedElemLen: number;

  /**
   * True when all three areas are in plain little-endian ports over an ArrayBuffer (not shared, nothing
   * recording): the ends then read and write them through the DataViews below with offsets computed once,
   * the same bytes in the same order as through the port's methods. False: every access goes through the ports.
   */
  declare readonly direct: boolean;
  declare readonly descView: DataView;
  declare readonly availView: DataView;
  declare readonly usedView: DataView;
  /** Absolute offsets in those views: avail.idx, avail.ring[0], used.idx, used.ring[0], used_event, avail_event. */
  declare readonly availIdxAt: number;
  declare readonly availRingAt: number;
  declare readonly usedIdxAt: number;
  declare readonly usedRingAt: number;
  declare readonly usedEventAt: number;
  declare readonly availEventAt: number;

  constructor(c: SplitQueueConfig) {
    if (!isPow2(c.size) || c.size > 32768) {
      throw new VirtqError('VIRTQ_BAD_GEOMETRY', `split queue size ${c.size} is not a power of two in 1..32768`, { received: c.size });
    }
    this.memory = c.memory;
    this.size = c.size;
    this.byteOrder = c.byteOrder ?? 'little';
    this.le = this.byteOrder === 'little';
    this.eventIdx = c.eventIdx === true;
    this.indirect = c.indirect === true;
    this.maxIndirect = c.maxIndirect ?? c.size;
    this.queueIndex = c.queueIndex ?? 0;
    this.areas = splitAreas(c.size, this.eventIdx);
    this.d = splitDescFields(this.byteOrder);
    const legacy = c.legacy === true;
    const rings = c.ringMemory ?? c.memory;
    [this.descPort, this.descBase] = this.area(rings, c.desc, this.areas.descSize, legacy ? 2 : VRING_DESC_ALIGN_SIZE, 'descriptor table');
    [this.availPort, this.availBase] = this.area(rings, c.avail, this.areas.availSize, VRING_AVAIL_ALIGN_SIZE, 'driver area');
    [this.usedPort, this.usedBase] = this.area(rings, c.used, this.areas.usedSize, legacy ? 2 : VRING_USED_ALIGN_SIZE, 'device area');
    const avail = layoutOf('vring_avail', { byteOrder: this.byteOrder });
    const used = layoutOf('vring_used', { byteOrder: this.byteOrder });
    const elem = layoutOf('vring_used_elem', { byteOrder: this.byteOrder });
    // The fields accessed through load/storeIndex16 are those the declarations mark sharedIndex (shared-fields.ts).
    this.availFlagsOff = this.availBase + sharedIndexOffset(avail, 'flags');
    this.availIdxOff = this.availBase + sharedIndexOffset(avail, 'idx');
    this.usedFlagsOff = this.usedBase + sharedIndexOffset(used, 'flags');
    this.usedIdxOff = this.usedBase + sharedIndexOffset(used, 'idx');
    this.usedElemId = numberField(elem, 'id').offset;
    this.usedElemLen = numberField(elem, 'len').offset;
    this.direct = this.le && isDirect(this.descPort) && isDirect(this.availPort) && isDirect(this.usedPort);
    this.descView = this.descPort.view;
    this.availView = this.availPort.view;
    this.usedView = this.usedPort.view;
    this.availIdxAt = this.availIdxOff;
    this.availRingAt = this.availBase + this.areas.availRing;
    this.usedIdxAt = this.usedIdxOff;
    this.usedRingAt = this.usedBase + this.areas.usedRing;
    this.usedEventAt = this.availBase + this.areas.usedEvent;
    this.availEventAt = this.usedBase + this.areas.availEvent;
  }

  private area(rings: GuestMemory, gpa: number | bigint, len: number, align: number, what: string): [RingPort, number] {
    const a = BigInt(gpa);
    if (a % BigInt(align) !== 0n) {
      throw new VirtqError('VIRTQ_BAD_GEOMETRY', `${what} at 0x${a.toString(16)} is not ${align}-byte aligned`, { addr: a, expected: align });
    }
    const port = rings.portFor(a, len, what);
    const off = rings.offset;
    if (off % 2 !== 0) throw new VirtqError('VIRTQ_BAD_GEOMETRY', `${what} must be 2-aligned within its region for atomic index access`, { addr: a });
    return [port, smallInt(off)];
  }

  private swap(v: number): number {
    return this.le ? v : ((v & 0xff) << 8) | (v >>> 8);
  }

  // Each accessor goes straight to the area's DataView when `direct` (the bytes a plain port's method would
  // write, little-endian), else through the port (Atomics on shared memory, recorders, legacy byte order).
  availIdx(): number { return this.direct ? this.availView.getUint16(this.availIdxAt, true) : this.swap(this.availPort.loadIndex16(this.availIdxOff)); }
  setAvailIdx(v: number): void {
    if (this.direct) this.availView.setUint16(this.availIdxAt, v & 0xffff, true);
    else this.availPort.storeIndex16(this.availIdxOff, this.swap(v & 0xffff));
  }
  availFlags(): number { return this.swap(this.availPort.loadIndex16(this.availFlagsOff)); }
  setAvailFlags(v: number): void { this.availPort.storeIndex16(this.availFlagsOff, this.swap(v & 0xffff)); }
  usedIdx(): number { return this.direct ? this.usedView.getUint16(this.usedIdxAt, true) : this.swap(this.usedPort.loadIndex16(this.usedIdxOff)); }
  setUsedIdx(v: number): void {
    if (this.direct) this.usedView.setUint16(this.usedIdxAt, v & 0xffff, true);
    else this.usedPort.storeIndex16(this.usedIdxOff, this.swap(v & 0xffff));
  }
  usedFlags(): number { return this.swap(this.usedPort.loadIndex16(this.usedFlagsOff)); }
  setUsedFlags(v: number): void { this.usedPort.storeIndex16(this.usedFlagsOff, this.swap(v & 0xffff)); }
  /** vring_used_event(): avail->ring[num], written by the driver (EVENT_IDX only). */
  usedEvent(): number { return this.swap(this.availPort.loadIndex16(this.availBase + this.areas.usedEvent)); }
  setUsedEvent(v: number): void {
    if (this.direct) this.availView.setUint16(this.usedEventAt, v & 0xffff, true);
    else this.availPort.storeIndex16(this.availBase + this.areas.usedEvent, this.swap(v & 0xffff));
  }
  /** vring_avail_event(): used->ring[num], written by the device (EVENT_IDX only). */
  availEvent(): number { return this.swap(this.usedPort.loadIndex16(this.usedBase + this.areas.availEvent)); }
  setAvailEvent(v: number): void {
    if (this.direct) this.usedView.setUint16(this.availEventAt, v & 0xffff, true);
    else this.usedPort.storeIndex16(this.usedBase + this.areas.availEvent, this.swap(v & 0xffff));
  }

  availRing(slot: number): number {
    return this.availView.getUint16(this.availRingAt + slot * this.areas.availStride, this.le);
  }
  setAvailRing(slot: number, head: number): void {
    if (this.direct) this.availView.setUint16(this.availRingAt + slot * this.areas.availStride, head, true);
    else this.availPort.writeU16(this.availRingAt + slot * this.areas.availStride, head, this.le);
  }
  usedElemIdAt(slot: number): number {
    return this.usedView.getUint32(this.usedRingAt + slot * this.areas.usedStride + this.usedElemId, this.le);
  }
  usedElemLenAt(slot: number): number {
    return this.usedView.getUint32(this.usedRingAt + slot * this.areas.usedStride + this.usedElemLen, this.le);
  }
  setUsedElem(slot: number, id: number, len: number): void {
    const base = this.usedRingAt + slot * this.areas.usedStride;
    if (this.direct) {
      this.usedView.setUint32(base + this.usedElemId, id, true);
      this.usedView.setUint32(base + this.usedElemLen, len, true);
    } else {
      this.usedPort.writeU32(base + this.usedElemId, id, this.le);
      this.usedPort.writeU32(base + this.usedElemLen, len, this.le);
    }
  }

  /** Write descriptor `i` of a table at (port, base) — the ring's table or an indirect one. */
  writeDesc(port: RingPort, base: number, i: number, lo: number, hi: number, len: number, flags: number, next: number): void {
    const d = this.d;
    const at = base + i * d.stride;
    if (this.direct && port === this.descPort) {
      const v = this.descView;
      v.setUint32(at + d.addrLoOff, lo, true);
      v.setUint32(at + d.addrHiOff, hi, true);
      v.setUint32(at + d.len, len, true);
      v.setUint16(at + d.flags, flags, true);
      v.setUint16(at + d.next, next, true);
      return;
    }
    port.writeU32(at + d.addrLoOff, lo, d.le);
    port.writeU32(at + d.addrHiOff, hi, d.le);
    port.writeU32(at + d.len, len, d.le);
    port.writeU16(at + d.flags, flags, d.le);
    port.writeU16(at + d.next, next, d.le);
  }
}

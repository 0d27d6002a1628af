/**
 * RingPort: the one small interface through which every ring (Xen front/back, virtio driver/device, split or
 * packed) touches memory it shares with its peer and rings its peer's doorbell. A trace recorder wraps a
 * port and sees every write and notification in order; the plain port below is direct typed-array access.
 *
 * Shared indices and event words (ring.h's req_prod/req_event/rsp_prod/rsp_event; virtio's idx, flags,
 * used_event/avail_event) go through load/store*Index: on a SharedArrayBuffer they are Atomics operations,
 * which are sequentially consistent and so stand in for ring.h's xen_wmb()/xen_mb() and virtio's
 * virtio_wmb()/virtio_mb() at the points where the macros place them. Payload (request/response slots,
 * descriptors, buffers) uses plain access: its ordering is carried by the index store that publishes it.
 *
 * Host byte order: Atomics act in the host's order. ringwire assumes a little-endian host (every JS engine
 * on x86, arm and riscv is), which matches Xen's ABIs and virtio 1.x; this is checked at load time.
 * Legacy big-endian virtio queues byte-swap their index values above this interface.
 */
import { PortError, portErrorCodes } from './port-error.js';

export interface RingPort {
  /** The whole shared region as bytes (read-only use by convention; writes go through `write*`). */
  readonly bytes: Uint8Array;
  /** A DataView over the same region. */
  readonly view: DataView;
  /** True when the region is a SharedArrayBuffer and index accesses are atomic. */
  readonly shared: boolean;

  loadIndex32(offset: number): number;
  storeIndex32(offset: number, value: number): void;
  loadIndex16(offset: number): number;
  storeIndex16(offset: number, value: number): void;

  /** Copy bytes into the region (a slot, a descriptor, a buffer). */
  write(offset: number, src: Uint8Array): void;
  writeU8(offset: number, value: number): void;
  writeU16(offset: number, value: number, littleEndian: boolean): void;
  writeU32(offset: number, value: number, littleEndian: boolean): void;
  writeU64(offset: number, value: bigint, littleEndian: boolean): void;
  /** Zero a byte range (SHARED_RING_INIT's memsets). */
  fill(offset: number, length: number, value: number): void;

  /** A full barrier point (xen_mb / virtio_mb). Atomics already order; recorders log it. */
  fence(): void;
  /**
   * Raise a notification to the peer on a channel (event channel, virtqueue kick, used-buffer interrupt).
   * `data` is the 32-bit notification value a virtio driver sends with VIRTIO_F_NOTIFICATION_DATA
   * (virtio 1.2 §2.9, §4.1.5.2); absent otherwise.
   */
  notify(channel: number, data?: number): void;
  /**
   * Optional: the ring.h macro or driver/device operation about to touch the port (`RING_PUSH_REQUESTS`,
   * `virtqueue_add`), with its arguments. Rings call it where a trace recorder wants to label what follows;
   * ports that do not record leave it undefined, and the call costs one property check.
   */
  annotate?(op: string, args?: Readonly<Record<string, string | number | boolean>>): void;
}

export type NotifyHandler = (channel: number, data?: number) => void;

/** Refuse a big-endian host: Atomics act in host byte order, and every Xen ABI and virtio 1.x is little-endian. */
export function checkHostByteOrder(littleEndian: boolean): void {
  if (!littleEndian) {
    throw new PortError(portErrorCodes.BIG_ENDIAN_HOST, 'ringwire requires a little-endian host: Atomics act in host byte order.', {
      expected: 'little-endian', received: 'big-endian',
    });
  }
}

checkHostByteOrder(new Uint8Array(new Uint16Array([1]).buffer)[0] === 1);

export class PlainRingPort implements RingPort {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly shared: boolean;
  private readonly i32: Int32Array | undefined;
  private readonly u16: Uint16Array | undefined;
  private readonly onNotify: NotifyHandler;
  /** The region's length in bytes (a plain field: cheaper than the typed array's byteLength getter). */
  private readonly size: number;

  /**
   * @param buffer the memory (ArrayBuffer or SharedArrayBuffer)
   * @param byteOffset start of the region; must be 4-aligned so index words are aligned for Atomics
   * @param byteLength length of the region
   */
  constructor(buffer: ArrayBufferLike, byteOffset = 0, byteLength = buffer.byteLength - byteOffset, onNotify: NotifyHandler = () => {}) {
    if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % 4 !== 0 || !Number.isInteger(byteLength) || byteLength < 0 || byteOffset + byteLength > buffer.byteLength) {
      throw new PortError(portErrorCodes.BAD_REGION, `The region of ${String(byteLength)} bytes at offset ${String(byteOffset)} does not fit 4-aligned in a ${buffer.byteLength}-byte buffer.`, {
        offset: byteOffset, expected: `a 4-aligned region within ${buffer.byteLength} bytes`, received: { byteOffset, byteLength },
      });
    }
    this.bytes = new Uint8Array(buffer, byteOffset, byteLength);
    this.view = new DataView(buffer, byteOffset, byteLength);
    this.shared = typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
    this.i32 = this.shared ? new Int32Array(buffer, byteOffset, byteLength >>> 2) : undefined;
    this.u16 = this.shared ? new Uint16Array(buffer, byteOffset, byteLength >>> 1) : undefined;
    this.onNotify = onNotify;
    this.size = byteLength;
  }

  // Each access checks its bounds inline with a few integer compares (`offset >>> 0 === offset` is "a
  // non-negative integer below 2^32") and throws through a cold function, so the accessors stay small enough
  // for V8 to inline: a check calling a method on every access doubled a virtio round trip's cost.
  loadIndex32(offset: number): number {
    if ((offset & 3) !== 0 || offset >>> 0 !== offset || offset + 4 > this.size) throw indexError(offset, 4, this.size);
    return this.i32 !== undefined ? Atomics.load(this.i32, offset >>> 2) >>> 0 : this.view.getUint32(offset, true);
  }
  storeIndex32(offset: number, value: number): void {
    if ((offset & 3) !== 0 || offset >>> 0 !== offset || offset + 4 > this.size) throw indexError(offset, 4, this.size);
    if (this.i32 !== undefined) Atomics.store(this.i32, offset >>> 2, value | 0);
    else this.view.setUint32(offset, value >>> 0, true);
  }
  loadIndex16(offset: number): number {
    if ((offset & 1) !== 0 || offset >>> 0 !== offset || offset + 2 > this.size) throw indexError(offset, 2, this.size);
    return this.u16 !== undefined ? Atomics.load(this.u16, offset >>> 1) : this.view.getUint16(offset, true);
  }
  storeIndex16(offset: number, value: number): void {
    if ((offset & 1) !== 0 || offset >>> 0 !== offset || offset + 2 > this.size) throw indexError(offset, 2, this.size);
    if (this.u16 !== undefined) Atomics.store(this.u16, offset >>> 1, value & 0xffff);
    else this.view.setUint16(offset, value & 0xffff, true);
  }
  write(offset: number, src: Uint8Array): void {
    if (offset >>> 0 !== offset || offset + src.byteLength > this.size) throw rangeError(offset, src.byteLength, this.size);
    this.bytes.set(src, offset);
  }
  writeU8(offset: number, value: number): void {
    if (offset >>> 0 !== offset || offset + 1 > this.size) throw rangeError(offset, 1, this.size);
    this.view.setUint8(offset, value);
  }
  writeU16(offset: number, value: number, littleEndian: boolean): void {
    if (offset >>> 0 !== offset || offset + 2 > this.size) throw rangeError(offset, 2, this.size);
    this.view.setUint16(offset, value, littleEndian);
  }
  writeU32(offset: number, value: number, littleEndian: boolean): void {
    if (offset >>> 0 !== offset || offset + 4 > this.size) throw rangeError(offset, 4, this.size);
    this.view.setUint32(offset, value, littleEndian);
  }
  writeU64(offset: number, value: bigint, littleEndian: boolean): void {
    if (offset >>> 0 !== offset || offset + 8 > this.size) throw rangeError(offset, 8, this.size);
    this.view.setBigUint64(offset, value, littleEndian);
  }
  fill(offset: number, length: number, value: number): void {
    if (offset >>> 0 !== offset || length >>> 0 !== length || offset + length > this.size) throw rangeError(offset, length, this.size);
    this.bytes.fill(value, offset, offset + length);
  }
  fence(): void { if (this.i32 !== undefined) Atomics.load(this.i32, 0); }
  notify(channel: number, data?: number): void {
    if (data === undefined) this.onNotify(channel); else this.onNotify(channel, data >>> 0);
  }
}

/** PORT_MISALIGNED_INDEX / PORT_OUT_OF_BOUNDS for an index word (an Atomics element: a misaligned one would round). */
function indexError(offset: number, size: number, regionSize: number): PortError {
  return new PortError((offset & (size - 1)) !== 0 ? portErrorCodes.MISALIGNED_INDEX : portErrorCodes.OUT_OF_BOUNDS,
    `A ${size * 8}-bit index word at offset ${String(offset)} is not ${size}-aligned within the ${regionSize}-byte region.`, {
      offset, expected: `a multiple of ${size} in 0..${regionSize - size}`, received: offset,
    });
}

/** PORT_OUT_OF_BOUNDS: an access of `length` bytes at `offset` runs outside the region. */
function rangeError(offset: number, length: number, regionSize: number): PortError {
  return new PortError(portErrorCodes.OUT_OF_BOUNDS, `A ${String(length)}-byte access at offset ${String(offset)} runs outside the ${regionSize}-byte region.`, {
    offset, expected: `offset + length <= ${regionSize}`, received: { offset, length },
  });
}

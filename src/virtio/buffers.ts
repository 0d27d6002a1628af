/**
 * What a driver hands a queue: buffers in guest memory, device-readable first, then device-writable
 * (virtio 1.2 §2.7.4.2 split, §2.8.17 packed), and the result object getUsed() fills (reused, no
 * allocation per entry).
 */
import { VirtqError } from './errors.js';
import { WRAPS, type GuestMemory } from './guest-memory.js';

export interface VirtqBuffer {
  /** Guest-physical address. */
  readonly addr: number | bigint;
  /** Length in bytes, 1..2^32-1. */
  readonly len: number;
  /** Device-writable (VRING_DESC_F_WRITE). */
  readonly write?: boolean;
}

/** A used buffer as the driver reclaims it. */
export class UsedBuffer {
  /** Split: head descriptor index; packed: buffer id. */
  id = 0;
  /** Bytes the device wrote. */
  len = 0;
}

/**
 * Split a buffer address into 32-bit halves (no allocation for number addresses). `a >>> 0` is ToUint32,
 * exact modulo 2^32 for every integer below 2^53 (checkBuffers admits no other), and an integer operation
 * where `a % 2^32` compiles to a floating-point fmod call; dividing by 2^32 is exact.
 */
export function addrLo(a: number | bigint): number {
  return typeof a === 'number' ? a >>> 0 : Number(a & 0xffffffffn);
}
export function addrHi(a: number | bigint): number {
  return typeof a === 'number' ? Math.floor(a / 0x1_0000_0000) : Number((a >> 32n) & 0xffffffffn);
}

/**
 * Check buffers the driver is about to add: lengths, order, total, and that each lies in guest memory.
 * Returns the writable byte count. Throws before anything is written.
 */
export function checkBuffers(memory: GuestMemory, bufs: readonly VirtqBuffer[]): number {
  let seenWrite = false;
  let total = 0;
  let writable = 0;
  for (let k = 0; k < bufs.length; k++) {
    const b = bufs[k] as VirtqBuffer;
    const a = b.addr;
    const len = b.len;
    const ok = len >>> 0 === len && len !== 0
      && (typeof a === 'number' ? a >= 0 && a <= Number.MAX_SAFE_INTEGER && Math.floor(a) === a : a >= 0n && a < 1n << 64n);
    if (!ok) throw new VirtqError('VIRTQ_BAD_BUFFER', `buffer ${k} has address ${String(b.addr)} and len ${b.len}`, { index: k, received: b.len });
    if (b.write === true) { seenWrite = true; writable += len; } else if (seenWrite) {
      throw new VirtqError('VIRTQ_READ_AFTER_WRITE', `buffer ${k} is device-readable but follows a device-writable one`, { index: k });
    }
    total += len;
    if (total > 0x1_0000_0000) throw new VirtqError('VIRTQ_LENGTH_OVERFLOW', `buffers exceed 2^32 bytes at buffer ${k}`, { index: k, received: total });
    const r = memory.resolve(addrLo(a), addrHi(a), len);
    if (r < 0) {
      const a = BigInt(b.addr);
      throw r === WRAPS
        ? new VirtqError('VIRTQ_ADDR_WRAP', `buffer ${k} at 0x${a.toString(16)} + ${b.len} wraps past 2^64`, { index: k, addr: a })
        : new VirtqError('VIRTQ_ADDR_UNMAPPED', `buffer ${k} at 0x${a.toString(16)} (+${b.len}) is not in mapped guest memory`, { index: k, addr: a });
    }
  }
  return writable;
}

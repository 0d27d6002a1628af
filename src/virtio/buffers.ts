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
 * The record form of a buffer list (SplitDriver.addRecord, PackedDriver.addRecord): buffers k = 0 ..
 * nOut + nIn - 1 at addr[from + k] with len[from + k], the first nOut device-readable and the next nIn
 * device-writable, so no readable buffer can follow a writable one (§2.7.4.2, §2.8.17). Returns how many
 * buffers that is; VIRTQ_BAD_BUFFER when the counts are not integers or run past either array.
 */
export function recordCount(addr: Float64Array, len: Uint32Array, nOut: number, nIn: number, from: number): number {
  const n = nOut + nIn;
  if (nOut >>> 0 !== nOut || nIn >>> 0 !== nIn || from >>> 0 !== from || from + n > addr.length || from + n > len.length) throw badCounts(addr, len, nOut, nIn, from);
  return n;
}

function badCounts(addr: Float64Array, len: Uint32Array, nOut: number, nIn: number, from: number): VirtqError {
  return new VirtqError('VIRTQ_BAD_BUFFER', `buffer records ${String(from)} + ${String(nOut)} readable + ${String(nIn)} writable do not fit arrays of ${addr.length} addresses and ${len.length} lengths`, { received: `${String(from)}+${String(nOut)}+${String(nIn)}` });
}

/**
 * checkBuffers() for `n` buffer records (recordCount()): the same rules in the same order, with the same
 * codes and sentences as the equivalent VirtqBuffer list. Returns the writable byte count.
 */
export function checkRecords(memory: GuestMemory, addr: Float64Array, len: Uint32Array, nOut: number, n: number, from: number): number {
  let total = 0;
  let writable = 0;
  for (let k = 0; k < n; k++) {
    const a = addr[from + k] as number;
    const l = len[from + k] as number;
    // A Float64Array holds any double: the address must be an integer in 0..2^53-1 (NaN fails a >= 0).
    if (l === 0 || !(a >= 0 && a <= Number.MAX_SAFE_INTEGER && Math.floor(a) === a)) throw recordError('VIRTQ_BAD_BUFFER', k, a, l, 0);
    if (k >= nOut) writable += l;
    total += l;
    if (total > 0x1_0000_0000) throw recordError('VIRTQ_LENGTH_OVERFLOW', k, a, l, total);
    if (memory.resolveAt(a, l) < 0) throw recordError('VIRTQ_ADDR_UNMAPPED', k, a, l, 0);
  }
  return writable;
}

/** The error checkBuffers() gives for the same buffer (built only when refusing). */
function recordError(code: 'VIRTQ_BAD_BUFFER' | 'VIRTQ_LENGTH_OVERFLOW' | 'VIRTQ_ADDR_UNMAPPED', k: number, a: number, l: number, total: number): VirtqError {
  if (code === 'VIRTQ_BAD_BUFFER') return new VirtqError(code, `buffer ${k} has address ${String(a)} and len ${l}`, { index: k, received: l });
  if (code === 'VIRTQ_LENGTH_OVERFLOW') return new VirtqError(code, `buffers exceed 2^32 bytes at buffer ${k}`, { index: k, received: total });
  return new VirtqError(code, `buffer ${k} at 0x${a.toString(16)} (+${l}) is not in mapped guest memory`, { index: k, addr: BigInt(a) });
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

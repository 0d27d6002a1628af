/**
 * The descriptor rules split and packed walkers share (virtio 1.2 §2.7.5 / §2.8.4 descriptors, §2.7.5.3 /
 * §2.8.7 indirect tables): zero length, device-readable after device-writable, the 2^32-byte chain total,
 * an indirect descriptor's len and entry count, finding its table, and resolving each buffer in guest memory.
 * Every function takes values already copied out of shared memory (double-fetch safe), throws a VirtqError
 * on the first rule broken, and writes only the caller's DescChain scratch. Running totals live in that
 * DescChain (readable + writable), so there is no walk state outside it.
 */
import { VirtqError, addrOf } from './errors.js';
import { UNMAPPED, WRAPS, type GuestMemory } from './guest-memory.js';
import type { DescChain } from './chain.js';
import type { RingPort } from '../memory/ring-port.js';
import { VRING_DESC_F_WRITE } from './flags.js';

const TWO32 = 0x1_0000_0000;

/**
 * What a walk does with a buffer whose address no mapped region holds. 'reject' (a device, the default):
 * VIRTQ_ADDR_UNMAPPED, as a device can only use buffers in guest memory. 'not-checked' (a snapshot given
 * only part of guest memory): the buffer is recorded as not checked and the walk goes on; an indirect table
 * there is VIRTQ_INDIRECT_UNREADABLE. Addresses that wrap 2^64 are refused either way.
 */
export type UnmappedBuffers = 'reject' | 'not-checked';

/** DescChain.region value of a buffer entry whose address was not checked ('not-checked' walks). */
export const BUFFER_NOT_CHECKED = -2;

/** virtio 1.2 §2.7.5.3.1 / §2.8.19: VIRTQ_DESC_F_INDIRECT needs VIRTIO_F_INDIRECT_DESC. */
export function requireIndirectNegotiated(indirect: boolean, index: number, lo: number, hi: number): void {
  if (!indirect) throw new VirtqError('VIRTQ_INDIRECT_NOT_NEGOTIATED', `descriptor ${index} is indirect, but VIRTIO_RING_F_INDIRECT_DESC was not negotiated`, { index, addr: addrOf(lo, hi) });
}

/**
 * Check indirect descriptor `index` (len a non-zero multiple of the descriptor size, at most `maxIndirect`
 * entries) and find its table: returns the port holding it with `memory.offset` set to the table's first
 * byte. A table in a port region is read in place; one in a read-on-demand region is copied once.
 */
export function indirectTable(memory: GuestMemory, stride: number, maxIndirect: number, unmapped: UnmappedBuffers,
  index: number, lo: number, hi: number, len: number): RingPort {
  if (len === 0 || len % stride !== 0) {
    throw new VirtqError('VIRTQ_INDIRECT_BAD_LEN', `indirect descriptor ${index} has len ${len}, not a non-zero multiple of ${stride}`, { index, addr: addrOf(lo, hi), received: len });
  }
  const entries = len / stride;
  if (entries > maxIndirect) {
    throw new VirtqError('VIRTQ_INDIRECT_TOO_LARGE', `indirect descriptor ${index} holds ${entries} entries, more than the ${maxIndirect} allowed`, { index, addr: addrOf(lo, hi), expected: `<= ${maxIndirect}`, received: entries });
  }
  const r = memory.resolve(lo, hi, len);
  if (r === WRAPS || (r === UNMAPPED && unmapped === 'reject')) throw addrError(r, index, lo, hi, len, 'indirect table');
  const port = r < 0 ? undefined : memory.load(r, len);
  if (port === undefined) {
    throw new VirtqError('VIRTQ_INDIRECT_UNREADABLE', `indirect table of descriptor ${index} at 0x${addrOf(lo, hi).toString(16)} (+${len}) is not in the memory supplied`, { index, addr: addrOf(lo, hi) });
  }
  return port;
}

/**
 * The rules for buffer entry k (descriptor `index`), in order: len is not 0, no device-readable buffer after a
 * device-writable one (§2.7.4.2 / §2.8.17), the chain stays within 2^32 bytes (§2.7.5.2), and the buffer lies
 * in guest memory (§2.7.5), or is left unchecked under 'not-checked'. Adds len to out.readable / out.writable.
 */
export function checkBuffer(memory: GuestMemory, unmapped: UnmappedBuffers, out: DescChain, k: number,
  index: number, lo: number, hi: number, len: number, flags: number): void {
  if (len === 0) throw bufferError('VIRTQ_ZERO_LENGTH', out, index, lo, hi);
  if ((flags & VRING_DESC_F_WRITE) !== 0) {
    out.writable += len;
  } else {
    // Zero-length buffers were refused above, so writable > 0 exactly when a device-writable one came first.
    if (out.writable > 0) throw bufferError('VIRTQ_READ_AFTER_WRITE', out, index, lo, hi);
    out.readable += len;
  }
  if (out.readable + out.writable > TWO32) throw bufferError('VIRTQ_LENGTH_OVERFLOW', out, index, lo, hi);
  const r = memory.resolve(lo, hi, len);
  if (r < 0) {
    if (r === WRAPS || unmapped === 'reject') throw addrError(r, index, lo, hi, len, 'buffer');
    out.region[k] = BUFFER_NOT_CHECKED;
    out.unchecked++;
    return;
  }
  out.region[k] = r;
  out.regionOffset[k] = memory.offset;
}

/** The error checkBuffer() refuses descriptor `index` with (cold: built only when refusing). */
function bufferError(code: 'VIRTQ_ZERO_LENGTH' | 'VIRTQ_READ_AFTER_WRITE' | 'VIRTQ_LENGTH_OVERFLOW', out: DescChain, index: number, lo: number, hi: number): VirtqError {
  if (code === 'VIRTQ_ZERO_LENGTH') return new VirtqError(code, `descriptor ${index} has len 0`, { index, addr: addrOf(lo, hi) });
  if (code === 'VIRTQ_READ_AFTER_WRITE') return new VirtqError(code, `descriptor ${index} is device-readable but follows a device-writable one`, { index, addr: addrOf(lo, hi) });
  const total = out.readable + out.writable;
  return new VirtqError(code, `chain starting at ${out.head} exceeds 2^32 bytes at descriptor ${index}`, { index, addr: addrOf(lo, hi), received: total });
}

export function addrError(r: number, index: number, lo: number, hi: number, len: number, what: string): VirtqError {
  const a = addrOf(lo, hi);
  return r === WRAPS
    ? new VirtqError('VIRTQ_ADDR_WRAP', `${what} of descriptor ${index} at 0x${a.toString(16)} + ${len} wraps past 2^64`, { index, addr: a })
    : new VirtqError('VIRTQ_ADDR_UNMAPPED', `${what} of descriptor ${index} at 0x${a.toString(16)} (+${len}) is not in mapped guest memory`, { index, addr: a });
}

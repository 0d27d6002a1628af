/**
 * The split-ring descriptor-chain walker a device can trust with a hostile driver's memory.
 *
 * - Each descriptor is copied field by field exactly once into locals and the chain record, then validated
 *   from the copy: a driver rewriting the table mid-walk cannot make a checked value differ from a used
 *   one (double-fetch safe).
 * - Every read lies inside the resolved descriptor table (index < size) or inside an indirect table whose
 *   whole extent was resolved in guest memory first; buffers are resolved with addr + len overflow checks.
 * - The walk stops after `size` ring descriptors and after the table's entry count inside an indirect
 *   table, so it always terminates; a chain of exactly `size` descriptors is legal.
 * - It mutates nothing but the caller's DescChain scratch.
 */
import { VirtqError, addrOf } from './errors.js';
import { WRAPS, type GuestMemory } from './guest-memory.js';
import type { DescChain } from './chain.js';
import type { RingPort } from '../memory/ring-port.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE } from './flags.js';
import type { DescFields } from './split-ring.js';

const TWO32 = 0x1_0000_0000;

export interface SplitWalkContext {
  readonly memory: GuestMemory;
  readonly size: number;
  readonly descPort: RingPort;
  readonly descBase: number;
  readonly d: DescFields;
  readonly indirect: boolean;
  readonly maxIndirect: number;
}

/** Walk the chain starting at descriptor `head` into `out`; throws VirtqError on the first violation. */
export function walkSplitChain(ctx: SplitWalkContext, head: number, out: DescChain): void {
  const { memory, size, d } = ctx;
  out.reset(head);
  if (head >= size) {
    throw new VirtqError('VIRTQ_HEAD_OUT_OF_RANGE', `avail ring names head ${head}, but the queue has ${size} descriptors`, { index: head, expected: `< ${size}`, received: head });
  }
  let port = ctx.descPort;
  let base = ctx.descBase;
  let limit = size;
  let inTable = false;
  let steps = 0;
  let i = head;
  let seenWrite = false;
  let total = 0;
  for (;;) {
    if (steps >= limit) {
      throw new VirtqError('VIRTQ_DESC_LOOP', `chain from head ${head} does not end within ${limit} ${inTable ? 'indirect-table entries' : 'descriptors'} (loop or over-long chain)`, { index: i, expected: `<= ${limit}` });
    }
    steps++;
    const at = base + i * d.stride;
    const lo = port.view.getUint32(at + d.addrLoOff, d.le);
    const hi = port.view.getUint32(at + d.addrHiOff, d.le);
    const len = port.view.getUint32(at + d.len, d.le);
    const flags = port.view.getUint16(at + d.flags, d.le);
    const next = port.view.getUint16(at + d.next, d.le);
    const k = out.record(i, lo, hi, len, flags, next, inTable);
    if (!inTable) out.ringCount++;

    if ((flags & VRING_DESC_F_INDIRECT) !== 0) {
      if (inTable) throw new VirtqError('VIRTQ_INDIRECT_NESTED', `indirect-table entry ${i} sets VRING_DESC_F_INDIRECT`, { index: i, addr: addrOf(lo, hi) });
      if (!ctx.indirect) throw new VirtqError('VIRTQ_INDIRECT_NOT_NEGOTIATED', `descriptor ${i} is indirect, but VIRTIO_RING_F_INDIRECT_DESC was not negotiated`, { index: i, addr: addrOf(lo, hi) });
      if ((flags & VRING_DESC_F_NEXT) !== 0) throw new VirtqError('VIRTQ_INDIRECT_WITH_NEXT', `descriptor ${i} sets both VRING_DESC_F_INDIRECT and VRING_DESC_F_NEXT`, { index: i, addr: addrOf(lo, hi) });
      if (len === 0 || len % d.stride !== 0) {
        throw new VirtqError('VIRTQ_INDIRECT_BAD_LEN', `indirect descriptor ${i} has len ${len}, not a non-zero multiple of ${d.stride}`, { index: i, addr: addrOf(lo, hi), received: len });
      }
      const entries = len / d.stride;
      if (entries > ctx.maxIndirect) {
        throw new VirtqError('VIRTQ_INDIRECT_TOO_LARGE', `indirect descriptor ${i} holds ${entries} entries, more than the ${ctx.maxIndirect} allowed`, { index: i, addr: addrOf(lo, hi), expected: `<= ${ctx.maxIndirect}`, received: entries });
      }
      const r = memory.resolve(lo, hi, len);
      if (r < 0) throw addrError(r, i, lo, hi, len, 'indirect table');
      port = memory.region(r).port;
      base = memory.offset;
      limit = entries;
      inTable = true;
      steps = 0;
      i = 0;
      continue;
    }
    if (len === 0) throw new VirtqError('VIRTQ_ZERO_LENGTH', `descriptor ${i} has len 0`, { index: i, addr: addrOf(lo, hi) });
    if ((flags & VRING_DESC_F_WRITE) !== 0) {
      seenWrite = true;
      out.writable += len;
    } else {
      if (seenWrite) throw new VirtqError('VIRTQ_READ_AFTER_WRITE', `descriptor ${i} is device-readable but follows a device-writable one`, { index: i, addr: addrOf(lo, hi) });
      out.readable += len;
    }
    total += len;
    if (total > TWO32) throw new VirtqError('VIRTQ_LENGTH_OVERFLOW', `chain from head ${head} exceeds 2^32 bytes at descriptor ${i}`, { index: i, addr: addrOf(lo, hi), received: total });
    const r = memory.resolve(lo, hi, len);
    if (r < 0) throw addrError(r, i, lo, hi, len, 'buffer');
    out.region[k] = r;
    out.regionOffset[k] = memory.offset;
    if ((flags & VRING_DESC_F_NEXT) === 0) return;
    if (next >= limit) {
      throw new VirtqError('VIRTQ_NEXT_OUT_OF_RANGE', `descriptor ${i} points next to ${next}, outside the ${inTable ? 'indirect table' : 'descriptor table'} of ${limit}`, { index: i, expected: `< ${limit}`, received: next });
    }
    i = next;
  }
}

export function addrError(r: number, index: number, lo: number, hi: number, len: number, what: string): VirtqError {
  const a = addrOf(lo, hi);
  return r === WRAPS
    ? new VirtqError('VIRTQ_ADDR_WRAP', `${what} of descriptor ${index} at 0x${a.toString(16)} + ${len} wraps past 2^64`, { index, addr: a })
    : new VirtqError('VIRTQ_ADDR_UNMAPPED', `${what} of descriptor ${index} at 0x${a.toString(16)} (+${len}) is not in mapped guest memory`, { index, addr: a });
}


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
 *
 * The descriptor rules it shares with the packed walker are in desc-rules.ts.
 */
import { VirtqError, addrOf } from './errors.js';
import type { GuestMemory } from './guest-memory.js';
import type { DescChain } from './chain.js';
import type { RingPort } from '../memory/ring-port.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT } from './flags.js';
import type { DescFields } from './split-ring.js';
import { checkBuffer, indirectTable, requireIndirectNegotiated, type UnmappedBuffers } from './desc-rules.js';

export { addrError } from './desc-rules.js';

export interface SplitWalkContext {
  readonly memory: GuestMemory;
  readonly size: number;
  readonly descPort: RingPort;
  readonly descBase: number;
  readonly d: DescFields;
  readonly indirect: boolean;
  readonly maxIndirect: number;
}

/**
 * Walk the chain starting at descriptor `head` into `out`; throws VirtqError on the first violation.
 * `unmapped` says what a buffer outside mapped memory is (desc-rules.ts); devices keep the default 'reject'.
 */
export function walkSplitChain(ctx: SplitWalkContext, head: number, out: DescChain, unmapped: UnmappedBuffers = 'reject'): void {
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
      // virtio 1.2 §2.7.5.3.1: no VRING_DESC_F_INDIRECT inside an indirect table, and not with VRING_DESC_F_NEXT.
      if (inTable) throw new VirtqError('VIRTQ_INDIRECT_NESTED', `indirect-table entry ${i} sets VRING_DESC_F_INDIRECT`, { index: i, addr: addrOf(lo, hi) });
      requireIndirectNegotiated(ctx.indirect, i, lo, hi);
      if ((flags & VRING_DESC_F_NEXT) !== 0) throw new VirtqError('VIRTQ_INDIRECT_WITH_NEXT', `descriptor ${i} sets both VRING_DESC_F_INDIRECT and VRING_DESC_F_NEXT`, { index: i, addr: addrOf(lo, hi) });
      port = indirectTable(memory, d.stride, ctx.maxIndirect, unmapped, i, lo, hi, len);
      base = memory.offset;
      limit = len / d.stride;
      inTable = true;
      steps = 0;
      i = 0;
      continue;
    }
    checkBuffer(memory, unmapped, out, k, i, lo, hi, len, flags);
    if ((flags & VRING_DESC_F_NEXT) === 0) return;
    if (next >= limit) {
      throw new VirtqError('VIRTQ_NEXT_OUT_OF_RANGE', `descriptor ${i} points next to ${next}, outside the ${inTable ? 'indirect table' : 'descriptor table'} of ${limit}`, { index: i, expected: `< ${limit}`, received: next });
    }
    i = next;
  }
}

/**
 * Split-ring rules shared by the device (split-device.ts) and the snapshot analysis (split-snapshot.ts), so
 * each is written once.
 */
import { VirtqError } from './errors.js';
import { idx16Sub } from './index16.js';
import type { DescChain } from './chain.js';
import { VRING_DESC_F_NEXT } from './flags.js';

/**
 * virtio 1.2 §2.7.6 / §2.7.13.3: avail.idx counts the heads the driver added, so it is never more than the queue
 * size ahead of what the device has consumed (`from`: the device's last_avail_idx, or used.idx in a snapshot,
 * which trails it). Returns how far ahead it is (modulo 2^16); VIRTQ_AVAIL_IDX_JUMP otherwise.
 */
export function availAhead(availIdx: number, from: number, size: number, fromName = 'last_avail_idx'): number {
  const n = idx16Sub(availIdx, from);
  if (n > size) {
    throw new VirtqError('VIRTQ_AVAIL_IDX_JUMP', `avail.idx ${availIdx} is ${n} entries ahead of ${fromName} ${from}, more than the queue size ${size}`, { index: availIdx, expected: `<= ${size}`, received: n });
  }
  return n;
}

/**
 * §2.7.6 / §2.7.8: avail.idx and used.idx start at 0 and only increase (modulo 2^16); §2.7.13.3 "A driver MUST
 * NOT decrement the available idx". A value 1..size entries behind one already seen was decremented (a move
 * back by more reads as a forward jump of more than the queue size, *_IDX_JUMP). Returns how many entries it
 * went back, 0 when it did not. The trace checker (src/trace/virtio-events.ts) and the ends judge alike.
 */
export function idxBehind(seen: number, now: number, size: number): number {
  const back = idx16Sub(seen, now);
  return back <= size ? back : 0;
}

/** The error an end refuses a decremented index with (cold path: built only on a violation). */
export function idxBackwardsError(which: 'avail' | 'used', seen: number, now: number, back: number): VirtqError {
  return new VirtqError(which === 'avail' ? 'VIRTQ_AVAIL_IDX_BACKWARDS' : 'VIRTQ_USED_IDX_BACKWARDS',
    `${which}.idx ${now} is ${back} ${back === 1 ? 'entry' : 'entries'} behind ${seen}, read from it before: it was decremented`,
    { index: now, expected: `${seen} or later`, received: now });
}

/**
 * VIRTIO_F_IN_ORDER, on a chain just walked into `c` (from the walker's copies, nothing read again):
 * §2.7.5 "driver uses descriptors in ring order: starting from offset 0 in the table, and wrapping around at
 * the end of the table", so the head is `nextHead` (where the previous chain ended); §2.7.5.2 "driver MUST set
 * next to 0 for the last descriptor in the table (where x = queue_size - 1) and to x + 1 for the rest";
 * §2.7.5.3.1 "indirect descriptors MUST appear sequentially, with next taking the value of 1 for the 1st
 * descriptor, 2 for the 2nd one, etc." `slot` is the avail ring entry that named the head. Returns the head
 * the next chain must start at.
 */
export function checkRingOrder(c: DescChain, head: number, nextHead: number, size: number, slot: number): number {
  if (head !== nextHead) {
    throw new VirtqError('VIRTQ_IN_ORDER_NOT_RING_ORDER', `avail ring entry ${slot} names head ${head}, but descriptors are used in ring order and the next is ${nextHead}`, { index: head, expected: nextHead, received: head });
  }
  for (let k = 0; k < c.count; k++) {
    if (((c.flags[k] as number) & VRING_DESC_F_NEXT) === 0) continue;
    const i = c.index[k] as number;
    const want = c.inTable[k] === 1 ? i + 1 : (i + 1) % size;
    if (c.next[k] !== want) {
      throw new VirtqError('VIRTQ_IN_ORDER_NOT_RING_ORDER', `${c.inTable[k] === 1 ? 'indirect-table entry' : 'descriptor'} ${i} of the chain from head ${head} links next to ${c.next[k]}, not ${want}`, { index: i, expected: want, received: c.next[k] });
    }
  }
  return (head + c.ringCount) % size;
}

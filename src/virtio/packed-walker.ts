/**
 * The packed-ring chain walker (virtio 1.2 §2.8.6 chaining, §2.8.7 indirect). Walks the descriptors that
 * start at ring position `pos` in driver wrap pass `wrap`; every descriptor after the first must itself be
 * available in its pass. Each descriptor is copied once and validated from the copy; the walk is bounded by
 * the queue size (ring) and the table's entry count (indirect), and touches only resolved memory. The
 * descriptor rules it shares with the split walker are in desc-rules.ts; it keeps no state outside `out`.
 */
import { VirtqError, addrOf } from './errors.js';
import type { DescChain } from './chain.js';
import { PackedRing } from './packed-ring.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT } from './flags.js';
import { checkBuffer, indirectTable, requireIndirectNegotiated, type UnmappedBuffers } from './desc-rules.js';

/**
 * Walk the chain at ring position `pos` for driver wrap counter `wrap` into `out` (out.id is its buffer id).
 * `unmapped` says what a buffer outside mapped memory is (desc-rules.ts); devices keep the default 'reject'.
 */
export function walkPackedChain(r: PackedRing, pos: number, wrap: number, out: DescChain, unmapped: UnmappedBuffers = 'reject'): void {
  const { memory, size } = r;
  out.reset(pos);
  let p = pos;
  let w = wrap;
  let id = 0;
  for (;;) {
    if (out.ringCount >= size) {
      throw new VirtqError('VIRTQ_CHAIN_TOO_LONG', `chain at ring position ${pos} does not end within ${size} descriptors`, { index: p, expected: `<= ${size}` });
    }
    const at = r.descBase + p * r.stride;
    // flags first (the store that made the descriptor available), then the body it publishes.
    const flags = r.descPort.loadIndex16(at + r.flagsOff);
    const view = r.descPort.view;
    const lo = view.getUint32(at + r.addrOff, true);
    const hi = view.getUint32(at + r.addrOff + 4, true);
    const len = view.getUint32(at + r.lenOff, true);
    id = view.getUint16(at + r.idOff, true);
    const k = out.record(p, lo, hi, len, flags, id, false);
    const first = out.ringCount === 0;
    out.ringCount++;
    if (!first && !PackedRing.isAvail(flags, w)) {
      throw new VirtqError('VIRTQ_PACKED_DESC_NOT_AVAIL', `descriptor at ring position ${p} continues a chain but is not available for wrap counter ${w} (flags 0x${flags.toString(16)})`, { index: p, received: flags });
    }
    if ((flags & VRING_DESC_F_INDIRECT) !== 0) {
      requireIndirectNegotiated(r.indirect, p, lo, hi);
      // virtio 1.2 §2.8.19: an indirect descriptor is the only one of its buffer (no VRING_DESC_F_NEXT either way).
      if ((flags & VRING_DESC_F_NEXT) !== 0 || !first) {
        throw new VirtqError('VIRTQ_INDIRECT_WITH_NEXT', `indirect descriptor at ${p} is part of a chain linked by VRING_DESC_F_NEXT`, { index: p, addr: addrOf(lo, hi) });
      }
      const tport = indirectTable(memory, r.stride, r.maxIndirect, unmapped, p, lo, hi, len);
      const tbase = memory.offset;
      const tview = tport.view;
      const entries = len / r.stride;
      for (let t = 0; t < entries; t++) {
        const tat = tbase + t * r.stride;
        const tlo = tview.getUint32(tat + r.addrOff, true);
        const thi = tview.getUint32(tat + r.addrOff + 4, true);
        const tlen = tview.getUint32(tat + r.lenOff, true);
        const tflags = tview.getUint16(tat + r.flagsOff, true);
        const tk = out.record(t, tlo, thi, tlen, tflags, tview.getUint16(tat + r.idOff, true), true);
        if ((tflags & VRING_DESC_F_INDIRECT) !== 0) throw new VirtqError('VIRTQ_INDIRECT_NESTED', `indirect-table entry ${t} sets VRING_DESC_F_INDIRECT`, { index: t, addr: addrOf(tlo, thi) });
        checkBuffer(memory, unmapped, out, tk, t, tlo, thi, tlen, tflags);
      }
    } else {
      checkBuffer(memory, unmapped, out, k, p, lo, hi, len, flags);
    }
    p++;
    if (p === size) { p = 0; w ^= 1; }
    if ((flags & VRING_DESC_F_NEXT) === 0) break;
  }
  if (id >= size) throw new VirtqError('VIRTQ_PACKED_BAD_ID', `chain at ring position ${pos} has buffer id ${id}, not below the queue size ${size}`, { index: pos, expected: `< ${size}`, received: id });
  out.id = id;
}

/**
 * The packed-ring chain walker (virtio 1.2 §2.8.6 chaining, §2.8.7 indirect). Walks the descriptors that
 * start at ring position `pos` in driver wrap pass `wrap`; every descriptor after the first must itself be
 * available in its pass. Each descriptor is copied once and validated from the copy; the walk is bounded by
 * the queue size (ring) and the table's entry count (indirect), and touches only resolved memory.
 */
import { VirtqError, addrOf } from './errors.js';
import type { DescChain } from './chain.js';
import { addrError } from './chain-walker.js';
import { PackedRing } from './packed-ring.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE } from './flags.js';

const TWO32 = 0x1_0000_0000;

export function walkPackedChain(r: PackedRing, pos: number, wrap: number, out: DescChain): void {
  const { memory, size } = r;
  out.reset(pos);
  const st = walkState;
  st.seenWrite = false;
  st.total = 0;
  let p = pos;
  let w = wrap;
  let id = 0;
  for (;;) {
    if (out.ringCount >= size) {
      throw new VirtqError('VIRTQ_CHAIN_TOO_LONG', `chain at ring position ${pos} does not end within ${size} descriptors`, { index: p, expected: `<= ${size}` });
    }
    const at = r.descBase + p * r.stride;
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
      if (!r.indirect) throw new VirtqError('VIRTQ_INDIRECT_NOT_NEGOTIATED', `descriptor ${p} is indirect, but VIRTIO_RING_F_INDIRECT_DESC was not negotiated`, { index: p, addr: addrOf(lo, hi) });
      if ((flags & VRING_DESC_F_NEXT) !== 0 || !first) {
        throw new VirtqError('VIRTQ_INDIRECT_WITH_NEXT', `indirect descriptor at ${p} is part of a chain linked by VRING_DESC_F_NEXT`, { index: p, addr: addrOf(lo, hi) });
      }
      if (len === 0 || len % r.stride !== 0) {
        throw new VirtqError('VIRTQ_INDIRECT_BAD_LEN', `indirect descriptor at ${p} has len ${len}, not a non-zero multiple of ${r.stride}`, { index: p, addr: addrOf(lo, hi), received: len });
      }
      const entries = len / r.stride;
      if (entries > r.maxIndirect) {
        throw new VirtqError('VIRTQ_INDIRECT_TOO_LARGE', `indirect descriptor at ${p} holds ${entries} entries, more than the ${r.maxIndirect} allowed`, { index: p, addr: addrOf(lo, hi), received: entries });
      }
      const reg = memory.resolve(lo, hi, len);
      if (reg < 0) throw addrError(reg, p, lo, hi, len, 'indirect table');
      const tport = memory.region(reg).port;
      const tbase = memory.offset;
      for (let t = 0; t < entries; t++) {
        const tat = tbase + t * r.stride;
        const tlo = tport.view.getUint32(tat + r.addrOff, true);
        const thi = tport.view.getUint32(tat + r.addrOff + 4, true);
        const tlen = tport.view.getUint32(tat + r.lenOff, true);
        const tflags = tport.view.getUint16(tat + r.flagsOff, true);
        const tk = out.record(t, tlo, thi, tlen, tflags, tport.view.getUint16(tat + r.idOff, true), true);
        if ((tflags & VRING_DESC_F_INDIRECT) !== 0) throw new VirtqError('VIRTQ_INDIRECT_NESTED', `indirect-table entry ${t} sets VRING_DESC_F_INDIRECT`, { index: t, addr: addrOf(tlo, thi) });
        checkBuffer(r, out, st, pos, tk, t, tlo, thi, tlen, tflags);
      }
    } else {
      checkBuffer(r, out, st, pos, k, p, lo, hi, len, flags);
    }
    p++;
    if (p === size) { p = 0; w ^= 1; }
    if ((flags & VRING_DESC_F_NEXT) === 0) break;
  }
  if (id >= size) throw new VirtqError('VIRTQ_PACKED_BAD_ID', `chain at ring position ${pos} has buffer id ${id}, not below the queue size ${size}`, { index: pos, expected: `< ${size}`, received: id });
  out.id = id;
}

/** Per-walk running state, reused (walks do not nest and JS is single-threaded). */
const walkState = { seenWrite: false, total: 0 };

function checkBuffer(r: PackedRing, out: DescChain, st: typeof walkState, pos: number, k: number, index: number, lo: number, hi: number, len: number, flags: number): void {
  if (len === 0) throw new VirtqError('VIRTQ_ZERO_LENGTH', `descriptor ${index} has len 0`, { index, addr: addrOf(lo, hi) });
  if ((flags & VRING_DESC_F_WRITE) !== 0) { st.seenWrite = true; out.writable += len; } else {
    if (st.seenWrite) throw new VirtqError('VIRTQ_READ_AFTER_WRITE', `descriptor ${index} is device-readable but follows a device-writable one`, { index, addr: addrOf(lo, hi) });
    out.readable += len;
  }
  st.total += len;
  if (st.total > TWO32) throw new VirtqError('VIRTQ_LENGTH_OVERFLOW', `chain at ring position ${pos} exceeds 2^32 bytes at descriptor ${index}`, { index, addr: addrOf(lo, hi), received: st.total });
  const reg = r.memory.resolve(lo, hi, len);
  if (reg < 0) throw addrError(reg, index, lo, hi, len, 'buffer');
  out.region[k] = reg;
  out.regionOffset[k] = r.memory.offset;
}

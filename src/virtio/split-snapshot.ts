/**
 * Analysis of a snapshot of a split virtqueue (virtio 1.2 §2.7): the driver and device areas decoded, and
 * every chain the avail ring names walked with the device's own walker, so a hostile or broken snapshot is
 * reported, never trusted. Errors on one chain do not stop the others.
 *
 * One chain per avail ring slot the driver has written, oldest first. A chain is live when its slot lies
 * between used.idx and avail.idx; only a live chain's errors are violations, because a driver may have freed
 * and reused the memory of chains that are no longer outstanding. A snapshot is not a device: it does not know
 * last_avail_idx, so the avail-jump rule is applied against used.idx, which trails it.
 */
import { DescChain } from './chain.js';
import { walkSplitChain } from './chain-walker.js';
import type { UnmappedBuffers } from './desc-rules.js';
import { idx16Sub } from './index16.js';
import { availAhead } from './split-checks.js';
import type { SplitRing } from './split-ring.js';
import {
  descReports, findingOf, isNotChecked, type DescReport, type FindingKind, type SnapshotViolation, type VirtqFinding,
} from './snapshot-report.js';

/** Half the 16-bit index space: a difference below it is a move forward. */
const IDX16_HALF = 0x8000;

export interface SplitChainReport {
  /** avail ring slot and the head it names. */
  readonly slot: number;
  readonly head: number;
  /** Outstanding: made available and not yet used. */
  readonly live: boolean;
  readonly descs: DescReport[];
  readonly error?: VirtqFinding;
  readonly finding?: FindingKind;
}

export interface SplitSnapshotReport {
  readonly size: number;
  /** vring_avail by its C names; used_event with VIRTIO_RING_F_EVENT_IDX. */
  readonly avail: { readonly flags: number; readonly idx: number; readonly ring: number[]; readonly used_event?: number };
  /** vring_used by its C names; avail_event with VIRTIO_RING_F_EVENT_IDX. */
  readonly used: { readonly flags: number; readonly idx: number; readonly ring: { id: number; len: number }[]; readonly avail_event?: number };
  /** A queue-wide violation: VIRTQ_AVAIL_IDX_JUMP, or VIRTQ_USED_IDX_JUMP when used.idx is past avail.idx. */
  readonly error?: VirtqFinding;
  readonly chains: SplitChainReport[];
  /** Buffers whose address was not checked (outside the memory given) and chains not checked (missing input). */
  readonly not_checked: { readonly buffers: number; readonly chains: number };
  readonly violations: SnapshotViolation[];
  readonly consistent: boolean;
}

/**
 * Decode and check `ring` as found. `unmapped` is the walk policy for buffers outside the memory given:
 * 'reject' when that memory is all of guest RAM, 'not-checked' when only part of it (or none) was supplied.
 */
export function analyzeSplitSnapshot(ring: SplitRing, unmapped: UnmappedBuffers = 'reject'): SplitSnapshotReport {
  const size = ring.size;
  const availIdx = ring.availIdx();
  const usedIdx = ring.usedIdx();
  const avail = {
    flags: ring.availFlags(), idx: availIdx, ring: Array.from({ length: size }, (_, i) => ring.availRing(i)),
    ...(ring.eventIdx ? { used_event: ring.usedEvent() } : {}),
  };
  const used = {
    flags: ring.usedFlags(), idx: usedIdx,
    ring: Array.from({ length: size }, (_, i) => ({ id: ring.usedElemIdAt(i), len: ring.usedElemLenAt(i) })),
    ...(ring.eventIdx ? { avail_event: ring.availEvent() } : {}),
  };
  const violations: SnapshotViolation[] = [];
  let error: VirtqFinding | undefined;
  const outstanding = idx16Sub(availIdx, usedIdx);
  const usedAhead = idx16Sub(usedIdx, availIdx);
  if (outstanding > size && usedAhead !== 0 && usedAhead < IDX16_HALF) {
    // used.idx past avail.idx: the device used buffers the driver never made available (§2.7.8).
    error = { code: 'VIRTQ_USED_IDX_JUMP', message: `used.idx ${usedIdx} is ${usedAhead} entries ahead of avail.idx ${availIdx}: the device used buffers never made available` };
    violations.push({ at: 'used.idx', ...error });
  } else {
    try {
      availAhead(availIdx, usedIdx, size, 'used.idx');
    } catch (e) {
      error = findingOf(e);
      violations.push({ at: 'avail.idx', ...error });
    }
  }
  const chain = new DescChain(size + ring.maxIndirect + 1, ring.memory);
  const chains: SplitChainReport[] = [];
  let buffers = 0;
  let notCheckedChains = 0;
  // Slots written so far: all of them once avail.idx has gone round once (a fresh queue starts at 0).
  const written = Math.min(availIdx, size);
  for (let j = written; j >= 1; j--) {
    const n = idx16Sub(availIdx, j);
    const slot = n & (size - 1);
    const head = ring.availRing(slot);
    const live = error === undefined && idx16Sub(n, usedIdx) < outstanding;
    let chainError: VirtqFinding | undefined;
    let finding: FindingKind | undefined;
    try {
      walkSplitChain(ring, head, chain, unmapped);
    } catch (e) {
      chainError = findingOf(e);
      finding = isNotChecked(chainError) ? 'not checked' : live ? 'violation' : 'stale';
      if (finding === 'violation') violations.push({ at: `slot ${slot}`, ...chainError });
      if (finding === 'not checked') notCheckedChains++;
    }
    buffers += chain.unchecked;
    chains.push({ slot, head, live, descs: descReports(chain, false), ...(chainError !== undefined ? { error: chainError, finding } : {}) });
  }
  return {
    size, avail, used, ...(error !== undefined ? { error } : {}), chains,
    not_checked: { buffers, chains: notCheckedChains }, violations, consistent: violations.length === 0,
  };
}

/**
 * Analysis of a snapshot of a packed virtqueue (virtio 1.2 §2.8): the event suppression structures decoded,
 * and the chains the device would take next walked with the device's own walker and duplicate-id rule.
 *
 * Chains are walked in ring order from where the device will look next: the device event structure's off_wrap
 * when its flags are VRING_PACKED_EVENT_FLAG_DESC (a device with EVENT_IDX keeps it at its next_avail), else
 * position 0 in pass 1 (a fresh queue), for as long as descriptors are available in the expected pass. A
 * snapshot alone cannot tell a stale descriptor the device skipped from a fresh one, so the start matters.
 * Each chain walked is available and not yet used, so every one is live and its errors are violations
 * (except VIRTQ_INDIRECT_UNREADABLE: input missing, not checked).
 */
import { DescChain } from './chain.js';
import type { UnmappedBuffers } from './desc-rules.js';
import { VirtqError } from './errors.js';
import { VRING_PACKED_EVENT_FLAG_DESC } from './flags.js';
import { checkIdNotOutstanding } from './packed-checks.js';
import { PackedRing } from './packed-ring.js';
import { walkPackedChain } from './packed-walker.js';
import {
  descReports, findingOf, isNotChecked, type DescReport, type FindingKind, type SnapshotViolation, type VirtqFinding,
} from './snapshot-report.js';

export interface PackedChainReport {
  /** Ring position of the chain's first descriptor and the driver wrap counter of its pass. */
  readonly pos: number;
  readonly wrap: number;
  readonly live: boolean;
  /** Buffer id (the chain's last descriptor's `id`), when the walk got that far. */
  readonly id?: number;
  readonly descs: DescReport[];
  readonly error?: VirtqFinding;
  readonly finding?: FindingKind;
}

/** vring_packed_desc_event by its C names. */
export interface PackedEventReport {
  readonly off_wrap: number;
  readonly flags: number;
}

export interface PackedSnapshotReport {
  readonly size: number;
  readonly driver_event?: PackedEventReport;
  readonly device_event?: PackedEventReport;
  /** Where the walk started (the device's next_avail and wrap counter, as far as the snapshot tells); absent when the device event structure names no valid position. */
  readonly start?: { readonly pos: number; readonly wrap: number };
  readonly chains: PackedChainReport[];
  readonly not_checked: { readonly buffers: number; readonly chains: number };
  readonly violations: SnapshotViolation[];
  readonly consistent: boolean;
}

export interface PackedSnapshotOptions {
  /** Walk policy for buffers outside the memory given (see split-snapshot.ts); default 'reject'. */
  readonly unmapped?: UnmappedBuffers;
  /** Whether the event suppression structures were supplied (and are to be reported and used); default true. */
  readonly driverEvent?: boolean;
  readonly deviceEvent?: boolean;
}

/** virtio 1.2 §2.8.10: in FLAG_DESC mode, off_wrap's offset is a ring position. */
function offsetError(which: string, offWrap: number, size: number): VirtqError {
  return new VirtqError('VIRTQ_EVENT_OFFSET_OUT_OF_RANGE', `${which} off_wrap 0x${offWrap.toString(16)} names ring offset ${PackedRing.offWrapOffset(offWrap)}, outside the ring of ${size}`, { received: offWrap, expected: `< ${size}` });
}

export function analyzePackedSnapshot(ring: PackedRing, options: PackedSnapshotOptions = {}): PackedSnapshotReport {
  const size = ring.size;
  const unmapped = options.unmapped ?? 'reject';
  const violations: SnapshotViolation[] = [];
  const events: { driver_event?: PackedEventReport; device_event?: PackedEventReport } = {};
  if (options.driverEvent !== false) {
    const e = { off_wrap: ring.driverEventOffWrap(), flags: ring.driverEventFlags() };
    events.driver_event = e;
    if (e.flags === VRING_PACKED_EVENT_FLAG_DESC && PackedRing.offWrapOffset(e.off_wrap) >= size) {
      violations.push({ at: 'driver_event', ...findingOf(offsetError('driver_event', e.off_wrap, size)) });
    }
  }
  let start: { pos: number; wrap: number } | undefined = { pos: 0, wrap: 1 };
  if (options.deviceEvent !== false) {
    const e = { off_wrap: ring.deviceEventOffWrap(), flags: ring.deviceEventFlags() };
    events.device_event = e;
    if (e.flags === VRING_PACKED_EVENT_FLAG_DESC) {
      start = { pos: PackedRing.offWrapOffset(e.off_wrap), wrap: PackedRing.offWrapCounter(e.off_wrap) };
      if (start.pos >= size) {
        violations.push({ at: 'device_event', ...findingOf(offsetError('device_event', e.off_wrap, size)) });
        start = undefined;
      }
    }
  }
  const chain = new DescChain(size + ring.maxIndirect + 1, ring.memory);
  const chains: PackedChainReport[] = [];
  const outstanding = new Uint8Array(size);
  let buffers = 0;
  let notCheckedChains = 0;
  if (start !== undefined) {
    let p = start.pos;
    let w = start.wrap;
    // In ring order as the device would, while descriptors are available in the expected pass, at most once round.
    for (let consumed = 0; consumed < size && PackedRing.isAvail(ring.descFlags(p), w);) {
      let advance: number;
      let id: number | undefined;
      let error: VirtqFinding | undefined;
      let finding: FindingKind | undefined;
      try {
        walkPackedChain(ring, p, w, chain, unmapped);
        id = chain.id;
        checkIdNotOutstanding(outstanding, id, p);
        outstanding[id] = 1;
        advance = chain.ringCount;
      } catch (e) {
        error = findingOf(e);
        finding = isNotChecked(error) ? 'not checked' : 'violation';
        if (finding === 'violation') violations.push({ at: `pos ${p}`, ...error });
        else notCheckedChains++;
        advance = Math.max(1, chain.ringCount);
      }
      buffers += chain.unchecked;
      chains.push({ pos: p, wrap: w, live: true, ...(id !== undefined ? { id } : {}), descs: descReports(chain, true), ...(error !== undefined ? { error, finding } : {}) });
      consumed += advance;
      p += advance;
      if (p >= size) { p -= size; w ^= 1; }
    }
  }
  return {
    size, ...events, ...(start !== undefined ? { start } : {}), chains,
    not_checked: { buffers, chains: notCheckedChains }, violations, consistent: violations.length === 0,
  };
}

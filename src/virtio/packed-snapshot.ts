/**
 * Analysis of a snapshot of a packed virtqueue (virtio 1.2 §2.8): the event suppression structures decoded,
 * and the chains the device would take next walked with the device's own walker and duplicate-id rule.
 *
 * Chains are walked in ring order from where the device will look next: the position and wrap counter given
 * (the device's own, e.g. QEMU's last_avail_idx), else the device event structure's off_wrap when its flags are
 * VRING_PACKED_EVENT_FLAG_DESC (a device with EVENT_IDX keeps it at its next_avail), else where the descriptors
 * show it unambiguously (inferDeviceNext), else position 0 in pass 1 (a fresh queue), with a note saying why;
 * for as long as descriptors are available in the expected pass. A
 * snapshot alone cannot tell a stale descriptor the device skipped from a fresh one, so the start matters.
 * A snapshot cannot tell a chain the device has consumed (and may be overwriting with its used descriptor, id
 * and len before flags) from one it has not either: from a start the device itself gives (`start`, or its
 * event structure) each chain walked is available and not yet consumed, so live, and its errors are
 * violations (except VIRTQ_INDIRECT_UNREADABLE: input missing, not checked); from an inferred or assumed start
 * the chains are decoded for information and their errors are `not judged`.
 */
import { DescChain } from './chain.js';
import type { UnmappedBuffers } from './desc-rules.js';
import { VirtqError } from './errors.js';
import { VRING_PACKED_DESC_F_AVAIL_BIT, VRING_PACKED_DESC_F_USED_BIT, VRING_PACKED_EVENT_FLAG_DESC } from './flags.js';
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
  /** What `start` came from: given by the caller (the device's own position), the device event structure, inferred from the descriptors, or the fresh-queue default. */
  readonly start_from?: 'given' | 'device_event' | 'inferred' | 'default';
  /** Why the descriptors could not tell the start (with `start_from: 'default'`). */
  readonly start_note?: string;
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
  /** The device's next position and wrap counter, when known from the device itself (QEMU's last_avail_idx). */
  readonly start?: PackedStart;
}

/** A ring position and the wrap counter of its pass. */
export interface PackedStart {
  readonly pos: number;
  readonly wrap: number;
}

/** The device's next position as the descriptors show it, or why they cannot. */
export type PackedStartInference = { readonly start: PackedStart } | { readonly ambiguous: string };

/** The pass a descriptor is available in (§2.8.1: AVAIL differs from USED; AVAIL is the driver's wrap counter), or undefined. */
export function availPass(flags: number): number | undefined {
  const avail = (flags & VRING_PACKED_DESC_F_AVAIL_BIT) !== 0 ? 1 : 0;
  const used = (flags & VRING_PACKED_DESC_F_USED_BIT) !== 0 ? 1 : 0;
  return avail === used ? undefined : avail;
}

/**
 * Where the device will look next, from the descriptors alone: the available descriptors the device has not
 * taken form one run in ring order (the pass flipping at the ring's end), and the run starts where an available
 * descriptor does not continue the one before it (some position always does: a run cannot continue itself all
 * the way round, as the pass flips at the ring's end). That start is certain only when exactly one position
 * starts a run and the descriptor before it was never written (all zero) or is available in the other pass.
 * After a used descriptor it is not: the device writes one used descriptor per buffer at its used position
 * (§2.8.7), so the later descriptors of a chain it used, or a chain it used out of order, still look available
 * (§2.8.22) and may be what seems to start the run. Nothing available cannot tell either.
 */
export function inferDeviceNext(ring: PackedRing): PackedStartInference {
  const size = ring.size;
  const starts: PackedStart[] = [];
  let available = 0;
  for (let pos = 0; pos < size; pos++) {
    const wrap = availPass(ring.descFlags(pos));
    if (wrap === undefined) continue;
    available++;
    // The descriptor before continues this run if it is available in the pass a run through it would have.
    const before = availPass(ring.descFlags(pos === 0 ? size - 1 : pos - 1));
    if (before !== (pos === 0 ? wrap ^ 1 : wrap)) starts.push({ pos, wrap });
  }
  if (available === 0) return { ambiguous: 'no descriptor is available' };
  if (starts.length === 1) {
    const start = starts[0] as PackedStart;
    const before = start.pos === 0 ? size - 1 : start.pos - 1;
    const at = ring.descBase + before * ring.stride;
    const v = ring.descPort.view;
    const zero = v.getBigUint64(at, true) === 0n && v.getBigUint64(at + 8, true) === 0n;
    if (zero || availPass(ring.descFlags(before)) !== undefined) return { start };
    return { ambiguous: `the run of available descriptors at ${start.pos} (pass ${start.wrap}) follows a used descriptor, and may begin with the stale tail of a used chain` };
  }
  const some = starts.slice(0, 4).map((x) => `${x.pos} (pass ${x.wrap})`).join(', ');
  return { ambiguous: `${starts.length} positions could be the device's next: ${some}${starts.length > 4 ? ', ...' : ''}` };
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
  let from: PackedSnapshotReport['start_from'] = 'default';
  if (options.start !== undefined) {
    if (!Number.isInteger(options.start.pos) || options.start.pos < 0 || options.start.pos >= size || (options.start.wrap !== 0 && options.start.wrap !== 1)) {
      throw new VirtqError('VIRTQ_BAD_GEOMETRY', `device next position ${options.start.pos} pass ${options.start.wrap} is not a position of the ring of ${size} with a wrap counter 0 or 1`, { received: options.start.pos, expected: `< ${size}` });
    }
    start = { pos: options.start.pos, wrap: options.start.wrap };
    from = 'given';
  }
  if (options.deviceEvent !== false) {
    const e = { off_wrap: ring.deviceEventOffWrap(), flags: ring.deviceEventFlags() };
    events.device_event = e;
    if (e.flags === VRING_PACKED_EVENT_FLAG_DESC && from !== 'given') {
      from = 'device_event';
      start = { pos: PackedRing.offWrapOffset(e.off_wrap), wrap: PackedRing.offWrapCounter(e.off_wrap) };
      if (start.pos >= size) {
        violations.push({ at: 'device_event', ...findingOf(offsetError('device_event', e.off_wrap, size)) });
        start = undefined;
      }
    }
  }
  let note: string | undefined;
  if (from === 'default') {
    const inferred = inferDeviceNext(ring);
    if ('start' in inferred) { start = { ...inferred.start }; from = 'inferred'; } else note = inferred.ambiguous;
  }
  // Only a position the device itself gave makes the chains from it live (see above).
  const judged = from === 'given' || from === 'device_event';
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
        finding = isNotChecked(error) ? 'not checked' : judged ? 'violation' : 'not judged';
        if (finding === 'violation') violations.push({ at: `pos ${p}`, ...error });
        if (finding === 'not checked') notCheckedChains++;
        advance = Math.max(1, chain.ringCount);
      }
      buffers += chain.unchecked;
      chains.push({ pos: p, wrap: w, live: judged, ...(id !== undefined ? { id } : {}), descs: descReports(chain, true), ...(error !== undefined ? { error, finding } : {}) });
      consumed += advance;
      p += advance;
      if (p >= size) { p -= size; w ^= 1; }
    }
  }
  return {
    size, ...events, ...(start !== undefined ? { start, start_from: from } : {}), ...(note !== undefined ? { start_note: note } : {}), chains,
    not_checked: { buffers, chains: notCheckedChains }, violations, consistent: violations.length === 0,
  };
}

/**
 * State rules on a virtqueue snapshot (`ringwire dump virtio-split|virtio-packed`): what the areas show by
 * themselves, with no history. The snapshot is analysed by src/virtio/ (split-snapshot.ts,
 * packed-snapshot.ts: every chain the device could take next walked by the device's own walker); the rules
 * here turn that analysis into DumpFindings under the catalogue ids the trace checker uses, and add what the
 * used side shows.
 *
 * Split (virtio 1.2 §2.7): avail.idx more than the queue size ahead of used.idx (VIRTQ_AVAIL_IDX_JUMP), or
 * used.idx past avail.idx (VIRTQ_USED_IDX_JUMP: the device used buffers never made available); every chain
 * walker code on a live chain, one whose avail slot lies between used.idx and avail.idx (chains below
 * used.idx are decoded for information only: the driver may have reused their memory); a used ring entry the
 * device has published (below used.idx) naming an id outside the queue (VIRTQ_USED_ID_OUT_OF_RANGE).
 *
 * Packed (§2.8): an event suppression off_wrap outside the ring (VIRTQ_EVENT_OFFSET_OUT_OF_RANGE); every
 * chain walker code and VIRTQ_PACKED_DUPLICATE_ID on the descriptors available from where the device looks
 * next; a used descriptor (AVAIL equal to USED: only the device writes one, §2.8.1) whose id is outside
 * the queue (VIRTQ_USED_ID_OUT_OF_RANGE).
 *
 * VIRTQ_INDIRECT_UNREADABLE is missing input, not a finding: the report counts it under `not_checked`.
 * Core code: no node: imports.
 */
import type { CatalogueId, RuleSeverity } from '../../protocol/catalogue/index.js';
import { layoutOf } from '../layout/compile.js';
import { sharedIndexOffset } from '../virtio/shared-fields.js';
import { idx16Sub } from '../virtio/index16.js';
import type { UnmappedBuffers } from '../virtio/desc-rules.js';
import type { SplitRing } from '../virtio/split-ring.js';
import { PackedRing } from '../virtio/packed-ring.js';
import { analyzeSplitSnapshot, type SplitSnapshotReport } from '../virtio/split-snapshot.js';
import { analyzePackedSnapshot, type PackedSnapshotOptions, type PackedSnapshotReport } from '../virtio/packed-snapshot.js';
import type { VirtqFinding } from '../virtio/snapshot-report.js';
import { chainWalkerCodes } from './rules/virtio-chain.js';
import { DumpFindings, type DumpCheckOptions } from './dump-finding.js';
import type { DumpFinding } from './finding.js';

/** The chain walker codes a dump can show (a dump's rings accept indirect descriptors, and IN_ORDER is not negotiated). */
const dumpChainCodes = chainWalkerCodes.filter((c) => c !== 'VIRTQ_INDIRECT_UNREADABLE' && c !== 'VIRTQ_INDIRECT_NOT_NEGOTIATED' && c !== 'VIRTQ_IN_ORDER_NOT_RING_ORDER');

/** The catalogue ids a split queue dump can be reported under. */
export const splitDumpRuleIds: readonly CatalogueId[] = [
  'VIRTQ_AVAIL_IDX_JUMP', 'VIRTQ_USED_IDX_JUMP', ...dumpChainCodes.filter((c) => c !== 'VIRTQ_CHAIN_TOO_LONG' && c !== 'VIRTQ_PACKED_DESC_NOT_AVAIL' && c !== 'VIRTQ_PACKED_BAD_ID'),
  'VIRTQ_USED_ID_OUT_OF_RANGE',
];

/** The catalogue ids a packed queue dump can be reported under. */
export const packedDumpRuleIds: readonly CatalogueId[] = [
  'VIRTQ_EVENT_OFFSET_OUT_OF_RANGE', ...dumpChainCodes.filter((c) => c !== 'VIRTQ_HEAD_OUT_OF_RANGE' && c !== 'VIRTQ_NEXT_OUT_OF_RANGE' && c !== 'VIRTQ_DESC_LOOP'),
  'VIRTQ_PACKED_DUPLICATE_ID', 'VIRTQ_USED_ID_OUT_OF_RANGE',
];

export interface VirtqDumpCheck<R> {
  /** The snapshot analysis, as analyzeSplitSnapshot / analyzePackedSnapshot report it. */
  readonly report: R;
  readonly findings: DumpFinding[];
  readonly counts: Readonly<Record<RuleSeverity, number>>;
}

export interface SplitDumpOptions extends DumpCheckOptions {
  /** Walk policy for buffers outside the memory given (see split-snapshot.ts); default 'reject'. */
  readonly unmapped?: UnmappedBuffers;
}

const availL = layoutOf('vring_avail');
const usedL = layoutOf('vring_used');

/** The walker's sentence, without its appended citation. */
function words(f: VirtqFinding): string {
  const cite = f.message.lastIndexOf(' (virtio 1.2 §');
  return (cite < 0 ? f.message : f.message.slice(0, cite)).replace(/\.$/, '');
}

/** A chain error the snapshot analysis counted as a violation, as the walker's own code. */
function chainCode(f: VirtqFinding): CatalogueId {
  return f.code as CatalogueId;
}

export function checkSplitSnapshot(ring: SplitRing, options: SplitDumpOptions = {}): VirtqDumpCheck<SplitSnapshotReport> {
  const report = analyzeSplitSnapshot(ring, options.unmapped ?? 'reject');
  const out = new DumpFindings('virtio-split', options);
  const { size } = report;
  const availIdx = report.avail.idx;
  const usedIdx = report.used.idx;
  const a = ring.areas;
  const e = report.error;
  if (e !== undefined && e.code === 'VIRTQ_USED_IDX_JUMP') {
    out.report('VIRTQ_USED_IDX_JUMP', 'device', { area: 'used', offset: sharedIndexOffset(usedL, 'idx') }, {
      path: 'used.idx', expected: `at most avail.idx ${availIdx}`, actual: usedIdx,
      message: `device published used.idx ${usedIdx}, ${idx16Sub(usedIdx, availIdx)} entries past avail.idx ${availIdx}: it used buffers never made available.`,
    });
  } else if (e !== undefined) {
    out.report('VIRTQ_AVAIL_IDX_JUMP', 'driver', { area: 'avail', offset: sharedIndexOffset(availL, 'idx') }, {
      path: 'avail.idx', expected: `at most ${size} ahead of used.idx ${usedIdx}`, actual: availIdx,
      message: `driver published avail.idx ${availIdx}, ${idx16Sub(availIdx, usedIdx)} entries ahead of used.idx ${usedIdx} on a queue of ${size}.`,
    });
  }
  // Chains are listed oldest first, one per avail slot written, the last at avail.idx - 1.
  report.chains.forEach((c, i) => {
    if (c.finding !== 'violation' || c.error === undefined) return;
    const index = idx16Sub(availIdx, report.chains.length - i);
    out.report(chainCode(c.error), 'driver', { area: 'avail', offset: a.availRing + c.slot * a.availStride, index, slot: c.slot }, {
      path: `avail.ring[${c.slot}]`, expected: 'a chain the device can walk', actual: c.error.code,
      message: `driver made head ${c.head} available (avail index ${index}), a chain the device cannot walk: ${words(c.error)}.`,
    });
  });
  // The used entries the device has published: the last min(used.idx, size) below used.idx.
  const written = Math.min(usedIdx, size);
  for (let j = written; j >= 1; j--) {
    const index = idx16Sub(usedIdx, j);
    const slot = index & (size - 1);
    const id = report.used.ring[slot]?.id as number;
    if (id < size) continue;
    out.report('VIRTQ_USED_ID_OUT_OF_RANGE', 'device', { area: 'used', offset: a.usedRing + slot * a.usedStride + ring.usedElemId, index, slot }, {
      path: `used.ring[${slot}].id`, expected: `< ${size}`, actual: id,
      message: `device published used entry ${index} (slot ${slot}) with id ${id}, outside the queue of ${size}.`,
    });
  }
  return { report, findings: out.list, counts: out.counts };
}

export interface PackedDumpOptions extends DumpCheckOptions, PackedSnapshotOptions {}

const eventL = layoutOf('vring_packed_desc_event');

export function checkPackedSnapshot(ring: PackedRing, options: PackedDumpOptions = {}): VirtqDumpCheck<PackedSnapshotReport> {
  const report = analyzePackedSnapshot(ring, options);
  const out = new DumpFindings('virtio-packed', options);
  const { size } = report;
  for (const v of report.violations) {
    if (v.at !== 'driver_event' && v.at !== 'device_event') continue;
    const ev = v.at === 'driver_event' ? report.driver_event : report.device_event;
    out.report('VIRTQ_EVENT_OFFSET_OUT_OF_RANGE', v.at === 'driver_event' ? 'driver' : 'device', { area: v.at, offset: sharedIndexOffset(eventL, 'off_wrap') }, {
      path: `${v.at}.off_wrap`, expected: `an offset < ${size}`, actual: ev?.off_wrap,
      message: `${v.at === 'driver_event' ? 'driver' : 'device'} wrote ${words(v)}.`,
    });
  }
  for (const c of report.chains) {
    if (c.error === undefined || c.finding !== 'violation') continue;
    out.report(chainCode(c.error), 'driver', { area: 'desc', offset: c.pos * ring.stride, index: c.pos, slot: c.pos }, {
      path: `desc[${c.pos}]`, expected: 'a chain the device can walk', actual: c.error.code,
      message: `driver made the chain at ring position ${c.pos} (pass ${c.wrap}) available, one the device cannot take: ${words(c.error)}.`,
    });
  }
  const view = ring.descPort.view;
  for (let pos = 0; pos < size; pos++) {
    const flags = ring.descFlags(pos);
    if (!PackedRing.isUsed(flags, 0) && !PackedRing.isUsed(flags, 1)) continue;
    const at = ring.descBase + pos * ring.stride + ring.idOff;
    const id = view.getUint16(at, true);
    if (id < size) continue;
    out.report('VIRTQ_USED_ID_OUT_OF_RANGE', 'device', { area: 'desc', offset: pos * ring.stride + ring.idOff, index: pos, slot: pos }, {
      path: `desc[${pos}].id`, expected: `< ${size}`, actual: id,
      message: `device wrote a used descriptor at ring position ${pos} with id ${id}, outside the queue of ${size}.`,
    });
  }
  return { report, findings: out.list, counts: out.counts };
}

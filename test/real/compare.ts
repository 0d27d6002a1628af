/**
 * The real-guest comparison, shared by the harness (run.ts, against a live QEMU) and the unit test on the
 * committed fixtures (real-fixtures.test.ts): every chain QEMU decoded with x-query-virtio-queue-element
 * against ringwire's decode of the same avail slot, from the captured trace (capturedQueues +
 * analyzeSplitSnapshot) and from the raw area images alone (`ringwire dump virtio-split --mem`).
 *
 * QEMU's element query, as of 7.2 (hw/virtio/virtio.c, qmp_x_query_virtio_queue_element): `index` is an
 * avail ring slot; `descs` lists the chain last descriptor first; for a head with VRING_DESC_F_INDIRECT it
 * lists only the indirect table's entries.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceReader } from '../../src/trace/pcapng-reader.js';
import { capturedQueues, type CapturedRing } from '../../src/trace/virtio-capture.js';
import { analyzeSplitSnapshot, type SplitSnapshotReport } from '../../src/virtio/split-snapshot.js';
import { SplitRing } from '../../src/virtio/split-ring.js';
import { checkTrace } from '../../src/check/trace-checker.js';
import type { Finding } from '../../src/check/finding.js';
import type { DescReport } from '../../src/virtio/snapshot-report.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE, VRING_PACKED_DESC_F_AVAIL_BIT, VRING_PACKED_DESC_F_USED_BIT } from '../../src/virtio/flags.js';
import { dumpVirtioPacked, dumpVirtioSplit } from '../../src/cli/dump-virtio.js';
import { PackedRing } from '../../src/virtio/packed-ring.js';
import { analyzePackedSnapshot, type PackedChainReport, type PackedSnapshotReport } from '../../src/virtio/packed-snapshot.js';
import { processIo, type CliIo } from '../../src/cli/io.js';

export interface QemuDesc { readonly addr: number; readonly len: number; readonly flags: readonly string[] }
export interface QemuElement { readonly slot: number; readonly index?: number; readonly descs?: readonly QemuDesc[]; readonly error?: string }
export interface QemuQueue {
  readonly path: string;
  readonly queue: number;
  readonly avail_idx: number;
  readonly used_idx: number;
  readonly elements: readonly QemuElement[];
}
/** What the harness saved next to a trace: QEMU's own decode of every written avail slot. */
export interface QemuElements {
  readonly variant: string;
  readonly qemu: string;
  readonly kernel: string;
  /** /sys/block/vda/stat's completed reads and writes when the guest was ready (the first disk's request count). */
  readonly guest_vda_ios?: readonly [number, number];
  readonly queues: readonly QemuQueue[];
}

/** qmp_decode_vring_desc_flags' words. */
const flagWords: Record<string, number> = {
  next: VRING_DESC_F_NEXT, write: VRING_DESC_F_WRITE, indirect: VRING_DESC_F_INDIRECT,
  avail: VRING_PACKED_DESC_F_AVAIL_BIT, used: VRING_PACKED_DESC_F_USED_BIT,
};

/** The descriptor flag bits QEMU names; it leaves any other bit out of its words. */
const namedFlags = Object.values(flagWords).reduce((a, b) => a | b, 0);

export function qemuFlags(words: readonly string[]): number {
  let f = 0;
  for (const w of words) {
    const b = flagWords[w];
    if (b === undefined) throw new Error(`unknown QEMU descriptor flag word ${w}`);
    f |= b;
  }
  return f;
}

export interface Comparison {
  /** Chains QEMU decoded and ringwire decoded identically. */
  compared: number;
  /** Of them, chains through an indirect table. */
  indirect: number;
  /** Of them, live chains (between used.idx and avail.idx). */
  live: number;
  /** Slots QEMU could not decode (its error): not compared. */
  qemuErrors: number;
  /** Stale chains whose indirect table was not captured (overlapped another): not compared. */
  notCaptured: number;
  mismatches: string[];
}

export function emptyComparison(): Comparison {
  return { compared: 0, indirect: 0, live: 0, qemuErrors: 0, notCaptured: 0, mismatches: [] };
}

/** Compare QEMU's elements of one queue with ringwire's split report of it. */
export function compareSplit(where: string, report: SplitSnapshotReport, q: QemuQueue, into: Comparison = emptyComparison()): Comparison {
  const bySlot = new Map(report.chains.map((c) => [c.slot, c]));
  if (report.avail.idx !== q.avail_idx) into.mismatches.push(`${where}: avail.idx ${report.avail.idx}, QEMU ${q.avail_idx}`);
  if (report.used.idx !== q.used_idx) into.mismatches.push(`${where}: used.idx ${report.used.idx}, QEMU ${q.used_idx}`);
  for (const e of q.elements) {
    if (e.descs === undefined) { into.qemuErrors++; continue; }
    const at = `${where} slot ${e.slot}`;
    const c = bySlot.get(e.slot);
    if (c === undefined) { into.mismatches.push(`${at}: QEMU decoded head ${String(e.index)}, ringwire has no chain there`); continue; }
    if (c.head !== e.index) { into.mismatches.push(`${at}: head ${c.head}, QEMU ${String(e.index)}`); continue; }
    const first = c.descs[0];
    let mine: readonly DescReport[] = c.descs;
    const viaTable = first !== undefined && (first.flags & VRING_DESC_F_INDIRECT) !== 0;
    if (viaTable) {
      if (first.table === undefined) {
        if (c.error?.code === 'VIRTQ_INDIRECT_UNREADABLE' && !c.live) { into.notCaptured++; continue; }
        into.mismatches.push(`${at}: indirect head whose table ringwire did not read (${c.error?.code ?? 'no error'})`);
        continue;
      }
      mine = first.table;
    }
    const theirs = [...e.descs].reverse();
    const bad: string[] = [];
    if (mine.length !== theirs.length) bad.push(`${mine.length} descriptors, QEMU ${theirs.length}`);
    for (let k = 0; k < Math.min(mine.length, theirs.length); k++) {
      const m = mine[k] as DescReport;
      const t = theirs[k] as QemuDesc;
      const tf = qemuFlags(t.flags);
      if (Number(m.addr) !== t.addr || m.len !== t.len || (m.flags & namedFlags) !== tf) {
        bad.push(`desc ${k}: addr 0x${Number(m.addr).toString(16)} len ${m.len} flags ${m.flags}, QEMU addr 0x${t.addr.toString(16)} len ${t.len} flags ${tf}`);
      }
    }
    if (bad.length > 0) { into.mismatches.push(`${at}: ${bad.join('; ')}`); continue; }
    into.compared++;
    if (viaTable) into.indirect++;
    if (c.live) into.live++;
  }
  return into;
}

/** Key of a captured queue: QEMU's QOM path and the queue index. */
export function queueKey(path: string, queue: number): string {
  return `${path}#${queue}`;
}

/** Every captured split queue of a trace, analysed as ringwire's snapshot dump would (buffers not captured: not checked). */
export function splitReports(trace: Uint8Array): Map<string, { ring: CapturedRing; report: SplitSnapshotReport }> {
  const out = new Map<string, { ring: CapturedRing; report: SplitSnapshotReport }>();
  for (const c of capturedQueues(new TraceReader(trace))) {
    if (!(c.ring instanceof SplitRing)) continue;
    out.set(queueKey(String(c.notes['qemu_path']), Number(c.notes['queue'])), { ring: c, report: analyzeSplitSnapshot(c.ring, 'not-checked') });
  }
  return out;
}

/** ringwire check on a trace: its error-severity findings. */
export function checkErrors(trace: Uint8Array): Finding[] {
  return checkTrace(new TraceReader(trace)).filter((f) => f.severity === 'error');
}

/** A CliIo that keeps what a verb prints. */
function capturingIo(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { ...processIo, write: undefined, out: (t) => { out.push(t); }, err: (t) => { err.push(t); } }, out, err };
}

/**
 * `ringwire dump virtio-split --json` given only the three area images and the indirect tables (--mem GPA:FILE)
 * of a captured queue, written under `dir`; returns its report and exit status.
 */
export async function dumpFromImages(c: CapturedRing, dir: string): Promise<{ report: SplitSnapshotReport; status: number }> {
  mkdirSync(dir, { recursive: true });
  const ring = c.ring as SplitRing;
  const regions = regionBytes(c);
  const args = ['--size', String(ring.size), '--json'];
  if (ring.eventIdx) args.push('--event-idx');
  for (const [k, r] of regions.entries()) {
    const file = join(dir, `${k}-${r.name.replace(/[^a-z0-9]+/gi, '_')}.bin`);
    writeFileSync(file, r.bytes);
    if (r.name === 'desc' || r.name === 'avail' || r.name === 'used') args.push(`--${r.name}`, file);
    else args.push('--mem', `0x${r.address.toString(16)}:${file}`);
  }
  const { io, out } = capturingIo();
  const status = await dumpVirtioSplit(args, io);
  return { report: JSON.parse(out.join('')) as SplitSnapshotReport, status };
}

/** The captured regions' bytes, by name, in declaration order. */
function regionBytes(c: CapturedRing): { name: string; address: number; bytes: Uint8Array }[] {
  return c.regions.map((r) => ({ name: r.name, address: r.address, bytes: r.bytes }));
}

// ---- packed --------------------------------------------------------------------------------------------

/**
 * QEMU 7.2 has no element query for packed queues; its `virtqueue_pop` trace events (`-trace
 * enable=virtqueue_pop`) give each popped element's in/out descriptor counts, in the order the device took
 * them. Popped after the capture, they are the chains the snapshot shows available from the device's next
 * position, in the same order.
 */
export interface QemuPops {
  readonly path: string;
  readonly queue: number;
  /** QEMU's last_avail_idx at the capture: the device's next position. */
  readonly last_avail_idx: number;
  /** [in_num, out_num] of each element QEMU popped after the capture, in order. */
  readonly pops: readonly (readonly [number, number])[];
}

export interface QemuPackedPops {
  readonly variant: string;
  readonly qemu: string;
  readonly kernel: string;
  readonly queues: readonly QemuPops[];
}

/**
 * The device's wrap counter at `pos` when it has nothing in flight (QEMU's inuse 0: its next used position is
 * its next available one): the pass of the last used descriptor it wrote before `pos`, flipped if that one lies
 * before the ring's end was crossed; undefined when the ring holds no used descriptor.
 */
export function deviceWrapAt(ring: PackedRing, pos: number): number | undefined {
  for (let k = 1; k <= ring.size; k++) {
    const p = (pos - k + ring.size) % ring.size;
    const f = ring.descFlags(p);
    const avail = (f & VRING_PACKED_DESC_F_AVAIL_BIT) !== 0 ? 1 : 0;
    const used = (f & VRING_PACKED_DESC_F_USED_BIT) !== 0 ? 1 : 0;
    if (avail === used) return p < pos ? avail : avail ^ 1;
  }
  return undefined;
}

/** in_num / out_num of a walked chain as QEMU counts them (an indirect chain counts its table's entries). */
export function inOut(c: PackedChainReport): [number, number] {
  const first = c.descs[0];
  const descs = first !== undefined && (first.flags & VRING_DESC_F_INDIRECT) !== 0 ? first.table ?? [] : c.descs;
  let inNum = 0;
  for (const d of descs) if ((d.flags & VRING_DESC_F_WRITE) !== 0) inNum++;
  return [inNum, descs.length - inNum];
}

/** Every captured packed queue of a trace, analysed from QEMU's last_avail_idx. */
export function packedReports(trace: Uint8Array): Map<string, { ring: CapturedRing; start: { pos: number; wrap: number } | undefined; report: PackedSnapshotReport }> {
  const out = new Map<string, { ring: CapturedRing; start: { pos: number; wrap: number } | undefined; report: PackedSnapshotReport }>();
  for (const c of capturedQueues(new TraceReader(trace))) {
    if (!(c.ring instanceof PackedRing)) continue;
    const pos = Number(c.notes['last_avail_idx']);
    const wrap = deviceWrapAt(c.ring, pos);
    const start = wrap === undefined ? undefined : { pos, wrap };
    const report = analyzePackedSnapshot(c.ring, { unmapped: 'not-checked', ...(start !== undefined ? { start } : {}) });
    out.set(queueKey(String(c.notes['qemu_path']), Number(c.notes['queue'])), { ring: c, start, report });
  }
  return out;
}

/** Compare the chains a packed snapshot shows available with the elements QEMU popped next. */
export function comparePacked(where: string, report: PackedSnapshotReport, q: QemuPops, into: Comparison = emptyComparison()): Comparison {
  const n = Math.min(report.chains.length, q.pops.length);
  for (let k = 0; k < n; k++) {
    const c = report.chains[k] as PackedChainReport;
    const [i, o] = inOut(c);
    const [qi, qo] = q.pops[k] as readonly [number, number];
    if (c.error !== undefined && c.finding !== 'not checked') { into.mismatches.push(`${where} chain ${k} at ${c.pos}: ${c.error.code}`); continue; }
    if (i !== qi || o !== qo) { into.mismatches.push(`${where} chain ${k} at ${c.pos}: in ${i} out ${o}, QEMU popped in ${qi} out ${qo}`); continue; }
    into.compared++;
    into.live++;
    const first = c.descs[0];
    if (first !== undefined && (first.flags & VRING_DESC_F_INDIRECT) !== 0) into.indirect++;
  }
  return into;
}

/** `ringwire dump virtio-packed --json --device-next POS:WRAP` from a captured queue's images alone. */
export async function dumpPackedFromImages(c: CapturedRing, start: { pos: number; wrap: number } | undefined, dir: string): Promise<{ report: PackedSnapshotReport; status: number; text: string }> {
  mkdirSync(dir, { recursive: true });
  const ring = c.ring as PackedRing;
  const args = ['--size', String(ring.size)];
  if (start !== undefined) args.push('--device-next', `${start.pos}:${start.wrap}`);
  const names: Record<string, string> = { desc: '--desc', driver_event: '--driver-event', device_event: '--device-event' };
  for (const [k, r] of c.regions.entries()) {
    const file = join(dir, `${k}-${r.name.replace(/[^a-z0-9]+/gi, '_')}.bin`);
    writeFileSync(file, r.bytes);
    const opt = names[r.name];
    if (opt !== undefined) args.push(opt, file);
    else args.push('--mem', `0x${r.address.toString(16)}:${file}`);
  }
  const j = capturingIo();
  const status = await dumpVirtioPacked([...args, '--json'], j.io);
  const t = capturingIo();
  await dumpVirtioPacked(args, t.io);
  return { report: JSON.parse(j.out.join('')) as PackedSnapshotReport, status, text: t.out.join('') };
}

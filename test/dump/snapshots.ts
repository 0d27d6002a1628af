/**
 * Ring dumps of recorded runs: a trace is replayed record by record and, after each record, the memory of
 * the interface it touched is judged as a dump would be (checkRingImage on a Xen ring region,
 * checkSplitSnapshot / checkPackedSnapshot on a queue over the replayed guest memory). Valid traces must
 * give no error finding at any point; the malformed-image generator takes its images from hostile runs
 * this way, at the first record where the fault shows.
 *
 * An interface is judged from its first publication on (Xen: requests published; virtio: a buffer made
 * available). Before it, the recorded runs set up the ring one index store at a time (some fixtures start
 * their indices just below the wrap: req_prod then rsp_prod, avail.idx then used.idx), and a dump taken
 * between those stores shows indices no running ring has.
 */
import { ReplayEventDecoder, TraceReader, type ReplayInterface, type ReplayRegion } from '../../src/trace/index.js';
import { RWT_REGION_XEN_RING, type TraceSetup } from '../../protocol/trace/index.js';
import { PlainRingPort } from '../../src/memory/ring-port.js';
import { GuestMemory } from '../../src/virtio/guest-memory.js';
import { SplitRing } from '../../src/virtio/split-ring.js';
import { PackedRing } from '../../src/virtio/packed-ring.js';
import { virtqFeatures } from '../../src/virtio/features.js';
import { ringType, type XenRingName } from '../../src/xen/ring-type.js';
import { checkRingImage, type XenDumpOptions } from '../../src/check/dump-xen.js';
import { checkPackedSnapshot, checkSplitSnapshot } from '../../src/check/dump-virtio.js';
import type { DumpFinding } from '../../src/check/finding.js';

export interface TraceSnapshot {
  /** 0-based position of the record after which the dump was taken, and its interface. */
  readonly at: number;
  readonly seq: number;
  /** 1-based packet number of that record (as tshark counts frames). */
  readonly packet: number;
  readonly iface: number;
  readonly setup: TraceSetup;
  readonly findings: readonly DumpFinding[];
  /** The interface's replayed regions at that point (live: copy them before the next step). */
  readonly regions: readonly ReplayRegion[];
}

type Judge = () => readonly DumpFinding[];

function port(g: ReplayRegion): PlainRingPort {
  return new PlainRingPort(g.bytes.buffer, g.bytes.byteOffset, g.bytes.byteLength);
}

/** How to judge one interface's memory as it stands, or undefined when it cannot be dumped (yet). */
function judgeFor(i: ReplayInterface, options: XenDumpOptions): Judge | undefined {
  const s = i.setup;
  if (s === undefined) return undefined;
  if (s.transport === 'xen') {
    const g = i.regions.find((r) => r.kind === RWT_REGION_XEN_RING);
    if (g === undefined) return undefined;
    const type = ringType(s.ring as XenRingName, { abi: s.abi as 'x86_64' });
    return () => checkRingImage(g.bytes, type, s.order, options).findings;
  }
  const memory = new GuestMemory();
  for (const g of i.regions) memory.map(g.address, port(g));
  const f = virtqFeatures(BigInt(s.features));
  const common = { memory, size: s.size, eventIdx: f.eventIdx, indirect: f.indirect, queueIndex: s.queue };
  try {
    if (s.layout === 'split') {
      const ring = new SplitRing({ ...common, desc: Number(s.desc), avail: Number(s.avail), used: Number(s.used), byteOrder: s.byte_order });
      return () => checkSplitSnapshot(ring).findings;
    }
    const ring = new PackedRing({ ...common, desc: Number(s.desc), driverEvent: Number(s.driver_event), deviceEvent: Number(s.device_event) });
    return () => checkPackedSnapshot(ring).findings;
  } catch {
    return undefined; // the areas are not all in the regions recorded so far
  }
}

/** Replay `pcapng` and judge, after every record, the memory of the interface it belongs to (`options`: for Xen rings). */
export function* traceSnapshots(pcapng: Uint8Array, options: XenDumpOptions = {}): Generator<TraceSnapshot> {
  const decoder = new ReplayEventDecoder();
  const judges = new Map<number, { regions: number; judge: Judge | undefined }>();
  const inUse = new Set<number>();
  let at = 0;
  for (const r of new TraceReader(pcapng)) {
    const events = decoder.accept(r) ?? [];
    if (events.some((e) => e.kind === 'requests-published' || e.kind === 'available')) inUse.add(r.interface_id);
    const i = decoder.replayer.interface(r.interface_id);
    let j = judges.get(i.id);
    if (j === undefined || j.regions !== i.regions.length || j.judge === undefined) {
      j = { regions: i.regions.length, judge: judgeFor(i, options) };
      judges.set(i.id, j);
    }
    if (j.judge !== undefined && i.setup !== undefined && inUse.has(i.id)) {
      yield { at, seq: r.seq, packet: r.packet, iface: i.id, setup: i.setup, findings: j.judge(), regions: i.regions };
    }
    at++;
  }
}

/**
 * Captured virtqueues: the ring areas of a live queue read out of guest memory at one moment (by
 * `ringwire capture qemu`, or anything else that can read guest RAM), as a trace, and back.
 *
 * A captured queue is one interface: its setup record (layout, size, negotiated features, the areas'
 * guest-physical addresses, the device type), an annotation record `{ op: 'capture', ... }` with what the
 * capturing tool reported about the queue (QEMU's last_avail_idx, used_idx, ...: numbers, strings, flags),
 * then a region per area (virtio-desc, virtio-driver, virtio-device) and per indirect table a descriptor
 * points to (virtio-ram, at the table's guest-physical address), each declared zeroed and followed by one
 * snapshot record of its captured bytes. Nothing else of guest RAM is kept: buffers are not captured.
 *
 * capturedQueues() reads such a trace back into rings over exactly the captured bytes, for the snapshot
 * analyses (split-snapshot.ts, packed-snapshot.ts). Core code: no node: imports.
 */
import {
  RWT_ANNOTATION, RWT_PARTY_NONE, RWT_REGION_VIRTIO_DESC, RWT_REGION_VIRTIO_DEVICE, RWT_REGION_VIRTIO_DRIVER,
  RWT_REGION_VIRTIO_RAM, type VirtioTraceSetup,
} from '../../protocol/trace/index.js';
import { layoutOf } from '../layout/compile.js';
import { PlainRingPort } from '../memory/ring-port.js';
import { GuestMemory } from '../virtio/guest-memory.js';
import { SplitRing } from '../virtio/split-ring.js';
import { PackedRing } from '../virtio/packed-ring.js';
import { VRING_DESC_F_INDIRECT } from '../virtio/flags.js';
import { virtqFeatures } from '../virtio/features.js';
import { decodeAnnotation } from './bodies.js';
import { TraceError } from './errors.js';
import type { TraceRecorder } from './recorder.js';
import { TraceReplayer, type ReplayInterface, type ReplayRegion } from './replayer.js';
import type { TraceRecord } from './trace-record.js';

/** Bytes captured at a guest-physical address. */
export interface CapturedArea {
  readonly gpa: number;
  readonly bytes: Uint8Array;
}

/** What a capture reported about a queue besides its memory (e.g. QEMU's indices), for the annotation record. */
export type CaptureNotes = Readonly<Record<string, string | number | boolean>>;

export interface CapturedQueue {
  /** Interface name, e.g. `qemu/blk0/vq0`. */
  readonly name: string;
  readonly layout: 'split' | 'packed';
  readonly size: number;
  /** The queue's index on its device. */
  readonly queue: number;
  /** Negotiated feature bits. */
  readonly features: bigint;
  /** virtio 1.2 §5 Device ID (1 network, 2 block), when known. */
  readonly deviceId?: number;
  /** Split: descriptor table, driver area (vring_avail), device area (vring_used). Packed: descriptor ring, driver and device event suppression. */
  readonly desc: CapturedArea;
  readonly driver: CapturedArea;
  readonly device: CapturedArea;
  /** Indirect tables the descriptors point to. */
  readonly tables: readonly CapturedArea[];
  readonly notes: CaptureNotes;
}

const hex = (v: number | bigint): string => `0x${v.toString(16)}`;

/** The annotation op a captured queue's notes are written under. */
export const CAPTURE_OP = 'capture';

/** Write one captured queue as an interface of `rec` (see the module comment for its records). */
export function recordCapturedQueue(rec: TraceRecorder, q: CapturedQueue): number {
  const areas = q.layout === 'split'
    ? { desc: hex(q.desc.gpa), avail: hex(q.driver.gpa), used: hex(q.device.gpa) }
    : { desc: hex(q.desc.gpa), driver_event: hex(q.driver.gpa), device_event: hex(q.device.gpa) };
  const setup: VirtioTraceSetup = {
    transport: 'virtio', layout: q.layout, size: q.size, queue: q.queue, byte_order: 'little', features: hex(q.features),
    ...areas, ...(q.deviceId === undefined ? {} : { device_id: q.deviceId }),
  };
  const iface = rec.addInterface(q.name, setup);
  rec.annotate(iface, RWT_PARTY_NONE, { ...q.notes, op: CAPTURE_OP });
  const regions: [number, string, CapturedArea][] = [
    [RWT_REGION_VIRTIO_DESC, 'desc', q.desc],
    [RWT_REGION_VIRTIO_DRIVER, q.layout === 'split' ? 'avail' : 'driver_event', q.driver],
    [RWT_REGION_VIRTIO_DEVICE, q.layout === 'split' ? 'used' : 'device_event', q.device],
    ...q.tables.map((t): [number, string, CapturedArea] => [RWT_REGION_VIRTIO_RAM, `indirect@${hex(t.gpa)}`, t]),
  ];
  for (const [kind, name, area] of regions) {
    // Declared zeroed, then one snapshot of what was captured: a capture sees a state, not the writes that made it.
    const bytes = new Uint8Array(area.bytes.length);
    const region = rec.addRegion(iface, { kind, name, address: area.gpa, bytes });
    bytes.set(area.bytes);
    rec.snapshot(iface, region);
  }
  return iface;
}

/** Largest indirect table a capture reads (bytes): well above any driver's (Linux: at most the queue size entries). */
export const MAX_CAPTURED_TABLE = 64 * 1024;

/**
 * Where the indirect tables are that the descriptors of a captured descriptor table (split) or ring (packed)
 * point to: every descriptor with VRING_DESC_F_INDIRECT whose len is a non-zero multiple of sizeof(struct
 * vring_desc) (virtio 1.2 §2.7.5.3.1, §2.8.14) and at most MAX_CAPTURED_TABLE, once each, in address order;
 * a table overlapping one already listed is left out (a stale descriptor pointing into reused memory).
 */
export function indirectTables(layout: 'split' | 'packed', desc: Uint8Array): { gpa: number; len: number }[] {
  const d = layoutOf(layout === 'split' ? 'vring_desc' : 'vring_packed_desc');
  const entry = layoutOf('vring_desc').size;
  const at = (name: string): number => (d.fields.find((f) => f.name === name) as { offset: number }).offset;
  const addrAt = at('addr');
  const lenAt = at('len');
  const flagsAt = at('flags');
  const view = new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
  const found = new Map<number, number>();
  for (let o = 0; o + d.size <= desc.byteLength; o += d.size) {
    if ((view.getUint16(o + flagsAt, true) & VRING_DESC_F_INDIRECT) === 0) continue;
    const addr = view.getBigUint64(o + addrAt, true);
    const len = view.getUint32(o + lenAt, true);
    if (len === 0 || len % entry !== 0 || len > MAX_CAPTURED_TABLE || addr + BigInt(len) > BigInt(Number.MAX_SAFE_INTEGER)) continue;
    const gpa = Number(addr);
    found.set(gpa, Math.max(found.get(gpa) ?? 0, len));
  }
  const out: { gpa: number; len: number }[] = [];
  for (const [gpa, len] of [...found].sort((a, b) => a[0] - b[0])) {
    const last = out[out.length - 1];
    if (last !== undefined && gpa < last.gpa + last.len) continue;
    out.push({ gpa, len });
  }
  return out;
}

/** A captured queue read back from a trace, as a ring over exactly the captured bytes. */
export interface CapturedRing {
  readonly iface: number;
  readonly setup: VirtioTraceSetup;
  /** The capture's annotation (without `op`), e.g. QEMU's indices. */
  readonly notes: CaptureNotes;
  readonly ring: SplitRing | PackedRing;
  /** How many indirect tables were captured. */
  readonly tables: number;
  /** The replayed regions: areas and tables with their names, guest-physical addresses and captured bytes. */
  readonly regions: readonly ReplayRegion[];
}

function gpaOf(s: string | undefined, what: string, iface: number): number {
  const v = s !== undefined && /^0x[0-9a-f]{1,13}$/i.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(v)) throw new TraceError('TRACE_BAD_RECORD', `Interface ${iface}'s setup has no usable ${what} address.`, { received: String(s) });
  return v;
}

/**
 * A replayed virtio interface as a ring over exactly its regions: the areas from its virtio-desc/-driver/-device
 * regions, indirect tables from its virtio-ram regions. Undefined for an interface that is not a virtqueue.
 */
export function capturedRing(i: ReplayInterface): SplitRing | PackedRing | undefined {
  const setup = i.setup;
  if (setup === undefined || setup.transport !== 'virtio') return undefined;
  const memory = new GuestMemory();
  const ringMemory = new GuestMemory();
  for (const g of i.regions) {
    const port = new PlainRingPort(g.bytes.buffer, g.bytes.byteOffset, g.bytes.byteLength);
    if (g.kind === RWT_REGION_VIRTIO_RAM) memory.map(g.address, port); else ringMemory.map(g.address, port);
  }
  const f = virtqFeatures(/^0x[0-9a-f]{1,16}$/i.test(setup.features) ? BigInt(setup.features) : 0n);
  const common = { memory, ringMemory, size: setup.size, eventIdx: f.eventIdx, indirect: true, queueIndex: setup.queue };
  return setup.layout === 'split'
    ? new SplitRing({ ...common, desc: gpaOf(setup.desc, 'desc', i.id), avail: gpaOf(setup.avail, 'avail', i.id), used: gpaOf(setup.used, 'used', i.id), byteOrder: setup.byte_order === 'big' ? 'big' : 'little', legacy: true })
    : new PackedRing({ ...common, desc: gpaOf(setup.desc, 'desc', i.id), driverEvent: gpaOf(setup.driver_event, 'driver_event', i.id), deviceEvent: gpaOf(setup.device_event, 'device_event', i.id) });
}

/**
 * Every captured virtqueue of a trace (interfaces with a virtio setup and a `capture` annotation), each as a
 * SplitRing or PackedRing: areas from its virtio-desc/-driver/-device regions, indirect tables from its
 * virtio-ram regions; buffers were not captured, so walks should treat them as not checked.
 */
export function capturedQueues(records: Iterable<TraceRecord>): CapturedRing[] {
  const replayer = new TraceReplayer();
  const notes = new Map<number, CaptureNotes>();
  for (const r of records) {
    replayer.apply(r);
    if (r.rec_type === RWT_ANNOTATION) {
      const a = decodeAnnotation(r.body, r);
      if (a.op === CAPTURE_OP && !notes.has(r.interface_id)) {
        const { op: _op, ...rest } = a;
        notes.set(r.interface_id, rest);
      }
    }
  }
  const out: CapturedRing[] = [];
  for (const i of replayer.interfaces) {
    const n = notes.get(i.id);
    const ring = n === undefined ? undefined : capturedRing(i);
    if (ring === undefined || n === undefined) continue;
    const tables = i.regions.filter((g) => g.kind === RWT_REGION_VIRTIO_RAM).length;
    out.push({ iface: i.id, setup: i.setup as VirtioTraceSetup, notes: n, ring, tables, regions: i.regions });
  }
  return out;
}

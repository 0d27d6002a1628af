/**
 * The trace recorder: ringwire's own rings and queues run on RingPorts made here, and every store, fence,
 * notification and annotation they make becomes one record, in the order they touched memory. Traces come out
 * of running the real state machines; nothing writes record bytes by hand.
 *
 * Each party gets its own port over the memory it shares (as each domain has its own mapping), so a record's
 * party says who acted: `recorder.port(iface, region, RWT_PARTY_FRONT, frontPort)` for the frontend or driver,
 * `RWT_PARTY_BACK` for the backend or device. Timestamps default to the sequence number (deterministic, so a
 * seeded script regenerates byte-identical fixtures); pass a clock for real time.
 */
import {
  RWT_SETUP, RWT_REGION, RWT_WRITE, RWT_BARRIER, RWT_NOTIFY, RWT_ANNOTATION, RWT_CONFIG, RWT_SNAPSHOT,
  RWT_CHECKPOINT, RWT_LOST, RWT_PARTY_NONE, RWT_BARRIER_MB,
  type TraceAnnotation, type TraceConfig, type TraceSetup,
} from '../../protocol/trace/index.js';
import type { RingPort } from '../memory/ring-port.js';
import type { ByteSink } from './byte-sink.js';
import { TraceWriter, type TraceWriterOptions } from './pcapng-writer.js';
import { ACCESS, NOTIFY } from './layouts.js';
import { encodeBarrier, encodeCheckpoint, encodeJson, encodeLost, encodeRegion, writeAccessHeader, writeNotify } from './bodies.js';
import { sha256 } from './sha256.js';
import { TraceError } from './errors.js';

export interface RegionSpec {
  /** RWT_REGION_* (protocol/trace/bodies.ts). */
  readonly kind: number;
  readonly name: string;
  /** Guest-physical address, grant reference, or 0. */
  readonly address?: number;
  /** The region's memory as it is now: its bytes become the region record's initial bytes, and checkpoints hash it. */
  readonly bytes: Uint8Array;
}

interface RegionState {
  readonly bytes: Uint8Array;
}

export class TraceRecorder {
  readonly writer: TraceWriter;
  readonly #regions: RegionState[][] = [];
  readonly #clock: (() => bigint) | undefined;
  /** One reusable body buffer (grown when a write is larger): a recorded store allocates nothing. */
  #scratch = new Uint8Array(256);
  #view = new DataView(this.#scratch.buffer);

  constructor(sink: ByteSink, options: TraceWriterOptions & { readonly clock?: () => bigint } = {}) {
    this.writer = new TraceWriter(sink, options);
    this.#clock = options.clock;
  }

  /** A ring or queue: an interface named e.g. `blkif/x86_64/order0`, and its setup record. Returns its number. */
  addInterface(name: string, setup: TraceSetup): number {
    const iface = this.writer.addInterface({ name });
    this.#regions[iface] = [];
    this.#write(iface, RWT_SETUP, RWT_PARTY_NONE, encodeJson(setup));
    return iface;
  }

  /** Declare a memory region of an interface, with its current bytes; returns its number. */
  addRegion(iface: number, spec: RegionSpec): number {
    const regions = this.#regionsOf(iface);
    const region = regions.length;
    const zero = spec.bytes.every((b) => b === 0);
    this.#write(iface, RWT_REGION, RWT_PARTY_NONE, encodeRegion({
      region, kind: spec.kind, name: spec.name, address: spec.address ?? 0, length: spec.bytes.length,
      initial: zero ? new Uint8Array(0) : spec.bytes,
    }));
    regions.push({ bytes: spec.bytes });
    return region;
  }

  /** A port for `party` over `inner` (the region's memory): every change it makes is recorded, then done. */
  port(iface: number, region: number, party: number, inner: RingPort): RingPort {
    const r = this.#regionsOf(iface)[region];
    if (r === undefined) throw new TraceError('TRACE_BAD_ARGUMENT', `Interface ${iface} has no region ${region}.`, { received: region });
    return new TracePort(this, iface, region, party, inner);
  }

  /** A xenbus or virtio configuration step by `party`. */
  config(iface: number, party: number, value: TraceConfig): void {
    this.#write(iface, RWT_CONFIG, party, encodeJson(value));
  }

  /** Label what `party` does next (ports do this when rings call annotate()). */
  annotate(iface: number, party: number, value: TraceAnnotation): void {
    this.#write(iface, RWT_ANNOTATION, party, encodeJson(value));
  }

  /** The whole of a region as it is now (for captures that see states rather than writes). */
  snapshot(iface: number, region: number, party = RWT_PARTY_NONE): void {
    const r = this.#regionsOf(iface)[region];
    if (r === undefined) throw new TraceError('TRACE_BAD_ARGUMENT', `Interface ${iface} has no region ${region}.`, { received: region });
    this.access(iface, RWT_SNAPSHOT, party, region, 0, r.bytes);
  }

  /** SHA-256 of every region of the interface, so a replay can tell where it diverged. */
  checkpoint(iface: number): void {
    const entries = this.#regionsOf(iface).map((r, region) => ({ region, sha256: sha256(r.bytes) }));
    this.#write(iface, RWT_CHECKPOINT, RWT_PARTY_NONE, encodeCheckpoint(entries));
  }

  /** `count` records were dropped here. */
  lost(iface: number, count: number): void {
    this.#write(iface, RWT_LOST, RWT_PARTY_NONE, encodeLost(count));
  }

  /** Checkpoint every interface, write their end records, and close the trace. */
  close(): void {
    for (let iface = 0; iface < this.#regions.length; iface++) this.checkpoint(iface);
    this.writer.close(this.#clock?.());
  }

  /** @internal A write, read or snapshot record of `bytes` at `offset` of a region. */
  access(iface: number, type: number, party: number, region: number, offset: number, bytes: Uint8Array): void {
    const size = ACCESS.sizeof + bytes.length;
    this.#ensure(size);
    writeAccessHeader(this.#view, region, offset, bytes.length);
    this.#scratch.set(bytes, ACCESS.sizeof);
    this.#write(iface, type, party, this.#scratch.subarray(0, size));
  }

  /** @internal A store of `size` bytes of `value` (little-endian unless told) at `offset`. */
  store(iface: number, party: number, region: number, offset: number, size: 1 | 2 | 4 | 8, value: number | bigint, littleEndian: boolean): void {
    this.#ensure(ACCESS.sizeof + size);
    const v = this.#view;
    writeAccessHeader(v, region, offset, size);
    const at = ACCESS.sizeof;
    switch (size) {
      case 1: v.setUint8(at, Number(value)); break;
      case 2: v.setUint16(at, Number(value), littleEndian); break;
      case 4: v.setUint32(at, Number(value) >>> 0, littleEndian); break;
      case 8: v.setBigUint64(at, BigInt(value), littleEndian); break;
    }
    this.#write(iface, RWT_WRITE, party, this.#scratch.subarray(0, at + size));
  }

  /** @internal */
  notify(iface: number, party: number, channel: number, data: number | undefined): void {
    this.#ensure(NOTIFY.sizeof);
    writeNotify(this.#view, channel, data);
    this.#write(iface, RWT_NOTIFY, party, this.#scratch.subarray(0, NOTIFY.sizeof));
  }

  /** @internal */
  barrier(iface: number, party: number, kind = RWT_BARRIER_MB): void {
    this.#write(iface, RWT_BARRIER, party, encodeBarrier(kind));
  }

  #regionsOf(iface: number): RegionState[] {
    const r = this.#regions[iface];
    if (r === undefined) throw new TraceError('TRACE_BAD_ARGUMENT', `No interface ${iface}.`, { received: iface });
    return r;
  }

  #ensure(size: number): void {
    if (size <= this.#scratch.length) return;
    let cap = this.#scratch.length;
    while (cap < size) cap *= 2;
    this.#scratch = new Uint8Array(cap);
    this.#view = new DataView(this.#scratch.buffer);
  }

  #write(iface: number, type: number, party: number, body: Uint8Array): void {
    const timestamp = this.#clock?.();
    this.writer.write(iface, timestamp === undefined ? { rec_type: type, party, body } : { rec_type: type, party, body, timestamp });
  }
}

/** A RingPort that records each change to one region by one party, then makes it. */
class TracePort implements RingPort {
  constructor(
    private readonly rec: TraceRecorder, private readonly iface: number, private readonly region: number,
    private readonly party: number, private readonly inner: RingPort,
  ) {}

  get bytes(): Uint8Array { return this.inner.bytes; }
  get view(): DataView { return this.inner.view; }
  get shared(): boolean { return this.inner.shared; }

  loadIndex32(offset: number): number { return this.inner.loadIndex32(offset); }
  loadIndex16(offset: number): number { return this.inner.loadIndex16(offset); }
  // Index words are stored little-endian by every port (RingPort's host-order Atomics on a little-endian host).
  storeIndex32(offset: number, value: number): void {
    this.inner.storeIndex32(offset, value);
    this.rec.store(this.iface, this.party, this.region, offset, 4, value >>> 0, true);
  }
  storeIndex16(offset: number, value: number): void {
    this.inner.storeIndex16(offset, value);
    this.rec.store(this.iface, this.party, this.region, offset, 2, value & 0xffff, true);
  }
  write(offset: number, src: Uint8Array): void {
    this.inner.write(offset, src);
    this.rec.access(this.iface, RWT_WRITE, this.party, this.region, offset, src);
  }
  writeU8(offset: number, value: number): void {
    this.inner.writeU8(offset, value);
    this.rec.store(this.iface, this.party, this.region, offset, 1, value & 0xff, true);
  }
  writeU16(offset: number, value: number, littleEndian: boolean): void {
    this.inner.writeU16(offset, value, littleEndian);
    this.rec.store(this.iface, this.party, this.region, offset, 2, value & 0xffff, littleEndian);
  }
  writeU32(offset: number, value: number, littleEndian: boolean): void {
    this.inner.writeU32(offset, value, littleEndian);
    this.rec.store(this.iface, this.party, this.region, offset, 4, value, littleEndian);
  }
  writeU64(offset: number, value: bigint, littleEndian: boolean): void {
    this.inner.writeU64(offset, value, littleEndian);
    this.rec.store(this.iface, this.party, this.region, offset, 8, value, littleEndian);
  }
  fill(offset: number, length: number, value: number): void {
    this.inner.fill(offset, length, value);
    this.rec.access(this.iface, RWT_WRITE, this.party, this.region, offset, this.inner.bytes.subarray(offset, offset + length));
  }
  fence(): void {
    this.inner.fence();
    this.rec.barrier(this.iface, this.party);
  }
  notify(channel: number, data?: number): void {
    this.rec.notify(this.iface, this.party, channel, data);
    this.inner.notify(channel, data);
  }
  annotate(op: string, args?: Readonly<Record<string, string | number | boolean>>): void {
    this.rec.annotate(this.iface, this.party, args === undefined ? { op } : { ...args, op });
    this.inner.annotate?.(op, args);
  }
}

/**
 * What the checker knows about one virtqueue as a trace goes by: the buffers the driver made available and
 * the device has not used (by split head or packed buffer id, with the bytes the device may write), the
 * ids used since they were last made available, and the notification suppression words as last stored
 * (split: avail.flags, used.flags, used_event, avail_event; packed: both event suppression structures),
 * whether the driver has reset the queue (VIRTIO_F_RING_RESET, §2.6.1) and not re-enabled it yet, and the
 * setup the queue had before a later setup record replaced it. Rules read it; the checker updates it after
 * the rules have seen each event.
 */
import type { VirtioTraceSetup } from '../../protocol/trace/index.js';
import type { TraceEvent } from '../trace/event.js';
import { virtqFeatures } from '../virtio/features.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_WRITE } from '../virtio/flags.js';
import type { RecordPlace } from './finding.js';
import { layoutOf } from '../layout/compile.js';

export interface AvailableBuffer {
  /** Bytes the device may write: the len of every device-writable descriptor of the chain. */
  readonly writable: number;
  /** The chain's device-readable buffers, as [guest address, length] pairs. */
  readonly readable: readonly (readonly [number, number])[];
  /** Ring descriptors the chain occupies (packed: the positions its used descriptor skips, §2.8.6). */
  readonly ringCount: number;
  readonly place: RecordPlace;
}

/** What a queue looked like before a later setup record for the same interface replaced it. */
export interface PriorSetup {
  readonly setup: VirtioTraceSetup;
  /** The driver had reset the queue (and not re-enabled it) when the new setup came. */
  readonly reset: boolean;
}

/** Annotation ops (the driver's own words, src/virtio/*-driver.ts after Linux) that reset and re-enable a queue. */
export const QUEUE_RESET_OP = 'virtqueue_reset';
export const QUEUE_REINIT_OPS: ReadonlySet<string> = new Set(['virtqueue_reinit_split', 'virtqueue_reinit_packed']);

export class VirtqState {
  readonly layout: 'split' | 'packed';
  readonly size: number;
  readonly eventIdx: boolean;
  readonly inOrder: boolean;
  readonly ringReset: boolean;
  readonly setup: VirtioTraceSetup;
  /** The setup this one replaced (a second setup record for the interface), if any. */
  readonly prior: PriorSetup | undefined;
  /** Between the driver's queue reset and its re-enable (§2.6.1). */
  reset: boolean;
  /** Made available, not yet used. */
  readonly outstanding = new Map<number, AvailableBuffer>();
  /** Used, and not made available again since. */
  readonly retired = new Set<number>();
  /** Guest address and byte length of the split descriptor table (the device never writes it), when known. */
  readonly descTable: readonly [number, number] | undefined;
  availFlags = 0;
  usedFlags = 0;
  usedEvent = 0;
  availEvent = 0;
  /** A party stored used_event / avail_event (split), whether or not EVENT_IDX was negotiated. */
  usedEventSeen = false;
  availEventSeen = false;
  /** Packed event suppression structures (§2.8.10): driver (read by the device) and device (read by the driver). */
  driverEventFlags = 0;
  driverEventOffWrap = 0;
  deviceEventFlags = 0;
  deviceEventOffWrap = 0;

  constructor(setup: VirtioTraceSetup, previous?: VirtqState) {
    this.setup = setup;
    this.prior = previous === undefined ? undefined : { setup: previous.setup, reset: previous.reset };
    this.reset = previous?.reset ?? false;
    this.layout = setup.layout === 'packed' ? 'packed' : 'split';
    this.size = setup.size;
    const desc = /^0x[0-9a-f]{1,13}$/i.test(setup.desc) ? Number(setup.desc) : undefined;
    this.descTable = this.layout === 'split' && desc !== undefined ? [desc, SPLIT_DESC_BYTES * setup.size] : undefined;
    const f = virtqFeatures(/^0x[0-9a-f]{1,16}$/i.test(setup.features) ? BigInt(setup.features) : 0n);
    this.eventIdx = f.eventIdx;
    this.inOrder = f.inOrder === true;
    this.ringReset = f.ringReset === true;
  }

  /** Ring descriptors the buffers a used event returns occupied (at least 1: the used descriptor itself). */
  usedRingCount(e: TraceEvent): number {
    let n = 0;
    for (const id of this.usedIds(e)) n += this.outstanding.get(id)?.ringCount ?? 1;
    return Math.max(n, 1);
  }

  /** The id a buffer is known by: the head descriptor (split) or the buffer id (packed). */
  bufferId(e: TraceEvent): number | undefined {
    const v = this.layout === 'split' && e.kind === 'available' ? e['head'] : e['id'];
    return typeof v === 'number' ? v : undefined;
  }

  /** The ids a used event retires: its batch (VIRTIO_F_IN_ORDER) or its id. */
  usedIds(e: TraceEvent): readonly number[] {
    const batch = e['batch'];
    if (Array.isArray(batch) && batch.length > 0) return batch as number[];
    const id = this.bufferId(e);
    return id === undefined ? [] : [id];
  }

  update(e: TraceEvent, place: RecordPlace): void {
    switch (e.kind) {
      case 'available': {
        const id = this.bufferId(e);
        if (id === undefined || e['error'] !== undefined) return;
        this.outstanding.set(id, { writable: writableBytes(e), readable: readableBuffers(e), ringCount: ringDescriptors(e), place });
        this.retired.delete(id);
        return;
      }
      case 'used':
        for (const id of this.usedIds(e)) {
          this.outstanding.delete(id);
          if (id < this.size) this.retired.add(id);
        }
        return;
      case 'avail-flags': this.availFlags = e['flags'] as number; return;
      case 'used-flags': this.usedFlags = e['flags'] as number; return;
      // used_event is the driver's word and avail_event the device's (§2.7.7, §2.7.10).
      case 'used-event': this.usedEvent = e['used_event'] as number; if (e.party === 'front') this.usedEventSeen = true; return;
      case 'avail-event': this.availEvent = e['avail_event'] as number; if (e.party === 'back') this.availEventSeen = true; return;
      case 'driver-event':
        if (typeof e['flags'] === 'number') this.driverEventFlags = e['flags'];
        if (typeof e['off_wrap'] === 'number') this.driverEventOffWrap = e['off_wrap'];
        return;
      case 'device-event':
        if (typeof e['flags'] === 'number') this.deviceEventFlags = e['flags'];
        if (typeof e['off_wrap'] === 'number') this.deviceEventOffWrap = e['off_wrap'];
        return;
      case 'annotation':
        if (e.party === 'front' && e['op'] === QUEUE_RESET_OP) this.reset = true;
        else if (e.party === 'front' && typeof e['op'] === 'string' && QUEUE_REINIT_OPS.has(e['op'])) {
          this.reset = false;
          this.outstanding.clear();
          this.retired.clear();
        }
        return;
      default:
    }
  }
}

/** sizeof(struct vring_desc). */
const SPLIT_DESC_BYTES = layoutOf('vring_desc').size;

/** A chain's device-readable buffers (an indirect descriptor itself holds no buffer). */
function readableBuffers(e: TraceEvent): [number, number][] {
  const descs = e['descs'];
  if (!Array.isArray(descs)) return [];
  const out: [number, number][] = [];
  for (const d of descs as { flags?: unknown; len?: unknown; addr?: unknown }[]) {
    const f = typeof d.flags === 'number' ? d.flags : 0;
    const addr = typeof d.addr === 'string' ? Number(d.addr) : NaN;
    if ((f & (VRING_DESC_F_WRITE | VRING_DESC_F_INDIRECT)) === 0 && typeof d.len === 'number' && Number.isSafeInteger(addr)) out.push([addr, d.len]);
  }
  return out;
}

/** The ring descriptors of a chain (entries of an indirect table are not in the ring). */
function ringDescriptors(e: TraceEvent): number {
  const descs = e['descs'];
  if (!Array.isArray(descs)) return 1;
  return Math.max(1, (descs as { indirect?: unknown }[]).filter((d) => d.indirect !== true).length);
}

/** The bytes of a chain's device-writable descriptors (an indirect descriptor itself holds no buffer). */
function writableBytes(e: TraceEvent): number {
  const descs = e['descs'];
  if (!Array.isArray(descs)) return 0;
  let n = 0;
  for (const d of descs as { flags?: unknown; len?: unknown }[]) {
    const f = typeof d.flags === 'number' ? d.flags : 0;
    if ((f & VRING_DESC_F_WRITE) !== 0 && (f & VRING_DESC_F_INDIRECT) === 0 && typeof d.len === 'number') n += d.len;
  }
  return n;
}

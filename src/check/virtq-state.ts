/**
 * What the checker knows about one virtqueue as a trace goes by: the buffers the driver made available and
 * the device has not used (by split head or packed buffer id, with the bytes the device may write), the
 * ids used since they were last made available, and the notification suppression words as last stored
 * (split: avail.flags, used.flags, used_event, avail_event). Rules read it; the checker updates it after the
 * rules have seen each event.
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
  readonly place: RecordPlace;
}

export class VirtqState {
  readonly layout: 'split' | 'packed';
  readonly size: number;
  readonly eventIdx: boolean;
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

  constructor(setup: VirtioTraceSetup) {
    this.layout = setup.layout === 'packed' ? 'packed' : 'split';
    this.size = setup.size;
    const desc = /^0x[0-9a-f]{1,13}$/i.test(setup.desc) ? Number(setup.desc) : undefined;
    this.descTable = this.layout === 'split' && desc !== undefined ? [desc, SPLIT_DESC_BYTES * setup.size] : undefined;
    this.eventIdx = virtqFeatures(/^0x[0-9a-f]{1,16}$/i.test(setup.features) ? BigInt(setup.features) : 0n).eventIdx === true;
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
        this.outstanding.set(id, { writable: writableBytes(e), readable: readableBuffers(e), place });
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
      case 'used-event': this.usedEvent = e['used_event'] as number; return;
      case 'avail-event': this.availEvent = e['avail_event'] as number; return;
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

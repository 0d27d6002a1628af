/**
 * The replayer: applies a trace's records to fresh memory, interface by interface — region records allocate
 * and fill each region, write and snapshot records change it — and verifies every checkpoint against the
 * replayed bytes (TRACE_CHECKPOINT names the region and the record). Event decoders read the replayed
 * memory to say what each write meant. Every offset and length is checked before it is used; a region's size
 * is checked against a limit before it is allocated.
 */
import {
  RWT_SETUP, RWT_REGION, RWT_WRITE, RWT_SNAPSHOT, RWT_CHECKPOINT, RWT_END, type TraceSetup,
} from '../../protocol/trace/index.js';
import type { TraceRecord } from './trace-record.js';
import { AccessBody, decodeAccess, decodeCheckpoint, decodeRegion, decodeSetup } from './bodies.js';
import { sha256 } from './sha256.js';
import { TraceError } from './errors.js';

export interface ReplayRegion {
  readonly region: number;
  readonly kind: number;
  readonly name: string;
  readonly address: number;
  /** The replayed memory. */
  readonly bytes: Uint8Array;
}

export interface ReplayInterface {
  readonly id: number;
  setup: TraceSetup | undefined;
  readonly regions: ReplayRegion[];
  ended: boolean;
}

export interface ReplayerOptions {
  /** Largest region a trace may declare (default 256 MiB); a larger one is TRACE_TOO_LARGE before allocating. */
  readonly maxRegionBytes?: number;
}

export class TraceReplayer {
  readonly interfaces: ReplayInterface[] = [];
  readonly #maxRegion: number;
  readonly #access = new AccessBody();
  readonly #digest = new Uint8Array(32);

  constructor(options: ReplayerOptions = {}) {
    this.#maxRegion = options.maxRegionBytes ?? 256 * 1024 * 1024;
  }

  /** The interface a record belongs to (made on first sight). */
  interface(id: number): ReplayInterface {
    let i = this.interfaces[id];
    if (i === undefined) {
      i = { id, setup: undefined, regions: [], ended: false };
      this.interfaces[id] = i;
    }
    return i;
  }

  /** Apply one record. For a write or snapshot, returns the access (valid until the next call); else undefined. */
  apply(r: TraceRecord): AccessBody | undefined {
    const iface = this.interface(r.interface_id);
    const body = r.body;
    switch (r.rec_type) {
      case RWT_SETUP:
        iface.setup = decodeSetup(body, r);
        return undefined;
      case RWT_REGION: {
        const d = decodeRegion(body, r);
        if (d.region !== iface.regions.length) {
          throw new TraceError('TRACE_BAD_RECORD', `Region record declares region ${d.region}; interface ${iface.id} has ${iface.regions.length} so far.`, { offset: r.offset, record: r.packet, expected: iface.regions.length, received: d.region });
        }
        if (d.length > this.#maxRegion) {
          throw new TraceError('TRACE_TOO_LARGE', `Region ${d.region} of ${d.length} bytes is above the limit of ${this.#maxRegion}.`, { offset: r.offset, record: r.packet, expected: this.#maxRegion, received: d.length });
        }
        const bytes = new Uint8Array(d.length);
        bytes.set(d.initial);
        iface.regions.push({ region: d.region, kind: d.kind, name: d.name, address: d.address, bytes });
        return undefined;
      }
      case RWT_WRITE:
      case RWT_SNAPSHOT: {
        const a = decodeAccess(body, this.#access, r, r.rec_type === RWT_WRITE ? 'write' : 'snapshot');
        const region = iface.regions[a.region];
        if (region === undefined || a.offset + a.bytes.length > region.bytes.length) {
          throw new TraceError('TRACE_BAD_RECORD', region === undefined
            ? `A write to region ${a.region}, which interface ${iface.id} never declared.`
            : `A write of ${a.bytes.length} bytes at ${a.offset} runs past region ${a.region}'s ${region.bytes.length} bytes.`, { offset: r.offset, record: r.packet, received: a.region });
        }
        region.bytes.set(a.bytes, a.offset);
        return a;
      }
      case RWT_CHECKPOINT:
        for (const e of decodeCheckpoint(body, r)) {
          const region = iface.regions[e.region];
          if (region === undefined) {
            throw new TraceError('TRACE_BAD_RECORD', `A checkpoint of region ${e.region}, which interface ${iface.id} never declared.`, { offset: r.offset, record: r.packet, received: e.region });
          }
          const got = sha256(region.bytes, this.#digest);
          if (!got.every((b, k) => b === e.sha256[k])) {
            throw new TraceError('TRACE_CHECKPOINT', `Replayed region ${e.region} (${region.name}) of interface ${iface.id} differs from the checkpoint at seq ${r.seq}.`, {
              offset: r.offset, record: r.packet, path: region.name, expected: hex(e.sha256), received: hex(got),
            });
          }
        }
        return undefined;
      case RWT_END:
        iface.ended = true;
        return undefined;
      default:
        return undefined;
    }
  }
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

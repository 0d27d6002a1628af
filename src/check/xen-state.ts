/**
 * What the checker knows about one Xen ring as a trace goes by: the producer indices as last stored, the
 * next index each consumer will copy (from RING_COPY_REQUEST / RING_COPY_RESPONSE: req_cons and rsp_cons are
 * private to each end, never in shared memory), whether the ring has started carrying records, and for
 * blkif the requests outstanding by id. The event indices are read from the replayed ring page when a rule
 * asks, so a rule sees what a push would have read right after its store. Rules read it; the checker
 * updates it after the rules have seen each event.
 */
import { RING_IDX_HALF } from '../xen/ring-index.js';
import { xenConstant } from '../xen/xen-constants.js';
import { RWT_REGION_XEN_RING, type XenTraceSetup } from '../../protocol/trace/index.js';
import type { TraceEvent } from '../trace/event.js';
import type { ReplayInterface } from '../trace/replayer.js';
import { ringType, type XenRingName, type XenRingType } from '../xen/ring-type.js';
import type { RecordPlace } from './finding.js';
import { codecFor, type StructCodec } from '../codec/codec.js';

/** A request still waiting for its response (blkif): what the response must echo. */
export interface OutstandingRequest {
  readonly operation: number;
  readonly indirect_op: number | undefined;
  readonly place: RecordPlace;
  /** Requests outstanding under this id (more than 1 only after a frontend reused it). */
  count: number;
}

/** A store to req_prod or rsp_prod, as an event says it: the word, the value stored and the one before. */
export interface ProdStore {
  readonly name: 'req_prod' | 'rsp_prod';
  readonly value: number;
  readonly old: number;
  /** The decoder took it for a publication of 1..RING_SIZE records. */
  readonly published: boolean;
}

/** xen/io/xenbus.h XenbusStateConnected (declared in protocol/xen/xenbus.ts, checked by the C oracle). */
const XENBUS_STATE_CONNECTED = xenConstant('XenbusStateConnected');

/** Backend keys kept at most (a trace writing keys without end must not grow the map without bound). */
const MAX_BACKEND_KEYS = 256;

function backendKeyCount(keys: ReadonlyMap<string, string>): boolean {
  return keys.size < MAX_BACKEND_KEYS;
}

/** Half the RING_IDX space: a difference at or above it is a move backwards (src/xen/ring-index.ts). */
export const IDX_HALF = RING_IDX_HALF;

export class XenRingState {
  readonly ring: string;
  readonly type: XenRingType;
  /** RING_SIZE. */
  readonly nrEnts: number;
  reqProd = 0;
  rspProd = 0;
  /** The next request the backend has not copied, the next response the frontend has not copied. */
  reqCons = 0;
  rspCons = 0;
  /** Set at the first publication (a store that only sets an index, as SHARED_RING_INIT, is not one). */
  inUse = false;
  /** The backend reached XenbusStateConnected in the trace: its feature keys are then what it offers. */
  backendConnected = false;
  /** What the backend wrote to xenstore, by the key's last component (`feature-discard` -> `1`). */
  readonly backendKeys = new Map<string, string>();
  /** What the frontend wrote to xenstore, by the key's last component (`ring-page-order` -> `2`). */
  readonly frontendKeys = new Map<string, string>();
  /** Each end's xenbus state as its last state record left it; absent until the trace records one. */
  readonly xenbus: { frontend?: number; backend?: number } = {};
  /** blkif: outstanding requests by id (a decimal string, as decoded). */
  readonly outstanding = new Map<string, OutstandingRequest>();
  /** blkif: struct blkif_request, to read a request whose operation names no variant. */
  readonly requestAsBase: StructCodec | undefined;
  readonly #iface: ReplayInterface;
  readonly #minBytes: number;
  #view: DataView | undefined;

  constructor(setup: XenTraceSetup, iface: ReplayInterface) {
    this.type = ringType(setup.ring as XenRingName, { abi: setup.abi });
    this.ring = this.type.name;
    this.nrEnts = this.type.nrEnts(setup.order);
    this.#iface = iface;
    this.#minBytes = this.type.ringBytes(setup.order);
    this.requestAsBase = this.ring === 'blkif' ? codecFor('blkif_request', { abi: this.type.abi }) : undefined;
  }

  /** The replayed ring page(s), once the region is declared. */
  #ringView(): DataView | undefined {
    if (this.#view !== undefined) return this.#view;
    const g = this.#iface.regions.find((r) => r.kind === RWT_REGION_XEN_RING && r.bytes.length >= this.#minBytes);
    if (g !== undefined) this.#view = new DataView(g.bytes.buffer, g.bytes.byteOffset, g.bytes.byteLength);
    return this.#view;
  }

  /** sring->req_event as the replayed memory holds it now. */
  reqEvent(): number {
    return this.#ringView()?.getUint32(this.type.header.reqEvent, true) ?? 0;
  }

  /** sring->rsp_event as the replayed memory holds it now. */
  rspEvent(): number {
    return this.#ringView()?.getUint32(this.type.header.rspEvent, true) ?? 0;
  }

  /** The bytes of the slot holding ring index `index` in the replayed memory now (a live view), once the region is declared. */
  slotBytes(index: number): Uint8Array | undefined {
    const v = this.#ringView();
    if (v === undefined) return undefined;
    const at = v.byteOffset + this.type.header.ring + (index & (this.nrEnts - 1)) * this.type.entrySize;
    return new Uint8Array(v.buffer, at, this.type.entrySize);
  }

  /** The producer-index store an event reports, or undefined. */
  prodStore(e: TraceEvent): ProdStore | undefined {
    const req = e['req_prod'];
    const rsp = e['rsp_prod'];
    const published = e.kind === 'requests-published' || e.kind === 'responses-published';
    if (!published && e.kind !== 'index-set') return undefined;
    if (typeof req === 'number') return { name: 'req_prod', value: req, old: this.reqProd, published };
    if (typeof rsp === 'number') return { name: 'rsp_prod', value: rsp, old: this.rspProd, published };
    return undefined;
  }

  /** Take in an event after the rules have seen it. */
  update(e: TraceEvent, place: RecordPlace): void {
    const store = this.prodStore(e);
    if (store !== undefined) {
      if (store.name === 'req_prod') this.reqProd = store.value; else this.rspProd = store.value;
      if (store.published) this.inUse = true;
      else if (!this.inUse) {
        // An index set before the ring carries records (SHARED_RING_INIT, a start near 2^32): consumers start there.
        if (store.name === 'req_prod') this.reqCons = store.value; else this.rspCons = store.value;
      }
      if (this.ring === 'blkif') this.#blkif(e, place);
      return;
    }
    const end = e['end'];
    if (end === 'backend' || end === 'frontend') {
      if (e.kind === 'xenbus-state' && typeof e['to'] === 'number') {
        this.xenbus[end] = e['to'];
        if (end === 'backend' && e['to'] === XENBUS_STATE_CONNECTED) this.backendConnected = true;
      }
      const keys = end === 'backend' ? this.backendKeys : this.frontendKeys;
      if (e.kind === 'xenstore-write' && typeof e['xenstore'] === 'string' && backendKeyCount(keys)) {
        keys.set(e['xenstore'].slice(e['xenstore'].lastIndexOf('/') + 1), String(e['value']));
      }
      return;
    }
    const idx = e['idx'];
    if (typeof idx !== 'number') return;
    if (e.kind === 'request-consumed') this.reqCons = (idx + 1) >>> 0;
    else if (e.kind === 'response-consumed') this.rspCons = (idx + 1) >>> 0;
  }

  #blkif(e: TraceEvent, place: RecordPlace): void {
    for (const r of publishedRecords(e, 'requests', this.requestAsBase)) {
      if (typeof r['id'] !== 'string') continue;
      const op = r['operation'];
      const ind = r['indirect_op'];
      const earlier = this.outstanding.get(r['id']);
      if (earlier !== undefined) earlier.count++;
      else this.outstanding.set(r['id'], { operation: typeof op === 'number' ? op : -1, indirect_op: typeof ind === 'number' ? ind : undefined, place, count: 1 });
    }
    // A frontend that overruns the ring again and again (each time reported) must not grow this without
    // bound: more than the ring can hold twice over, the oldest are forgotten (a Map iterates oldest first).
    for (const id of this.outstanding.keys()) {
      if (this.outstanding.size <= 2 * this.nrEnts) break;
      this.outstanding.delete(id);
    }
    for (const r of publishedRecords(e, 'responses')) {
      const o = typeof r['id'] === 'string' ? this.outstanding.get(r['id']) : undefined;
      if (o !== undefined && --o.count === 0) this.outstanding.delete(r['id'] as string);
    }
  }
}

/**
 * The decoded records of a requests-/responses-published event, with their ring index. A slot the decoder
 * could not name a struct for (a blkif operation no variant has) comes as raw hex: `rawAs` reads it as the
 * ring's base struct, so its common members (operation, id) can still be judged.
 */
export function publishedRecords(e: TraceEvent, side: 'requests' | 'responses', rawAs?: StructCodec): (Record<string, unknown> & { readonly index: number })[] {
  const slots = e[side];
  if (!Array.isArray(slots)) return [];
  const out: (Record<string, unknown> & { index: number })[] = [];
  for (const s of slots as { index?: unknown; record?: unknown; raw?: unknown }[]) {
    if (typeof s.index !== 'number') continue;
    if (s.record !== null && typeof s.record === 'object') out.push({ ...(s.record as Record<string, unknown>), index: s.index });
    else if (rawAs !== undefined && typeof s.raw === 'string' && s.raw.length >= 2 * rawAs.size) out.push({ ...jsonRecord(rawAs.decode(hexBytes(s.raw, rawAs.size))), index: s.index });
  }
  return out;
}

function hexBytes(hex: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A decoded record with 64-bit members as decimal strings, as the trace decoder's events carry them. */
function jsonRecord(r: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;
}

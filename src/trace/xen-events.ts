/**
 * Xen ring events from trace records: what each record of a `transport: 'xen'` interface meant, read off the
 * replayed ring memory with the ring type of the setup record (ringType(setup.ring, { abi })).
 *
 *   a store to sring->req_prod / rsp_prod   `front published requests 12..14`, each request decoded as the
 *                                          struct its operation names (netif: with its extra-info slots);
 *                                          `back published responses 7..8`, each response decoded
 *   a store to req_event / rsp_event        `back set req_event 13` (RING_FINAL_CHECK_FOR_*)
 *   a store to a slot                       `front wrote request 12 (slot 12)`
 *   RING_COPY_REQUEST / _RESPONSE {idx}     `back consumed request 12` (req_cons / rsp_cons are private: these
 *                                          annotations are the only trace of consumption); a second copy of
 *                                          an index already consumed is `back re-read request 12`
 *   other ring.h macro annotations          `front RING_PUSH_REQUESTS_AND_CHECK_NOTIFY`
 *   notify                                  `notify front->back port 3`
 *   config                                  `xenbus: backend state InitWait -> Connected`,
 *                                          `xenbus: frontend wrote device/vbd/768/ring-ref = 8`
 *   a write to a granted page               `back wrote 512 bytes at 0 of grant 100`
 *
 * The header words' offsets come from the ring type's header (protocol/xen/ring.ts), never literals. A store
 * that moves a producer index by 0 or by more than the ring holds (an index set up, as at a start near 2^32)
 * is `front set req_prod N`. Whether the party that wrote a word may write it is the checker's business, not
 * the decoder's: it says what is there.
 */
import {
  RWT_ANNOTATION, RWT_CONFIG, RWT_NOTIFY, RWT_REGION, RWT_SNAPSHOT, RWT_WRITE, RWT_REGION_XEN_GRANT, RWT_REGION_XEN_RING,
} from '../../protocol/trace/index.js';
import { xenbusStateNames } from '../../protocol/index.js';
import type { TraceRecord } from './trace-record.js';
import type { AccessBody } from './bodies.js';
import { decodeAnnotation, decodeConfig, decodeNotify } from './bodies.js';
import type { ReplayInterface } from './replayer.js';
import { partyWord, type PartyWord, type TraceEvent, type TransportDecoderFactory, type TransportEventDecoder } from './event.js';
import { ringType, type XenRingName, type XenRingType } from '../xen/ring-type.js';
import { decodeRingSlots, type RingImageSlot } from '../xen/ring-image.js';
import { idxSub, RING_IDX_HALF } from '../xen/ring-index.js';

/** Makes the decoder of a Xen interface; undefined for another transport or a ring ringwire does not know. */
export const xenEventDecoder: TransportDecoderFactory = (setup) => {
  if (setup.transport !== 'xen') return undefined;
  try {
    const type = ringType(setup.ring as XenRingName, { abi: setup.abi });
    type.ringBytes(setup.order); // an order out of range is refused here
    return new XenEventDecoder(setup.order, type);
  } catch {
    return undefined; // record-level events only
  }
};

/** One decoded slot in an event: where it is and what it holds, by C member names. */
export type XenSlotEvent = Pick<RingImageSlot, 'index' | 'slot' | 'struct' | 'variant' | 'record' | 'raw'>;

const endWord: Readonly<Record<PartyWord, string>> = { none: 'toolstack', front: 'frontend', back: 'backend' };

class XenEventDecoder implements TransportEventDecoder {
  readonly #type: XenRingType;
  readonly #order: number;
  readonly #nrEnts: number;
  readonly #words: readonly { readonly name: 'req_prod' | 'req_event' | 'rsp_prod' | 'rsp_event'; readonly offset: number }[];
  /** The region holding the ring pages (the interface's first xen-ring region big enough for the ring). */
  #ring: number | undefined;
  #view: DataView | undefined;
  /** The producer indices as last published, and the next index each consumer has not copied yet. */
  #reqProd = 0;
  #rspProd = 0;
  #reqCons = 0;
  #rspCons = 0;

  constructor(order: number, type: XenRingType) {
    this.#type = type;
    this.#order = order;
    this.#nrEnts = type.nrEnts(order);
    const h = type.header;
    this.#words = [
      { name: 'req_prod', offset: h.reqProd }, { name: 'req_event', offset: h.reqEvent },
      { name: 'rsp_prod', offset: h.rspProd }, { name: 'rsp_event', offset: h.rspEvent },
    ];
  }

  decode(r: TraceRecord, state: ReplayInterface, access: AccessBody | undefined): readonly TraceEvent[] {
    const party = partyWord(r.party);
    const base = { seq: r.seq, iface: r.interface_id, party };
    switch (r.rec_type) {
      case RWT_REGION: this.#region(state); return [];
      case RWT_WRITE: return access === undefined ? [] : this.#write(base, state, access);
      case RWT_SNAPSHOT: return access !== undefined && access.region === this.#ring ? this.#snapshot(base) : [];
      case RWT_ANNOTATION: return this.#annotation(base, r);
      case RWT_NOTIFY: {
        const n = decodeNotify(r.body, r);
        const dir = party === 'front' ? 'front->back ' : party === 'back' ? 'back->front ' : '';
        return [{ ...base, kind: 'notify', port: n.channel, text: `notify ${dir}port ${n.channel}` }];
      }
      case RWT_CONFIG: return this.#config(base, r);
      default: return [];
    }
  }

  #region(state: ReplayInterface): void {
    const g = state.regions[state.regions.length - 1];
    if (this.#ring !== undefined || g === undefined || g.kind !== RWT_REGION_XEN_RING || g.bytes.length < this.#type.ringBytes(this.#order)) return;
    this.#ring = g.region;
    this.#view = new DataView(g.bytes.buffer, g.bytes.byteOffset, g.bytes.byteLength);
    this.#sync();
  }

  /** Take the producer indices from memory (a fresh region, a snapshot); consumers start there. */
  #sync(): void {
    const v = this.#view as DataView;
    this.#reqProd = this.#reqCons = v.getUint32(this.#type.header.reqProd, true);
    this.#rspProd = this.#rspCons = v.getUint32(this.#type.header.rspProd, true);
  }

  #write(base: Base, state: ReplayInterface, a: AccessBody): TraceEvent[] {
    const g = state.regions[a.region];
    if (a.region !== this.#ring) {
      if (g === undefined) return [];
      const where = g.kind === RWT_REGION_XEN_GRANT ? `grant ${g.address}` : `region ${g.name}`;
      return [{
        ...base, kind: 'data-write', region: a.region, ...(g.kind === RWT_REGION_XEN_GRANT ? { gref: g.address } : {}), offset: a.offset, length: a.bytes.length,
        text: `${base.party} wrote ${a.bytes.length} bytes at ${a.offset} of ${where}`,
      }];
    }
    const h = this.#type.header;
    const end = a.offset + a.bytes.length;
    const out: TraceEvent[] = [];
    if (a.offset < h.ring) {
      let words = 0;
      for (const w of this.#words) {
        if (a.offset <= w.offset && w.offset + 4 <= end) { out.push(this.#word(base, w.name, w.offset)); words += 4; }
      }
      if (words < Math.min(end, h.ring) - a.offset) out.push(this.#headerBytes(base, a.offset, Math.min(end, h.ring)));
    }
    if (end > h.ring) out.push(this.#slotWrite(base, Math.max(a.offset, h.ring)));
    return out;
  }

  /** A store to one of the four index words. */
  #word(base: Base, name: 'req_prod' | 'req_event' | 'rsp_prod' | 'rsp_event', offset: number): TraceEvent {
    const value = (this.#view as DataView).getUint32(offset, true);
    if (name === 'req_event' || name === 'rsp_event') {
      return { ...base, kind: 'event-set', [name]: value, text: `${base.party} set ${name} ${value}` };
    }
    const requests = name === 'req_prod';
    const old = requests ? this.#reqProd : this.#rspProd;
    const count = idxSub(value, old);
    if (requests) this.#reqProd = value; else this.#rspProd = value;
    if (count === 0 || count > this.#nrEnts) {
      // Not a publication: the index was set (SHARED_RING_INIT, a start near 2^32, or a peer misbehaving).
      if (requests) this.#reqCons = value; else this.#rspCons = value;
      return { ...base, kind: 'index-set', [name]: value, text: `${base.party} set ${name} ${value}` };
    }
    const side = requests ? 'request' : 'response';
    const slots = decodeRingSlots(this.#ringBytes(), this.#type, this.#order, side, old, count).map(slotEvent);
    const last = (value - 1) >>> 0;
    const range = count === 1 ? `${side} ${old}` : `${side}s ${old}..${last}`;
    return {
      ...base, kind: `${side}s-published`, [name]: value, first: old, last, count, [`${side}s`]: slots,
      text: `${base.party} published ${range}: ${slots.map((s) => this.#summary(s)).join('; ')}`,
    };
  }

  #headerBytes(base: Base, from: number, to: number): TraceEvent {
    const h = this.#type.header;
    const member = from >= h.pad ? '__pad' : from >= h.pvt ? 'pvt' : 'header';
    return { ...base, kind: 'header-write', offset: from, length: to - from, member, text: `${base.party} wrote sring ${member} (${to - from} bytes at ${from})` };
  }

  /** A store into a slot: the producer's next record, not visible to the peer until the index store. */
  #slotWrite(base: Base, offset: number): TraceEvent {
    const t = this.#type;
    const mask = this.#nrEnts - 1;
    const slot = Math.floor((offset - t.header.ring) / t.entrySize);
    if (slot >= this.#nrEnts) {
      // The page's tail after the last whole slot (__RING_SIZE rounds down to a power of two): no record lives there.
      return { ...base, kind: 'header-write', offset, member: 'tail', text: `${base.party} wrote past the last slot (at ${offset})` };
    }
    const requests = base.party !== 'back';
    const prod = requests ? this.#reqProd : this.#rspProd;
    const index = (prod + ((slot - (prod & mask)) & mask)) >>> 0;
    const side = requests ? 'request' : 'response';
    return { ...base, kind: `${side}-written`, index, slot, text: `${base.party} wrote ${side} ${index} (slot ${slot})` };
  }

  /**
   * A captured state: the index words, and the requests it shows outstanding — [rsp_prod, req_prod), ring.h's
   * RING_HAS_UNCONSUMED_REQUESTS window from the backend's side — decoded, when that is 1..RING_SIZE of them
   * (more is an overflow the snapshot cannot place; the checker and `dump xen` report it).
   */
  #snapshot(base: Base): TraceEvent[] {
    this.#sync();
    const v = this.#view as DataView;
    const words = Object.fromEntries(this.#words.map((w) => [w.name, v.getUint32(w.offset, true)]));
    const text = `snapshot of the ring: ${this.#words.map((w) => `${w.name}=${String(words[w.name])}`).join(' ')}`;
    const outstanding = idxSub(this.#reqProd, this.#rspProd);
    if (outstanding === 0 || outstanding > this.#nrEnts) return [{ ...base, kind: 'ring-snapshot', ...words, text }];
    const requests = decodeRingSlots(this.#ringBytes(), this.#type, this.#order, 'request', this.#rspProd, outstanding).map(slotEvent);
    return [{
      ...base, kind: 'ring-snapshot', ...words, outstanding, requests,
      text: `${text}; ${outstanding} outstanding: ${requests.map((s) => this.#summary(s)).join('; ')}`,
    }];
  }

  #annotation(base: Base, r: TraceRecord): TraceEvent[] {
    const a = decodeAnnotation(r.body, r);
    const idx = a['idx'];
    if ((a.op === 'RING_COPY_REQUEST' || a.op === 'RING_COPY_RESPONSE') && typeof idx === 'number' && idx >>> 0 === idx) {
      const requests = a.op === 'RING_COPY_REQUEST';
      const cons = requests ? this.#reqCons : this.#rspCons;
      const side = requests ? 'request' : 'response';
      if (idxSub(idx, cons) >= RING_IDX_HALF) return [{ ...base, kind: `${side}-reread`, op: a.op, idx, text: `${base.party} re-read ${side} ${idx}` }];
      const next = (idx + 1) >>> 0;
      if (requests) this.#reqCons = next; else this.#rspCons = next;
      return [{ ...base, kind: `${side}-consumed`, op: a.op, idx, text: `${base.party} consumed ${side} ${idx}` }];
    }
    // The macro's arguments (req_prod_pvt, rsp_cons, port ...) follow the event's own fields, never replace them.
    const out: Record<string, unknown> = { ...base, kind: 'annotation', op: a.op };
    for (const [k, v] of Object.entries(a)) if (!(k in out) && k !== 'text') out[k] = v;
    out['text'] = `${base.party} ${a.op}`;
    return [out as unknown as TraceEvent];
  }

  #config(base: Base, r: TraceRecord): TraceEvent[] {
    const c = decodeConfig(r.body, r) as Record<string, unknown>;
    const end = endWord[base.party];
    const s = c['xenbus_state'] as { from?: unknown; to?: unknown } | undefined;
    if (s !== undefined && s !== null && typeof s === 'object' && Number.isInteger(s.from) && Number.isInteger(s.to)) {
      const from = s.from as number;
      const to = s.to as number;
      return [{ ...base, kind: 'xenbus-state', end, from, to, from_state: stateName(from), to_state: stateName(to), text: `xenbus: ${end} state ${stateName(from)} -> ${stateName(to)}` }];
    }
    if (typeof c['xenstore'] === 'string' && typeof c['value'] === 'string') {
      return [{ ...base, kind: 'xenstore-write', end, xenstore: c['xenstore'], value: c['value'], text: `xenbus: ${end} wrote ${c['xenstore']} = ${c['value']}` }];
    }
    return [];
  }

  #ringBytes(): Uint8Array {
    const v = this.#view as DataView;
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }

  /** `[12] BLKIF_OP_READ nr_segments=1 handle=0 id=12 sector_number=0`: the struct's scalar members. */
  #summary(s: XenSlotEvent): string {
    const head = `[${s.index}] ${s.variant ?? s.struct ?? 'unknown'}`;
    if (s.record === undefined) return `${head} ${s.raw ?? ''}`.trimEnd();
    const selector = s.variant === undefined ? undefined : this.#type.records.selectorPath?.split('.')[1];
    const parts = Object.entries(s.record as Record<string, unknown>)
      .filter(([k, v]) => k !== selector && (typeof v === 'number' || typeof v === 'string'))
      .map(([k, v]) => `${k}=${String(v)}`);
    return [head, ...parts].join(' ');
  }
}

type Base = { readonly seq: number; readonly iface: number; readonly party: PartyWord };

function slotEvent(s: RingImageSlot): XenSlotEvent {
  return {
    index: s.index, slot: s.slot, struct: s.struct,
    ...(s.variant === undefined ? {} : { variant: s.variant }),
    ...(s.record === undefined ? {} : { record: s.record }),
    ...(s.raw === undefined ? {} : { raw: s.raw }),
  };
}

function stateName(v: number): string {
  return xenbusStateNames[v] ?? `state ${v}`;
}

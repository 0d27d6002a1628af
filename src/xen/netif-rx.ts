/**
 * The netif receive ring (backend → guest). The frontend posts empty granted pages as netif_rx_request
 * {id, gref}; the backend fills them and answers netif_rx_response {id, offset, flags, status}, where status
 * is the byte count (or a negative NETIF_RSP_*). netif.h "Guest receive" gives a packet's wire format:
 *
 *   Fragment 1: flags = NETRXF_*, size = fragment size
 *   [Extra 1..N: netif_extra_info_t] - only if fragment 1 has NETRXF_extra_info; chained by XEN_NETIF_EXTRA_MORE
 *   Fragment 2..N - only if the previous fragment has NETRXF_more_data
 *
 * so the packet size is the sum of the fragments. Extra info overlays the response, id included, so netif.h
 * requires every response to land in the ring slot of the request consumed to make room for it ("backends
 * must make sure this is the case"); the frontend relies on that, as Linux netfront does, to find the
 * buffer of each slot, and checks the id of every data slot against it.
 */
import type { FrontRing } from './front-ring.js';
import type { BackRing } from './back-ring.js';
import { numberField, type NumberField } from '../codec/views.js';
import type { StructCodec } from '../codec/codec.js';
import { xenConstant } from './xen-constants.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { idxAdd, idxSub } from './ring-index.js';
import {
  NetifExtraCodec, emptyExtras, requireRingType, type NetifExtras, XEN_NETIF_NR_SLOTS_MIN, XEN_PAGE_SIZE, NETIF_RSP_OKAY, NETIF_RSP_ERROR, NETIF_RSP_DROPPED,
} from './netif-extra.js';

export const NETRXF_data_validated = xenConstant('NETRXF_data_validated');
export const NETRXF_csum_blank = xenConstant('NETRXF_csum_blank');
export const NETRXF_more_data = xenConstant('NETRXF_more_data');
export const NETRXF_extra_info = xenConstant('NETRXF_extra_info');
export const NETRXF_gso_prefix = xenConstant('NETRXF_gso_prefix');

/** A posted receive buffer: one granted page. */
export interface NetifRxBuffer { readonly id: number; readonly gref: number }

/** A filled buffer: `size` bytes at `offset` in the page `gref` names. */
export interface NetifRxFragment { readonly id: number; readonly gref: number; readonly offset: number; readonly size: number }

export interface NetifRxPacket {
  /** Ring index of the packet's first slot. */
  readonly index: number;
  /** Ring slots the packet used, extra-info slots included. */
  readonly slots: number;
  /** Sum of the fragment sizes. */
  readonly size: number;
  /** NETIF_RSP_OKAY, or the first negative status a data slot carried (NETIF_RSP_ERROR / _DROPPED). */
  readonly status: number;
  readonly dataValidated: boolean;
  readonly csumBlank: boolean;
  /** NETRXF_gso_prefix ("Deprecated but included for compatibility"). */
  readonly gsoPrefix: boolean;
  readonly fragments: readonly NetifRxFragment[];
  readonly extras: NetifExtras;
  /** Buffers whose slots carried extra info: never filled, free to post again. */
  readonly released: readonly NetifRxBuffer[];
}

/** A packet as the backend delivers it: where each fragment lies in its buffer. */
export interface NetifRxDelivery {
  readonly fragments: readonly { readonly offset?: number; readonly size: number }[];
  readonly dataValidated?: boolean;
  readonly csumBlank?: boolean;
  readonly extras?: NetifExtras;
}

/** What deliver() wrote: the buffers it filled (copy the data there) and those its extra slots used. */
export interface NetifRxDelivered {
  readonly index: number;
  readonly slots: number;
  readonly fragments: readonly NetifRxFragment[];
  readonly released: readonly NetifRxBuffer[];
}


export class NetifRxFront {
  readonly ring: FrontRing;
  private readonly reqCodec: StructCodec;
  private readonly extras: NetifExtraCodec;
  private readonly reqBuf: Uint8Array;
  /** Posted buffers by ring index. */
  private readonly buffers = new Map<number, NetifRxBuffer>();
  private readonly rsp: Uint8Array;
  private readonly rspView: DataView;
  private readonly fId: NumberField;
  private readonly fOffset: NumberField;
  private readonly fFlags: NumberField;
  private readonly fStatus: NumberField;

  constructor(ring: FrontRing) {
    requireRingType('NetifRxFront', ring, 'netif_rx');
    this.ring = ring;
    const t = ring.sring.type;
    this.reqCodec = t.request;
    this.reqBuf = new Uint8Array(t.request.size);
    this.extras = new NetifExtraCodec(t.abi);
    this.rsp = new Uint8Array(t.response.size);
    this.rspView = new DataView(this.rsp.buffer);
    const l = t.response.layout;
    this.fId = numberField(l, 'id');
    this.fOffset = numberField(l, 'offset');
    this.fFlags = numberField(l, 'flags');
    this.fStatus = numberField(l, 'status');
  }

  /** Buffers posted and not yet returned by a response. */
  get posted(): number { return this.buffers.size; }

  /**
   * Post an empty buffer in the next free slot (not visible until push()). Its id is the slot number,
   * `index & (RING_SIZE - 1)` as Linux netfront's xennet_rxidx, so ids of posted buffers never collide.
   * Returns the id; a full ring (XEN_RING_FULL) or a gref that is no grant_ref_t (CodecError) changes nothing.
   */
  post(gref: number): number {
    const idx = this.ring.reqProdPvt;
    const id = idx & (this.ring.nrEnts - 1);
    this.reqCodec.encode({ id, pad: 0, gref }, this.reqBuf, 0);
    this.ring.writeRequest(this.ring.nextRequestIndex(), this.reqBuf);
    this.buffers.set(idx, { id, gref });
    return id;
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, then notify the backend when it asked. Returns notify. */
  push(): boolean {
    return this.ring.pushRequestsAndNotify();
  }

  /**
   * Take up to `max` whole packets from the published responses; a packet whose NETRXF_more_data chain runs
   * past rsp_prod stays for a later call. All are checked from private copies before rsp_cons moves:
   * a data slot whose id is not the buffer posted in that slot (XEN_RING_UNKNOWN_RESPONSE_ID), a status below
   * zero that is no NETIF_RSP_*, offset + status past the page, a bad extra or more than
   * XEN_NETIF_NR_SLOTS_MIN data slots (XEN_RING_BAD_RECORD).
   */
  poll(max = Infinity): NetifRxPacket[] {
    const r = this.ring;
    const prod = r.checkedResponseProd();
    const avail = idxSub(prod, r.rspCons);
    const out: NetifRxPacket[] = [];
    let used = 0;
    while (out.length < max && used < avail) {
      const p = this.parsePacket(idxAdd(r.rspCons, used), avail - used);
      if (p === undefined) break;
      out.push(p);
      used += p.slots;
    }
    for (let k = 0; k < used; k++) this.buffers.delete(idxAdd(r.rspCons, k));
    r.rspCons = idxAdd(r.rspCons, used);
    return out;
  }

  private parsePacket(start: number, limit: number): NetifRxPacket | undefined {
    const fragments: NetifRxFragment[] = [];
    const released: NetifRxBuffer[] = [];
    const extras = emptyExtras();
    let status = NETIF_RSP_OKAY;
    const data = (idx: number): number => {
      this.ring.copyResponse(idx, this.rsp);
      const dv = this.rspView;
      const id = this.fId.get(dv, 0);
      const offset = this.fOffset.get(dv, 0);
      const st = this.fStatus.get(dv, 0);
      const buf = this.buffers.get(idx);
      if (buf === undefined || buf.id !== id) {
        throw new RingError(xenRingErrorCodes.UNKNOWN_RESPONSE_ID, `Response ${idx} answers id ${id}, but the buffer posted in that slot has id ${String(buf?.id)}.`, {
          index: idx, path: 'netif_rx_response.id', expected: buf?.id, received: id,
          rule: 'netif.h: backends must make sure responses appear in the same ring slot as their request',
        });
      }
      if (st < 0 && st !== NETIF_RSP_ERROR && st !== NETIF_RSP_DROPPED) {
        throw new RingError(xenRingErrorCodes.BAD_RECORD, `Response ${idx}: status ${st} is neither a byte count nor a NETIF_RSP_* value.`, {
          index: idx, path: 'netif_rx_response.status', expected: '>= 0, NETIF_RSP_ERROR or NETIF_RSP_DROPPED', received: st,
        });
      }
      if (st >= 0 && offset + st > XEN_PAGE_SIZE) {
        throw new RingError(xenRingErrorCodes.BAD_RECORD, `Response ${idx}: ${st} bytes at offset ${offset} run past the ${XEN_PAGE_SIZE}-byte buffer.`, {
          index: idx, path: 'netif_rx_response.status', expected: `offset + status <= ${XEN_PAGE_SIZE}`, received: offset + st,
          rule: 'netif.h: offset: offset in page of start of received packet',
        });
      }
      if (st < 0 && status === NETIF_RSP_OKAY) status = st;
      fragments.push({ id, gref: buf.gref, offset, size: st < 0 ? 0 : st });
      return this.fFlags.get(dv, 0);
    };
    const flags = data(start);
    let k = 1;
    if ((flags & NETRXF_extra_info) !== 0) {
      let more = true;
      while (more) {
        if (k >= limit) return undefined;
        const idx = idxAdd(start, k);
        more = this.extras.parse(this.ring.copyResponse(idx, this.rsp), idx, extras);
        released.push(this.buffers.get(idx) as NetifRxBuffer);
        k++;
      }
    }
    let more = (flags & NETRXF_more_data) !== 0;
    while (more) {
      if (fragments.length >= XEN_NETIF_NR_SLOTS_MIN) {
        const last = idxAdd(start, k - 1);
        throw new RingError(xenRingErrorCodes.BAD_RECORD, `The rx packet at ${start} continues past ${XEN_NETIF_NR_SLOTS_MIN} data slots (slot ${last} has NETRXF_more_data).`, {
          index: last, path: 'netif_rx_response.flags', expected: `at most ${XEN_NETIF_NR_SLOTS_MIN} data slots`, received: fragments.length + 1,
          rule: 'netif.h XEN_NETIF_NR_SLOTS_MIN',
        });
      }
      if (k >= limit) return undefined;
      more = (data(idxAdd(start, k)) & NETRXF_more_data) !== 0;
      k++;
    }
    return {
      index: start, slots: k, size: fragments.reduce((a, f) => a + f.size, 0), status,
      dataValidated: (flags & NETRXF_data_validated) !== 0, csumBlank: (flags & NETRXF_csum_blank) !== 0, gsoPrefix: (flags & NETRXF_gso_prefix) !== 0,
      fragments, extras, released,
    };
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES: 0 means sleep until the backend notifies. */
  finalCheck(): number {
    return this.ring.finalCheckForResponses();
  }
}

export class NetifRxBack {
  readonly ring: BackRing;
  private readonly extras: NetifExtraCodec;
  private readonly rspCodec: StructCodec;
  private readonly rspSize: number;
  private readonly req: Uint8Array;
  private readonly reqView: DataView;
  private readonly fId: NumberField;
  private readonly fGref: NumberField;

  constructor(ring: BackRing) {
    requireRingType('NetifRxBack', ring, 'netif_rx');
    this.ring = ring;
    const t = ring.sring.type;
    this.extras = new NetifExtraCodec(t.abi);
    this.rspCodec = t.response;
    this.rspSize = t.response.size;
    this.req = new Uint8Array(t.request.size);
    this.reqView = new DataView(this.req.buffer);
    this.fId = numberField(t.request.layout, 'id');
    this.fGref = numberField(t.request.layout, 'gref');
  }

  /** Posted buffers available to deliver into (req_prod checked: XEN_RING_REQ_PROD_OVERFLOW). */
  buffersAvailable(): number {
    this.ring.checkedRequestProd();
    return this.ring.unconsumedRequests();
  }

  /**
   * Deliver one packet into the next posted buffers: fragment 1, its extras, fragments 2..N, each response
   * in the slot of the request it consumes (this back must be the ring's only consumer so that rsp_prod_pvt
   * and req_cons move together). Not visible until push(). Refused with nothing changed: 0 or more than
   * XEN_NETIF_NR_SLOTS_MIN fragments, a fragment past its page (XEN_RING_BAD_RECORD), too few posted
   * buffers (XEN_RING_FULL), values that do not fit their fields (CodecError).
   */
  deliver(packet: NetifRxDelivery): NetifRxDelivered {
    const r = this.ring;
    const frags = packet.fragments;
    const n = frags.length;
    if (n < 1 || n > XEN_NETIF_NR_SLOTS_MIN) {
      throw new RingError(xenRingErrorCodes.BAD_RECORD, `An rx packet takes 1..${XEN_NETIF_NR_SLOTS_MIN} data slots; this one has ${n} fragments.`, {
        path: 'fragments', expected: `1..${XEN_NETIF_NR_SLOTS_MIN}`, received: n, rule: 'netif.h XEN_NETIF_NR_SLOTS_MIN',
      });
    }
    frags.forEach((f, i) => {
      const offset = f.offset ?? 0;
      if (!Number.isInteger(f.size) || f.size < 0) {
        throw new RingError(xenRingErrorCodes.BAD_RECORD, `Fragment ${i} has size ${String(f.size)}.`, { path: `fragments[${i}].size`, expected: 'a byte count >= 0', received: f.size });
      }
      if (offset + f.size > XEN_PAGE_SIZE) {
        throw new RingError(xenRingErrorCodes.BAD_RECORD, `Fragment ${i} (offset ${offset}, size ${f.size}) runs past its ${XEN_PAGE_SIZE}-byte buffer.`, {
          path: `fragments[${i}]`, expected: `offset + size <= ${XEN_PAGE_SIZE}`, received: offset + f.size,
        });
      }
    });
    const e = this.extras.count(packet.extras);
    const slots = n + e;
    const avail = this.buffersAvailable();
    if (avail < slots) {
      throw new RingError(xenRingErrorCodes.RING_FULL, `A ${slots}-slot rx packet needs ${slots} posted buffers; ${avail} are available.`, {
        index: r.reqCons, expected: `>= ${slots} unconsumed requests`, received: avail,
      });
    }
    // Read the buffers (private copies) and encode every response before touching the ring.
    const start = r.reqCons;
    const bufs: NetifRxBuffer[] = [];
    for (let k = 0; k < slots; k++) {
      r.copyRequest(idxAdd(start, k), this.req);
      bufs.push({ id: this.fId.get(this.reqView, 0), gref: this.fGref.get(this.reqView, 0) });
    }
    const out = new Uint8Array(slots * this.rspSize);
    const at = (k: number) => out.subarray(k * this.rspSize, (k + 1) * this.rspSize);
    const fragments: NetifRxFragment[] = [];
    frags.forEach((f, i) => {
      const k = i === 0 ? 0 : e + i;
      const b = bufs[k] as NetifRxBuffer;
      const flags = (i === 0 ? (packet.dataValidated === true ? NETRXF_data_validated : 0) | (packet.csumBlank === true ? NETRXF_csum_blank : 0) | (e > 0 ? NETRXF_extra_info : 0) : 0)
        | (i < n - 1 ? NETRXF_more_data : 0);
      this.rspCodec.encode({ id: b.id, offset: f.offset ?? 0, flags, status: f.size }, at(k), 0);
      fragments.push({ id: b.id, gref: b.gref, offset: f.offset ?? 0, size: f.size });
    });
    if (e > 0) this.extras.encode(packet.extras as NetifExtras, out.subarray(this.rspSize), this.rspSize);
    r.reqCons = idxAdd(start, slots);
    for (let k = 0; k < slots; k++) r.writeResponse(r.nextResponseIndex(), at(k));
    return { index: start, slots, fragments, released: bufs.slice(1, 1 + e) };
  }

  /** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY, then notify the frontend when it asked. Returns notify. */
  push(): boolean {
    return this.ring.pushResponsesAndNotify();
  }

  /** RING_FINAL_CHECK_FOR_REQUESTS: 0 means sleep until the frontend notifies. */
  finalCheck(): number {
    return this.ring.finalCheckForRequests();
  }
}

/**
 * The netif transmit ring (guest → backend). netif.h "Guest transmit" gives the wire format of a packet:
 *
 *   Fragment 1: netif_tx_request_t  - flags = NETTXF_*, size = total packet size
 *   [Extra 1..N: netif_extra_info_t] - only if fragment 1 has NETTXF_extra_info; chained by XEN_NETIF_EXTRA_MORE
 *   Fragment 2..N: netif_tx_request_t - only if the previous fragment has NETTXF_more_data; size = fragment size
 *
 * so "the actual size of fragment 1 can only be determined by subtracting the sizes of fragments 2..N from
 * the total packet size". Every request slot is answered by one netif_tx_response: data slots with their id
 * and a NETIF_RSP_* status, extra-info slots with NETIF_RSP_NULL ("No response: used for auxiliary requests
 * (e.g., netif_extra_info_t)"), whose id carries nothing. Responses need not come in slot order (a
 * zero-copy backend answers when it releases a page), so the frontend matches them by id.
 */
import type { FrontRing } from './front-ring.js';
import type { BackRing } from './back-ring.js';
import { numberField, type NumberField } from '../codec/views.js';
import type { StructCodec } from '../codec/codec.js';
import { xenConstant } from './xen-constants.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { idxAdd, idxSub } from './ring-index.js';
import {
  NetifExtraCodec, emptyExtras, requireRingType, idSpace, type NetifExtras, XEN_NETIF_NR_SLOTS_MIN, XEN_NETIF_MAX_TX_SIZE, XEN_PAGE_SIZE,
  NETIF_RSP_NULL, NETIF_RSP_OKAY, NETIF_RSP_ERROR, NETIF_RSP_DROPPED,
} from './netif-extra.js';

export const NETTXF_csum_blank = xenConstant('NETTXF_csum_blank');
export const NETTXF_data_validated = xenConstant('NETTXF_data_validated');
export const NETTXF_more_data = xenConstant('NETTXF_more_data');
export const NETTXF_extra_info = xenConstant('NETTXF_extra_info');

/** One granted buffer fragment: `size` bytes at `offset` in the page `gref` names. */
export interface NetifTxFragment { readonly gref: number; readonly offset: number; readonly size: number }

/** A packet as the frontend queues it; its size is the sum of the fragment sizes. */
export interface NetifTxPacket {
  readonly fragments: readonly NetifTxFragment[];
  /** NETTXF_csum_blank: the protocol checksum field is blank (offload). */
  readonly csumBlank?: boolean;
  /** NETTXF_data_validated: the data has been validated against the protocol checksum. */
  readonly dataValidated?: boolean;
  readonly extras?: NetifExtras;
}

export interface NetifTxCompletion {
  /** The first slot's id (what queue() returned). */
  readonly id: number;
  /** The id of every data slot, in packet order. */
  readonly ids: readonly number[];
  /** NETIF_RSP_OKAY when every data slot was answered OKAY, else the first other status. */
  readonly status: number;
  readonly statuses: readonly number[];
  readonly packet: NetifTxPacket;
}

/** A fragment as the backend receives it (the first one's size already derived from the total). */
export interface NetifTxReceivedFragment { readonly id: number; readonly gref: number; readonly offset: number; readonly size: number }

export interface NetifTxReceivedPacket {
  /** Ring index of the packet's first slot. */
  readonly index: number;
  /** Ring slots the packet used, extra-info slots included (each gets a response). */
  readonly slots: number;
  /** The first slot's size: the whole packet. */
  readonly size: number;
  readonly csumBlank: boolean;
  readonly dataValidated: boolean;
  readonly fragments: readonly NetifTxReceivedFragment[];
  readonly extras: NetifExtras;
}

interface InFlight {
  readonly packet: NetifTxPacket;
  readonly ids: readonly number[];
  readonly statuses: number[];
  remaining: number;
}


export class NetifTxFront {
  readonly ring: FrontRing;
  private readonly reqCodec: StructCodec;
  private readonly extras: NetifExtraCodec;
  private readonly reqSize: number;
  private readonly byId = new Map<number, InFlight>();
  private packets = 0;
  /** Extra-info slots published and not yet answered with NETIF_RSP_NULL. */
  private nullsOwed = 0;
  private nextId = 0;
  /** netif_tx_request.id is a uint16_t: ids run modulo 2^16. */
  private readonly idSpace: number;
  private readonly rsp: Uint8Array;
  private readonly rspView: DataView;
  private readonly rspId: NumberField;
  private readonly rspStatus: NumberField;

  constructor(ring: FrontRing) {
    requireRingType('NetifTxFront', ring, 'netif_tx');
    this.ring = ring;
    const t = ring.sring.type;
    this.reqCodec = t.request;
    this.reqSize = t.request.size;
    this.idSpace = idSpace(numberField(t.request.layout, 'id'));
    this.extras = new NetifExtraCodec(t.abi);
    this.rsp = new Uint8Array(t.response.size);
    this.rspView = new DataView(this.rsp.buffer);
    this.rspId = numberField(t.response.layout, 'id');
    this.rspStatus = numberField(t.response.layout, 'status');
  }

  /** Packets queued and not yet completed. */
  get outstanding(): number { return this.packets; }

  /**
   * Queue a packet in the next free slots (fragment 1, its extras, fragments 2..N; not visible until push()).
   * Returns the first slot's id. Refused with nothing changed: no fragments or more than XEN_NETIF_NR_SLOTS_MIN
   * of them (netif.h: a backend that does not negotiate "should expect frontend to send a valid packet using
   * slots up to this value"), a total above XEN_NETIF_MAX_TX_SIZE, a fragment crossing its page
   * (XEN_RING_BAD_RECORD), a value that does not fit its field (CodecError), too few free slots (XEN_RING_FULL).
   */
  queue(packet: NetifTxPacket): number {
    const frags = packet.fragments;
    const n = frags.length;
    if (n < 1 || n > XEN_NETIF_NR_SLOTS_MIN) {
      throw new RingError(xenRingErrorCodes.BAD_RECORD, `A tx packet takes 1..${XEN_NETIF_NR_SLOTS_MIN} data slots; this one has ${n} fragments.`, {
        path: 'fragments', expected: `1..${XEN_NETIF_NR_SLOTS_MIN}`, received: n, rule: 'netif.h XEN_NETIF_NR_SLOTS_MIN',
      });
    }
    let total = 0;
    frags.forEach((f, i) => {
      if (!Number.isInteger(f.size) || f.size < 0) {
        throw new RingError(xenRingErrorCodes.BAD_RECORD, `Fragment ${i} has size ${String(f.size)}.`, { path: `fragments[${i}].size`, expected: 'a byte count >= 0', received: f.size });
      }
      total += f.size;
      if (f.offset + f.size > XEN_PAGE_SIZE) {
        throw new RingError(xenRingErrorCodes.BAD_RECORD, `Fragment ${i} (offset ${f.offset}, size ${f.size}) crosses its ${XEN_PAGE_SIZE}-byte page.`, {
          path: `fragments[${i}]`, expected: `offset + size <= ${XEN_PAGE_SIZE}`, received: f.offset + f.size, rule: 'netif.h: offset: Offset within buffer page',
        });
      }
    });
    if (total > XEN_NETIF_MAX_TX_SIZE) {
      throw new RingError(xenRingErrorCodes.BAD_RECORD, `A tx packet of ${total} bytes does not fit the first slot's size field.`, {
        path: 'netif_tx_request.size', expected: `<= XEN_NETIF_MAX_TX_SIZE (${XEN_NETIF_MAX_TX_SIZE})`, received: total,
      });
    }
    const e = this.extras.count(packet.extras);
    const slots = n + e;
    const free = this.ring.freeRequests();
    if (free < slots) {
      throw new RingError(xenRingErrorCodes.RING_FULL, `A ${slots}-slot tx packet does not fit the ${free} free request slots.`, {
        index: this.ring.reqProdPvt, expected: `RING_FREE_REQUESTS >= ${slots}`, received: free,
      });
    }
    const ids: number[] = [];
    for (let id = this.nextId; ids.length < n; id = (id + 1) % this.idSpace) if (!this.byId.has(id)) ids.push(id);
    // Encode every slot privately first: a CodecError leaves the ring untouched.
    const buf = new Uint8Array(slots * this.reqSize);
    const at = (k: number) => buf.subarray(k * this.reqSize, (k + 1) * this.reqSize);
    const first = frags[0] as NetifTxFragment;
    const flags = (packet.csumBlank === true ? NETTXF_csum_blank : 0) | (packet.dataValidated === true ? NETTXF_data_validated : 0)
      | (n > 1 ? NETTXF_more_data : 0) | (e > 0 ? NETTXF_extra_info : 0);
    this.reqCodec.encode({ gref: first.gref, offset: first.offset, flags, id: ids[0], size: total }, at(0), 0);
    if (e > 0) this.extras.encode(packet.extras as NetifExtras, buf.subarray(this.reqSize), this.reqSize);
    for (let i = 1; i < n; i++) {
      const f = frags[i] as NetifTxFragment;
      this.reqCodec.encode({ gref: f.gref, offset: f.offset, flags: i < n - 1 ? NETTXF_more_data : 0, id: ids[i], size: f.size }, at(e + i), 0);
    }
    for (let k = 0; k < slots; k++) this.ring.writeRequest(this.ring.nextRequestIndex(), at(k));
    const entry: InFlight = { packet, ids, statuses: new Array<number>(n).fill(NETIF_RSP_OKAY), remaining: n };
    for (const id of ids) this.byId.set(id, entry);
    this.nextId = ((ids[n - 1] as number) + 1) % this.idSpace;
    this.nullsOwed += e;
    this.packets++;
    return ids[0] as number;
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, then notify the backend when it asked. Returns notify. */
  push(): boolean {
    return this.ring.pushRequestsAndNotify();
  }

  /**
   * Consume every published response and return the packets whose data slots are all answered. The batch is
   * checked before anything changes: a status that is no NETIF_RSP_* (XEN_RING_BAD_RECORD), more
   * NETIF_RSP_NULL responses than extra-info slots outstanding (XEN_RING_BAD_RECORD), an id that is not an
   * outstanding data slot, or answered twice (XEN_RING_UNKNOWN_RESPONSE_ID).
   */
  poll(): NetifTxCompletion[] {
    const r = this.ring;
    const prod = r.checkedResponseProd();
    const n = idxSub(prod, r.rspCons);
    const hits: Array<[number, number]> = [];
    const seen = new Set<number>();
    let nulls = 0;
    for (let i = 0; i < n; i++) {
      const idx = idxAdd(r.rspCons, i);
      r.copyResponse(idx, this.rsp);
      const status = this.rspStatus.get(this.rspView, 0);
      if (status === NETIF_RSP_NULL) {
        if (++nulls > this.nullsOwed) {
          throw new RingError(xenRingErrorCodes.BAD_RECORD, `Response ${idx} is NETIF_RSP_NULL, but only ${this.nullsOwed} extra-info slots await one.`, {
            index: idx, path: 'netif_tx_response.status', expected: `at most ${this.nullsOwed} NETIF_RSP_NULL`, received: status,
          });
        }
        continue;
      }
      if (status !== NETIF_RSP_OKAY && status !== NETIF_RSP_ERROR && status !== NETIF_RSP_DROPPED) {
        throw new RingError(xenRingErrorCodes.BAD_RECORD, `Response ${idx}: status ${status} is not a NETIF_RSP_* value.`, {
          index: idx, path: 'netif_tx_response.status', expected: 'NETIF_RSP_OKAY, _ERROR, _DROPPED or _NULL', received: status,
        });
      }
      const id = this.rspId.get(this.rspView, 0);
      if (!this.byId.has(id) || seen.has(id)) {
        throw new RingError(xenRingErrorCodes.UNKNOWN_RESPONSE_ID, `Response ${idx} answers id ${id}, which is not an outstanding tx slot.`, {
          index: idx, path: 'netif_tx_response.id', expected: 'an outstanding tx request id', received: id,
        });
      }
      seen.add(id);
      hits.push([id, status]);
    }
    const out: NetifTxCompletion[] = [];
    for (const [id, status] of hits) {
      const p = this.byId.get(id) as InFlight;
      this.byId.delete(id);
      p.statuses[p.ids.indexOf(id)] = status;
      if (--p.remaining === 0) {
        this.packets--;
        out.push({ id: p.ids[0] as number, ids: p.ids, status: p.statuses.find((s) => s !== NETIF_RSP_OKAY) ?? NETIF_RSP_OKAY, statuses: p.statuses, packet: p.packet });
      }
    }
    this.nullsOwed -= nulls;
    r.rspCons = prod;
    return out;
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES: 0 means sleep until the backend notifies. */
  finalCheck(): number {
    return this.ring.finalCheckForResponses();
  }
}

export class NetifTxBack {
  readonly ring: BackRing;
  private readonly extras: NetifExtraCodec;
  private readonly rspCodec: StructCodec;
  private readonly req: Uint8Array;
  private readonly reqView: DataView;
  private readonly fGref: NumberField;
  private readonly fOffset: NumberField;
  private readonly fFlags: NumberField;
  private readonly fId: NumberField;
  private readonly fSize: NumberField;
  private readonly rsp: Uint8Array;

  constructor(ring: BackRing) {
    requireRingType('NetifTxBack', ring, 'netif_tx');
    this.ring = ring;
    const t = ring.sring.type;
    this.extras = new NetifExtraCodec(t.abi);
    this.rspCodec = t.response;
    this.req = new Uint8Array(t.request.size);
    this.reqView = new DataView(this.req.buffer);
    const l = t.request.layout;
    this.fGref = numberField(l, 'gref');
    this.fOffset = numberField(l, 'offset');
    this.fFlags = numberField(l, 'flags');
    this.fId = numberField(l, 'id');
    this.fSize = numberField(l, 'size');
    this.rsp = new Uint8Array(t.response.size);
  }

  /**
   * Take up to `max` whole packets. A packet whose NETTXF_more_data / XEN_NETIF_EXTRA_FLAG_MORE chain runs
   * past the requests available is left for a later call (not an error: Linux netback, stricter, treats it
   * as fatal). Every packet is parsed and checked from private copies before req_cons moves, so a malformed
   * one (XEN_RING_BAD_RECORD: bad extra, too many slots, sizes that do not add up, a fragment crossing its
   * page) leaves the ring state unchanged.
   */
  take(max = Infinity): NetifTxReceivedPacket[] {
    const r = this.ring;
    r.checkedRequestProd();
    const avail = r.unconsumedRequests();
    const out: NetifTxReceivedPacket[] = [];
    let used = 0;
    while (out.length < max && used < avail) {
      const p = this.parsePacket(idxAdd(r.reqCons, used), avail - used);
      if (p === undefined) break;
      out.push(p);
      used += p.slots;
    }
    r.reqCons = idxAdd(r.reqCons, used);
    return out;
  }

  /** Parse the packet starting at ring index `start` within `limit` slots; undefined if it is not all there. */
  private parsePacket(start: number, limit: number): NetifTxReceivedPacket | undefined {
    const dv = this.reqView;
    const read = (k: number) => this.ring.copyRequest(idxAdd(start, k), this.req);
    read(0);
    const firstFlags = this.fFlags.get(dv, 0);
    const size = this.fSize.get(dv, 0);
    const fragments: Array<{ id: number; gref: number; offset: number; size: number; index: number }> = [
      { id: this.fId.get(dv, 0), gref: this.fGref.get(dv, 0), offset: this.fOffset.get(dv, 0), size, index: start },
    ];
    let k = 1;
    const extras = emptyExtras();
    if ((firstFlags & NETTXF_extra_info) !== 0) {
      let more = true;
      while (more) {
        if (k >= limit) return undefined;
        more = this.extras.parse(read(k), idxAdd(start, k), extras);
        k++;
      }
    }
    let more = (firstFlags & NETTXF_more_data) !== 0;
    let remaining = size;
    while (more) {
      const idx = idxAdd(start, k);
      if (fragments.length >= XEN_NETIF_NR_SLOTS_MIN) {
        const last = (fragments[fragments.length - 1] as { index: number }).index;
        throw new RingError(xenRingErrorCodes.BAD_RECORD, `The tx packet at ${start} continues past ${XEN_NETIF_NR_SLOTS_MIN} data slots (slot ${last} has NETTXF_more_data).`, {
          index: last, path: 'netif_tx_request.flags', expected: `at most ${XEN_NETIF_NR_SLOTS_MIN} data slots`, received: fragments.length + 1,
          rule: 'netif.h XEN_NETIF_NR_SLOTS_MIN: a backend must accept packets using slots up to this value',
        });
      }
      if (k >= limit) return undefined;
      read(k);
      const f = { id: this.fId.get(dv, 0), gref: this.fGref.get(dv, 0), offset: this.fOffset.get(dv, 0), size: this.fSize.get(dv, 0), index: idx };
      if (f.size > remaining) {
        throw new RingError(xenRingErrorCodes.BAD_RECORD, `Slot ${idx}: fragment size ${f.size} exceeds the ${remaining} bytes the first slot's total leaves.`, {
          index: idx, path: 'netif_tx_request.size', expected: `<= ${remaining}`, received: f.size,
          rule: 'netif.h Guest transmit: fragment 1 size = total packet size - sizes of fragments 2..N',
        });
      }
      remaining -= f.size;
      fragments.push(f);
      more = (this.fFlags.get(dv, 0) & NETTXF_more_data) !== 0;
      k++;
    }
    (fragments[0] as { size: number }).size = remaining;
    for (const f of fragments) {
      if (f.offset + f.size > XEN_PAGE_SIZE) {
        throw new RingError(xenRingErrorCodes.BAD_RECORD, `Slot ${f.index}: fragment at offset ${f.offset} of ${f.size} bytes crosses its page.`, {
          index: f.index, path: 'netif_tx_request.offset', expected: `offset + size <= ${XEN_PAGE_SIZE}`, received: f.offset + f.size,
          rule: 'netif.h: offset: Offset within buffer page',
        });
      }
    }
    return {
      index: start, slots: k, size,
      csumBlank: (firstFlags & NETTXF_csum_blank) !== 0, dataValidated: (firstFlags & NETTXF_data_validated) !== 0,
      fragments: fragments.map((f) => ({ id: f.id, gref: f.gref, offset: f.offset, size: f.size })), extras,
    };
  }

  /**
   * Answer every slot of a taken packet (not visible until push()): each data slot with its id and `status`
   * (NETIF_RSP_OKAY / _ERROR / _DROPPED), each extra-info slot with NETIF_RSP_NULL, in ring order as Linux
   * netback's make_tx_response does. Refused whole (XEN_RING_FULL) when fewer consumed slots await answers.
   */
  respond(packet: Pick<NetifTxReceivedPacket, 'slots' | 'fragments'>, status: number): void {
    const r = this.ring;
    const owed = idxSub(r.reqCons, r.rspProdPvt);
    if (owed < packet.slots) {
      throw new RingError(xenRingErrorCodes.RING_FULL, `A ${packet.slots}-slot packet needs ${packet.slots} responses; only ${owed} consumed requests await one.`, {
        index: r.rspProdPvt, expected: `>= ${packet.slots}`, received: owed,
      });
    }
    const e = packet.slots - packet.fragments.length;
    this.rspCodec.encode({ id: 0, status }, this.rsp, 0); // checks status fits int16_t before any slot is written
    packet.fragments.forEach((f, i) => {
      this.write(f.id, status);
      if (i === 0) for (let k = 0; k < e; k++) this.write(0, NETIF_RSP_NULL);
    });
  }

  private write(id: number, status: number): void {
    this.rspCodec.encode({ id, status }, this.rsp, 0);
    this.ring.writeResponse(this.ring.nextResponseIndex(), this.rsp);
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

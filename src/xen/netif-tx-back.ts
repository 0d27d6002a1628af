/**
 * The netif transmit ring's backend: takes whole packets from private copies (fragment 1's size is the
 * packet's; fragments 2..N are subtracted from it, netif.h "Guest transmit") and answers every slot, extra
 * info slots with NETIF_RSP_NULL, as Linux netback's make_tx_response does.
 */
import type { BackRing } from './back-ring.js';
import { numberField, type NumberField } from '../codec/views.js';
import type { StructCodec } from '../codec/codec.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { idxAdd, idxSub } from './ring-index.js';
import { TypedBack } from './typed-end.js';
import { NetifExtraCodec, emptyExtras, NETIF_RSP_NULL } from './netif-extra.js';
import { faultError, txCrossesPage, txFirstSlotShort, txTooManySlots } from './netif-faults.js';
import { NETTXF_csum_blank, NETTXF_data_validated, NETTXF_more_data, NETTXF_extra_info, type NetifTxReceivedPacket } from './netif-tx.js';

export class NetifTxBack extends TypedBack {
  readonly #extras: NetifExtraCodec;
  readonly #rspCodec: StructCodec;
  readonly #fGref: NumberField;
  readonly #fOffset: NumberField;
  readonly #fFlags: NumberField;
  readonly #fId: NumberField;
  readonly #fSize: NumberField;
  /**
   * Private copies of the slots of the last packet parsed, kept for the one left incomplete at the end of a
   * take(): when more of it is published, the next take() reads the slots it already copied from here, never
   * from shared memory again (each slot is fetched once: XSA-155).
   */
  readonly #copies: Uint8Array[] = [];
  /** The ring index of the incomplete packet whose first #pendingSlots slots are in #copies. */
  #pendingStart = -1;
  #pendingSlots = 0;

  constructor(ring: BackRing) {
    super('NetifTxBack', ring, 'netif_tx');
    const t = this.type;
    this.#extras = new NetifExtraCodec(t.abi);
    this.#rspCodec = t.response;
    const l = t.request.layout;
    this.#fGref = numberField(l, 'gref');
    this.#fOffset = numberField(l, 'offset');
    this.#fFlags = numberField(l, 'flags');
    this.#fId = numberField(l, 'id');
    this.#fSize = numberField(l, 'size');
  }

  /**
   * Take up to `max` whole packets. A packet whose NETTXF_more_data / XEN_NETIF_EXTRA_FLAG_MORE chain runs
   * past the requests available is left for a later call (not an error: Linux netback, stricter, treats it
   * as fatal). Every packet is parsed and checked from private copies before req_cons moves, so a malformed
   * one (XEN_RING_BAD_RECORD: bad extra, too many slots, sizes that do not add up, a fragment crossing its
   * page) leaves the ring state unchanged.
   */
  take(max = Infinity): NetifTxReceivedPacket[] {
    return this.consumeRequests((idx, limit) => this.#parsePacket(idx, limit), max, (p) => p.slots);
  }


  /** Parse the packet starting at ring index `start` within `limit` slots; undefined if it is not all there. */
  #parsePacket(start: number, limit: number): NetifTxReceivedPacket | undefined {
    const dv = this.reqView;
    const held = start === this.#pendingStart ? this.#pendingSlots : 0;
    const read = (k: number): Uint8Array => {
      const copy = this.#copies[k] ??= new Uint8Array(this.req.length);
      if (k >= held) this.ring.copyRequest(idxAdd(start, k), copy); // RING_COPY_REQUEST, once per slot
      this.req.set(copy);
      return this.req;
    };
    const incomplete = (k: number): undefined => {
      this.#pendingStart = start;
      this.#pendingSlots = k;
      return undefined;
    };
    read(0);
    const firstFlags = this.#fFlags.get(dv, 0);
    const size = this.#fSize.get(dv, 0);
    const fragments: Array<{ id: number; gref: number; offset: number; size: number; index: number }> = [
      { id: this.#fId.get(dv, 0), gref: this.#fGref.get(dv, 0), offset: this.#fOffset.get(dv, 0), size, index: start },
    ];
    let k = 1;
    const extras = emptyExtras();
    if ((firstFlags & NETTXF_extra_info) !== 0) {
      let more = true;
      while (more) {
        if (k >= limit) return incomplete(k);
        more = this.#extras.parse(read(k), idxAdd(start, k), extras);
        k++;
      }
    }
    let more = (firstFlags & NETTXF_more_data) !== 0;
    let remaining = size;
    while (more) {
      const idx = idxAdd(start, k);
      const tooMany = txTooManySlots(start, (fragments[fragments.length - 1] as { index: number }).index, fragments.length);
      if (tooMany !== undefined) throw faultError(tooMany);
      if (k >= limit) return incomplete(k);
      read(k);
      const f = { id: this.#fId.get(dv, 0), gref: this.#fGref.get(dv, 0), offset: this.#fOffset.get(dv, 0), size: this.#fSize.get(dv, 0), index: idx };
      const short = txFirstSlotShort(idx, f.size, remaining);
      if (short !== undefined) throw faultError(short);
      remaining -= f.size;
      fragments.push(f);
      more = (this.#fFlags.get(dv, 0) & NETTXF_more_data) !== 0;
      k++;
    }
    if (start === this.#pendingStart) this.#pendingStart = -1;
    (fragments[0] as { size: number }).size = remaining;
    for (const f of fragments) {
      const crosses = txCrossesPage(f.index, f.offset, f.size);
      if (crosses !== undefined) throw faultError(crosses);
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
    this.#rspCodec.encode({ id: 0, status }, this.rsp, 0); // checks status fits int16_t before any slot is written
    packet.fragments.forEach((f, i) => {
      this.#write(f.id, status);
      if (i === 0) for (let k = 0; k < e; k++) this.#write(0, NETIF_RSP_NULL);
    });
  }

  #write(id: number, status: number): void {
    this.#rspCodec.encode({ id, status }, this.rsp, 0);
    this.ring.writeResponse(this.ring.nextResponseIndex(), this.rsp);
  }


}

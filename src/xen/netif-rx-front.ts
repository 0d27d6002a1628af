/**
 * The netif receive ring's frontend (guest side): posts empty granted pages and takes whole packets back
 * (netif.h "Guest receive"; see netif-rx.ts), each data slot checked against the buffer posted in that slot.
 */
import type { FrontRing } from './front-ring.js';
import { numberField, type NumberField } from '../codec/views.js';
import type { StructCodec } from '../codec/codec.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { idxAdd } from './ring-index.js';
import { TypedFront } from './typed-end.js';
import { NetifExtraCodec, emptyExtras, XEN_NETIF_NR_SLOTS_MIN, XEN_PAGE_SIZE, NETIF_RSP_OKAY, NETIF_RSP_ERROR, NETIF_RSP_DROPPED } from './netif-extra.js';
import {
  NETRXF_data_validated, NETRXF_csum_blank, NETRXF_more_data, NETRXF_extra_info, NETRXF_gso_prefix, type NetifRxBuffer, type NetifRxFragment, type NetifRxPacket,
} from './netif-rx.js';

export class NetifRxFront extends TypedFront {
  readonly #reqCodec: StructCodec;
  readonly #extras: NetifExtraCodec;
  /** Posted buffers by ring index. */
  readonly #buffers = new Map<number, NetifRxBuffer>();
  readonly #fId: NumberField;
  readonly #fOffset: NumberField;
  readonly #fFlags: NumberField;
  readonly #fStatus: NumberField;

  constructor(ring: FrontRing) {
    super('NetifRxFront', ring, 'netif_rx');
    const t = this.type;
    this.#reqCodec = t.request;
    this.#extras = new NetifExtraCodec(t.abi);
    const l = t.response.layout;
    this.#fId = numberField(l, 'id');
    this.#fOffset = numberField(l, 'offset');
    this.#fFlags = numberField(l, 'flags');
    this.#fStatus = numberField(l, 'status');
  }

  /** Buffers posted and not yet returned by a response. */
  get posted(): number { return this.#buffers.size; }

  /**
   * Post an empty buffer in the next free slot (not visible until push()). Its id is the slot number,
   * `index & (RING_SIZE - 1)` as Linux netfront's xennet_rxidx, so ids of posted buffers never collide.
   * Returns the id; a full ring (XEN_RING_FULL) or a gref that is no grant_ref_t (CodecError) changes nothing.
   */
  post(gref: number): number {
    const idx = this.ring.reqProdPvt;
    const id = idx & (this.ring.nrEnts - 1);
    this.#reqCodec.encode({ id, pad: 0, gref }, this.req, 0);
    this.ring.writeRequest(this.ring.nextRequestIndex(), this.req);
    this.#buffers.set(idx, { id, gref });
    return id;
  }


  /**
   * Take up to `max` whole packets from the published responses; a packet whose NETRXF_more_data chain runs
   * past rsp_prod stays for a later call. All are checked from private copies before rsp_cons moves:
   * a data slot whose id is not the buffer posted in that slot (XEN_RING_UNKNOWN_RESPONSE_ID), a status below
   * zero that is no NETIF_RSP_*, offset + status past the page, a bad extra or more than
   * XEN_NETIF_NR_SLOTS_MIN data slots (XEN_RING_BAD_RECORD).
   */
  poll(max = Infinity): NetifRxPacket[] {
    return this.consumeResponses((idx, limit) => this.#parsePacket(idx, limit),
      (_packets, from, used) => { for (let k = 0; k < used; k++) this.#buffers.delete(idxAdd(from, k)); }, max, (p) => p.slots);
  }


  #parsePacket(start: number, limit: number): NetifRxPacket | undefined {
    const fragments: NetifRxFragment[] = [];
    const released: NetifRxBuffer[] = [];
    const extras = emptyExtras();
    let status = NETIF_RSP_OKAY;
    const data = (idx: number): number => {
      this.ring.copyResponse(idx, this.rsp);
      const dv = this.rspView;
      const id = this.#fId.get(dv, 0);
      const offset = this.#fOffset.get(dv, 0);
      const st = this.#fStatus.get(dv, 0);
      const buf = this.#buffers.get(idx);
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
      return this.#fFlags.get(dv, 0);
    };
    const flags = data(start);
    let k = 1;
    if ((flags & NETRXF_extra_info) !== 0) {
      let more = true;
      while (more) {
        if (k >= limit) return undefined;
        const idx = idxAdd(start, k);
        more = this.#extras.parse(this.ring.copyResponse(idx, this.rsp), idx, extras);
        released.push(this.#buffers.get(idx) as NetifRxBuffer);
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

}

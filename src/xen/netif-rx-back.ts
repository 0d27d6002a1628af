/**
 * The netif receive ring's backend: delivers a packet into the next posted buffers, each response in the
 * slot of the request it consumes (netif.h: "backends must make sure this is the case").
 */
import type { BackRing } from './back-ring.js';
import { numberField, type NumberField } from '../codec/views.js';
import type { StructCodec } from '../codec/codec.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { idxAdd } from './ring-index.js';
import { TypedBack } from './typed-end.js';
import { NetifExtraCodec, XEN_NETIF_NR_SLOTS_MIN, XEN_PAGE_SIZE, type NetifExtras } from './netif-extra.js';
import {
  NETRXF_data_validated, NETRXF_csum_blank, NETRXF_more_data, NETRXF_extra_info, type NetifRxBuffer, type NetifRxFragment, type NetifRxDelivery, type NetifRxDelivered,
} from './netif-rx.js';

export class NetifRxBack extends TypedBack {
  readonly #extras: NetifExtraCodec;
  readonly #rspCodec: StructCodec;
  readonly #rspSize: number;
  readonly #fId: NumberField;
  readonly #fGref: NumberField;

  constructor(ring: BackRing) {
    super('NetifRxBack', ring, 'netif_rx');
    const t = this.type;
    this.#extras = new NetifExtraCodec(t.abi);
    this.#rspCodec = t.response;
    this.#rspSize = t.response.size;
    this.#fId = numberField(t.request.layout, 'id');
    this.#fGref = numberField(t.request.layout, 'gref');
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
    const e = this.#extras.count(packet.extras);
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
      bufs.push({ id: this.#fId.get(this.reqView, 0), gref: this.#fGref.get(this.reqView, 0) });
    }
    const out = new Uint8Array(slots * this.#rspSize);
    const at = (k: number) => out.subarray(k * this.#rspSize, (k + 1) * this.#rspSize);
    const fragments: NetifRxFragment[] = [];
    frags.forEach((f, i) => {
      const k = i === 0 ? 0 : e + i;
      const b = bufs[k] as NetifRxBuffer;
      const flags = (i === 0 ? (packet.dataValidated === true ? NETRXF_data_validated : 0) | (packet.csumBlank === true ? NETRXF_csum_blank : 0) | (e > 0 ? NETRXF_extra_info : 0) : 0)
        | (i < n - 1 ? NETRXF_more_data : 0);
      this.#rspCodec.encode({ id: b.id, offset: f.offset ?? 0, flags, status: f.size }, at(k), 0);
      fragments.push({ id: b.id, gref: b.gref, offset: f.offset ?? 0, size: f.size });
    });
    if (e > 0) this.#extras.encode(packet.extras as NetifExtras, out.subarray(this.#rspSize), this.#rspSize);
    r.reqCons = idxAdd(start, slots);
    for (let k = 0; k < slots; k++) r.writeResponse(r.nextResponseIndex(), at(k));
    return { index: start, slots, fragments, released: bufs.slice(1, 1 + e) };
  }


}

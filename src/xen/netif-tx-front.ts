/**
 * The netif transmit ring's frontend (guest side): queues packets as fragment 1, its extra-info slots and
 * fragments 2..N (netif.h "Guest transmit"; see netif-tx.ts), and completes a packet once every data slot
 * is answered. Responses may come in any order, so they are matched by id.
 */
import type { FrontRing } from './front-ring.js';
import { numberField, type NumberField } from '../codec/views.js';
import type { StructCodec } from '../codec/codec.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { TypedFront } from './typed-end.js';
import { faultError, txStatusFault } from './netif-faults.js';
import {
  NetifExtraCodec, idSpace, XEN_NETIF_NR_SLOTS_MIN, XEN_NETIF_MAX_TX_SIZE, XEN_PAGE_SIZE, type NetifExtras,
  NETIF_RSP_NULL, NETIF_RSP_OKAY, NETIF_RSP_ERROR, NETIF_RSP_DROPPED,
} from './netif-extra.js';
import { NETTXF_csum_blank, NETTXF_data_validated, NETTXF_more_data, NETTXF_extra_info, type NetifTxPacket, type NetifTxFragment, type NetifTxCompletion } from './netif-tx.js';

/** A packet in flight: its data slots' ids and the statuses answered so far. */
interface InFlight {
  readonly packet: NetifTxPacket;
  readonly ids: readonly number[];
  readonly statuses: number[];
  remaining: number;
}

export class NetifTxFront extends TypedFront {
  readonly #reqCodec: StructCodec;
  readonly #extras: NetifExtraCodec;
  readonly #reqSize: number;
  readonly #byId = new Map<number, InFlight>();
  #packets = 0;
  /** Extra-info slots published and not yet answered with NETIF_RSP_NULL. */
  #nullsOwed = 0;
  #nextId = 0;
  /** netif_tx_request.id is a uint16_t: ids run modulo 2^16. */
  readonly #idSpace: number;
  readonly #rspId: NumberField;
  readonly #rspStatus: NumberField;

  constructor(ring: FrontRing) {
    super('NetifTxFront', ring, 'netif_tx');
    const t = this.type;
    this.#reqCodec = t.request;
    this.#reqSize = t.request.size;
    this.#idSpace = idSpace(numberField(t.request.layout, 'id'));
    this.#extras = new NetifExtraCodec(t.abi);
    this.#rspId = numberField(t.response.layout, 'id');
    this.#rspStatus = numberField(t.response.layout, 'status');
  }

  /** Packets queued and not yet completed. */
  get outstanding(): number { return this.#packets; }

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
    const e = this.#extras.count(packet.extras);
    const slots = n + e;
    const free = this.ring.freeRequests();
    if (free < slots) {
      throw new RingError(xenRingErrorCodes.RING_FULL, `A ${slots}-slot tx packet does not fit the ${free} free request slots.`, {
        index: this.ring.reqProdPvt, expected: `RING_FREE_REQUESTS >= ${slots}`, received: free,
      });
    }
    const ids: number[] = [];
    for (let id = this.#nextId; ids.length < n; id = (id + 1) % this.#idSpace) if (!this.#byId.has(id)) ids.push(id);
    // Encode every slot privately first: a CodecError leaves the ring untouched.
    const buf = new Uint8Array(slots * this.#reqSize);
    const at = (k: number) => buf.subarray(k * this.#reqSize, (k + 1) * this.#reqSize);
    const first = frags[0] as NetifTxFragment;
    const flags = (packet.csumBlank === true ? NETTXF_csum_blank : 0) | (packet.dataValidated === true ? NETTXF_data_validated : 0)
      | (n > 1 ? NETTXF_more_data : 0) | (e > 0 ? NETTXF_extra_info : 0);
    this.#reqCodec.encode({ gref: first.gref, offset: first.offset, flags, id: ids[0], size: total }, at(0), 0);
    if (e > 0) this.#extras.encode(packet.extras as NetifExtras, buf.subarray(this.#reqSize), this.#reqSize);
    for (let i = 1; i < n; i++) {
      const f = frags[i] as NetifTxFragment;
      this.#reqCodec.encode({ gref: f.gref, offset: f.offset, flags: i < n - 1 ? NETTXF_more_data : 0, id: ids[i], size: f.size }, at(e + i), 0);
    }
    for (let k = 0; k < slots; k++) this.ring.writeRequest(this.ring.nextRequestIndex(), at(k));
    const entry: InFlight = { packet, ids, statuses: new Array<number>(n).fill(NETIF_RSP_OKAY), remaining: n };
    for (const id of ids) this.#byId.set(id, entry);
    this.#nextId = ((ids[n - 1] as number) + 1) % this.#idSpace;
    this.#nullsOwed += e;
    this.#packets++;
    return ids[0] as number;
  }


  /**
   * Consume every published response and return the packets whose data slots are all answered. The batch is
   * checked before anything changes: a status that is no NETIF_RSP_* (XEN_RING_BAD_RECORD), more
   * NETIF_RSP_NULL responses than extra-info slots outstanding (XEN_RING_BAD_RECORD), an id that is not an
   * outstanding data slot, or answered twice (XEN_RING_UNKNOWN_RESPONSE_ID).
   */
  poll(): NetifTxCompletion[] {
    const seen = new Set<number>();
    let nulls = 0;
    const out: NetifTxCompletion[] = [];
    this.consumeResponses<readonly [number, number] | null>((idx) => {
      this.ring.copyResponse(idx, this.rsp);
      const status = this.#rspStatus.get(this.rspView, 0);
      if (status === NETIF_RSP_NULL) {
        if (++nulls > this.#nullsOwed) {
          throw new RingError(xenRingErrorCodes.BAD_RECORD, `Response ${idx} is NETIF_RSP_NULL, but only ${this.#nullsOwed} extra-info slots await one.`, {
            index: idx, path: 'netif_tx_response.status', expected: `at most ${this.#nullsOwed} NETIF_RSP_NULL`, received: status,
          });
        }
        return null;
      }
      const bad = txStatusFault(idx, status);
      if (bad !== undefined) throw faultError(bad);
      const id = this.#rspId.get(this.rspView, 0);
      if (!this.#byId.has(id) || seen.has(id)) {
        throw new RingError(xenRingErrorCodes.UNKNOWN_RESPONSE_ID, `Response ${idx} answers id ${id}, which is not an outstanding tx slot.`, {
          index: idx, path: 'netif_tx_response.id', expected: 'an outstanding tx request id', received: id,
        });
      }
      seen.add(id);
      return [id, status] as const;
    }, (hits) => {
      for (const hit of hits) {
        if (hit === null) continue;
        const [id, status] = hit;
        const p = this.#byId.get(id) as InFlight;
        this.#byId.delete(id);
        p.statuses[p.ids.indexOf(id)] = status;
        if (--p.remaining === 0) {
          this.#packets--;
          out.push({ id: p.ids[0] as number, ids: p.ids, status: p.statuses.find((s) => s !== NETIF_RSP_OKAY) ?? NETIF_RSP_OKAY, statuses: p.statuses, packet: p.packet });
        }
      }
      this.#nullsOwed -= nulls;
    });
    return out;
  }


}

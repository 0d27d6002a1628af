/**
 * The frontend's half of a ring (ring.h `struct name_front_ring`): it produces requests and consumes
 * responses. `req_prod_pvt` and `rsp_cons` are this end's own (not in shared memory); as in C the caller
 * advances them (`RING_GET_REQUEST(r, r->req_prod_pvt++)`), through the `reqProdPvt` / `rspCons` accessors,
 * which keep them RING_IDX values. A typed end (BlkifFront, ...) owns its ring's indices: use one or the
 * other. Each method is one ring.h macro; all index arithmetic is modulo 2^32 (ring-index.ts).
 */
import { RingEnd } from './ring-end.js';
import type { SharedRing } from './shared-ring.js';
import { idxAdd, idxSub, ringIdx, RING_IDX_HALF } from './ring-index.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';

export class FrontRing extends RingEnd {
  #reqProdPvt: number;
  #rspCons: number;

  private constructor(sring: SharedRing, start: number, channel: number) {
    super(sring, channel);
    this.#reqProdPvt = ringIdx(start);
    this.#rspCons = ringIdx(start);
  }

  /**
   * FRONT_RING_ATTACH(_r, _s, _i, __size): `req_prod_pvt = rsp_cons = _i; nr_ents = __RING_SIZE(_s, __size)`.
   * FRONT_RING_INIT is attach(sring, 0).
   */
  static attach(sring: SharedRing, start = 0, options: { channel?: number } = {}): FrontRing {
    return new FrontRing(sring, start, options.channel ?? 0);
  }

  /** `(_r)->req_prod_pvt`: the next request slot to fill; the caller advances it, as in C. */
  get reqProdPvt(): number { return this.#reqProdPvt; }
  set reqProdPvt(v: number) { this.#reqProdPvt = v >>> 0; }
  /** `(_r)->rsp_cons`: the next response to consume; the caller advances it, as in C. */
  get rspCons(): number { return this.#rspCons; }
  set rspCons(v: number) { this.#rspCons = v >>> 0; }

  /** RING_FREE_REQUESTS(_r): `RING_SIZE(_r) - ((_r)->req_prod_pvt - (_r)->rsp_cons)` */
  freeRequests(): number {
    return idxSub(this.nrEnts, idxSub(this.#reqProdPvt, this.#rspCons));
  }

  /** RING_FULL(_r): `RING_FREE_REQUESTS(_r) == 0` */
  full(): boolean {
    return this.freeRequests() === 0;
  }

  /** XEN_RING_NR_UNCONSUMED_RESPONSES(_r): `(_r)->sring->rsp_prod - (_r)->rsp_cons` */
  unconsumedResponses(): number {
    return idxSub(this.sring.rspProd, this.#rspCons);
  }

  /**
   * RING_HAS_UNCONSUMED_RESPONSES(_r): XEN_RING_NR_UNCONSUMED_RESPONSES(_r) — a count, as ring.h defines it
   * unless XEN_RING_HAS_UNCONSUMED_IS_BOOL is set (then it is `!!count`; test with `> 0`).
   */
  hasUnconsumedResponses(): number {
    return this.unconsumedResponses();
  }

  /** RING_RESPONSE_PROD_OVERFLOW(_r, _prod): `((_prod) - (_r)->rsp_cons) > RING_SIZE(_r)` — an ill-behaved backend. */
  responseProdOverflow(prod: number): boolean {
    return idxSub(prod, this.#rspCons) > this.nrEnts;
  }

  /** RING_PUSH_REQUESTS(_r): `xen_wmb(); (_r)->sring->req_prod = (_r)->req_prod_pvt;` */
  pushRequests(): void {
    this.sring.port.annotate?.('RING_PUSH_REQUESTS', { req_prod_pvt: this.#reqProdPvt });
    this.sring.reqProd = this.#reqProdPvt;
  }

  /**
   * RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(_r, _notify):
   *   __old = sring->req_prod; __new = req_prod_pvt; xen_wmb(); sring->req_prod = __new; xen_mb();
   *   _notify = (RING_IDX)(__new - sring->req_event) < (RING_IDX)(__new - __old)
   * Returns _notify: true when the backend asked (via req_event) to hear about these requests.
   */
  pushRequestsAndCheckNotify(): boolean {
    const s = this.sring;
    s.port.annotate?.('RING_PUSH_REQUESTS_AND_CHECK_NOTIFY', { req_prod_pvt: this.#reqProdPvt });
    const old = s.reqProd;
    const next = this.#reqProdPvt;
    s.reqProd = next;
    s.port.fence();
    return idxSub(next, s.reqEvent) < idxSub(next, old);
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, then notify_remote_via_evtchn when it says so. Returns notify. */
  pushRequestsAndNotify(): boolean {
    const notify = this.pushRequestsAndCheckNotify();
    if (notify) this.notify();
    return notify;
  }

  /**
   * RING_FINAL_CHECK_FOR_RESPONSES(_r, _work_to_do):
   *   _work_to_do = RING_HAS_UNCONSUMED_RESPONSES(_r); if (_work_to_do) break;
   *   sring->rsp_event = rsp_cons + 1; xen_mb(); _work_to_do = RING_HAS_UNCONSUMED_RESPONSES(_r);
   * Returns work-to-do as ring.h does: the count of unconsumed responses (0 = go to sleep).
   */
  finalCheckForResponses(): number {
    this.sring.port.annotate?.('RING_FINAL_CHECK_FOR_RESPONSES', { rsp_cons: this.#rspCons });
    const n = this.unconsumedResponses();
    if (n !== 0) return n;
    this.sring.rspEvent = idxAdd(this.#rspCons, 1);
    this.sring.port.fence();
    return this.unconsumedResponses();
  }

  /**
   * Read rsp_prod once and check it before consuming: RING_RESPONSE_PROD_OVERFLOW (more responses than slots)
   * and rsp_prod beyond req_prod_pvt (answers to requests never produced) are refused with a RingError.
   * Returns the producer index to consume up to; changes nothing.
   */
  checkedResponseProd(): number {
    const prod = this.sring.rspProd;
    // rsp_prod behind rsp_cons (responses already consumed were published): moved back (ring.h RING_PUSH_RESPONSES).
    if (idxSub(prod, this.#rspCons) >= RING_IDX_HALF) {
      throw new RingError(xenRingErrorCodes.INDEX_BACKWARDS, `rsp_prod ${prod} is behind rsp_cons ${this.#rspCons}: it moved back.`, {
        index: prod, path: 'sring.rsp_prod', expected: `>= ${this.#rspCons}`, received: prod, rule: 'ring.h RING_PUSH_RESPONSES',
      });
    }
    if (this.responseProdOverflow(prod)) {
      throw new RingError(xenRingErrorCodes.RSP_PROD_OVERFLOW, `rsp_prod ${prod} is ${idxSub(prod, this.#rspCons)} past rsp_cons ${this.#rspCons}; the ring holds ${this.nrEnts}.`, {
        index: prod, expected: `rsp_prod - rsp_cons <= ${this.nrEnts}`, received: { rsp_prod: prod, rsp_cons: this.#rspCons }, rule: 'ring.h RING_RESPONSE_PROD_OVERFLOW',
      });
    }
    if (idxSub(prod, this.#rspCons) > idxSub(this.#reqProdPvt, this.#rspCons)) {
      throw new RingError(xenRingErrorCodes.RSP_PROD_AHEAD, `rsp_prod ${prod} is past req_prod_pvt ${this.#reqProdPvt}: responses to requests never produced.`, {
        index: prod, expected: `rsp_prod in [rsp_cons, req_prod_pvt] = [${this.#rspCons}, ${this.#reqProdPvt}]`, received: prod,
      });
    }
    return prod;
  }

  /** Claim the next request slot: returns req_prod_pvt and advances it, or throws XEN_RING_FULL (RING_FULL). */
  nextRequestIndex(): number {
    if (this.full()) {
      throw new RingError(xenRingErrorCodes.RING_FULL, `No free request slot: req_prod_pvt ${this.#reqProdPvt}, rsp_cons ${this.#rspCons}, ${this.nrEnts} entries.`, {
        index: this.#reqProdPvt, expected: 'RING_FREE_REQUESTS > 0', received: 0,
      });
    }
    const i = this.#reqProdPvt;
    this.#reqProdPvt = idxAdd(i, 1);
    return i;
  }
}

/**
 * The backend's half of a ring (ring.h `struct name_back_ring`): it consumes requests and produces
 * responses. `rsp_prod_pvt` and `req_cons` are this end's own (not in shared memory); as in C the caller
 * advances them (`RING_COPY_REQUEST(r, r->req_cons++, &req)`), through the `rspProdPvt` / `reqCons`
 * accessors, which keep them RING_IDX values. A typed end (BlkifBack, ...) owns its ring's indices.
 */
import { RingEnd } from './ring-end.js';
import type { SharedRing } from './shared-ring.js';
import { idxAdd, idxSub, ringIdx, RING_IDX_HALF } from './ring-index.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';

export class BackRing extends RingEnd {
  #rspProdPvt: number;
  #reqCons: number;
  /** The req_prod checkedRequestProd last accepted: a producer index only moves forward (ring.h RING_PUSH_REQUESTS). */
  #reqProdSeen: number;

  private constructor(sring: SharedRing, start: number, channel: number) {
    super(sring, channel);
    this.#rspProdPvt = ringIdx(start);
    this.#reqCons = ringIdx(start);
    this.#reqProdSeen = this.#reqCons;
  }

  /**
   * BACK_RING_ATTACH(_r, _s, _i, __size): `rsp_prod_pvt = req_cons = _i; nr_ents = __RING_SIZE(_s, __size)`.
   * BACK_RING_INIT is attach(sring, 0).
   */
  static attach(sring: SharedRing, start = 0, options: { channel?: number } = {}): BackRing {
    return new BackRing(sring, start, options.channel ?? 0);
  }

  /** `(_r)->rsp_prod_pvt`: the next response slot to fill; the caller advances it, as in C. */
  get rspProdPvt(): number { return this.#rspProdPvt; }
  set rspProdPvt(v: number) { this.#rspProdPvt = v >>> 0; }
  /** `(_r)->req_cons`: the next request to consume; the caller advances it, as in C. */
  get reqCons(): number { return this.#reqCons; }
  set reqCons(v: number) { this.#reqCons = v >>> 0; }

  /**
   * XEN_RING_NR_UNCONSUMED_REQUESTS(_r):
   *   req = sring->req_prod - req_cons; rsp = RING_SIZE(_r) - (req_cons - rsp_prod_pvt); req < rsp ? req : rsp
   * The clamp keeps a backend from consuming more requests than it has room to answer.
   */
  unconsumedRequests(): number {
    const req = idxSub(this.sring.reqProd, this.#reqCons);
    const rsp = idxSub(this.nrEnts, idxSub(this.#reqCons, this.#rspProdPvt));
    return req < rsp ? req : rsp;
  }

  /** RING_HAS_UNCONSUMED_REQUESTS(_r): XEN_RING_NR_UNCONSUMED_REQUESTS(_r), a count (see front's note). */
  hasUnconsumedRequests(): number {
    return this.unconsumedRequests();
  }

  /** RING_REQUEST_CONS_OVERFLOW(_r, _cons): `((_cons) - (_r)->rsp_prod_pvt) >= RING_SIZE(_r)` — loop termination. */
  requestConsOverflow(cons: number): boolean {
    return idxSub(cons, this.#rspProdPvt) >= this.nrEnts;
  }

  /** RING_REQUEST_PROD_OVERFLOW(_r, _prod): `((_prod) - (_r)->rsp_prod_pvt) > RING_SIZE(_r)` — an ill-behaved frontend. */
  requestProdOverflow(prod: number): boolean {
    return idxSub(prod, this.#rspProdPvt) > this.nrEnts;
  }

  /** RING_PUSH_RESPONSES(_r): `xen_wmb(); (_r)->sring->rsp_prod = (_r)->rsp_prod_pvt;` */
  pushResponses(): void {
    this.sring.port.annotate?.('RING_PUSH_RESPONSES', { rsp_prod_pvt: this.#rspProdPvt });
    this.sring.rspProd = this.#rspProdPvt;
  }

  /**
   * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(_r, _notify):
   *   __old = sring->rsp_prod; __new = rsp_prod_pvt; xen_wmb(); sring->rsp_prod = __new; xen_mb();
   *   _notify = (RING_IDX)(__new - sring->rsp_event) < (RING_IDX)(__new - __old)
   */
  pushResponsesAndCheckNotify(): boolean {
    const s = this.sring;
    s.port.annotate?.('RING_PUSH_RESPONSES_AND_CHECK_NOTIFY', { rsp_prod_pvt: this.#rspProdPvt });
    const old = s.rspProd;
    const next = this.#rspProdPvt;
    s.rspProd = next;
    s.port.fence();
    return idxSub(next, s.rspEvent) < idxSub(next, old);
  }

  /** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY, then notify_remote_via_evtchn when it says so. Returns notify. */
  pushResponsesAndNotify(): boolean {
    const notify = this.pushResponsesAndCheckNotify();
    if (notify) this.notify();
    return notify;
  }

  /**
   * RING_FINAL_CHECK_FOR_REQUESTS(_r, _work_to_do):
   *   _work_to_do = RING_HAS_UNCONSUMED_REQUESTS(_r); if (_work_to_do) break;
   *   sring->req_event = req_cons + 1; xen_mb(); _work_to_do = RING_HAS_UNCONSUMED_REQUESTS(_r);
   * Returns the count of unconsumed requests (0 = go to sleep), as ring.h does.
   */
  finalCheckForRequests(): number {
    this.sring.port.annotate?.('RING_FINAL_CHECK_FOR_REQUESTS', { req_cons: this.#reqCons });
    const n = this.unconsumedRequests();
    if (n !== 0) return n;
    this.sring.reqEvent = idxAdd(this.#reqCons, 1);
    this.sring.port.fence();
    return this.unconsumedRequests();
  }

  /**
   * Read req_prod once and check it before consuming (Linux blkback's pattern): RING_REQUEST_PROD_OVERFLOW
   * is refused with XEN_RING_REQ_PROD_OVERFLOW and changes nothing. Returns the index to consume up to.
   */
  checkedRequestProd(): number {
    const prod = this.sring.reqProd;
    // req_prod behind what it was, or behind req_cons (requests already consumed were published): moved back.
    const seen = idxSub(this.#reqProdSeen, this.#reqCons) <= this.nrEnts ? this.#reqProdSeen : this.#reqCons;
    if (idxSub(prod, seen) >= RING_IDX_HALF) {
      throw new RingError(xenRingErrorCodes.INDEX_BACKWARDS, `req_prod ${prod} is behind ${seen}, where it was before.`, {
        index: prod, path: 'sring.req_prod', expected: `>= ${seen}`, received: prod, rule: 'ring.h RING_PUSH_REQUESTS',
      });
    }
    if (this.requestProdOverflow(prod)) {
      throw new RingError(xenRingErrorCodes.REQ_PROD_OVERFLOW, `req_prod ${prod} is ${idxSub(prod, this.#rspProdPvt)} past rsp_prod_pvt ${this.#rspProdPvt}; the ring holds ${this.nrEnts}.`, {
        index: prod, expected: `req_prod - rsp_prod_pvt <= ${this.nrEnts}`, received: { req_prod: prod, rsp_prod_pvt: this.#rspProdPvt }, rule: 'ring.h RING_REQUEST_PROD_OVERFLOW',
      });
    }
    this.#reqProdSeen = prod;
    return prod;
  }

  /** Claim the next response slot: returns rsp_prod_pvt and advances it; refuses to answer past req_cons. */
  nextResponseIndex(): number {
    if (this.#rspProdPvt === this.#reqCons) {
      throw new RingError(xenRingErrorCodes.RING_FULL, `No consumed request left to answer: rsp_prod_pvt ${this.#rspProdPvt} == req_cons.`, {
        index: this.#rspProdPvt, expected: 'rsp_prod_pvt != req_cons', received: this.#reqCons,
      });
    }
    const i = this.#rspProdPvt;
    this.#rspProdPvt = idxAdd(i, 1);
    return i;
  }
}

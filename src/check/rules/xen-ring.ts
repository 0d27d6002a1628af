/**
 * Xen ring state rules (xen/io/ring.h): producer indices that overrun the ring, run ahead of the other side
 * or move back, consumers that copy what was never published or copy a record twice (XSA-155), a frontend
 * that writes a request slot the backend may still be reading.
 */
import type { TraceEvent } from '../../trace/event.js';
import { idxSub } from '../../xen/ring-index.js';
import type { RuleContext, TraceRuleFactory } from '../rule.js';
import { IDX_HALF, type XenRingState } from '../xen-state.js';

type Ctx = RuleContext<XenRingState>;

/** A producer index moves forward only; a store moving it back is reported here (and by no overflow rule). */
const indexBackwards: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_RING_INDEX_BACKWARDS'],
  check(ctx: Ctx, e: TraceEvent): void {
    const s = ctx.state.prodStore(e);
    if (s === undefined || !ctx.state.inUse || s.value === s.old || idxSub(s.value, s.old) < IDX_HALF) return;
    ctx.report('XEN_RING_INDEX_BACKWARDS', {
      path: `sring.${s.name}`, expected: `>= ${s.old}`, actual: s.value,
      message: `${e.party} moved ${s.name} back from ${s.old} to ${s.value}.`,
    });
  },
});

/** A store that moved an index back is not also an overrun. */
function forward(ctx: Ctx, e: TraceEvent, name: 'req_prod' | 'rsp_prod') {
  const s = ctx.state.prodStore(e);
  if (s === undefined || s.name !== name || !(s.published || ctx.state.inUse)) return undefined;
  return s.value === s.old || idxSub(s.value, s.old) >= IDX_HALF ? undefined : s;
}

/** RING_REQUEST_PROD_OVERFLOW: req_prod - rsp_prod_pvt > RING_SIZE; the backend's published rsp_prod bounds rsp_prod_pvt from below. */
const reqProdOverflow: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_RING_REQ_PROD_OVERFLOW'],
  check(ctx: Ctx, e: TraceEvent): void {
    const s = forward(ctx, e, 'req_prod');
    if (s === undefined) return;
    const ahead = idxSub(s.value, ctx.state.rspProd);
    if (ahead <= ctx.state.nrEnts) return;
    ctx.report('XEN_RING_REQ_PROD_OVERFLOW', {
      path: 'sring.req_prod', expected: `req_prod - rsp_prod <= ${ctx.state.nrEnts}`, actual: { req_prod: s.value, rsp_prod: ctx.state.rspProd },
      message: `${e.party} published req_prod ${s.value}, ${ahead} past rsp_prod ${ctx.state.rspProd} on a ring of ${ctx.state.nrEnts}.`,
    });
  },
});

/** RING_RESPONSE_PROD_OVERFLOW: rsp_prod - rsp_cons > RING_SIZE. */
const rspProdOverflow: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_RING_RSP_PROD_OVERFLOW'],
  check(ctx: Ctx, e: TraceEvent): void {
    const s = forward(ctx, e, 'rsp_prod');
    if (s === undefined) return;
    const ahead = idxSub(s.value, ctx.state.rspCons);
    if (ahead <= ctx.state.nrEnts) return;
    ctx.report('XEN_RING_RSP_PROD_OVERFLOW', {
      path: 'sring.rsp_prod', expected: `rsp_prod - rsp_cons <= ${ctx.state.nrEnts}`, actual: { rsp_prod: s.value, rsp_cons: ctx.state.rspCons },
      message: `${e.party} published rsp_prod ${s.value}, ${ahead} past the frontend's rsp_cons ${ctx.state.rspCons} on a ring of ${ctx.state.nrEnts}.`,
    });
  },
});

/** rsp_prod within the ring but past req_prod: answers to requests never made. */
const rspProdAhead: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_RING_RSP_PROD_AHEAD'],
  check(ctx: Ctx, e: TraceEvent): void {
    const s = forward(ctx, e, 'rsp_prod');
    if (s === undefined) return;
    const { rspCons, reqProd, nrEnts } = ctx.state;
    const ahead = idxSub(s.value, rspCons);
    if (ahead > nrEnts || ahead <= idxSub(reqProd, rspCons)) return;
    ctx.report('XEN_RING_RSP_PROD_AHEAD', {
      path: 'sring.rsp_prod', expected: `<= req_prod ${reqProd}`, actual: s.value,
      message: `${e.party} published rsp_prod ${s.value}, past req_prod ${reqProd}: responses to requests never published.`,
    });
  },
});

/** RING_COPY_REQUEST / RING_COPY_RESPONSE of an index at or past the producer index. */
const consPastProd: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_RING_CONS_PAST_PROD'],
  check(ctx: Ctx, e: TraceEvent): void {
    const requests = e.kind === 'request-consumed';
    if (!requests && e.kind !== 'response-consumed') return;
    const idx = e['idx'] as number;
    const prod = requests ? ctx.state.reqProd : ctx.state.rspProd;
    if (idxSub(idx, prod) >= IDX_HALF) return; // idx < prod: published
    const name = requests ? 'req_prod' : 'rsp_prod';
    ctx.report('XEN_RING_CONS_PAST_PROD', {
      path: `${requests ? 'request' : 'response'}[${idx}]`, expected: `index < ${name} ${prod}`, actual: idx,
      message: `${e.party} copied ${requests ? 'request' : 'response'} ${idx}, not yet published (${name} is ${prod}).`,
    });
  },
});

/** A second RING_COPY_* of an index already consumed: the consumer read shared memory twice (XSA-155). */
const doubleFetch: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_RING_DOUBLE_FETCH'],
  check(ctx: Ctx, e: TraceEvent): void {
    if (e.kind !== 'request-reread' && e.kind !== 'response-reread') return;
    const side = e.kind === 'request-reread' ? 'request' : 'response';
    const cons = side === 'request' ? ctx.state.reqCons : ctx.state.rspCons;
    ctx.report('XEN_RING_DOUBLE_FETCH', {
      path: `${side}[${String(e['idx'])}]`, expected: `a copy of an index >= ${cons} (not yet consumed)`, actual: e['idx'],
      message: `${e.party} copied ${side} ${String(e['idx'])} from the shared ring again after consuming it.`,
    });
  },
});

/**
 * A frontend store into the slot of a request it published and has no response for: after RING_PUSH_REQUESTS
 * (xen_wmb, then the index store) the slot is the backend's to read until the response comes back.
 */
const slotRewritten: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_RING_SLOT_REWRITTEN'],
  check(ctx: Ctx, e: TraceEvent): void {
    if (e.kind !== 'request-written' || typeof e['slot'] !== 'number') return;
    const { reqProd, rspProd, nrEnts } = ctx.state;
    const inFlight = idxSub(reqProd, rspProd);
    const slot = e['slot'];
    const k = (slot - rspProd) & (nrEnts - 1); // how far past rsp_prod this slot's request lies
    if (inFlight === 0 || inFlight > nrEnts || k >= inFlight) return;
    const idx = (rspProd + k) >>> 0;
    ctx.report('XEN_RING_SLOT_REWRITTEN', {
      path: `request[${idx}]`, expected: `a slot outside the published, unanswered requests [${rspProd}, ${reqProd})`, actual: `slot ${slot}`,
      message: `${e.party} wrote slot ${slot} while it holds request ${idx}, published and not yet answered.`,
    });
  },
});

export const xenRingRules: readonly TraceRuleFactory<XenRingState>[] = [
  indexBackwards, reqProdOverflow, rspProdOverflow, rspProdAhead, consPastProd, doubleFetch, slotRewritten,
];


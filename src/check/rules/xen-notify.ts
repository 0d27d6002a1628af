/**
 * Xen notification and progress rules, over time: a push that ring.h says needs a notification
 * (RING_PUSH_*_AND_CHECK_NOTIFY: `new - event < new - old`, event read right after the index store) must be
 * followed by a notify record of that end before its next ring action; a ring whose requests are not all
 * answered when the trace ends, with no error found on it to explain why, is stuck; a notify no push asked
 * for is worth knowing (info); an end raising its event channel again and again with no new
 * records is a notification storm (XSA-391).
 */
import type { TraceEvent } from '../../trace/event.js';
import { idxSub } from '../../xen/ring-index.js';
import type { FindingDetail, RecordPlace } from '../finding.js';
import type { RuleContext, TraceRuleFactory } from '../rule.js';
import { IDX_HALF, type XenRingState } from '../xen-state.js';

type Ctx = RuleContext<XenRingState>;

/** Events that are an end's own ring actions (a notify owed must come before them). */
const actions = new Set([
  'requests-published', 'responses-published', 'request-consumed', 'response-consumed', 'request-reread', 'response-reread', 'event-set', 'index-set',
]);

/**
 * What a push read to decide on a notification (RING_PUSH_*_AND_CHECK_NOTIFY) for a store to req_prod or
 * rsp_prod: a publication, or once the ring is in use any forward store (an index set by hand is judged the same way).
 */
function pushCheck(ctx: Ctx, e: TraceEvent) {
  const s = ctx.state.prodStore(e);
  // A store that moves the index back publishes nothing (XEN_RING_INDEX_BACKWARDS says so).
  if (s === undefined || !(s.published || ctx.state.inUse) || idxSub(s.value, s.old) >= IDX_HALF) return undefined;
  const requests = s.name === 'req_prod';
  const event = requests ? ctx.state.reqEvent() : ctx.state.rspEvent();
  return { requests, next: s.value, old: s.old, event, name: requests ? 'req_event' : 'rsp_event', need: idxSub(s.value, event) < idxSub(s.value, s.old) };
}

const missingNotify: TraceRuleFactory<XenRingState> = () => {
  /** The push each end still owes a notification for. */
  const owed = new Map<string, { at: RecordPlace; detail: FindingDetail }>();
  const flush = (ctx: Ctx, party: string): void => {
    const o = owed.get(party);
    if (o === undefined) return;
    owed.delete(party);
    ctx.report('XEN_RING_MISSING_NOTIFY', o.detail, o.at);
  };
  return {
    ids: ['XEN_RING_MISSING_NOTIFY'],
    check(ctx, e: TraceEvent) {
      if (e.kind === 'notify') { owed.delete(e.party); return; }
      if (!actions.has(e.kind)) return;
      flush(ctx, e.party);
      const push = pushCheck(ctx, e);
      if (push === undefined || !push.need) return;
      const { requests, next, old, event, name } = push;
      owed.set(e.party, {
        at: ctx.place,
        detail: {
          path: `sring.${name}`, expected: `a notify from ${e.party} before its next ring action`, actual: 'none',
          message: `${e.party} moved ${requests ? 'req_prod' : 'rsp_prod'} from ${old} to ${next} past ${name} ${event} and did not notify.`,
        },
      });
    },
    end(ctx) {
      for (const party of [...owed.keys()]) flush(ctx, party);
    },
  };
};

/** A notify with no push since the end's last notify that asked for one (info: a wasted event, not a fault). */
const notifyNotNeeded: TraceRuleFactory<XenRingState> = () => {
  const owes = new Set<string>();
  return {
    ids: ['XEN_RING_NOTIFY_NOT_NEEDED'],
    check(ctx, e) {
      const push = pushCheck(ctx, e);
      if (push !== undefined) { if (push.need) owes.add(e.party); return; }
      if (e.kind !== 'notify' || owes.delete(e.party)) return;
      ctx.report('XEN_RING_NOTIFY_NOT_NEEDED', {
        expected: 'a notify only after a push past the peer\'s event index', actual: `notify port ${String(e['port'])}`,
        message: `${e.party} notified with no push since its last notification that the peer's event index asked for.`,
      });
    },
  };
};

const stuck: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_RING_STUCK'],
  check() { /* temporal: judged at the end */ },
  end(ctx) {
    const s = ctx.state;
    // netif_rx requests are buffers posted for packets to come: they wait unanswered by design. A ring
    // already broken by an error is expected to stall: this rule names stalls with no other cause.
    if (!s.inUse || s.ring === 'netif_rx' || ctx.errors > 0) return;
    const waiting = idxSub(s.reqProd, s.rspProd);
    if (waiting === 0 || waiting >= IDX_HALF) return;
    ctx.report('XEN_RING_STUCK', {
      expected: `rsp_prod = req_prod ${s.reqProd}`, actual: { req_prod: s.reqProd, rsp_prod: s.rspProd, req_cons: s.reqCons },
      message: `The trace ends with ${waiting} request(s) unanswered (req_prod ${s.reqProd}, rsp_prod ${s.rspProd}, backend copied up to ${s.reqCons}).`,
    }, { ...ctx.place, party: 'back' });
  },
});

/** Notifications in a row, with no record published by the same end, that make a storm. */
export const NOTIFY_STORM_COUNT = 8;

const notifyStorm: TraceRuleFactory<XenRingState> = () => {
  const idle = new Map<string, number>();
  return {
    ids: ['XEN_RING_NOTIFY_STORM'],
    check(ctx, e) {
      if (e.kind === 'requests-published' || e.kind === 'responses-published') { idle.set(e.party, 0); return; }
      if (e.kind !== 'notify') return;
      const n = (idle.get(e.party) ?? 0) + 1;
      idle.set(e.party, n);
      if (n !== NOTIFY_STORM_COUNT) return;
      ctx.report('XEN_RING_NOTIFY_STORM', {
        expected: `fewer than ${NOTIFY_STORM_COUNT} notifications without new records`, actual: n,
        message: `${e.party} raised port ${String(e['port'])} ${n} times in a row without publishing anything new.`,
      });
    },
  };
};

export const xenNotifyRules: readonly TraceRuleFactory<XenRingState>[] = [missingNotify, notifyNotNeeded, stuck, notifyStorm];

/**
 * Xen event-index rules (xen/io/ring.h): how a consumer goes to sleep. The backend consumes requests and
 * arms req_event; the frontend consumes responses and arms rsp_event. The producer notifies only when its
 * push moves its index onto or past the event index (RING_PUSH_*_AND_CHECK_NOTIFY: `new - event < new - old`).
 *
 * XEN_RING_EVENT_LOST_WAKEUP: a consumer store of its event index E with E - cons not in 1..RING_SIZE, cons
 * being the consumer's own index then (the next record it has not copied). E <= cons has been passed already
 * (no push will ever meet it) and E > cons + RING_SIZE lies beyond any index the producer can reach before
 * the consumer frees slots: either way no notification comes. RING_FINAL_CHECK_FOR_* sets cons + 1.
 *
 * XEN_RING_NO_FINAL_CHECK: a consumer store of E with cons < E <= prod (prod: the producer index already
 * published): records up to E - 1 are out, and the producer, having passed E, will not notify for them.
 * RING_FINAL_CHECK_FOR_* re-reads prod after the store for this very case. The obligation is met when the
 * consumer then copies record E - 1 (its cons reaches E), when the producer notifies after the store, or
 * when the consumer re-arms (judged afresh). One still open when the interface ends is reported at the store,
 * unless an error already found on the ring explains the stall (as XEN_RING_STUCK does).
 *
 * Only the consumer's own stores are judged (SHARED_RING_INIT, by the frontend, writes both event indices).
 * A consumer index is trusted once the consumer has copied a record on that side, or while nothing is
 * published past it; a trace whose consumer leaves no RING_COPY_* annotation is not judged by guesses.
 */
import type { TraceEvent } from '../../trace/event.js';
import { idxSub } from '../../xen/ring-index.js';
import type { FindingDetail, RecordPlace } from '../finding.js';
import type { RuleContext, TraceRuleFactory } from '../rule.js';
import { IDX_HALF, type XenRingState } from '../xen-state.js';

type Ctx = RuleContext<XenRingState>;

/** One side of the ring as its consumer sees it. */
interface Side {
  readonly name: 'req_event' | 'rsp_event';
  /** The consumer's party word. */
  readonly consumer: 'back' | 'front';
  readonly producer: 'front' | 'back';
  readonly consumed: string;
  readonly cons: (s: XenRingState) => number;
  readonly prod: (s: XenRingState) => number;
}

const sides: readonly Side[] = [
  { name: 'req_event', consumer: 'back', producer: 'front', consumed: 'request-consumed', cons: (s) => s.reqCons, prod: (s) => s.reqProd },
  { name: 'rsp_event', consumer: 'front', producer: 'back', consumed: 'response-consumed', cons: (s) => s.rspCons, prod: (s) => s.rspProd },
];

/** The consumer's store to its event index that `e` reports, with the side. */
function armed(e: TraceEvent): { side: Side; value: number } | undefined {
  if (e.kind !== 'event-set') return undefined;
  for (const side of sides) {
    const v = e[side.name];
    if (typeof v === 'number' && e.party === side.consumer) return { side, value: v };
  }
  return undefined;
}

/** Whether the checker's copy of the consumer index can be trusted on this side (see the module comment). */
function trusted(s: XenRingState, side: Side, copied: ReadonlySet<Side>): boolean {
  return copied.has(side) || side.prod(s) === side.cons(s);
}

const lostWakeup: TraceRuleFactory<XenRingState> = () => {
  const copied = new Set<Side>();
  return {
    ids: ['XEN_RING_EVENT_LOST_WAKEUP'],
    check(ctx: Ctx, e: TraceEvent) {
      for (const side of sides) if (e.kind === side.consumed) copied.add(side);
      const a = armed(e);
      if (a === undefined || !trusted(ctx.state, a.side, copied)) return;
      const cons = a.side.cons(ctx.state);
      const ahead = idxSub(a.value, cons);
      const n = ctx.state.nrEnts;
      if (ahead >= 1 && ahead <= n) return;
      ctx.report('XEN_RING_EVENT_LOST_WAKEUP', {
        path: `sring.${a.side.name}`, expected: `${(cons + 1) >>> 0}..${(cons + n) >>> 0} (cons ${cons} + 1 .. cons + RING_SIZE)`, actual: a.value,
        message: `${e.party} set ${a.side.name} ${a.value} with its consumer index at ${cons}: ${ahead === 0 || ahead >= IDX_HALF ? 'an index already passed' : 'an index no push can reach'}, so no notification wakes it.`,
      });
    },
  };
};

const noFinalCheck: TraceRuleFactory<XenRingState> = () => {
  const copied = new Set<Side>();
  /** The open obligation per side: the event index armed, where, and what to report. */
  const open = new Map<Side, { event: number; at: RecordPlace; detail: FindingDetail }>();
  return {
    ids: ['XEN_RING_NO_FINAL_CHECK'],
    check(ctx: Ctx, e: TraceEvent) {
      const s = ctx.state;
      for (const side of sides) {
        const o = open.get(side);
        if (e.kind === side.consumed) {
          copied.add(side);
          // The consumer copied record idx: its index is now idx + 1.
          if (o !== undefined && typeof e['idx'] === 'number' && idxSub((e['idx'] + 1) >>> 0, o.event) < IDX_HALF) open.delete(side);
        } else if (e.kind === 'notify' && e.party === side.producer) open.delete(side);
      }
      const a = armed(e);
      if (a === undefined) return;
      open.delete(a.side);
      if (!trusted(s, a.side, copied)) return;
      const cons = a.side.cons(s);
      const prod = a.side.prod(s);
      const ahead = idxSub(a.value, cons);
      // cons < E <= prod: published records the producer will not notify about.
      if (ahead < 1 || ahead > s.nrEnts || idxSub(prod, a.value) >= IDX_HALF) return;
      const prodName = a.side.name === 'req_event' ? 'req_prod' : 'rsp_prod';
      open.set(a.side, {
        event: a.value, at: ctx.place,
        detail: {
          path: `sring.${a.side.name}`, expected: `a copy of record ${(a.value - 1) >>> 0} after re-reading ${prodName} (RING_FINAL_CHECK_FOR_*), or a notify from ${a.side.producer}`, actual: 'none',
          message: `${e.party} set ${a.side.name} ${a.value} with ${prodName} already at ${prod} and its consumer index at ${cons}, and never consumed the records published.`,
        },
      });
    },
    end(ctx: Ctx) {
      if (ctx.errors > 0) return;
      for (const o of open.values()) ctx.report('XEN_RING_NO_FINAL_CHECK', o.detail, o.at);
      open.clear();
    },
  };
};

export const xenEventRules: readonly TraceRuleFactory<XenRingState>[] = [lostWakeup, noFinalCheck];

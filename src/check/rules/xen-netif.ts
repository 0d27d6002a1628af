/**
 * netif record rules (xen/io/netif.h; what Linux netback refuses): tx packets walked slot by slot
 * (netif-tx-walk.ts) for page crossings, slot counts, first-slot totals, extra-info types and GSO extras;
 * GSO types the backend did not offer in xenstore; control requests of no XEN_NETIF_CTRL_TYPE_*, control
 * responses of no XEN_NETIF_CTRL_STATUS_*; and, under XEN_RING_BAD_RECORD, the response records the typed
 * frontends refuse that no narrower rule names (a tx status that is no NETIF_RSP_*, a control response whose
 * type does not echo its request's). Every check is the typed end's own (src/xen/netif-faults.ts).
 */
import type { TraceEvent } from '../../trace/event.js';
import type { RuleContext, TraceRuleFactory } from '../rule.js';
import { publishedRecords, type XenRingState } from '../xen-state.js';
import { NetifTxWalk } from '../netif-tx-walk.js';
import { xenConstant } from '../../xen/xen-constants.js';
import { ctrlEchoFault, ctrlStatusFault, ctrlTypeFault, gsoFeatureKey, gsoOfferFault, txStatusFault, type NetifFault } from '../../xen/netif-faults.js';
import { idxAdd } from '../../xen/ring-index.js';

type Ctx = RuleContext<XenRingState>;

/** A fault as a finding: the path names the ring position (`request[5].offset`), the message says who published it. */
function report(ctx: Ctx, e: TraceEvent, f: NetifFault): void {
  const side = f.path.includes('_response') ? 'response' : 'request';
  ctx.report(f.rule, { path: `${side}[${f.index}]${f.path.slice(f.path.indexOf('.'))}`, expected: f.expected, actual: f.received, message: `${f.message.replace(/\.$/, '')} (published by ${e.party}).` });
}

const netifTx: TraceRuleFactory<XenRingState> = () => {
  let walk: NetifTxWalk | undefined;
  return {
    ids: [
      'XEN_NETIF_CROSSES_PAGE', 'XEN_NETIF_TOO_MANY_SLOTS', 'XEN_NETIF_FIRST_SLOT_SHORT', 'XEN_NETIF_EXTRA_BAD_TYPE', 'XEN_NETIF_EXTRA_REPEATED',
      'XEN_NETIF_GSO_SIZE_ZERO', 'XEN_NETIF_GSO_UNKNOWN_TYPE', 'XEN_NETIF_GSO_NOT_OFFERED',
    ],
    check(ctx, e) {
      const s = ctx.state;
      if (s.ring !== 'netif_tx' || e.kind !== 'requests-published' || typeof e['first'] !== 'number' || typeof e['count'] !== 'number') return;
      walk ??= new NetifTxWalk(s.type);
      for (let k = 0; k < e['count']; k++) {
        const index = idxAdd(e['first'], k);
        const bytes = s.slotBytes(index);
        if (bytes === undefined) return;
        const { fault, gso } = walk.slot(index, bytes);
        if (fault !== undefined) report(ctx, e, fault);
        // Once the backend is Connected in the trace, its feature-gso-* keys are what it offers.
        const offer = gso !== undefined && s.backendConnected ? gsoOfferFault(gso.index, gso.type, s.backendKeys.get(gsoFeatureKey(gso.type)) === '1') : undefined;
        if (offer !== undefined) report(ctx, e, offer);
      }
    },
  };
};

/** Outstanding control requests remembered at most (ids beyond are forgotten oldest first). */
const ctrlKept = (s: XenRingState): number => 2 * s.nrEnts;

const netifCtrl: TraceRuleFactory<XenRingState> = () => {
  /** Control request type by id, for the responses to echo. */
  const types = new Map<number, number>();
  return {
    ids: ['XEN_NETIF_CTRL_UNKNOWN_TYPE', 'XEN_NETIF_CTRL_BAD_STATUS', 'XEN_RING_BAD_RECORD'],
    check(ctx, e) {
      const s = ctx.state;
      if (s.ring === 'netif_tx' && e.kind === 'responses-published') {
        for (const r of publishedRecords(e, 'responses')) {
          const f = typeof r['status'] === 'number' ? txStatusFault(r.index, r['status']) : undefined;
          if (f !== undefined) report(ctx, e, f);
        }
        return;
      }
      if (s.ring !== 'xen_netif_ctrl') return;
      if (e.kind === 'requests-published') {
        for (const r of publishedRecords(e, 'requests')) {
          if (typeof r['type'] !== 'number' || typeof r['id'] !== 'number') continue;
          const f = ctrlTypeFault(r.index, r['type']);
          if (f !== undefined) report(ctx, e, f);
          types.delete(r['id']);
          types.set(r['id'], r['type']);
          for (const id of types.keys()) { if (types.size <= ctrlKept(s)) break; types.delete(id); }
        }
      } else if (e.kind === 'responses-published') {
        for (const r of publishedRecords(e, 'responses')) {
          if (typeof r['id'] !== 'number') continue;
          const want = types.get(r['id']);
          const echo = want === undefined || typeof r['type'] !== 'number' ? undefined : ctrlEchoFault(r.index, r['id'], r['type'], want);
          if (echo !== undefined) report(ctx, e, echo);
          const f = typeof r['status'] === 'number' ? ctrlStatusFault(r.index, r['status']) : undefined;
          if (f !== undefined) report(ctx, e, f);
          types.delete(r['id']);
        }
      }
    },
  };
};

export const xenNetifRules: readonly TraceRuleFactory<XenRingState>[] = [netifTx, netifCtrl];

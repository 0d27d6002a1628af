/**
 * blkif record rules (xen/io/blkif.h; what Linux blkback and blkfront refuse): request operations, segment
 * counts and sector ranges, response status and operation — the checks BlkifBack and BlkifFront make, from
 * xen/blkif-faults.ts — and request ids (one outstanding request per id, one response per request).
 */
import type { TraceEvent } from '../../trace/event.js';
import type { RuleContext, TraceRuleFactory } from '../rule.js';
import { publishedRecords, type XenRingState } from '../xen-state.js';
import { BLKIF_OP_INDIRECT } from '../../xen/blkif-request.js';
import type { RecordFault } from '../../xen/record-fault.js';
import {
  BLKIF_ALL_FEATURES, blkifDiscardFault, blkifHasSegments, blkifOpFault, blkifRspOperationFault, blkifSectOrderFault, blkifSectPastPageFault,
  blkifSegmentCountFault, blkifStatusFault, type BlkifBackFeatures,
} from '../../xen/blkif-faults.js';

type Ctx = RuleContext<XenRingState>;

/**
 * The requests a publication event carries, or a snapshot shows outstanding (a capture of a live ring sees
 * states, not stores: what it shows in [rsp_prod, req_prod) was published), on a blkif ring.
 */
function requests(ctx: Ctx, e: TraceEvent) {
  return ctx.state.ring === 'blkif' && (e.kind === 'requests-published' || e.kind === 'ring-snapshot') ? publishedRecords(e, 'requests', ctx.state.requestAsBase) : [];
}

function responses(ctx: Ctx, e: TraceEvent) {
  return ctx.state.ring === 'blkif' && e.kind === 'responses-published' ? publishedRecords(e, 'responses') : [];
}

/** A fault as a finding: the path names the ring position (`request[5].nr_segments`), the message says who published it. */
function report(ctx: Ctx, e: TraceEvent, f: RecordFault): void {
  const side = f.path.startsWith('blkif_response') ? 'response' : 'request';
  ctx.report(f.rule, { path: `${side}[${f.index}]${f.path.slice(f.path.indexOf('.'))}`, expected: f.expected, actual: f.received, message: `${f.message.replace(/\.$/, '')} (published by ${e.party}).` });
}

/** What the backend offers: once it is Connected in the trace, its feature-* keys; before, all the protocol allows. */
function offered(ctx: Ctx): BlkifBackFeatures {
  if (!ctx.state.backendConnected) return BLKIF_ALL_FEATURES;
  const max = Number(ctx.state.backendKeys.get('feature-max-indirect-segments') ?? 0);
  return { maxIndirectSegments: Number.isFinite(max) ? max : 0, discard: ctx.state.backendKeys.get('feature-discard') === '1' };
}

/** The segments a request with seg[] uses: seg[0 .. min(nr_segments, 11)). */
function* segments(r: Record<string, unknown>): Generator<{ k: number; first: number; last: number }> {
  const seg = r['seg'];
  const n = r['nr_segments'];
  if (!blkifHasSegments(r['operation'] as number) || !Array.isArray(seg) || typeof n !== 'number') return;
  for (let k = 0; k < Math.min(n, seg.length); k++) {
    const s = seg[k] as { first_sect?: unknown; last_sect?: unknown };
    if (typeof s.first_sect === 'number' && typeof s.last_sect === 'number') yield { k, first: s.first_sect, last: s.last_sect };
  }
}

/** Every request rule of blkif-faults.ts, as BlkifBack applies them, on each request published or shown outstanding. */
const requestRules: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_BLKIF_UNKNOWN_OP', 'XEN_BLKIF_NO_SEGMENTS', 'XEN_BLKIF_TOO_MANY_SEGMENTS', 'XEN_BLKIF_INDIRECT_TOO_MANY', 'XEN_BLKIF_DISCARD_NOT_OFFERED', 'XEN_BLKIF_SECT_ORDER', 'XEN_BLKIF_SECT_PAST_PAGE'],
  check(ctx, e) {
    const features = offered(ctx);
    for (const r of requests(ctx, e)) {
      const op = r['operation'];
      const n = r['nr_segments'];
      if (typeof op !== 'number') continue;
      const bad = blkifOpFault(r.index, op) ?? (typeof n === 'number' ? blkifSegmentCountFault(r.index, op, n, features) : undefined);
      if (bad !== undefined) report(ctx, e, bad);
      const discard = blkifDiscardFault(r.index, op, features);
      if (discard !== undefined) report(ctx, e, discard);
      for (const g of segments(r)) {
        const order = blkifSectOrderFault(r.index, g.k, g.first, g.last);
        if (order !== undefined) report(ctx, e, order);
        const past = blkifSectPastPageFault(r.index, g.k, g.last);
        if (past !== undefined) report(ctx, e, past);
      }
    }
  },
});

/** The response rules BlkifFront applies: a BLKIF_RSP_* status, the operation its request gets back. */
const responseRules: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_BLKIF_BAD_STATUS', 'XEN_BLKIF_RSP_OPERATION'],
  check(ctx, e) {
    for (const r of responses(ctx, e)) {
      const st = r['status'];
      const status = typeof st === 'number' ? blkifStatusFault(r.index, st) : undefined;
      if (status !== undefined) report(ctx, e, status);
      const req = ctx.state.outstanding.get(r['id'] as string);
      const op = r['operation'];
      if (req === undefined || typeof op !== 'number') continue;
      const want = req.operation === BLKIF_OP_INDIRECT ? req.indirect_op : req.operation;
      const wrong = typeof want === 'number' ? blkifRspOperationFault(r.index, r['id'] as string, op, want) : undefined;
      if (wrong !== undefined) report(ctx, e, wrong);
    }
  },
});

/** A request id already outstanding (published earlier or earlier in the same publication). */
const duplicateRequestId: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_RING_DUPLICATE_REQUEST_ID'],
  check(ctx, e) {
    const now = new Set<string>();
    for (const r of requests(ctx, e)) {
      const id = r['id'] as string;
      // A snapshot shows requests again that a recorded publication may already have counted: within it only.
      const earlier = e.kind === 'ring-snapshot' ? undefined : ctx.state.outstanding.get(id);
      if (earlier !== undefined || now.has(id)) {
        ctx.report('XEN_RING_DUPLICATE_REQUEST_ID', {
          path: `request[${r.index}].id`, expected: 'an id with no request outstanding', actual: id,
          message: `${e.party} published request ${r.index} with id ${id}, still outstanding${earlier === undefined ? ' in the same push' : ` since seq ${earlier.place.seq}`}.`,
        });
      }
      now.add(id);
    }
  },
});

/** A response whose id is not outstanding: never requested, or answered already. */
const unknownResponseId: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_RING_UNKNOWN_RESPONSE_ID'],
  check(ctx, e) {
    const answered = new Map<string, number>();
    for (const r of responses(ctx, e)) {
      const id = r['id'] as string;
      const n = answered.get(id) ?? 0;
      if ((ctx.state.outstanding.get(id)?.count ?? 0) <= n) {
        ctx.report('XEN_RING_UNKNOWN_RESPONSE_ID', {
          path: `response[${r.index}].id`, expected: `an outstanding id (${[...ctx.state.outstanding.keys()].join(', ') || 'none'})`, actual: id,
          message: `${e.party} published response ${r.index} for id ${id}, which has no request outstanding.`,
        });
      }
      answered.set(id, n + 1);
    }
  },
});

export const xenBlkifRules: readonly TraceRuleFactory<XenRingState>[] = [
  requestRules, responseRules, duplicateRequestId, unknownResponseId,
];

/**
 * blkif record rules (xen/io/blkif.h; what Linux blkback and blkfront refuse): request operations, segment
 * counts and sector ranges, response status and operation, and request ids (one outstanding request per id,
 * one response per request).
 */
import type { TraceEvent } from '../../trace/event.js';
import type { RuleContext, TraceRuleFactory } from '../rule.js';
import { publishedRecords, type XenRingState } from '../xen-state.js';
import { XEN_PAGE_SHIFT } from '../../../protocol/index.js';
import { blkifRing } from '../../../protocol/xen/blkif.js';
import { layoutOf } from '../../layout/compile.js';
import { xenConstant } from '../../xen/xen-constants.js';
import {
  BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT, BLKIF_MAX_SEGMENTS_PER_REQUEST,
  BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST, BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, BLKIF_RSP_EOPNOTSUPP,
} from '../../xen/blkif-request.js';

type Ctx = RuleContext<XenRingState>;

// xen/io/blkif.h values, from protocol/ (never restated here): the operations the ring description names,
// those whose request carries seg[] (the variants with a segment rule), and the BLKIF_RSP_* statuses.
// BLKIF_OP_RESERVED_1 is named by blkif.h but no backend serves it (Linux blkback's dispatch_other_io refuses it).
const knownOps = new Set(blkifRing.requestVariants.variants.filter((v) => v.constant !== 'BLKIF_OP_RESERVED_1').map((v) => xenConstant(v.constant)));
const segmentOps = new Set(blkifRing.requestVariants.variants.filter((v) => 'segments' in v).map((v) => xenConstant(v.constant)));
const statuses = new Set([BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, BLKIF_RSP_EOPNOTSUPP]);
const SEGMENT_SIZE = layoutOf('blkif_request_segment').size;
/** Sectors of 512 bytes in a page of 1 << XEN_PAGE_SHIFT bytes: last_sect is at most 7. */
const LAST_SECT_MAX = (1 << XEN_PAGE_SHIFT) / 512 - 1;

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

const unknownOp: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_BLKIF_UNKNOWN_OP'],
  check(ctx, e) {
    for (const r of requests(ctx, e)) {
      const op = r['operation'];
      if (typeof op === 'number' && !knownOps.has(op)) {
        ctx.report('XEN_BLKIF_UNKNOWN_OP', {
          path: `request[${r.index}].operation`, expected: `a BLKIF_OP_* the backend knows (${[...knownOps].join(', ')})`, actual: op,
          message: `${e.party} published request ${r.index} with operation ${op}, which no BLKIF_OP_* names.`,
        });
      }
    }
  },
});

const noSegments: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_BLKIF_NO_SEGMENTS'],
  check(ctx, e) {
    for (const r of requests(ctx, e)) {
      if ((r['operation'] === BLKIF_OP_READ || r['operation'] === BLKIF_OP_WRITE) && r['nr_segments'] === 0) {
        ctx.report('XEN_BLKIF_NO_SEGMENTS', {
          path: `request[${r.index}].nr_segments`, expected: `1..${BLKIF_MAX_SEGMENTS_PER_REQUEST}`, actual: 0,
          message: `${e.party} published ${r['operation'] === BLKIF_OP_READ ? 'read' : 'write'} request ${r.index} with no segments.`,
        });
      }
    }
  },
});

const tooManySegments: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_BLKIF_TOO_MANY_SEGMENTS'],
  check(ctx, e) {
    for (const r of requests(ctx, e)) {
      const n = r['nr_segments'];
      if (segmentOps.has(r['operation'] as number) && typeof n === 'number' && n > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        ctx.report('XEN_BLKIF_TOO_MANY_SEGMENTS', {
          path: `request[${r.index}].nr_segments`, expected: `<= ${BLKIF_MAX_SEGMENTS_PER_REQUEST}`, actual: n,
          message: `${e.party} published request ${r.index} with ${n} segments; a direct request holds ${BLKIF_MAX_SEGMENTS_PER_REQUEST}.`,
        });
      }
    }
  },
});

/** The segments a direct request uses: seg[0 .. min(nr_segments, 11)). */
function* segments(r: Record<string, unknown>): Generator<{ k: number; first: number; last: number }> {
  const seg = r['seg'];
  const n = r['nr_segments'];
  if (!segmentOps.has(r['operation'] as number) || !Array.isArray(seg) || typeof n !== 'number') return;
  for (let k = 0; k < Math.min(n, seg.length); k++) {
    const s = seg[k] as { first_sect?: unknown; last_sect?: unknown };
    if (typeof s.first_sect === 'number' && typeof s.last_sect === 'number') yield { k, first: s.first_sect, last: s.last_sect };
  }
}

const sectOrder: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_BLKIF_SECT_ORDER'],
  check(ctx, e) {
    for (const r of requests(ctx, e)) {
      for (const s of segments(r)) {
        if (s.first <= s.last) continue;
        ctx.report('XEN_BLKIF_SECT_ORDER', {
          path: `request[${r.index}].seg[${s.k}].first_sect`, expected: `<= last_sect ${s.last}`, actual: s.first,
          message: `${e.party} published request ${r.index} whose segment ${s.k} starts at sector ${s.first}, after its last sector ${s.last}.`,
        });
      }
    }
  },
});

const sectPastPage: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_BLKIF_SECT_PAST_PAGE'],
  check(ctx, e) {
    for (const r of requests(ctx, e)) {
      for (const s of segments(r)) {
        if (s.last <= LAST_SECT_MAX) continue;
        ctx.report('XEN_BLKIF_SECT_PAST_PAGE', {
          path: `request[${r.index}].seg[${s.k}].last_sect`, expected: `<= ${LAST_SECT_MAX}`, actual: s.last,
          message: `${e.party} published request ${r.index} whose segment ${s.k} ends at sector ${s.last}, past its 4096-byte frame.`,
        });
      }
    }
  },
});

const badStatus: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_BLKIF_BAD_STATUS'],
  check(ctx, e) {
    for (const r of responses(ctx, e)) {
      const st = r['status'];
      if (typeof st === 'number' && !statuses.has(st)) {
        ctx.report('XEN_BLKIF_BAD_STATUS', {
          path: `response[${r.index}].status`, expected: 'BLKIF_RSP_OKAY (0), BLKIF_RSP_ERROR (-1) or BLKIF_RSP_EOPNOTSUPP (-2)', actual: st,
          message: `${e.party} published response ${r.index} with status ${st}, which no BLKIF_RSP_* names.`,
        });
      }
    }
  },
});

const rspOperation: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_BLKIF_RSP_OPERATION'],
  check(ctx, e) {
    for (const r of responses(ctx, e)) {
      const req = ctx.state.outstanding.get(r['id'] as string);
      const op = r['operation'];
      if (req === undefined || op === req.operation || (req.operation === BLKIF_OP_INDIRECT && op === req.indirect_op)) continue;
      ctx.report('XEN_BLKIF_RSP_OPERATION', {
        path: `response[${r.index}].operation`, expected: req.operation === BLKIF_OP_INDIRECT ? `indirect_op ${String(req.indirect_op)} or ${req.operation}` : req.operation, actual: op,
        message: `${e.party} answered request id ${String(r['id'])} (operation ${req.operation}) with operation ${String(op)}.`,
      });
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

/** BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST pages of (1 << XEN_PAGE_SHIFT) / sizeof(struct blkif_request_segment) segments. */
const INDIRECT_SEGMENTS_MAX = BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * ((1 << XEN_PAGE_SHIFT) / SEGMENT_SIZE);

const indirectTooMany: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_BLKIF_INDIRECT_TOO_MANY'],
  check(ctx, e) {
    for (const r of requests(ctx, e)) {
      const n = r['nr_segments'];
      if (r['operation'] !== BLKIF_OP_INDIRECT || typeof n !== 'number') continue;
      // Once the backend is Connected in the trace, its feature-max-indirect-segments (absent: 0) is the limit.
      const offered = ctx.state.backendConnected ? Number(ctx.state.backendKeys.get('feature-max-indirect-segments') ?? 0) : INDIRECT_SEGMENTS_MAX;
      const limit = Math.min(Number.isFinite(offered) ? offered : 0, INDIRECT_SEGMENTS_MAX);
      if (n <= limit) continue;
      ctx.report('XEN_BLKIF_INDIRECT_TOO_MANY', {
        path: `request[${r.index}].nr_segments`, expected: `<= ${limit}${ctx.state.backendConnected ? ' (feature-max-indirect-segments)' : ''}`, actual: n,
        message: `${e.party} published indirect request ${r.index} with ${n} segments; the backend takes at most ${limit}.`,
      });
    }
  },
});

const discardNotOffered: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XEN_BLKIF_DISCARD_NOT_OFFERED'],
  check(ctx, e) {
    if (!ctx.state.backendConnected || ctx.state.backendKeys.get('feature-discard') === '1') return;
    for (const r of requests(ctx, e)) {
      if (r['operation'] !== BLKIF_OP_DISCARD) continue;
      ctx.report('XEN_BLKIF_DISCARD_NOT_OFFERED', {
        path: `request[${r.index}].operation`, expected: 'no BLKIF_OP_DISCARD: the backend did not write feature-discard = 1', actual: BLKIF_OP_DISCARD,
        message: `${e.party} published discard request ${r.index}, which the backend did not offer.`,
      });
    }
  },
});

export const xenBlkifRules: readonly TraceRuleFactory<XenRingState>[] = [
  unknownOp, noSegments, tooManySegments, sectOrder, sectPastPage, indirectTooMany, discardNotOffered, badStatus, rspOperation,
  duplicateRequestId, unknownResponseId,
];

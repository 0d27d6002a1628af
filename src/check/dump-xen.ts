/**
 * State rules on a Xen shared-ring image (`ringwire dump xen`): what the shared header and the live slots
 * show by themselves, with no history. The image is decoded by inspectRingImage (src/xen/ring-image.ts);
 * the rules here judge it and report DumpFindings under the catalogue ids the trace checker uses.
 *
 * - The producer indices (xen/io/ring.h): req_prod more than RING_SIZE past rsp_prod
 *   (XEN_RING_REQ_PROD_OVERFLOW), rsp_prod past req_prod (XEN_RING_RSP_PROD_AHEAD) or, when it is more than
 *   RING_SIZE past it, past any rsp_cons the frontend can have (XEN_RING_RSP_PROD_OVERFLOW: rsp_cons never
 *   passes req_prod, so rsp_prod - rsp_cons >= rsp_prod - req_prod).
 * - blkif requests published and not answered, [rsp_prod, req_prod), when the indices are consistent: the record rules Linux blkback applies
 *   before acting (operation, segment count, sector range, indirect segment count; xen/io/blkif.h), on the
 *   slots that cannot hold a response the backend wrote and has not pushed yet (see checkBlkifRequests), or on
 *   all of them when the caller says the backend pushes each response as it writes it (`pushed`).
 *
 * What a dump cannot judge, and so is not judged here: request ids (a backend may answer out of order, so a
 * request still in the window may have been answered and its id reused, with the answering response already
 * overwritten), response records (the response window may begin with requests written and not yet
 * published), the event indices, and the backend's feature keys (feature-discard,
 * feature-max-indirect-segments are in xenstore: indirect requests are held to
 * BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST pages of segments, discards are not judged). A slot being written at
 * the instant the image was taken may be misread. Core code: no node: imports.
 */
import type { CatalogueId } from '../../protocol/catalogue/index.js';
import { XEN_PAGE_SHIFT } from '../../protocol/index.js';
import { blkifRing } from '../../protocol/xen/blkif.js';
import { layoutOf } from '../layout/compile.js';
import { numberField, resolvePath } from '../codec/views.js';
import type { StructLayout } from '../layout/layout.js';
import { asDataView } from '../codec/scalar-io.js';
import { idxSub, RING_IDX_HALF } from '../xen/ring-index.js';
import { inspectRingImage, type RingImageReport, type RingImageSlot } from '../xen/ring-image.js';
import type { XenRingType } from '../xen/ring-type.js';
import { xenConstant } from '../xen/xen-constants.js';
import {
  BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_INDIRECT, BLKIF_MAX_SEGMENTS_PER_REQUEST, BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
  BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, BLKIF_RSP_EOPNOTSUPP,
} from '../xen/blkif-request.js';
import { DumpFindings, type DumpCheckOptions } from './dump-finding.js';
import type { DumpFinding } from './finding.js';
import type { RuleSeverity } from '../../protocol/catalogue/index.js';

/** The catalogue ids a Xen ring dump can be reported under. */
export const xenDumpRuleIds = [
  'XEN_RING_REQ_PROD_OVERFLOW', 'XEN_RING_RSP_PROD_OVERFLOW', 'XEN_RING_RSP_PROD_AHEAD',
  'XEN_BLKIF_UNKNOWN_OP', 'XEN_BLKIF_NO_SEGMENTS', 'XEN_BLKIF_TOO_MANY_SEGMENTS', 'XEN_BLKIF_SECT_ORDER', 'XEN_BLKIF_SECT_PAST_PAGE',
  'XEN_BLKIF_INDIRECT_TOO_MANY',
] as const satisfies readonly CatalogueId[];

export interface XenDumpOptions extends DumpCheckOptions {
  /**
   * The backend pushes each response as it writes it (Linux blkback's make_response does), so no request slot
   * of [rsp_prod, req_prod) holds a response not yet published, and every one of them is judged. Default
   * false: a backend may write several responses before one push (ring.h allows it; ringwire's BlkifBack does).
   */
  readonly pushed?: boolean;
}

export interface XenDumpCheck {
  /** The decoded image, as `inspectRingImage` reports it. */
  readonly report: RingImageReport;
  readonly findings: DumpFinding[];
  readonly counts: Readonly<Record<RuleSeverity, number>>;
}

// xen/io/blkif.h values from protocol/ (as the trace rules take them): the operations a backend serves
// (BLKIF_OP_RESERVED_1 is named but served by none), those carrying seg[], and the BLKIF_RSP_* statuses.
const knownOps = new Set(blkifRing.requestVariants.variants.filter((v) => v.constant !== 'BLKIF_OP_RESERVED_1').map((v) => xenConstant(v.constant)));
const segmentOps = new Set(blkifRing.requestVariants.variants.filter((v) => 'segments' in v).map((v) => xenConstant(v.constant)));
const statuses = new Set([BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, BLKIF_RSP_EOPNOTSUPP]);
/** Sectors of 512 bytes in a page of 1 << XEN_PAGE_SHIFT bytes: last_sect is at most 7. */
const LAST_SECT_MAX = (1 << XEN_PAGE_SHIFT) / 512 - 1;
/** BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST pages of (1 << XEN_PAGE_SHIFT) / sizeof(struct blkif_request_segment) segments. */
const INDIRECT_SEGMENTS_MAX = BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * ((1 << XEN_PAGE_SHIFT) / layoutOf('blkif_request_segment').size);

/** Decode `image` (a ring of `type`, 2^order pages) and judge it. */
export function checkRingImage(image: Uint8Array, type: XenRingType, order: number, options: XenDumpOptions = {}): XenDumpCheck {
  const report = inspectRingImage(image, type, order);
  const out = new DumpFindings('xen', options);
  // With inconsistent indices the slot windows are a guess (slots never written among them): records are not judged.
  if (checkIndices(report, type, out) && type.name === 'blkif') {
    // A private copy: the bytes the report was decoded from cannot change under the rules.
    const copy = image.slice(0, report.ringBytes);
    checkBlkifRequests(report, type, asDataView(copy), options.pushed === true, out);
  }
  return { report, findings: out.list, counts: out.counts };
}

/** The producer indices: false when they break a rule. */
function checkIndices(r: RingImageReport, type: XenRingType, out: DumpFindings): boolean {
  const { req_prod: req, rsp_prod: rsp } = r.header;
  const n = r.nrEnts;
  const outstanding = idxSub(req, rsp);
  if (outstanding <= n) return true;
  const ahead = idxSub(rsp, req);
  const rspAt = { area: 'sring', offset: type.header.rspProd } as const;
  if (ahead <= n) {
    out.report('XEN_RING_RSP_PROD_AHEAD', 'back', rspAt, {
      path: 'sring.rsp_prod', expected: `<= req_prod ${req}`, actual: rsp,
      message: `back published rsp_prod ${rsp}, ${ahead} past req_prod ${req}: responses to requests never published.`,
    });
  } else if (ahead < RING_IDX_HALF) {
    // RING_RESPONSE_PROD_OVERFLOW: rsp_prod - rsp_cons > RING_SIZE, and rsp_cons <= req_prod.
    out.report('XEN_RING_RSP_PROD_OVERFLOW', 'back', rspAt, {
      path: 'sring.rsp_prod', expected: `rsp_prod - req_prod <= ${n} (rsp_cons is at most req_prod)`, actual: { req_prod: req, rsp_prod: rsp },
      message: `back published rsp_prod ${rsp}, ${ahead} past req_prod ${req} and so past any rsp_cons, on a ring of ${n}.`,
    });
  } else {
    // RING_REQUEST_PROD_OVERFLOW: req_prod - rsp_prod_pvt > RING_SIZE; the published rsp_prod bounds rsp_prod_pvt from below.
    out.report('XEN_RING_REQ_PROD_OVERFLOW', 'front', { area: 'sring', offset: type.header.reqProd }, {
      path: 'sring.req_prod', expected: `req_prod - rsp_prod <= ${n}`, actual: { req_prod: req, rsp_prod: rsp },
      message: `front published req_prod ${req}, ${outstanding} past rsp_prod ${rsp} on a ring of ${n}.`,
    });
  }
  return false;
}

/** The layout a request slot holds (the variant its operation names, else struct blkif_request). */
function requestLayout(type: XenRingType, dv: DataView, s: RingImageSlot): StructLayout {
  return (type.records.variantOf(dv, s.offset)?.codec ?? type.request).layout;
}

/** Where member `path` of the request in slot `s` lies, as a DumpPlace. */
function at(layout: StructLayout, s: RingImageSlot, path: string) {
  return { area: 'sring', offset: s.offset + resolvePath(layout, path).offset, index: s.index, slot: s.slot } as const;
}

/**
 * The request window [rsp_prod, req_prod) as the frontend published it, less what the backend may have
 * overwritten: a backend writes each response into the slot of a request it consumed (ring.h RING_GET_RESPONSE
 * at rsp_prod_pvt) before it pushes rsp_prod, so the window may begin with responses not yet published. They
 * fill a prefix of it, each with a status a backend writes (BLKIF_RSP_*): the slots from the first one that
 * cannot be such a response on are requests, and only those are judged; with `pushed`, all of them are.
 */
function checkBlkifRequests(r: RingImageReport, type: XenRingType, dv: DataView, pushed: boolean, out: DumpFindings): void {
  const status = numberField(type.response.layout, 'status');
  let mayBeResponse = !pushed;
  for (const s of r.requests) {
    if (mayBeResponse && statuses.has(signed16(status.get(dv, s.offset)))) continue;
    mayBeResponse = false;
    const layout = requestLayout(type, dv, s);
    const op = type.records.selector(dv, s.offset) as number;
    const rec = (s.record ?? {}) as Record<string, unknown>;
    const req = `request ${s.index} (slot ${s.slot})`;
    if (!knownOps.has(op)) {
      out.report('XEN_BLKIF_UNKNOWN_OP', 'front', at(layout, s, 'operation'), {
        path: `request[${s.index}].operation`, expected: `a BLKIF_OP_* the backend knows (${[...knownOps].join(', ')})`, actual: op,
        message: `front published ${req} with operation ${op}, which names no operation a backend serves.`,
      });
    }
    const n = rec['nr_segments'];
    if (typeof n === 'number') checkSegments(out, layout, s, op, n, rec, req);
  }
}

/** A 16-bit field as int16_t. */
function signed16(v: number): number {
  return (v << 16) >> 16;
}

function checkSegments(out: DumpFindings, layout: StructLayout, s: RingImageSlot, op: number, n: number, rec: Record<string, unknown>, req: string): void {
  if ((op === BLKIF_OP_READ || op === BLKIF_OP_WRITE) && n === 0) {
    out.report('XEN_BLKIF_NO_SEGMENTS', 'front', at(layout, s, 'nr_segments'), {
      path: `request[${s.index}].nr_segments`, expected: `1..${BLKIF_MAX_SEGMENTS_PER_REQUEST}`, actual: 0,
      message: `front published ${op === BLKIF_OP_READ ? 'read' : 'write'} ${req} with no segments.`,
    });
  }
  if (op === BLKIF_OP_INDIRECT && n > INDIRECT_SEGMENTS_MAX) {
    out.report('XEN_BLKIF_INDIRECT_TOO_MANY', 'front', at(layout, s, 'nr_segments'), {
      path: `request[${s.index}].nr_segments`, expected: `<= ${INDIRECT_SEGMENTS_MAX} (BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST pages)`, actual: n,
      message: `front published indirect ${req} with ${n} segments; no backend takes more than ${INDIRECT_SEGMENTS_MAX}.`,
    });
  }
  if (!segmentOps.has(op)) return;
  if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
    out.report('XEN_BLKIF_TOO_MANY_SEGMENTS', 'front', at(layout, s, 'nr_segments'), {
      path: `request[${s.index}].nr_segments`, expected: `<= ${BLKIF_MAX_SEGMENTS_PER_REQUEST}`, actual: n,
      message: `front published ${req} with ${n} segments; a direct request holds ${BLKIF_MAX_SEGMENTS_PER_REQUEST}.`,
    });
  }
  const seg = rec['seg'];
  if (!Array.isArray(seg)) return;
  for (let k = 0; k < Math.min(n, seg.length); k++) {
    const { first_sect: first, last_sect: last } = seg[k] as { first_sect: number; last_sect: number };
    if (first > last) {
      out.report('XEN_BLKIF_SECT_ORDER', 'front', at(layout, s, `seg[${k}].first_sect`), {
        path: `request[${s.index}].seg[${k}].first_sect`, expected: `<= last_sect ${last}`, actual: first,
        message: `front published ${req} whose segment ${k} starts at sector ${first}, after its last sector ${last}.`,
      });
    }
    if (last > LAST_SECT_MAX) {
      out.report('XEN_BLKIF_SECT_PAST_PAGE', 'front', at(layout, s, `seg[${k}].last_sect`), {
        path: `request[${s.index}].seg[${k}].last_sect`, expected: `<= ${LAST_SECT_MAX}`, actual: last,
        message: `front published ${req} whose segment ${k} ends at sector ${last}, past its 4096-byte frame.`,
      });
    }
  }
}

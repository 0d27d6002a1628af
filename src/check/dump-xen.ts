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
 *   before acting (operation, segment count, sector range, indirect segment count; xen/blkif-faults.ts, the checks BlkifBack makes), on the
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
import { numberField, resolvePath } from '../codec/views.js';
import type { StructLayout } from '../layout/layout.js';
import { asDataView } from '../codec/scalar-io.js';
import { idxSub, RING_IDX_HALF } from '../xen/ring-index.js';
import { inspectRingImage, type RingImageReport, type RingImageSlot } from '../xen/ring-image.js';
import type { XenRingType } from '../xen/ring-type.js';
import type { RecordFault } from '../xen/record-fault.js';
import {
  BLKIF_ALL_FEATURES, blkifHasSegments, blkifOpFault, blkifSectOrderFault, blkifSectPastPageFault, blkifSegmentCountFault, blkifStatusFault,
} from '../xen/blkif-faults.js';
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
    if (mayBeResponse && blkifStatusFault(s.index, signed16(status.get(dv, s.offset))) === undefined) continue;
    mayBeResponse = false;
    const layout = requestLayout(type, dv, s);
    const op = type.records.selector(dv, s.offset) as number;
    const rec = (s.record ?? {}) as Record<string, unknown>;
    const n = rec['nr_segments'];
    // The backend's feature keys are in xenstore, not the image: held to what the protocol allows at most.
    const count = typeof n === 'number' ? blkifSegmentCountFault(s.index, op, n, BLKIF_ALL_FEATURES) : undefined;
    const found: (RecordFault | undefined)[] = [blkifOpFault(s.index, op), count];
    const seg = rec['seg'];
    if (typeof n === 'number' && blkifHasSegments(op) && Array.isArray(seg)) {
      for (let k = 0; k < Math.min(n, seg.length); k++) {
        const { first_sect: first, last_sect: last } = seg[k] as { first_sect: number; last_sect: number };
        found.push(blkifSectOrderFault(s.index, k, first, last), blkifSectPastPageFault(s.index, k, last));
      }
    }
    for (const f of found) {
      if (f === undefined) continue;
      const member = f.path.slice(f.path.indexOf('.') + 1);
      out.report(f.rule, 'front', at(layout, s, member), {
        path: `request[${s.index}].${member}`, expected: f.expected, actual: f.received, message: `front published ${f.message.replace(/^Request \d+: /, `request ${s.index} (slot ${s.slot}): `)}`,
      });
    }
  }
}

/** A 16-bit field as int16_t. */
function signed16(v: number): number {
  return (v << 16) >> 16;
}


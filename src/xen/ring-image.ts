/**
 * Inspect a raw shared-ring memory image (read from a live guest or a crash dump): the header, what is
 * outstanding, every live slot decoded, and the index conditions ring.h's overflow macros would catch.
 * Read-only: it copies the image first and never reads outside the ring's 4096 << order bytes.
 *
 * Which slot holds what, from the shared indices alone (the private rsp_cons / req_cons are not in memory):
 *   requests  at indices [rsp_prod, req_prod)            produced, not yet answered
 *   responses at indices [req_prod - nrEnts, rsp_prod)   answered, slot not yet reused by a newer request
 * A slot of that response window whose bytes are all zero is counted (`zeroResponseSlots`), not listed: it is
 * what SHARED_RING_INIT's fresh, zeroed pages look like before a response ever landed there.
 *
 * netif slots that carry extra info are decoded as `netif_extra_info` (netif.h): on the tx ring the request
 * slots after one with NETTXF_extra_info, on the rx ring the response slots after one with NETRXF_extra_info,
 * chained while XEN_NETIF_EXTRA_FLAG_MORE is set. Each window is read from its first slot as if a packet
 * began there (the slots before it have been overwritten, so nothing else can be known).
 */
import { toJSONValue } from '../codec/decode.js';
import { codecFor, type StructCodec } from '../codec/codec.js';
import { xenConstant } from './xen-constants.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { SharedRing } from './shared-ring.js';
import type { XenRingType } from './ring-type.js';
import { idxSub } from './ring-index.js';

export interface RingImageSlot {
  readonly index: number;
  readonly slot: number;
  readonly offset: number;
  /** The C struct the slot was decoded as (the ring's request or response, or netif_extra_info). */
  readonly struct: string;
  readonly record: unknown;
}

export interface RingImageReport {
  readonly ring: string;
  readonly abi: string;
  readonly order: number;
  readonly ringBytes: number;
  readonly nrEnts: number;
  readonly entrySize: number;
  readonly header: { req_prod: number; req_event: number; rsp_prod: number; rsp_event: number; pvt: number[] };
  /** req_prod - rsp_prod: requests produced and not yet answered. */
  readonly requestsOutstanding: number;
  /** Slots in the response window [req_prod - nrEnts, rsp_prod). */
  readonly responseSlots: number;
  /** Of those, slots whose bytes are all zero (not listed in `responses`). */
  readonly zeroResponseSlots: number;
  readonly requests: RingImageSlot[];
  readonly responses: RingImageSlot[];
  readonly violations: RingError[];
  readonly consistent: boolean;
}

/** blkif.h: the operations whose request is a struct blkif_request with up to BLKIF_MAX_SEGMENTS_PER_REQUEST segments. */
const blkifSegmentedOps = new Set(['BLKIF_OP_READ', 'BLKIF_OP_WRITE', 'BLKIF_OP_WRITE_BARRIER', 'BLKIF_OP_FLUSH_DISKCACHE'].map(xenConstant));
const BLKIF_MAX_SEGMENTS_PER_REQUEST = xenConstant('BLKIF_MAX_SEGMENTS_PER_REQUEST');
const XEN_NETIF_EXTRA_FLAG_MORE = xenConstant('XEN_NETIF_EXTRA_FLAG_MORE');

/** The flag that says "extra-info slots follow" on each netif ring side, if any. */
function extraInfoFlag(ring: string, side: 'request' | 'response'): number | undefined {
  if (ring === 'netif_tx' && side === 'request') return xenConstant('NETTXF_extra_info');
  if (ring === 'netif_rx' && side === 'response') return xenConstant('NETRXF_extra_info');
  return undefined;
}

/**
 * Decodes a window of slots in index order, switching to netif_extra_info after a slot that announces extra
 * info and for as long as XEN_NETIF_EXTRA_FLAG_MORE chains them.
 */
class WindowDecoder {
  private extrasPending = false;
  private readonly extraFlag: number | undefined;
  private readonly extra: StructCodec;

  constructor(private readonly main: StructCodec, type: XenRingType, side: 'request' | 'response') {
    this.extraFlag = extraInfoFlag(type.name, side);
    this.extra = codecFor('netif_extra_info', { abi: type.abi });
  }

  decode(buf: Uint8Array, off: number): { struct: string; record: unknown } {
    if (this.extrasPending) {
      const rec = this.extra.decode(buf, off);
      this.extrasPending = ((rec['flags'] as number) & XEN_NETIF_EXTRA_FLAG_MORE) !== 0;
      return { struct: this.extra.layout.name, record: toJSONValue(rec) };
    }
    const rec = this.main.decode(buf, off);
    this.extrasPending = this.extraFlag !== undefined && ((rec['flags'] as number) & this.extraFlag) !== 0;
    return { struct: this.main.layout.name, record: toJSONValue(rec) };
  }
}

export function inspectRingImage(image: Uint8Array, type: XenRingType, order: number): RingImageReport {
  const bytes = type.ringBytes(order);
  if (image.byteLength < bytes) {
    throw new RingError(xenRingErrorCodes.BAD_MEMORY, `The image has ${image.byteLength} bytes; a ${type.name} ring of order ${order} is ${bytes} bytes.`, {
      expected: bytes, received: image.byteLength,
    });
  }
  const copy = image.slice(0, bytes); // a private copy: a live image may change under us
  const s = SharedRing.attach(copy.buffer, type, { order });
  const n = s.nrEnts;
  const reqProd = s.reqProd;
  const rspProd = s.rspProd;
  const violations: RingError[] = [];
  const outstanding = idxSub(reqProd, rspProd);
  let reqFrom = rspProd;
  let reqCount = outstanding;
  let rspFrom = idxSub(reqProd, n);
  let rspCount = idxSub(rspProd, rspFrom);
  if (outstanding > n) {
    const ahead = idxSub(rspProd, reqProd);
    if (ahead <= n) {
      violations.push(new RingError(xenRingErrorCodes.RSP_PROD_AHEAD, `rsp_prod ${rspProd} is ${ahead} past req_prod ${reqProd}: responses to requests never produced.`, {
        index: rspProd, expected: `rsp_prod - req_prod <= 0`, received: { req_prod: reqProd, rsp_prod: rspProd },
      }));
      reqCount = 0;
      rspFrom = idxSub(rspProd, n);
      rspCount = n;
    } else {
      violations.push(new RingError(xenRingErrorCodes.REQ_PROD_OVERFLOW, `req_prod ${reqProd} is ${outstanding} past rsp_prod ${rspProd}; the ring holds ${n}.`, {
        index: reqProd, expected: `req_prod - rsp_prod <= ${n}`, received: { req_prod: reqProd, rsp_prod: rspProd }, rule: 'ring.h RING_REQUEST_PROD_OVERFLOW',
      }));
      reqFrom = idxSub(reqProd, n);
      reqCount = n;
      rspCount = 0;
    }
  }
  const slotAt = (index: number, d: WindowDecoder): RingImageSlot => {
    const offset = s.slotOffset(index);
    return { index, slot: (offset - s.ringOffset) / s.entrySize, offset, ...d.decode(copy, offset) };
  };
  const requests: RingImageSlot[] = [];
  const reqDecoder = new WindowDecoder(type.request, type, 'request');
  for (let i = 0; i < reqCount; i++) {
    const r = slotAt((reqFrom + i) >>> 0, reqDecoder);
    requests.push(r);
    checkRecord(type, r, violations);
  }
  const responses: RingImageSlot[] = [];
  const rspDecoder = new WindowDecoder(type.response, type, 'response');
  let zeroResponseSlots = 0;
  for (let i = 0; i < rspCount; i++) {
    const index = (rspFrom + i) >>> 0;
    const o = s.slotOffset(index);
    if (copy.subarray(o, o + type.response.size).every((x) => x === 0)) zeroResponseSlots++;
    else responses.push(slotAt(index, rspDecoder));
  }
  return {
    ring: type.name, abi: type.abi, order, ringBytes: bytes, nrEnts: n, entrySize: s.entrySize,
    header: { req_prod: reqProd, req_event: s.reqEvent, rsp_prod: rspProd, rsp_event: s.rspEvent, pvt: [...s.pvt] },
    requestsOutstanding: outstanding, responseSlots: rspCount, zeroResponseSlots, requests, responses, violations, consistent: violations.length === 0,
  };
}

/** Record-level rules a consumer would enforce before acting on a request. */
function checkRecord(type: XenRingType, r: RingImageSlot, out: RingError[]): void {
  if (type.name !== 'blkif') return;
  const rec = r.record as { operation: number; nr_segments: number };
  if (blkifSegmentedOps.has(rec.operation) && rec.nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
    out.push(new RingError(xenRingErrorCodes.BAD_RECORD, `Request ${r.index} (slot ${r.slot}) has ${rec.nr_segments} segments; at most BLKIF_MAX_SEGMENTS_PER_REQUEST (${BLKIF_MAX_SEGMENTS_PER_REQUEST}).`, {
      index: r.index, offset: r.offset, path: 'blkif_request.nr_segments', expected: `<= ${BLKIF_MAX_SEGMENTS_PER_REQUEST}`, received: rec.nr_segments, rule: 'blkif.h BLKIF_MAX_SEGMENTS_PER_REQUEST',
    }));
  }
}

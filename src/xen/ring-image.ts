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
 *
 * A request slot of a ring with request variants (blkif) is decoded as the struct its discriminant names
 * (operation: blkif_request_discard, blkif_request_indirect, otherwise blkif_request); a value no variant
 * names is shown raw and, where the header defines no other value, reported. All of it comes from the ring's
 * declaration in protocol/xen (ring-records.ts).
 */
import { toJSONValue } from '../codec/decode.js';
import { asDataView } from '../codec/scalar-io.js';
import type { StructCodec } from '../codec/codec.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { SharedRing } from './shared-ring.js';
import type { XenRingType } from './ring-type.js';
import type { ExtraSlots, RecordVariant, RingRecords } from './ring-records.js';
import { idxSub, RING_IDX_HALF } from './ring-index.js';

export interface RingImageSlot {
  readonly index: number;
  readonly slot: number;
  readonly offset: number;
  /**
   * The C struct the slot was decoded as (the ring's request or response, a request variant such as
   * blkif_request_discard, or netif_extra_info); null when its discriminant names no variant (see `raw`).
   */
  readonly struct: string | null;
  /** The constant naming the request's variant (`BLKIF_OP_DISCARD`), when the ring has variants. */
  readonly variant?: string;
  /** The record, keyed by C member names (the whole struct, every array element included). */
  readonly record?: unknown;
  /** A slot whose discriminant names no variant: its request-sized bytes as hex. */
  readonly raw?: string;
  /** The segment array in use: a listing shows its first `count` elements (blkif: nr_segments of seg[]). */
  readonly segments?: { readonly array: string; readonly count: number };
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

/**
 * Decodes a window of slots in index order. On a side with extra-info slots it switches to the extra struct
 * after a slot that announces extra info, for as long as the chain flag says more follow; on a side with
 * variants it decodes each slot as the struct its discriminant names.
 */
class WindowDecoder {
  private extrasPending = false;

  constructor(private readonly main: StructCodec, private readonly extras: ExtraSlots | undefined, private readonly records: RingRecords | undefined) {}

  decode(buf: Uint8Array, off: number): Pick<RingImageSlot, 'struct' | 'variant' | 'record' | 'raw' | 'segments'> {
    const dv = asDataView(buf);
    const e = this.extras;
    if (e !== undefined && this.extrasPending) {
      this.extrasPending = (e.moreField.get(dv, off) & e.moreFlag) !== 0;
      return { struct: e.codec.layout.name, record: toJSONValue(e.codec.decode(buf, off)) };
    }
    if (e !== undefined) this.extrasPending = (e.flagsField.get(dv, off) & e.flag) !== 0;
    const r = this.records;
    if (r === undefined || r.variants.length === 0) return { struct: this.main.layout.name, record: toJSONValue(this.main.decode(buf, off)) };
    const v = r.variantOf(dv, off);
    if (v === undefined) {
      if (r.unnamed === 'violation') return { struct: null, raw: hex(buf.subarray(off, off + this.main.size)) };
      return { struct: this.main.layout.name, record: toJSONValue(this.main.decode(buf, off)) };
    }
    return {
      struct: v.codec.layout.name, variant: v.constant, record: toJSONValue(v.codec.decode(buf, off)),
      ...(v.segments === undefined ? {} : { segments: { array: v.segments.array, count: segmentCount(v, dv, off) } }),
    };
  }
}

function segmentCount(v: RecordVariant, dv: DataView, off: number): number {
  const s = v.segments as NonNullable<RecordVariant['segments']>;
  const f = v.codec.layout.fields.find((x) => x.name === s.array);
  return Math.min(s.count.get(dv, off), f?.count ?? 0);
}

function hex(b: Uint8Array): string {
  let out = '';
  for (const x of b) out += x.toString(16).padStart(2, '0');
  return out;
}

/**
 * Decode `count` slots of one side of a ring image from ring index `from`, in index order: each request as
 * the struct its discriminant names, each netif slot after one announcing extra info as netif_extra_info
 * (`from` must be where a packet begins). Reads `image` in place: pass memory nobody else is changing (a
 * private copy, or a trace replayer's memory). A slot whose struct has a segment array lists only the
 * segments in use (`nr_segments` of `seg[]`).
 */
export function decodeRingSlots(image: Uint8Array, type: XenRingType, order: number, side: 'request' | 'response', from: number, count: number): RingImageSlot[] {
  const n = type.nrEnts(order);
  const ring = type.header.ring;
  if (image.byteLength < type.ringBytes(order)) {
    throw new RingError(xenRingErrorCodes.BAD_MEMORY, `The image has ${image.byteLength} bytes; a ${type.name} ring of order ${order} is ${type.ringBytes(order)} bytes.`, {
      expected: type.ringBytes(order), received: image.byteLength,
    });
  }
  const d = side === 'request'
    ? new WindowDecoder(type.request, type.records.requestExtras, type.records)
    : new WindowDecoder(type.response, type.records.responseExtras, undefined);
  const out: RingImageSlot[] = [];
  for (let i = 0; i < Math.min(count, n); i++) {
    const index = (from + i) >>> 0;
    const slot = index & (n - 1);
    const offset = ring + slot * type.entrySize;
    const decoded = d.decode(image, offset);
    const seg = decoded.segments;
    const rec = decoded.record as Record<string, unknown> | undefined;
    const list = seg === undefined || rec === undefined ? undefined : rec[seg.array];
    out.push(Array.isArray(list) && rec !== undefined && seg !== undefined
      ? { index, slot, offset, ...decoded, record: { ...rec, [seg.array]: list.slice(0, seg.count) } }
      : { index, slot, offset, ...decoded });
  }
  return out;
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
    if (ahead < RING_IDX_HALF) {
      // rsp_prod past req_prod: by at most RING_SIZE it answers requests never made; by more, it is also more than
      // RING_SIZE past any rsp_cons (which never passes req_prod): RING_RESPONSE_PROD_OVERFLOW.
      violations.push(ahead <= n
        ? new RingError(xenRingErrorCodes.RSP_PROD_AHEAD, `rsp_prod ${rspProd} is ${ahead} past req_prod ${reqProd}: responses to requests never produced.`, {
          index: rspProd, expected: `rsp_prod - req_prod <= 0`, received: { req_prod: reqProd, rsp_prod: rspProd },
        })
        : new RingError(xenRingErrorCodes.RSP_PROD_OVERFLOW, `rsp_prod ${rspProd} is ${ahead} past req_prod ${reqProd}, so past any rsp_cons; the ring holds ${n}.`, {
          index: rspProd, expected: `rsp_prod - req_prod <= ${n}`, received: { req_prod: reqProd, rsp_prod: rspProd }, rule: 'ring.h RING_RESPONSE_PROD_OVERFLOW',
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
  const reqDecoder = new WindowDecoder(type.request, type.records.requestExtras, type.records);
  const dv = asDataView(copy);
  for (let i = 0; i < reqCount; i++) {
    const r = slotAt((reqFrom + i) >>> 0, reqDecoder);
    requests.push(r);
    checkRecord(type.records, dv, r, violations);
  }
  const responses: RingImageSlot[] = [];
  const rspDecoder = new WindowDecoder(type.response, type.records.responseExtras, undefined);
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

/** Record-level rules from the ring's declaration: a consumer enforces them before acting on a request. */
function checkRecord(records: RingRecords, dv: DataView, r: RingImageSlot, out: RingError[]): void {
  if (records.variants.length === 0 || r.struct === 'netif_extra_info') return;
  const v = records.variantOf(dv, r.offset);
  if (v === undefined) {
    if (records.unnamed !== 'violation') return;
    const value = records.selector(dv, r.offset);
    const names = records.variants.map((x) => x.constant);
    out.push(new RingError(xenRingErrorCodes.BAD_RECORD, `Request ${r.index} (slot ${r.slot}): ${records.selectorPath} is ${String(value)}, which no ${names[0]?.replace(/_[^_]*$/, '_*') ?? 'constant'} names.`, {
      index: r.index, offset: r.offset, path: records.selectorPath, expected: names, received: value, rule: `${records.decl.header}: ${names.join(', ')}`,
    }));
    return;
  }
  const s = v.segments;
  if (s === undefined) return;
  const n = s.count.get(dv, r.offset);
  if (n > s.max) {
    out.push(new RingError(xenRingErrorCodes.BAD_RECORD, `Request ${r.index} (slot ${r.slot}) has ${n} segments; at most ${s.maxName} (${s.max}).`, {
      index: r.index, offset: r.offset, path: s.countPath, expected: `<= ${s.max}`, received: n, rule: s.rule,
    }));
  }
}

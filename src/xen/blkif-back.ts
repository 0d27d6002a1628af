/**
 * A blkif backend: takes requests from private copies (RING_COPY_REQUEST) after checking req_prod
 * (RING_REQUEST_PROD_OVERFLOW), and answers them with responses pushed by
 * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY.
 *
 * The record-level path (takeRecords / nextRecord / respondRaw) makes the same copies and checks, and
 * allocates nothing per request: each taken request is decoded from its private copy into a record the
 * caller reuses.
 */
import type { BackRing } from './back-ring.js';
import { CodecError } from '../errors.js';
import { bigField, numberField, type BigField, type NumberField } from '../codec/views.js';
import { BlkifRequestCodec, blkifResponseOperation, type BlkifAnswerable, type BlkifReceivedRequest } from './blkif-request.js';
import { BlkifRecordCodec, type BlkifRecord } from './blkif-record.js';
import { idxAdd } from './ring-index.js';
import { BLKIF_ALL_FEATURES, type BlkifBackFeatures } from './blkif-faults.js';
import { TypedBack } from './typed-end.js';


export class BlkifBack extends TypedBack {
  readonly #codec: BlkifRequestCodec;
  readonly #rec: BlkifRecordCodec;
  readonly #rspId: BigField;
  readonly #rspOp: NumberField;
  readonly #rspStatus: NumberField;
  /** Private copies of the batch taken by takeRecords, one sizeof(blkif_request) slot per ring slot. */
  readonly #priv: Uint8Array;
  readonly #privView: DataView;
  readonly #privSlots: Uint8Array[];
  /** The batch takeRecords took: its first ring index, its size, and the next one nextRecord yields. */
  #from = 0;
  #taken = 0;
  #next = 0;
  /**
   * What this backend offered in xenstore (feature-max-indirect-segments, feature-discard): requests beyond
   * it are refused (XEN_BLKIF_INDIRECT_TOO_MANY, XEN_BLKIF_DISCARD_NOT_OFFERED). Default: all the protocol allows.
   */
  features: BlkifBackFeatures;

  constructor(ring: BackRing, options: { readonly features?: BlkifBackFeatures } = {}) {
    super('BlkifBack', ring, 'blkif');
    this.features = options.features ?? BLKIF_ALL_FEATURES;
    const t = this.type;
    this.#codec = new BlkifRequestCodec(t.abi);
    this.#rec = new BlkifRecordCodec(t.abi);
    this.#rspId = bigField(t.response.layout, 'id');
    this.#rspOp = numberField(t.response.layout, 'operation');
    this.#rspStatus = numberField(t.response.layout, 'status');
    const size = this.#rec.size;
    this.#priv = new Uint8Array(ring.nrEnts * size);
    this.#privView = new DataView(this.#priv.buffer);
    this.#privSlots = Array.from({ length: ring.nrEnts }, (_v, i) => this.#priv.subarray(i * size, (i + 1) * size));
  }

  /**
   * Take up to `max` published requests (never more than XEN_RING_NR_UNCONSUMED_REQUESTS allows). All are
   * decoded and checked before req_cons moves, so a malformed one leaves the ring state unchanged.
   */
  take(max = Infinity): BlkifReceivedRequest[] {
    return this.consumeRequests((idx) => this.#codec.decode(this.ring.copyRequest(idx, this.req), idx, this.features), max);
  }

  /**
   * The record path: take up to `max` published requests as take() does — req_prod read once and checked
   * (RING_REQUEST_PROD_OVERFLOW), at most XEN_RING_NR_UNCONSUMED_REQUESTS, each copied privately
   * (RING_COPY_REQUEST; XSA-155) and checked (blkif-faults.ts: operation, segments, sectors, features) before req_cons moves —
   * and return how many. Read them in order with nextRecord(). No allocation.
   */
  takeRecords(max = Infinity): number {
    const r = this.ring;
    this.#taken = 0;
    this.#next = 0;
    r.checkedRequestProd();
    const from = r.reqCons;
    const avail = r.unconsumedRequests();
    const n = max >= avail ? avail : max > 0 ? Math.floor(max) : 0; // NaN, 0 or less: none
    const size = this.#rec.size;
    for (let k = 0; k < n; k++) {
      const idx = idxAdd(from, k);
      r.copyRequest(idx, this.#privSlots[k] as Uint8Array);
      this.#rec.check(this.#privView, k * size, idx, this.features);
    }
    r.reqCons = idxAdd(from, n);
    this.#from = from;
    this.#taken = n;
    return n;
  }

  /** Decode the next request of the last takeRecords() batch into `into` (each member read once); false when none is left. */
  nextRecord(into: BlkifRecord): boolean {
    const k = this.#next;
    if (k >= this.#taken) return false;
    this.#next = k + 1;
    this.#rec.decodeInto(this.#privView, k * this.#rec.size, idxAdd(this.#from, k), into);
    return true;
  }

  /**
   * Answer a request in the next response slot (not visible until push()). The response carries the
   * request's operation, and for BLKIF_OP_INDIRECT its indirect_op, as Linux blkback does
   * (xen-blkback/blkback.c: dispatch_rw_block_io sets pending_req->operation to indirect_op, make_response
   * echoes it).
   */
  respond(req: BlkifAnswerable & { readonly id: bigint }, status: number): void {
    const idx = this.ring.nextResponseIndex();
    this.rsp.fill(0);
    this.#rspId.set(this.rspView, 0, req.id);
    this.#rspOp.set(this.rspView, 0, blkifResponseOperation(req));
    this.#rspStatus.set(this.rspView, 0, status);
    this.ring.writeResponse(idx, this.rsp);
  }

  /** respond() for a record: its id, and its responseOperation (indirect_op for an indirect request). */
  respondRecord(r: BlkifRecord, status: number): void {
    this.respondRaw(r.idLo, r.idHi, r.responseOperation, status);
  }

  /**
   * The record path's respond(): a response with id `idHi << 32 | idLo`, `operation` and `status` in the next
   * response slot (refused past req_cons, as respond()). Values out of their member's range are refused
   * before anything changes. No allocation.
   */
  respondRaw(idLo: number, idHi: number, operation: number, status: number): void {
    if (idLo >>> 0 !== idLo) throw outOfRange('id', idLo);
    if (idHi >>> 0 !== idHi) throw outOfRange('id', idHi);
    if ((operation & 0xff) !== operation) throw outOfRange('operation', operation);
    if (((status << 16) >> 16) !== status) throw outOfRange('status', status);
    const idx = this.ring.nextResponseIndex();
    const dv = this.rspView;
    this.rsp.fill(0);
    this.#rspId.setHalves(dv, 0, idLo, idHi);
    this.#rspOp.set(dv, 0, operation);
    this.#rspStatus.set(dv, 0, status);
    this.ring.writeResponse(idx, this.rsp);
  }
}

function outOfRange(path: string, received: number): CodecError {
  return new CodecError('CODEC_OUT_OF_RANGE', `blkif_response.${path} ${received} is out of its member's range.`, { path: `blkif_response.${path}`, received });
}

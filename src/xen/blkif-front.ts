/**
 * A blkif frontend: queues read / write / flush / discard / indirect requests as objects, publishes them
 * with RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, and matches responses to requests by id. Responses are read
 * from private copies (RING_COPY_RESPONSE) and checked before any state changes.
 */
import type { FrontRing } from './front-ring.js';
import { bigField, numberField, type BigField, type NumberField } from '../codec/views.js';
import { BlkifRequestCodec, blkifResponseOperation, type BlkifRequest } from './blkif-request.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { idxAdd, idxSub } from './ring-index.js';

export interface BlkifCompletion {
  readonly id: bigint;
  readonly operation: number;
  /** BLKIF_RSP_OKAY (0), BLKIF_RSP_ERROR (-1), BLKIF_RSP_EOPNOTSUPP (-2) */
  readonly status: number;
  readonly request: BlkifRequest;
}

export class BlkifFront {
  readonly ring: FrontRing;
  private readonly codec: BlkifRequestCodec;
  private readonly inFlight = new Map<bigint, BlkifRequest>();
  private nextId = 0n;
  private readonly slot: Uint8Array;
  private readonly rsp: Uint8Array;
  private readonly rspView: DataView;
  private readonly rspId: BigField;
  private readonly rspOp: NumberField;
  private readonly rspStatus: NumberField;

  constructor(ring: FrontRing) {
    if (ring.sring.type.name !== 'blkif') throw new RingError(xenRingErrorCodes.UNKNOWN_RING_TYPE, `BlkifFront needs a blkif ring, not ${ring.sring.type.name}.`, { expected: 'blkif', received: ring.sring.type.name });
    this.ring = ring;
    const t = ring.sring.type;
    this.codec = new BlkifRequestCodec(t.abi);
    this.slot = new Uint8Array(t.request.size);
    this.rsp = new Uint8Array(t.response.size);
    this.rspView = new DataView(this.rsp.buffer);
    this.rspId = bigField(t.response.layout, 'id');
    this.rspOp = numberField(t.response.layout, 'operation');
    this.rspStatus = numberField(t.response.layout, 'status');
  }

  /** Requests queued and not yet answered. */
  get outstanding(): number { return this.inFlight.size; }

  /**
   * Queue a request in the next free slot (not yet visible to the backend: call push()). Returns its id
   * (the one given, or the next free one). A full ring or an id still in flight is refused, nothing changed.
   */
  queue(r: BlkifRequest): bigint {
    let id = r.id;
    if (id === undefined) { do id = this.nextId++; while (this.inFlight.has(id)); }
    if (this.inFlight.has(id)) {
      throw new RingError(xenRingErrorCodes.DUPLICATE_REQUEST_ID, `Request id ${id} is still outstanding.`, { index: this.ring.reqProdPvt, received: id });
    }
    if (this.ring.full()) this.ring.nextRequestIndex(); // throws XEN_RING_FULL
    this.codec.encode(r, id, this.slot);
    const idx = this.ring.nextRequestIndex();
    this.ring.writeRequest(idx, this.slot);
    this.inFlight.set(id, r);
    return id;
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, then notify the backend when it asked to be told. Returns notify. */
  push(): boolean {
    return this.ring.pushRequestsAndNotify();
  }

  /**
   * Take every published response: checks rsp_prod (RING_RESPONSE_PROD_OVERFLOW) and that every id is
   * outstanding before consuming any, so a bad batch leaves rsp_cons and the in-flight table unchanged.
   */
  poll(): BlkifCompletion[] {
    const r = this.ring;
    const prod = r.checkedResponseProd();
    const n = idxSub(prod, r.rspCons);
    const out: BlkifCompletion[] = [];
    const seen = new Set<bigint>();
    for (let i = 0; i < n; i++) {
      const idx = idxAdd(r.rspCons, i);
      r.copyResponse(idx, this.rsp);
      const id = this.rspId.get(this.rspView, 0);
      const request = this.inFlight.get(id);
      if (request === undefined || seen.has(id)) {
        throw new RingError(xenRingErrorCodes.UNKNOWN_RESPONSE_ID, `Response ${idx} answers id ${id}, which is not an outstanding request.`, {
          index: idx, path: 'blkif_response.id', expected: 'an outstanding request id', received: id,
        });
      }
      // Linux blkfront (xen-blkfront.c, blkif_interrupt) refuses a response whose operation is not the
      // request's, reading BLKIF_OP_INDIRECT as its indirect_op (what blkback's make_response echoes).
      const operation = this.rspOp.get(this.rspView, 0);
      const want = blkifResponseOperation(request);
      if (operation !== want) {
        throw new RingError(xenRingErrorCodes.BAD_RECORD, `Response ${idx} for id ${id} carries operation ${operation}; a response to this request carries ${want}.`, {
          index: idx, path: 'blkif_response.operation', expected: want, received: operation, rule: 'xen-blkfront.c blkif_interrupt: response has wrong operation',
        });
      }
      seen.add(id);
      out.push({ id, operation, status: this.rspStatus.get(this.rspView, 0), request });
    }
    for (const c of out) this.inFlight.delete(c.id);
    r.rspCons = prod;
    return out;
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES: 0 means sleep until the backend notifies. */
  finalCheck(): number {
    return this.ring.finalCheckForResponses();
  }
}

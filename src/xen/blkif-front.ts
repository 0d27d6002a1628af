/**
 * A blkif frontend: queues read / write / flush / discard / indirect requests as objects, publishes them
 * with RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, and matches responses to requests by id. Responses are read
 * from private copies (RING_COPY_RESPONSE) and the whole batch is checked before any state changes.
 */
import type { FrontRing } from './front-ring.js';
import { bigField, numberField, type BigField, type NumberField } from '../codec/views.js';
import { BlkifRequestCodec, blkifResponseOperation, type BlkifRequest } from './blkif-request.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { TypedFront } from './typed-end.js';

export interface BlkifCompletion {
  readonly id: bigint;
  readonly operation: number;
  /** BLKIF_RSP_OKAY (0), BLKIF_RSP_ERROR (-1), BLKIF_RSP_EOPNOTSUPP (-2) */
  readonly status: number;
  readonly request: BlkifRequest;
}

export class BlkifFront extends TypedFront {
  readonly #codec: BlkifRequestCodec;
  /** Requests queued and not yet answered, by id (the frontend's shadow table). */
  readonly #inFlight = new Map<bigint, BlkifRequest>();
  /** The next id to try when the caller gives none. */
  #nextId = 0n;
  readonly #rspId: BigField;
  readonly #rspOp: NumberField;
  readonly #rspStatus: NumberField;

  constructor(ring: FrontRing) {
    super('BlkifFront', ring, 'blkif');
    const t = this.type;
    this.#codec = new BlkifRequestCodec(t.abi);
    this.#rspId = bigField(t.response.layout, 'id');
    this.#rspOp = numberField(t.response.layout, 'operation');
    this.#rspStatus = numberField(t.response.layout, 'status');
  }

  /** Requests queued and not yet answered. */
  get outstanding(): number { return this.#inFlight.size; }

  /**
   * Queue a request in the next free slot (not yet visible to the backend: call push()). Returns its id
   * (the one given, or the next free one). A full ring or an id still in flight is refused, nothing changed.
   */
  queue(r: BlkifRequest): bigint {
    let id = r.id;
    if (id === undefined) { do id = this.#nextId++; while (this.#inFlight.has(id)); }
    if (this.#inFlight.has(id)) {
      throw new RingError(xenRingErrorCodes.DUPLICATE_REQUEST_ID, `Request id ${id} is still outstanding.`, { index: this.ring.reqProdPvt, received: id });
    }
    if (this.ring.full()) this.ring.nextRequestIndex(); // throws XEN_RING_FULL
    this.#codec.encode(r, id, this.req);
    this.ring.writeRequest(this.ring.nextRequestIndex(), this.req);
    this.#inFlight.set(id, r);
    return id;
  }

  /**
   * Take every published response: checks rsp_prod (RING_RESPONSE_PROD_OVERFLOW) and that every id is
   * outstanding, once, with the operation its request gets back, before consuming any; a bad batch leaves
   * rsp_cons and the in-flight table unchanged.
   */
  poll(): BlkifCompletion[] {
    const seen = new Set<bigint>();
    return this.consumeResponses((idx) => {
      const dv = this.rspView;
      this.ring.copyResponse(idx, this.rsp);
      const id = this.#rspId.get(dv, 0);
      const request = this.#inFlight.get(id);
      if (request === undefined || seen.has(id)) {
        throw new RingError(xenRingErrorCodes.UNKNOWN_RESPONSE_ID, `Response ${idx} answers id ${id}, which is not an outstanding request.`, {
          index: idx, path: 'blkif_response.id', expected: 'an outstanding request id', received: id,
        });
      }
      // Linux blkfront (xen-blkfront.c, blkif_interrupt) refuses a response whose operation is not the
      // request's, reading BLKIF_OP_INDIRECT as its indirect_op (what blkback's make_response echoes).
      const operation = this.#rspOp.get(dv, 0);
      const want = blkifResponseOperation(request);
      if (operation !== want) {
        throw new RingError(xenRingErrorCodes.BAD_RECORD, `Response ${idx} for id ${id} carries operation ${operation}; a response to this request carries ${want}.`, {
          index: idx, path: 'blkif_response.operation', expected: want, received: operation, rule: 'xen-blkfront.c blkif_interrupt: response has wrong operation',
        });
      }
      seen.add(id);
      return { id, operation, status: this.#rspStatus.get(dv, 0), request };
    }, (done) => { for (const c of done) this.#inFlight.delete(c.id); });
  }
}

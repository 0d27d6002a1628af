/**
 * A blkif backend: takes requests from private copies (RING_COPY_REQUEST) after checking req_prod
 * (RING_REQUEST_PROD_OVERFLOW), and answers them with responses pushed by
 * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY.
 */
import type { BackRing } from './back-ring.js';
import { bigField, numberField, type BigField, type NumberField } from '../codec/views.js';
import { BlkifRequestCodec, blkifResponseOperation, type BlkifAnswerable, type BlkifReceivedRequest } from './blkif-request.js';
import { TypedBack } from './typed-end.js';

export class BlkifBack extends TypedBack {
  readonly #codec: BlkifRequestCodec;
  readonly #rspId: BigField;
  readonly #rspOp: NumberField;
  readonly #rspStatus: NumberField;

  constructor(ring: BackRing) {
    super('BlkifBack', ring, 'blkif');
    const t = this.type;
    this.#codec = new BlkifRequestCodec(t.abi);
    this.#rspId = bigField(t.response.layout, 'id');
    this.#rspOp = numberField(t.response.layout, 'operation');
    this.#rspStatus = numberField(t.response.layout, 'status');
  }

  /**
   * Take up to `max` published requests (never more than XEN_RING_NR_UNCONSUMED_REQUESTS allows). All are
   * decoded and checked before req_cons moves, so a malformed one leaves the ring state unchanged.
   */
  take(max = Infinity): BlkifReceivedRequest[] {
    return this.consumeRequests((idx) => this.#codec.decode(this.ring.copyRequest(idx, this.req), idx), max);
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
}

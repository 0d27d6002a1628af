/**
 * A blkif backend: takes requests from private copies (RING_COPY_REQUEST) after checking req_prod
 * (RING_REQUEST_PROD_OVERFLOW), and answers them with responses pushed by
 * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY.
 */
import type { BackRing } from './back-ring.js';
import { bigField, numberField, type BigField, type NumberField } from '../codec/views.js';
import { BlkifRequestCodec, blkifResponseOperation, type BlkifAnswerable, type BlkifReceivedRequest } from './blkif-request.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { idxAdd } from './ring-index.js';

export class BlkifBack {
  readonly ring: BackRing;
  private readonly codec: BlkifRequestCodec;
  private readonly req: Uint8Array;
  private readonly rsp: Uint8Array;
  private readonly rspView: DataView;
  private readonly rspId: BigField;
  private readonly rspOp: NumberField;
  private readonly rspStatus: NumberField;

  constructor(ring: BackRing) {
    if (ring.sring.type.name !== 'blkif') throw new RingError(xenRingErrorCodes.UNKNOWN_RING_TYPE, `BlkifBack needs a blkif ring, not ${ring.sring.type.name}.`, { expected: 'blkif', received: ring.sring.type.name });
    this.ring = ring;
    const t = ring.sring.type;
    this.codec = new BlkifRequestCodec(t.abi);
    this.req = new Uint8Array(t.request.size);
    this.rsp = new Uint8Array(t.response.size);
    this.rspView = new DataView(this.rsp.buffer);
    this.rspId = bigField(t.response.layout, 'id');
    this.rspOp = numberField(t.response.layout, 'operation');
    this.rspStatus = numberField(t.response.layout, 'status');
  }

  /**
   * Take up to `max` published requests (never more than XEN_RING_NR_UNCONSUMED_REQUESTS allows). All are
   * decoded and checked before req_cons moves, so a malformed one leaves the ring state unchanged.
   */
  take(max = Infinity): BlkifReceivedRequest[] {
    const r = this.ring;
    r.checkedRequestProd();
    const n = Math.min(max, r.unconsumedRequests());
    const out: BlkifReceivedRequest[] = [];
    for (let i = 0; i < n; i++) {
      const idx = idxAdd(r.reqCons, i);
      out.push(this.codec.decode(r.copyRequest(idx, this.req), idx));
    }
    r.reqCons = idxAdd(r.reqCons, n);
    return out;
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
    this.rspId.set(this.rspView, 0, req.id);
    this.rspOp.set(this.rspView, 0, blkifResponseOperation(req));
    this.rspStatus.set(this.rspView, 0, status);
    this.ring.writeResponse(idx, this.rsp);
  }

  /** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY, then notify the frontend when it asked. Returns notify. */
  push(): boolean {
    return this.ring.pushResponsesAndNotify();
  }

  /** RING_FINAL_CHECK_FOR_REQUESTS: 0 means sleep until the frontend notifies. */
  finalCheck(): number {
    return this.ring.finalCheckForRequests();
  }
}

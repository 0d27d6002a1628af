/**
 * A Xen ring run at the level of ring.h's macros (FrontRing / BackRing on a recorded ring), so a malformed
 * fixture can inject one fault into an otherwise real run: a frontend that ignores RING_FULL or writes a
 * request the typed ends would refuse (through the protocol/ codec, never bytes by hand), a backend that
 * answers with the wrong id or status, reads a slot twice or drops its notification. Everything else is
 * what the careful loops of Linux blkfront / blkback do.
 */
import {
  BackRing, FrontRing, RingError, XenbusDevice, codecFor, recordXenRing, type StructCodec, type TraceRecorder, type XenRingRecording,
} from '../index.js';
import { idxAdd } from '../xen/ring-index.js';

/** A decoded request as the backend copied it. */
export type Decoded = Record<string, unknown>;

/** The rings a RawRing drives, with their request and response structs. */
export type RawRingName = 'blkif' | 'netif_tx' | 'xen_netif_ctrl';
const structs: Readonly<Record<RawRingName, readonly [string, string]>> = {
  blkif: ['blkif_request', 'blkif_response'],
  netif_tx: ['netif_tx_request', 'netif_tx_response'],
  xen_netif_ctrl: ['xen_netif_ctrl_request', 'xen_netif_ctrl_response'],
};

export interface RawRingOptions {
  /** A ring already recorded (recordXenRing), whose xenbus handshake the caller runs. */
  readonly recording?: XenRingRecording;
  /** The xenstore directories of the handshake `features` runs (default the vbd ones). */
  readonly frontendPath?: string;
  readonly backendPath?: string;
  /** Start the indices here (default 0), e.g. near 2^32 to cross the wrap. */
  readonly start?: number;
  /** What the backend writes as it connects (default `sectors`, as blkback). */
  readonly connectKeys?: Readonly<Record<string, number>>;
}

export class RawRing {
  readonly x: XenRingRecording;
  readonly front: FrontRing;
  readonly back: BackRing;
  readonly req: StructCodec;
  readonly rsp: StructCodec;

  /**
   * `features`: run the xenbus handshake first, the backend advertising these keys (as Linux blkback does in
   * InitWait), both ends then Connected. `options.recording`: run on a ring already recorded (its handshake
   * the caller's).
   */
  constructor(rec: TraceRecorder, ring: RawRingName, features?: Readonly<Record<string, number>>, options: RawRingOptions = {}) {
    this.x = options.recording ?? recordXenRing(rec, { ring });
    if (features !== undefined) {
      const bus = new XenbusDevice({ frontendPath: options.frontendPath ?? 'device/vbd/768', backendPath: options.backendPath ?? 'backend/vbd/1/768', emit: this.x.xenbus });
      bus.backendInitWait(features);
      bus.frontendInitialise({ grefs: this.x.setup.grefs, evtchn: this.x.setup.evtchn, abi: this.x.setup.abi });
      bus.backendConnect(options.connectKeys ?? { sectors: 2097152 });
      bus.frontendConnect();
    }
    const start = options.start ?? 0;
    if (start !== 0) {
      // What SHARED_RING_INIT would leave had the indices started at `start`, written by the frontend that owns the page.
      this.x.front.reqProd = start;
      this.x.front.rspProd = start;
      this.x.front.reqEvent = idxAdd(start, 1);
      this.x.front.rspEvent = idxAdd(start, 1);
    }
    this.front = FrontRing.attach(this.x.front, start, { channel: this.x.setup.evtchn });
    this.back = BackRing.attach(this.x.back, start, { channel: this.x.setup.evtchn });
    const abi = { abi: this.x.type.abi };
    const [req, rsp] = structs[ring];
    this.req = codecFor(req, abi);
    this.rsp = codecFor(rsp, abi);
  }

  /** Frontend: RING_GET_REQUEST(req_prod_pvt++) for each record, encoded by the codec. No RING_FULL check. */
  write(...records: unknown[]): void {
    for (const r of records) {
      this.front.writeRequest(this.front.reqProdPvt, this.req.encodeToBytes(r));
      this.front.reqProdPvt++;
    }
  }

  /** Frontend: one request of another struct of the ring's union (blkif_request_indirect, blkif_request_discard). */
  writeAs(struct: string, record: unknown): void {
    this.front.writeRequest(this.front.reqProdPvt, codecFor(struct, { abi: this.x.type.abi }).encodeToBytes(record));
    this.front.reqProdPvt++;
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, then notify_remote_via_evtchn when it says so (unless `notify` is false). */
  push(notify = true): void {
    if (this.front.pushRequestsAndCheckNotify() && notify) this.front.notify();
  }

  /**
   * Backend: take every published request (req_prod checked first: an overflowing index is refused and
   * nothing is served), RING_COPY_REQUEST each and answer it with `answer` (undefined: no response), push
   * and notify as ring.h says (unless `notify` is false), RING_FINAL_CHECK_FOR_REQUESTS before sleeping.
   */
  serve(answer: (req: Decoded, idx: number) => unknown, notify = true): boolean {
    for (;;) {
      let prod: number;
      try {
        prod = this.back.checkedRequestProd();
      } catch (e) {
        if (e instanceof RingError) return false;
        throw e;
      }
      while (this.back.reqCons !== prod && !this.back.requestConsOverflow(this.back.reqCons)) {
        const idx = this.back.reqCons;
        const req = this.req.decode(this.back.copyRequest(idx)) as Decoded;
        this.back.reqCons = idx + 1;
        const rsp = answer(req, idx);
        if (rsp !== undefined) this.back.writeResponse(this.back.nextResponseIndex(), this.rsp.encodeToBytes(rsp));
      }
      if (this.back.pushResponsesAndCheckNotify() && notify) this.back.notify();
      if (this.back.finalCheckForRequests() === 0) return true;
    }
  }

  /** Frontend: RING_COPY_RESPONSE every published response (rsp_prod checked first), then RING_FINAL_CHECK_FOR_RESPONSES. */
  poll(): number {
    let n = 0;
    for (;;) {
      let prod: number;
      try {
        prod = this.front.checkedResponseProd();
      } catch (e) {
        if (e instanceof RingError) return n;
        throw e;
      }
      while (this.front.rspCons !== prod) {
        this.front.copyResponse(this.front.rspCons);
        this.front.rspCons++;
        n++;
      }
      if (this.front.finalCheckForResponses() === 0) return n;
    }
  }
}

// ---- blkif records, through the protocol/ codec ----------------------------------------------------------

const BLANK = { gref: 0, first_sect: 0, last_sect: 0 };

/** A struct blkif_request: `segs` fill seg[] from the front, the rest zero; nr_segments defaults to segs.length. */
export function blkifRequest(operation: number, id: number, segs: readonly { first_sect: number; last_sect: number }[], nr_segments = segs.length): unknown {
  const seg = Array.from({ length: 11 }, (_v, k) => (segs[k] === undefined ? BLANK : { gref: 100 + k, ...segs[k] }));
  return { operation, nr_segments, handle: 0, id: BigInt(id), sector_number: BigInt(8 * id), seg };
}

/** What Linux blkback answers: the request's id and operation, BLKIF_RSP_OKAY. */
export function okay(req: Decoded): unknown {
  return { id: req['id'], operation: req['operation'], status: 0 };
}

/** A netif_tx_request of one slot. */
export function txRequest(id: number): unknown {
  return { gref: 200 + id, offset: 0, flags: 0, id, size: 60 };
}

/** What netback answers a one-slot packet: its id, XEN_NETIF_RSP_OKAY. */
export function txOkay(req: Decoded): unknown {
  return { id: req['id'], status: 0 };
}

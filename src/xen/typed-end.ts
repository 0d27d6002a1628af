/**
 * What the eight typed ends (BlkifFront/Back, NetifTxFront/Back, NetifRxFront/Back, NetifCtrlFront/Back)
 * share: they refuse a ring of another type, keep one scratch record per side for private copies, publish
 * with RING_PUSH_*_AND_CHECK_NOTIFY (notifying when told), sleep on RING_FINAL_CHECK_FOR_*, and consume in
 * three steps — copy each published record privately (RING_COPY_*; never validate the live slot: XSA-155),
 * validate the whole batch, and only then advance the consumer index, so a refused batch changes nothing.
 */
import type { XenRingName } from '../../protocol/index.js';
import type { FrontRing } from './front-ring.js';
import type { BackRing } from './back-ring.js';
import type { XenRingType } from './ring-type.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { idxAdd, idxSub } from './ring-index.js';

/**
 * Parses the record starting at ring index `idx` from private copies, with `limit` slots available; returns
 * undefined when the record runs past them (left for a later call) and throws when it is malformed.
 */
export type RecordParser<T> = (idx: number, limit: number) => T | undefined;
/** How many ring slots a parsed record took (one, unless it is a multi-slot packet). */
export type SlotCount<T> = (item: T) => number;

const oneSlot = (): number => 1;

abstract class TypedEnd<R extends FrontRing | BackRing> {
  /** The ring this end drives. It owns the ring's private indices: advance them only through the end. */
  readonly ring: R;
  protected readonly type: XenRingType;
  /** Scratch for a private copy (or an encoding) of one request / response. */
  protected readonly req: Uint8Array;
  protected readonly reqView: DataView;
  protected readonly rsp: Uint8Array;
  protected readonly rspView: DataView;

  protected constructor(end: string, ring: R, want: XenRingName) {
    const t = ring.sring.type;
    if (t.name !== want) {
      throw new RingError(xenRingErrorCodes.UNKNOWN_RING_TYPE, `${end} needs a ${want} ring, not ${t.name}.`, { expected: want, received: t.name });
    }
    this.ring = ring;
    this.type = t;
    this.req = new Uint8Array(t.request.size);
    this.reqView = new DataView(this.req.buffer);
    this.rsp = new Uint8Array(t.response.size);
    this.rspView = new DataView(this.rsp.buffer);
  }

  /**
   * Parse records from `from` while fewer than `max` are taken and slots remain of `avail`; `parse(idx,
   * limit)` reads private copies and validates, returning undefined when the record runs past the slots
   * available (left for a later call) and throwing when it is malformed. Changes nothing.
   */
  protected parseBatch<T>(from: number, avail: number, max: number, parse: RecordParser<T>, slots: SlotCount<T>): { items: T[]; used: number } {
    const items: T[] = [];
    let used = 0;
    while (items.length < max && used < avail) {
      const p = parse(idxAdd(from, used), avail - used);
      if (p === undefined) break;
      items.push(p);
      used += slots(p);
    }
    return { items, used };
  }
}

/** A frontend: produces requests, consumes responses. */
export abstract class TypedFront extends TypedEnd<FrontRing> {
  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, then notify the backend when it asked to be told. Returns notify. */
  push(): boolean {
    return this.ring.pushRequestsAndNotify();
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES: 0 means sleep until the backend notifies. */
  finalCheck(): number {
    return this.ring.finalCheckForResponses();
  }

  /**
   * Copy → validate all → advance over the published responses: rsp_prod is read once and checked
   * (RING_RESPONSE_PROD_OVERFLOW, or ahead of req_prod_pvt); every record is parsed before `commit(items,
   * from, used)` updates the end's own state and rsp_cons moves past the slots used.
   */
  protected consumeResponses<T>(parse: RecordParser<T>, commit: (items: readonly T[], from: number, used: number) => void, max = Infinity, slots: SlotCount<T> = oneSlot): T[] {
    const r = this.ring;
    const from = r.rspCons;
    const avail = idxSub(r.checkedResponseProd(), from);
    const { items, used } = this.parseBatch(from, avail, max, parse, slots);
    commit(items, from, used);
    r.rspCons = idxAdd(from, used);
    return items;
  }
}

/** A backend: consumes requests, produces responses. */
export abstract class TypedBack extends TypedEnd<BackRing> {
  /** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY, then notify the frontend when it asked to be told. Returns notify. */
  push(): boolean {
    return this.ring.pushResponsesAndNotify();
  }

  /** RING_FINAL_CHECK_FOR_REQUESTS: 0 means sleep until the frontend notifies. */
  finalCheck(): number {
    return this.ring.finalCheckForRequests();
  }

  /**
   * Copy → validate all → advance over the published requests: req_prod is read once and checked
   * (RING_REQUEST_PROD_OVERFLOW), at most XEN_RING_NR_UNCONSUMED_REQUESTS slots are read, every record is
   * parsed before req_cons moves past the slots used.
   */
  protected consumeRequests<T>(parse: RecordParser<T>, max = Infinity, slots: SlotCount<T> = oneSlot): T[] {
    const r = this.ring;
    r.checkedRequestProd();
    const from = r.reqCons;
    const { items, used } = this.parseBatch(from, r.unconsumedRequests(), max, parse, slots);
    r.reqCons = idxAdd(from, used);
    return items;
  }
}

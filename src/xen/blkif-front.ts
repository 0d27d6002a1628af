/**
 * A blkif frontend: queues read / write / flush / discard / indirect requests as objects, publishes them
 * with RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, and matches responses to requests by id. Responses are read
 * from private copies (RING_COPY_RESPONSE) and the whole batch is checked before any state changes.
 *
 * The record-level path (queueRecord / pollRecords) takes scalars and typed arrays and allocates nothing per
 * request: its ids are indices of a shadow table, as Linux blkfront's shadow[] (xen-blkfront.c,
 * get_id_from_freelist / add_id_to_freelist), holding per id the in-flight flag, the operation its response
 * must carry and a copy of the request. Both paths share the ring, the id space and every check.
 */
import type { FrontRing } from './front-ring.js';
import { bigField, numberField, type BigField, type NumberField } from '../codec/views.js';
import { BlkifRequestCodec, blkifResponseOperation, type BlkifRequest } from './blkif-request.js';
import { blkifRspOperationFault, blkifStatusFault } from './blkif-faults.js';
import { faultError, type RecordFault } from './record-fault.js';
import { BlkifRecordCodec } from './blkif-record.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { idxAdd, idxSub } from './ring-index.js';
import { TypedFront } from './typed-end.js';

export interface BlkifCompletion {
  readonly id: bigint;
  readonly operation: number;
  /** BLKIF_RSP_OKAY (0), BLKIF_RSP_ERROR (-1), BLKIF_RSP_EOPNOTSUPP (-2) */
  readonly status: number;
  readonly request: BlkifRequest;
}

/** Called by pollRecords once per answered request: the id's low and high 32 bits, operation and status. */
export type BlkifRecordCompletion = (idLo: number, idHi: number, operation: number, status: number) => void;

/** Shadow-table states of an id. */
const FREE = 0;
const IN_FLIGHT = 1;
/** Answered by a response of the batch being checked (a second answer in the batch is refused). */
const ANSWERED = 2;

export class BlkifFront extends TypedFront {
  readonly #codec: BlkifRequestCodec;
  readonly #rec: BlkifRecordCodec;
  /** Object-path requests queued and not yet answered, by id. */
  readonly #inFlight = new Map<bigint, BlkifRequest>();
  /** The next id to try when the caller gives none. */
  #nextId = 0n;
  readonly #rspId: BigField;
  readonly #rspOp: NumberField;
  readonly #rspStatus: NumberField;
  // The shadow table of the record path: ids 0 .. RING_SIZE - 1.
  readonly #nr: number;
  readonly #nrBig: bigint;
  readonly #state: Uint8Array;
  /** The operation the response to each id must carry. */
  readonly #wantOp: Uint8Array;
  /** Free ids, a stack (Linux blkfront's shadow_free list). */
  readonly #free: Uint16Array;
  #freeTop: number;
  #shadowInFlight = 0;
  /** A copy of each in-flight record-path request (shadow[id].req), one sizeof(blkif_request) slot per id. */
  readonly #shadow: Uint8Array;
  readonly #shadowView: DataView;
  readonly #shadowSlots: Uint8Array[];
  // One batch of responses being checked (pollRecords): the shadow id (-1 for an object-path id), id halves,
  // operation and status, so each response slot is copied and read once.
  readonly #bId: Int32Array;
  readonly #bLo: Uint32Array;
  readonly #bHi: Uint32Array;
  readonly #bOp: Uint8Array;
  readonly #bStatus: Int16Array;

  constructor(ring: FrontRing) {
    super('BlkifFront', ring, 'blkif');
    const t = this.type;
    this.#codec = new BlkifRequestCodec(t.abi);
    this.#rec = new BlkifRecordCodec(t.abi);
    this.#rspId = bigField(t.response.layout, 'id');
    this.#rspOp = numberField(t.response.layout, 'operation');
    this.#rspStatus = numberField(t.response.layout, 'status');
    const nr = ring.nrEnts;
    this.#nr = nr;
    this.#nrBig = BigInt(nr);
    this.#state = new Uint8Array(nr);
    this.#wantOp = new Uint8Array(nr);
    this.#free = new Uint16Array(nr);
    for (let i = 0; i < nr; i++) this.#free[i] = nr - 1 - i; // id 0 is taken first
    this.#freeTop = nr;
    const size = this.#rec.size;
    this.#shadow = new Uint8Array(nr * size);
    this.#shadowView = new DataView(this.#shadow.buffer);
    this.#shadowSlots = Array.from({ length: nr }, (_v, i) => this.#shadow.subarray(i * size, (i + 1) * size));
    this.#bId = new Int32Array(nr);
    this.#bLo = new Uint32Array(nr);
    this.#bHi = new Uint32Array(nr);
    this.#bOp = new Uint8Array(nr);
    this.#bStatus = new Int16Array(nr);
  }

  /** Requests queued and not yet answered. */
  get outstanding(): number { return this.#inFlight.size + this.#shadowInFlight; }

  /** Whether `id` is a record-path id still outstanding. */
  #shadowHas(id: bigint): boolean {
    return id >= 0n && id < this.#nrBig && this.#state[Number(id)] !== FREE;
  }

  /**
   * Queue a request in the next free slot (not yet visible to the backend: call push()). Returns its id
   * (the one given, or the next free one). A full ring or an id still in flight is refused, nothing changed.
   */
  queue(r: BlkifRequest): bigint {
    let id = r.id;
    if (id === undefined) { do id = this.#nextId++; while (this.#inFlight.has(id) || this.#shadowHas(id)); }
    if (this.#inFlight.has(id) || this.#shadowHas(id)) {
      throw new RingError(xenRingErrorCodes.DUPLICATE_REQUEST_ID, `Request id ${id} is still outstanding.`, { index: this.ring.reqProdPvt, received: id });
    }
    if (this.ring.full()) this.ring.nextRequestIndex(); // throws XEN_RING_FULL
    this.#codec.encode(r, id, this.req);
    this.ring.writeRequest(this.ring.nextRequestIndex(), this.req);
    this.#inFlight.set(id, r);
    return id;
  }

  /**
   * The record path: queue a read / write / write-barrier / flush request from scalars (not yet visible to
   * the backend: call push()). `seg` holds `nseg` (gref, first_sect, last_sect) triples from `segOff`; the
   * sector is a number (exact below 2^53). The id is taken from the shadow table and returned. A full ring
   * or a value out of range is refused with nothing changed; no allocation.
   */
  queueRecord(operation: number, handle: number, sector: number, nseg: number, seg: Uint32Array, segOff = 0): number {
    const ring = this.ring;
    if (ring.full()) ring.nextRequestIndex(); // throws XEN_RING_FULL
    const id = this.#inFlight.size === 0 ? this.#free[this.#freeTop - 1] as number : this.#freeIdBesideObjects();
    const base = id * this.#rec.size;
    const slot = this.#shadowSlots[id] as Uint8Array;
    slot.fill(0);
    this.#rec.encodeRw(this.#shadowView, base, operation, handle, id, sector, nseg, seg, segOff);
    ring.writeRequest(ring.nextRequestIndex(), slot);
    if (this.#inFlight.size === 0) this.#freeTop--; else this.#removeFree(id);
    this.#state[id] = IN_FLIGHT;
    this.#wantOp[id] = operation;
    this.#shadowInFlight++;
    return id;
  }

  /** A free shadow id that no object-path request uses (there is one whenever the ring has a free slot). */
  #freeIdBesideObjects(): number {
    for (let k = this.#freeTop - 1; k >= 0; k--) {
      const id = this.#free[k] as number;
      if (!this.#inFlight.has(BigInt(id))) return id;
    }
    /* c8 ignore next 2 */ // unreachable: in-flight requests never outnumber the ring's slots
    throw new RingError(xenRingErrorCodes.RING_FULL, 'No free request id beside the outstanding ones.', { index: this.ring.reqProdPvt, expected: 'a free id', received: 0 });
  }

  #removeFree(id: number): void {
    const top = this.#freeTop - 1;
    const k = this.#free.lastIndexOf(id, top);
    this.#free[k] = this.#free[top] as number;
    this.#freeTop = top;
  }

  #release(id: number): void {
    this.#state[id] = FREE;
    this.#free[this.#freeTop++] = id;
    this.#shadowInFlight--;
  }

  /**
   * Take every published response: checks rsp_prod (RING_RESPONSE_PROD_OVERFLOW) and that every id is
   * outstanding, once, with the operation its request gets back, before consuming any; a bad batch leaves
   * rsp_cons and the in-flight table unchanged.
   */
  poll(): BlkifCompletion[] {
    const seen = new Set<bigint>();
    const marked: number[] = [];
    try {
      return this.consumeResponses((idx) => {
        const dv = this.rspView;
        this.ring.copyResponse(idx, this.rsp);
        const id = this.#rspId.get(dv, 0);
        let request = this.#inFlight.get(id);
        if (request === undefined && this.#shadowHas(id) && this.#state[Number(id)] === IN_FLIGHT) {
          // A record-path request: its copy in the shadow table is the request answered.
          const { index: _index, ...r } = this.#codec.decode(this.#shadowSlots[Number(id)] as Uint8Array, idx);
          request = r as BlkifRequest;
          this.#state[Number(id)] = ANSWERED;
          marked.push(Number(id));
        } else if (request === undefined || seen.has(id)) {
          throw unknownId(idx, id);
        }
        const operation = this.#rspOp.get(dv, 0);
        const status = this.#rspStatus.get(dv, 0);
        const bad = blkifRspOperationFault(idx, id, operation, blkifResponseOperation(request)) ?? blkifStatusFault(idx, status);
        if (bad !== undefined) throw faultError(bad);
        seen.add(id);
        return { id, operation, status, request };
      }, (done) => {
        for (const c of done) {
          if (!this.#inFlight.delete(c.id)) this.#release(Number(c.id));
        }
      });
    } catch (e) {
      for (const id of marked) this.#state[id] = IN_FLIGHT;
      throw e;
    }
  }

  /**
   * The record path: take every published response with the checks poll() makes (rsp_prod, an outstanding
   * id answered once, the operation its request gets back), all before rsp_cons or the shadow table change;
   * then call `done` once per response, in ring order. Object-path requests are completed here too. Returns
   * how many were taken; no allocation. The batch is consumed before `done` runs: if `done` throws, the rest
   * of the batch is not reported.
   */
  pollRecords(done: BlkifRecordCompletion): number {
    const ring = this.ring;
    const from = ring.rspCons;
    const n = idxSub(ring.checkedResponseProd(), from);
    const dv = this.rspView;
    const state = this.#state;
    let k = 0;
    try {
      for (; k < n; k++) {
        this.#bId[k] = -1;
        const idx = idxAdd(from, k);
        ring.copyResponse(idx, this.rsp); // RING_COPY_RESPONSE: read the private copy only
        const lo = this.#rspId.getLo(dv, 0);
        const hi = this.#rspId.getHi(dv, 0);
        const op = this.#rspOp.get(dv, 0);
        this.#bLo[k] = lo;
        this.#bHi[k] = hi;
        this.#bOp[k] = op;
        const status = this.#rspStatus.get(dv, 0);
        this.#bStatus[k] = status;
        if (hi === 0 && lo < this.#nr && state[lo] === IN_FLIGHT) {
          state[lo] = ANSWERED;
          this.#bId[k] = lo;
          if (op !== this.#wantOp[lo]) throw faultError(blkifRspOperationFault(idx, BigInt(lo), op, this.#wantOp[lo] as number) as RecordFault);
        } else {
          this.#checkObjectResponse(idx, lo, hi, op, k);
        }
        const badStatus = blkifStatusFault(idx, status);
        if (badStatus !== undefined) throw faultError(badStatus);
      }
    } catch (e) {
      for (let j = 0; j <= k && j < n; j++) { const id = this.#bId[j] as number; if (id >= 0) state[id] = IN_FLIGHT; }
      throw e;
    }
    for (let j = 0; j < n; j++) {
      const id = this.#bId[j] as number;
      if (id >= 0) this.#release(id);
      else this.#inFlight.delete(BigInt(this.#bHi[j] as number) << 32n | BigInt(this.#bLo[j] as number));
    }
    ring.rspCons = idxAdd(from, n);
    for (let j = 0; j < n; j++) done(this.#bLo[j] as number, this.#bHi[j] as number, this.#bOp[j] as number, this.#bStatus[j] as number);
    return n;
  }

  /** pollRecords' check of a response whose id is not a record-path id in flight: an object-path one, once. */
  #checkObjectResponse(idx: number, lo: number, hi: number, op: number, k: number): void {
    const id = BigInt(hi) << 32n | BigInt(lo);
    const request = this.#inFlight.get(id);
    let again = false;
    for (let j = 0; j < k && !again; j++) again = this.#bId[j] === -1 && this.#bLo[j] === lo && this.#bHi[j] === hi;
    if (request === undefined || again) throw unknownId(idx, id);
    const bad = blkifRspOperationFault(idx, id, op, blkifResponseOperation(request));
    if (bad !== undefined) throw faultError(bad);
  }
}

function unknownId(idx: number, id: bigint): RingError {
  return new RingError(xenRingErrorCodes.UNKNOWN_RESPONSE_ID, `Response ${idx} answers id ${id}, which is not an outstanding request.`, {
    index: idx, path: 'blkif_response.id', expected: 'an outstanding request id', received: id,
  });
}

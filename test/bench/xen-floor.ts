/**
 * The engine's floor for xen-decompose.ts's single-thread row: the same blkif round trips on one order-0
 * x86_64 ring, written by hand with typed arrays and constant offsets — the frontend's shadow copy and free-id
 * stack, RING_PUSH_*_AND_CHECK_NOTIFY, the backend's private copies and checks, the response checks — and no
 * library. Each check throws, so the JIT keeps it; xen-floor.test.ts proves the ring bytes equal ringwire's.
 * A benchmark baseline only: the offsets restate ring.h and blkif.h on purpose.
 *
 *   sring: req_prod 0, req_event 4, rsp_prod 8, rsp_event 12, pad to 64, then 32 slots of 112 bytes
 *   blkif_request: op 0, nr_segments 1, handle 2, id 8, sector_number 16, seg[i] 24 + 8i (gref, first, last)
 *   blkif_response: id 0, operation 8, status 10 (int16)
 */
import { fillSegments, recordPayloadOk } from '../xen/workers/blkif-pair-layout.js';

const NR = 32;
const REQ = 112;
const RSP = 16;
const SLOTS = 64;
const MAX_SEGS = 11;
const OP_READ = 0;
const OP_WRITE = 1;

/** Both ends of one ring in one thread, as the hand-written floor runs them. */
export class HandBlkifPair {
  readonly page: Uint8Array;
  readonly #w: Uint32Array;
  readonly #idx: Int32Array;
  // Frontend: shadow copies and the free-id stack (Linux blkfront's shadow[]).
  readonly #shadow = new Uint8Array(NR * REQ);
  readonly #sw = new Uint32Array(this.#shadow.buffer);
  readonly #state = new Uint8Array(NR);
  readonly #wantOp = new Uint8Array(NR);
  readonly #free = new Uint16Array(NR);
  #freeTop = NR;
  #reqProdPvt = 0;
  #rspCons = 0;
  // Backend: private copies (RING_COPY_REQUEST) and the decoded record.
  readonly #priv = new Uint8Array(NR * REQ);
  readonly #pw = new Uint32Array(this.#priv.buffer);
  readonly #rsp = new Uint8Array(RSP);
  readonly #rw = new Uint32Array(this.#rsp.buffer);
  #reqCons = 0;
  #rspProdPvt = 0;
  #taken = 0;
  /** The record nextRecord() fills, with the members recordPayloadOk reads. */
  readonly r = { operation: 0, nr_segments: 0, handle: 0, idLo: 0, idHi: 0, sectorLo: 0, sectorHi: 0, gref: new Uint32Array(MAX_SEGS), first_sect: new Uint8Array(MAX_SEGS), last_sect: new Uint8Array(MAX_SEGS) };

  constructor(page: SharedArrayBuffer | ArrayBuffer) {
    this.page = new Uint8Array(page, 0, 4096);
    this.#w = new Uint32Array(page, 0, 1024);
    this.#idx = new Int32Array(page, 0, 4);
    for (let i = 0; i < NR; i++) this.#free[i] = NR - 1 - i;
  }

  /** queueRecord: checks, the shadow copy (zeroed, then the members), then the ring slot. Returns the id. */
  queue(op: number, handle: number, sector: number, nseg: number, seg: Uint32Array): number {
    if (((this.#reqProdPvt - this.#rspCons) >>> 0) >= NR) throw new RangeError('ring full');
    if (op !== OP_READ && op !== OP_WRITE) throw new RangeError('operation');
    if (!(nseg >>> 0 === nseg && nseg <= MAX_SEGS)) throw new RangeError('nr_segments');
    if ((handle & 0xffff) !== handle) throw new RangeError('handle');
    if (!(Number.isSafeInteger(sector) && sector >= 0)) throw new RangeError('sector_number');
    const id = this.#free[--this.#freeTop] as number;
    const q = id * (REQ >> 2);
    const sw = this.#sw;
    this.#shadow.fill(0, id * REQ, id * REQ + REQ);
    sw[q] = op | (nseg << 8) | (handle << 16);
    sw[q + 2] = id;
    sw[q + 4] = sector >>> 0;
    sw[q + 5] = (sector - (sector >>> 0)) / 4294967296;
    for (let i = 0, o = 0; i < nseg; i++, o += 3) {
      const first = seg[o + 1] as number;
      const last = seg[o + 2] as number;
      if (first > 0xff || last > 0xff) throw new RangeError('first_sect or last_sect');
      sw[q + 6 + 2 * i] = seg[o] as number;
      sw[q + 7 + 2 * i] = first | (last << 8);
    }
    this.page.set(this.#shadow.subarray(id * REQ, id * REQ + REQ), SLOTS + (this.#reqProdPvt & (NR - 1)) * REQ);
    this.#reqProdPvt = (this.#reqProdPvt + 1) >>> 0;
    this.#state[id] = 1;
    this.#wantOp[id] = op;
    return id;
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY. */
  pushRequests(): boolean {
    const old = Atomics.load(this.#idx, 0) >>> 0;
    const next = this.#reqProdPvt;
    Atomics.store(this.#idx, 0, next | 0);
    return ((next - (Atomics.load(this.#idx, 1) >>> 0)) >>> 0) < ((next - old) >>> 0);
  }

  /** takeRecords: req_prod read once and checked, each request copied privately and checked. */
  take(): number {
    const prod = Atomics.load(this.#idx, 0) >>> 0;
    const n = (prod - this.#reqCons) >>> 0;
    if (n > NR) throw new RangeError('req_prod overflow');
    const pw = this.#pw;
    for (let k = 0; k < n; k++) {
      const at = SLOTS + ((this.#reqCons + k) & (NR - 1)) * REQ;
      this.#priv.set(this.page.subarray(at, at + REQ), k * REQ);
      const q = k * (REQ >> 2);
      const w0 = pw[q] as number;
      const op = w0 & 0xff;
      const nseg = (w0 >>> 8) & 0xff;
      if (op !== OP_READ && op !== OP_WRITE) throw new RangeError('operation');
      if (nseg === 0 || nseg > MAX_SEGS) throw new RangeError('nr_segments');
      for (let i = 0; i < nseg; i++) {
        const w = pw[q + 7 + 2 * i] as number;
        const first = w & 0xff;
        const last = (w >>> 8) & 0xff;
        if (!(first <= last && last <= 7)) throw new RangeError('sectors');
      }
    }
    this.#reqCons = prod;
    this.#taken = n;
    return n;
  }

  /** nextRecord for the k-th request of the last take(). */
  next(k: number): void {
    const pw = this.#pw;
    const r = this.r;
    const q = k * (REQ >> 2);
    const w0 = pw[q] as number;
    r.operation = w0 & 0xff;
    r.nr_segments = (w0 >>> 8) & 0xff;
    r.handle = w0 >>> 16;
    r.idLo = pw[q + 2] as number;
    r.idHi = pw[q + 3] as number;
    r.sectorLo = pw[q + 4] as number;
    r.sectorHi = pw[q + 5] as number;
    for (let i = 0; i < r.nr_segments; i++) {
      const w = pw[q + 7 + 2 * i] as number;
      r.gref[i] = pw[q + 6 + 2 * i] as number;
      r.first_sect[i] = w & 0xff;
      r.last_sect[i] = (w >>> 8) & 0xff;
    }
  }

  /** respondRaw: checks, then the response (zeroed, then id, operation, status) in the next slot. */
  respond(idLo: number, idHi: number, op: number, status: number): void {
    if (idLo >>> 0 !== idLo || idHi >>> 0 !== idHi || (op & 0xff) !== op || ((status << 16) >> 16) !== status) throw new RangeError('response');
    if (((this.#rspProdPvt - this.#reqCons) >>> 0) === 0) throw new RangeError('no request to answer');
    const rw = this.#rw;
    rw[0] = idLo;
    rw[1] = idHi;
    rw[2] = op | ((status & 0xffff) << 16);
    rw[3] = 0;
    this.page.set(this.#rsp, SLOTS + (this.#rspProdPvt & (NR - 1)) * REQ);
    this.#rspProdPvt = (this.#rspProdPvt + 1) >>> 0;
  }

  /** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY. */
  pushResponses(): boolean {
    const old = Atomics.load(this.#idx, 2) >>> 0;
    const next = this.#rspProdPvt;
    Atomics.store(this.#idx, 2, next | 0);
    return ((next - (Atomics.load(this.#idx, 3) >>> 0)) >>> 0) < ((next - old) >>> 0);
  }

  /** pollRecords: rsp_prod checked, every response copied and checked before any id is released. */
  poll(done: (idLo: number, idHi: number, op: number, status: number) => void): number {
    const prod = Atomics.load(this.#idx, 2) >>> 0;
    const n = (prod - this.#rspCons) >>> 0;
    if (n > ((this.#reqProdPvt - this.#rspCons) >>> 0)) throw new RangeError('rsp_prod overflow');
    const rsp = this.#rsp;
    const rw = this.#rw;
    for (let k = 0; k < n; k++) {
      const at = SLOTS + ((this.#rspCons + k) & (NR - 1)) * REQ;
      rsp.set(this.page.subarray(at, at + RSP));
      const lo = rw[0] as number;
      const op = rsp[8] as number;
      const status = ((rw[2] as number) >> 16);
      if (rw[1] !== 0 || lo >= NR || this.#state[lo] !== 1) throw new RangeError('response id');
      if (op !== this.#wantOp[lo]) throw new RangeError('response operation');
      if (status < -2 || status > 0) throw new RangeError('status');
      this.#state[lo] = 2;
    }
    for (let k = 0; k < n; k++) {
      const at = (SLOTS + ((this.#rspCons + k) & (NR - 1)) * REQ) >>> 2;
      const lo = this.#w[at] as number;
      this.#state[lo] = 0;
      this.#free[this.#freeTop++] = lo;
      done(lo, 0, this.#wantOp[lo] as number, (this.#w[at + 2] as number) >> 16);
    }
    this.#rspCons = prod;
    return n;
  }

  get taken(): number { return this.#taken; }
}

/** Seconds for `total` requests in batches of `batch` through the hand-written pair: xen-decompose.ts's loop. */
export function handSingleThread(batch: number, total: number, page: SharedArrayBuffer | ArrayBuffer = newRing()): number {
  const p = new HandBlkifPair(page);
  const seg = new Uint32Array(3 * MAX_SEGS);
  let completed = 0;
  let errors = 0;
  const done = (_lo: number, _hi: number, _op: number, status: number): void => { completed++; if (status !== 0) errors++; };
  const t0 = performance.now();
  for (let produced = 0; completed < total;) {
    const k = Math.min(batch, NR - ((produced - completed) >>> 0), total - produced);
    for (let i = 0; i < k; i++, produced++) p.queue(produced % 3 === 0 ? OP_WRITE : OP_READ, produced & 0xffff, produced * 8, fillSegments(produced, seg), seg);
    p.pushRequests();
    const n = p.take();
    for (let j = 0; j < n; j++) {
      p.next(j);
      p.respond(p.r.idLo, p.r.idHi, p.r.operation, recordPayloadOk(p.r, OP_READ, OP_WRITE) ? 0 : -1);
    }
    p.pushResponses();
    p.poll(done);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (errors !== 0) throw new Error(`hand-written run: ${errors} payload errors`);
  return seconds;
}

/** A fresh ring page as SHARED_RING_INIT leaves it: indices 0, req_event and rsp_event 1. */
export function newRing(): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(4096);
  const idx = new Int32Array(sab, 0, 4);
  idx[1] = 1;
  idx[3] = 1;
  return sab;
}

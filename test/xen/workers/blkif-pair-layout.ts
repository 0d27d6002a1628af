/**
 * The shared memory of the cross-thread blkif tests and bench: one order-0 blkif ring (x86_64) at byte 0,
 * then control words: [0] front->back event, [1] back->front event, [2] done flag, [3] a word
 * nobody writes (the backend's zero-length waits), [4] threads started.
 */
export const RING_BYTES = 4096;
export const CONTROL_WORDS = 5;
export const EVT_TO_BACK = 0;
export const EVT_TO_FRONT = 1;
export const DONE = 2;
export const STARTED = 4;

export interface PairConfig {
  readonly sab: SharedArrayBuffer;
  /** Requests to complete. */
  readonly total: number;
  readonly seed: number;
  /** Fixed batch size; 0 = random 1..32 per batch. */
  readonly batch: number;
  /** Back-end delays (short spins / yields) on a random subset of requests. */
  readonly delays: boolean;
  /** Wait timeout: a wait that times out counts as a lost wakeup. */
  readonly waitMs: number;
  /** Which API the workers drive: the object one (queue / poll / take / respond, the default) or the record one. */
  readonly api?: 'object' | 'record';
}

export function controlWords(sab: SharedArrayBuffer): Int32Array {
  return new Int32Array(sab, RING_BYTES, CONTROL_WORDS);
}

/** xorshift32 */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

/** The payload the frontend puts in request `id` and the backend checks: sector, segment count, grefs. */
export function expectedSector(id: number): bigint { return BigInt(id) * 8n; }
export function expectedSegments(id: number): number { return (id % 11) + 1; }
export function expectedGref(id: number, j: number): number { return (id * 13 + j) >>> 0; }

/** The record path's segments for request `n` (queueRecord's (gref, first_sect, last_sect) triples); returns nr_segments. */
export function fillSegments(n: number, seg: Uint32Array): number {
  const nseg = expectedSegments(n);
  for (let j = 0; j < nseg; j++) { seg[3 * j] = expectedGref(n, j); seg[3 * j + 1] = j % 8; seg[3 * j + 2] = 7; }
  return nseg;
}

/** The members of a request as the backend decoded it into a BlkifRecord, checked against its number (sector / 8). */
export interface DecodedPayload {
  readonly operation: number; readonly handle: number; readonly nr_segments: number; readonly sectorLo: number; readonly sectorHi: number;
  readonly gref: Uint32Array; readonly first_sect: Uint8Array; readonly last_sect: Uint8Array;
}

/** Whether a decoded request is the one the frontend queued for its number (the record path's payload check). */
export function recordPayloadOk(r: DecodedPayload, read: number, write: number): boolean {
  if (r.sectorHi !== 0 || (r.sectorLo & 7) !== 0) return false;
  const n = r.sectorLo >>> 3;
  if (r.operation !== (n % 3 === 0 ? write : read) || r.handle !== (n & 0xffff) || r.nr_segments !== expectedSegments(n)) return false;
  for (let j = 0; j < r.nr_segments; j++) {
    if (r.gref[j] !== expectedGref(n, j) || r.first_sect[j] !== j % 8 || r.last_sect[j] !== 7) return false;
  }
  return true;
}

/**
 * Start barrier: each worker calls this once it has loaded and set up, and returns when both have, so the
 * frontend's clock starts with the backend already running (as the C baseline's two pthreads, which start within
 * microseconds of each other; a worker's module load takes tens of milliseconds).
 */
export function startTogether(words: Int32Array): void {
  if (Atomics.add(words, STARTED, 1) + 1 >= 2) {
    Atomics.notify(words, STARTED);
    return;
  }
  while (Atomics.load(words, STARTED) < 2) Atomics.wait(words, STARTED, 1, 1000);
}

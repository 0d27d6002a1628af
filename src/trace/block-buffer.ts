/**
 * A private, growable copy of one block, for input the reader does not own outright: a stream's chunks
 * (a block can span several) and shared memory (copied first, then validated: no double fetch).
 * It never grows beyond MAX_BLOCK_BYTES, because block lengths are checked before it grows.
 */
import {
  MAX_BLOCK_BYTES,
} from '../../protocol/trace/index.js';

export class BlockBuffer {
  bytes: Uint8Array;
  view: DataView;
  /** Largest capacity it reached. */
  highWater: number;

  constructor(initial = 65536) {
    this.bytes = new Uint8Array(initial);
    this.view = new DataView(this.bytes.buffer);
    this.highWater = initial;
  }

  /** Makes room for n bytes, keeping the first `keep`. The caller has checked n <= MAX_BLOCK_BYTES. */
  reserve(n: number, keep: number): void {
    if (n <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < n) cap *= 2;
    cap = Math.min(cap, Math.max(n, MAX_BLOCK_BYTES));
    const grown = new Uint8Array(cap);
    grown.set(this.bytes.subarray(0, keep));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
    if (cap > this.highWater) this.highWater = cap;
  }
}

/** Whether a typed array lies in a SharedArrayBuffer (absent in browsers without cross-origin isolation). */
export function isShared(b: Uint8Array): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && b.buffer instanceof SharedArrayBuffer;
}

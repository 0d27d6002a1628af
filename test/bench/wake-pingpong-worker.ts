/**
 * One thread of the wake-up ping-pong (xen-decompose.ts): two threads wake each other `total` times in turn
 * through two EventChannelWords, the notification ringwire's cross-thread ends use (Atomics.add + notify, and
 * Atomics.wait on the value read) with no ring at all. The C baseline's `pingpong` mode does the same with
 * FUTEX_WAKE / FUTEX_WAIT. "ping" starts and times the exchanges.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EventChannelWord } from '../../src/xen/index.js';
import { startTogether } from '../xen/workers/blkif-pair-layout.js';

const { sab, total, role } = workerData as { sab: SharedArrayBuffer; total: number; role: 'ping' | 'pong' };
const words = new Int32Array(sab);
const toPong = new EventChannelWord(words, 0);
const toPing = new EventChannelWord(words, 1);
const [mine, theirs] = role === 'ping' ? [toPing, toPong] : [toPong, toPing];

startTogether(words);
const t0 = performance.now();
let seen = 0;
for (let i = 0; i < total; i++) {
  if (role === 'ping') theirs.notify();
  while (mine.read() === seen) mine.wait(seen, 10_000);
  seen++;
  if (role === 'pong') theirs.notify();
}
parentPort?.postMessage({ seconds: (performance.now() - t0) / 1000 });

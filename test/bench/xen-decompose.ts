/**
 * The two parts of the cross-thread Xen ring figure, each measured alone against its C counterpart
 * (test/bench/c/xen-ring-bench.c's `single` and `pingpong` modes):
 *   - singleThreadRecords: the record API's CPU work per request with both ends in one thread: the
 *     frontend queues a batch (queueRecord, push), the backend takes, checks and answers it (takeRecords,
 *     nextRecord, the payload check, respondRecord, push), the frontend collects (pollRecords): the workers'
 *     loop and payload without a wake-up;
 *   - wakePingPong: two threads waking each other through EventChannelWords, no ring.
 */
import { Worker } from 'node:worker_threads';
import { SharedRing, FrontRing, BackRing, BlkifFront, BlkifBack, BlkifRecord, ringType, BLKIF_OP_READ, BLKIF_OP_WRITE } from '../../src/xen/index.js';
import { fillSegments, recordPayloadOk } from '../xen/workers/blkif-pair-layout.js';

/** Seconds for `total` requests through one blkif ring (x86_64, order 0) in batches of `batch`, one thread. */
export function singleThreadRecords(batch: number, total: number, page: SharedArrayBuffer = new SharedArrayBuffer(4096)): number {
  const s = SharedRing.init(page, ringType('blkif'));
  const front = new BlkifFront(FrontRing.attach(s));
  const back = new BlkifBack(BackRing.attach(s));
  const seg = new Uint32Array(33);
  const r = new BlkifRecord();
  let completed = 0;
  let errors = 0;
  const done = (_lo: number, _hi: number, _op: number, status: number): void => { completed++; if (status !== 0) errors++; };
  const t0 = performance.now();
  for (let produced = 0; completed < total;) {
    const k = Math.min(batch, front.ring.freeRequests(), total - produced);
    for (let i = 0; i < k; i++, produced++) {
      front.queueRecord(produced % 3 === 0 ? BLKIF_OP_WRITE : BLKIF_OP_READ, produced & 0xffff, produced * 8, fillSegments(produced, seg), seg);
    }
    front.push();
    back.takeRecords();
    while (back.nextRecord(r)) back.respondRecord(r, recordPayloadOk(r, BLKIF_OP_READ, BLKIF_OP_WRITE) ? 0 : -1);
    back.push();
    front.pollRecords(done);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (errors !== 0 || front.outstanding !== 0) throw new Error(`single-thread run: ${errors} payload errors, ${front.outstanding} outstanding`);
  return seconds;
}

/** Seconds for `total` wake-up round trips between two worker threads (EventChannelWord notify / wait). */
export async function wakePingPong(total: number): Promise<number> {
  const sab = new SharedArrayBuffer(5 * 4);
  const run = (role: 'ping' | 'pong') => new Promise<{ seconds: number }>((resolve, reject) => {
    const w = new Worker(new URL('./wake-pingpong-worker.js', import.meta.url), { workerData: { sab, total, role } });
    w.once('message', resolve);
    w.once('error', reject);
  });
  const [ping] = await Promise.all([run('ping'), run('pong')]);
  return ping.seconds;
}

/**
 * Frontend thread of the cross-thread blkif test/bench: queues `total` requests in batches, waits for
 * responses only when RING_FINAL_CHECK_FOR_RESPONSES says there is nothing to do, and checks every id is
 * answered exactly once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SharedRing, FrontRing, BlkifFront, EventChannelWord, ringType, type BlkifSegment } from '../../../src/xen/index.js';
import { controlWords, prng, expectedSector, expectedSegments, expectedGref, EVT_TO_BACK, EVT_TO_FRONT, DONE, type PairConfig, startTogether } from './blkif-pair-layout.js';

const cfg = workerData as PairConfig;
const words = controlWords(cfg.sab);
const toBack = new EventChannelWord(words, EVT_TO_BACK);
const toFront = new EventChannelWord(words, EVT_TO_FRONT);
const sring = SharedRing.attach(cfg.sab, ringType('blkif'), { onNotify: () => toBack.notify() });
const front = new BlkifFront(FrontRing.attach(sring));
const rand = prng(cfg.seed);
const answered = new Uint8Array(cfg.total);
let produced = 0;
let completed = 0;
let duplicates = 0;
let badStatus = 0;
let notifies = 0;
let waits = 0;
let timeouts = 0;

startTogether(words);
const t0 = performance.now();
while (completed < cfg.total) {
  const want = cfg.batch > 0 ? cfg.batch : 1 + (rand() % 32);
  const k = Math.min(want, front.ring.freeRequests(), cfg.total - produced);
  for (let i = 0; i < k; i++, produced++) {
    const id = produced;
    const nseg = expectedSegments(id);
    const segments: BlkifSegment[] = [];
    for (let j = 0; j < nseg; j++) segments.push({ gref: expectedGref(id, j), first_sect: j % 8, last_sect: 7 });
    front.queue({ op: id % 3 === 0 ? 'write' : 'read', id: BigInt(id), handle: id & 0xffff, sector: expectedSector(id), segments });
  }
  if (k > 0 && front.push()) notifies++;
  for (;;) {
    const done = front.poll();
    for (const c of done) {
      const id = Number(c.id);
      if (answered[id] !== 0) duplicates++;
      answered[id] = 1;
      if (c.status !== 0) badStatus++;
    }
    completed += done.length;
    if (done.length > 0 || completed >= cfg.total) break;
    if (produced < cfg.total && !front.ring.full()) break; // room to produce more: do not sleep
    const seen = toFront.read();
    if (front.finalCheck() !== 0) continue;
    waits++;
    if (!toFront.wait(seen, cfg.waitMs)) timeouts++;
  }
}
const seconds = (performance.now() - t0) / 1000;
Atomics.store(words, DONE, 1);
toBack.notify();
let missing = 0;
for (let i = 0; i < cfg.total; i++) if (answered[i] !== 1) missing++;
parentPort?.postMessage({ produced, completed, duplicates, missing, badStatus, notifies, waits, timeouts, seconds });

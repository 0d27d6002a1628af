/**
 * Frontend thread of the cross-thread blkif test/bench on the record path (BlkifFront.queueRecord /
 * pollRecords): the same loop and payload as blkif-front-worker.ts, with segment data in a reused typed
 * array and ids from the front's shadow table, so nothing is allocated per request (as the C baseline).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SharedRing, FrontRing, BlkifFront, EventChannelWord, ringType, BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_MAX_SEGMENTS_PER_REQUEST } from '../../../src/xen/index.js';
import { controlWords, prng, fillSegments, EVT_TO_BACK, EVT_TO_FRONT, DONE, type PairConfig, startTogether } from './blkif-pair-layout.js';

const cfg = workerData as PairConfig;
const words = controlWords(cfg.sab);
const toBack = new EventChannelWord(words, EVT_TO_BACK);
const toFront = new EventChannelWord(words, EVT_TO_FRONT);
const sring = SharedRing.attach(cfg.sab, ringType('blkif'), { onNotify: () => toBack.notify() });
const front = new BlkifFront(FrontRing.attach(sring));
const rand = prng(cfg.seed);
const answered = new Uint8Array(cfg.total);
/** The shadow id each request got -> the request's number (ids are reused; the payload is keyed by number). */
const numberOf = new Int32Array(front.ring.nrEnts);
const seg = new Uint32Array(3 * BLKIF_MAX_SEGMENTS_PER_REQUEST);
let produced = 0;
let completed = 0;
let duplicates = 0;
let badStatus = 0;
let notifies = 0;
let waits = 0;
let timeouts = 0;

// The wire id is a shadow index, reused; the backend recovers a request's number from its sector (number * 8).
function onCompletion(idLo: number, _idHi: number, _operation: number, status: number): void {
  const n = numberOf[idLo] as number;
  if (answered[n] !== 0) duplicates++;
  answered[n] = 1;
  if (status !== 0) badStatus++;
  completed++;
}

startTogether(words);
const t0 = performance.now();
while (completed < cfg.total) {
  const want = cfg.batch > 0 ? cfg.batch : 1 + (rand() % 32);
  const k = Math.min(want, front.ring.freeRequests(), cfg.total - produced);
  for (let i = 0; i < k; i++, produced++) {
    const n = produced;
    const nseg = fillSegments(n, seg);
    const id = front.queueRecord(n % 3 === 0 ? BLKIF_OP_WRITE : BLKIF_OP_READ, n & 0xffff, n * 8, nseg, seg);
    numberOf[id] = n;
  }
  if (k > 0 && front.push()) notifies++;
  for (;;) {
    const got = front.pollRecords(onCompletion);
    if (got > 0 || completed >= cfg.total) break;
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

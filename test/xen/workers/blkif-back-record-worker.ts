/**
 * Backend thread of the cross-thread blkif test/bench on the record path (BlkifBack.takeRecords /
 * nextRecord / respondRecord): the same loop, payload checks and delays as blkif-back-worker.ts, each request
 * decoded into one reused record. The wire id is the front's shadow index, so the request's number comes
 * from its sector (number * 8) and every other member is checked against it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SharedRing, BackRing, BlkifBack, BlkifRecord, EventChannelWord, ringType, BLKIF_OP_READ, BLKIF_OP_WRITE } from '../../../src/xen/index.js';
import { controlWords, prng, recordPayloadOk, EVT_TO_BACK, EVT_TO_FRONT, DONE, type PairConfig, startTogether } from './blkif-pair-layout.js';

const cfg = workerData as PairConfig;
const words = controlWords(cfg.sab);
const toBack = new EventChannelWord(words, EVT_TO_BACK);
const toFront = new EventChannelWord(words, EVT_TO_FRONT);
const sring = SharedRing.attach(cfg.sab, ringType('blkif'), { onNotify: () => toFront.notify() });
const back = new BlkifBack(BackRing.attach(sring));
const rand = prng(cfg.seed ^ 0x5bd1e995);
const r = new BlkifRecord();
let handled = 0;
let payloadErrors = 0;
let notifies = 0;
let waits = 0;
let timeouts = 0;
let spinSink = 0;

startTogether(words);
for (;;) {
  const taken = back.takeRecords();
  if (taken === 0) {
    const seen = toBack.read();
    if (back.finalCheck() !== 0) continue;
    if (Atomics.load(words, DONE) === 1) break;
    waits++;
    if (!toBack.wait(seen, cfg.waitMs) && Atomics.load(words, DONE) !== 1) timeouts++;
    continue;
  }
  while (back.nextRecord(r)) {
    const ok = recordPayloadOk(r, BLKIF_OP_READ, BLKIF_OP_WRITE);
    if (!ok) payloadErrors++;
    if (cfg.delays) {
      const x = rand();
      if ((x & 63) === 0) for (let i = 0; i < (x >>> 20); i++) spinSink += i; // a short spin
      else if ((x & 1023) === 1) Atomics.wait(words, 3, 0, 0); // a yield-like zero-length wait
    }
    back.respondRecord(r, ok ? 0 : -1);
    handled++;
    // answer in random-sized groups so the frontend sees partial batches
    if (cfg.delays && (rand() & 7) === 0 && back.push()) notifies++;
  }
  if (back.push()) notifies++;
}
parentPort?.postMessage({ handled, payloadErrors, notifies, waits, timeouts, spinSink: spinSink & 1 });

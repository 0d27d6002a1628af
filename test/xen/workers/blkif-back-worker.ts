/**
 * Backend thread of the cross-thread blkif test/bench: takes requests, checks their payload, optionally
 * spins or yields a little (the "random back-end delays"), answers, and sleeps only when
 * RING_FINAL_CHECK_FOR_REQUESTS finds no work.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SharedRing, BackRing, BlkifBack, EventChannelWord, ringType } from '../../../src/xen/index.js';
import { controlWords, prng, expectedSector, expectedSegments, expectedGref, EVT_TO_BACK, EVT_TO_FRONT, DONE, type PairConfig, startTogether } from './blkif-pair-layout.js';

const cfg = workerData as PairConfig;
const words = controlWords(cfg.sab);
const toBack = new EventChannelWord(words, EVT_TO_BACK);
const toFront = new EventChannelWord(words, EVT_TO_FRONT);
const sring = SharedRing.attach(cfg.sab, ringType('blkif'), { onNotify: () => toFront.notify() });
const back = new BlkifBack(BackRing.attach(sring));
const rand = prng(cfg.seed ^ 0x5bd1e995);
let handled = 0;
let payloadErrors = 0;
let notifies = 0;
let waits = 0;
let timeouts = 0;
let spinSink = 0;

startTogether(words);
for (;;) {
  const reqs = back.take();
  if (reqs.length === 0) {
    const seen = toBack.read();
    if (back.finalCheck() !== 0) continue;
    if (Atomics.load(words, DONE) === 1) break;
    waits++;
    if (!toBack.wait(seen, cfg.waitMs) && Atomics.load(words, DONE) !== 1) timeouts++;
    continue;
  }
  for (const r of reqs) {
    const id = Number(r.id);
    let ok = r.op === (id % 3 === 0 ? 'write' : 'read') && r.handle === (id & 0xffff);
    if (ok && (r.op === 'read' || r.op === 'write')) {
      ok = r.sector === expectedSector(id) && r.segments.length === expectedSegments(id)
        && r.segments.every((s, j) => s.gref === expectedGref(id, j) && s.first_sect === j % 8 && s.last_sect === 7);
    }
    if (!ok) payloadErrors++;
    if (cfg.delays) {
      const x = rand();
      if ((x & 63) === 0) for (let i = 0; i < (x >>> 20); i++) spinSink += i; // a short spin
      else if ((x & 1023) === 1) Atomics.wait(words, 3, 0, 0); // a yield-like zero-length wait
    }
    back.respond(r, ok ? 0 : -1);
    handled++;
    // answer in random-sized groups so the frontend sees partial batches
    if (cfg.delays && (rand() & 7) === 0 && back.push()) notifies++;
  }
  if (back.push()) notifies++;
}
parentPort?.postMessage({ handled, payloadErrors, notifies, waits, timeouts, spinSink: spinSink & 1 });

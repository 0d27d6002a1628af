/**
 * Live rings across threads: a blkif front in one worker and a back in another on one SharedArrayBuffer,
 * with an Atomics.wait/notify event word used only when push-and-check-notify / final-check say so.
 * 10^6 requests, random batch sizes, random back-end delays: every id answered exactly once, payload
 * intact, and no lost wakeup (a wait that times out would be one). The seed is fixed (override with
 * RINGWIRE_SEED, or RINGWIRE_XTHREAD_SEED) and printed on failure. Run twice: on the object API and on the
 * record API (queueRecord / pollRecords / takeRecords / nextRecord / respondRecord).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPair } from './workers/run-pair.js';

const total = Number(process.env['RINGWIRE_XTHREAD_REQUESTS'] ?? 1_000_000);
/** A fixed default, so a failure reproduces; RINGWIRE_SEED (or the older RINGWIRE_XTHREAD_SEED) picks another. */
const DEFAULT_SEED = 0x2545f491;
const seed = Number(process.env['RINGWIRE_SEED'] ?? process.env['RINGWIRE_XTHREAD_SEED'] ?? DEFAULT_SEED) >>> 0;

test(`blkif front and back in two workers: ${total} requests, random batches and delays (seed ${seed})`, { timeout: 180_000 }, async () => {
  let reports: [Record<string, unknown>, Record<string, unknown>];
  try {
    reports = await runPair({ total, seed, batch: 0, delays: true, waitMs: 5_000 });
  } catch (e) {
    throw new Error(`cross-thread run failed (seed ${seed}; replay with RINGWIRE_SEED=${seed}): ${String(e)}`);
  }
  const [front, back] = reports;
  const ctx = `seed ${seed} (replay with RINGWIRE_SEED=${seed}): front ${JSON.stringify(front)} back ${JSON.stringify(back)}`;
  assert.equal(front['completed'], total, ctx);
  assert.equal(front['missing'], 0, ctx);
  assert.equal(front['duplicates'], 0, ctx);
  assert.equal(back['handled'], total, ctx);
  assert.equal(back['payloadErrors'], 0, ctx);
  assert.equal(front['badStatus'], 0, ctx);
  assert.equal(front['timeouts'], 0, `lost wakeup (front): ${ctx}`);
  assert.equal(back['timeouts'], 0, `lost wakeup (back): ${ctx}`);
  assert.ok((front['waits'] as number) + (back['waits'] as number) > 0, `the event word was never used: ${ctx}`);
  console.log(`# cross-thread: ${ctx}`);
});

test(`blkif front and back in two workers, record API: ${total} requests, random batches and delays (seed ${seed})`, { timeout: 180_000 }, async () => {
  let reports: [Record<string, unknown>, Record<string, unknown>];
  try {
    reports = await runPair({ total, seed, batch: 0, delays: true, waitMs: 5_000, api: 'record' });
  } catch (e) {
    throw new Error(`cross-thread run failed (seed ${seed}; replay with RINGWIRE_SEED=${seed}): ${String(e)}`);
  }
  const [front, back] = reports;
  const ctx = `seed ${seed} (replay with RINGWIRE_SEED=${seed}): front ${JSON.stringify(front)} back ${JSON.stringify(back)}`;
  assert.equal(front['completed'], total, ctx);
  assert.equal(front['missing'], 0, ctx);
  assert.equal(front['duplicates'], 0, ctx);
  assert.equal(back['handled'], total, ctx);
  assert.equal(back['payloadErrors'], 0, ctx);
  assert.equal(front['badStatus'], 0, ctx);
  assert.equal(front['timeouts'], 0, `lost wakeup (front): ${ctx}`);
  assert.equal(back['timeouts'], 0, `lost wakeup (back): ${ctx}`);
  assert.ok((front['waits'] as number) + (back['waits'] as number) > 0, `the event word was never used: ${ctx}`);
  console.log(`# cross-thread, record API: ${ctx}`);
});

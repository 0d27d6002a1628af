/**
 * Whether a path allocates per operation: run it OPS times after a warm-up (so the JIT's own allocations are
 * done), counting garbage collections and heap growth, with V8's gc exposed for the test.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PerformanceObserver } from 'node:perf_hooks';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export const OPS = 1_000_000;

/**
 * What a million operations may leave on the heap: JIT code and feedback made while they run (seen up to
 * 1.6 MB, not growing with the count). An object per operation is at least 16 MB, and a collection besides.
 */
export const SLACK = 4 * 1024 * 1024;

/**
 * How many times a measurement may be taken before a path is called allocating. Only optimized code keeps
 * doubles unboxed and objects scalar-replaced (with `node --max-opt=2` every path here collects); V8 compiles
 * it on a background thread, and on a loaded two-core machine (CI boots the Xen guests beside `npm test`)
 * that job can finish after the warm-up. A path that allocates per operation does so on every attempt, so
 * taking the first clean one keeps the check sound.
 */
export const ATTEMPTS = 4;

/**
 * Collections and heap growth over OPS operations of `step(n)` (which runs n operations, or resolves when it
 * has: a streaming read), after `warmup` of them; measured again (after another warm-up) up to ATTEMPTS
 * times while it is not clean, and the last measurement returned.
 */
export async function allocationOf(step: (n: number) => void | Promise<void>, warmup = 300_000): Promise<{ gcs: number; grew: number; attempts: number }> {
  let last = { gcs: 0, grew: 0, attempts: 0 };
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    last = { ...(await measureOnce(step, warmup)), attempts: attempt };
    if (last.gcs === 0 && last.grew < SLACK) break;
  }
  return last;
}

async function measureOnce(step: (n: number) => void | Promise<void>, warmup: number): Promise<{ gcs: number; grew: number }> {
  await step(warmup);
  gc();
  let gcs = 0;
  const obs = new PerformanceObserver((l) => { gcs += l.getEntries().length; });
  obs.observe({ entryTypes: ['gc'] });
  const before = process.memoryUsage().heapUsed;
  await step(OPS);
  const grew = process.memoryUsage().heapUsed - before;
  await new Promise((r) => setTimeout(r, 20));
  obs.disconnect();
  return { gcs, grew };
}

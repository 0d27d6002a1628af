/**
 * Xen ring benchmark: blkif request round trips between a frontend and a backend worker on one
 * SharedArrayBuffer ring, at batch 1 and batch 32, against a C baseline built here from
 * test/bench/c/xen-ring-bench.c (two pthreads, the same ring.h macros, the same loop, the same notification
 * scheme: an event word bumped + FUTEX_WAKE, slept on with FUTEX_WAIT after the final check — the native
 * form of Atomics.add/notify/wait). The TypeScript side runs twice per batch size: on the object API and on the
 * record API (no allocation per request, as the C side). Prints both rates (medians of RUNS runs) and the ratio TS/C; `--json`: JSON lines. Run: node dist/test/bench/xen-ring-bench.js
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPair } from '../xen/workers/run-pair.js';
import { RUNS, benchLine, haveXenHeaders, note, printLines } from './report.js';
import { singleThreadRecords, wakePingPong } from './xen-decompose.js';
import { handSingleThread } from './xen-floor.js';

const source = fileURLToPath(new URL('../../../test/bench/c/xen-ring-bench.c', import.meta.url));
const seconds = Number(process.env['RINGWIRE_BENCH_SECONDS'] ?? 1);

async function main(): Promise<void> {
  const ts = async (api: 'object' | 'record', batch: number, total: number): Promise<number> => {
    const [front, back] = await runPair({ total, seed: 1, batch, delays: false, waitMs: 10_000, api });
    if (front['completed'] !== total || back['payloadErrors'] !== 0 || front['missing'] !== 0) throw new Error(`bench run failed: ${JSON.stringify({ front, back })}`);
    return total / (front['seconds'] as number);
  };
  // Size each run to about `seconds` from a short calibration run.
  const sized = async (f: (total: number) => Promise<number> | number): Promise<number> => Math.round(Math.max(10_000, (await f(20_000)) * seconds));
  const runs = async (f: (total: number) => Promise<number> | number): Promise<number[]> => {
    const total = await sized(f);
    const out: number[] = [];
    for (let r = 0; r < RUNS; r++) out.push(await f(total));
    return out;
  };
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-xen-bench-'));
  try {
    let cRate: ((args: string[]) => number) | undefined;
    if (haveXenHeaders()) {
      const exe = join(dir, 'xen-ring-bench');
      execFileSync('gcc', ['-O2', '-pthread', '-o', exe, source], { stdio: 'inherit' });
      cRate = (args) => {
        const [n, s] = execFileSync(exe, args, { encoding: 'utf8' }).trim().split(' ').map(Number);
        return (n as number) / (s as number);
      };
    } else {
      note('xen ring bench: the Xen headers are not installed (apt-get install libxen-dev): TypeScript figures only, no C baseline');
    }
    const lines = [];
    const c = cRate;
    for (const batch of [1, 32]) {
      const cRates = c === undefined ? undefined : await runs((t) => c([String(batch), String(t)]));
      // The object API (queue / poll / take / respond: request objects, BigInt ids) and the record API
      // (queueRecord / pollRecords / takeRecords / nextRecord / respondRecord: scalars and typed arrays), each
      // against the same C figures.
      lines.push(benchLine(`xen blkif ring, two threads, batch ${batch}`, 'req/s', await runs((t) => ts('object', batch, t)), cRates));
      lines.push(benchLine(`xen blkif ring, two threads, batch ${batch}, record API`, 'req/s', await runs((t) => ts('record', batch, t)), cRates));
    }
    // The threaded figure's two parts, each against C's (xen-decompose.ts): the record path's CPU work per
    // request with both ends in one thread, and the wake-up each side sleeps for between batches.
    for (const batch of [1, 32]) {
      const cSingle = c === undefined ? undefined : await runs((t) => c(['single', String(batch), String(t)]));
      lines.push(benchLine(`xen blkif ring, one thread, batch ${batch}, record API (CPU per request, no wake-ups)`, 'req/s', await runs((t) => t / singleThreadRecords(batch, t)), cSingle));
      lines.push(benchLine(`xen blkif ring, one thread, batch ${batch}, hand-written (same checks, no library)`, 'req/s', await runs((t) => t / handSingleThread(batch, t)), cSingle));
    }
    const cWake = c === undefined ? undefined : await runs((t) => c(['pingpong', String(t)]));
    lines.push(benchLine('wake-up round trip between two threads (EventChannelWord; C: futex)', 'round trips/s', await runs(async (t) => t / await wakePingPong(t)), cWake));
    printLines(`blkif round trips, order-0 x86_64 ring, two threads (~${seconds} s per run, medians); C baseline: pthreads + futex on the event word`, lines);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

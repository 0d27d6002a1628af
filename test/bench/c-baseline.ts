/** Build and run a C baseline program from test/bench/c/ with the system gcc; returns its JSON output. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function runCBaseline(source: string, args: string[] = [], extraFlags: string[] = []): unknown {
  const src = fileURLToPath(new URL(`../../../test/bench/c/${source}`, import.meta.url));
  const exe = join(mkdtempSync(join(tmpdir(), 'ringwire-bench-')), source.replace(/\.c$/, ''));
  execFileSync('gcc', ['-O2', '-Wall', '-o', exe, src, ...extraFlags], { stdio: ['ignore', 'inherit', 'inherit'] });
  return JSON.parse(execFileSync(exe, args, { encoding: 'utf8' }));
}

/**
 * Nanoseconds per operation of fn over n calls, one figure per run (`runs` runs after a warm-up). Each
 * benchmark gets its own copy of the timing loop (new Function), so the loop's call of `fn` sees one
 * function only and V8 inlines it, as gcc inlines the C side's loop body; a loop shared by every benchmark
 * would call each through a megamorphic site and time that call instead.
 */
export function nsPerOp(n: number, fn: (i: number) => void, runs: number): number[] {
  const loop = new Function('fn', 'n', 'now', 'for (let i = 0; i < n; i++) fn(i); return now();') as (f: (i: number) => void, n: number, now: () => bigint) => bigint;
  const now = (): bigint => process.hrtime.bigint();
  loop(fn, Math.min(n, 200_000), now);
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = now();
    out.push(Number(loop(fn, n, now) - t0) / n);
  }
  return out;
}

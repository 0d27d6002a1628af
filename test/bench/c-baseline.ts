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

/** Nanoseconds per operation of fn over n calls, one figure per run (`runs` runs after a warm-up). */
export function nsPerOp(n: number, fn: (i: number) => void, runs: number): number[] {
  for (let i = 0; i < Math.min(n, 200_000); i++) fn(i);
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    out.push(Number(process.hrtime.bigint() - t0) / n);
  }
  return out;
}

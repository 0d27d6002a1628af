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

/** Nanoseconds per operation of fn over n calls, best of `rounds` after a warm-up. */
export function nsPerOp(n: number, fn: (i: number) => void, rounds = 3): number {
  for (let i = 0; i < Math.min(n, 200_000); i++) fn(i);
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  return best;
}

/** A row of the printed table: TS and C ns/op, and TS speed as a fraction of C's (C ns / TS ns). */
export function row(name: string, ts: number, c: number): string {
  return `${name.padEnd(34)} ${ts.toFixed(1).padStart(9)} ns ${c.toFixed(1).padStart(9)} ns   ${(c / ts).toFixed(3).padStart(7)}x C`;
}

export const header = `${'benchmark'.padEnd(34)} ${'TS'.padStart(12)} ${'C'.padStart(12)}   speed vs C`;

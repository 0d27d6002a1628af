/**
 * What every benchmark prints. `npm run bench -- --json` gives one JSON object per line per benchmark:
 * `{ "name", "unit", "ts", "c", "ratio", "runs" }`, ts and c the medians of `runs` runs each (at least 5;
 * RINGWIRE_BENCH_RUNS raises it), ratio = C time / TS time (or TS rate / C rate), so 1.0 is parity and
 * 0.5 is half C's speed. Without --json the same lines are printed as a table. c and ratio are null where
 * no C baseline could run (say, without the Xen headers).
 */
import { existsSync } from 'node:fs';

export interface BenchLine {
  readonly name: string;
  /** `ns/op` (lower is better), or a rate such as `req/s` or `MB/s` (higher is better). */
  readonly unit: string;
  readonly ts: number;
  readonly c: number | null;
  readonly ratio: number | null;
  readonly runs: number;
}

export const json = process.argv.includes('--json');
export const RUNS = Math.max(5, Number(process.env['RINGWIRE_BENCH_RUNS'] ?? 5));

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no runs');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Times and memory: less is better, so ratio = C / TS; rates: ratio = TS / C. Either way 1.0 is parity. */
const lowerIsBetter = (unit: string): boolean => unit.startsWith('ns') || unit === 's' || unit === 'MiB';

/** One benchmark's line from its runs (TS runs, C runs or undefined when no baseline ran). */
export function benchLine(name: string, unit: string, ts: readonly number[], c: readonly number[] | undefined): BenchLine {
  const t = median(ts);
  const b = c === undefined || c.length === 0 ? null : median(c);
  const ratio = b === null ? null : lowerIsBetter(unit) ? b / t : t / b;
  return { name, unit, ts: round(t), c: b === null ? null : round(b), ratio: ratio === null ? null : Math.round(ratio * 1000) / 1000, runs: Math.min(ts.length, c?.length ?? ts.length) };
}

function round(x: number): number {
  return x >= 100 ? Math.round(x) : Math.round(x * 100) / 100;
}

/** Print lines: JSON lines with --json, else a table under `title`. */
export function printLines(title: string, lines: readonly BenchLine[]): void {
  if (json) {
    for (const l of lines) console.log(JSON.stringify(l));
    return;
  }
  console.log(title);
  console.log(`${'benchmark'.padEnd(44)} ${'unit'.padEnd(6)} ${'TS'.padStart(12)} ${'C'.padStart(12)} ${'ratio'.padStart(8)}  runs`);
  for (const l of lines) {
    const c = l.c === null ? '-' : String(l.c);
    const r = l.ratio === null ? '-' : `${l.ratio.toFixed(3)}x`;
    console.log(`${l.name.padEnd(44)} ${l.unit.padEnd(6)} ${String(l.ts).padStart(12)} ${c.padStart(12)} ${r.padStart(8)}  ${l.runs}`);
  }
}

/** A one-line note (never on stdout in --json mode, so stdout stays JSON lines). */
export function note(text: string): void {
  if (json) process.stderr.write(`${text}\n`);
  else console.log(text);
}

/** The Xen public headers the C baselines include (Debian: libxen-dev). */
export function haveXenHeaders(): boolean {
  return existsSync('/usr/include/xen/io/blkif.h') && existsSync('/usr/include/xen/io/ring.h');
}

/**
 * Virtio benchmark: single-thread round trips (driver add, device pop + chain walk, device push used,
 * driver reclaim) for split and packed rings with 1- and 3-descriptor chains, against the C baseline
 * test/bench/c/virtio-bench.c (same work on linux/virtio_ring.h structs, gcc -O2), in the same run.
 * Prints ns per round trip (medians of RUNS runs) and ringwire's speed as a fraction of C's (C ns / ringwire
 * ns), as the other benches do; `--json` gives JSON lines (report.ts).
 *
 *   node dist/test/bench/virtio-bench.js [--json]   (RINGWIRE_BENCH_SECONDS per run, default 0.5)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNS, benchLine, note, printLines } from './report.js';
import { GuestMemory, PackedDevice, PackedDriver, SplitDevice, SplitDriver, type VirtqBuffer } from '../../src/virtio/index.js';

const SIZE = 256;
const seconds = Number(process.env['RINGWIRE_BENCH_SECONDS'] ?? '0.5');

function chainOf(n: number): VirtqBuffer[] {
  return Array.from({ length: n }, (_, k) => ({ addr: 0x10000 + k * 0x100, len: 64, write: k === n - 1 }));
}

/** ns per round trip, one figure per run. */
function measure(round: () => void): number[] {
  for (let k = 0; k < 20000; k++) round(); // warm up
  const out: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let iters = 0;
    const t0 = process.hrtime.bigint();
    let t = t0;
    do {
      for (let k = 0; k < 4096; k++) round();
      iters += 4096;
      t = process.hrtime.bigint();
    } while (Number(t - t0) < seconds * 1e9);
    out.push(Number(t - t0) / iters);
  }
  return out;
}

function split(n: number): number[] {
  const memory = new GuestMemory();
  memory.mapNew(0, 0x10000);
  memory.mapNew(0x10000, 0x1000);
  const cfg = { memory, size: SIZE, desc: 0, avail: 0x2000, used: 0x3000 };
  const drv = new SplitDriver(cfg);
  const dev = new SplitDevice(cfg);
  const bufs = chainOf(n);
  return measure(() => {
    drv.add(bufs);
    const c = dev.pop();
    if (c === null) throw new Error('nothing available');
    dev.pushUsed(c.head, c.writable);
    if (drv.getUsed() === null) throw new Error('nothing used');
  });
}

function packed(n: number): number[] {
  const memory = new GuestMemory();
  memory.mapNew(0, 0x10000);
  memory.mapNew(0x10000, 0x1000);
  const cfg = { memory, size: SIZE, desc: 0, driverEvent: 0x2000, deviceEvent: 0x2004 };
  const drv = new PackedDriver(cfg);
  const dev = new PackedDevice(cfg);
  const bufs = chainOf(n);
  return measure(() => {
    drv.add(bufs);
    const c = dev.pop();
    if (c === null) throw new Error('nothing available');
    dev.pushUsed(c.id, c.writable);
    if (drv.getUsed() === null) throw new Error('nothing used');
  });
}

function cBaseline(): Record<string, number[]> | undefined {
  const src = fileURLToPath(new URL('../../../test/bench/c/virtio-bench.c', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-virtio-bench-'));
  try {
    const exe = join(dir, 'virtio-bench');
    execFileSync('gcc', ['-O2', '-o', exe, src], { stdio: ['ignore', 'ignore', 'inherit'] });
    return JSON.parse(execFileSync(exe, [String(seconds), String(RUNS)], { encoding: 'utf8' })) as Record<string, number[]>;
  } catch (e) {
    note(`virtio bench: C baseline unavailable: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const c = cBaseline();
  const cases: [string, string, () => number[]][] = [
    ['split1', 'virtio split round trip, 1 descriptor', () => split(1)], ['split3', 'virtio split round trip, 3 descriptors', () => split(3)],
    ['packed1', 'virtio packed round trip, 1 descriptor', () => packed(1)], ['packed3', 'virtio packed round trip, 3 descriptors', () => packed(3)],
  ];
  printLines('virtio round trip (add, pop+walk, push used, reclaim), ns per round trip, medians (C: gcc -O2 on linux/virtio_ring.h)',
    cases.map(([key, name, run]) => benchLine(name, 'ns/op', run(), c?.[key])));
}

// Benchmarks print figures; a test runner that picks up every file under dist/test/ skips them.
if (import.meta.url === `file://${process.argv[1]}`) main();

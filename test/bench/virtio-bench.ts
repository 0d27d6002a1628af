/**
 * Virtio benchmark: single-thread round trips (driver add, device pop + chain walk, device push used,
 * driver reclaim) for split and packed rings with 1- and 3-descriptor chains, against the C baseline
 * test/bench/c/virtio-bench.c (same work on linux/virtio_ring.h structs, gcc -O2), in the same run.
 * Prints ns per round trip and ringwire's speed as a fraction of C's (C ns / ringwire ns), as the other benches do.
 *
 *   node dist/test/bench/virtio-bench.js [seconds-per-measurement, default 1]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GuestMemory, PackedDevice, PackedDriver, SplitDevice, SplitDriver, type VirtqBuffer } from '../../src/virtio/index.js';

const SIZE = 256;
const seconds = Number(process.argv[2] ?? '1');

function chainOf(n: number): VirtqBuffer[] {
  return Array.from({ length: n }, (_, k) => ({ addr: 0x10000 + k * 0x100, len: 64, write: k === n - 1 }));
}

function measure(round: () => void): number {
  for (let k = 0; k < 20000; k++) round(); // warm up
  let iters = 0;
  const t0 = process.hrtime.bigint();
  let t = t0;
  do {
    for (let k = 0; k < 4096; k++) round();
    iters += 4096;
    t = process.hrtime.bigint();
  } while (Number(t - t0) < seconds * 1e9);
  return Number(t - t0) / iters;
}

function split(n: number): number {
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

function packed(n: number): number {
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

function cBaseline(): Record<string, number> | undefined {
  const src = fileURLToPath(new URL('../../../test/bench/c/virtio-bench.c', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-virtio-bench-'));
  try {
    const exe = join(dir, 'virtio-bench');
    execFileSync('gcc', ['-O2', '-o', exe, src], { stdio: ['ignore', 'ignore', 'inherit'] });
    return JSON.parse(execFileSync(exe, [String(seconds)], { encoding: 'utf8' })) as Record<string, number>;
  } catch (e) {
    process.stderr.write(`C baseline unavailable: ${(e as Error).message}\n`);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const c = cBaseline();
  const rows: [string, number][] = [['split1', split(1)], ['split3', split(3)], ['packed1', packed(1)], ['packed3', packed(3)]];
  process.stdout.write('virtio round trip (add, pop+walk, push used, reclaim), ns per round trip\n');
  process.stdout.write(`${'case'.padEnd(10)}${'ringwire'.padStart(10)}${'C -O2'.padStart(10)}${'speed vs C'.padStart(13)}\n`);
  for (const [name, ns] of rows) {
    const base = c?.[name];
    process.stdout.write(`${name.padEnd(10)}${ns.toFixed(1).padStart(10)}${(base === undefined ? '-' : base.toFixed(1)).padStart(10)}${(base === undefined ? '-' : `${(base / ns).toFixed(3)}x C`).padStart(13)}\n`);
  }
}

// Benchmarks print figures; a test runner that picks up every file under dist/test/ skips them.
if (import.meta.url === `file://${process.argv[1]}`) main();

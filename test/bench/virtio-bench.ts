/**
 * Virtio benchmark: single-thread round trips (driver add, device pop + chain walk, device push used,
 * driver reclaim) for split and packed rings with 1- and 3-descriptor chains, against the C baseline
 * test/bench/c/virtio-bench.c (same work on linux/virtio_ring.h structs, gcc -O2), in the same run.
 * Prints ns per round trip (medians of RUNS runs) and ringwire's speed as a fraction of C's (C ns / ringwire
 * ns), as the other benches do; `--json` gives JSON lines (report.ts).
 *
 * Each case runs through the object API (add(VirtqBuffer[]), pop(), getUsed()) and through the record API
 * (addRecord, popRecord, getUsedRecord), both against the same C round trip, and as the hand-written floor
 * (virtio-floor.ts: the record API's checks and ring writes in one plain closure, split and packed).
 *
 *   node dist/test/bench/virtio-bench.js [--json]   (RINGWIRE_BENCH_SECONDS per run, default 0.5;
 *                                                    RINGWIRE_BENCH_ONLY=text runs the cases naming it)
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
/** RINGWIRE_BENCH_ONLY: run only the cases whose name contains it (one case per process keeps V8's feedback to it). */
const only = process.env['RINGWIRE_BENCH_ONLY'];

function chainOf(n: number): VirtqBuffer[] {
  return Array.from({ length: n }, (_, k) => ({ addr: 0x10000 + k * 0x100, len: 64, write: k === n - 1 }));
}

/**
 * ns per round trip, one figure per run. Each benchmark gets its own copy of the timing loop (new Function, as
 * c-baseline.ts nsPerOp does), so the loop's call of `round` sees one function and V8 can inline it, as gcc
 * inlines the C side's round trip; one loop shared by every case would time a megamorphic call besides.
 */
function measure(round: () => void): number[] {
  const loop = new Function('round', 'seconds', 'now', `
    let iters = 0;
    const t0 = now();
    let t = t0;
    do {
      for (let k = 0; k < 4096; k++) round();
      iters += 4096;
      t = now();
    } while (Number(t - t0) < seconds * 1e9);
    return Number(t - t0) / iters;`) as (r: () => void, s: number, now: () => bigint) => number;
  const now = (): bigint => process.hrtime.bigint();
  for (let k = 0; k < 20000; k++) round(); // warm up
  const out: number[] = [];
  for (let r = 0; r < RUNS; r++) out.push(loop(round, seconds, now));
  return out;
}

/** The same chain as buffer records (addRecord): n - 1 device-readable, then one device-writable. */
function recordsOf(n: number): { addr: Float64Array; len: Uint32Array } {
  const addr = new Float64Array(n);
  const len = new Uint32Array(n);
  for (let k = 0; k < n; k++) { addr[k] = 0x10000 + k * 0x100; len[k] = 64; }
  return { addr, len };
}

/** Guest RAM for the queue's areas (64 KiB) and a second region for the buffers. */
function benchMemory(): GuestMemory {
  const memory = new GuestMemory();
  memory.mapNew(0, 0x10000);
  memory.mapNew(0x10000, 0x1000);
  return memory;
}

function splitPair(): { drv: SplitDriver; dev: SplitDevice } {
  const cfg = { memory: benchMemory(), size: SIZE, desc: 0, avail: 0x2000, used: 0x3000 };
  return { drv: new SplitDriver(cfg), dev: new SplitDevice(cfg) };
}

function packedPair(): { drv: PackedDriver; dev: PackedDevice } {
  const cfg = { memory: benchMemory(), size: SIZE, desc: 0, driverEvent: 0x2000, deviceEvent: 0x2004 };
  return { drv: new PackedDriver(cfg), dev: new PackedDevice(cfg) };
}

function split(n: number): number[] {
  const { drv, dev } = splitPair();
  const bufs = chainOf(n);
  return measure(() => {
    drv.add(bufs);
    const c = dev.pop();
    if (c === null) throw new Error('nothing available');
    dev.pushUsed(c.head, c.writable);
    if (drv.getUsed() === null) throw new Error('nothing used');
  });
}

/** The split round trip through the record API: no buffer objects, no result objects. */
function splitRecord(n: number): number[] {
  const { drv, dev } = splitPair();
  const chain = dev.chain;
  const { addr, len } = recordsOf(n);
  return measure(() => {
    drv.addRecord(addr, len, n - 1, 1);
    const head = dev.popRecord();
    if (head < 0) throw new Error('nothing available');
    dev.pushUsed(head, chain.writable);
    if (drv.getUsedRecord() < 0) throw new Error('nothing used');
  });
}

type FloorModule = typeof import('./virtio-floor.js');

/**
 * A new instance of virtio-floor.ts (the query string makes it a module of its own): each floor case times
 * functions no other case ran, so V8's feedback from one chain length does not shape the code timed for the
 * other (one instance shared by the 1- and 3-descriptor cases took 63 -> 95 ns for the second).
 */
async function floorModule(tag: string): Promise<FloorModule> {
  return await import(`./virtio-floor.js?${tag}`) as FloorModule;
}

/**
 * The split round trip written by hand (virtio-floor.ts): the record API's work and checks in one closure over
 * one DataView with literal offsets, the floor for the record API rows (what JavaScript on this engine costs
 * for the same round trip without ringwire's structure).
 */
function splitFloor(floor: FloorModule, n: number): number[] {
  const { addr, len } = recordsOf(n);
  return measure(floor.makeSplitFloor().roundOf(addr, len, n - 1, 1));
}

/** The packed round trip written by hand (virtio-floor.ts makePackedFloor), the floor for the packed record API rows. */
function packedFloor(floor: FloorModule, n: number): number[] {
  const { addr, len } = recordsOf(n);
  return measure(floor.makePackedFloor().roundOf(addr, len, n - 1, 1));
}

function packed(n: number): number[] {
  const { drv, dev } = packedPair();
  const bufs = chainOf(n);
  return measure(() => {
    drv.add(bufs);
    const c = dev.pop();
    if (c === null) throw new Error('nothing available');
    dev.pushUsed(c.id, c.writable);
    if (drv.getUsed() === null) throw new Error('nothing used');
  });
}

/** The packed round trip through the record API. */
function packedRecord(n: number): number[] {
  const { drv, dev } = packedPair();
  const chain = dev.chain;
  const { addr, len } = recordsOf(n);
  return measure(() => {
    drv.addRecord(addr, len, n - 1, 1);
    const id = dev.popRecord();
    if (id < 0) throw new Error('nothing available');
    dev.pushUsed(id, chain.writable);
    if (drv.getUsedRecord() < 0) throw new Error('nothing used');
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

async function main(): Promise<void> {
  const c = cBaseline();
  const floors = await Promise.all(['split1', 'split3', 'packed1', 'packed3'].map(floorModule)) as [FloorModule, FloorModule, FloorModule, FloorModule];
  // Each row against the C round trip of the same ring and chain length (key); the record rows call addRecord /
  // popRecord / getUsedRecord, the others add(VirtqBuffer[]) / pop() / getUsed().
  const cases: [string, string, () => number[]][] = [
    ['split1', 'virtio split round trip, 1 descriptor', () => split(1)], ['split3', 'virtio split round trip, 3 descriptors', () => split(3)],
    ['packed1', 'virtio packed round trip, 1 descriptor', () => packed(1)], ['packed3', 'virtio packed round trip, 3 descriptors', () => packed(3)],
    ['split1', 'virtio split round trip, 1 desc, record API', () => splitRecord(1)], ['split3', 'virtio split round trip, 3 descs, record API', () => splitRecord(3)],
    ['split1', 'virtio split round trip, 1 desc, hand-written floor (same checks)', () => splitFloor(floors[0], 1)],
    ['split3', 'virtio split round trip, 3 descs, hand-written floor (same checks)', () => splitFloor(floors[1], 3)],
    ['packed1', 'virtio packed round trip, 1 desc, record API', () => packedRecord(1)], ['packed3', 'virtio packed round trip, 3 descs, record API', () => packedRecord(3)],
    ['packed1', 'virtio packed round trip, 1 desc, hand-written floor (same checks)', () => packedFloor(floors[2], 1)],
    ['packed3', 'virtio packed round trip, 3 descs, hand-written floor (same checks)', () => packedFloor(floors[3], 3)],
  ];
  printLines('virtio round trip (add, pop+walk, push used, reclaim), ns per round trip, medians (C: gcc -O2 on linux/virtio_ring.h)',
    cases.filter(([, name]) => only === undefined || name.includes(only)).map(([key, name, run]) => benchLine(name, 'ns/op', run(), c?.[key])));
}

// Benchmarks print figures; a test runner that picks up every file under dist/test/ skips them.
if (import.meta.url === `file://${process.argv[1]}`) await main();

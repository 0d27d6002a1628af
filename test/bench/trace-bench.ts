/**
 * Trace benchmark: writes a generated trace (1 GiB by default; RINGWIRE_BENCH_TRACE_MIB picks the size)
 * and one a quarter of its size, then times `ringwire trace decode FILE --json > /dev/null` and
 * `ringwire trace info FILE` as real processes, beside `capinfos FILE` on the same file in the same run:
 * MB/s of trace read and peak RSS (from /usr/bin/time -f %M, or /proc/PID/status VmHWM when it is not
 * installed), medians of RUNS runs. Issue 8's target: peak RSS under 150 MiB and flat in the trace's size.
 * `--json` prints JSON lines (report.ts). The trace files live in a temporary directory removed at the end.
 *
 * The record mix is a ring's: mostly small writes (4..128 bytes), a notify every ~15 records, a barrier
 * every ~20, and a few large writes (64 KiB .. 600 KiB, the largest split into several packets).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  TraceRecorder, recordXenRing, recordVirtqueue, FrontRing, BackRing, BlkifFront, BlkifBack, BLKIF_RSP_OKAY,
  SplitDriver, SplitDevice, VIRTIO_RING_F_EVENT_IDX, type ByteSink,
} from '../../src/index.js';
import { FileSink } from '../../src/trace/file-io.js';
import { rng } from '../virtio/rng.js';
import { RUNS, benchLine, note, printLines, type BenchLine } from './report.js';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const mib = Number(process.env['RINGWIRE_BENCH_TRACE_MIB'] ?? 1024);
const TIME = '/usr/bin/time';

/** Gathers the writer's small writes into 1 MiB before each write to the file. */
class BufferedSink implements ByteSink {
  private readonly buf = new Uint8Array(1 << 20);
  private len = 0;
  constructor(private readonly file: FileSink) {}
  write(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) this.flush();
    if (chunk.length > this.buf.length) { this.file.write(chunk); return; }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }
  flush(): void {
    if (this.len > 0) this.file.write(this.buf.subarray(0, this.len));
    this.len = 0;
  }
}

/**
 * Writes a trace of about `bytes` bytes by running real rings on the recorder (never hand-made records): a
 * blkif frontend and backend exchanging batches of reads, and a virtio split queue moving two-descriptor chains,
 * as two interfaces. Returns how many records it wrote.
 */
function generate(path: string, bytes: number): number {
  const rand = rng(0x7472_6163);
  const file = new FileSink(path);
  const sink = new BufferedSink(file);
  const rec = new TraceRecorder(sink, { application: 'ringwire trace bench' });
  const x = recordXenRing(rec, { ring: 'blkif', abi: 'x86_64', grefs: [8], evtchn: 3 });
  const front = new BlkifFront(FrontRing.attach(x.front, 0, { channel: 3 }));
  const back = new BlkifBack(BackRing.attach(x.back, 0, { channel: 3 }));
  const q = recordVirtqueue(rec, {
    layout: 'split', size: 256, features: (1n << 32n) | (1n << BigInt(VIRTIO_RING_F_EVENT_IDX)),
    ram: new ArrayBuffer(1 << 20), desc: 0, avail: 0x1000, used: 0x2000,
  });
  const driver = new SplitDriver(q.driverConfig);
  const device = new SplitDevice(q.deviceConfig);
  let round = 0;
  while (rec.writer.bytesWritten < bytes) {
    const n = 1 + Math.floor(rand() * 8);
    for (let k = 0; k < n; k++) front.queue({ op: 'read', sector: BigInt(round * 64 + k * 8), segments: [{ gref: 100 + k, first_sect: 0, last_sect: 7 }] });
    front.push();
    do {
      for (const r of back.take()) back.respond(r, BLKIF_RSP_OKAY);
      back.push();
    } while (back.finalCheck() !== 0);
    front.poll();
    front.finalCheck();
    for (let k = 0; k < n; k++) driver.add([{ addr: 0x10000 + k * 0x1000, len: 16 }, { addr: 0x18000 + k * 0x1000, len: 512, write: true }]);
    driver.kick();
    for (let c = device.pop(); c !== null; c = device.pop()) device.pushUsed(c.head, 512);
    device.interrupt();
    while (driver.getUsed() !== null);
    round++;
  }
  rec.close();
  sink.flush();
  file.close();
  return rec.writer.packets;
}

interface Figure { tool: string; mib: number; seconds: number; mbPerSecond: number; peakRssMiB: number; status: number }

/** Runs a command with stdout to /dev/null; wall time and peak RSS. */
async function measure(tool: string, cmd: string, args: string[], file: string): Promise<Figure> {
  const size = statSync(file).size;
  const devnull = openSync('/dev/null', 'w');
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-bench-time-'));
  const useTime = existsSync(TIME);
  const rssFile = join(dir, 'rss');
  const t0 = process.hrtime.bigint();
  const child = useTime
    ? spawn(TIME, ['-f', '%M', '-o', rssFile, cmd, ...args], { stdio: ['ignore', devnull, 'pipe'] })
    : spawn(cmd, args, { stdio: ['ignore', devnull, 'pipe'] });
  let hwm = 0;
  // Without /usr/bin/time: poll VmHWM (the process's own high-water mark, so a late poll still sees the peak).
  const poll = useTime ? undefined : setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m !== null) hwm = Math.max(hwm, Number(m[1]));
    } catch { /* gone */ }
  }, 20);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const status = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (poll !== undefined) clearInterval(poll);
  closeSync(devnull);
  const kib = useTime ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : hwm;
  rmSync(dir, { recursive: true, force: true });
  if (status !== 0) console.error(`${tool} exited ${status}: ${stderr.trim()}`);
  return { tool, mib: size / 2 ** 20, seconds, mbPerSecond: size / 1e6 / seconds, peakRssMiB: kib / 1024, status };
}

function hasCapinfos(): boolean {
  return ['/usr/bin/capinfos', '/usr/local/bin/capinfos'].some((p) => existsSync(p));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-trace-bench-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.once('SIGINT', () => { cleanup(); process.exit(130); });
  const lines: BenchLine[] = [];
  const failed: Figure[] = [];
  const runs = async (tool: string, cmd: string, args: string[], file: string): Promise<Figure[]> => {
    const out: Figure[] = [];
    for (let r = 0; r < RUNS; r++) out.push(await measure(tool, cmd, args, file));
    failed.push(...out.filter((f) => f.status !== 0));
    return out;
  };
  const capinfos = hasCapinfos();
  if (!capinfos) note('trace bench: capinfos not installed (apt package tshark): no C comparison');
  try {
    const small = Math.max(1, Math.round(mib / 4));
    for (const size of [small, mib]) {
      const file = join(dir, `trace-${size}.pcapng`);
      const t0 = process.hrtime.bigint();
      const records = generate(file, size * 2 ** 20);
      const real = statSync(file).size / 2 ** 20;
      note(`trace bench: generated ${real.toFixed(0)} MiB, ${records.toLocaleString('en')} records, in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
      const tag = `${real.toFixed(0)} MiB trace`;
      const info = await runs('ringwire trace info', process.execPath, [bin, 'trace', 'info', file], file);
      const cap = capinfos ? await runs('capinfos', 'capinfos', [file], file) : undefined;
      lines.push(benchLine(`trace info, ${tag} (C: capinfos)`, 'MB/s', info.map((f) => f.mbPerSecond), cap?.map((f) => f.mbPerSecond)));
      lines.push(benchLine(`trace info peak RSS, ${tag} (C: capinfos)`, 'MiB', info.map((f) => f.peakRssMiB), cap?.map((f) => f.peakRssMiB)));
      // Decoding and checking run at about 15 MB/s: timed on the smaller trace (their memory on both sizes).
      if (size === small) {
        const dec = await runs('ringwire trace decode --json', process.execPath, [bin, 'trace', 'decode', file, '--json'], file);
        const chk = await runs('ringwire check', process.execPath, [bin, 'check', file], file);
        lines.push(benchLine(`trace decode --json, ${tag}`, 'MB/s', dec.map((f) => f.mbPerSecond), undefined));
        lines.push(benchLine(`trace decode peak RSS, ${tag}`, 'MiB', dec.map((f) => f.peakRssMiB), undefined));
        lines.push(benchLine(`check, ${tag}`, 'MB/s', chk.map((f) => f.mbPerSecond), undefined));
        lines.push(benchLine(`check peak RSS, ${tag}`, 'MiB', chk.map((f) => f.peakRssMiB), undefined));
      } else {
        const dec = await measure('ringwire trace decode --json', process.execPath, [bin, 'trace', 'decode', file, '--json'], file);
        const chk = await measure('ringwire check', process.execPath, [bin, 'check', file], file);
        failed.push(...[dec, chk].filter((f) => f.status !== 0));
        lines.push(benchLine(`trace decode peak RSS, ${tag} (1 run)`, 'MiB', [dec.peakRssMiB], undefined));
        lines.push(benchLine(`check peak RSS, ${tag} (1 run)`, 'MiB', [chk.peakRssMiB], undefined));
      }
      rmSync(file, { force: true });
    }
  } finally {
    cleanup();
  }
  printLines('trace read, MB/s and peak RSS, medians (ringwire processes beside capinfos on the same file; RSS target < 150 MiB, flat in size)', lines);
  for (const f of failed) console.error(`${f.tool} exited ${f.status}`);
  if (failed.length > 0) process.exitCode = 1;
}

await main();

/**
 * The real-guest harness (`npm run test:qemu`): boots a Debian cloud kernel and a busybox initramfs
 * (setup.sh) under QEMU/TCG with virtio-blk-pci and virtio-net-pci in several variants, lets the guest drive
 * block and network I/O (guest-init.sh), then stops the VM, runs `ringwire capture qemu`, asks QEMU for its
 * own decode of every written avail slot (x-query-virtio-queue-element, after the rings were read), resumes
 * and shuts the VM down. Each capture is compared chain by chain with QEMU's decode (compare.ts), from the
 * trace and from the raw images alone, and checked with `ringwire check`: any mismatch or error finding
 * fails the run.
 *
 *   node dist/test/real/run.js [--update] [--only NAME,...] [--keep]
 *
 * --update copies each variant's trace and QEMU's elements into fixtures/virtio/real/ (the committed
 * fixtures real-fixtures.test.ts checks); without it the run only compares. Work files go to a temporary
 * directory (kept with --keep).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QmpClient } from '../../src/cli/qmp.js';
import {
  checkErrors, comparePacked, compareSplit, dumpFromImages, dumpPackedFromImages, emptyComparison, packedReports, queueKey, splitReports,
  type QemuElement, type QemuElements, type QemuPackedPops, type QemuPops, type QemuQueue,
} from './compare.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cache = join(root, 'test', 'real', '.cache');
const fixtures = join(root, 'fixtures', 'virtio', 'real');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

interface Variant {
  readonly name: string;
  /** Extra -device properties for every virtio device. */
  readonly props: string;
  /** Extra kernel command line (guest-init.sh options). */
  readonly append?: string;
  readonly what: string;
  /** Packed rings (packed=on): one disk and the network card, compared with QEMU's virtqueue_pop trace events. */
  readonly packed?: boolean;
}

export const variants: readonly Variant[] = [
  { name: 'modern', props: '', what: 'virtio 1.x devices, EVENT_IDX and INDIRECT_DESC on' },
  { name: 'modern-no-event-idx', props: ',event_idx=off', what: 'virtio 1.x, EVENT_IDX off' },
  { name: 'modern-no-indirect', props: ',indirect_desc=off', what: 'virtio 1.x, INDIRECT_DESC off' },
  { name: 'legacy', props: ',disable-modern=on,disable-legacy=off', what: 'transitional devices used as legacy (disable-modern=on)' },
  { name: 'legacy-no-event-idx-no-indirect', props: ',disable-modern=on,disable-legacy=off,event_idx=off,indirect_desc=off', what: 'legacy, EVENT_IDX and INDIRECT_DESC off' },
  { name: 'packed', props: ',packed=on', packed: true, what: 'packed virtqueues (packed=on), compared with QEMU\'s virtqueue_pop events' },
  { name: 'modern-wrap', props: '', append: 'rw.wrap=65536', what: 'virtio 1.x, 65536 O_DIRECT reads first so blk0\'s 16-bit indices wrap' },
];

const RAM_MB = 256;

function log(s: string): void { process.stdout.write(`${s}\n`); }

async function waitFor(file: string, text: string, timeoutMs: number, qemu: ChildProcess): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (existsSync(file) && readFileSync(file, 'utf8').includes(text)) return;
    if (qemu.exitCode !== null) throw new Error(`QEMU exited (${qemu.exitCode}) before the guest said ${text}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the guest did not say ${text} within ${timeoutMs} ms`);
}

function qemuArgs(v: Variant, dir: string): string[] {
  if (v.packed === true) {
    // QEMU 7.2 decodes no packed element over QMP: its trace events say what the device popped.
    const trace = ['-trace', 'enable=virtqueue_pop', '-trace', 'enable=virtio_queue_notify', '-D', join(dir, 'qemu-trace.log')];
    return [...commonArgs(v, dir), ...trace, '-drive', `file=${join(dir, 'disk0.img')},if=none,id=blk0,format=raw`, '-device', `virtio-blk-pci,drive=blk0,id=blk0${v.props}`, ...netArgs(v)];
  }
  const blk = (id: string, drive: string): string[] => ['-drive', drive, '-device', `virtio-blk-pci,drive=${id},id=${id}${v.props}`];
  return [
    ...commonArgs(v, dir),
    ...blk('blk0', `file=${join(dir, 'disk0.img')},if=none,id=blk0,format=raw`),
    // The second disk is throttled so requests queue behind its limit.
    ...blk('blk1', `file=${join(dir, 'disk1.img')},if=none,id=blk1,format=raw,throttling.iops-total=25`),
    ...netArgs(v),
  ];
}

function netArgs(v: Variant): string[] {
  return ['-netdev', 'user,id=n0,restrict=on', '-device', `virtio-net-pci,netdev=n0,id=net0${v.props}`];
}

function commonArgs(v: Variant, dir: string): string[] {
  return [
    '-machine', 'q35,accel=tcg,memory-backend=ram', '-cpu', 'max', '-smp', '1', '-m', `${RAM_MB}M`, '-nodefaults',
    '-object', `memory-backend-file,id=ram,size=${RAM_MB}M,mem-path=${join(dir, 'ram')},share=on`,
    '-kernel', join(cache, 'vmlinuz'), '-initrd', join(cache, 'initrd.cpio.gz'),
    '-append', `console=ttyS0 quiet panic=-1 rw.work=120 ${v.append ?? ''}`.trim(),
    '-display', 'none', '-serial', `file:${join(dir, 'serial.log')}`, '-no-reboot',
    // Two monitors: one for ringwire capture qemu, one for the harness (a QMP socket serves one client at a time).
    '-qmp', `unix:${join(dir, 'qmp.sock')},server=on,wait=off`, '-qmp', `unix:${join(dir, 'harness.sock')},server=on,wait=off`,
  ];
}

interface Outcome { readonly variant: string; readonly ok: boolean; readonly lines: string[]; readonly seconds: number }

async function runVariant(v: Variant, work: string, update: boolean): Promise<Outcome> {
  const t0 = Date.now();
  const dir = join(work, v.name);
  mkdirSync(dir, { recursive: true });
  // Sparse 64 MiB disks: the guest's O_DIRECT reads go round the first one (16384 blocks of 4 KiB).
  for (const d of ['disk0.img', 'disk1.img']) execFileSync('truncate', ['-s', '64M', join(dir, d)]);
  const qemu = spawn('qemu-system-x86_64', qemuArgs(v, dir), { stdio: ['ignore', 'ignore', 'pipe'] });
  let qemuErr = '';
  qemu.stderr?.on('data', (d: Buffer) => { qemuErr += d.toString(); });
  const lines: string[] = [];
  try {
    await waitFor(join(dir, 'serial.log'), 'RINGWIRE-GUEST: READY', 240_000, qemu);
    if (v.packed !== true) liveCapture(dir, lines);
    const qmp = await QmpClient.connect(join(dir, 'harness.sock'));
    await qmp.execute('stop');
    const trace = join(dir, `${v.name}.pcapng`);
    // The VM is already stopped: capture reads it as it is and leaves it stopped.
    execFileSync(process.execPath, [cli, 'capture', 'qemu', '--qmp', join(dir, 'qmp.sock'), '--ram', join(dir, 'ram'), '--out', trace], { stdio: ['ignore', 'pipe', 'inherit'] });
    const bytes = readFileSync(trace);
    if (v.packed === true) return await finishPacked(v, dir, qmp, trace, bytes, update, lines, t0);
    const reports = splitReports(bytes);
    const queues: QemuQueue[] = [];
    for (const { ring, report } of reports.values()) {
      const path = String(ring.notes['qemu_path']);
      const queue = Number(ring.notes['queue']);
      const elements: QemuElement[] = [];
      // Every slot the driver has written (as ringwire's dump counts them), after the rings were read.
      for (const c of report.chains) {
        try {
          const e = (await qmp.execute('x-query-virtio-queue-element', { path, queue, index: c.slot })) as { index: number; descs: { addr: number; len: number; flags: string[] }[] };
          elements.push({ slot: c.slot, index: e.index, descs: e.descs.map((d) => ({ addr: d.addr, len: d.len, flags: d.flags })) });
        } catch (err) {
          elements.push({ slot: c.slot, error: (err as Error).message });
        }
      }
      elements.sort((a, b) => a.slot - b.slot);
      queues.push({ path, queue, avail_idx: report.avail.idx, used_idx: report.used.idx, elements });
    }
    const version = (await qmp.execute('query-version')) as { qemu: { major: number; minor: number; micro: number } };
    await qmp.execute('quit').catch(() => undefined);
    qmp.close();
    const saved: QemuElements = {
      variant: v.name, qemu: `${version.qemu.major}.${version.qemu.minor}.${version.qemu.micro}`,
      kernel: readFileSync(join(cache, 'kernel-package'), 'utf8').trim(), ...vdaIos(join(dir, 'serial.log')), queues,
    };
    const elementsFile = join(dir, `${v.name}.qemu.json`);
    writeFileSync(elementsFile, elementsJson(saved));
    const ok = judge(v.name, bytes, saved, dir, lines);
    const dumped = await judgeDump(bytes, saved, dir, lines);
    if (update && ok && dumped) {
      mkdirSync(fixtures, { recursive: true });
      copyFileSync(trace, join(fixtures, `${v.name}.pcapng`));
      copyFileSync(elementsFile, join(fixtures, `${v.name}.qemu.json`));
      lines.push(`  fixtures/virtio/real/${v.name}.pcapng and .qemu.json updated`);
      if (v.name === 'modern') {
        copyFileSync(join(dir, 'live.pcapng'), join(fixtures, 'modern-running.pcapng'));
        lines.push('  fixtures/virtio/real/modern-running.pcapng (the running capture) updated');
      }
    }
    return { variant: v.name, ok: ok && dumped, lines, seconds: (Date.now() - t0) / 1000 };
  } catch (e) {
    lines.push(`  FAILED: ${(e as Error).message}${qemuErr === '' ? '' : `\n  qemu: ${qemuErr.trim()}`}`);
    return { variant: v.name, ok: false, lines, seconds: (Date.now() - t0) / 1000 };
  } finally {
    if (qemu.exitCode === null) qemu.kill('SIGKILL');
  }
}

/**
 * Packed: note where QEMU's trace log stands (the VM is stopped: nothing is popped meanwhile), let the guest run
 * a few seconds so QEMU pops what the snapshot shows available, then compare the pops after the mark.
 */
async function finishPacked(v: Variant, dir: string, qmp: QmpClient, trace: string, bytes: Uint8Array, update: boolean, lines: string[], t0: number): Promise<Outcome> {
  const log = join(dir, 'qemu-trace.log');
  const mark = readFileSync(log).length;
  await qmp.execute('cont');
  await new Promise((r) => setTimeout(r, 6000));
  await qmp.execute('stop');
  const version = (await qmp.execute('query-version')) as { qemu: { major: number; minor: number; micro: number } };
  await qmp.execute('quit').catch(() => undefined);
  qmp.close();
  await new Promise((r) => setTimeout(r, 500));
  const text = readFileSync(log, 'utf8');
  const before = text.slice(0, mark);
  const after = text.slice(mark);
  // vq pointer -> (vdev, queue index) from virtio_queue_notify; the vdev notified on queues 1 and 2 is net0.
  const vqOf = new Map<string, { vdev: string; n: number }>();
  for (const m of text.matchAll(/virtio_queue_notify vdev (\S+) n (\d+) vq (\S+)/g)) vqOf.set(m[3] as string, { vdev: m[1] as string, n: Number(m[2]) });
  const netVdev = [...vqOf.values()].find((x) => x.n > 0)?.vdev;
  const reports = packedReports(bytes);
  const queues: QemuPops[] = [];
  for (const { ring } of reports.values()) {
    const path = String(ring.notes['qemu_path']);
    const queue = Number(ring.notes['queue']);
    const isNet = path.includes('/net0/');
    const vqs = [...vqOf.entries()].filter(([, x]) => x.n === queue && (isNet ? x.vdev === netVdev : x.vdev !== netVdev)).map(([vq]) => vq);
    const pops: [number, number][] = [];
    for (const m of after.matchAll(/virtqueue_pop vq (\S+) elem \S+ in_num (\d+) out_num (\d+)/g)) {
      if (vqs.includes(m[1] as string)) pops.push([Number(m[2]), Number(m[3])]);
    }
    queues.push({ path, queue, last_avail_idx: Number(ring.notes['last_avail_idx']), pops: pops.slice(0, 512) });
  }
  if (!before.endsWith('\n')) lines.push('  note: the trace log did not end a line at the mark');
  const saved: QemuPackedPops = {
    variant: v.name, qemu: `${version.qemu.major}.${version.qemu.minor}.${version.qemu.micro}`,
    kernel: readFileSync(join(cache, 'kernel-package'), 'utf8').trim(), queues,
  };
  const popsFile = join(dir, `${v.name}.qemu-pops.json`);
  writeFileSync(popsFile, popsJson(saved));
  const ok = await judgePacked(bytes, saved, dir, lines);
  if (update && ok) {
    mkdirSync(fixtures, { recursive: true });
    copyFileSync(trace, join(fixtures, `${v.name}.pcapng`));
    copyFileSync(popsFile, join(fixtures, `${v.name}.qemu-pops.json`));
    lines.push(`  fixtures/virtio/real/${v.name}.pcapng and .qemu-pops.json updated`);
  }
  return { variant: v.name, ok, lines, seconds: (Date.now() - t0) / 1000 };
}

function popsJson(e: QemuPackedPops): string {
  const queues = e.queues.map((q) => `  {"path": ${JSON.stringify(q.path)}, "queue": ${q.queue}, "last_avail_idx": ${q.last_avail_idx}, "pops": ${JSON.stringify(q.pops)}}`);
  return `{"variant": ${JSON.stringify(e.variant)}, "qemu": ${JSON.stringify(e.qemu)}, "kernel": ${JSON.stringify(e.kernel)}, "queues": [\n${queues.join(',\n')}\n]}\n`;
}

/** Packed chains against QEMU's pops, from the trace and from the images alone; ringwire check. */
export async function judgePacked(trace: Uint8Array, saved: QemuPackedPops, dir: string, lines: string[]): Promise<boolean> {
  const reports = packedReports(trace);
  const cmp = emptyComparison();
  const fromImages = emptyComparison();
  let available = 0;
  let violations = 0;
  for (const q of saved.queues) {
    const r = reports.get(queueKey(q.path, q.queue));
    if (r === undefined) { cmp.mismatches.push(`${q.path} queue ${q.queue}: not in the trace`); continue; }
    const where = `${q.path.split('/')[3] ?? q.path} vq${q.queue}`;
    comparePacked(where, r.report, q, cmp);
    available += r.report.chains.length;
    violations += r.report.violations.length;
    const d = await dumpPackedFromImages(r.ring, r.start, join(dir, 'images', `${q.path.split('/')[3] ?? 'dev'}-vq${q.queue}`));
    violations += d.report.violations.length;
    comparePacked(`${where} (dump)`, d.report, q, fromImages);
    if (d.report.chains.length !== r.report.chains.length) fromImages.mismatches.push(`${where}: the dump lists ${d.report.chains.length} chains, the trace ${r.report.chains.length}`);
  }
  const errors = checkErrors(trace);
  lines.push(`  trace: ${available} chains available from QEMU's last_avail_idx; the first ${cmp.compared} agree with QEMU's next pops (${cmp.indirect} indirect), ${cmp.mismatches.length} mismatches, ${violations} violations; check: ${errors.length} errors`);
  lines.push(`  dump virtio-packed from images: ${fromImages.compared} agree, ${fromImages.mismatches.length} mismatches`);
  for (const m of [...cmp.mismatches, ...fromImages.mismatches].slice(0, 10)) lines.push(`    MISMATCH ${m}`);
  return cmp.mismatches.length === 0 && fromImages.mismatches.length === 0 && errors.length === 0 && violations === 0 && cmp.compared > 0;
}

/** The guest's count of completed requests on its first disk, from its serial console. */
function vdaIos(serial: string): { guest_vda_ios?: [number, number] } {
  const m = /RINGWIRE-GUEST: vda-ios (\d+) (\d+)/.exec(readFileSync(serial, 'utf8'));
  return m === null ? {} : { guest_vda_ios: [Number(m[1]), Number(m[2])] };
}

/** QEMU's elements as JSON, one element a line (small, and a diff shows which slot changed). */
function elementsJson(e: QemuElements): string {
  const queues = e.queues.map((q) => {
    const head = JSON.stringify({ path: q.path, queue: q.queue, avail_idx: q.avail_idx, used_idx: q.used_idx });
    return `  ${head.slice(0, -1)}, "elements": [\n${q.elements.map((x) => `    ${JSON.stringify(x)}`).join(',\n')}\n  ]}`;
  });
  return `{"variant": ${JSON.stringify(e.variant)}, "qemu": ${JSON.stringify(e.qemu)}, "kernel": ${JSON.stringify(e.kernel)}, ${e.guest_vda_ios === undefined ? '' : `"guest_vda_ios": ${JSON.stringify(e.guest_vda_ios)}, `}"queues": [\n${queues.join(',\n')}\n]}\n`;
}

/**
 * For information: a capture of the running guest (--no-stop). QEMU's `stop` completes the block requests in
 * flight first, so only a running capture shows the throttled disk's outstanding requests; the rings may change
 * while they are read, so nothing is compared.
 */
function liveCapture(dir: string, lines: string[]): void {
  const file = join(dir, 'live.pcapng');
  execFileSync(process.execPath, [cli, 'capture', 'qemu', '--qmp', join(dir, 'qmp.sock'), '--ram', join(dir, 'ram'), '--out', file, '--no-stop'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const live = [...splitReports(readFileSync(file)).values()].map(({ ring, report }) => `${String(ring.notes['qemu_path']).split('/')[3] ?? ''} vq${String(ring.notes['queue'])} ${report.chains.filter((c) => c.live).length}`);
  lines.push(`  running capture (--no-stop), live chains: ${live.join(', ')}`);
}

/** Chains from the trace against QEMU's, and ringwire check. */
export function judge(name: string, trace: Uint8Array, saved: QemuElements, _dir: string, lines: string[]): boolean {
  const reports = splitReports(trace);
  const cmp = emptyComparison();
  for (const q of saved.queues) {
    const r = reports.get(queueKey(q.path, q.queue));
    if (r === undefined) { cmp.mismatches.push(`${q.path} queue ${q.queue}: not in the trace`); continue; }
    compareSplit(`${q.path.split('/')[3] ?? q.path} vq${q.queue}`, r.report, q, cmp);
  }
  const errors = checkErrors(trace);
  lines.push(`  trace: ${cmp.compared} chains identical to QEMU's (${cmp.live} live, ${cmp.indirect} indirect), ${cmp.mismatches.length} mismatches, ${cmp.qemuErrors} slots QEMU refused, ${cmp.notCaptured} stale chains with an uncaptured table; check: ${errors.length} errors`);
  for (const m of cmp.mismatches.slice(0, 10)) lines.push(`    MISMATCH ${m}`);
  for (const f of errors.slice(0, 10)) lines.push(`    CHECK ${f.rule}: ${f.message}`);
  return cmp.mismatches.length === 0 && errors.length === 0 && cmp.compared > 0;
}

/** The same from the raw area images and tables alone (dump virtio-split --mem). */
export async function judgeDump(trace: Uint8Array, saved: QemuElements, dir: string, lines: string[]): Promise<boolean> {
  const reports = splitReports(trace);
  const cmp = emptyComparison();
  let violations = 0;
  for (const q of saved.queues) {
    const r = reports.get(queueKey(q.path, q.queue));
    if (r === undefined) continue;
    const { report } = await dumpFromImages(r.ring, join(dir, 'images', `${q.path.split('/')[3] ?? 'dev'}-vq${q.queue}`));
    violations += report.violations.length;
    compareSplit(`${q.path.split('/')[3] ?? q.path} vq${q.queue} (dump)`, report, q, cmp);
  }
  lines.push(`  dump from images: ${cmp.compared} chains identical to QEMU's, ${cmp.mismatches.length} mismatches, ${violations} violations`);
  for (const m of cmp.mismatches.slice(0, 10)) lines.push(`    MISMATCH ${m}`);
  return cmp.mismatches.length === 0 && violations === 0 && cmp.compared > 0;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const update = argv.includes('--update');
  const keep = argv.includes('--keep');
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',')) : undefined;
  execFileSync('bash', [join(root, 'test', 'real', 'setup.sh')], { stdio: 'inherit' });
  const work = mkdtempSync(join(tmpdir(), 'ringwire-qemu-'));
  const t0 = Date.now();
  let failed = 0;
  let passed = 0;
  for (const v of variants) {
    if (only !== undefined && !only.has(v.name)) continue;
    log(`variant ${v.name}: ${v.what}`);
    const o = await runVariant(v, work, update);
    for (const l of o.lines) log(l);
    log(`  ${o.ok ? 'ok' : 'FAILED'} in ${o.seconds.toFixed(1)} s`);
    if (o.ok) passed++; else failed++;
  }
  if (!keep) rmSync(work, { recursive: true, force: true });
  else log(`work files kept in ${work}`);
  log(`real guest: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then((c) => { process.exitCode = c; }, (e: unknown) => { process.stderr.write(`${String((e as Error).stack ?? e)}\n`); process.exitCode = 1; });
}

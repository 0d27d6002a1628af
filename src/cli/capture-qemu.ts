/**
 * `ringwire capture qemu`: the virtqueues of a running QEMU guest as a trace. QMP (qmp.ts) lists the virtio
 * devices (x-query-virtio), their negotiated features (x-query-virtio-status) and each queue's geometry,
 * guest-physical addresses and QEMU's own indices (x-query-virtio-queue-status); the VM is stopped meanwhile
 * (unless --no-stop) and resumed after, if this verb stopped it. The areas and every indirect table a
 * descriptor points to are read straight from the guest RAM file (QEMU's memory-backend-file with
 * share=on), and each queue becomes one interface of the trace (src/trace/virtio-capture.ts).
 *
 * Guest-physical addresses are offsets of the RAM file: true for a guest whose RAM lies wholly below the
 * x86 PCI hole (up to 2 GiB with q35, 3 GiB with pc). An area outside the file is refused.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { UsageError, type CliIo, type VerbMain } from './io.js';
import { flag, parseVerbArgs, stringList, stringOption } from './args.js';
import { QmpClient } from './qmp.js';
import { decodeQemuFeatures, type QemuFeatureWords } from './capture-features.js';
import { GrowableSink } from '../trace/byte-sink.js';
import { FileSink } from '../trace/file-io.js';
import { TraceRecorder } from '../trace/recorder.js';
import { indirectTables, recordCapturedQueue, type CapturedQueue } from '../trace/virtio-capture.js';
import { splitAreas } from '../virtio/split-geometry.js';
import { virtqFeatures } from '../virtio/features.js';
import { layoutOf } from '../layout/compile.js';
import { virtioConstant } from '../virtio/virtio-constants.js';

const REQUIRED = ['x-query-virtio', 'x-query-virtio-status', 'x-query-virtio-queue-status'] as const;

interface QemuDevice { readonly name: string; readonly path: string }

interface QueueStatus {
  readonly 'queue-index': number;
  readonly 'vring-num': number;
  readonly 'vring-desc': number;
  readonly 'vring-avail': number;
  readonly 'vring-used': number;
  readonly 'last-avail-idx'?: number;
  readonly 'shadow-avail-idx'?: number;
  readonly 'used-idx': number;
  readonly 'signalled-used': number;
  readonly 'signalled-used-valid': boolean;
  readonly inuse: number;
}

/** The device's id from its QOM path: /machine/peripheral/ID/virtio-backend gives ID. */
export function deviceId(path: string): string {
  const m = /^\/machine\/peripheral(?:-anon)?\/([^/]+)\//.exec(path);
  return m?.[1] ?? path;
}

/** Reads guest RAM by guest-physical address from the RAM file. */
class RamFile {
  readonly #fd: number;
  constructor(readonly path: string, readonly size: number) {
    try {
      this.#fd = openSync(path, 'r');
    } catch (e) {
      throw new UsageError(`--ram ${path}: ${(e as Error).message}`, 'CLI_READ');
    }
  }
  read(gpa: number, len: number, what: string): Uint8Array {
    if (!Number.isSafeInteger(gpa) || gpa < 0 || gpa + len > this.size) {
      throw new UsageError(`${what} at 0x${gpa.toString(16)} (${len} bytes) lies outside the ${this.size}-byte --ram ${this.path}`, 'CLI_INPUT_SIZE');
    }
    const out = new Uint8Array(len);
    let got = 0;
    while (got < len) {
      const n = readSync(this.#fd, out, got, len - got, gpa + got);
      if (n === 0) break;
      got += n;
    }
    if (got !== len) throw new UsageError(`--ram ${this.path}: read ${got} of the ${len} bytes of ${what}`, 'CLI_INPUT_SIZE');
    return out;
  }
  /** Whether [gpa, gpa + len) lies in the file. */
  holds(gpa: number, len: number): boolean { return gpa >= 0 && gpa + len <= this.size; }
  close(): void { closeSync(this.#fd); }
}

const RING_PACKED = BigInt(virtioConstant('VIRTIO_F_RING_PACKED'));
const PACKED_DESC = layoutOf('vring_packed_desc').size;
const PACKED_EVENT = layoutOf('vring_packed_desc_event').size;

/** One queue's areas and tables from guest RAM. */
function readQueue(ram: RamFile, dev: QemuDevice, deviceIdNumber: number | undefined, features: bigint, notesBase: Record<string, string | number | boolean>, s: QueueStatus): CapturedQueue {
  const q = s['queue-index'];
  const size = s['vring-num'];
  const packed = (features & (1n << RING_PACKED)) !== 0n;
  const what = `${deviceId(dev.path)} queue ${q}`;
  const eventIdx = virtqFeatures(features).eventIdx === true;
  const a = splitAreas(size, eventIdx);
  const lens = packed ? [size * PACKED_DESC, PACKED_EVENT, PACKED_EVENT] : [a.descSize, a.availSize, a.usedSize];
  const desc = { gpa: s['vring-desc'], bytes: ram.read(s['vring-desc'], lens[0] as number, `the descriptor ${packed ? 'ring' : 'table'} of ${what}`) };
  const driver = { gpa: s['vring-avail'], bytes: ram.read(s['vring-avail'], lens[1] as number, `the driver area of ${what}`) };
  const device = { gpa: s['vring-used'], bytes: ram.read(s['vring-used'], lens[2] as number, `the device area of ${what}`) };
  const found = indirectTables(packed ? 'packed' : 'split', desc.bytes);
  const inRam = found.filter((t) => ram.holds(t.gpa, t.len));
  const tables = inRam.map((t) => ({ gpa: t.gpa, bytes: ram.read(t.gpa, t.len, `an indirect table of ${what}`) }));
  const notes: Record<string, string | number | boolean> = { ...notesBase, queue: q, used_idx: s['used-idx'], signalled_used: s['signalled-used'], signalled_used_valid: s['signalled-used-valid'], inuse: s.inuse };
  if (s['last-avail-idx'] !== undefined) notes['last_avail_idx'] = s['last-avail-idx'];
  if (s['shadow-avail-idx'] !== undefined) notes['shadow_avail_idx'] = s['shadow-avail-idx'];
  if (inRam.length !== found.length) notes['tables_outside_ram'] = found.length - inRam.length;
  return {
    name: `qemu/${deviceId(dev.path)}/vq${q}`, layout: packed ? 'packed' : 'split', size, queue: q, features,
    ...(deviceIdNumber === undefined ? {} : { deviceId: deviceIdNumber }), desc, driver, device, tables, notes,
  };
}

export const captureQemu: VerbMain = async (args, io) => {
  const p = parseVerbArgs('capture qemu', args, {
    qmp: { type: 'string' }, ram: { type: 'string' }, out: { type: 'string' }, device: { type: 'string', multiple: true },
    'no-stop': { type: 'boolean' }, json: { type: 'boolean' },
  });
  const socket = stringOption(p, 'qmp');
  const ramPath = stringOption(p, 'ram');
  if (socket === undefined || ramPath === undefined) throw new UsageError('capture qemu needs --qmp SOCKET and --ram FILE');
  const ramSize = io.sizeOf?.(ramPath);
  if (ramSize === undefined) throw new UsageError(`--ram ${ramPath}: must be the guest RAM file (a regular file, QEMU's memory-backend-file mem-path)`, 'CLI_READ');
  const wanted = stringList(p, 'device');
  const out = stringOption(p, 'out');
  const qmp = await QmpClient.connect(socket);
  const queues: CapturedQueue[] = [];
  let stopped = false;
  const ram = new RamFile(ramPath, ramSize);
  try {
    const commands = new Set(((await qmp.execute('query-commands')) as { name: string }[]).map((c) => c.name));
    for (const c of REQUIRED) if (!commands.has(c)) throw new UsageError(`QEMU has no QMP command ${c} (QEMU 7.2 or later has the x-query-virtio commands)`, 'CLI_QMP_MISSING');
    const mem = (await qmp.execute('query-memory-size-summary')) as { 'base-memory': number; 'plugged-memory'?: number };
    const guestRam = mem['base-memory'] + (mem['plugged-memory'] ?? 0);
    if (guestRam !== ramSize) throw new UsageError(`--ram ${ramPath} has ${ramSize} bytes but the guest has ${guestRam} bytes of RAM: not this guest's RAM file`, 'CLI_INPUT_SIZE');
    const all = ((await qmp.execute('x-query-virtio')) as QemuDevice[]).slice().sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
    const devices = wanted.length === 0 ? all : wanted.map((w) => {
      const d = all.find((x) => deviceId(x.path) === w || x.path === w);
      if (d === undefined) throw new UsageError(`--device ${w}: no such virtio device (QEMU has ${all.map((x) => deviceId(x.path)).join(', ') || 'none'})`);
      return d;
    });
    const status = (await qmp.execute('query-status')) as { running: boolean };
    if (status.running && !flag(p, 'no-stop')) {
      await qmp.execute('stop');
      stopped = true;
    }
    try {
      for (const dev of devices) {
        const st = (await qmp.execute('x-query-virtio-status', { path: dev.path })) as {
          'device-id': number; 'num-vqs': number; 'guest-features': QemuFeatureWords; 'device-endian': string;
        };
        if (st['device-endian'] !== 'little') throw new UsageError(`${deviceId(dev.path)}: a ${st['device-endian']}-endian device; capture reads little-endian rings only`);
        const f = decodeQemuFeatures(st['guest-features']);
        const notesBase = {
          qemu_device: dev.name, qemu_path: dev.path, vm_running: !stopped && status.running,
          qemu_features: f.names.join(' '), ...(f.unmapped.length > 0 ? { features_not_in_hex: f.unmapped.join(' ') } : {}),
        };
        for (let q = 0; q < st['num-vqs']; q++) {
          const s = (await qmp.execute('x-query-virtio-queue-status', { path: dev.path, queue: q })) as QueueStatus;
          if (s['vring-desc'] === 0 || s['vring-num'] === 0) continue; // not set up by the driver
          queues.push(readQueue(ram, dev, st['device-id'], f.bits, notesBase, s));
        }
      }
    } finally {
      if (stopped) await qmp.execute('cont');
    }
  } finally {
    ram.close();
    qmp.close();
  }
  const sink = out === undefined ? new GrowableSink() : new FileSink(out);
  const rec = new TraceRecorder(sink, { application: 'ringwire capture qemu' });
  for (const q of queues) recordCapturedQueue(rec, q);
  rec.close();
  if (sink instanceof FileSink) sink.close();
  else writeAll(sink.bytes);
  if (out !== undefined) report(io, queues, out, flag(p, 'json'));
  return 0;
};

function writeAll(b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += writeSync(1, b, off, b.length - off);
}

function report(io: CliIo, queues: readonly CapturedQueue[], out: string, json: boolean): void {
  const rows = queues.map((q) => ({
    interface: q.name, layout: q.layout, size: q.size, features: `0x${q.features.toString(16)}`,
    desc: `0x${q.desc.gpa.toString(16)}`, indirect_tables: q.tables.length,
    last_avail_idx: q.notes['last_avail_idx'], used_idx: q.notes['used_idx'],
  }));
  if (json) { io.out(JSON.stringify({ out, queues: rows }, null, 2)); return; }
  const lines = rows.map((r) => `${r.interface}: ${r.layout} size ${r.size} features ${r.features} desc ${r.desc}, ${r.indirect_tables} indirect table(s), QEMU last_avail_idx ${String(r.last_avail_idx)} used_idx ${String(r.used_idx)}`);
  io.out([...lines, `captured ${queues.length} queue(s) to ${out}`].join('\n'));
}

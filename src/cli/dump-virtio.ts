/**
 * `ringwire dump virtio-split` and `ringwire dump virtio-packed`: read a virtqueue snapshot (area images, or
 * areas inside a guest RAM image at their guest-physical addresses), hand it to the analysis in src/virtio/
 * (split-snapshot.ts, packed-snapshot.ts) through the dump checker (src/check/dump-virtio.ts) and print the
 * report and its findings as text or JSON. Exit 0 no error finding, 1 an error finding, 2 bad usage or input.
 *
 * Memory: the ring areas are read once, bounded (an area image must have exactly the size the queue needs).
 * Guest memory for indirect tables and buffers is what the user declares: `--ram FILE` (a whole guest RAM
 * image from guest-physical 0, read at offsets on demand, never whole), `--ram-size BYTES` (RAM known by size
 * only), and `--mem GPA:FILE` regions. With --ram or --ram-size a buffer outside declared memory is
 * VIRTQ_ADDR_UNMAPPED; without them guest RAM is unknown, so buffers outside --mem regions are "not checked"
 * and the walk goes on. An indirect table whose bytes were not supplied is VIRTQ_INDIRECT_UNREADABLE for its
 * chain only, reported as not checked, never as a violation.
 */
import { UsageError, jsonText, type CliIo, type VerbMain } from './io.js';
import { flag, parseInteger, parseU64, parseVerbArgs, stringList, stringOption, type ParsedArgs } from './args.js';
import { PlainRingPort } from '../memory/ring-port.js';
import { GuestMemory, type GuestMemorySource } from '../virtio/guest-memory.js';
import { SplitRing } from '../virtio/split-ring.js';
import { PackedRing } from '../virtio/packed-ring.js';
import { splitAreas } from '../virtio/split-geometry.js';
import { VirtqError } from '../virtio/errors.js';
import type { UnmappedBuffers } from '../virtio/desc-rules.js';
import type { SplitSnapshotReport } from '../virtio/split-snapshot.js';
import { availPass, type PackedSnapshotReport, type PackedStart } from '../virtio/packed-snapshot.js';
import type { DescReport, FindingKind, VirtqFinding } from '../virtio/snapshot-report.js';
import { checkPackedSnapshot, checkSplitSnapshot, type VirtqDumpCheck } from '../check/dump-virtio.js';
import { dumpCheckOptions, findingOptions, findingsTail } from './dump-findings.js';
import { layoutOf } from '../layout/compile.js';

/** A --mem file that is not a regular file (a pipe) is read whole, up to this many bytes. */
const MEM_PIPE_MAX = 64 << 20;
/** Where area images given as files are placed in the ring memory (far above any RAM image's addresses). */
const AREA_GPA = [2 ** 48, 2 ** 49, 3 * 2 ** 48] as const;

const memoryOptions = {
  ram: { type: 'string' },
  'ram-size': { type: 'string' },
  mem: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  size: { type: 'string' },
  ...findingOptions,
} as const;

/** A file read at offsets: the CLI side of GuestMemorySource. */
function fileSource(io: CliIo, path: string, size: number): GuestMemorySource {
  return {
    size: BigInt(size),
    read: (offset, len) => {
      if (offset + BigInt(len) > BigInt(size)) return undefined;
      const b = io.readFile(path, { offset: Number(offset), maxBytes: len });
      return b.byteLength === len ? b : undefined;
    },
  };
}

/** A port over a private copy of `bytes` (4-aligned backing, as PlainRingPort wants). */
function portOver(bytes: Uint8Array): PlainRingPort {
  const buf = new ArrayBuffer(Math.ceil(bytes.byteLength / 4) * 4);
  new Uint8Array(buf).set(bytes);
  return new PlainRingPort(buf, 0, bytes.byteLength);
}

function mapOrRefuse(memory: GuestMemory, what: string, fn: (m: GuestMemory) => unknown): void {
  try {
    fn(memory);
  } catch (e) {
    if (e instanceof VirtqError) throw new UsageError(`${what}: ${e.message}`, 'CLI_USAGE');
    /* c8 ignore next */
    throw e;
  }
}

interface Declared {
  readonly memory: GuestMemory;
  /** --ram FILE and its size, for areas read at their guest-physical addresses. */
  readonly ram: { readonly path: string; readonly size: number } | undefined;
  readonly unmapped: UnmappedBuffers;
}

/** Guest memory as the user declared it (--ram / --ram-size / --mem). */
function declaredMemory(p: ParsedArgs, io: CliIo): Declared {
  const memory = new GuestMemory();
  const ramPath = stringOption(p, 'ram');
  const ramSizeText = stringOption(p, 'ram-size');
  let ram: Declared['ram'];
  if (ramPath !== undefined && ramSizeText !== undefined) throw new UsageError('give --ram FILE or --ram-size BYTES, not both (--ram\'s size is its file size)');
  if (ramPath !== undefined) {
    const size = io.sizeOf?.(ramPath);
    if (size === undefined) throw new UsageError(`--ram ${ramPath}: must be a regular file (guest RAM is read at offsets, not whole)`);
    ram = { path: ramPath, size };
    mapOrRefuse(memory, `--ram ${ramPath}`, (m) => m.mapSource(0, fileSource(io, ramPath, size)));
  } else if (ramSizeText !== undefined) {
    const size = parseInteger('--ram-size', ramSizeText, { min: 1 });
    // Declared by size only: buffers are checked against it, but no byte of it can be read.
    mapOrRefuse(memory, '--ram-size', (m) => m.mapSource(0, { size: BigInt(size), read: () => undefined }));
  }
  for (const spec of stringList(p, 'mem')) {
    const colon = spec.indexOf(':');
    if (colon < 1) throw new UsageError(`--mem: expected GPA:FILE, got "${spec}"`);
    const gpa = parseU64('--mem', spec.slice(0, colon));
    const file = spec.slice(colon + 1);
    const size = io.sizeOf?.(file);
    if (size !== undefined) {
      mapOrRefuse(memory, `--mem ${spec}`, (m) => m.mapSource(gpa, fileSource(io, file, size)));
    } else {
      const bytes = io.readFile(file, { maxBytes: MEM_PIPE_MAX + 1 });
      if (bytes.byteLength > MEM_PIPE_MAX) throw new UsageError(`--mem ${spec}: more than ${MEM_PIPE_MAX} bytes from a pipe (give a regular file, read at offsets)`, 'CLI_INPUT_SIZE');
      mapOrRefuse(memory, `--mem ${spec}`, (m) => m.map(gpa, portOver(bytes)));
    }
  }
  return { memory, ram, unmapped: ram !== undefined || ramSizeText !== undefined ? 'reject' : 'not-checked' };
}

/**
 * One ring area: from its own image FILE (exactly `len` bytes, read bounded) or at its guest-physical address
 * in --ram; mapped into `rings` and its guest-physical address returned. Undefined when neither is given.
 */
function readArea(p: ParsedArgs, io: CliIo, d: Declared, rings: GuestMemory, name: string, what: string, len: number, slot: number): bigint | undefined {
  const file = stringOption(p, name);
  const gpaText = stringOption(p, `${name}-gpa`);
  if (file !== undefined && gpaText !== undefined) throw new UsageError(`give --${name} FILE or --${name}-gpa ADDR, not both`);
  let gpa: bigint;
  let bytes: Uint8Array;
  if (gpaText !== undefined) {
    gpa = parseU64(`--${name}-gpa`, gpaText);
    if (d.ram === undefined) throw new UsageError(`--${name}-gpa needs --ram FILE to read the ${what} from`);
    if (gpa + BigInt(len) > BigInt(d.ram.size)) {
      throw new UsageError(`--${name}-gpa 0x${gpa.toString(16)}: the ${what} (${len} bytes) ends past the ${d.ram.size}-byte --ram ${d.ram.path}`, 'CLI_INPUT_SIZE');
    }
    bytes = io.readFile(d.ram.path, { offset: Number(gpa), maxBytes: len });
    if (bytes.byteLength !== len) throw new UsageError(`--ram ${d.ram.path}: read ${bytes.byteLength} of the ${len} bytes of the ${what} at 0x${gpa.toString(16)}`, 'CLI_INPUT_SIZE');
  } else if (file !== undefined) {
    gpa = BigInt(AREA_GPA[slot] as number);
    bytes = io.readFile(file, { maxBytes: len + 1 });
    if (bytes.byteLength !== len) {
      const size = io.sizeOf?.(file);
      const has = size !== undefined ? `${size} bytes` : bytes.byteLength > len ? `more than ${len} bytes` : `${bytes.byteLength} bytes`;
      throw new UsageError(`--${name} ${file}: the image has ${has}, the ${what} of this queue is ${len} bytes`, 'CLI_INPUT_SIZE');
    }
  } else {
    return undefined;
  }
  mapOrRefuse(rings, `--${name}${gpaText !== undefined ? '-gpa' : ''}`, (m) => m.map(gpa, portOver(bytes)));
  return gpa;
}

/**
 * --device-next POS[:WRAP]: the device's next ring position and its wrap counter (QEMU's last_avail_idx and
 * last_avail_wrap_counter). Without WRAP, the pass the descriptor at POS is available in, else 1.
 */
function deviceNext(text: string | undefined, ring: PackedRing, size: number): PackedStart | undefined {
  if (text === undefined) return undefined;
  const [posText, wrapText, extra] = text.split(':');
  if (posText === undefined || extra !== undefined) throw new UsageError(`--device-next: expected POS or POS:WRAP, got "${text}"`);
  const pos = parseInteger('--device-next', posText, { min: 0, max: size - 1 });
  const wrap = wrapText === undefined ? availPass(ring.descFlags(pos)) ?? 1 : parseInteger('--device-next wrap counter', wrapText, { min: 0, max: 1 });
  return { pos, wrap };
}

function makeRing<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VirtqError) throw new UsageError(e.message, 'CLI_USAGE');
    /* c8 ignore next */
    throw e;
  }
}

function requireSize(p: ParsedArgs, pow2: boolean): number {
  const s = stringOption(p, 'size');
  if (s === undefined) throw new UsageError('--size N is required');
  return parseInteger('--size', s, { min: 1, max: 32768, pow2 });
}

export const dumpVirtioSplit: VerbMain = (args, io) => {
  const p = parseVerbArgs('dump virtio-split', args, {
    ...memoryOptions,
    desc: { type: 'string' }, avail: { type: 'string' }, used: { type: 'string' },
    'desc-gpa': { type: 'string' }, 'avail-gpa': { type: 'string' }, 'used-gpa': { type: 'string' },
    'event-idx': { type: 'boolean' }, 'legacy-be': { type: 'boolean' },
  });
  const size = requireSize(p, true);
  const eventIdx = flag(p, 'event-idx');
  const declared = declaredMemory(p, io);
  const areas = splitAreas(size, eventIdx);
  const rings = new GuestMemory();
  const desc = readArea(p, io, declared, rings, 'desc', 'descriptor table', areas.descSize, 0);
  const avail = readArea(p, io, declared, rings, 'avail', 'driver area', areas.availSize, 1);
  const used = readArea(p, io, declared, rings, 'used', 'device area', areas.usedSize, 2);
  if (desc === undefined || avail === undefined || used === undefined) {
    throw new UsageError('dump virtio-split needs --desc, --avail and --used (image files), or --desc-gpa, --avail-gpa and --used-gpa with --ram');
  }
  const ring = makeRing(() => new SplitRing({
    memory: declared.memory, ringMemory: rings, size, desc, avail, used,
    eventIdx, indirect: true, byteOrder: flag(p, 'legacy-be') ? 'big' : 'little',
  }));
  return print(io, flag(p, 'json'), checkSplitSnapshot(ring, { unmapped: declared.unmapped, ...dumpCheckOptions('dump virtio-split', p) }), splitText);
};

export const dumpVirtioPacked: VerbMain = (args, io) => {
  const p = parseVerbArgs('dump virtio-packed', args, {
    ...memoryOptions,
    desc: { type: 'string' }, 'driver-event': { type: 'string' }, 'device-event': { type: 'string' },
    'desc-gpa': { type: 'string' }, 'driver-event-gpa': { type: 'string' }, 'device-event-gpa': { type: 'string' },
    'device-next': { type: 'string' },
  });
  const size = requireSize(p, false);
  const declared = declaredMemory(p, io);
  const evSize = layoutOf('vring_packed_desc_event').size;
  const rings = new GuestMemory();
  const desc = readArea(p, io, declared, rings, 'desc', 'descriptor ring', size * layoutOf('vring_packed_desc').size, 0);
  if (desc === undefined) throw new UsageError('dump virtio-packed needs --desc FILE, or --desc-gpa ADDR with --ram');
  let driverEvent = readArea(p, io, declared, rings, 'driver-event', 'driver event suppression structure', evSize, 1);
  let deviceEvent = readArea(p, io, declared, rings, 'device-event', 'device event suppression structure', evSize, 2);
  // A structure not supplied reads as zeros (ENABLE, offset 0) and is left out of the report.
  const given = { driverEvent: driverEvent !== undefined, deviceEvent: deviceEvent !== undefined };
  if (driverEvent === undefined) { driverEvent = BigInt(AREA_GPA[1]); rings.map(driverEvent, portOver(new Uint8Array(evSize))); }
  if (deviceEvent === undefined) { deviceEvent = BigInt(AREA_GPA[2]); rings.map(deviceEvent, portOver(new Uint8Array(evSize))); }
  const d = driverEvent;
  const v = deviceEvent;
  const ring = makeRing(() => new PackedRing({ memory: declared.memory, ringMemory: rings, size, desc, driverEvent: d, deviceEvent: v, indirect: true }));
  const start = deviceNext(stringOption(p, 'device-next'), ring, size);
  return print(io, flag(p, 'json'), checkPackedSnapshot(ring, { unmapped: declared.unmapped, ...given, ...(start === undefined ? {} : { start }), ...dumpCheckOptions('dump virtio-packed', p) }), packedText);
};

/** The report and its findings (JSON: the report with `findings` and `consistent` = no error finding); the exit status. */
function print<R extends object>(io: CliIo, json: boolean, c: VirtqDumpCheck<R>, text: (r: R) => string[]): number {
  const consistent = c.counts.error === 0;
  io.out(json ? jsonText({ ...c.report, findings: c.findings, consistent }) : [...text(c.report), ...findingsTail(c.findings, c.counts)].join('\n'));
  return consistent ? 0 : 1;
}

const findingLabel: Record<FindingKind, string> = { violation: 'VIOLATION', stale: 'stale (not a violation)', 'not checked': 'not checked', 'not judged': 'not judged (device position not given by the device)' };

function findingLine(lines: string[], error: VirtqFinding | undefined, finding: FindingKind | undefined): void {
  if (error !== undefined && finding !== undefined) lines.push(`  ${findingLabel[finding]} ${error.code}: ${error.message}`);
}

function pushDescLines(lines: string[], descs: readonly DescReport[], indent: string): void {
  for (const d of descs) {
    const tail = d.next !== undefined ? `next ${d.next}` : `id ${String(d.id)}`;
    const addr = typeof d.addr === 'number' ? `0x${d.addr.toString(16)}` : `0x${BigInt(d.addr).toString(16)}`;
    lines.push(`${indent}[${d.index}] addr ${addr} len ${d.len} flags 0x${d.flags.toString(16)} ${tail}${d.buffer === 'not checked' ? ' (buffer not checked)' : ''}`);
    if (d.table !== undefined) pushDescLines(lines, d.table, `${indent}    `);
  }
}

/** What the dump could not check (the findings follow, as in `dump xen`). */
function notChecked(lines: string[], r: { not_checked: { buffers: number; chains: number } }): void {
  if (r.not_checked.buffers > 0) lines.push(`  ${r.not_checked.buffers} buffer address(es) not checked: outside the memory given (--ram, --ram-size, --mem)`);
  if (r.not_checked.chains > 0) lines.push(`  ${r.not_checked.chains} chain(s) not checked: an indirect table outside the memory given`);
}

function splitText(r: SplitSnapshotReport): string[] {
  const a = r.avail;
  const u = r.used;
  const lines = [
    `virtio split queue, size ${r.size}`,
    `avail: flags 0x${a.flags.toString(16)} idx ${a.idx}${a.used_event !== undefined ? ` used_event ${a.used_event}` : ''}`,
    `used:  flags 0x${u.flags.toString(16)} idx ${u.idx}${u.avail_event !== undefined ? ` avail_event ${u.avail_event}` : ''}`,
  ];
  if (r.error !== undefined) lines.push(`VIOLATION ${r.error.code}: ${r.error.message}`);
  for (const c of r.chains) {
    lines.push(`slot ${c.slot} head ${c.head}${c.live ? ' (live)' : ''}`);
    pushDescLines(lines, c.descs, '  ');
    findingLine(lines, c.error, c.finding);
  }
  notChecked(lines, r);
  return lines;
}

function packedText(r: PackedSnapshotReport): string[] {
  const from = r.start_from === 'given' ? ' (given)'
    : r.start_from === 'inferred' ? ' (inferred from the descriptors: chain errors are not judged; give --device-next)'
      : r.start_from === 'default' ? ` (a fresh queue's start, assumed: ${r.start_note ?? 'the descriptors do not tell'}; chain errors are not judged; give --device-next)` : '';
  const lines = [`virtio packed queue, size ${r.size}, ${r.start !== undefined ? `device starts at ${r.start.pos} in pass ${r.start.wrap}${from}` : 'device start unknown'}`];
  for (const [k, e] of [['driver_event', r.driver_event], ['device_event', r.device_event]] as const) {
    if (e !== undefined) lines.push(`${k}: off_wrap 0x${e.off_wrap.toString(16)} flags ${e.flags}`);
  }
  for (const c of r.chains) {
    lines.push(`pos ${c.pos} wrap ${c.wrap}${c.id !== undefined ? ` id ${c.id}` : ''}`);
    pushDescLines(lines, c.descs, '  ');
    findingLine(lines, c.error, c.finding);
  }
  notChecked(lines, r);
  return lines;
}

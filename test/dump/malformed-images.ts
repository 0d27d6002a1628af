/**
 * The malformed ring images: fixtures/xen/malformed-images/RULE.ring and fixtures/virtio/malformed-images/
 * RULE.{desc,avail,used,mem-0xADDR}.bin, each beside RULE.expected.json (what the image is, the `ringwire
 * dump` arguments, the exit status and every finding the dump reports). Each image is the memory of a real
 * recorded run with one fault injected (the hostile scenario of the same rule, src/hostile/), taken after
 * the first record at which a dump of it shows the fault and no other error; the packed ones (no hostile
 * scenario runs a packed queue) are PackedDriver / PackedDevice rounds with one fault, not recorded. Scenarios are seeded, so
 * regeneration is byte-identical: `npx tsc -p . && node dist/test/dump/malformed-images.js`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CatalogueId } from '../../protocol/catalogue/index.js';
import { hostileScenarios, recordScenario, type PlacedScenario } from '../../src/hostile/index.js';
import { virtioPackedMalformedFixtures } from '../../src/hostile/virtio-packed.js';

const packedRules = new Set<string>(virtioPackedMalformedFixtures.map((f) => f.rule));
import { xenDumpRuleIds } from '../../src/check/dump-xen.js';
import { splitDumpRuleIds } from '../../src/check/dump-virtio.js';
import type { DumpFinding } from '../../src/check/finding.js';
import { dumpXen } from '../../src/cli/dump-xen.js';
import { dumpVirtioPacked, dumpVirtioSplit } from '../../src/cli/dump-virtio.js';
import type { CliIo, ReadOptions } from '../../src/cli/io.js';
import { splitAreas } from '../../src/virtio/split-geometry.js';
import { traceSnapshots, type TraceSnapshot } from './snapshots.js';
import { RWT_REGION_VIRTIO_RAM, RWT_REGION_XEN_RING, type VirtioTraceSetup, type XenTraceSetup } from '../../protocol/trace/index.js';
import type { ReplayRegion } from '../../src/trace/index.js';
import { virtqFeatures } from '../../src/virtio/features.js';
import { GuestMemory, PackedDevice, PackedDriver, PackedRing, PlainRingPort } from '../../src/index.js';

export interface MalformedImage {
  readonly rule: CatalogueId;
  /** The files' stem: the rule, or `packed-RULE` for a packed queue. */
  readonly name: string;
  readonly dir: 'xen' | 'virtio';
  /** One sentence: the run, its fault, and when the image was taken. */
  readonly about: string;
  /** File name (in fixtures/DIR/malformed-images/) to bytes. */
  readonly files: Readonly<Record<string, Uint8Array>>;
  /** `ringwire dump` arguments after `dump`, paths from the repository root, `--json` last. */
  readonly args: readonly string[];
}

/** An io over in-memory files, honouring offset and maxBytes as processIo does. */
export function memoryIo(files: Readonly<Record<string, Uint8Array>>): CliIo & { text(): string } {
  let out = '';
  const get = (p: string): Uint8Array => {
    const b = files[p];
    if (b === undefined) throw new Error(`no file ${p}`);
    return b;
  };
  return {
    out: (t) => { out += t; },
    err: () => {},
    readFile: (p: string, o: ReadOptions = {}) => get(p).subarray(o.offset ?? 0, (o.offset ?? 0) + (o.maxBytes ?? Number.MAX_SAFE_INTEGER)),
    sizeOf: (p) => get(p).byteLength,
    text: () => out,
  };
}

/** Run `ringwire dump KIND ARGS...` (args from KIND on) over `files` (paths as in the arguments): exit status and output. */
export async function runDumpText(args: readonly string[], files: Readonly<Record<string, Uint8Array>>): Promise<{ status: number; text: string }> {
  const io = memoryIo(files);
  const [kind, ...rest] = args;
  const status = await (kind === 'xen' ? dumpXen(rest, io) : kind === 'virtio-packed' ? dumpVirtioPacked(rest, io) : dumpVirtioSplit(rest, io));
  return { status, text: io.text() };
}

/** runDumpText with `--json` among the arguments, the output parsed. */
export async function runDump(args: readonly string[], files: Readonly<Record<string, Uint8Array>>): Promise<{ status: number; json: { findings: DumpFinding[] } & Record<string, unknown> }> {
  const r = await runDumpText(args, files);
  return { status: r.status, json: JSON.parse(r.text) as { findings: DumpFinding[] } & Record<string, unknown> };
}

const errorsBut = (s: TraceSnapshot, rule: string): DumpFinding[] => s.findings.filter((f) => f.severity === 'error' && f.rule !== rule);

/** The first snapshot of the scenario's run that shows its rule and no other error. */
function firstShowing(pcapng: Uint8Array, rule: string, pushed: boolean): TraceSnapshot | undefined {
  for (const s of traceSnapshots(pcapng, { pushed })) {
    if (s.findings.some((f) => f.rule === rule) && errorsBut(s, rule).length === 0) return s;
  }
  return undefined;
}

/** The last byte of `b` that is not zero, plus one. */
function usedLength(b: Uint8Array): number {
  let n = b.byteLength;
  while (n > 0 && b[n - 1] === 0) n--;
  return n;
}

function xenImage(f: PlacedScenario, s: TraceSnapshot, pushed: boolean): MalformedImage {
  const setup = s.setup as XenTraceSetup;
  const ring = (s.regions.find((g) => g.kind === RWT_REGION_XEN_RING) as ReplayRegion).bytes.slice();
  const name = `${f.rule}.ring`;
  const path = `fixtures/xen/malformed-images/${name}`;
  const args = ['xen', '--ring', setup.ring, '--abi', setup.abi, '--order', String(setup.order), ...(pushed ? ['--pushed'] : []), path, '--json'];
  return { rule: f.rule, name: f.rule, dir: 'xen', about: `${f.about} The image is the ring right after packet ${s.packet} of fixtures/xen/malformed/${f.rule}.pcapng (the same run).`, files: { [name]: ring }, args };
}

/** Split queue areas as their own files, and the rest of guest RAM that holds anything (tables, buffers) as --mem. */
function splitImage(f: PlacedScenario, s: TraceSnapshot): MalformedImage {
  const setup = s.setup as VirtioTraceSetup;
  // The hostile queues live in one guest RAM region from address 0.
  const ram = (s.regions.find((g) => g.kind === RWT_REGION_VIRTIO_RAM && g.address === 0) as ReplayRegion).bytes;
  const q = { size: setup.size, eventIdx: virtqFeatures(BigInt(setup.features)).eventIdx, desc: Number(setup.desc), avail: Number(setup.avail), used: Number(setup.used) };
  const a = splitAreas(q.size, q.eventIdx);
  const dir = 'fixtures/virtio/malformed-images/';
  const areaEnd = Math.max(q.desc + a.descSize, q.avail + a.availSize, q.used + a.usedSize);
  const memAt = Math.ceil(areaEnd / 0x1000) * 0x1000;
  const memLen = Math.ceil(usedLength(ram.subarray(memAt)) / 16) * 16;
  const memName = `${f.rule}.mem-0x${memAt.toString(16)}.bin`;
  const files: Record<string, Uint8Array> = {
    [`${f.rule}.desc.bin`]: ram.slice(q.desc, q.desc + a.descSize),
    [`${f.rule}.avail.bin`]: ram.slice(q.avail, q.avail + a.availSize),
    [`${f.rule}.used.bin`]: ram.slice(q.used, q.used + a.usedSize),
  };
  // Guest RAM past the areas, up to its last byte in use (indirect tables, buffers written), when any.
  if (memLen > 0) files[memName] = ram.slice(memAt, memAt + memLen);
  const args = [
    'virtio-split', '--size', String(q.size), ...(q.eventIdx ? ['--event-idx'] : []),
    '--desc', `${dir}${f.rule}.desc.bin`, '--avail', `${dir}${f.rule}.avail.bin`, '--used', `${dir}${f.rule}.used.bin`,
    ...(memLen > 0 ? ['--mem', `0x${memAt.toString(16)}:${dir}${memName}`] : []), '--json',
  ];
  return { rule: f.rule, name: f.rule, dir: 'virtio', about: `${f.about} The image is the queue right after packet ${s.packet} of fixtures/virtio/malformed/${f.rule}.pcapng (the same run).`, files, args };
}

/** Every hostile scenario whose fault a dump can show, as an image. */
export function malformedImages(): MalformedImage[] {
  const out: MalformedImage[] = [];
  for (const f of hostileScenarios) {
    const ids: readonly string[] = f.dir === 'xen' ? xenDumpRuleIds : splitDumpRuleIds;
    // An image declares guest memory with --mem only (never all of RAM), so a buffer outside it is not checked:
    // VIRTQ_ADDR_UNMAPPED cannot show. Packed hostile runs are imaged by packedImages() below.
    if (!ids.includes(f.rule) || f.rule === 'VIRTQ_ADDR_UNMAPPED' || packedRules.has(f.rule)) continue;
    const pcapng = recordScenario(f);
    // Judge as a dump does by default; a blkif record fault in a slot that could hold an unpushed response is
    // shown with --pushed (the run's backend has not consumed the request yet when the image is taken).
    for (const pushed of f.dir === 'xen' ? [false, true] : [false]) {
      const s = firstShowing(pcapng, f.rule, pushed);
      if (s === undefined) continue;
      out.push(f.dir === 'xen' ? xenImage(f, s, pushed) : splitImage(f, s));
      break;
    }
  }
  return [...out, ...packedImages()];
}

/** A packed queue of 8 run by ringwire's PackedDriver and PackedDevice: desc ring at 0, event structures at 0x100 and 0x104, buffers from 0x1000. */
function packedRun(): { ring: PackedRing; driver: PackedDriver; device: PackedDevice; bytes: Uint8Array } {
  const bytes = new Uint8Array(0x2000);
  const memory = new GuestMemory();
  memory.map(0, new PlainRingPort(bytes.buffer, 0, bytes.byteLength));
  const cfg = { memory, size: 8, desc: 0, driverEvent: 0x100, deviceEvent: 0x104, indirect: true };
  const driver = new PackedDriver(cfg);
  const device = new PackedDevice(cfg);
  // A healthy round: two requests (readable then writable buffer), both used whole.
  for (let n = 0; n < 2; n++) driver.add([{ addr: 0x1000 + 0x100 * n, len: 16 }, { addr: 0x1800 + 0x100 * n, len: 64, write: true }]);
  for (let c = device.pop(); c !== null; c = device.pop()) device.pushUsed(c.id, 64);
  while (driver.getUsed() !== null);
  return { ring: new PackedRing(cfg), driver, device, bytes };
}

function packedImage(rule: CatalogueId, about: string, bytes: Uint8Array, extra: readonly string[]): MalformedImage {
  const dir = 'fixtures/virtio/malformed-images/';
  const name = `packed-${rule}`;
  const files = { [`${name}.desc.bin`]: bytes.slice(0, 8 * 16), [`${name}.mem-0x1000.bin`]: bytes.slice(0x1000, 0x2000) };
  const args = ['virtio-packed', '--size', '8', '--desc', `${dir}${name}.desc.bin`, '--mem', `0x1000:${dir}${name}.mem-0x1000.bin`, ...extra, '--json'];
  return { rule, name, dir: 'virtio', about, files, args };
}

/** Packed queues (no hostile packed scenario exists): real PackedDriver / PackedDevice rounds with one fault, not recorded. */
function packedImages(): MalformedImage[] {
  const dup = packedRun();
  // The driver makes two more buffers available, then rewrites the second chain's buffer id to the first's.
  const first = dup.driver.add([{ addr: 0x1200, len: 16 }]);
  dup.driver.add([{ addr: 0x1300, len: 16 }]);
  const pos = 5; // the healthy round took positions 0..3; the first new chain is at 4, the second at 5
  dup.ring.writeDescBody(dup.ring.descPort, dup.ring.descBase, pos, 0x1300, 0, 16, first);
  const used = packedRun();
  // The device uses one more buffer, writing id 40 (the queue has 8) into its used descriptor.
  used.driver.add([{ addr: 0x1200, len: 16 }, { addr: 0x1a00, len: 64, write: true }]);
  const c = used.device.pop();
  if (c === null) throw new Error('the device found nothing available');
  used.device.pushUsed(c.id, 0);
  // The fault: the used descriptor it wrote at position 4 names id 40 instead.
  used.ring.descPort.view.setUint16(used.ring.descBase + 4 * used.ring.stride + used.ring.idOff, 40, true);
  return [
    packedImage('VIRTQ_PACKED_DUPLICATE_ID', 'packed queue of 8, PackedDriver and PackedDevice: after a healthy round of two requests the driver makes two one-descriptor buffers available at positions 4 and 5 and gives the second the first\'s buffer id; --device-next 4:1 is the device\'s own position (it has consumed neither).', dup.bytes, ['--device-next', '4:1']),
    packedImage('VIRTQ_USED_ID_OUT_OF_RANGE', 'packed queue of 8, PackedDriver and PackedDevice: after a healthy round of two requests the device uses the next buffer with a used descriptor naming id 40.', used.bytes, []),
  ];
}

/** Where an image's files are, from the repository root. */
export function imagePath(m: MalformedImage, name: string): string {
  return `fixtures/${m.dir}/malformed-images/${name}`;
}

/** The expected-findings document of an image: what it is, how to dump it, and what the dump says. */
export async function expectedText(m: MalformedImage): Promise<string> {
  const files = Object.fromEntries(Object.entries(m.files).map(([n, b]) => [imagePath(m, n), b]));
  const r = await runDump(m.args, files);
  return `${JSON.stringify({ image: m.name, rule: m.rule, about: m.about, args: ['dump', ...m.args], exit: r.status, findings: r.json.findings }, null, 1)}\n`;
}

const root = fileURLToPath(new URL('../../../', import.meta.url));

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const m of malformedImages()) {
    mkdirSync(`${root}fixtures/${m.dir}/malformed-images`, { recursive: true });
    for (const [name, bytes] of Object.entries(m.files)) writeFileSync(`${root}${imagePath(m, name)}`, bytes);
    writeFileSync(`${root}${imagePath(m, `${m.name}.expected.json`)}`, await expectedText(m));
    console.log(`${imagePath(m, m.name)}: ${Object.keys(m.files).join(', ')}`);
  }
}

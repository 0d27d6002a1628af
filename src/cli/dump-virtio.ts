/**
 * `ringwire dump virtio-split` and `ringwire dump virtio-packed`: decode a snapshot of a live virtqueue from
 * raw area images, walking every chain with the same walker a device uses, so a hostile or broken snapshot
 * is reported, never trusted. Errors on one chain do not stop the others.
 *
 * Split: one chain per avail ring slot the driver has written, oldest first. A chain is "live" when its
 * slot lies between used.idx and avail.idx; only live chains' errors are violations (exit 1), because a
 * driver may have freed and reused the memory of chains that are no longer live.
 * Packed: chains are walked in ring order from where the device will look next (the device event
 * structure's off_wrap in FLAG_DESC mode, else position 0 in pass 1) while descriptors are available in the
 * expected pass; each such chain is made available and not yet used, so every one is live.
 */
import { UsageError, jsonText, type CliIo, type VerbMain } from './io.js';
import { parseInteger, parseU64, parseVerbArgs, type OptionSpec } from './args.js';
import { PlainRingPort } from '../memory/ring-port.js';
import {
  DescChain, GuestMemory, PackedRing, SplitRing, VirtqError, splitAreas, walkPackedChain, walkSplitChain,
} from '../virtio/index.js';
import { VRING_DESC_F_INDIRECT } from '../virtio/flags.js';
import { layoutOf } from '../layout/compile.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function bigJson(v: bigint): number | string {
  return v <= MAX_SAFE ? Number(v) : v.toString();
}

function parseGpa(s: string): bigint {
  return parseU64('--mem', s);
}

function parseSize(s: string | undefined, max: number, pow2: boolean): number {
  if (s === undefined) throw new UsageError('--size N is required');
  return parseInteger('--size', s, { min: 1, max, pow2 });
}

/** A port over a copy of `bytes`, padded to at least `min` bytes and a multiple of 4. */
function imagePort(bytes: Uint8Array, min: number, what: string): PlainRingPort {
  if (bytes.byteLength < min) throw new UsageError(`${what}: image has ${bytes.byteLength} bytes, the queue needs ${min}`);
  const len = Math.ceil(bytes.byteLength / 4) * 4;
  const buf = new ArrayBuffer(len);
  new Uint8Array(buf).set(bytes);
  return new PlainRingPort(buf, 0, bytes.byteLength);
}

function guestMemory(specs: readonly string[], io: CliIo): GuestMemory {
  const memory = new GuestMemory();
  for (const spec of specs) {
    const colon = spec.indexOf(':');
    if (colon < 1) throw new UsageError(`--mem: expected GPA:FILE, got "${spec}"`);
    const gpa = parseGpa(spec.slice(0, colon));
    const port = imagePort(io.readFile(spec.slice(colon + 1)), 0, spec);
    if (gpa + BigInt(port.bytes.byteLength) > MAX_SAFE) throw new UsageError(`--mem: ${spec} must lie below 2^53`);
    try {
      memory.map(gpa, port);
    } catch (e) {
      throw new UsageError(`--mem: ${(e as Error).message}`);
    }
  }
  return memory;
}

interface DescJson {
  index: number;
  addr: number | string;
  len: number;
  flags: number;
  next?: number;
  id?: number;
  table?: DescJson[];
}

/** The walked descriptors of a chain as JSON: ring entries, with an indirect descriptor's entries in `table`. */
function chainDescs(c: DescChain, packed: boolean): DescJson[] {
  const out: DescJson[] = [];
  let table: DescJson[] | undefined;
  for (let k = 0; k < c.count; k++) {
    const d: DescJson = { index: c.index[k] as number, addr: bigJson(c.addrBig(k)), len: c.len[k] as number, flags: c.flags[k] as number };
    if (packed) d.id = c.next[k] as number; else d.next = c.next[k] as number;
    if (c.inTable[k] === 1 && table !== undefined) table.push(d);
    else {
      out.push(d);
      if ((d.flags & VRING_DESC_F_INDIRECT) !== 0) { table = []; d.table = table; }
    }
  }
  return out;
}

function errorJson(e: unknown): { code: string; message: string } {
  if (e instanceof VirtqError) return { code: e.code, message: e.message };
  throw e;
}

const commonOptions = {
  size: { type: 'string' },
  desc: { type: 'string' },
  mem: { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

function parse(args: string[], options: OptionSpec, verb: string) {
  return parseVerbArgs(verb, args, options, 0);
}

export const dumpVirtioSplit: VerbMain = (args, io) => {
  const { values } = parse(args, {
    ...commonOptions, avail: { type: 'string' }, used: { type: 'string' }, 'event-idx': { type: 'boolean' }, 'legacy-be': { type: 'boolean' },
  }, 'dump virtio-split');
  const v = values as { size?: string; desc?: string; avail?: string; used?: string; mem?: string[]; json?: boolean; 'event-idx'?: boolean; 'legacy-be'?: boolean };
  const size = parseSize(v.size, 32768, true);
  if (v.desc === undefined || v.avail === undefined || v.used === undefined) throw new UsageError('dump virtio-split needs --desc, --avail and --used');
  const eventIdx = v['event-idx'] === true;
  const areas = splitAreas(size, eventIdx);
  const rings = new GuestMemory();
  rings.map(0, imagePort(io.readFile(v.desc), areas.descSize, '--desc'));
  rings.map(0x1_0000_0000, imagePort(io.readFile(v.avail), areas.availSize, '--avail'));
  rings.map(0x2_0000_0000, imagePort(io.readFile(v.used), areas.usedSize, '--used'));
  const memory = guestMemory(v.mem ?? [], io);
  const ring = new SplitRing({
    memory, ringMemory: rings, size, desc: 0, avail: 0x1_0000_0000, used: 0x2_0000_0000,
    eventIdx, indirect: true, byteOrder: v['legacy-be'] === true ? 'big' : 'little',
  });

  const availIdx = ring.availIdx();
  const usedIdx = ring.usedIdx();
  const avail: Record<string, unknown> = { flags: ring.availFlags(), idx: availIdx, ring: Array.from({ length: size }, (_, i) => ring.availRing(i)) };
  if (eventIdx) avail['used_event'] = ring.usedEvent();
  const used: Record<string, unknown> = {
    flags: ring.usedFlags(), idx: usedIdx,
    ring: Array.from({ length: size }, (_, i) => ({ id: ring.usedElemIdAt(i), len: ring.usedElemLenAt(i) })),
  };
  if (eventIdx) used['avail_event'] = ring.availEvent();

  let violations = 0;
  const doc: Record<string, unknown> = { size, avail, used, error: undefined, chains: [] };
  const outstanding = (availIdx - usedIdx) & 0xffff;
  if (outstanding > size) {
    const e = new VirtqError('VIRTQ_AVAIL_IDX_JUMP', `avail.idx ${availIdx} is ${outstanding} entries ahead of used.idx ${usedIdx}, more than the queue size ${size}`, { index: availIdx, received: outstanding });
    doc['error'] = errorJson(e);
    violations++;
  }
  const chain = new DescChain(size * 2 + 1, memory);
  const written = Math.min(availIdx, size);
  const chains: Record<string, unknown>[] = [];
  for (let j = written; j >= 1; j--) {
    const n = (availIdx - j) & 0xffff;
    const slot = n & (size - 1);
    const head = ring.availRing(slot);
    const live = ((n - usedIdx) & 0xffff) < outstanding && outstanding <= size;
    const c: Record<string, unknown> = { slot, head, live, descs: [] };
    try {
      walkSplitChain(ring, head, chain);
    } catch (e) {
      c['error'] = errorJson(e);
      if (live) violations++;
    }
    c['descs'] = chainDescs(chain, false);
    chains.push(c);
  }
  doc['chains'] = chains;
  io.out(v.json === true ? jsonText(doc) : splitText(doc, chains));
  return violations > 0 ? 1 : 0;
};

function splitText(doc: Record<string, unknown>, chains: Record<string, unknown>[]): string {
  const a = doc['avail'] as { flags: number; idx: number; used_event?: number };
  const u = doc['used'] as { flags: number; idx: number; avail_event?: number };
  const lines = [
    `virtio split queue, size ${String(doc['size'])}`,
    `avail: flags 0x${a.flags.toString(16)} idx ${a.idx}${a.used_event !== undefined ? ` used_event ${a.used_event}` : ''}`,
    `used:  flags 0x${u.flags.toString(16)} idx ${u.idx}${u.avail_event !== undefined ? ` avail_event ${u.avail_event}` : ''}`,
  ];
  if (doc['error'] !== undefined) lines.push(`VIOLATION ${(doc['error'] as { code: string; message: string }).code}: ${(doc['error'] as { message: string }).message}`);
  for (const c of chains) {
    lines.push(`slot ${String(c['slot'])} head ${String(c['head'])}${c['live'] === true ? ' (live)' : ''}`);
    pushDescLines(lines, c['descs'] as DescJson[], '  ');
    const e = c['error'] as { code: string; message: string } | undefined;
    if (e !== undefined) lines.push(`  ${c['live'] === true ? 'VIOLATION' : 'stale (not a violation)'} ${e.code}: ${e.message}`);
  }
  return lines.join('\n');
}

function pushDescLines(lines: string[], descs: DescJson[], indent: string): void {
  for (const d of descs) {
    const tail = d.next !== undefined ? `next ${d.next}` : `id ${String(d.id)}`;
    lines.push(`${indent}[${d.index}] addr ${typeof d.addr === 'number' ? `0x${d.addr.toString(16)}` : d.addr} len ${d.len} flags 0x${d.flags.toString(16)} ${tail}`);
    if (d.table !== undefined) pushDescLines(lines, d.table, `${indent}    `);
  }
}

export const dumpVirtioPacked: VerbMain = (args, io) => {
  const { values } = parse(args, { ...commonOptions, 'driver-event': { type: 'string' }, 'device-event': { type: 'string' } }, 'dump virtio-packed');
  const v = values as { size?: string; desc?: string; mem?: string[]; json?: boolean; 'driver-event'?: string; 'device-event'?: string };
  const size = parseSize(v.size, 32768, false);
  if (v.desc === undefined) throw new UsageError('dump virtio-packed needs --desc');
  const descSize = layoutOf('vring_packed_desc').size;
  const evSize = layoutOf('vring_packed_desc_event').size;
  const rings = new GuestMemory();
  rings.map(0, imagePort(io.readFile(v.desc), size * descSize, '--desc'));
  const zero = new Uint8Array(evSize);
  rings.map(0x1_0000_0000, imagePort(v['driver-event'] === undefined ? zero : io.readFile(v['driver-event']), evSize, '--driver-event'));
  rings.map(0x2_0000_0000, imagePort(v['device-event'] === undefined ? zero : io.readFile(v['device-event']), evSize, '--device-event'));
  const memory = guestMemory(v.mem ?? [], io);
  const ring = new PackedRing({ memory, ringMemory: rings, size, desc: 0, driverEvent: 0x1_0000_0000, deviceEvent: 0x2_0000_0000, indirect: true });

  const doc: Record<string, unknown> = { size };
  if (v['driver-event'] !== undefined) doc['driver_event'] = { off_wrap: ring.driverEventOffWrap(), flags: ring.driverEventFlags() };
  if (v['device-event'] !== undefined) doc['device_event'] = { off_wrap: ring.deviceEventOffWrap(), flags: ring.deviceEventFlags() };
  // Where the device will look next: the device event structure's off_wrap when it is in FLAG_DESC mode
  // (a device with EVENT_IDX keeps it at its next_avail), else position 0 in pass 1 (a fresh queue).
  const DESC_MODE = 2;
  const WRAP_BIT = 15;
  let p = 0;
  let w = 1;
  if (v['device-event'] !== undefined && ring.deviceEventFlags() === DESC_MODE) {
    const ow = ring.deviceEventOffWrap();
    p = ow & ((1 << WRAP_BIT) - 1);
    w = ow >>> WRAP_BIT;
    if (p >= size) throw new UsageError(`--device-event: off_wrap offset ${p} is outside the ring of ${size}`);
  }
  doc['start'] = { pos: p, wrap: w };
  doc['chains'] = [];
  const chain = new DescChain(size * 2 + 1, memory);
  const chains: Record<string, unknown>[] = [];
  const ids = new Set<number>();
  let violations = 0;
  // Walk chains in ring order as the device would, while descriptors are available in the expected pass.
  for (let consumed = 0; consumed < size && PackedRing.isAvail(ring.descFlags(p), w);) {
    const c: Record<string, unknown> = { pos: p, wrap: w, live: true, id: undefined, descs: [] };
    let advance = 1;
    try {
      walkPackedChain(ring, p, w, chain);
      advance = chain.ringCount;
      c['id'] = chain.id;
      if (ids.has(chain.id)) {
        throw new VirtqError('VIRTQ_PACKED_DUPLICATE_ID', `buffer id ${chain.id} is available in two chains at once`, { index: p, received: chain.id });
      }
      ids.add(chain.id);
    } catch (e) {
      c['error'] = errorJson(e);
      violations++;
      advance = Math.max(1, chain.ringCount);
    }
    c['descs'] = chainDescs(chain, true);
    chains.push(c);
    consumed += advance;
    p += advance;
    if (p >= size) { p -= size; w ^= 1; }
  }
  doc['chains'] = chains;
  io.out(v.json === true ? jsonText(doc) : packedText(doc, chains));
  return violations > 0 ? 1 : 0;
};

function packedText(doc: Record<string, unknown>, chains: Record<string, unknown>[]): string {
  const st = doc['start'] as { pos: number; wrap: number };
  const lines = [`virtio packed queue, size ${String(doc['size'])}, device starts at ${st.pos} in pass ${st.wrap}`];
  for (const k of ['driver_event', 'device_event']) {
    const e = doc[k] as { off_wrap: number; flags: number } | undefined;
    if (e !== undefined) lines.push(`${k}: off_wrap 0x${e.off_wrap.toString(16)} flags ${e.flags}`);
  }
  for (const c of chains) {
    lines.push(`pos ${String(c['pos'])} wrap ${String(c['wrap'])}${c['id'] !== undefined ? ` id ${String(c['id'])}` : ''}`);
    pushDescLines(lines, c['descs'] as DescJson[], '  ');
    const e = c['error'] as { code: string; message: string } | undefined;
    if (e !== undefined) lines.push(`  VIOLATION ${e.code}: ${e.message}`);
  }
  return lines.join('\n');
}

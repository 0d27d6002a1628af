/**
 * Seeded fuzzing of every place ringwire reads memory another party wrote: codecs, Xen ring images and the
 * typed Xen backends, virtio split and packed snapshots. Whatever the bytes, the answer is a result or a
 * typed RingwireError — never a crash, a hang or an out-of-bounds read. Replay a failure with
 * RINGWIRE_SEED=<seed printed in the test name>; `npm run fuzz` runs 50 random seeds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  layoutOf, structNames, decode, encode, RingwireError, protocol,
  ringType, SharedRing, FrontRing, BackRing, BlkifFront, BlkifBack, NetifTxFront, NetifTxBack, xenRingNames,
  xenRingErrorCodes, virtqRules, virtqNotCheckedCodes, xenDumpRuleIds, splitDumpRuleIds, packedDumpRuleIds,
  type SplitSnapshotReport, type PackedSnapshotReport, type DumpFinding,
} from '../../src/index.js';
import { dumpXen } from '../../src/cli/dump-xen.js';
import { dumpVirtioPacked, dumpVirtioSplit } from '../../src/cli/dump-virtio.js';
import type { CliIo, ReadOptions } from '../../src/cli/io.js';
import { rng, seedFromEnv } from '../virtio/rng.js';

// A fixed default keeps `npm test` (and CI) deterministic; `npm run fuzz` runs many random seeds.
const seed = seedFromEnv(0x7269_6e67);
const rand = rng(seed);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;

/** A u32 a hostile or broken peer might write: random, near a wrap, small, or near another value. */
function index32(near: number): number {
  switch (int(4)) {
    case 0: return (rand() * 2 ** 32) >>> 0;
    case 1: return (0xffffffff - int(8)) >>> 0;
    case 2: return int(64);
    default: return (near + int(600) - 300) >>> 0;
  }
}

function randomBytes(n: number, density = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (rand() < density) b[i] = int(256);
  return b;
}

/** Files in memory, read as processIo reads them (offset, maxBytes); every file has a size (a regular file). */
function memIo(files: Record<string, Uint8Array>): CliIo & { text(): string } {
  let out = '';
  return {
    out: (t) => { out += t; },
    err: () => {},
    readFile: (p: string, o: ReadOptions = {}) => {
      const f = files[p];
      assert.ok(f, p);
      const at = o.offset ?? 0;
      return f.subarray(at, at + (o.maxBytes ?? f.byteLength));
    },
    sizeOf: (p) => files[p]?.byteLength,
    text: () => out,
  };
}

/** Copies of every input, to prove a dump never writes what it reads. */
function snapshot(files: Record<string, Uint8Array>): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.slice()]));
}

const knownXenCodes = new Set<string>(Object.values(xenRingErrorCodes));
const knownVirtqCodes = new Set<string>(Object.keys(virtqRules));

/**
 * What must hold of the findings of every dump, whatever the image: the exit status is 1 exactly when one is
 * an error, `consistent` agrees, each is a rule the dump judges, placed inside its area.
 */
function checkFindings(status: number, doc: { findings: DumpFinding[]; consistent: boolean }, ids: readonly string[], areaSize: (area: string) => number, what: string): void {
  const errors = doc.findings.filter((f) => f.severity === 'error').length;
  assert.equal(status === 1, errors > 0, `${what}: exit ${status} with ${errors} error finding(s)`);
  assert.equal(doc.consistent, errors === 0, what);
  for (const f of doc.findings) {
    assert.ok(ids.includes(f.rule), `${what}: finding ${f.rule}`);
    assert.ok(f.offset >= 0 && f.offset < areaSize(f.area), `${what}: ${f.rule} at byte ${f.offset} of ${f.area}`);
    assert.equal(typeof f.message, 'string');
  }
}

/**
 * What must hold of every virtio dump report, whatever the snapshot: each violation and chain error carries a
 * VIRTQ_* code; a chain error counts as a violation exactly when it should (live and not missing input); each
 * violation is a finding under its own code, and the only other findings are used ids outside the queue; the
 * exit status follows the findings.
 */
function checkVirtioReport(status: number, r: (SplitSnapshotReport | PackedSnapshotReport) & { findings: DumpFinding[] }, what: string, areaSize: (area: string) => number): void {
  checkFindings(status, { findings: r.findings, consistent: r.consistent }, 'avail' in r ? splitDumpRuleIds : packedDumpRuleIds, areaSize, what);
  const codes = r.violations.map((v) => v.code).sort();
  assert.deepEqual(r.findings.map((f) => f.rule).filter((x) => x !== 'VIRTQ_USED_ID_OUT_OF_RANGE').sort(), codes, `${what}: each violation is a finding`);
  for (const v of r.violations) {
    assert.ok(knownVirtqCodes.has(v.code) && !virtqNotCheckedCodes.has(v.code), `${what}: violation code ${v.code}`);
    assert.equal(typeof v.message, 'string');
    assert.match(v.at, /^(avail\.idx|used\.idx|slot \d+|pos \d+|driver_event|device_event)$/);
  }
  let chainViolations = 0;
  let notChecked = 0;
  for (const c of r.chains as { live: boolean; error?: { code: string }; finding?: string; descs: unknown[] }[]) {
    assert.ok(c.descs.length >= 1 || c.error?.code === 'VIRTQ_HEAD_OUT_OF_RANGE', `${what}: every walked chain shows the descriptors read`);
    if (c.error === undefined) { assert.equal(c.finding, undefined); continue; }
    assert.ok(knownVirtqCodes.has(c.error.code), `${what}: chain error ${c.error.code}`);
    const expected = virtqNotCheckedCodes.has(c.error.code) ? 'not checked' : c.live ? 'violation' : 'avail' in r ? 'stale' : 'not judged';
    assert.equal(c.finding, expected, `${what}: ${c.error.code}`);
    if (expected === 'violation') chainViolations++;
    if (expected === 'not checked') notChecked++;
  }
  const queueViolations = r.violations.filter((v) => !/^(slot|pos) /.test(v.at)).length;
  assert.equal(r.violations.length, chainViolations + queueViolations, `${what}: each violating chain is listed once`);
  assert.equal(r.not_checked.chains, notChecked, what);
}

/** Guest memory for a fuzzed snapshot: none (buffers not checked), RAM by size, or a --mem region. */
function memoryArgs(files: Record<string, Uint8Array>): string[] {
  switch (int(3)) {
    case 0: return [];
    case 1: return ['--ram-size', String(pick([0x10800, 0x11000, 0x20000]))];
    default: files['m'] = randomBytes(0x1000, 0.5); return ['--mem', '0x10000:m'];
  }
}

test(`fuzz (seed ${seed}): decode never fails on sizeof bytes, and encode(decode(b)) decodes back the same`, () => {
  for (const abi of protocol.abiNames) {
    for (const name of structNames()) {
      const l = layoutOf(name, { abi });
      for (let i = 0; i < 40; i++) {
        const b = randomBytes(l.size, pick([0.1, 0.5, 1]));
        const v = decode(l, b);
        const again = new Uint8Array(l.size);
        encode(l, v, again);
        assert.deepEqual(decode(l, again), v, `${name} ${abi}`);
      }
    }
  }
});

test(`fuzz (seed ${seed}): dump xen on random ring images exits 0 or 1 with a JSON report`, async () => {
  const seen = [0, 0];
  for (let i = 0; i < 400; i++) {
    const ring = pick(xenRingNames);
    const abi = pick(protocol.abiNames);
    const order = pick([0, 0, 1]);
    const image = randomBytes(4096 << order, pick([0, 0.05, 1]));
    const dv = new DataView(image.buffer);
    const reqProd = index32(0);
    dv.setUint32(0, reqProd, true);
    dv.setUint32(4, index32(reqProd), true);
    dv.setUint32(8, index32(reqProd), true);
    dv.setUint32(12, index32(reqProd), true);
    const files = { img: image };
    const before = snapshot(files);
    const io = memIo(files);
    const status = await dumpXen(['--ring', ring, '--abi', abi, '--order', String(order), 'img', '--json'], io);
    assert.ok(status === 0 || status === 1, `${ring} ${abi} status ${status}`);
    const report = JSON.parse(io.text()) as { violations: { code: string; message: string }[]; findings: DumpFinding[]; consistent: boolean };
    checkFindings(status, report, xenDumpRuleIds, () => 4096 << order, `${ring} ${abi}`);
    for (const v of report.violations) {
      assert.ok(knownXenCodes.has(v.code), `${ring} ${abi}: violation code ${v.code}`);
      assert.equal(typeof v.message, 'string');
    }
    assert.deepEqual(files, before, 'dump xen leaves its input as it was');
    seen[status]!++;
  }
  assert.ok(seen[0]! > 0 && seen[1]! > 0, `consistent and violating images both exercised: ${seen.join('/')}`);
});

test(`fuzz (seed ${seed}): blkif and netif_tx backends on hostile ring memory return records or typed errors`, () => {
  let taken = 0;
  let refused = 0;
  for (let i = 0; i < 400; i++) {
    const name = pick(['blkif', 'netif_tx'] as const);
    const type = ringType(name, { abi: pick(protocol.abiNames) });
    const buf = new ArrayBuffer(4096);
    const sring = SharedRing.init(buf, type);
    const start = index32(0);
    const back = BackRing.attach(sring, start);
    // An honest frontend publishes a few valid requests first; then the memory is damaged, or not.
    const front = FrontRing.attach(sring, start);
    for (let k = int(4); k > 0; k--) {
      if (name === 'blkif') new BlkifFront(front).queue({ op: 'write', sector: BigInt(k), segments: [{ gref: k, first_sect: 0, last_sect: 7 }] });
      else new NetifTxFront(front).queue({ fragments: [{ gref: k, offset: 0, size: 60 + k }] });
    }
    front.pushRequests();
    switch (int(3)) {
      case 0: break;
      case 1: new Uint8Array(buf, 64).set(randomBytes(4096 - 64, pick([0.01, 0.2, 1]))); break;
      default: sring.reqProd = pick([index32(start), (start + int(type.nrEnts(0) + 1)) >>> 0]);
    }
    const before = new Uint8Array(buf).slice();
    const reqCons = back.reqCons;
    try {
      const got = name === 'blkif' ? new BlkifBack(back).take() : new NetifTxBack(back).take();
      taken += got.length;
    } catch (e) {
      assert.ok(e instanceof RingwireError, `not a typed error: ${String(e)}`);
      assert.equal(typeof e.code, 'string');
      assert.equal(back.reqCons, reqCons, 'a refused take leaves req_cons as it was');
      assert.deepEqual(new Uint8Array(buf), before, 'a refused take leaves ring memory as it was');
      refused++;
    }
  }
  assert.ok(taken > 0 && refused > 0, `both outcomes exercised (taken ${taken}, refused ${refused})`);
});

test(`fuzz (seed ${seed}): dump virtio-split on random snapshots: exit 1 exactly when the JSON report lists a violation, known codes, input untouched`, async () => {
  const seen = [0, 0];
  for (let i = 0; i < 300; i++) {
    const size = pick([1, 2, 4, 8, 16, 64]);
    const desc = randomBytes(16 * size, pick([0.3, 1]));
    const dv = new DataView(desc.buffer);
    for (let d = 0; d < size; d++) {
      // Mostly plausible descriptors: addresses in or near the mapped page, small flags and next values.
      if (rand() < 0.8) {
        dv.setBigUint64(d * 16, BigInt(0x10000 + int(0x1100) - 0x80), true);
        dv.setUint32(d * 16 + 8, pick([0, 16, 32, 48, int(5000), 0xffffffff]), true);
        dv.setUint16(d * 16 + 12, int(8), true);
        dv.setUint16(d * 16 + 14, int(size + 2), true);
      }
    }
    const eventIdx = rand() < 0.5;
    const ev = eventIdx ? 2 : 0;
    const avail = randomBytes(4 + 2 * size + ev);
    const used = randomBytes(4 + 8 * size + ev);
    const av = new DataView(avail.buffer);
    for (let s = 0; s < size; s++) if (rand() < 0.8) av.setUint16(4 + 2 * s, int(size + 1), true);
    if (rand() < 0.7) { av.setUint16(2, int(2 * size + 2), true); new DataView(used.buffer).setUint16(2, int(size + 1), true); }
    const files: Record<string, Uint8Array> = { d: desc, a: avail, u: used };
    const args = ['--size', String(size), '--desc', 'd', '--avail', 'a', '--used', 'u', ...memoryArgs(files), '--json'];
    if (eventIdx) args.push('--event-idx');
    if (rand() < 0.2) args.push('--legacy-be');
    const before = snapshot(files);
    const io = memIo(files);
    const status = await dumpVirtioSplit(args, io);
    const report = JSON.parse(io.text()) as SplitSnapshotReport & { findings: DumpFinding[] };
    checkVirtioReport(status, report, args.join(' '), (a) => (a === 'desc' ? desc.byteLength : a === 'avail' ? avail.byteLength : used.byteLength));
    assert.equal(report.chains.length, Math.min(report.avail.idx, size));
    assert.deepEqual(files, before, 'dump virtio-split leaves its input as it was');
    seen[status]!++;
  }
  assert.ok(seen[0]! > 0 && seen[1]! > 0, `consistent and violating snapshots both exercised: ${seen.join('/')}`);
});

test(`fuzz (seed ${seed}): dump virtio-packed on random snapshots: exit 1 exactly when the JSON report lists a violation, known codes, input untouched`, async () => {
  const seen = [0, 0];
  for (let i = 0; i < 300; i++) {
    const size = pick([1, 3, 8, 16, 32]);
    const desc = randomBytes(16 * size, pick([0.3, 1]));
    const dv = new DataView(desc.buffer);
    for (let d = 0; d < size; d++) {
      if (rand() < 0.8) {
        dv.setBigUint64(d * 16, BigInt(0x10000 + int(0x1100) - 0x80), true);
        dv.setUint32(d * 16 + 8, pick([0, 16, 32, int(5000), 0xffffffff]), true);
        dv.setUint16(d * 16 + 12, int(size + 2), true);
        dv.setUint16(d * 16 + 14, pick([0x0080, 0x8000, 0x0081, 0x0082, 0x0084, 0x0083, int(0x10000)]), true);
      }
    }
    const files: Record<string, Uint8Array> = { d: desc, drv: randomBytes(4), dev: randomBytes(4) };
    const args = ['--size', String(size), '--desc', 'd', '--driver-event', 'drv', '--device-event', 'dev', ...memoryArgs(files), '--json'];
    const before = snapshot(files);
    const io = memIo(files);
    const status = await dumpVirtioPacked(args, io);
    const report = JSON.parse(io.text()) as PackedSnapshotReport & { findings: DumpFinding[] };
    checkVirtioReport(status, report, args.join(' '), (a) => (a === 'desc' ? desc.byteLength : 4));
    assert.ok(report.chains.every((c) => c.live === (report.start_from === undefined || report.start_from === 'given')));
    assert.deepEqual(files, before, 'dump virtio-packed leaves its input as it was');
    seen[status]!++;
  }
  assert.ok(seen[0]! > 0 && seen[1]! > 0, `consistent and violating snapshots both exercised: ${seen.join('/')}`);
});

test(`fuzz (seed ${seed}): a split queue read out of a guest RAM image (--ram, GPAs) reports exactly what its area images and --mem report`, async () => {
  for (let i = 0; i < 100; i++) {
    const size = pick([1, 2, 4, 8]);
    const ram = randomBytes(0x12000, pick([0.05, 0.5]));
    const v = new DataView(ram.buffer);
    // Plausible descriptors at 0x1000 pointing into RAM (some past its end), avail at 0x1800, used at 0x1c00.
    for (let d = 0; d < size; d++) {
      v.setBigUint64(0x1000 + d * 16, BigInt(pick([0x10000 + int(0x1800), 0x11ff0, int(0x20000)])), true);
      v.setUint32(0x1000 + d * 16 + 8, pick([16, 32, 48, int(100)]), true);
      v.setUint16(0x1000 + d * 16 + 12, int(8), true);
      v.setUint16(0x1000 + d * 16 + 14, int(size + 1), true);
    }
    v.setUint16(0x1802, int(size + 1), true);
    v.setUint16(0x1c02, 0, true);
    for (let s = 0; s < size; s++) v.setUint16(0x1804 + 2 * s, int(size + 1), true);
    const files: Record<string, Uint8Array> = {
      ram, d: ram.slice(0x1000, 0x1000 + 16 * size), a: ram.slice(0x1800, 0x1800 + 4 + 2 * size), u: ram.slice(0x1c00, 0x1c00 + 4 + 8 * size),
    };
    const fromRam = memIo(files);
    const s1 = await dumpVirtioSplit(['--size', String(size), '--ram', 'ram', '--desc-gpa', '0x1000', '--avail-gpa', '0x1800', '--used-gpa', '0x1c00', '--json'], fromRam);
    // The same queue with its areas as image files and RAM for tables and buffers: the same report.
    const split = memIo(files);
    const s2 = await dumpVirtioSplit(['--size', String(size), '--desc', 'd', '--avail', 'a', '--used', 'u', '--ram', 'ram', '--json'], split);
    const r1 = JSON.parse(fromRam.text()) as SplitSnapshotReport & { findings: DumpFinding[] };
    checkVirtioReport(s1, r1, `ram seed ${seed} #${i}`, (area) => (files[area === 'desc' ? 'd' : area === 'avail' ? 'a' : 'u'] as Uint8Array).byteLength);
    assert.equal(s1, s2);
    assert.deepEqual(r1, JSON.parse(split.text()));
    assert.equal(r1.not_checked.buffers, 0, 'with --ram every buffer address is checked');
  }
});

/**
 * The record API (addRecord, popRecord, getUsedRecord / usedLen) against the object API (add, pop, getUsed),
 * and the direct DataView path (plain ArrayBuffer ports) against the port path (SharedArrayBuffer ports): the
 * same memory bytes after every step, the same chains, the same used buffers, and the same refusals (code and
 * sentence) of hostile input, with nothing changed by a refusal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GuestMemory, PackedDevice, PackedDriver, SplitDevice, SplitDriver, VirtqError, type DescChain, type VirtqBuffer,
} from '../../src/virtio/index.js';
import { rng, seedFromEnv } from './rng.js';

type Kind = 'split' | 'packed';
const SIZE = 16;
const BUF = 0x10000;

interface End {
  readonly memory: GuestMemory;
  readonly ring: Uint8Array;
  readonly drv: SplitDriver | PackedDriver;
  readonly dev: SplitDevice | PackedDevice;
}

/** A queue of `kind` with its ring in region 0 and buffers in region 1, over plain or shared memory. */
function end(kind: Kind, shared: boolean): End {
  const memory = new GuestMemory();
  const ring = memory.mapNew(0, 0x1000, { shared }).bytes;
  memory.mapNew(BUF, 0x10000, { shared });
  if (kind === 'split') {
    const cfg = { memory, size: SIZE, desc: 0, avail: 0x400, used: 0x800 };
    return { memory, ring, drv: new SplitDriver(cfg), dev: new SplitDevice(cfg) };
  }
  const cfg = { memory, size: SIZE, desc: 0, driverEvent: 0x400, deviceEvent: 0x404 };
  return { memory, ring, drv: new PackedDriver(cfg), dev: new PackedDevice(cfg) };
}

function chainOf(c: DescChain): unknown {
  const k = c.count;
  return {
    head: c.head, id: c.id, count: k, ringCount: c.ringCount, readable: c.readable, writable: c.writable, unchecked: c.unchecked,
    index: [...c.index.subarray(0, k)], addrLo: [...c.addrLo.subarray(0, k)], addrHi: [...c.addrHi.subarray(0, k)],
    len: [...c.len.subarray(0, k)], flags: [...c.flags.subarray(0, k)], next: [...c.next.subarray(0, k)],
    region: [...c.region.subarray(0, k)], regionOffset: [...c.regionOffset.subarray(0, k)],
  };
}

/** The error fn throws (or undefined), as code and message. */
function refusal(fn: () => unknown): { code: string; message: string } | undefined {
  try { fn(); } catch (e) {
    assert.ok(e instanceof VirtqError, String(e));
    return { code: e.code, message: e.message };
  }
  return undefined;
}

for (const kind of ['split', 'packed'] as const) {
  test(`${kind}: the record API writes the same bytes and returns the same chains and used buffers as the object API, on direct and port paths`, () => {
    const seed = seedFromEnv(0x7265_6331);
    const rand = rng(seed);
    // obj: object API on plain memory; rec: record API on plain memory (direct); port: record API on shared memory.
    const obj = end(kind, false);
    const rec = end(kind, false);
    const port = end(kind, true);
    const addr = new Float64Array(8);
    const len = new Uint32Array(8);
    let popped: { id: number; writable: number }[] = [];
    for (let step = 0; step < 3000; step++) {
      const op = rand();
      if (op < 0.4 && obj.drv.numFree >= 4) {
        const n = 1 + Math.floor(rand() * 4);
        const nOut = Math.floor(rand() * (n + 1));
        const from = Math.floor(rand() * 4);
        const bufs: VirtqBuffer[] = [];
        for (let k = 0; k < n; k++) {
          const a = BUF + Math.floor(rand() * 0xff00);
          const l = 1 + Math.floor(rand() * 0xff);
          addr[from + k] = a; len[from + k] = l;
          bufs.push({ addr: a, len: l, write: k >= nOut });
        }
        const h = obj.drv.add(bufs);
        assert.equal(rec.drv.addRecord(addr, len, nOut, n - nOut, from), h, `seed ${seed} step ${step}`);
        assert.equal(port.drv.addRecord(addr, len, nOut, n - nOut, from), h, `seed ${seed} step ${step}`);
      } else if (op < 0.7) {
        const c = obj.dev.pop();
        const id = rec.dev.popRecord();
        assert.equal(port.dev.popRecord(), id, `seed ${seed} step ${step}`);
        if (c === null) { assert.equal(id, -1); continue; }
        const cid = kind === 'split' ? c.head : c.id;
        assert.equal(id, cid, `seed ${seed} step ${step}`);
        assert.deepEqual(chainOf(rec.dev.chain), chainOf(c), `seed ${seed} step ${step}`);
        assert.deepEqual(chainOf(port.dev.chain), chainOf(c), `seed ${seed} step ${step}`);
        popped.push({ id, writable: c.writable });
      } else if (op < 0.85 && popped.length > 0) {
        const j = Math.floor(rand() * popped.length);
        const p = popped[j] as { id: number; writable: number };
        popped = popped.filter((_, k) => k !== j);
        const l = Math.floor(rand() * (p.writable + 1));
        for (const e of [obj, rec, port]) e.dev.pushUsed(p.id, l);
      } else {
        const u = obj.drv.getUsed();
        const id = rec.drv.getUsedRecord();
        assert.equal(port.drv.getUsedRecord(), id, `seed ${seed} step ${step}`);
        assert.equal(id, u === null ? -1 : u.id, `seed ${seed} step ${step}`);
        if (u !== null) {
          assert.equal(rec.drv.usedLen, u.len);
          assert.equal(port.drv.usedLen, u.len);
        }
      }
      assert.deepEqual(rec.ring, obj.ring, `seed ${seed} step ${step}: record API bytes`);
      assert.deepEqual(port.ring, obj.ring, `seed ${seed} step ${step}: port path bytes`);
    }
  });

  test(`${kind}: addRecord refuses what add refuses, with the same code and sentence, and changes nothing`, () => {
    // A region declared by size only (read on demand), so a chain can pass 2^32 bytes in mapped memory.
    const big = 0x1_0000_0000;
    const cases: [string, VirtqBuffer[]][] = [
      ['len 0', [{ addr: BUF, len: 0 }]],
      ['negative address', [{ addr: -1, len: 8 }]],
      ['fractional address', [{ addr: BUF + 0.5, len: 8 }]],
      ['NaN address', [{ addr: Number.NaN, len: 8 }]],
      ['address 2^53', [{ addr: 2 ** 53, len: 8 }]],
      ['unmapped', [{ addr: BUF, len: 8 }, { addr: 0x90000, len: 8, write: true }]],
      ['crosses the region end', [{ addr: BUF + 0xfff0, len: 0x20 }]],
      ['over 2^32 bytes', [{ addr: big, len: 0xffff_ffff }, { addr: big, len: 2, write: true }]],
      ['none', []],
      ['more than the free descriptors', Array.from({ length: SIZE + 1 }, () => ({ addr: BUF, len: 8 }))],
    ];
    for (const [what, bufs] of cases) {
      const a = end(kind, false);
      const b = end(kind, false);
      const c = end(kind, true);
      for (const e of [a, b, c]) e.memory.mapSource(big, { size: BigInt(big) * 2n, read: () => undefined });
      const n = bufs.length;
      const nOut = bufs.filter((x) => x.write !== true).length;
      const addr = Float64Array.from(bufs, (x) => Number(x.addr));
      const len = Uint32Array.from(bufs, (x) => x.len);
      const before = Uint8Array.from(a.ring);
      const want = refusal(() => a.drv.add(bufs));
      assert.ok(want !== undefined, `${what}: add() refuses`);
      assert.deepEqual(refusal(() => b.drv.addRecord(addr, len, nOut, n - nOut)), want, `${what}: direct`);
      assert.deepEqual(refusal(() => c.drv.addRecord(addr, len, nOut, n - nOut)), want, `${what}: port path`);
      for (const e of [a, b, c]) {
        assert.deepEqual(e.ring, before, `${what}: memory unchanged`);
        assert.equal(e.drv.numFree, SIZE, `${what}: nothing taken`);
        // The same end keeps working.
        e.drv.add([{ addr: BUF, len: 8, write: true }]);
      }
    }
  });

  test(`${kind}: addRecord refuses counts that do not fit its arrays (VIRTQ_BAD_BUFFER)`, () => {
    const e = end(kind, false);
    const addr = new Float64Array([BUF, BUF + 8]);
    const len = new Uint32Array([8, 8]);
    for (const [nOut, nIn, from] of [[3, 0, 0], [1, 1, 1], [-1, 2, 0], [0.5, 1, 0], [1, 0, -1], [1, Number.NaN, 0]] as const) {
      assert.equal(refusal(() => e.drv.addRecord(addr, len, nOut, nIn, from))?.code, 'VIRTQ_BAD_BUFFER', `${nOut}, ${nIn}, ${from}`);
    }
    assert.equal(refusal(() => e.drv.addRecord(addr, new Uint32Array(1), 2, 0))?.code, 'VIRTQ_BAD_BUFFER', 'len array shorter');
    assert.equal(e.drv.numFree, SIZE);
    assert.ok(e.drv.addRecord(addr, len, 1, 1) >= 0);
  });
}

/** Hostile used entries: getUsedRecord() refuses them exactly as getUsed(), direct and through ports. */
test('split: getUsedRecord refuses the used entries getUsed refuses, with the same code and sentence', () => {
  const USED = 0x800;
  const scenarios: [string, (v: DataView) => void][] = [
    ['id out of range', (v) => { v.setUint32(USED + 4, SIZE, true); v.setUint16(USED + 2, 1, true); }],
    ['id not outstanding', (v) => { v.setUint32(USED + 4, 5, true); v.setUint16(USED + 2, 1, true); }],
    ['len too large', (v) => { v.setUint32(USED + 4, 0, true); v.setUint32(USED + 8, 65, true); v.setUint16(USED + 2, 1, true); }],
    ['used.idx jump', (v) => { v.setUint16(USED + 2, 3, true); }],
    ['used.idx backwards', (v) => { v.setUint32(USED + 4, 0, true); v.setUint16(USED + 2, 1, true); }],
  ];
  for (const [what, hostile] of scenarios) {
    const results = [false, true, false].map((shared, k) => {
      const e = end('split', shared);
      const d = e.drv as SplitDriver;
      d.add([{ addr: BUF, len: 64, write: true }]);
      d.add([{ addr: BUF, len: 64, write: true }]);
      const v = new DataView(e.ring.buffer, e.ring.byteOffset, e.ring.byteLength);
      hostile(v);
      if (what === 'used.idx backwards') {
        const ok = k === 0 ? d.getUsed() : d.getUsedRecord();
        assert.ok(ok !== null && ok !== -1);
        v.setUint16(USED + 2, 0, true);
      }
      const before = Uint8Array.from(e.ring);
      const r = refusal(() => (k === 0 ? d.getUsed() : d.getUsedRecord()));
      assert.deepEqual(e.ring, before);
      return r;
    });
    assert.ok(results[0] !== undefined, `${what}: getUsed refuses`);
    assert.deepEqual(results[1], results[0], `${what}: port path`);
    assert.deepEqual(results[2], results[0], `${what}: record API`);
  }
});

test('packed: getUsedRecord refuses the used descriptors getUsed refuses, with the same code and sentence', () => {
  // Descriptor 0 handed back with AVAIL = USED = 1 (the first pass), carrying this id and len.
  const used = (v: DataView, id: number, l: number): void => { v.setUint16(12, id, true); v.setUint32(8, l, true); v.setUint16(14, 0x8080 | 2, true); };
  const scenarios: [string, (v: DataView) => void][] = [
    ['id out of range', (v) => used(v, SIZE, 1)],
    ['id not outstanding', (v) => used(v, 7, 1)],
    ['len too large', (v) => used(v, 0, 65)],
  ];
  for (const [what, hostile] of scenarios) {
    const results = [false, true, false].map((shared, k) => {
      const e = end('packed', shared);
      const d = e.drv as PackedDriver;
      d.add([{ addr: BUF, len: 64, write: true }]);
      hostile(new DataView(e.ring.buffer, e.ring.byteOffset, e.ring.byteLength));
      return refusal(() => (k === 2 ? d.getUsedRecord() : d.getUsed()));
    });
    assert.ok(results[0] !== undefined, `${what}: getUsed refuses`);
    assert.deepEqual(results[1], results[0], `${what}: port path`);
    assert.deepEqual(results[2], results[0], `${what}: record API`);
  }
});

/** Hostile descriptor tables: popRecord() on a direct ring refuses them as pop() through ports does. */
test('split: popRecord on a direct ring refuses hostile chains as pop through ports does', () => {
  const AVAIL = 0x400;
  const desc = (v: DataView, i: number, a: number, l: number, flags: number, next: number): void => {
    v.setUint32(i * 16, a >>> 0, true); v.setUint32(i * 16 + 4, Math.floor(a / 2 ** 32), true); v.setUint32(i * 16 + 8, l, true);
    v.setUint16(i * 16 + 12, flags, true); v.setUint16(i * 16 + 14, next, true);
  };
  const scenarios: [string, (v: DataView) => void][] = [
    ['zero length', (v) => desc(v, 0, BUF, 0, 0, 0)],
    ['loop', (v) => { desc(v, 0, BUF, 8, 1, 1); desc(v, 1, BUF, 8, 1, 0); }],
    ['next out of range', (v) => desc(v, 0, BUF, 8, 1, SIZE)],
    ['head out of range', (v) => { desc(v, 0, BUF, 8, 0, 0); v.setUint16(AVAIL + 4, SIZE, true); }],
    ['read after write', (v) => { desc(v, 0, BUF, 8, 3, 1); desc(v, 1, BUF, 8, 0, 0); }],
    ['unmapped', (v) => desc(v, 0, 0x90000, 8, 0, 0)],
    ['wraps 2^64', (v) => { v.setUint32(0, 0xffff_fff0, true); v.setUint32(4, 0xffff_ffff, true); v.setUint32(8, 0x20, true); }],
    ['indirect not negotiated', (v) => desc(v, 0, BUF, 32, 4, 0)],
    ['a good chain', (v) => { desc(v, 0, BUF, 8, 1, 1); desc(v, 1, BUF + 8, 8, 2, 0); }],
  ];
  for (const [what, hostile] of scenarios) {
    const results = [true, false].map((shared) => {
      const e = end('split', shared);
      const v = new DataView(e.ring.buffer, e.ring.byteOffset, e.ring.byteLength);
      hostile(v);
      v.setUint16(AVAIL + 2, 1, true);
      const dev = e.dev as SplitDevice;
      const r = refusal(() => dev.popRecord());
      return { r, lastAvail: dev.lastAvail, chain: r === undefined ? chainOf(dev.chain) : undefined };
    });
    assert.deepEqual(results[1], results[0], what);
  }
});

test('packed: popRecord on a direct ring refuses hostile chains as pop through ports does', () => {
  const desc = (v: DataView, i: number, a: number, l: number, id: number, flags: number): void => {
    v.setUint32(i * 16, a, true); v.setUint32(i * 16 + 4, 0, true); v.setUint32(i * 16 + 8, l, true);
    v.setUint16(i * 16 + 12, id, true); v.setUint16(i * 16 + 14, flags | 0x80, true); // AVAIL = 1, USED = 0: pass 1
  };
  const scenarios: [string, (v: DataView) => void][] = [
    ['zero length', (v) => desc(v, 0, BUF, 0, 0, 0)],
    ['bad id', (v) => desc(v, 0, BUF, 8, SIZE, 0)],
    ['next not available', (v) => { desc(v, 0, BUF, 8, 0, 1); v.setUint16(16 + 14, 0, true); }],
    ['chain too long', (v) => { for (let i = 0; i < SIZE; i++) desc(v, i, BUF, 8, 0, 1); }],
    ['read after write', (v) => { desc(v, 0, BUF, 8, 0, 3); desc(v, 1, BUF, 8, 0, 0); }],
    ['unmapped', (v) => desc(v, 0, 0x90000, 8, 0, 0)],
    ['indirect not negotiated', (v) => desc(v, 0, BUF, 32, 0, 4)],
    ['a good chain', (v) => { desc(v, 0, BUF, 8, 3, 1); desc(v, 1, BUF + 8, 8, 3, 2); }],
  ];
  for (const [what, hostile] of scenarios) {
    const results = [true, false].map((shared) => {
      const e = end('packed', shared);
      hostile(new DataView(e.ring.buffer, e.ring.byteOffset, e.ring.byteLength));
      const dev = e.dev as PackedDevice;
      const r = refusal(() => dev.popRecord());
      return { r, nextAvail: dev.nextAvail, chain: r === undefined ? chainOf(dev.chain) : undefined };
    });
    assert.deepEqual(results[1], results[0], what);
  }
});

/**
 * The virtio differential oracle: test/golden/virtio-layout.json (from test/oracle/virtio.c compiled against
 * linux/virtio_*.h) against protocol/ declarations, vringSize, vringNeedEvent and the split ring's bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { layoutOf, protocol } from '../../src/index.js';
import type { StructLayout } from '../../src/index.js';
import {
  GuestMemory, SplitDevice, SplitDriver, legacyPlacement, legacySplitConfig, splitAreas, vringNeedEvent, vringSize,
} from '../../src/virtio/index.js';
import { hex } from './helpers.js';

interface Golden {
  structs: Record<string, { size: number; fields: Record<string, { offset: number; size: number }> }>;
  align_x86_64: Record<string, number>;
  constants: Record<string, number>;
  vring: { num: number; align: number; size: number; desc: number; avail: number; used: number; used_event: number; avail_event: number }[];
  need_event: [number, number, number, number][];
  script: {
    num: number; align: number; loop: number; kicks: number[]; irqs: number[]; loop_kicks: number; loop_irqs: number;
    avail_idx: number; used_idx: number; last_used: number; last_avail: number; num_free: number; ring: string; indirect_table: string;
  };
}

const golden = JSON.parse(readFileSync(new URL('../../../test/golden/virtio-layout.json', import.meta.url), 'utf8')) as Golden;

function flatFields(l: StructLayout, prefix = '', base = 0, out = new Map<string, { offset: number; size: number }>()) {
  for (const f of l.flexible === undefined ? l.fields : [...l.fields, l.flexible]) {
    // An anonymous member has no path of its own; its members are the enclosing struct's (offsetof agrees).
    if (f.anonymous && f.aggregate !== undefined) {
      flatFields(f.aggregate, prefix, base + f.offset, out);
      continue;
    }
    out.set(prefix + f.name, { offset: base + f.offset, size: f.size });
    if (f.aggregate !== undefined && f.count === undefined) flatFields(f.aggregate, `${prefix}${f.name}.`, base + f.offset, out);
  }
  return out;
}

test('every virtio struct in protocol/ is in the golden and vice versa', () => {
  assert.deepEqual(protocol.virtioStructs.map((d) => d.name).sort(), Object.keys(golden.structs).sort());
});

for (const abi of ['x86_64', 'x86_32', 'arm'] as const) {
  test(`virtio layouts on ${abi}: size and every field offset equal the C compiler's`, () => {
    for (const [name, g] of Object.entries(golden.structs)) {
      for (const byteOrder of ['little', 'big'] as const) {
        const l = layoutOf(name, { abi, byteOrder });
        assert.equal(l.size, g.size, `${name} size`);
        const mine = flatFields(l);
        for (const [path, gf] of Object.entries(g.fields)) assert.deepEqual(mine.get(path), gf, `${name}.${path}`);
        // and nothing declared that the compiler does not have
        for (const path of mine.keys()) assert.ok(path in g.fields, `${name}.${path} is not in the golden`);
      }
    }
  });
}

test('virtio alignments on x86_64 equal _Alignof', () => {
  for (const [name, a] of Object.entries(golden.align_x86_64)) {
    assert.equal(layoutOf(name).align, a, name);
  }
});

test('every virtio constant the headers define equals protocol/, and protocol/ declares no other', () => {
  const mine = new Map(protocol.virtioConstants.map((c) => [c.name, c.value]));
  for (const [name, v] of Object.entries(golden.constants)) assert.equal(mine.get(name), v, name);
  assert.deepEqual([...mine.keys()].sort(), Object.keys(golden.constants).sort());
});

test('vringSize and legacyPlacement equal vring_size() / vring_init()', () => {
  assert.ok(golden.vring.length >= 50);
  for (const g of golden.vring) {
    assert.equal(vringSize(g.num, g.align), g.size, `vring_size(${g.num}, ${g.align})`);
    const p = legacyPlacement(g.num, g.align);
    assert.deepEqual([p.desc, p.avail, p.used, p.size], [g.desc, g.avail, g.used, g.size], `vring_init(${g.num}, ${g.align})`);
    // used_event = avail->ring[num]; avail_event = used->ring[num]
    const a = splitAreas(g.num, true);
    assert.equal(p.avail + a.usedEvent, g.used_event);
    assert.equal(p.used + a.availEvent, g.avail_event);
    if ((g.num & (g.num - 1)) !== 0) continue; // split queues are power-of-two sized (§2.7); vring_init is not
    const memory = new GuestMemory();
    memory.mapNew(0, g.size + 64);
    const driver = new SplitDriver(legacySplitConfig(memory, g.num, 0, g.align, { eventIdx: true }));
    assert.equal(driver.ring.availBase + driver.ring.areas.usedEvent, g.used_event);
    assert.equal(driver.ring.usedBase + driver.ring.areas.availEvent, g.avail_event);
  }
});

test('vringNeedEvent equals vring_need_event() across the 16-bit wrap', () => {
  assert.ok(golden.need_event.length > 200);
  let trues = 0;
  for (const [ev, nw, old, want] of golden.need_event) {
    assert.equal(vringNeedEvent(ev, nw, old), want === 1, `vring_need_event(${ev}, ${nw}, ${old})`);
    trues += want;
  }
  assert.ok(trues > 0 && trues < golden.need_event.length);
});

test('scripted driver/device sequence produces the same vring bytes as the C oracle', () => {
  const s = golden.script;
  const memory = new GuestMemory();
  const size = vringSize(s.num, s.align);
  const ring = memory.mapNew(0x100000, size);
  const table = memory.mapNew(0x4000, 48);
  memory.mapNew(0x0, 0x4000);
  memory.mapNew(0x5000, 0xb000);
  const cfg = legacySplitConfig(memory, s.num, 0x100000, s.align, { eventIdx: true, indirect: true });
  const drv = new SplitDriver(cfg);
  const dev = new SplitDevice(cfg);
  const kicks: number[] = [];
  const irqs: number[] = [];
  const pop = () => { const c = dev.pop(); assert.ok(c); return c.head; };

  drv.add([{ addr: 0x1000, len: 16 }, { addr: 0x2000, len: 512, write: true }]);
  drv.add([{ addr: 0x3000, len: 64 }]);
  drv.addIndirect([{ addr: 0x5000, len: 16 }, { addr: 0x6000, len: 4096, write: true }, { addr: 0x7000, len: 1, write: true }], 0x4000);
  kicks.push(+drv.kickPrepare());
  const h0 = pop(); const h1 = pop(); const h2 = pop();
  assert.equal(dev.chain.writable, 4097);
  dev.pushUsed(h0, 512);
  dev.pushUsed(h1, 0);
  irqs.push(+dev.needInterrupt());
  assert.ok(drv.getUsed()); assert.ok(drv.getUsed());
  drv.add([{ addr: 0x8000, len: 32 }, { addr: 0x9000, len: 8, write: true }]);
  kicks.push(+drv.kickPrepare());
  const h3 = pop();
  dev.pushUsed(h2, 4097);
  dev.pushUsed(h3, 8);
  irqs.push(+dev.needInterrupt());
  while (drv.getUsed() !== null) { /* reclaim all */ }

  let loopKicks = 0;
  let loopIrqs = 0;
  const e = [{ addr: 0xa000, len: 128, write: true }];
  for (let n = 0; n < s.loop; n++) {
    drv.add(e);
    loopKicks += +drv.kickPrepare();
    dev.pushUsed(pop(), 100);
    loopIrqs += +dev.needInterrupt();
    assert.ok(drv.getUsed());
  }
  drv.add([{ addr: 0xb000, len: 256, write: true }]);
  drv.add([{ addr: 0xc000, len: 24 }, { addr: 0xd000, len: 2, write: true }]);
  kicks.push(+drv.kickPrepare());
  dev.pushUsed(pop(), 200);
  irqs.push(+dev.needInterrupt());

  assert.deepEqual(kicks, s.kicks);
  assert.deepEqual(irqs, s.irqs);
  assert.equal(loopKicks, s.loop_kicks);
  assert.equal(loopIrqs, s.loop_irqs);
  assert.deepEqual(
    [drv.availIdxShadow, dev.usedIdxShadow, drv.lastUsed, dev.lastAvail, drv.numFree],
    [s.avail_idx, s.used_idx, s.last_used, s.last_avail, s.num_free],
  );
  assert.equal(hex(ring.bytes), s.ring);
  assert.equal(hex(table.bytes), s.indirect_table);
});

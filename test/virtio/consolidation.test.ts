/**
 * The pieces the virtio consolidation shares: sharedIndex declarations choosing which fields go through
 * load/storeIndex16, the packed event check built on vringNeedEvent, the avail-jump and duplicate-id rules
 * shared by device and snapshot, and typed errors for constant lookups.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GuestMemory, PackedRing, SplitRing, availAhead, checkIdNotOutstanding, sharedIndexOffset, sharedIndexOffsets,
  splitAreas, PlainRingPort, LayoutError, layoutOf, protocol, type RingPort,
  virtioConstant,
} from '../../src/index.js';
import { rng, seedFromEnv } from './rng.js';
import { throwsCode } from './helpers.js';

/** A port that logs the offsets reached through loadIndex16 / storeIndex16. */
function spyPort(length: number): { port: RingPort; atomic: Set<number> } {
  const inner = new PlainRingPort(new ArrayBuffer(length));
  const atomic = new Set<number>();
  const port = Object.assign(Object.create(inner) as PlainRingPort, {
    loadIndex16: (off: number) => { atomic.add(off); return inner.loadIndex16(off); },
    storeIndex16: (off: number, v: number) => { atomic.add(off); inner.storeIndex16(off, v); },
  });
  return { port, atomic };
}

/** Offsets of the members protocol/virtio/ring.ts marks sharedIndex, read from the declaration itself. */
function declaredShared(struct: string): number[] {
  const decl = protocol.virtioStructs.find((s) => s.name === struct);
  assert.ok(decl);
  const l = layoutOf(struct);
  return decl.fields.filter((f) => 'sharedIndex' in f && f.sharedIndex === true).map((f) => l.fields.find((x) => x.name === f.name)?.offset as number);
}

test('SplitRing accesses exactly the sharedIndex members (and the two event words) through load/storeIndex16', () => {
  const size = 4;
  const a = splitAreas(size, true);
  const { port, atomic } = spyPort(0x1000);
  const r = new SplitRing({ memory: new GuestMemory([{ gpa: 0, port }]), size, desc: 0, avail: 0x100, used: 0x200, eventIdx: true });
  // Everything a driver or device does through the ring.
  r.setAvailIdx(r.availIdx() + 1); r.setAvailFlags(r.availFlags()); r.setUsedIdx(r.usedIdx()); r.setUsedFlags(r.usedFlags());
  r.setUsedEvent(r.usedEvent()); r.setAvailEvent(r.availEvent());
  r.setAvailRing(1, r.availRing(1)); r.setUsedElem(2, r.usedElemIdAt(2), r.usedElemLenAt(2));
  r.writeDesc(port, 0, 3, 1, 0, 16, 0, 0);
  const expected = [
    ...declaredShared('vring_avail').map((o) => 0x100 + o), ...declaredShared('vring_used').map((o) => 0x200 + o),
    0x100 + a.usedEvent, 0x200 + a.availEvent,
  ];
  assert.deepEqual([...atomic].sort((x, y) => x - y), expected.sort((x, y) => x - y));
  assert.equal(expected.length, 6);
});

test('PackedRing accesses exactly the sharedIndex members through load/storeIndex16', () => {
  const { port, atomic } = spyPort(0x200);
  const r = new PackedRing({ memory: new GuestMemory([{ gpa: 0, port }]), size: 4, desc: 0, driverEvent: 0x100, deviceEvent: 0x104 });
  r.setDescFlags(2, r.descFlags(2));
  r.writeDescBody(port, 0, 1, 0, 0, 8, 1);
  r.setDriverEvent(r.driverEventOffWrap(), r.driverEventFlags());
  r.setDeviceEvent(r.deviceEventOffWrap(), r.deviceEventFlags());
  const expected = [
    ...declaredShared('vring_packed_desc').map((o) => 2 * 16 + o),
    ...declaredShared('vring_packed_desc_event').map((o) => 0x100 + o), ...declaredShared('vring_packed_desc_event').map((o) => 0x104 + o),
  ];
  assert.deepEqual([...atomic].sort((x, y) => x - y), expected.sort((x, y) => x - y));
  assert.equal(expected.length, 5);
});

test('sharedIndexOffset refuses a member the declaration does not mark, so a ring cannot access it atomically by mistake', () => {
  assert.deepEqual([...sharedIndexOffsets(layoutOf('vring_avail')).keys()], ['flags', 'idx']);
  assert.deepEqual([...sharedIndexOffsets(layoutOf('vring_desc')).keys()], []);
  assert.throws(() => sharedIndexOffset(layoutOf('vring_packed_desc'), 'id'), (e: unknown) => e instanceof LayoutError && e.code === 'LAYOUT_NOT_SHARED_INDEX' && e.path === 'vring_packed_desc.id');
});

test('PackedRing.needEvent agrees with the event position taken in absolute terms (virtio 1.2 §2.8.10)', () => {
  const seed = seedFromEnv(0x6e65_6564);
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  for (const size of [1, 3, 8, 256, 32768]) {
    const memory = new GuestMemory();
    memory.mapNew(0, size * 16 + 8);
    const r = new PackedRing({ memory, size, desc: 0, driverEvent: size * 16, deviceEvent: size * 16 + 4 });
    for (let i = 0; i < 2000; i++) {
      const wrap = int(2);
      const newPos = int(size);
      const added = int(size + 1);
      const off = int(size);
      const evWrap = int(2);
      // The event descriptor as a position relative to the start of the current pass: one pass back if its wrap differs.
      const evAbs = evWrap === wrap ? off : off - size;
      const oldAbs = newPos - added;
      const want = oldAbs <= evAbs && evAbs < newPos;
      const offWrap = off | (evWrap << 15);
      assert.equal(r.needEvent(offWrap, 2, wrap, newPos, added), want, `seed ${seed}: size ${size} off_wrap 0x${offWrap.toString(16)} wrap ${wrap} new ${newPos} added ${added}`);
    }
    assert.equal(r.needEvent(0, 0, 1, 0, 1), true, 'ENABLE');
    assert.equal(r.needEvent(0, 1, 1, 0, 1), false, 'DISABLE');
  }
});

test('availAhead: the one avail-jump rule, through the 16-bit wrap', () => {
  assert.equal(availAhead(3, 0xfffe, 8), 5);
  assert.equal(availAhead(6, 0xfffe, 8), 8);
  const e = throwsCode(() => availAhead(7, 0xfffe, 8, 'used.idx'), 'VIRTQ_AVAIL_IDX_JUMP');
  assert.match(e.message, /ahead of used\.idx 65534/);
  assert.equal(e.received, 9);
});

test('checkIdNotOutstanding: the one duplicate-id rule', () => {
  const out = new Uint8Array(4);
  checkIdNotOutstanding(out, 2, 0);
  out[2] = 1;
  assert.equal(throwsCode(() => checkIdNotOutstanding(out, 2, 3), 'VIRTQ_PACKED_DUPLICATE_ID').index, 3);
});

test('virtioConstant: a name no header defines is a LayoutError UNKNOWN_CONSTANT', () => {
  assert.equal(virtioConstant('VRING_DESC_F_INDIRECT'), 4);
  assert.throws(() => virtioConstant('VRING_DESC_F_BOGUS'), (e: unknown) => e instanceof LayoutError && e.code === 'UNKNOWN_CONSTANT' && e.received === 'VRING_DESC_F_BOGUS');
});

test('the ring flags are exported at the top level under the Linux and the specification spellings', async () => {
  const m = await import('../../src/index.js');
  assert.deepEqual([m.VRING_DESC_F_NEXT, m.VRING_DESC_F_WRITE, m.VRING_DESC_F_INDIRECT], [1, 2, 4]);
  assert.deepEqual([m.VIRTQ_DESC_F_NEXT, m.VIRTQ_DESC_F_WRITE, m.VIRTQ_DESC_F_INDIRECT], [1, 2, 4]);
  assert.deepEqual([m.VRING_PACKED_DESC_F_AVAIL, m.VRING_PACKED_DESC_F_USED], [7, 15]);
  assert.deepEqual([m.VIRTQ_DESC_F_AVAIL, m.VIRTQ_DESC_F_USED], [0x80, 0x8000]);
  assert.deepEqual([m.VRING_PACKED_EVENT_FLAG_ENABLE, m.VRING_PACKED_EVENT_FLAG_DISABLE, m.VRING_PACKED_EVENT_FLAG_DESC, m.VRING_PACKED_EVENT_F_WRAP_CTR], [0, 1, 2, 15]);
  assert.deepEqual([m.VRING_USED_F_NO_NOTIFY, m.VIRTQ_USED_F_NO_NOTIFY, m.VRING_AVAIL_F_NO_INTERRUPT, m.VIRTQ_AVAIL_F_NO_INTERRUPT], [1, 1, 1, 1]);
});

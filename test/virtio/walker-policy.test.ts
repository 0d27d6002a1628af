/**
 * The walkers' unmapped-buffer policy (desc-rules.ts) and read-on-demand guest memory: a snapshot may leave
 * buffers outside the memory given unchecked, a device never does; indirect tables in memory whose bytes are
 * missing are VIRTQ_INDIRECT_UNREADABLE; tables in a read-on-demand source are read once, at their offset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUFFER_NOT_CHECKED, DescChain, GuestMemory, GuestMemoryError, PackedDevice, PackedRing, SplitDevice, SplitRing,
  walkPackedChain, walkSplitChain, type GuestMemorySource,
} from '../../src/virtio/index.js';
import { throwsCode } from './helpers.js';

const NEXT = 1, WRITE = 2, INDIRECT = 4, AVAIL_BIT = 1 << 7;

/** Rings in their own memory at 0 (desc) / 0x100 (avail) / 0x200 (used); `memory` is what buffers resolve in. */
function splitQueue(memory: GuestMemory) {
  const rings = new GuestMemory();
  const port = rings.mapNew(0, 0x1000);
  const ring = new SplitRing({ memory, ringMemory: rings, size: 4, desc: 0, avail: 0x100, used: 0x200, indirect: true });
  const v = port.view;
  const desc = (i: number, addr: bigint, len: number, flags: number, next = 0) => {
    v.setBigUint64(i * 16, addr, true); v.setUint32(i * 16 + 8, len, true); v.setUint16(i * 16 + 12, flags, true); v.setUint16(i * 16 + 14, next, true);
  };
  return { ring, desc, rings, chain: new DescChain(16, memory) };
}

test('split walk: a buffer outside mapped memory is VIRTQ_ADDR_UNMAPPED by default, recorded as not checked under "not-checked"', () => {
  const memory = new GuestMemory();
  memory.mapNew(0x10000, 0x1000);
  const q = splitQueue(memory);
  q.desc(0, 0x10000n, 16, NEXT, 1);
  q.desc(1, 0x90000n, 32, NEXT | WRITE, 2);
  q.desc(2, 0x10100n, 8, WRITE);
  throwsCode(() => walkSplitChain(q.ring, 0, q.chain), 'VIRTQ_ADDR_UNMAPPED');
  walkSplitChain(q.ring, 0, q.chain, 'not-checked');
  assert.equal(q.chain.count, 3);
  assert.deepEqual([...q.chain.region.subarray(0, 3)], [0, BUFFER_NOT_CHECKED, 0]);
  assert.equal(q.chain.unchecked, 1);
  assert.deepEqual([q.chain.readable, q.chain.writable], [16, 40]);
  // The buffer's bytes were never located, so asking for them is a typed error, not a read somewhere else.
  assert.throws(() => q.chain.readBuffer(1, new Uint8Array(4)), (e: unknown) => e instanceof GuestMemoryError && e.code === 'GUEST_MEMORY_NO_REGION');
  // The other rules still apply to a buffer that is not checked.
  q.desc(1, 0x90000n, 0, NEXT | WRITE, 2);
  throwsCode(() => walkSplitChain(q.ring, 0, q.chain, 'not-checked'), 'VIRTQ_ZERO_LENGTH');
  q.desc(1, 0xffff_ffff_ffff_fff0n, 32, NEXT | WRITE, 2);
  throwsCode(() => walkSplitChain(q.ring, 0, q.chain, 'not-checked'), 'VIRTQ_ADDR_WRAP');
  q.desc(1, 0x90000n, 32, NEXT | WRITE, 2);
  q.desc(2, 0x90000n, 8, 0);
  throwsCode(() => walkSplitChain(q.ring, 0, q.chain, 'not-checked'), 'VIRTQ_READ_AFTER_WRITE');
  q.desc(2, 0x90000n, 0xffff_ffff, WRITE);
  throwsCode(() => walkSplitChain(q.ring, 0, q.chain, 'not-checked'), 'VIRTQ_LENGTH_OVERFLOW');
});

test('split walk: an indirect table outside the memory given is UNMAPPED for a device, UNREADABLE for a snapshot', () => {
  const memory = new GuestMemory();
  const q = splitQueue(memory);
  q.desc(0, 0x5000n, 32, INDIRECT);
  throwsCode(() => walkSplitChain(q.ring, 0, q.chain), 'VIRTQ_ADDR_UNMAPPED');
  const e = throwsCode(() => walkSplitChain(q.ring, 0, q.chain, 'not-checked'), 'VIRTQ_INDIRECT_UNREADABLE');
  assert.equal(e.index, 0);
  assert.equal(e.addr, 0x5000n);
  assert.equal(q.chain.count, 1, 'the indirect descriptor itself is recorded');
  // The indirect descriptor's own rules come first: a bad len is a violation whatever memory was given.
  q.desc(0, 0x5000n, 20, INDIRECT);
  throwsCode(() => walkSplitChain(q.ring, 0, q.chain, 'not-checked'), 'VIRTQ_INDIRECT_BAD_LEN');
});

/** A read-on-demand source over `bytes` that logs each read; `missing` makes it declare memory it cannot read. */
function source(bytes: Uint8Array, missing = false): GuestMemorySource & { reads: [bigint, number][] } {
  const reads: [bigint, number][] = [];
  return {
    size: BigInt(bytes.byteLength),
    reads,
    read(offset, len) {
      reads.push([offset, len]);
      return missing ? undefined : bytes.slice(Number(offset), Number(offset) + len);
    },
  };
}

test('indirect tables in a read-on-demand source are read once, at their offset; buffers there are checked without being read', () => {
  const ram = new Uint8Array(0x4000);
  const v = new DataView(ram.buffer);
  // An indirect table of two entries at 0x3000: a readable buffer at 0x100, a writable one at 0x200.
  v.setBigUint64(0x3000, 0x100n, true); v.setUint32(0x3008, 16, true); v.setUint16(0x300c, NEXT, true); v.setUint16(0x300e, 1, true);
  v.setBigUint64(0x3010, 0x200n, true); v.setUint32(0x3018, 64, true); v.setUint16(0x301c, WRITE, true);
  const src = source(ram);
  const memory = new GuestMemory().mapSource(0, src);
  const q = splitQueue(memory);
  q.desc(0, 0x3000n, 32, INDIRECT);
  walkSplitChain(q.ring, 0, q.chain);
  assert.deepEqual(src.reads, [[0x3000n, 32]]);
  assert.equal(q.chain.count, 3);
  assert.deepEqual([q.chain.readable, q.chain.writable, q.chain.unchecked], [16, 64, 0]);
  assert.deepEqual([...q.chain.region.subarray(1, 3)], [0, 0]);
  // A buffer in such a region has no port to read through: a typed error.
  assert.throws(() => q.chain.readBuffer(1, new Uint8Array(4)), (e: unknown) => e instanceof GuestMemoryError && e.code === 'GUEST_MEMORY_NO_PORT');
  // Memory declared by size only: the table resolves but cannot be read.
  const sized = splitQueue(new GuestMemory().mapSource(0, source(ram, true)));
  sized.desc(0, 0x3000n, 32, INDIRECT);
  throwsCode(() => walkSplitChain(sized.ring, 0, sized.chain), 'VIRTQ_INDIRECT_UNREADABLE');
  // A table running past the end of declared memory is outside it.
  sized.desc(0, 0x3ff0n, 32, INDIRECT);
  throwsCode(() => walkSplitChain(sized.ring, 0, sized.chain), 'VIRTQ_ADDR_UNMAPPED');
});

test('a device keeps its strictness: SplitDevice and PackedDevice refuse unmapped buffers and change nothing', () => {
  const memory = new GuestMemory();
  const port = memory.mapNew(0, 0x1000);
  const v = port.view;
  v.setBigUint64(0, 0x90000n, true); v.setUint32(8, 16, true);
  v.setUint16(0x102, 1, true);
  const dev = new SplitDevice({ memory, size: 4, desc: 0, avail: 0x100, used: 0x200 });
  const before = port.bytes.slice();
  throwsCode(() => dev.pop(), 'VIRTQ_ADDR_UNMAPPED');
  assert.equal(dev.lastAvail, 0);
  assert.deepEqual(port.bytes, before);

  const pmem = new GuestMemory();
  const pport = pmem.mapNew(0, 0x1000);
  pport.view.setBigUint64(0, 0x90000n, true); pport.view.setUint32(8, 16, true); pport.view.setUint16(14, AVAIL_BIT, true);
  const pdev = new PackedDevice({ memory: pmem, size: 4, desc: 0, driverEvent: 0x100, deviceEvent: 0x104 });
  throwsCode(() => pdev.pop(), 'VIRTQ_ADDR_UNMAPPED');
  assert.equal(pdev.nextAvail, 0);
});

test('packed walk: the same policy and the same shared rules (buffers in an indirect table, unreadable tables)', () => {
  const memory = new GuestMemory();
  memory.mapNew(0x10000, 0x1000);
  const rings = new GuestMemory();
  const port = rings.mapNew(0, 0x1000);
  const ring = new PackedRing({ memory, ringMemory: rings, size: 4, desc: 0, driverEvent: 0x100, deviceEvent: 0x104, indirect: true });
  const v = port.view;
  const desc = (p: number, addr: bigint, len: number, flags: number, id = 0) => {
    v.setBigUint64(p * 16, addr, true); v.setUint32(p * 16 + 8, len, true); v.setUint16(p * 16 + 12, id, true); v.setUint16(p * 16 + 14, flags | AVAIL_BIT, true);
  };
  const chain = new DescChain(16, memory);
  desc(0, 0x10000n, 16, NEXT);
  desc(1, 0x90000n, 64, WRITE, 3);
  throwsCode(() => walkPackedChain(ring, 0, 1, chain), 'VIRTQ_ADDR_UNMAPPED');
  walkPackedChain(ring, 0, 1, chain, 'not-checked');
  assert.deepEqual([chain.id, chain.ringCount, chain.unchecked], [3, 2, 1]);
  assert.deepEqual([...chain.region.subarray(0, 2)], [0, BUFFER_NOT_CHECKED]);
  desc(1, 0x90000n, 64, 0, 3);
  desc(0, 0x10000n, 16, NEXT | WRITE);
  throwsCode(() => walkPackedChain(ring, 0, 1, chain, 'not-checked'), 'VIRTQ_READ_AFTER_WRITE');
  desc(0, 0x20000n, 32, INDIRECT, 2);
  throwsCode(() => walkPackedChain(ring, 0, 1, chain), 'VIRTQ_ADDR_UNMAPPED');
  throwsCode(() => walkPackedChain(ring, 0, 1, chain, 'not-checked'), 'VIRTQ_INDIRECT_UNREADABLE');
  // A walk that failed leaves nothing behind for the next one (no walk state outside the DescChain).
  desc(0, 0x10000n, 16, 0, 1);
  walkPackedChain(ring, 0, 1, chain);
  assert.deepEqual([chain.id, chain.readable, chain.writable], [1, 16, 0]);
});

test('GuestMemory: source regions take part in overlap checks, region() and load()', () => {
  const m = new GuestMemory().mapSource(0x1000, source(new Uint8Array(0x1000)));
  throwsCode(() => m.mapNew(0x1800, 0x100), 'VIRTQ_BAD_GEOMETRY');
  throwsCode(() => m.mapSource(2n ** 53n, source(new Uint8Array(1))), 'VIRTQ_BAD_GEOMETRY');
  const port = m.mapNew(0x4000, 0x100);
  assert.throws(() => m.region(0), (e: unknown) => e instanceof GuestMemoryError && e.code === 'GUEST_MEMORY_NO_PORT' && e.index === 0);
  assert.equal(m.region(1).port, port);
  // load() on a port region hands back the port itself (no copy); on a source, a private copy.
  assert.equal(m.resolveNumber(0x4010, 8), 1);
  assert.equal(m.load(1, 8), port);
  assert.equal(m.offset, 0x10);
  assert.equal(m.resolveNumber(0x1ff0, 16), 0);
  const copy = m.load(0, 16);
  assert.ok(copy !== undefined && copy.bytes.byteLength === 16);
  assert.equal(m.offset, 0);
  assert.throws(() => m.load(7, 1), (e: unknown) => e instanceof GuestMemoryError && e.code === 'GUEST_MEMORY_NO_REGION');
  // read() works on a source region; memory declared by size only cannot supply bytes; writes need a port.
  const bytes = new Uint8Array(0x1000);
  bytes[0x10] = 0xab;
  const r = new GuestMemory().mapSource(0x1000, source(bytes)).mapSource(0x8000, source(bytes, true));
  const dst = new Uint8Array(2);
  r.read(0x1010, dst);
  assert.deepEqual([...dst], [0xab, 0]);
  assert.throws(() => r.read(0x8000, dst), (e: unknown) => e instanceof GuestMemoryError && e.code === 'GUEST_MEMORY_UNREADABLE');
  assert.throws(() => r.write(0x1000, dst), (e: unknown) => e instanceof GuestMemoryError && e.code === 'GUEST_MEMORY_NO_PORT');
  throwsCode(() => r.read(0x3000, dst), 'VIRTQ_ADDR_UNMAPPED');
});

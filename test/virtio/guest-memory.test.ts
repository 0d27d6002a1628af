/** GuestMemory: mapping, bounds checks with overflow, and reads/writes through region ports. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory, GuestMemoryError } from '../../src/virtio/index.js';
import { PlainRingPort } from '../../src/index.js';
import { throwsCode } from './helpers.js';

test('resolve: inside, straddling, past the end, above 2^53, wrapping 2^64', () => {
  const m = new GuestMemory([{ gpa: 0x1000, port: new PlainRingPort(new ArrayBuffer(0x100)) }]);
  m.map(0x2_0000_0000n, new PlainRingPort(new ArrayBuffer(0x10)));
  assert.equal(m.regionCount, 2);
  assert.equal(m.resolveNumber(0x1010, 0x10), 0);
  assert.equal(m.offset, 0x10);
  assert.equal(m.resolveNumber(0x10f0, 0x10), 0);
  assert.equal(m.resolveNumber(0x10f0, 0x11), -1);
  assert.equal(m.resolveNumber(0x1100, 0), -1); // len 0 asks whether the address itself is mapped
  assert.equal(m.resolveNumber(0x10ff, 0), 0);
  assert.equal(m.resolveNumber(0x2_0000_0008, 8), 1);
  assert.equal(m.offset, 8);
  assert.equal(m.resolveNumber(-1, 1), -1);
  assert.equal(m.resolveNumber(2 ** 60, 1), -1);
  assert.equal(m.resolve(0xffffff00, 0xffffffff, 0x100), -1); // ends exactly at 2^64: unmapped, not wrapping
  assert.equal(m.resolve(0xffffff00, 0xffffffff, 0x101), -2);
  assert.throws(() => m.region(2), (e: unknown) => e instanceof GuestMemoryError && e.code === 'GUEST_MEMORY_NO_REGION' && e.index === 2);
});

test('read and write go through the region port, bounds-checked', () => {
  const m = new GuestMemory();
  const written: number[] = [];
  const port = new PlainRingPort(new ArrayBuffer(0x40));
  const spy = Object.assign(Object.create(port) as PlainRingPort, {
    write(offset: number, src: Uint8Array) { written.push(offset); port.write(offset, src); },
  });
  m.map(0x100, spy);
  m.write(0x110, new Uint8Array([1, 2, 3]));
  assert.deepEqual(written, [0x10]);
  const dst = new Uint8Array(4);
  m.read(0x10f, dst);
  assert.deepEqual([...dst], [0, 1, 2, 3]);
  throwsCode(() => m.read(0x13e, dst), 'VIRTQ_ADDR_UNMAPPED');
  throwsCode(() => m.write(0xffff_ffff_ffff_fffen, dst), 'VIRTQ_ADDR_WRAP');
  throwsCode(() => m.portFor(-1n, 1, 'x'), 'VIRTQ_ADDR_UNMAPPED');
});

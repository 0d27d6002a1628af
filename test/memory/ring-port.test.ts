import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlainRingPort, RingwireError, CodecError } from '../../src/index.js';
import { PortError } from '../../src/memory/port-error.js';
import { checkHostByteOrder } from '../../src/memory/ring-port.js';

for (const kind of ['ArrayBuffer', 'SharedArrayBuffer'] as const) {
  test(`PlainRingPort over ${kind}: index words, payload writes and notifications`, () => {
    const buf = kind === 'ArrayBuffer' ? new ArrayBuffer(128) : new SharedArrayBuffer(128);
    const seen: number[] = [];
    const port = new PlainRingPort(buf, 64, 64, (ch) => seen.push(ch));
    assert.equal(port.shared, kind === 'SharedArrayBuffer');
    assert.equal(port.bytes.length, 64);
    port.storeIndex32(4, 0xfffffffe);
    assert.equal(port.loadIndex32(4), 0xfffffffe);
    assert.equal(new DataView(buf).getUint32(68, true), 0xfffffffe, 'little-endian at the region offset');
    port.storeIndex16(10, 0x1ffff);
    assert.equal(port.loadIndex16(10), 0xffff);
    port.write(16, new Uint8Array([1, 2, 3]));
    port.writeU8(19, 4);
    port.writeU16(20, 0x0605, true);
    port.writeU32(22, 0x0a090807, true);
    port.writeU64(26, 0x1211100f0e0d0c0bn, true);
    port.writeU16(34, 0x1314, false);
    assert.deepEqual([...new Uint8Array(buf, 80, 20)], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 0x13, 0x14]);
    port.fill(16, 4, 0);
    assert.deepEqual([...port.bytes.subarray(16, 21)], [0, 0, 0, 0, 5]);
    port.fence();
    port.notify(3);
    port.notify(7);
    assert.deepEqual(seen, [3, 7]);
  });
}

test('PlainRingPort over a whole buffer', () => {
  const p = new PlainRingPort(new ArrayBuffer(64));
  assert.equal(p.bytes.length, 64);
  p.notify(1); // no handler: a no-op
});

test('errors carry code, location and expected/received, and serialise to JSON', () => {
  const e = new CodecError('CODEC_OUT_OF_RANGE', 'x does not fit', { offset: 8, index: 2, path: 'a.b', expected: '0..255', received: 300n, rule: 'C type' });
  assert.ok(e instanceof RingwireError);
  assert.equal(e.name, 'CodecError');
  assert.deepEqual(e.toJSON(), { code: 'CODEC_OUT_OF_RANGE', message: 'x does not fit', offset: 8, index: 2, path: 'a.b', expected: '0..255', received: '300', rule: 'C type' });
  assert.deepEqual(new RingwireError('X', 'm').toJSON(), { code: 'X', message: 'm' });
});

test('PlainRingPort refuses bad regions, misaligned or out-of-region index words and writes with PortError, writing nothing', () => {
  const region = (fn: () => unknown, code: string, offset?: number) =>
    assert.throws(fn, (e: unknown) => e instanceof PortError && e instanceof RingwireError && e.code === code && (offset === undefined || e.offset === offset));
  region(() => new PlainRingPort(new ArrayBuffer(64), 2), 'PORT_BAD_REGION', 2);
  region(() => new PlainRingPort(new ArrayBuffer(64), 0, 65), 'PORT_BAD_REGION', 0);
  region(() => new PlainRingPort(new ArrayBuffer(64), -4), 'PORT_BAD_REGION', -4);
  for (const kind of ['ArrayBuffer', 'SharedArrayBuffer'] as const) {
    const buf = kind === 'ArrayBuffer' ? new ArrayBuffer(64) : new SharedArrayBuffer(64);
    const p = new PlainRingPort(buf, 16, 32);
    region(() => p.loadIndex32(2), 'PORT_MISALIGNED_INDEX', 2);
    region(() => p.storeIndex32(6, 1), 'PORT_MISALIGNED_INDEX', 6);
    region(() => p.loadIndex16(3), 'PORT_MISALIGNED_INDEX', 3);
    region(() => p.storeIndex16(1, 1), 'PORT_MISALIGNED_INDEX', 1);
    region(() => p.loadIndex32(32), 'PORT_OUT_OF_BOUNDS', 32);
    region(() => p.storeIndex32(-4, 1), 'PORT_OUT_OF_BOUNDS', -4);
    region(() => p.loadIndex16(32), 'PORT_OUT_OF_BOUNDS', 32);
    region(() => p.storeIndex16(32, 1), 'PORT_OUT_OF_BOUNDS', 32);
    region(() => p.write(30, new Uint8Array(4)), 'PORT_OUT_OF_BOUNDS', 30);
    region(() => p.writeU8(32, 1), 'PORT_OUT_OF_BOUNDS', 32);
    region(() => p.writeU16(31, 1, true), 'PORT_OUT_OF_BOUNDS', 31);
    region(() => p.writeU32(29, 1, true), 'PORT_OUT_OF_BOUNDS', 29);
    region(() => p.writeU64(25, 1n, true), 'PORT_OUT_OF_BOUNDS', 25);
    region(() => p.fill(20, 13, 1), 'PORT_OUT_OF_BOUNDS', 20);
    assert.deepEqual([...new Uint8Array(buf)], new Array(64).fill(0), `${kind}: nothing written, in or around the region`);
  }
});

test('a big-endian host is refused with PORT_BIG_ENDIAN_HOST', () => {
  assert.throws(() => checkHostByteOrder(false), (e: unknown) => e instanceof PortError && e.code === 'PORT_BIG_ENDIAN_HOST');
  checkHostByteOrder(true);
});

/** The core's table-driven CRC-32 against zlib's (node:zlib crc32, Node >= 20.15), on seeded random data. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { crc32 } from '../../src/trace/index.js';
import { rng, seedFromEnv } from '../virtio/rng.js';
import { seededBytes } from './trace-fixtures.js';

const zcrc = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
const seed = seedFromEnv(0xc3c3);

test('crc32 of the standard check string "123456789" is 0xcbf43926', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test(`crc32 equals zlib.crc32 on random data, whole and continued piece by piece (seed ${seed})`, (t) => {
  if (typeof zcrc !== 'function') {
    t.skip('zlib.crc32 needs Node 20.15 or later');
    return;
  }
  const rand = rng(seed);
  for (let i = 0; i < 200; i++) {
    const b = seededBytes(rand, Math.floor(rand() * 5000));
    const whole: number = zcrc(b);
    assert.equal(crc32(b), whole, `length ${b.length}`);
    const cut = Math.floor(rand() * (b.length + 1));
    assert.equal(crc32(b, crc32(b, 0, 0, cut), cut), whole, 'continued over a range');
    assert.equal(crc32(b.subarray(cut), zcrc(b.subarray(0, cut))), whole, 'continued from zlib');
  }
});

/**
 * The core's slice-by-8 CRC-32 against a bitwise reference (one shift per bit, as the polynomial defines it),
 * known check values, and zlib's (node:zlib crc32, Node >= 20.15), on seeded random data at every alignment
 * and length around the 8-byte step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { crc32 } from '../../src/trace/index.js';
import { rng, seedFromEnv } from '../virtio/rng.js';
import { seededBytes } from './trace-fixtures.js';

const zcrc = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
const seed = seedFromEnv(0xc3c3);

/** CRC-32 bit by bit: reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF. No table. */
function crc32Bitwise(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (const x of bytes) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

test('crc32 of known vectors (the standard check string, zeros, ones, a pangram), table and bitwise alike', () => {
  const vectors: [Uint8Array, number][] = [
    [new Uint8Array(0), 0],
    [ascii('a'), 0xe8b7be43],
    [ascii('123456789'), 0xcbf43926],
    [ascii('The quick brown fox jumps over the lazy dog'), 0x414fa339],
    [new Uint8Array(32), 0x190a55ad],
    [new Uint8Array(32).fill(0xff), 0xff6cab0b],
  ];
  for (const [b, want] of vectors) {
    assert.equal(crc32Bitwise(b), want, `bitwise, ${b.length} bytes`);
    assert.equal(crc32(b), want, `table, ${b.length} bytes`);
  }
});

test(`crc32 equals the bitwise reference on random data: every length 0..80 at every start 0..7, and continued (seed ${seed})`, () => {
  const rand = rng(seed);
  const b = seededBytes(rand, 4096);
  for (let start = 0; start < 8; start++) {
    for (let len = 0; len <= 80; len++) {
      const piece = b.subarray(start, start + len);
      assert.equal(crc32(b, 0, start, start + len), crc32Bitwise(piece), `start ${start}, length ${len}`);
    }
  }
  for (let i = 0; i < 200; i++) {
    const n = Math.floor(rand() * 4000);
    const start = Math.floor(rand() * (b.length - n));
    const piece = b.subarray(start, start + n);
    const want = crc32Bitwise(piece);
    assert.equal(crc32(b, 0, start, start + n), want, `start ${start}, length ${n}`);
    const cut = start + Math.floor(rand() * (n + 1));
    assert.equal(crc32(b, crc32(b, 0, start, cut), cut, start + n), want, 'continued over a range');
    assert.equal(crc32(piece, crc32Bitwise(b.subarray(start, cut)), cut - start), want, 'continued from the reference');
  }
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

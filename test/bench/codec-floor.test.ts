/**
 * The codec bench's hand-written floor does the same work as ringwire: the same bytes written, the same record
 * read back, and a refusal wherever ringwire's typed codec refuses (so a floor row times the same checks).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codecFor } from '../../src/index.js';
import { handDecodeInto, handEncode, handEncodeUnchecked, type BlkifNumbers } from './codec-floor.js';

const codec = codecFor('blkif_request', { int64: 'number' });

function sample(i: number): BlkifNumbers {
  return {
    operation: i & 0xff, nr_segments: (i * 7) & 0xff, handle: (i * 4099) & 0xffff, id: 0x07060504030201 + i * 0x10001, sector_number: 2 ** 40 + i * 8,
    seg: Array.from({ length: 11 }, (_, s) => ({ gref: (0xfffffff0 + i * 16 + s) >>> 0, first_sect: s, last_sect: 255 - s })),
  };
}

test('hand-written blkif_request encodes (checked and not) write the bytes ringwire writes', () => {
  const ours = new DataView(new ArrayBuffer(8 * 112));
  const hand = new DataView(new ArrayBuffer(8 * 112));
  new Uint8Array(ours.buffer).fill(0xa5);
  const bare = new DataView(new ArrayBuffer(8 * 112));
  new Uint8Array(hand.buffer).fill(0x5a);
  new Uint8Array(bare.buffer).fill(0x3c);
  for (let i = 0; i < 8; i++) {
    assert.equal(codec.encode(sample(i), ours, i * 112), 112);
    assert.equal(handEncode(sample(i), hand, i * 112), 112);
    handEncodeUnchecked(sample(i), bare, i * 112);
  }
  assert.deepEqual(new Uint8Array(hand.buffer), new Uint8Array(ours.buffer));
  assert.deepEqual(new Uint8Array(bare.buffer), new Uint8Array(ours.buffer), 'the unchecked floor stores the same bytes');
});

test('hand-written blkif_request decodeInto reads what ringwire reads', () => {
  const ring = new DataView(new ArrayBuffer(8 * 112));
  const words = new Uint32Array(ring.buffer);
  const ours = codec.decode(ring, 0);
  const hand = codec.decode(ring, 0) as BlkifNumbers;
  for (let i = 0; i < 8; i++) {
    codec.encode(sample(i), ring, i * 112);
    codec.decodeInto(ring, i * 112, ours);
    handDecodeInto(ring, words, i * 112, hand);
    assert.deepEqual(hand, ours);
    assert.deepEqual(hand, sample(i));
  }
});

test('the floor refuses what ringwire refuses', () => {
  const dv = new DataView(new ArrayBuffer(112));
  const bad: [string, (v: BlkifNumbers) => void][] = [
    ['nr_segments 256', (v) => { v.nr_segments = 256; }],
    ['handle 65536', (v) => { v.handle = 0x10000; }],
    ['id 2^53', (v) => { v.id = 2 ** 53; }],
    ['sector_number -1', (v) => { v.sector_number = -1; }],
    ['10 segments', (v) => { v.seg.pop(); }],
    ['gref 2^32', (v) => { v.seg[3]!.gref = 2 ** 32; }],
    ['last_sect 1.5', (v) => { v.seg[10]!.last_sect = 1.5; }],
  ];
  for (const [what, spoil] of bad) {
    const v = sample(1);
    spoil(v);
    assert.throws(() => codec.encode(v, dv, 0), { name: 'CodecError' }, `ringwire: ${what}`);
    assert.throws(() => handEncode(v, dv, 0), (e) => e instanceof RangeError || e instanceof TypeError, `floor: ${what}`);
    assert.deepEqual(new Uint8Array(dv.buffer), new Uint8Array(112), `nothing written: ${what}`);
  }
  assert.throws(() => handEncode(sample(1), dv, 8), RangeError);
  dv.setUint32(12, 0x200000, true); // id = 2^53
  const t = codec.decode(new DataView(new ArrayBuffer(112)), 0) as BlkifNumbers;
  assert.throws(() => codec.decodeInto(dv, 0, t as never), { name: 'CodecError' });
  assert.throws(() => handDecodeInto(dv, new Uint32Array(dv.buffer), 0, t), RangeError);
});

/**
 * The Xen bench's hand-written floor does the same work as ringwire's record API: after the same requests in
 * the same batches, the ring page holds the same bytes (requests, responses, indices, event words), and it
 * refuses what ringwire's ends refuse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedRing, ringType } from '../../src/xen/index.js';
import { HandBlkifPair, handSingleThread, newRing } from './xen-floor.js';
import { singleThreadRecords } from './xen-decompose.js';

test('a fresh hand-written ring page is the page SHARED_RING_INIT makes', () => {
  const ours = new SharedArrayBuffer(4096);
  SharedRing.init(ours, ringType('blkif'));
  assert.deepEqual(new Uint8Array(newRing()), new Uint8Array(ours));
});

for (const [batch, total] of [[1, 5], [32, 32], [32, 75], [7, 100]] as const) {
  test(`hand-written blkif round trips leave ringwire's ring bytes (batch ${batch}, ${total} requests)`, () => {
    const ours = new SharedArrayBuffer(4096);
    const hand = newRing();
    singleThreadRecords(batch, total, ours);
    handSingleThread(batch, total, hand);
    assert.deepEqual(new Uint8Array(hand), new Uint8Array(ours));
  });
}

test('the floor refuses what ringwire refuses', () => {
  const p = new HandBlkifPair(newRing());
  const seg = new Uint32Array([1, 0, 7]);
  assert.throws(() => p.queue(5, 0, 0, 1, seg), RangeError, 'an operation queueRecord does not take');
  assert.throws(() => p.queue(0, 0x10000, 0, 1, seg), RangeError, 'handle');
  assert.throws(() => p.queue(0, 0, 2 ** 53, 1, seg), RangeError, 'sector');
  assert.throws(() => p.queue(0, 0, 0, 12, new Uint32Array(36)), RangeError, 'nr_segments');
  assert.throws(() => p.queue(0, 0, 0, 1, new Uint32Array([1, 256, 7])), RangeError, 'first_sect');
  assert.throws(() => p.respond(0, 0, 0, 0), RangeError, 'a response with no request');
  // A request whose sectors run backwards is refused by the backend's check of its private copy.
  p.queue(0, 0, 0, 1, new Uint32Array([1, 5, 3]));
  p.pushRequests();
  assert.throws(() => p.take(), /sectors/);
});

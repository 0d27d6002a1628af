/**
 * A codec or field view for one ABI refuses memory a ring has tagged for another ABI on which the struct is
 * laid out differently (blkif_request.id at 4 on x86_32, at 8 on x86_64), rather than reading wrong offsets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError, SharedRing, codecFor, fieldView, layoutOf, ringType } from '../../src/index.js';
import { tagAbi, taggedAbi } from '../../src/codec/abi-tag.js';

const mismatch = (offset: number, expected: string, received: string) => (e: unknown) =>
  e instanceof CodecError && e.code === 'CODEC_ABI_MISMATCH' && e.offset === offset && e.expected === expected && e.received === received
  && new RegExp(`laid out for ${received}`).test(e.message);

const seg = Array.from({ length: 11 }, (_, i) => ({ gref: i, first_sect: 0, last_sect: 7 }));
const request = { operation: 1, nr_segments: 1, handle: 0, id: 0x0807060504030201n, sector_number: 9n, seg };

test('blkif memory attached for x86_32 is refused by x86_64 decode, encode, describe and read/write, and left untouched', () => {
  const sab = new SharedArrayBuffer(8192);
  const sring = SharedRing.init(sab, ringType('blkif', { abi: 'x86_32' }), { byteOffset: 4096 });
  const bytes = new Uint8Array(sab, 4096, 4096);
  const slot = sring.ringOffset; // entry 0
  const c32 = codecFor('blkif_request', { abi: 'x86_32' });
  c32.encode(request, bytes, slot);
  assert.equal(c32.decode(bytes, slot).id, request.id);
  const before = Buffer.from(bytes).toString('hex');

  const c64 = codecFor('blkif_request', { abi: 'x86_64' });
  assert.throws(() => c64.decode(bytes, slot), mismatch(slot, 'x86_64', 'x86_32'));
  assert.throws(() => c64.encode(request, bytes, slot), mismatch(slot, 'x86_64', 'x86_32'));
  assert.throws(() => c64.describe(new DataView(sab, 4096), slot), mismatch(slot, 'x86_64', 'x86_32'));
  const id64 = fieldView(layoutOf('blkif_request', { abi: 'x86_64' }), 'id');
  assert.equal(id64.kind, 'bigint');
  if (id64.kind !== 'bigint') return;
  assert.throws(() => id64.read(bytes, slot), mismatch(slot + 8, 'x86_64', 'x86_32'));
  assert.throws(() => id64.write(bytes, slot, 1n), mismatch(slot + 8, 'x86_64', 'x86_32'));
  assert.equal(Buffer.from(bytes).toString('hex'), before, 'nothing was written');
  // The hot path does not check (documented): get reads the x86_64 offset, which is the wrong value here.
  assert.notEqual(id64.get(new DataView(sab, 4096), slot), request.id);
  // The right ABI's view reads the right value.
  const id32 = fieldView(layoutOf('blkif_request', { abi: 'x86_32' }), 'id');
  assert.equal(id32.read(bytes, slot), request.id);
  // The ring header (xen_sring_header) is laid out alike on every ABI: any codec may read it.
  assert.doesNotThrow(() => codecFor('xen_sring_header', { abi: 'x86_64' }).decode(bytes, 0));
  // Memory outside the ring is not tagged.
  assert.doesNotThrow(() => c64.decode(new Uint8Array(sab, 0, 4096), 0));
});

test('structs laid out alike on both ABIs are not refused; untagged memory never is; a new attach replaces the tag', () => {
  const buf = new ArrayBuffer(4096);
  SharedRing.init(buf, ringType('netif_tx', { abi: 'x86_32' }));
  const bytes = new Uint8Array(buf);
  const tx = { gref: 1, offset: 2, flags: 3, id: 4, size: 5 };
  codecFor('netif_tx_request', { abi: 'x86_64' }).encode(tx, bytes, 64);
  assert.deepEqual(codecFor('netif_tx_request', { abi: 'arm' }).decode(bytes, 64), tx);
  assert.doesNotThrow(() => codecFor('blkif_request', { abi: 'x86_64' }).decode(new Uint8Array(4096), 64));

  const blk = new ArrayBuffer(4096);
  SharedRing.attach(blk, ringType('blkif', { abi: 'x86_32' }));
  assert.equal(taggedAbi(blk, 64, 112), 'x86_32');
  assert.throws(() => codecFor('blkif_request').decode(new Uint8Array(blk), 64), mismatch(64, 'x86_64', 'x86_32'));
  SharedRing.attach(blk, ringType('blkif', { abi: 'x86_64' }));
  assert.equal(taggedAbi(blk, 64, 112), 'x86_64');
  assert.doesNotThrow(() => codecFor('blkif_request').decode(new Uint8Array(blk), 64));
  // Tags are per range: a second range of the same buffer keeps its own ABI.
  tagAbi(blk, 2048, 112, 'x86_32');
  assert.equal(taggedAbi(blk, 2048, 1), 'x86_32');
  assert.throws(() => codecFor('blkif_request').decode(new Uint8Array(blk), 2048 - 8), mismatch(2040, 'x86_64', 'x86_32'));
});

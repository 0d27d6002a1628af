/**
 * The blkif record path allocates nothing per request: 10^6 round trips through BlkifFront.queueRecord /
 * push / BlkifBack.takeRecords / nextRecord / respondRecord / push / BlkifFront.pollRecords neither trigger a
 * garbage collection nor grow the heap beyond a small constant (the method of test/perf/zero-alloc.test.ts).
 * The object path, for contrast, is seen to allocate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedRing, FrontRing, BackRing, BlkifFront, BlkifBack, BlkifRecord, ringType, BLKIF_OP_READ, BLKIF_OP_WRITE } from '../../src/xen/index.js';
import { OPS, SLACK, allocationOf } from '../helpers/allocation.js';

function ends() {
  const s = SharedRing.init(new ArrayBuffer(4096), ringType('blkif'));
  return { front: new BlkifFront(FrontRing.attach(s)), back: new BlkifBack(BackRing.attach(s)) };
}

test('blkif record path: 10^6 requests queued, taken, answered and completed without allocating', async () => {
  const { front, back } = ends();
  const seg = new Uint32Array(33);
  const r = new BlkifRecord();
  let sum = 0;
  const done = (idLo: number, _idHi: number, op: number, status: number): void => { sum += idLo + op + status; };
  let n = 0;
  const { gcs, grew } = await allocationOf((count) => {
    for (let i = 0; i < count; i += 4) {
      for (let k = 0; k < 4; k++) {
        const nseg = (n % 11) + 1;
        for (let j = 0; j < nseg; j++) { seg[3 * j] = n + j; seg[3 * j + 1] = 0; seg[3 * j + 2] = 7; }
        front.queueRecord(n % 3 === 0 ? BLKIF_OP_WRITE : BLKIF_OP_READ, n & 0xffff, n * 8, nseg, seg);
        n++;
      }
      front.push();
      back.takeRecords();
      while (back.nextRecord(r)) back.respondRecord(r, r.gref[0] === r.sectorLo / 8 ? 0 : -1);
      back.push();
      front.pollRecords(done);
    }
  });
  assert.equal(front.outstanding, 0);
  assert.ok(sum > 0);
  assert.equal(gcs, 0, `${gcs} garbage collection(s) during ${OPS} requests`);
  assert.ok(grew < SLACK, `the heap grew ${grew} bytes over ${OPS} requests`);
});

test('the same check sees the object path allocate', async () => {
  const { front, back } = ends();
  const { gcs, grew } = await allocationOf((count) => {
    for (let i = 0; i < count; i++) {
      front.queue({ op: 'read', sector: 8n, segments: [{ gref: 1, first_sect: 0, last_sect: 7 }] });
      front.push();
      for (const q of back.take()) back.respond(q, 0);
      back.push();
      front.poll();
    }
  });
  assert.ok(gcs > 0 || grew >= SLACK, 'objects per request are seen');
});

/**
 * The record-level paths allocate nothing per record: 10^6 operations on each (struct views, Xen ring
 * push / copy / respond, a virtio chain walk round trip, a trace read) must neither trigger a garbage
 * collection nor grow the heap beyond a small constant. The heap is measured after a warm-up (so the
 * JIT's own allocations are done) with V8's gc exposed for the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  codecFor, layoutOf, numberField, bigField, elementField, encode, ringType, SharedRing, PlainRingPort, FrontRing, BackRing,
  GuestMemory, SplitDriver, SplitDevice, PackedDriver, PackedDevice, TraceReader, GrowableSink, TraceRecorder, recordXenRing,
  TraceStreamReader,
} from '../../src/index.js';
import { ATTEMPTS, OPS, SLACK, allocationOf } from '../helpers/allocation.js';

async function assertNoAllocation(name: string, step: (n: number) => void | Promise<void>): Promise<void> {
  const { gcs, grew, attempts } = await allocationOf(step);
  assert.equal(gcs, 0, `${name}: ${gcs} garbage collection(s) during ${OPS} operations (attempt ${attempts})`);
  assert.ok(grew < SLACK, `${name}: the heap grew ${grew} bytes over ${OPS} operations (attempt ${attempts})`);
}

test('the allocation check itself catches a path that allocates', async () => {
  const keep: unknown[] = [];
  const { gcs, grew, attempts } = await allocationOf((n) => { for (let i = 0; i < n; i++) keep[i & 1023] = { i }; });
  assert.ok(gcs > 0 || grew >= SLACK, 'an object per operation is seen');
  assert.equal(attempts, ATTEMPTS, 'an allocating path is measured on every attempt before it is called allocating');
});

test('struct views read and write in place without allocating (64-bit members as numbers and halves)', async () => {
  const blk = layoutOf('blkif_request');
  const dv = new DataView(new ArrayBuffer(64 * blk.size));
  const seg = Array.from({ length: 11 }, (_v, s) => ({ gref: s, first_sect: 0, last_sect: 7 }));
  for (let i = 0; i < 64; i++) encode(blk, { operation: 1, nr_segments: 11, handle: i, id: BigInt(i), sector_number: BigInt(i * 8), seg }, dv, i * blk.size);
  const nr = numberField(blk, 'nr_segments');
  const id = bigField(blk, 'id');
  const sector = bigField(blk, 'sector_number');
  const gref = elementField(blk, 'seg', 'gref');
  let acc = 0;
  await assertNoAllocation('views', (n) => {
    for (let i = 0; i < n; i++) {
      const b = (i & 63) * blk.size;
      acc += nr.get(dv, b) + id.getLo(dv, b) + id.getHi(dv, b) + sector.getNumber(dv, b) + gref.get(dv, b + (i % 11) * gref.stride);
      nr.set(dv, b, 11);
      sector.setNumber(dv, b, (i & 63) * 8);
    }
  });
  assert.ok(acc > 0);
});

test('decodeInto with int64 \'number\' refills a reused blkif_request without allocating', async () => {
  // Two rings in turn (each read as 32-bit words through its own view, made once), and a third at an odd
  // offset (read through DataView).
  const blk = codecFor('blkif_request', { int64: 'number' });
  const rings = [0, 0, 1].map((shift) => new DataView(new ArrayBuffer(64 * blk.size + 4), shift, 64 * blk.size));
  for (const ring of rings) {
    for (let i = 0; i < 64; i++) {
      const seg = Array.from({ length: 11 }, (_v, s) => ({ gref: i * 16 + s, first_sect: 0, last_sect: 7 }));
      blk.encode({ operation: 1, nr_segments: 11, handle: i, id: 0x07060504030201 + i, sector_number: 2 ** 40 + i * 8, seg }, ring, i * blk.size);
    }
  }
  const t = blk.decode(rings[0]!, 0);
  let acc = 0;
  await assertNoAllocation('decodeInto (number)', (n) => {
    for (let i = 0; i < n; i++) {
      const r = blk.decodeInto(rings[i % 3]!, (i & 63) * blk.size, t);
      acc += r.nr_segments + r.seg[i % 11]!.gref + (r.id > 2 ** 50 ? 1 : 0) + (r.sector_number & 7);
    }
  });
  assert.ok(acc > 0);
  assert.equal(t.id, 0x07060504030201 + ((OPS - 1) & 63));
});

test('a Xen ring: write, push, copy and respond, take the response, without allocating', async () => {
  const type = ringType('blkif', { abi: 'x86_64' });
  const port = new PlainRingPort(new ArrayBuffer(4096), 0, 4096);
  const sring = SharedRing.overPort(port, type, 0);
  const front = FrontRing.attach(sring, 0, { channel: 1 });
  const back = BackRing.attach(sring, 0, { channel: 1 });
  const req = new Uint8Array(type.request.size);
  const rsp = new Uint8Array(type.response.size);
  const into = new Uint8Array(type.request.size);
  const rspInto = new Uint8Array(type.response.size);
  let seen = 0;
  await assertNoAllocation('xen ring', (n) => {
    for (let i = 0; i < n; i++) {
      req[0] = i & 0xff;
      front.writeRequest(front.reqProdPvt, req);
      front.reqProdPvt++;
      front.pushRequestsAndCheckNotify();
      const prod = back.checkedRequestProd();
      while (back.reqCons !== prod) {
        seen += back.copyRequest(back.reqCons, into)[0] as number;
        back.reqCons++;
        back.writeResponse(back.nextResponseIndex(), rsp);
      }
      back.pushResponsesAndCheckNotify();
      const rprod = front.checkedResponseProd();
      while (front.rspCons !== rprod) { front.copyResponse(front.rspCons, rspInto); front.rspCons++; }
      front.finalCheckForResponses();
      back.finalCheckForRequests();
    }
  });
  assert.ok(seen > 0);
});

test('virtio split and packed round trips (add, pop and walk, push used, reclaim) without allocating', async () => {
  const bufs = [{ addr: 0x10000, len: 64 }, { addr: 0x10100, len: 64 }, { addr: 0x10200, len: 64, write: true }];
  const mem = (): GuestMemory => { const m = new GuestMemory(); m.mapNew(0, 0x10000); m.mapNew(0x10000, 0x1000); return m; };
  const s = { memory: mem(), size: 256, desc: 0, avail: 0x2000, used: 0x3000 };
  const drv = new SplitDriver(s);
  const dev = new SplitDevice(s);
  await assertNoAllocation('split', (n) => {
    for (let i = 0; i < n; i++) {
      drv.add(bufs);
      const c = dev.pop();
      if (c === null) throw new Error('nothing available');
      dev.pushUsed(c.head, c.writable);
      if (drv.getUsed() === null) throw new Error('nothing used');
    }
  });
  const p = { memory: mem(), size: 256, desc: 0, driverEvent: 0x2000, deviceEvent: 0x2004 };
  const pdrv = new PackedDriver(p);
  const pdev = new PackedDevice(p);
  await assertNoAllocation('packed', (n) => {
    for (let i = 0; i < n; i++) {
      pdrv.add(bufs);
      const c = pdev.pop();
      if (c === null) throw new Error('nothing available');
      pdev.pushUsed(c.id, c.writable);
      if (pdrv.getUsed() === null) throw new Error('nothing used');
    }
  });
});

test('virtio split and packed round trips through the record API (addRecord, popRecord, pushUsed, getUsedRecord) without allocating', async () => {
  const addr = new Float64Array([0x10000, 0x10100, 0x10200]);
  const len = new Uint32Array([64, 64, 64]);
  const mem = (): GuestMemory => { const m = new GuestMemory(); m.mapNew(0, 0x10000); m.mapNew(0x10000, 0x1000); return m; };
  const s = { memory: mem(), size: 256, desc: 0, avail: 0x2000, used: 0x3000 };
  const drv = new SplitDriver(s);
  const dev = new SplitDevice(s);
  let seen = 0;
  await assertNoAllocation('split records', (n) => {
    for (let i = 0; i < n; i++) {
      drv.addRecord(addr, len, 2, 1);
      const head = dev.popRecord();
      if (head < 0) throw new Error('nothing available');
      dev.pushUsed(head, dev.chain.writable);
      if (drv.getUsedRecord() < 0) throw new Error('nothing used');
      seen += drv.usedLen;
    }
  });
  const p = { memory: mem(), size: 256, desc: 0, driverEvent: 0x2000, deviceEvent: 0x2004 };
  const pdrv = new PackedDriver(p);
  const pdev = new PackedDevice(p);
  await assertNoAllocation('packed records', (n) => {
    for (let i = 0; i < n; i++) {
      pdrv.addRecord(addr, len, 2, 1);
      const id = pdev.popRecord();
      if (id < 0) throw new Error('nothing available');
      pdev.pushUsed(id, pdev.chain.writable);
      if (pdrv.getUsedRecord() < 0) throw new Error('nothing used');
      seen += pdrv.usedLen;
    }
  });
  assert.ok(seen > 0);
});

test('reading a trace record by record allocates nothing per record', async () => {
  // A trace of more than 10^6 records from a real ring, each pass of the check read by one reader, so nothing
  // but the records themselves is read (a reader per pass would count its own set-up).
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  const x = recordXenRing(rec, { ring: 'blkif' });
  const front = FrontRing.attach(x.front, 0, { channel: x.setup.evtchn });
  const req = new Uint8Array(x.type.request.size);
  for (let i = 0; rec.writer.packets < OPS + 1000; i++) {
    front.writeRequest(front.reqProdPvt, req);
    front.reqProdPvt++;
    front.pushRequests();
    if ((i & 15) === 0) x.back.reqEvent = i;
  }
  rec.close();
  const bytes = sink.bytes.slice();
  let sum = 0;
  await assertNoAllocation('trace read', (n) => {
    let left = n;
    for (const r of new TraceReader(bytes)) { sum += r.rec_type; if (--left === 0) break; }
    assert.equal(left, 0, 'the trace holds the records asked for');
  });
  assert.ok(sum > 0);
  // The streaming reader's forEach, over the trace in 1 MiB chunks as `ringwire trace info` reads a file:
  // a promise per chunk, nothing per record. The callback stops the pass by throwing one preallocated error.
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += 1 << 20) chunks.push(bytes.subarray(at, at + (1 << 20)));
  const enough = new Error('enough records');
  let streamed = 0;
  await assertNoAllocation('trace forEach', async (n) => {
    let left = n;
    try {
      await new TraceStreamReader(chunks).forEach((r) => { streamed += r.body_len; if (--left === 0) throw enough; });
    } catch (e) {
      if (e !== enough) throw e;
    }
    assert.equal(left, 0, 'the trace holds the records asked for');
  });
  assert.ok(streamed > 0);
});

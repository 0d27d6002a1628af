/**
 * The recorder and replayer: traces made by running the real rings on recording ports, read back, replayed onto
 * fresh memory, and checked against the live memory and the checkpoints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  ringType, SharedRing, FrontRing, BackRing, BlkifFront, BlkifBack, BLKIF_RSP_OKAY, GuestMemory, PlainRingPort,
  SplitDriver, SplitDevice, TraceRecorder, TraceReader, TraceReplayer, TraceWriter, GrowableSink, TraceError,
  sha256, decodeAnnotation, decodeNotify, protocol,
} from '../../src/index.js';
import { rng, seedFromEnv } from '../virtio/rng.js';

const T = protocol.trace;

test('sha256 equals node:crypto on the FIPS test strings and on seeded random data of every length 0..300', () => {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  assert.equal(hex(sha256(new TextEncoder().encode('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(hex(sha256(new Uint8Array(0))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const seed = seedFromEnv(7);
  const next = rng(seed);
  for (let n = 0; n <= 300; n++) {
    const data = new Uint8Array(n).map(() => next() & 0xff);
    assert.equal(hex(sha256(data)), createHash('sha256').update(data).digest('hex'), `seed ${seed} length ${n}`);
  }
});

/** A blkif exchange on a recorded ring: front and back each on their own port over the same page. */
function recordBlkif(requests: number): { bytes: Uint8Array; live: Uint8Array; notified: number } {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  const type = ringType('blkif');
  const buf = new ArrayBuffer(type.ringBytes(0));
  const live = new Uint8Array(buf);
  const iface = rec.addInterface('blkif/x86_64/order0', { transport: 'xen', ring: 'blkif', abi: 'x86_64', order: 0, grefs: [8], evtchn: 3 });
  const region = rec.addRegion(iface, { kind: T.RWT_REGION_XEN_RING, name: 'sring', bytes: live });
  const frontRing = SharedRing.init(buf, type, { wrapPort: (p) => rec.port(iface, region, T.RWT_PARTY_FRONT, p) });
  const backRing = SharedRing.attach(buf, type, { wrapPort: (p) => rec.port(iface, region, T.RWT_PARTY_BACK, p) });
  let notified = 0;
  const front = new BlkifFront(FrontRing.attach(frontRing, 0, { channel: 3 }));
  const back = new BlkifBack(BackRing.attach(backRing, 0, { channel: 3 }));
  for (let i = 0; i < requests; i++) {
    front.queue({ op: 'read', sector: BigInt(8 * i), segments: [{ gref: 100 + i, first_sect: 0, last_sect: 7 }] });
    if (front.push()) notified++;
    for (const r of back.take()) back.respond(r, BLKIF_RSP_OKAY);
    if (back.push()) notified++;
    assert.equal(front.poll().length, 1);
    if (back.finalCheck() === 0 && i % 2 === 0) front.finalCheck();
    if (i % 16 === 15) rec.checkpoint(iface);
  }
  rec.close();
  return { bytes: sink.bytes.slice(), live, notified };
}

test('a recorded blkif exchange replays onto fresh memory byte for byte, every checkpoint verified', () => {
  const { bytes, live, notified } = recordBlkif(40);
  const replayer = new TraceReplayer();
  const counts = new Map<number, number>();
  const parties = new Set<number>();
  for (const r of new TraceReader(bytes)) {
    replayer.apply(r);
    counts.set(r.rec_type, (counts.get(r.rec_type) ?? 0) + 1);
    if (r.rec_type === T.RWT_WRITE) parties.add(r.party);
    if (r.rec_type === T.RWT_NOTIFY) assert.equal(decodeNotify(r.body).channel, 3);
  }
  const iface = replayer.interfaces[0];
  assert.ok(iface !== undefined && iface.ended);
  assert.deepEqual(iface.setup, { transport: 'xen', ring: 'blkif', abi: 'x86_64', order: 0, grefs: [8], evtchn: 3 });
  assert.deepEqual(iface.regions[0]?.bytes, live);
  assert.deepEqual([...parties].sort(), [T.RWT_PARTY_FRONT, T.RWT_PARTY_BACK]);
  assert.ok((counts.get(T.RWT_CHECKPOINT) ?? 0) >= 3);
  assert.ok(notified > 20);
  assert.equal(counts.get(T.RWT_NOTIFY), notified, 'each push that had to notify is one notify record');
  assert.ok((counts.get(T.RWT_BARRIER) ?? 0) >= 40, 'each xen_mb() in a *_AND_CHECK_NOTIFY is a barrier record');
});

test('a replay that diverges is caught at the next checkpoint (TRACE_CHECKPOINT names the region and record)', () => {
  const { bytes } = recordBlkif(20);
  // Copy the trace record by record through the writer, leaving out one request-slot store: a lost write.
  const sink = new GrowableSink();
  const w = new TraceWriter(sink);
  w.addInterface({ name: 'blkif/x86_64/order0' });
  let slotWrites = 0;
  let dropped: number | undefined;
  for (const r of new TraceReader(bytes)) {
    if (r.rec_type === T.RWT_END) continue;
    if (r.rec_type === T.RWT_WRITE && r.body.length > 64 && ++slotWrites === 5) { dropped = r.seq; continue; }
    w.write(r.interface_id, { rec_type: r.rec_type, party: r.party, body: r.body.slice() });
  }
  w.close();
  assert.ok(dropped !== undefined);
  const replayer = new TraceReplayer();
  assert.throws(() => { for (const r of new TraceReader(sink.bytes)) replayer.apply(r); },
    (e: unknown) => e instanceof TraceError && e.code === 'TRACE_CHECKPOINT' && e.path === 'sring' && typeof e.record === 'number');
});

test('a recorded virtio split exchange: driver and device on their own ports over one guest RAM, replayed exactly', () => {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  const ram = new ArrayBuffer(0x10000);
  const live = new Uint8Array(ram);
  const iface = rec.addInterface('virtio-split/64', { transport: 'virtio', layout: 'split', size: 64, queue: 0, byte_order: 'little', features: '0x120000000', desc: '0x0', avail: '0x400', used: '0x600' });
  const region = rec.addRegion(iface, { kind: T.RWT_REGION_VIRTIO_RAM, name: 'ram', address: 0, bytes: live });
  const side = (party: number) => {
    const m = new GuestMemory();
    m.map(0, rec.port(iface, region, party, new PlainRingPort(ram)));
    return { memory: m, size: 64, desc: 0, avail: 0x400, used: 0x600, eventIdx: true };
  };
  const driver = new SplitDriver(side(T.RWT_PARTY_FRONT));
  const device = new SplitDevice(side(T.RWT_PARTY_BACK));
  for (let i = 0; i < 100; i++) {
    const head = driver.add([{ addr: 0x8000, len: 16 }, { addr: 0x9000 + i * 16, len: 16, write: true }]);
    driver.kick();
    const c = device.pop();
    assert.ok(c !== null);
    c.writeBuffer(1, new Uint8Array(16).fill(i));
    device.pushUsed(c.head, 16);
    device.interrupt();
    assert.equal(driver.getUsed()?.id, head);
  }
  rec.close();
  const replayer = new TraceReplayer();
  let annotations = 0;
  for (const r of new TraceReader(sink.bytes)) {
    replayer.apply(r);
    if (r.rec_type === T.RWT_ANNOTATION) { annotations++; assert.equal(typeof decodeAnnotation(r.body).op, 'string'); }
  }
  assert.deepEqual(replayer.interfaces[0]?.regions[0]?.bytes, live);
  // One virtqueue_add_split, virtqueue_kick_prepare, virtqueue_pop, virtqueue_push, virtqueue_get_buf per
  // request, plus virtqueue_notify / virtio_notify when they notify (at least the first of each).
  assert.ok(annotations >= 5 * 100 + 2, `${annotations} annotations`);
});

/**
 * The one-interface claim, tested: every write a ring makes to shared memory, and every notification, goes
 * through its RingPort. Recording the ports while a Xen blkif front/back and a virtio split and packed
 * driver/device exchange traffic, then replaying only the recorded events onto fresh zeroed memory, must
 * reproduce the shared memory byte for byte and the notifications one for one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RecordingRingPort, replayPortEvents, PlainRingPort, type PortEvent,
  ringType, SharedRing, FrontRing, BackRing, BlkifFront, BlkifBack,
  GuestMemory, SplitDriver, SplitDevice, PackedDriver, PackedDevice,
} from '../../src/index.js';

function replayed(log: readonly PortEvent[], id: number, length: number): { bytes: Uint8Array; notified: number[] } {
  const notified: number[] = [];
  const port = new PlainRingPort(new ArrayBuffer(length), 0, length, (c) => notified.push(c));
  replayPortEvents(log, port, id);
  return { bytes: port.bytes, notified };
}

test('recording a Xen blkif exchange through the port reproduces ring memory and notifications', () => {
  const log: PortEvent[] = [];
  const notified: number[] = [];
  const buf = new SharedArrayBuffer(4096 * 2);
  // Start from non-zero memory: SHARED_RING_INIT's writes must be recorded too.
  new Uint8Array(buf).fill(0xa5);
  const sring = SharedRing.init(buf, ringType('blkif', { abi: 'x86_32' }), {
    order: 1, wrapPort: (p) => new RecordingRingPort(p, log, 0), onNotify: (c) => notified.push(c),
  });
  const front = new BlkifFront(FrontRing.attach(sring, 0xfffffff0, { channel: 5 }));
  const back = new BlkifBack(BackRing.attach(sring, 0xfffffff0, { channel: 6 }));
  let done = 0;
  // push() raises the end's channel itself when RING_PUSH_*_AND_CHECK_NOTIFY says so: the expected
  // notification list is built from those verdicts, one entry per push that asked for one.
  const expected: number[] = [];
  for (let round = 0; round < 40; round++) {
    for (let k = 0; k < 1 + (round % 7); k++) {
      front.queue({ op: round % 2 === 0 ? 'read' : 'write', sector: BigInt(round * 8 + k), segments: [{ gref: round, first_sect: 0, last_sect: 7 }] });
    }
    if (front.push()) expected.push(5);
    if (round % 5 === 4) back.finalCheck(); // the backend re-arms req_event now and then, so some pushes notify
    for (const r of back.take()) back.respond(r, 0);
    if (back.push()) expected.push(6);
    done += front.poll().length;
    if (round % 3 === 2) front.finalCheck();
  }
  assert.deepEqual(notified, expected, 'each push that asked to notify notified exactly once');
  assert.deepEqual(log.filter((e) => e.kind === 'notify').map((e) => (e as { channel: number }).channel), expected, 'the log holds each notification once');
  assert.equal(done, [...Array(40).keys()].reduce((s, r) => s + 1 + (r % 7), 0));
  const replay = replayed(log, 0, 8192);
  // The region before any recorded write was 0xa5 in the original; compare only what SHARED_RING_INIT and
  // the rings wrote (header, pads, every slot used) — in practice the header and the slots.
  const original = new Uint8Array(buf);
  const touched = new Uint8Array(8192);
  for (const e of log) {
    if (e.kind === 'write') touched.fill(1, e.offset, e.offset + e.bytes.length);
    else if (e.kind === 'fill') touched.fill(1, e.offset, e.offset + e.length);
    else if (e.kind === 'store32') touched.fill(1, e.offset, e.offset + 4);
  }
  let checked = 0;
  for (let i = 0; i < 8192; i++) {
    if (touched[i] === 1) { assert.equal(replay.bytes[i], original[i], `byte ${i}`); checked++; } else assert.equal(original[i], 0xa5, `byte ${i} changed without a recorded write`);
  }
  assert.ok(checked >= 64 + 40 * 108, `${checked} bytes written through the port`);
  assert.deepEqual(replay.notified, notified);
  assert.ok(expected.includes(5) && expected.includes(6), 'both ends notified at least once');
  assert.ok(log.some((e) => e.kind === 'fence'), 'xen_mb() points are recorded');
});

for (const format of ['split', 'packed'] as const) {
  test(`recording a virtio ${format} exchange through the ports reproduces guest memory and notifications`, () => {
    const log: PortEvent[] = [];
    const notified: number[] = [];
    const memory = new GuestMemory();
    const sizes = [0x2000, 0x4000];
    const plain = sizes.map((n) => new PlainRingPort(new ArrayBuffer(n), 0, n, (c) => notified.push(c)));
    memory.map(0, new RecordingRingPort(plain[0]!, log, 0));
    memory.map(0x10000, new RecordingRingPort(plain[1]!, log, 1));
    const base = { memory, size: 8, eventIdx: true, indirect: true, queueIndex: 2 };
    const cfg = format === 'split'
      ? { ...base, desc: 0, avail: 0x800, used: 0x1000, byteOrder: 'little' as const }
      : { ...base, desc: 0, driverEvent: 0x800, deviceEvent: 0x1000 };
    const drv = format === 'split' ? new SplitDriver(cfg as never) : new PackedDriver(cfg as never);
    const dev = format === 'split' ? new SplitDevice(cfg as never) : new PackedDevice(cfg as never);
    const payload = new Uint8Array(16);
    let completed = 0;
    for (let round = 0; round < 200; round++) {
      payload.fill(round & 0xff);
      memory.write(0x10000 + (round % 8) * 0x400, payload); // the guest fills its buffer: a recorded write
      const bufs = [{ addr: 0x10000 + (round % 8) * 0x400, len: 16 }, { addr: 0x10000 + (round % 8) * 0x400 + 0x100, len: 64, write: true }];
      if (round % 3 === 0) drv.addIndirect(bufs, 0x1800 + (round % 8) * 0x40); else drv.add(bufs);
      drv.kick();
      const c = dev.pop();
      assert.ok(c);
      c.writeBuffer(c.count - 1, payload);
      dev.pushUsed(format === 'split' ? c.head : c.id, 16); // split: the chain's head; packed: its buffer id
      dev.interrupt();
      for (let u = drv.getUsed(); u !== null; u = drv.getUsed()) completed++;
    }
    assert.equal(completed, 200);
    for (const [id, n] of sizes.entries()) {
      const r = replayed(log, id, n);
      assert.deepEqual(r.bytes, plain[id]!.bytes, `region ${id} replays byte for byte`);
      if (id === 0) assert.deepEqual(r.notified, notified, 'kicks and interrupts replay in order');
    }
    assert.ok(notified.length > 0);
  });
}

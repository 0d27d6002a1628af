/**
 * Where a packed ring's device looks next, when a snapshot has to say: given by the caller (QEMU's
 * last_avail_idx, `dump virtio-packed --device-next POS[:WRAP]`), or inferred from the descriptors when they
 * show one start only (inferDeviceNext), else the fresh-queue default with the reason. Checked against a real
 * PackedDriver / PackedDevice pair run through the wrap, whose own next position is known.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory, PackedDevice, PackedDriver, VirtqError } from '../../src/virtio/index.js';
import { analyzePackedSnapshot, availPass, inferDeviceNext } from '../../src/virtio/packed-snapshot.js';
import { dumpVirtioPacked } from '../../src/cli/dump-virtio.js';
import { UsageError, type CliIo } from '../../src/cli/io.js';

function queue(size: number): { drv: PackedDriver; dev: PackedDevice; memory: GuestMemory } {
  const memory = new GuestMemory();
  memory.mapNew(0, 0x1000);
  memory.mapNew(0x10000, 0x10000);
  // No EVENT_IDX: the device event structure stays out of FLAG_DESC mode, so the start must come from elsewhere.
  const cfg = { memory, size, desc: 0, driverEvent: 0x800, deviceEvent: 0x804, indirect: true };
  return { drv: new PackedDriver(cfg), dev: new PackedDevice(cfg), memory };
}

test('inferDeviceNext: certain on a fresh ring and after a descriptor of the other pass; never after a used one', () => {
  const { drv, dev } = queue(8);
  assert.deepEqual(inferDeviceNext(dev.ring), { ambiguous: 'no descriptor is available' });
  drv.add([{ addr: 0x10000, len: 16, write: true }]);
  drv.add([{ addr: 0x10080, len: 8, write: true }]);
  // Fresh: the run follows never-written descriptors.
  assert.deepEqual(inferDeviceNext(dev.ring), { start: { pos: 0, wrap: 1 } });
  const fresh = analyzePackedSnapshot(dev.ring, { deviceEvent: false, driverEvent: false });
  assert.equal(fresh.start_from, 'inferred');
  assert.equal(fresh.chains.length, 2);
  let ambiguous = 0;
  let certain = 0;
  for (let round = 0; round < 12; round++) {
    for (let k = 0; k < 2; k++) {
      const c = dev.pop();
      assert.ok(c !== null);
      dev.pushUsed(c.id, 0);
    }
    while (drv.getUsed() !== null);
    drv.add([{ addr: 0x10000 + round * 0x100, len: 16, write: true }]);
    drv.add([{ addr: 0x10080, len: 8, write: true }]);
    const inferred = inferDeviceNext(dev.ring);
    if ('start' in inferred) {
      // Whenever it claims a start, it is the device's own.
      assert.deepEqual(inferred.start, { pos: dev.nextAvail, wrap: dev.availWrap }, `round ${round}`);
      certain++;
    } else {
      assert.match(inferred.ambiguous, /follows a used descriptor, and may begin with the stale tail of a used chain/);
      const r = analyzePackedSnapshot(dev.ring, { deviceEvent: false });
      assert.equal(r.start_from, 'default');
      assert.match(r.start_note ?? '', /follows a used descriptor/);
      // Given the device's own position, the snapshot lists exactly the chains it will pop.
      const given = analyzePackedSnapshot(dev.ring, { deviceEvent: false, start: { pos: dev.nextAvail, wrap: dev.availWrap } });
      assert.equal(given.start_from, 'given');
      assert.equal(given.chains.length, 2);
      ambiguous++;
    }
  }
  assert.equal(dev.availWrap, 0, 'the ring went round (8 positions, 26 chains)');
  assert.ok(ambiguous > 0 && certain > 0, `${ambiguous} ambiguous, ${certain} certain`);
});

test('inferDeviceNext: a whole ring available starts at 0; stale tails make it say so; a given start is checked', () => {
  const { drv, dev } = queue(4);
  // A whole ring available in pass 1: only position 0 can start it (a run through the ring's end flips pass).
  for (let k = 0; k < 4; k++) drv.add([{ addr: 0x10000, len: 8 }]);
  assert.deepEqual(inferDeviceNext(dev.ring), { start: { pos: 0, wrap: 1 } });
  const given = analyzePackedSnapshot(dev.ring, { deviceEvent: false, start: { pos: 2, wrap: 1 } });
  assert.equal(given.start_from, 'given');
  assert.deepEqual(given.chains.map((c) => c.pos), [2, 3]);
  assert.throws(() => analyzePackedSnapshot(dev.ring, { start: { pos: 4, wrap: 1 } }), (e: unknown) => e instanceof VirtqError && e.code === 'VIRTQ_BAD_GEOMETRY');
  assert.throws(() => analyzePackedSnapshot(dev.ring, { start: { pos: 0, wrap: 2 } }), VirtqError);

  // The tail of a used two-descriptor chain looks available, right before the new chain: not taken for a start.
  const q = queue(8);
  q.drv.add([{ addr: 0x10000, len: 8 }, { addr: 0x10100, len: 8, write: true }]);
  const c = q.dev.pop();
  assert.ok(c !== null);
  q.dev.pushUsed(c.id, 8);
  q.drv.getUsed();
  q.drv.add([{ addr: 0x10200, len: 8 }]);
  assert.equal(availPass(q.dev.ring.descFlags(1)), 1, 'the tail of the used chain still looks available');
  const stale = inferDeviceNext(q.dev.ring);
  assert.ok('ambiguous' in stale && /at 1 \(pass 1\) follows a used descriptor/.test(stale.ambiguous), JSON.stringify(stale));
  // Two separate runs: two possible starts.
  const two = queue(8);
  two.drv.add([{ addr: 0x10000, len: 8 }]);
  two.drv.add([{ addr: 0x10000, len: 8 }]);
  const view = two.dev.ring.descPort.view;
  view.setUint16(two.dev.ring.descBase + 16 + 14, 0, true); // position 1 never written
  view.setBigUint64(two.dev.ring.descBase + 16, 0n, true);
  view.setUint32(two.dev.ring.descBase + 16 + 8, 0, true);
  two.drv.add([{ addr: 0x10000, len: 8 }]);
  const runs = inferDeviceNext(two.dev.ring);
  assert.ok('ambiguous' in runs && /^2 positions could be the device's next: 0 \(pass 1\), 2 \(pass 1\)$/.test(runs.ambiguous), JSON.stringify(runs));
});

interface TestIo extends CliIo { text(): string }
function io(files: Record<string, Uint8Array>): TestIo {
  let out = '';
  return {
    out: (t) => { out += t; }, err: () => {},
    readFile: (p, o = {}) => (files[p] as Uint8Array).subarray(o.offset ?? 0, (o.offset ?? 0) + (o.maxBytes ?? Number.MAX_SAFE_INTEGER)),
    sizeOf: (p) => files[p]?.byteLength,
    text: () => out,
  };
}

test('dump virtio-packed --device-next POS[:WRAP]: given, inferred or assumed, and said so', async () => {
  const { drv, dev, memory } = queue(4);
  for (let k = 0; k < 3; k++) drv.add([{ addr: 0x10000, len: 8, write: true }]);
  const c = dev.pop();
  assert.ok(c !== null);
  dev.pushUsed(c.id, 8);
  const ring = new Uint8Array(memory.region(0).port.bytes.subarray(0, 64));
  const files = { d: ring, m: new Uint8Array(0x100) };
  const text = async (args: string[]): Promise<string> => { const o = io(files); await dumpVirtioPacked(['--size', '4', '--desc', 'd', ...args], o); return o.text(); };
  assert.match(await text([]), /^virtio packed queue, size 4, device starts at 0 in pass 1 \(a fresh queue's start, assumed: the run of available descriptors at 1 \(pass 1\) follows a used descriptor, and may begin with the stale tail of a used chain; chain errors are not judged; give --device-next\)\n/);
  const fresh = io({ d: ring.slice(), m: files.m });
  new DataView(fresh.readFile('d').buffer).setUint16(14, 0, true);
  new DataView(fresh.readFile('d').buffer).setBigUint64(0, 0n, true);
  new DataView(fresh.readFile('d').buffer).setUint32(8, 0, true);
  await dumpVirtioPacked(['--size', '4', '--desc', 'd'], fresh);
  assert.match(fresh.text(), /^virtio packed queue, size 4, device starts at 1 in pass 1 \(inferred from the descriptors: chain errors are not judged; give --device-next\)\npos 1 wrap 1 id 1\n/);
  assert.match(await text(['--device-next', '2']), /^virtio packed queue, size 4, device starts at 2 in pass 1 \(given\)\npos 2 wrap 1 id 2\n/);
  assert.match(await text(['--device-next', '3:0']), /device starts at 3 in pass 0 \(given\)\n {2}consistent$/);
  const none = io({ d: new Uint8Array(64) });
  assert.equal(await dumpVirtioPacked(['--size', '4', '--desc', 'd'], none), 0);
  assert.match(none.text(), /device starts at 0 in pass 1 \(a fresh queue's start, assumed: no descriptor is available; chain errors are not judged; give --device-next\)/);
  for (const [bad, code] of [['4', 'CLI_BAD_NUMBER'], ['1:2', 'CLI_BAD_NUMBER'], ['1:1:1', 'CLI_USAGE'], ['x', 'CLI_BAD_NUMBER']] as const) {
    await assert.rejects(async () => dumpVirtioPacked(['--size', '4', '--desc', 'd', '--device-next', bad], io(files)), (e: unknown) => e instanceof UsageError && e.code === code, bad);
  }
});

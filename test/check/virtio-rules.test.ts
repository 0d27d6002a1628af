/**
 * The virtio trace rules beyond their one malformed fixture each: every virtq protocol rule has a fixture;
 * packed notifications owed (and not owed) under each event suppression setting; event indices acted on
 * without VIRTIO_RING_F_EVENT_IDX; a driver wrap counter flipped early; where BACKWARDS ends and JUMP begins;
 * packed notification values; and a queue reset, set up again with new geometry and re-enabled, checks clean.
 * Each scenario is a real recorded run of the reference queues (src/hostile/virtio*.ts helpers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GrowableSink, TraceRecorder, TraceReader, checkTrace, catalogue, encodeNotificationData,
  VIRTIO_RING_F_EVENT_IDX, VIRTIO_F_IN_ORDER, VIRTIO_F_NOTIFICATION_DATA, VIRTIO_F_RING_RESET, VRING_PACKED_EVENT_FLAG_DESC, VRING_PACKED_EVENT_F_WRAP_CTR,
  SplitRing, GuestMemory, PlainRingPort, protocol, decodeTraceEvents, type Finding, type RuleEntry,
} from '../../src/index.js';
import { recordQueueSetup } from '../../src/trace/virtio-recording.js';
import { add, desc, publish, round, warm } from '../../src/hostile/virtio.js';
import { addPacked, availBits, packedRound, publishPacked, warmPacked } from '../../src/hostile/virtio-packed.js';
import { malformedFixtures } from './malformed-fixtures.js';

const EVENT_IDX = 1n << BigInt(VIRTIO_RING_F_EVENT_IDX);
const NOTIFICATION_DATA = 1n << BigInt(VIRTIO_F_NOTIFICATION_DATA);
const RING_RESET = 1n << BigInt(VIRTIO_F_RING_RESET);

/** Record `run`: the trace's bytes. */
function recordRun(run: (rec: TraceRecorder) => void): Uint8Array {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  run(rec);
  rec.close();
  return sink.bytes.slice();
}

/** Record `run` and check it: the error findings as `party RULE`. */
function errorsOf(run: (rec: TraceRecorder) => void): string[] {
  return checkTrace(new TraceReader(recordRun(run))).filter((f: Finding) => f.severity === 'error').map((f) => `${f.party} ${f.rule}`);
}

test('every virtq protocol rule in the catalogue has a malformed fixture', () => {
  const fixtures = new Set<string>(malformedFixtures.map((f) => f.rule));
  const protocolRules = (catalogue as readonly RuleEntry[]).filter((e) => e.family === 'virtq' && e.kind === 'protocol');
  assert.ok(protocolRules.length >= 39);
  assert.deepEqual(protocolRules.filter((e) => !fixtures.has(e.id)).map((e) => e.id), []);
});

test('packed: a kick is owed while the device event flags say ENABLE, and none while they say DISABLE', () => {
  const unkicked = (disable: boolean) => errorsOf((rec) => {
    const x = warmPacked(rec);
    if (disable) x.device.disableNotifications();
    addPacked(x, 1, false);
    const c = x.device.pop();
    assert.ok(c !== null);
    x.device.pushUsed(c.id, 512);
    x.device.interrupt();
    x.driver.getUsed();
  });
  assert.deepEqual(unkicked(false), ['driver VIRTQ_MISSING_KICK']);
  assert.deepEqual(unkicked(true), []);
});

test('packed with EVENT_IDX: a kick is owed when the descriptors made available pass the device event offset, not before', () => {
  const run = (ahead: number) => errorsOf((rec) => {
    const x = warmPacked(rec, EVENT_IDX);
    // The device asks to hear of the descriptor `ahead` positions past next_avail (RING_EVENT_FLAGS_DESC).
    x.asDevice.setDeviceEvent(((x.driver.nextAvail + ahead) % 8) | (x.driver.availWrap << VRING_PACKED_EVENT_F_WRAP_CTR), VRING_PACKED_EVENT_FLAG_DESC);
    addPacked(x, 1, false);
  });
  assert.deepEqual(run(0), ['driver VIRTQ_MISSING_KICK']);
  assert.deepEqual(run(1), ['driver VIRTQ_MISSING_KICK']);
  assert.deepEqual(run(4), []);
});

test('packed: an interrupt is owed while the driver event flags say ENABLE, and none while they say DISABLE', () => {
  const silent = (disable: boolean) => errorsOf((rec) => {
    const x = warmPacked(rec);
    if (disable) x.driver.disableCallbacks();
    addPacked(x, 1);
    const c = x.device.pop();
    assert.ok(c !== null);
    x.device.pushUsed(c.id, 512);
    x.driver.getUsed();
  });
  assert.deepEqual(silent(false), ['device VIRTQ_MISSING_INTERRUPT']);
  assert.deepEqual(silent(true), []);
});

test('packed: healthy rounds with EVENT_IDX and notification data check clean, many times round the ring', () => {
  assert.deepEqual(errorsOf((rec) => {
    const x = warmPacked(rec, EVENT_IDX | NOTIFICATION_DATA);
    for (let n = 1; n < 20; n++) packedRound(x, n % 4);
  }), []);
});

test('packed: RING_EVENT_FLAGS_DESC without VIRTIO_RING_F_EVENT_IDX is acting on a feature not negotiated', () => {
  assert.deepEqual(errorsOf((rec) => {
    const x = warmPacked(rec);
    x.asDriver.setDriverEvent(x.driver.lastUsed | (x.driver.usedWrap << VRING_PACKED_EVENT_F_WRAP_CTR), VRING_PACKED_EVENT_FLAG_DESC);
  }), ['driver VIRTQ_EVENT_IDX_NOT_NEGOTIATED']);
});

test('packed: a driver that marks next_avail available for the other wrap pass flipped its counter at the wrong place', () => {
  assert.deepEqual(errorsOf((rec) => {
    const x = warmPacked(rec);
    publishPacked(x, [[16, 0, 1]], (_k, w) => availBits(w ^ 1));
    assert.equal(x.device.pop(), null, 'the device sees nothing available');
  }), ['driver VIRTQ_PACKED_WRAP_MISUSE']);
});

test('packed: a notification value names the next descriptor not yet made available (§2.8.16)', () => {
  const kick = (skew: number) => errorsOf((rec) => {
    const x = warmPacked(rec, NOTIFICATION_DATA);
    addPacked(x, 1, false);
    x.asDriver.descPort.notify(0, encodeNotificationData(0, (x.driver.nextAvail + skew) % 8, x.driver.availWrap));
  });
  assert.deepEqual(kick(0), []);
  assert.deepEqual(kick(1), ['driver VIRTQ_NOTIFICATION_DATA_MISMATCH']);
});

test('split without EVENT_IDX: a driver that skips a kick because of avail_event acts on a feature not negotiated', () => {
  const run = (kick: boolean) => errorsOf((rec) => {
    const x = warm(rec);
    x.asDevice.setAvailEvent(x.asDevice.availIdx() + 4);
    add(x, 1, kick);
    const c = x.device.pop();
    assert.ok(c !== null);
    x.device.pushUsed(c.head, 512);
    x.device.interrupt();
    x.driver.getUsed();
  });
  assert.deepEqual(run(false), ['driver VIRTQ_EVENT_IDX_NOT_NEGOTIATED']);
  // The device's store alone is no violation: the driver ignores avail_event and kicks as used.flags asks.
  assert.deepEqual(run(true), []);
});

test('split: avail.idx moved back by the queue size is BACKWARDS, by one entry more it reads as a JUMP', () => {
  const back = (n: number) => errorsOf((rec) => {
    const x = warm(rec);
    x.asDriver.setAvailIdx(x.asDriver.availIdx() - n);
  });
  assert.deepEqual(back(8), ['driver VIRTQ_AVAIL_IDX_BACKWARDS']);
  assert.deepEqual(back(9), ['driver VIRTQ_AVAIL_IDX_JUMP']);
  const usedBack = (n: number) => errorsOf((rec) => {
    const x = warm(rec);
    x.asDevice.setUsedIdx(x.asDevice.usedIdx() - n);
  });
  assert.deepEqual(usedBack(8), ['device VIRTQ_USED_IDX_BACKWARDS']);
  assert.deepEqual(usedBack(9), ['device VIRTQ_USED_IDX_JUMP']);
});

test('split: a queue reset, set up again with new geometry and re-enabled, then used, checks clean', () => {
  assert.deepEqual(errorsOf((rec) => {
    const x = warm(rec, RING_RESET);
    add(x, 1);
    x.driver.reset();
    x.device.reset();
    recordQueueSetup(rec, x.q.iface, { ...x.q.setup, avail: '0x3000' });
    x.driver.enable({ ...x.q.driverConfig, avail: 0x3000 });
    x.device.enable({ ...x.q.deviceConfig, avail: 0x3000 });
    const moved = { ...x, asDriver: new SplitRing({ ...x.q.driverConfig, avail: 0x3000 }), asDevice: new SplitRing({ ...x.q.deviceConfig, avail: 0x3000 }) };
    round(moved, 2);
    round(moved, 3);
  }), []);
});

test('split: a queue reset without VIRTIO_F_RING_RESET is a feature not negotiated', () => {
  assert.deepEqual(errorsOf((rec) => {
    const x = warm(rec);
    // The driver's own reset() refuses; the annotation is what a driver resetting anyway leaves in the trace.
    assert.throws(() => x.driver.reset(), { code: 'VIRTQ_FEATURE_NOT_NEGOTIATED' });
    x.asDriver.availPort.annotate?.('virtqueue_reset', { queue: 0, dropped: 0 });
  }), ['driver VIRTQ_FEATURE_NOT_NEGOTIATED']);
});

test('a trace that declares only the queue areas (no guest RAM) leaves a buffer outside them unchecked, not unmapped', () => {
  const { RWT_PARTY_BACK, RWT_PARTY_FRONT, RWT_REGION_VIRTIO_DESC, RWT_REGION_VIRTIO_DEVICE, RWT_REGION_VIRTIO_DRIVER } = protocol.trace;
  const bytes = recordRun((rec) => {
    const setup = { transport: 'virtio' as const, layout: 'split' as const, size: 8, queue: 0, byte_order: 'little' as const, features: '0x100000000', desc: '0x0', avail: '0x1000', used: '0x2000' };
    const iface = rec.addInterface('virtio-split/8', setup);
    // Each area its own region (as a capture that sees only the rings would declare them), mapped by both parties.
    const areas = [[RWT_REGION_VIRTIO_DESC, 0, 128], [RWT_REGION_VIRTIO_DRIVER, 0x1000, 32], [RWT_REGION_VIRTIO_DEVICE, 0x2000, 96]] as const;
    const memory = [new GuestMemory(), new GuestMemory()];
    for (const [kind, address, length] of areas) {
      const buf = new ArrayBuffer(length);
      const region = rec.addRegion(iface, { kind, name: `area-${address}`, address, bytes: new Uint8Array(buf) });
      [RWT_PARTY_FRONT, RWT_PARTY_BACK].forEach((party, k) => memory[k]?.map(address, rec.port(iface, region, party, new PlainRingPort(buf, 0, length))));
    }
    const r = new SplitRing({ memory: memory[0] as GuestMemory, size: 8, desc: 0, avail: 0x1000, used: 0x2000 });
    r.writeDesc(r.descPort, r.descBase, 0, 0x9000, 0, 64, 0, 0);
    r.setAvailRing(0, 0);
    r.setAvailIdx(1);
    r.availPort.notify(0);
  });
  const available = [...decodeTraceEvents(new TraceReader(bytes))].filter((e) => e.kind === 'available');
  assert.deepEqual(available.map((e) => [e['head'], e['error']]), [[0, undefined]], 'the chain was walked, and its buffer not refused');
  assert.deepEqual(checkTrace(new TraceReader(bytes)).filter((f) => f.severity === 'error'), []);
});

test('split without VIRTIO_F_IN_ORDER: one used entry for a batch of two is a feature not negotiated; with it, the batch is clean', () => {
  const batched = (features: bigint) => errorsOf((rec) => {
    const x = warm(rec, features);
    add(x, 1, false);
    const last = add(x, 2);
    x.device.pop();
    x.device.pop();
    // One element for both buffers, naming the last, and used.idx moved over two (virtio 1.2 §2.7.9).
    const r = x.asDevice;
    const idx = r.usedIdx();
    r.setUsedElem(idx & 7, last, 512);
    r.setUsedIdx(idx + 2);
    r.usedPort.notify(0);
  });
  assert.deepEqual(batched(0n), ['device VIRTQ_FEATURE_NOT_NEGOTIATED']);
  assert.deepEqual(batched(1n << BigInt(VIRTIO_F_IN_ORDER)), []);
});

test('split without VIRTIO_F_IN_ORDER: used entries the device wrote one by one check clean, many times round the ring', () => {
  assert.deepEqual(errorsOf((rec) => {
    const x = warm(rec);
    for (let n = 1; n < 20; n++) {
      add(x, n % 3, false);
      add(x, (n + 1) % 3);
      for (let k = 0; k < 2; k++) {
        const c = x.device.pop();
        assert.ok(c !== null);
        x.device.pushUsed(c.head, 512);
      }
      x.device.interrupt();
      while (x.driver.getUsed() !== null);
    }
  }), []);
});

test('split: a driver that makes a buffer available on a queue it reset, before re-enabling it, breaks VIRTQ_QUEUE_RESET', () => {
  assert.deepEqual(errorsOf((rec) => {
    const x = warm(rec, RING_RESET);
    x.driver.reset();
    x.device.reset();
    // The driver's own add() refuses a reset queue; publishing by hand is what a driver ignoring that leaves.
    assert.throws(() => add(x, 1), { code: 'VIRTQ_QUEUE_RESET' });
    desc(x, 4, 16, 0, 0);
    publish(x, 4);
  }), ['driver VIRTQ_QUEUE_RESET']);
});

/**
 * Replay against an implementation under test: a recorded blkif exchange, the frontend replayed from the trace,
 * the shipped example backend (fixtures/impl/blkif-back.js) passes, the broken one is caught with the record,
 * region, offset and field path; a backend that never notifies is caught at the notification.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  ringType, SharedRing, FrontRing, BackRing, BlkifFront, BlkifBack, BLKIF_RSP_OKAY, GrowableSink, TraceRecorder, TraceReader,
  replayAgainst, protocol, type ReplayImplementationFactory, GuestMemory, SplitDriver, SplitDevice, recordVirtqueue,
  VIRTIO_RING_F_EVENT_IDX,
} from '../../src/index.js';
type XenTraceSetup = protocol.trace.XenTraceSetup;

const T = protocol.trace;
const impl = (name: string) => fileURLToPath(new URL(`../../../fixtures/impl/${name}`, import.meta.url));

/** The frontend queues bursts of reads; the backend runs the careful loop after each kick it gets. */
function recordBlkifExchange(): Uint8Array {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  const type = ringType('blkif');
  const buf = new ArrayBuffer(type.ringBytes(0));
  const setup: XenTraceSetup = { transport: 'xen', ring: 'blkif', abi: 'x86_64', order: 0, grefs: [8], evtchn: 5 };
  const iface = rec.addInterface('blkif/x86_64/order0', setup);
  const region = rec.addRegion(iface, { kind: T.RWT_REGION_XEN_RING, name: 'sring', bytes: new Uint8Array(buf) });
  let kicked = false;
  const frontRing = SharedRing.init(buf, type, { wrapPort: (p) => rec.port(iface, region, T.RWT_PARTY_FRONT, p), onNotify: () => { kicked = true; } });
  const backRing = SharedRing.attach(buf, type, { wrapPort: (p) => rec.port(iface, region, T.RWT_PARTY_BACK, p) });
  const front = new BlkifFront(FrontRing.attach(frontRing, 0, { channel: 5 }));
  const back = new BlkifBack(BackRing.attach(backRing, 0, { channel: 5 }));
  for (let burst = 0; burst < 12; burst++) {
    for (let k = 0; k <= burst % 4; k++) front.queue({ op: 'read', sector: BigInt(burst * 64 + k * 8), segments: [{ gref: 200 + k, first_sect: 0, last_sect: 7 }] });
    front.push();
    if (kicked || burst % 3 === 2) {
      kicked = false;
      do {
        for (const r of back.take()) back.respond(r, BLKIF_RSP_OKAY);
        back.push();
      } while (back.finalCheck() !== 0);
    }
    front.poll();
    front.finalCheck();
  }
  rec.close();
  return sink.bytes.slice();
}

test('the example blkif backend replays the recorded backend exactly', async () => {
  const trace = recordBlkifExchange();
  const factory = (await import(impl('blkif-back.js'))).default as ReplayImplementationFactory;
  const r = replayAgainst(new TraceReader(trace), 0, 'back', factory);
  assert.equal(r.divergence, undefined, JSON.stringify(r.divergence));
  assert.ok(r.runs >= 5, `${r.runs} backend runs compared`);
});

test('the broken example backend is caught: record, region, offset, blkif_response.status trace 0 vs -1', async () => {
  const trace = recordBlkifExchange();
  const factory = (await import(impl('blkif-back-broken.js'))).default as ReplayImplementationFactory;
  const r = replayAgainst(new TraceReader(trace), 0, 'back', factory);
  const d = r.divergence;
  assert.ok(d !== undefined);
  assert.equal(d.region, 'sring');
  assert.match(d.path, /^slot \d+ blkif_response\.status$/);
  assert.equal(d.trace, '0');
  assert.equal(d.implementation, '-1');
  assert.ok(d.record > 0 && d.offset >= 64);
  // The first wrong response is the third one answered: the slot named is the third response slot.
  assert.equal(d.path, 'slot 2 blkif_response.status');
});

test('a backend that answers correctly but never notifies is caught at the notification', () => {
  const trace = recordBlkifExchange();
  const silent: ReplayImplementationFactory = ({ setup, ports }) => {
    const s = setup as XenTraceSetup;
    const sring = SharedRing.overPort(ports[0] as never, ringType('blkif', { abi: s.abi }), s.order);
    const back = new BlkifBack(BackRing.attach(sring, 0, { channel: s.evtchn }));
    return {
      run() {
        do {
          for (const r of back.take()) back.respond(r, BLKIF_RSP_OKAY);
          back.ring.pushResponsesAndCheckNotify();      // the verdict ignored: no notify_remote_via_evtchn
        } while (back.finalCheck() !== 0);
      },
    };
  };
  const d = replayAgainst(new TraceReader(trace), 0, 'back', silent).divergence;
  assert.ok(d !== undefined);
  assert.equal(d.path, 'notify');
  assert.equal(d.implementation, 'no notification');
  assert.match(d.trace, /^1 notification\(s\) on channel 5$/);
});

/** A virtio device under test for a split queue: pops every chain, fills its writable part, uses it with `len`. */
function splitDevice(len: (n: number) => number): ReplayImplementationFactory {
  return ({ setup, ports, regions }) => {
    const s = setup as protocol.trace.VirtioTraceSetup;
    const memory = new GuestMemory();
    memory.map(regions[0]?.address ?? 0, ports[0] as never);
    const device = new SplitDevice({ memory, size: s.size, desc: BigInt(s.desc), avail: BigInt(s.avail ?? 0), used: BigInt(s.used ?? 0), eventIdx: true, queueIndex: s.queue });
    let served = 0;
    return {
      run() {
        for (let c = device.pop(); c !== null; c = device.pop()) {
          c.writeBuffer(c.count - 1, new Uint8Array(16).fill(0x5a));
          device.pushUsed(c.head, len(++served));
        }
        device.interrupt();
      },
    };
  };
}

test('virtio: a device under test replays a recorded split queue; a wrong used len is caught at vring_used.ring[i].len', () => {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  const q = recordVirtqueue(rec, {
    layout: 'split', size: 16, features: (1n << 32n) | (1n << BigInt(VIRTIO_RING_F_EVENT_IDX)),
    ram: new ArrayBuffer(0x10000), desc: 0, avail: 0x1000, used: 0x2000,
  });
  const driver = new SplitDriver(q.driverConfig);
  // Record: the reference device is the same code as the device under test, over the recorded mapping.
  const live = new SplitDevice({ ...q.deviceConfig });
  for (let round = 0; round < 6; round++) {
    for (let k = 0; k <= round % 3; k++) driver.add([{ addr: 0x4000 + k * 0x100, len: 8 }, { addr: 0x8000 + k * 0x100, len: 16, write: true }]);
    driver.kick();
    for (let c = live.pop(); c !== null; c = live.pop()) {
      c.writeBuffer(c.count - 1, new Uint8Array(16).fill(0x5a));
      live.pushUsed(c.head, 16);
    }
    live.interrupt();
    while (driver.getUsed() !== null);
  }
  rec.close();
  const good = replayAgainst(new TraceReader(sink.bytes), 0, 'back', splitDevice(() => 16));
  assert.equal(good.divergence, undefined, JSON.stringify(good.divergence));
  assert.equal(good.runs, 6);
  const bad = replayAgainst(new TraceReader(sink.bytes), 0, 'back', splitDevice((n) => (n === 4 ? 15 : 16))).divergence;
  assert.ok(bad !== undefined);
  assert.equal(bad.region, 'ram');
  assert.match(bad.path, /^vring_used\.ring\[3\] vring_used_elem\.len$/);
  assert.deepEqual([bad.trace, bad.implementation], ['16', '15']);
});

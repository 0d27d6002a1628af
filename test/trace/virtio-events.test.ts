/**
 * Virtio trace events: the committed fixtures decode to the events their workloads imply (chains walked,
 * indices wrapping, wrap counters flipping, merged receive buffers, legacy byte order), and the decoder
 * copes with a hostile chain and with notification data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  GrowableSink, TraceReader, TraceRecorder, decodeTraceEvents, recordVirtqueue, SplitDriver, SplitDevice, PackedDriver,
  PackedDevice, VRING_DESC_F_WRITE, VRING_DESC_F_NEXT, VIRTIO_F_NOTIFICATION_DATA, splitAreas, protocol, type TraceEvent,
} from '../../src/index.js';
import { buildFixture, fixtureSeed, fixturesRoot } from './make-trace-fixtures.js';
import { legacyBlk, virtioTraceFixtures, VERSION_1, RING_PACKED } from './fixtures-virtio.js';

type Ev = TraceEvent & Record<string, unknown>;
interface Desc { desc: number; addr: string; len: number; flags: number; next?: number; id?: number; indirect?: true }

function events(name: string): Ev[] {
  return [...decodeTraceEvents(new TraceReader(readFileSync(`${fixturesRoot}virtio/${name}.pcapng`)))] as Ev[];
}

const of = (evs: Ev[], kind: string, iface = 0): Ev[] => evs.filter((e) => e.kind === kind && e.iface === iface);

function record(fn: (rec: TraceRecorder) => void): Ev[] {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  fn(rec);
  rec.close();
  return [...decodeTraceEvents(new TraceReader(sink.bytes))] as Ev[];
}

test('virtio fixtures: at least 12, each decodes to available and used events that pair up, deterministically', () => {
  assert.ok(virtioTraceFixtures.length >= 12);
  for (const f of virtioTraceFixtures) {
    const a = buildFixture(f);
    assert.equal(buildFixture(f).expected, a.expected, `${f.name}: decoding is deterministic`);
    const evs = events(f.name);
    for (const iface of new Set(evs.map((e) => e.iface))) {
      const avail = of(evs, 'available', iface);
      const used = of(evs, 'used', iface);
      assert.ok(avail.length > 0 && used.length > 0, `${f.name}: chains made available and used`);
      assert.ok(evs.every((e) => e.error === undefined), `${f.name}: no violations`);
      // Every buffer made available comes back exactly once (batches count each of their buffers).
      const key = (e: Ev): number => (e['id'] ?? e['head']) as number;
      const back = used.flatMap((e) => (e['batch'] as number[] | undefined) ?? [key(e)]);
      // Receive queues end with buffers still posted; every other workload completes all it submits.
      if (f.name.includes('-net-') && iface === 0) assert.ok(back.length < avail.length, f.name);
      else assert.equal(back.length, avail.length, `${f.name} iface ${iface}`);
      const made = new Set(avail.map(key));
      assert.ok(back.every((id) => made.has(id)), `${f.name}: only buffers made available are used`);
    }
  }
});

test('split blk: each request is header (readable, 16 bytes) -> data -> status (writable, 1 byte), linked by next', () => {
  const evs = events('split-blk');
  const avail = of(evs, 'available');
  assert.equal(avail[0]?.text, `driver made head 0 available: desc 0 -> 1 -> 2; virtio_blk_outhdr type 0 (IN) sector ${(avail[0]?.['virtio_blk_outhdr'] as { sector: string }).sector}`);
  for (const e of avail) {
    const d = e['descs'] as Desc[];
    assert.equal(d[0]?.len, 16);
    assert.equal((d[0]?.flags ?? 0) & VRING_DESC_F_WRITE, 0);
    assert.equal(d.at(-1)?.len, 1);
    assert.equal((d.at(-1)?.flags ?? 0) & VRING_DESC_F_WRITE, VRING_DESC_F_WRITE);
    for (let k = 0; k + 1 < d.length; k++) {
      assert.equal((d[k]?.flags ?? 0) & VRING_DESC_F_NEXT, VRING_DESC_F_NEXT);
      assert.equal(d[k]?.next, d[k + 1]?.desc);
    }
    assert.equal(e.text.split(':')[1], ` desc ${d.map((x) => x.desc).join(' -> ')}; virtio_blk_outhdr type ${(e['virtio_blk_outhdr'] as { type: number }).type} (${['IN', 'OUT', '', '', 'FLUSH'][(e['virtio_blk_outhdr'] as { type: number }).type]}) sector ${(e['virtio_blk_outhdr'] as { sector: string }).sector}`);
  }
  // A read comes back with its data length + 1 (the status byte), a write or flush with 1; status VIRTIO_BLK_S_OK.
  const byHead = new Map<number, Ev>();
  for (const e of evs) {
    if (e.kind === 'available') byHead.set(e['head'] as number, e);
    if (e.kind !== 'used') continue;
    const req = byHead.get(e['id'] as number) as Ev;
    const d = req['descs'] as Desc[];
    const type = (req['virtio_blk_outhdr'] as { type: number }).type;
    assert.equal(e['len'], type === 0 ? (d[1] as Desc).len + 1 : 1);
    assert.equal(e['status'], 0);
    assert.equal(e.text, `device used head ${e['id']} len ${e['len']}; status 0 (OK)`);
  }
});

test('split wrap: avail and used indices cross 65535 -> 0, and so do the event words', () => {
  const evs = events('split-wrap');
  for (const kind of ['available', 'used']) {
    const idx = of(evs, kind).map((e) => e['idx'] as number);
    assert.equal(idx[0], 65530);
    const at = idx.indexOf(65535);
    assert.ok(at >= 0 && idx[at + 1] === 0, `${kind}: ${idx.join(',')}`);
    assert.deepEqual(idx, Array.from({ length: 12 }, (_, k) => (65530 + k) & 0xffff));
  }
  assert.ok(evs.some((e) => e.text === 'device set avail_event 0'));
  assert.ok(evs.some((e) => e.text === 'driver set used_event 0'));
});

test('packed wrap: chains straddle the ring end and both wrap counters flip, in step', () => {
  const evs = events('packed-wrap');
  const avail = of(evs, 'available');
  const used = of(evs, 'used');
  assert.deepEqual([...new Set(avail.map((e) => e['avail_wrap_counter']))].sort(), [0, 1]);
  assert.deepEqual([...new Set(used.map((e) => e['used_wrap_counter']))].sort(), [0, 1]);
  // A used descriptor is written in the pass its buffer was made available in, at the buffer's head position.
  avail.forEach((a, k) => {
    assert.equal(used[k]?.['used_wrap_counter'], a['avail_wrap_counter']);
    assert.equal(used[k]?.['head'], a['head']);
  });
  assert.ok(avail.some((e) => /available at 3\.\.1;/.test(e.text)), 'a chain at positions 3, 0, 1 of a 4-entry ring');
  assert.ok(avail.some((e) => e.text.endsWith('; driver wrap counter now 0')));
  assert.ok(used.some((e) => e.text.endsWith('; device wrap counter now 1')));
});

test('split net with merged rx buffers: num_buffers > 1, then that many used buffers carry the packet', () => {
  const evs = events('split-net-mrg');
  const used = of(evs, 'used', 0);
  let packets = 0;
  for (let k = 0; k < used.length; k++) {
    const hdr = used[k]?.['virtio_net_hdr_v1'] as { num_buffers: number } | undefined;
    if (hdr === undefined) continue;
    packets++;
    const n = hdr.num_buffers;
    assert.match(used[k]?.text ?? '', new RegExp(`virtio_net_hdr_v1 flags 0 gso_type 0 num_buffers ${n}$`));
    for (let j = 1; j < n; j++) {
      assert.equal(used[k + j]?.['merged_buffer'], j + 1);
      assert.match(used[k + j]?.text ?? '', new RegExp(`merged rx buffer ${j + 1} of ${n}$`));
    }
    // Every buffer but the packet's last is filled (256 bytes each).
    for (let j = 0; j < n - 1; j++) assert.equal(used[k + j]?.['len'], 256);
  }
  assert.equal(packets, 6);
  assert.ok(used.some((e) => (e['virtio_net_hdr_v1'] as { num_buffers: number } | undefined)?.num_buffers === 3));
  // Transmit (queue 1): the driver's header, GSO on every other packet.
  const tx = of(evs, 'available', 1).map((e) => e['virtio_net_hdr_v1'] as { gso_type: number; gso_size: number });
  assert.deepEqual(tx.map((h) => h.gso_type), [0, 1, 0, 1]);
  assert.deepEqual(tx.map((h) => h.gso_size), [0, 1448, 0, 1448]);
});

test('legacy big-endian split ring decodes to the same events as the same workload little-endian', () => {
  const seed = fixtureSeed('split-legacy-be');
  const be = events('split-legacy-be');
  const le = record((rec) => legacyBlk(rec, seed, 'little'));
  const pick = (evs: Ev[]) => evs.filter((e) => e.kind === 'available' || e.kind === 'used' || e.kind === 'kick' || e.kind === 'interrupt');
  assert.ok(pick(be).length >= 12);
  assert.deepEqual(pick(be), pick(le));
  // ... while the bytes really are in different orders: the avail.idx stores differ.
  const stores = (evs: Ev[]) => evs.filter((e) => e.kind === 'write' && /2 byte/.test(e.text)).length;
  assert.equal(stores(be), stores(le));
  // (A reader's records are reused objects, valid until the next: read each inside the loop.)
  const firstAvailIdxStore = (bytes: Uint8Array): string => {
    for (const r of new TraceReader(bytes)) {
      // The 2-byte write at offsetof(vring_avail, idx) of the driver area (0x80 in vring_init's layout for 8 entries).
      if (r.rec_type === protocol.trace.RWT_WRITE && r.body.length === 18 && new DataView(r.body.buffer, r.body.byteOffset).getUint32(8, true) === 0x82) return Buffer.from(r.body.subarray(16)).toString('hex');
    }
    return '';
  };
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  legacyBlk(rec, seed, 'little');
  rec.close();
  assert.equal(firstAvailIdxStore(readFileSync(`${fixturesRoot}virtio/split-legacy-be.pcapng`)), '0001', 'avail.idx 1, big-endian');
  assert.equal(firstAvailIdxStore(sink.bytes), '0100', 'avail.idx 1, little-endian');
});

test('IN_ORDER: one used element stands for a batch of three, naming its last head', () => {
  const used = of(events('split-in-order'), 'used');
  assert.equal(used.length, 3);
  assert.deepEqual(used[0]?.['batch'], [0, 3, 6]);
  assert.equal(used[0]?.text, 'device used head 6 len 513 for a batch of 3 (heads 0, 3, 6); status 0 (OK)');
  assert.deepEqual(used.map((e) => e['idx']), [0, 3, 6]);
});

test('indirect: one ring descriptor per request, its table expanded in the event', () => {
  for (const e of of(events('split-indirect'), 'available')) {
    const d = e['descs'] as Desc[];
    assert.equal(d.filter((x) => x.indirect !== true).length, 1);
    const table = d.filter((x) => x.indirect === true);
    assert.ok(table.length === 2 || table.length === 3);
    assert.match(e.text, new RegExp(`^driver made head ${e['head']} available: desc ${e['head']} \\[indirect ${table.map((x) => x.desc).join(' -> ')}\\];`));
    assert.equal(table.at(-1)?.len, 1);
  }
});

test('notification suppression: flags without EVENT_IDX, event words with it (split); DESC / DISABLE (packed)', () => {
  const off = events('split-no-event-idx');
  assert.ok(off.some((e) => e.kind === 'used-flags' && e.text === 'device set used.flags 0x1 (VRING_USED_F_NO_NOTIFY)'));
  assert.ok(off.some((e) => e.kind === 'used-flags' && e.text === 'device set used.flags 0x0'));
  assert.ok(off.some((e) => e.kind === 'avail-flags' && e.text === 'driver set avail.flags 0x1 (VRING_AVAIL_F_NO_INTERRUPT)'));
  assert.ok(!off.some((e) => e.kind === 'used-event' || e.kind === 'avail-event'));
  const on = events('split-event-idx');
  assert.ok(on.some((e) => e.kind === 'avail-event') && on.some((e) => e.kind === 'used-event'));
  assert.ok(!on.some((e) => e.kind === 'used-flags' || e.kind === 'avail-flags'));
  // With the device polling, a batch is published without a kick.
  assert.ok(of(on, 'kick').length < of(on, 'available').length);
  const packed = events('packed-event-suppression');
  for (const text of ['driver set driver event flags DESC', 'driver set driver event flags DISABLE', 'device set device event flags DISABLE', 'device set device event flags DESC']) {
    assert.ok(packed.some((e) => e.text === text), text);
  }
  assert.ok(packed.some((e) => e.kind === 'driver-event' && e.text === 'driver set driver event off_wrap 3 wrap 1' && e['off_wrap'] === 3 + 0x8000));
});

test('annotations name the operation and its arguments', () => {
  const evs = events('split-blk');
  const add = evs.find((e) => e.kind === 'annotation' && e['op'] === 'virtqueue_add_split');
  assert.deepEqual(add?.['args'], { head: 0, descs: 3 });
  assert.equal(add?.text, 'driver virtqueue_add_split head=0 descs=3');
  const ops = new Set(evs.filter((e) => e.kind === 'annotation').map((e) => `${e.party} ${String(e['op'])}`));
  for (const op of ['front virtqueue_kick_prepare', 'front virtqueue_notify', 'front virtqueue_get_buf', 'back virtqueue_pop', 'back virtqueue_push', 'back virtio_notify']) assert.ok(ops.has(op), op);
  assert.ok(new Set(events('packed-blk').filter((e) => e.kind === 'annotation').map((e) => e['op'])).has('virtqueue_add_packed'));
});

test('kicks with VIRTIO_F_NOTIFICATION_DATA carry the decoded value (split: avail idx; packed: next_off / next_wrap)', () => {
  const nd = 1n << BigInt(VIRTIO_F_NOTIFICATION_DATA);
  const split = record((rec) => {
    const q = recordVirtqueue(rec, { layout: 'split', size: 4, queue: 2, features: VERSION_1 | nd, ram: new ArrayBuffer(0x8000), desc: 0, avail: 0x1000, used: 0x2000 });
    const drv = new SplitDriver(q.driverConfig);
    drv.add([{ addr: 0x4000, len: 8 }]);
    drv.kick();
  });
  const k = of(split, 'kick')[0];
  assert.equal(k?.text, 'driver kicked queue 2 (avail idx 1)');
  assert.deepEqual([k?.['vqn'], k?.['next_off'], k?.['next_wrap']], [2, 1, 0]);
  const packed = record((rec) => {
    const q = recordVirtqueue(rec, { layout: 'packed', size: 2, features: VERSION_1 | RING_PACKED | nd, ram: new ArrayBuffer(0x8000), desc: 0, driverEvent: 0x1000, deviceEvent: 0x1004 });
    const drv = new PackedDriver(q.driverConfig);
    const dev = new PackedDevice(q.deviceConfig);
    drv.add([{ addr: 0x4000, len: 8 }, { addr: 0x4100, len: 8, write: true }]);
    drv.kick();
    const c = dev.pop();
    assert.ok(c !== null);
    dev.pushUsed(c.id, 8);
    dev.interrupt();
  });
  assert.equal(of(packed, 'kick')[0]?.text, 'driver kicked queue 0 (next_off 0, next_wrap 0)');
  assert.equal(of(packed, 'interrupt')[0]?.text, 'device interrupted queue 0');
  assert.equal(of(packed, 'used')[0]?.text, 'device used buffer id 0 len 8; device wrap counter now 0');
});

test('a hostile chain (a descriptor loop) is one event with the walker\'s code, and decoding goes on', () => {
  const evs = record((rec) => {
    const q = recordVirtqueue(rec, { layout: 'split', size: 4, features: VERSION_1, ram: new ArrayBuffer(0x8000), desc: 0, avail: 0x1000, used: 0x2000 });
    // The driver writes descriptor 0 -> 1 -> 0 and publishes head 0 by hand (avail.ring[0] = 0, avail.idx = 1).
    const desc = new DataView(new ArrayBuffer(32));
    for (const [i, next] of [[0, 1], [1, 0]] as const) {
      desc.setBigUint64(i * 16, 0x4000n, true);
      desc.setUint32(i * 16 + 8, 16, true);
      desc.setUint16(i * 16 + 12, VRING_DESC_F_NEXT, true);
      desc.setUint16(i * 16 + 14, next, true);
    }
    q.driverMemory.write(0, new Uint8Array(desc.buffer));
    const a = splitAreas(4, false);
    q.driverMemory.write(0x1000 + a.availRing, Uint8Array.of(0, 0));
    q.driverMemory.write(0x1002, Uint8Array.of(1, 0));
    // Then a well-formed chain after it: the decoder still reads it.
    q.driverMemory.write(0x20, new Uint8Array(new BigUint64Array([0x5000n, 8n]).buffer));
    q.driverMemory.write(0x1000 + a.availRing + 2, Uint8Array.of(2, 0));
    q.driverMemory.write(0x1002, Uint8Array.of(2, 0));
  });
  const avail = of(evs, 'available');
  assert.equal(avail.length, 2);
  assert.equal(avail[0]?.['error'], 'VIRTQ_DESC_LOOP');
  assert.match(avail[0]?.text ?? '', /^driver made head 0 available: VIRTQ_DESC_LOOP: /);
  assert.equal(avail[1]?.text, 'driver made head 2 available: desc 2');
});

test('recordVirtqueue fills the setup record from its options and gives each party its own recorded memory', () => {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  const q = recordVirtqueue(rec, { layout: 'split', size: 8, queue: 1, features: VERSION_1, byteOrder: 'big', ram: new ArrayBuffer(0x4000), ramAddress: 0x100000, desc: 0x100000, avail: 0x100080, used: 0x101000, deviceId: 2 });
  assert.deepEqual(q.setup, { transport: 'virtio', layout: 'split', size: 8, queue: 1, byte_order: 'big', features: '0x100000000', desc: '0x100000', avail: '0x100080', used: '0x101000', device_id: 2 });
  const drv = new SplitDriver(q.driverConfig);
  const dev = new SplitDevice(q.deviceConfig);
  drv.add([{ addr: 0x102000, len: 4 }]);
  assert.equal(dev.pop()?.head, 0);
  dev.pushUsed(0, 0);
  rec.close();
  const parties = new Set<number>();
  for (const r of new TraceReader(sink.bytes)) if (r.rec_type === protocol.trace.RWT_WRITE) parties.add(r.party);
  const evs = [...decodeTraceEvents(new TraceReader(sink.bytes))];
  assert.equal(evs[0]?.text.startsWith('setup {"transport":"virtio"'), true);
  assert.equal(of(evs as Ev[], 'available')[0]?.text, 'driver made head 0 available: desc 0');
  assert.deepEqual([...parties].sort(), [protocol.trace.RWT_PARTY_FRONT, protocol.trace.RWT_PARTY_BACK]);
  assert.equal(of(evs as Ev[], 'used')[0]?.text, 'device used head 0 len 0');
});

/**
 * The virtio trace fixtures: each runs ringwire's SplitDriver/SplitDevice or PackedDriver/PackedDevice on a
 * queue recorded with recordVirtqueue(), with a small block or network device model written here, driven by
 * the fixture's seed. The device models use only the queue ends' public API and the protocol/ codecs.
 */
import {
  SplitDriver, SplitDevice, PackedDriver, PackedDevice, recordVirtqueue, codecFor, legacyPlacement,
  VIRTIO_RING_F_EVENT_IDX, VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_F_IN_ORDER, VRING_DESC_F_INDIRECT,
  virtioConstant, type DescChain, type GuestMemory, type TraceRecorder, type UsedBuffer, type VirtqBuffer, type VirtqueueRecording,
  type SplitQueueConfig, type VirtqFeatures,
} from '../../src/index.js';
import { rng } from '../virtio/rng.js';
import type { TraceFixture } from './fixture-kit.js';

const bit = (n: number): bigint => 1n << BigInt(n);
export const VERSION_1 = bit(virtioConstant('VIRTIO_F_VERSION_1'));
export const RING_PACKED = bit(virtioConstant('VIRTIO_F_RING_PACKED'));
export const EVENT_IDX = bit(VIRTIO_RING_F_EVENT_IDX);
export const INDIRECT = bit(VIRTIO_RING_F_INDIRECT_DESC);
export const IN_ORDER = bit(VIRTIO_F_IN_ORDER);
/** linux/virtio_net.h VIRTIO_NET_F_MRG_RXBUF (declared in protocol/virtio/constants.ts, oracle-checked). */
export const MRG_RXBUF = bit(virtioConstant('VIRTIO_NET_F_MRG_RXBUF'));
const VIRTIO_ID_NET = virtioConstant('VIRTIO_ID_NET');
const VIRTIO_ID_BLOCK = virtioConstant('VIRTIO_ID_BLOCK');

const T_IN = virtioConstant('VIRTIO_BLK_T_IN');
const T_OUT = virtioConstant('VIRTIO_BLK_T_OUT');
const T_FLUSH = virtioConstant('VIRTIO_BLK_T_FLUSH');
const S_OK = virtioConstant('VIRTIO_BLK_S_OK');
const SECTOR = 512;

interface DriverEnd {
  add(bufs: readonly VirtqBuffer[]): number;
  addIndirect(bufs: readonly VirtqBuffer[], tableAddr: number): number;
  kick(): boolean;
  getUsed(): UsedBuffer | null;
  enableCallbacks(): boolean;
  disableCallbacks(): void;
}
interface DeviceEnd {
  pop(): DescChain | null;
  pushUsed(id: number, len: number): void;
  pushUsedBatch(lastId: number, len: number): number;
  interrupt(): boolean;
  enableNotifications(): boolean;
  disableNotifications(): void;
}

/** One recorded queue with both ends. */
interface Queue {
  readonly q: VirtqueueRecording<unknown>;
  readonly driver: DriverEnd;
  readonly device: DeviceEnd;
  readonly byteOrder: 'little' | 'big';
}

interface QueueSpec {
  readonly layout: 'split' | 'packed';
  readonly size: number;
  readonly features: bigint;
  readonly queue?: number;
  readonly deviceId: number;
  readonly byteOrder?: 'little' | 'big';
  readonly ramBytes?: number;
  /** Split only: start both ends at this avail/used index (a queue handed over running). */
  readonly base?: number;
}

/** Guest RAM: the areas at 0 .. 0x3000, buffers from BUFFERS. */
const BUFFERS = 0x4000;

function openQueue(rec: TraceRecorder, s: QueueSpec): Queue {
  const ram = new ArrayBuffer(s.ramBytes ?? 0x10000);
  const common = { size: s.size, features: s.features, ram, queue: s.queue ?? 0, deviceId: s.deviceId };
  if (s.layout === 'packed') {
    const q = recordVirtqueue(rec, { ...common, layout: 'packed', desc: 0, driverEvent: 0x1000, deviceEvent: 0x1004 });
    return { q, driver: new PackedDriver(q.driverConfig), device: new PackedDevice(q.deviceConfig), byteOrder: 'little' };
  }
  const byteOrder = s.byteOrder ?? 'little';
  // A legacy queue sits where vring_init() puts it (virtio 1.2 §2.7.2); a modern one at separate pages.
  const at = (s.features & VERSION_1) === 0n ? legacyPlacement(s.size, 0x1000) : { desc: 0, avail: 0x1000, used: 0x2000 };
  const q = recordVirtqueue(rec, { ...common, layout: 'split', byteOrder, desc: at.desc, avail: at.avail, used: at.used });
  if (s.base !== undefined) {
    // The queue as it stands when handed over: avail.idx and used.idx both at base, each written by its owner
    // together with its flags word (a 4-byte store, so decoders take it as state, not as new entries).
    const word = new Uint8Array(4);
    new DataView(word.buffer).setUint16(2, s.base, byteOrder === 'little');
    q.driverMemory.write(at.avail, word);
    q.deviceMemory.write(at.used, word);
  }
  const base = s.base === undefined ? {} : { base: s.base };
  const driver = new SplitDriver({ ...(q.driverConfig as SplitQueueConfig & VirtqFeatures), ...base });
  const device = new SplitDevice({ ...(q.deviceConfig as SplitQueueConfig & VirtqFeatures), ...base });
  if (s.base !== undefined) {
    // Each end asks for notifications from where it stands (avail_event / used_event = base with EVENT_IDX).
    device.enableNotifications();
    driver.enableCallbacks();
  }
  return { q, byteOrder, driver, device };
}

/** The buffer entries of a walked chain (the descriptor naming an indirect table is not one). */
function buffers(c: DescChain): number[] {
  const out: number[] = [];
  for (let k = 0; k < c.count; k++) if (((c.flags[k] as number) & VRING_DESC_F_INDIRECT) === 0) out.push(k);
  return out;
}

// ---- virtio-blk ----------------------------------------------------------------------------------------

interface BlkRequest { readonly type: number; readonly sector: number; readonly sectors: number }

/** A block driver: builds each request's header, data and status buffers in its slot of guest RAM. */
class BlkDriver {
  readonly #outhdr;
  #n = 0;
  constructor(private readonly queue: Queue, private readonly next: () => number, private readonly indirect = false) {
    this.#outhdr = codecFor('virtio_blk_outhdr', { byteOrder: queue.byteOrder });
  }

  /** virtio 1.2 §5.2.6: header (device-readable), data, then a one-byte device-writable status. */
  submit(req: BlkRequest): number {
    const mem: GuestMemory = this.queue.q.driverMemory;
    const slot = BUFFERS + (this.#n++ % 8) * 0x800;
    mem.write(slot, this.#outhdr.encodeToBytes({ type: req.type, ioprio: 0, sector: BigInt(req.sector) }));
    const bufs: VirtqBuffer[] = [{ addr: slot, len: this.#outhdr.layout.size }];
    if (req.type !== T_FLUSH) {
      const data = slot + 0x100;
      if (req.type === T_OUT) mem.write(data, Uint8Array.from({ length: req.sectors * SECTOR }, () => this.next() & 0xff));
      bufs.push({ addr: data, len: req.sectors * SECTOR, write: req.type === T_IN });
    }
    bufs.push({ addr: slot + 0x20, len: 1, write: true });
    return this.indirect ? this.queue.driver.addIndirect(bufs, slot + 0x40) : this.queue.driver.add(bufs);
  }
}

/** A block device over `disk`: reads the header, moves the data, writes the status; returns the used length. */
function serveBlk(c: DescChain, disk: Uint8Array, byteOrder: 'little' | 'big'): number {
  const b = buffers(c);
  const hdr = new Uint8Array(16);
  c.readBuffer(b[0] as number, hdr);
  const h = codecFor('virtio_blk_outhdr', { byteOrder }).decode(hdr);
  const at = Number(h['sector']) * SECTOR % disk.length;
  let written = 0;
  const dataEntries = b.slice(1, -1);
  for (const k of dataEntries) {
    const len = c.len[k] as number;
    if (Number(h['type']) === T_IN) written += c.writeBuffer(k, disk.subarray(at, at + len));
    else c.readBuffer(k, disk.subarray(at, at + len));
  }
  c.writeBuffer(b[b.length - 1] as number, Uint8Array.of(S_OK));
  return written + 1;
}

function blkRequest(next: () => number, i: number): BlkRequest {
  const types = [T_IN, T_OUT, T_IN, T_OUT, T_FLUSH];
  const type = types[i % types.length] as number;
  const sector = Math.floor(next() * 64) * 8;
  return { type, sector: type === T_FLUSH ? 0 : sector, sectors: 1 + (i % 2) };
}

/** `n` block requests: submit `batch`, kick, serve them all, interrupt, reclaim. */
function blkWorkload(queue: Queue, seed: number, n: number, batch: number, indirect = false): void {
  const next = rng(seed);
  const nextByte = (): number => Math.floor(next() * 256);
  const drv = new BlkDriver(queue, nextByte, indirect);
  const disk = new Uint8Array(64 * 1024).map(() => nextByte());
  for (let i = 0; i < n; i += batch) {
    for (let k = i; k < Math.min(n, i + batch); k++) drv.submit(blkRequest(next, k));
    queue.driver.kick();
    for (let c = queue.device.pop(); c !== null; c = queue.device.pop()) queue.device.pushUsed(c.id, serveBlk(c, disk, queue.byteOrder));
    queue.device.interrupt();
    while (queue.driver.getUsed() !== null) { /* reclaimed */ }
  }
}

// ---- virtio-net ----------------------------------------------------------------------------------------

const RX_BUF = 256;

/** The receive queue: the driver posts single-buffer chains; the device merges as many as a packet needs. */
function netRx(rx: Queue, seed: number, packets: number): void {
  const next = rng(seed);
  const hdr = codecFor('virtio_net_hdr_v1', { byteOrder: rx.byteOrder });
  const post = (i: number): number => rx.driver.add([{ addr: BUFFERS + (i % 16) * RX_BUF, len: RX_BUF, write: true }]);
  let posted = 0;
  for (; posted < 12; posted++) post(posted);
  rx.driver.kick();
  for (let p = 0; p < packets; p++) {
    const size = 60 + Math.floor(next() * 600);
    const frame = Uint8Array.from({ length: size }, () => Math.floor(next() * 256));
    // virtio 1.2 §5.1.6.4: with VIRTIO_NET_F_MRG_RXBUF the packet may span buffers; num_buffers says how many.
    const total = hdr.layout.size + size;
    const need = Math.ceil(total / RX_BUF);
    const bytes = new Uint8Array(total);
    bytes.set(hdr.encodeToBytes({ flags: 0, gso_type: 0, hdr_len: 0, gso_size: 0, csum_start: 0, csum_offset: 0, num_buffers: need }));
    bytes.set(frame, hdr.layout.size);
    for (let k = 0; k < need; k++) {
      const c = rx.device.pop();
      if (c === null) throw new Error('receive queue ran dry');
      const part = bytes.subarray(k * RX_BUF, Math.min(total, (k + 1) * RX_BUF));
      c.writeBuffer(buffers(c)[0] as number, part);
      rx.device.pushUsed(c.id, part.length);
    }
    rx.device.interrupt();
    for (let u = rx.driver.getUsed(); u !== null; u = rx.driver.getUsed()) post(posted++);
    rx.driver.kick();
  }
}

/** The transmit queue: header and frame as two device-readable buffers; the device uses each with len 0. */
function netTx(tx: Queue, seed: number, packets: number): void {
  const next = rng(seed ^ 0x5a5a);
  const hdr = codecFor('virtio_net_hdr_v1', { byteOrder: tx.byteOrder });
  for (let p = 0; p < packets; p++) {
    const at = BUFFERS + (p % 8) * 0x800;
    const gso = p % 2 === 1;
    tx.q.driverMemory.write(at, hdr.encodeToBytes({ flags: 1, gso_type: gso ? 1 : 0, hdr_len: gso ? 54 : 0, gso_size: gso ? 1448 : 0, csum_start: 34, csum_offset: 16, num_buffers: 0 }));
    const size = 64 + Math.floor(next() * 1400);
    tx.q.driverMemory.write(at + 0x20, Uint8Array.from({ length: size }, () => Math.floor(next() * 256)));
    tx.driver.add([{ addr: at, len: hdr.layout.size }, { addr: at + 0x20, len: size }]);
    tx.driver.kick();
    const c = tx.device.pop();
    if (c === null) throw new Error('nothing to transmit');
    tx.device.pushUsed(c.id, 0);
    tx.device.interrupt();
    tx.driver.getUsed();
  }
}

function netFixture(rec: TraceRecorder, seed: number, layout: 'split' | 'packed'): void {
  const features = VERSION_1 | MRG_RXBUF | (layout === 'packed' ? RING_PACKED : 0n);
  const rx = openQueue(rec, { layout, size: 16, features, queue: 0, deviceId: VIRTIO_ID_NET });
  const tx = openQueue(rec, { layout, size: 16, features, queue: 1, deviceId: VIRTIO_ID_NET });
  netRx(rx, seed, 6);
  netTx(tx, seed, 4);
}

// ---- the fixtures --------------------------------------------------------------------------------------

/** The block workload of the legacy big-endian fixture, exported so a test can run it little-endian too. */
export function legacyBlk(rec: TraceRecorder, seed: number, byteOrder: 'little' | 'big'): void {
  blkWorkload(openQueue(rec, { layout: 'split', size: 8, features: 0n, deviceId: VIRTIO_ID_BLOCK, byteOrder }), seed, 6, 2);
}

export const virtioTraceFixtures: readonly TraceFixture[] = [
  {
    name: 'split-blk', dir: 'virtio',
    about: 'virtio-blk on a 16-entry split queue: reads, writes and flushes, header + data + status per request; the device fills read data and each status byte.',
    record: (rec, seed) => blkWorkload(openQueue(rec, { layout: 'split', size: 16, features: VERSION_1, deviceId: VIRTIO_ID_BLOCK }), seed, 10, 3),
  },
  {
    name: 'split-net-mrg', dir: 'virtio',
    about: 'virtio-net on split queues with VIRTIO_NET_F_MRG_RXBUF: receive packets spread over several 256-byte buffers (virtio_net_hdr_v1.num_buffers > 1), and transmit with checksum/GSO headers.',
    record: (rec, seed) => netFixture(rec, seed, 'split'),
  },
  {
    name: 'split-indirect', dir: 'virtio',
    about: 'virtio-blk requests made available through indirect descriptor tables (VIRTIO_RING_F_INDIRECT_DESC): one ring descriptor per request.',
    record: (rec, seed) => blkWorkload(openQueue(rec, { layout: 'split', size: 8, features: VERSION_1 | INDIRECT, deviceId: VIRTIO_ID_BLOCK }), seed, 6, 2, true),
  },
  {
    name: 'split-event-idx', dir: 'virtio',
    about: 'VIRTIO_RING_F_EVENT_IDX: the device moves avail_event as it pops and the driver used_event as it reclaims; kicks and interrupts only when an index passes the other side\'s event word.',
    record: (rec, seed) => {
      const q = openQueue(rec, { layout: 'split', size: 8, features: VERSION_1 | EVENT_IDX, deviceId: VIRTIO_ID_BLOCK });
      blkWorkload(q, seed, 4, 1);
      // The device polls: avail_event stops following, so the next batch is published without a kick.
      q.device.disableNotifications();
      blkWorkload(q, seed + 1, 4, 2);
      q.device.enableNotifications();
      q.driver.disableCallbacks();
      blkWorkload(q, seed + 2, 2, 2);
      q.driver.enableCallbacks();
    },
  },
  {
    name: 'split-no-event-idx', dir: 'virtio',
    about: 'Flag-based notification suppression without EVENT_IDX: the device sets VRING_USED_F_NO_NOTIFY while it polls, the driver VRING_AVAIL_F_NO_INTERRUPT while it reclaims by polling.',
    record: (rec, seed) => {
      const q = openQueue(rec, { layout: 'split', size: 8, features: VERSION_1, deviceId: VIRTIO_ID_BLOCK });
      blkWorkload(q, seed, 2, 1);
      q.device.disableNotifications();
      q.driver.disableCallbacks();
      blkWorkload(q, seed + 1, 4, 2);
      q.device.enableNotifications();
      q.driver.enableCallbacks();
      blkWorkload(q, seed + 2, 2, 1);
    },
  },
  {
    name: 'split-wrap', dir: 'virtio',
    about: 'The 16-bit index wrap: driver and device based at avail/used index 65530 (as vhost VHOST_SET_VRING_BASE attaches to a running queue), twelve requests carry both indices past 65535 to 0.',
    record: (rec, seed) => blkWorkload(openQueue(rec, { layout: 'split', size: 8, features: VERSION_1 | EVENT_IDX, deviceId: VIRTIO_ID_BLOCK, base: 65530 }), seed, 12, 2),
  },
  {
    name: 'split-legacy-be', dir: 'virtio',
    about: 'A legacy (pre-1.0) split queue of a big-endian guest, laid out by vring_init(): ring fields and virtio_blk_outhdr in guest byte order.',
    record: (rec, seed) => legacyBlk(rec, seed, 'big'),
  },
  {
    name: 'split-in-order', dir: 'virtio',
    about: 'VIRTIO_F_IN_ORDER: the device returns batches of requests with one used element naming the batch\'s last head; the driver takes the whole batch back.',
    record: (rec, seed) => {
      const q = openQueue(rec, { layout: 'split', size: 16, features: VERSION_1 | IN_ORDER, deviceId: VIRTIO_ID_BLOCK });
      const next = rng(seed);
      const drv = new BlkDriver(q, () => Math.floor(next() * 256));
      const disk = new Uint8Array(64 * 1024);
      for (let round = 0; round < 3; round++) {
        for (let k = 0; k < 3; k++) drv.submit({ type: T_IN, sector: 8 * (round * 3 + k), sectors: 1 });
        q.driver.kick();
        let last: DescChain | null = null;
        let len = 0;
        for (let c = q.device.pop(); c !== null; c = q.device.pop()) { len = serveBlk(c, disk, 'little'); last = c; }
        if (last !== null) q.device.pushUsedBatch(last.id, len);
        q.device.interrupt();
        while (q.driver.getUsed() !== null) { /* the batch, oldest first */ }
      }
    },
  },
  {
    name: 'packed-blk', dir: 'virtio',
    about: 'virtio-blk on a 16-entry packed queue: each request a chain of three descriptors made available by its head\'s flags, used by one used descriptor.',
    record: (rec, seed) => blkWorkload(openQueue(rec, { layout: 'packed', size: 16, features: VERSION_1 | RING_PACKED, deviceId: VIRTIO_ID_BLOCK }), seed, 10, 3),
  },
  {
    name: 'packed-net-mrg', dir: 'virtio',
    about: 'virtio-net on packed queues with VIRTIO_NET_F_MRG_RXBUF: merged receive buffers (num_buffers > 1) and transmit.',
    record: (rec, seed) => netFixture(rec, seed, 'packed'),
  },
  {
    name: 'packed-wrap', dir: 'virtio',
    about: 'A 4-entry packed queue and 12 three-descriptor requests: the driver and device wrap counters flip again and again, chains straddle the ring\'s end.',
    record: (rec, seed) => blkWorkload(openQueue(rec, { layout: 'packed', size: 4, features: VERSION_1 | RING_PACKED, deviceId: VIRTIO_ID_BLOCK }), seed, 12, 1),
  },
  {
    name: 'packed-event-suppression', dir: 'virtio',
    about: 'Packed event suppression with EVENT_IDX: VRING_PACKED_EVENT_FLAG_DESC with off_wrap in both structures, DISABLE while polling, ENABLE again.',
    record: (rec, seed) => {
      const q = openQueue(rec, { layout: 'packed', size: 16, features: VERSION_1 | RING_PACKED | EVENT_IDX, deviceId: VIRTIO_ID_BLOCK });
      q.driver.enableCallbacks();
      q.device.enableNotifications();
      blkWorkload(q, seed, 4, 2);
      q.device.disableNotifications();
      blkWorkload(q, seed + 1, 3, 3);
      q.device.enableNotifications();
      q.driver.disableCallbacks();
      blkWorkload(q, seed + 2, 3, 1);
      q.driver.enableCallbacks();
    },
  },
];

/**
 * ringwire's own virtqueue ends as implementations under test (ReplayImplementationFactory), for replaying
 * hostile traces. Protocol decisions are the end's own checked operations: the device walks every chain with
 * the hostile-input-proof walker (SplitDevice / PackedDevice pop()), the driver validates every used element
 * (SplitDriver getUsed()), kicks and interrupts follow notification suppression. What the recorded side
 * produced of its own accord is its workload, read from `ctx.recorded`: the buffers a driver made available,
 * the bytes and used length a device wrote.
 *
 *   device  first the driver's news (ctx.events: notification data checked, queue reset / re-enable followed),
 *           then pop every available chain, write the recording's bytes into its device-writable buffers, use it
 *           with the recorded len (or all its writable bytes), interrupt when the driver asks (§2.7.7.2). Packed:
 *           a popped buffer is used once the recording shows it used (when is the device's workload), and the
 *           driver event is checked before deciding to notify (§2.8.10).
 *   driver  reclaim every used buffer (getUsed(), checked), then add the chains the recording made available
 *           next (walked from the recorded descriptors, their device-readable bytes copied as the recording
 *           shows them) and kick once for the batch when the device asks (§2.7.10, §2.8.21). Its own queue reset
 *           (ctx.events) is followed; a device that still uses or interrupts on the reset queue is refused.
 */
import type { VirtioTraceSetup } from '../../protocol/trace/index.js';
import type { ReplayContext, ReplayImplementation } from '../trace/replay-impl.js';
import { GuestMemory } from '../virtio/guest-memory.js';
import { SplitDevice } from '../virtio/split-device.js';
import { SplitDriver } from '../virtio/split-driver.js';
import { SplitRing, type SplitQueueConfig } from '../virtio/split-ring.js';
import { PackedDevice } from '../virtio/packed-device.js';
import { PackedDriver } from '../virtio/packed-driver.js';
import { PackedRing, type PackedQueueConfig } from '../virtio/packed-ring.js';
import { walkPackedChain } from '../virtio/packed-walker.js';
import { DescChain } from '../virtio/chain.js';
import { walkSplitChain } from '../virtio/chain-walker.js';
import { virtqFeatures } from '../virtio/features.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_WRITE, VRING_PACKED_EVENT_FLAG_DESC } from '../virtio/flags.js';
import { idx16Add } from '../virtio/index16.js';
import type { VirtqBuffer } from '../virtio/buffers.js';
import type { RingPort } from '../memory/ring-port.js';
import { VirtqError } from '../virtio/errors.js';
import { geometryChangeError } from '../virtio/queue-reset.js';
import { QUEUE_REINIT_OPS, QUEUE_RESET_OP } from '../check/virtq-state.js';
import type { ReplayEvent } from '../trace/replay-impl.js';

/** What a device end does on the driver's news; SplitDevice and PackedDevice both offer it. */
interface DeviceEnd {
  readonly isReset: boolean;
  checkNotification(value: number): number;
  reset(): void;
  enable(): void;
}

/**
 * The driver's news since the device's last run, as the transport tells a device (ReplayContext.events): a
 * kick's VIRTIO_F_NOTIFICATION_DATA value is checked (§2.9; without the feature VIRTQ_FEATURE_NOT_NEGOTIATED),
 * the driver's queue reset (virtqueue_reset, the queue_reset register) resets the device's queue state
 * (§2.6.1.1.1), and its re-initialisation (virtqueue_reinit_*, queue_enable) re-enables it, refused with
 * VIRTQ_QUEUE_ENABLED when the queue was not reset (§2.6.1.2); a live queue set up again with other geometry is
 * refused with VIRTQ_GEOMETRY_CHANGED.
 */
function driverNews(device: DeviceEnd, events: readonly ReplayEvent[], live: { setup: object; readonly queue: number }): void {
  for (const e of events) {
    if (e.party !== 'front') continue;
    if (e.kind === 'setup') {
      // A live queue set up again with other geometry is refused (§2.6.1.2: only a reset queue may be).
      const bad = device.isReset ? undefined : geometryChangeError(live.queue, live.setup, e.setup);
      if (bad !== undefined) throw bad;
      live.setup = e.setup;
    } else if (e.kind === 'notify' && e.data !== undefined && !device.isReset) device.checkNotification(e.data);
    else if (e.kind === 'annotation' && e.annotation.op === QUEUE_RESET_OP && !device.isReset) device.reset();
    else if (e.kind === 'annotation' && QUEUE_REINIT_OPS.has(e.annotation.op)) device.enable();
  }
}

/**
 * virtio 1.2 §2.8.10: with VIRTIO_RING_F_EVENT_IDX and RING_EVENT_FLAGS_DESC, the driver event's off_wrap
 * names "the descriptor ring offset" at which the driver wants a notification: one outside the ring is no
 * position the device will ever reach. A device reads it when it decides whether to notify (after using buffers).
 */
export function driverEventError(ring: PackedRing): VirtqError | undefined {
  const offWrap = ring.driverEventOffWrap();
  if (!ring.eventIdx || ring.driverEventFlags() !== VRING_PACKED_EVENT_FLAG_DESC || PackedRing.offWrapOffset(offWrap) < ring.size) return undefined;
  return new VirtqError('VIRTQ_EVENT_OFFSET_OUT_OF_RANGE', `driver event off_wrap 0x${offWrap.toString(16)} names ring offset ${PackedRing.offWrapOffset(offWrap)}, outside the ring of ${ring.size} (virtio 1.2 §2.8.10)`, {
    index: ring.queueIndex, received: offWrap, expected: `offset < ${ring.size}`,
  });
}

/** The driver's own reset (its workload) and, on a queue it reset, a device that still uses or interrupts: refused (§2.6.1.1.1). */
function resetNews(driver: { readonly isReset: boolean; reset(): number }, events: readonly ReplayEvent[], queue: number, usedMoved: () => boolean): void {
  for (const e of events) {
    if (e.party === 'front' && e.kind === 'annotation' && e.annotation.op === QUEUE_RESET_OP && !driver.isReset) driver.reset();
  }
  if (!driver.isReset) return;
  const interrupted = events.some((e) => e.party === 'back' && e.kind === 'notify');
  if (interrupted || usedMoved()) {
    throw new VirtqError('VIRTQ_QUEUE_RESET', `the device ${interrupted ? 'notified the driver' : 'used a buffer'} on queue ${queue} after the driver reset it (virtio 1.2 §2.6.1.1.1)`, { index: queue });
  }
}

/** Every region mapped at its guest-physical address (a trace's RAM, or separate area regions). */
function memoryOf(ctx: ReplayContext, ports: readonly RingPort[]): GuestMemory {
  const m = new GuestMemory();
  ctx.regions.forEach((g, i) => { m.map(g.address, ports[i] as RingPort); });
  return m;
}

function splitConfig(s: VirtioTraceSetup, memory: GuestMemory): SplitQueueConfig & ReturnType<typeof virtqFeatures> {
  return {
    memory, size: s.size, desc: BigInt(s.desc), avail: BigInt(s.avail ?? 0), used: BigInt(s.used ?? 0),
    byteOrder: s.byte_order, queueIndex: s.queue, ...virtqFeatures(BigInt(s.features)),
  };
}

/** The region holding guest addresses [addr, addr + len), or -1. */
function regionAt(ctx: ReplayContext, addr: number, len: number): number {
  return ctx.regions.findIndex((g) => addr >= g.address && addr + len <= g.address + g.length);
}

/** `len` bytes at guest address `addr` of the recorded memory (empty outside it). */
function recordedBytes(ctx: ReplayContext, addr: number, len: number): Uint8Array {
  const i = regionAt(ctx, addr, len);
  if (i < 0) return new Uint8Array(0);
  const off = addr - (ctx.regions[i] as ReplayContext['regions'][number]).address;
  return (ctx.recorded[i] as RingPort).bytes.slice(off, off + len);
}

/** Write the recording's bytes into the chain's device-writable buffers, `len` bytes in all. */
function fill(ctx: ReplayContext, c: DescChain, len: number): void {
  let left = len;
  for (let k = 0; k < c.count && left > 0; k++) {
    if (((c.flags[k] as number) & VRING_DESC_F_WRITE) === 0 || ((c.flags[k] as number) & VRING_DESC_F_INDIRECT) !== 0) continue;
    const n = Math.min(left, c.len[k] as number);
    const bytes = recordedBytes(ctx, c.addr(k), n);
    if (bytes.length > 0) c.writeBuffer(k, bytes);
    left -= n;
  }
}

function packedConfig(s: VirtioTraceSetup, memory: GuestMemory): PackedQueueConfig & ReturnType<typeof virtqFeatures> {
  return {
    memory, size: s.size, desc: BigInt(s.desc), driverEvent: BigInt(s.driver_event ?? 0), deviceEvent: BigInt(s.device_event ?? 0),
    queueIndex: s.queue, ...virtqFeatures(BigInt(s.features)),
  };
}

/** The chain just walked as the buffers a driver adds, after copying the recording's bytes into its device-readable ones. */
function workloadBuffers(ctx: ReplayContext, c: DescChain): { bufs: VirtqBuffer[]; table: bigint | undefined } {
  const bufs: VirtqBuffer[] = [];
  let table: bigint | undefined;
  for (let k = 0; k < c.count; k++) {
    const flags = c.flags[k] as number;
    if ((flags & VRING_DESC_F_INDIRECT) !== 0) { table = c.addrBig(k); continue; }
    const write = (flags & VRING_DESC_F_WRITE) !== 0;
    const len = c.len[k] as number;
    if (!write) {
      // What the recorded driver put in the buffer is its workload too.
      const i = regionAt(ctx, c.addr(k), len);
      if (i >= 0) (ctx.ports[i] as RingPort).write(c.addr(k) - (ctx.regions[i] as ReplayContext['regions'][number]).address, recordedBytes(ctx, c.addr(k), len));
    }
    bufs.push({ addr: c.addrBig(k), len, write });
  }
  return { bufs, table };
}

/** A virtio device under test: ringwire's SplitDevice or PackedDevice. */
export function virtioDevice(ctx: ReplayContext): ReplayImplementation {
  const s = ctx.setup as VirtioTraceSetup;
  /** The queue's geometry as last set up (a later setup record arrives as an event). */
  const live = { setup: s as object, queue: s.queue };
  const memory = memoryOf(ctx, ctx.ports);
  if (s.layout === 'packed') {
    const device = new PackedDevice(packedConfig(s, memory));
    const recorded = new PackedRing(packedConfig(s, memoryOf(ctx, ctx.recorded)));
    /** Buffers popped and not used yet: when a device completes a request is its workload (a disk may hold it). */
    const held: { id: number; writable: number }[] = [];
    /** The buffer id the recorded device wrote as used at the device's next used position, if it did. */
    const recordedUse = (): number | undefined => {
      const pos = device.nextUsed;
      if (!PackedRing.isUsed(recorded.descFlags(pos), device.usedWrap)) return undefined;
      return recorded.descPort.view.getUint16(recorded.descBase + pos * recorded.stride + recorded.idOff, true);
    };
    return {
      run() {
        driverNews(device, ctx.events ?? [], live);
        if (device.isReset) return;  // a reset queue executes nothing
        for (let c = device.pop(); c !== null; c = device.pop()) {
          fill(ctx, c, c.writable);
          held.push({ id: c.id, writable: c.writable });
        }
        let used = false;
        for (let id = recordedUse(); id !== undefined; id = recordedUse()) {
          const k = held.findIndex((h) => h.id === id);
          if (k < 0) break;
          const [h] = held.splice(k, 1);
          device.pushUsed(id, (h as { writable: number }).writable);
          used = true;
        }
        if (used) {
          const bad = driverEventError(device.ring);
          if (bad !== undefined) throw bad;
          device.interrupt();
        }
      },
    };
  }
  const device = new SplitDevice(splitConfig(s, memory));
  const recorded = new SplitRing(splitConfig(s, memoryOf(ctx, ctx.recorded)));
  return {
    run() {
      driverNews(device, ctx.events ?? [], live);
      if (device.isReset) return;  // a reset queue executes nothing
      let used = false;
      for (let c = device.pop(); c !== null; c = device.pop()) {
        // The recorded device's used element in the same position, when it used this head there.
        const slot = device.usedIdxShadow & (s.size - 1);
        const len = recorded.usedElemIdAt(slot) === c.head ? recorded.usedElemLenAt(slot) : c.writable;
        fill(ctx, c, len);
        device.pushUsed(c.head, len);
        used = true;
      }
      if (used) device.interrupt();
    },
  };
}

/** A virtio driver under test: ringwire's SplitDriver or PackedDriver, making available what the recorded driver did. */
export function virtioDriver(ctx: ReplayContext): ReplayImplementation {
  const s = ctx.setup as VirtioTraceSetup;
  const memory = memoryOf(ctx, ctx.ports);
  const recordedMemory = memoryOf(ctx, ctx.recorded);
  const chain = new DescChain(s.size * 2 + 1, recordedMemory);
  const add = (driver: SplitDriver | PackedDriver): void => {
    const { bufs, table } = workloadBuffers(ctx, chain);
    if (table === undefined) driver.add(bufs); else driver.addIndirect(bufs, table);
  };
  if (s.layout === 'packed') {
    const driver = new PackedDriver(packedConfig(s, memory));
    const recorded = new PackedRing(packedConfig(s, recordedMemory));
    // Where the recorded driver makes its next chain available, and its wrap counter (§2.8.1).
    let pos = 0;
    let wrap = 1;
    return {
      run() {
        resetNews(driver, ctx.events ?? [], s.queue, () => false);
        while (driver.getUsed() !== null);
        let added = false;
        while (PackedRing.isAvail(recorded.descFlags(pos), wrap)) {
          walkPackedChain(recorded, pos, wrap, chain);
          add(driver);
          added = true;
          pos += chain.ringCount;
          if (pos >= s.size) { pos -= s.size; wrap ^= 1; }
        }
        if (added) driver.kick();  // one kick for the batch, as virtqueue_kick() after the adds
      },
    };
  }
  const driver = new SplitDriver(splitConfig(s, memory));
  const recorded = new SplitRing(splitConfig(s, recordedMemory));
  let avail = driver.ring.availIdx();
  /** used.idx when the driver reset the queue. */
  let usedAtReset: number | undefined;
  return {
    run() {
      const wasReset = driver.isReset;
      resetNews(driver, ctx.events ?? [], s.queue, () => usedAtReset !== undefined && driver.ring.usedIdx() !== usedAtReset);
      if (driver.isReset) {
        if (!wasReset) usedAtReset = driver.ring.usedIdx();
        return;  // nothing more on a reset queue until the driver re-enables it
      }
      while (driver.getUsed() !== null);
      const until = recorded.availIdx();
      const added = avail !== until;
      while (avail !== until) {
        walkSplitChain(recorded, recorded.availRing(avail & (s.size - 1)), chain);
        add(driver);
        avail = idx16Add(avail, 1);
      }
      if (added) driver.kick();  // one kick for the batch, as virtqueue_kick() after the adds
      // Without VIRTIO_RING_F_EVENT_IDX used_event means nothing to the protocol (§2.7.7.2: the device MUST
      // ignore it), yet Linux's virtqueue_enable_cb_prepare_split / _delayed_split store it unconditionally
      // ("always do both"): what the recorded driver stored there is its workload.
      if (!driver.ring.eventIdx) {
        const want = recorded.usedEvent();
        if (driver.ring.usedEvent() !== want) driver.ring.setUsedEvent(want);
      }
    },
  };
}

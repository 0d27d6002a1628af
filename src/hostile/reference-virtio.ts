/**
 * ringwire's own virtqueue ends as implementations under test (ReplayImplementationFactory), for replaying
 * hostile traces. Protocol decisions are the end's own checked operations: the device walks every chain with
 * the hostile-input-proof walker (SplitDevice / PackedDevice pop()), the driver validates every used element
 * (SplitDriver getUsed()), kicks and interrupts follow notification suppression. What the recorded side
 * produced of its own accord is its workload, read from `ctx.recorded`: the buffers a driver made available,
 * the bytes and used length a device wrote.
 *
 *   device  pop every available chain, write the recording's bytes into its device-writable buffers, use it
 *           with the recorded len (or all its writable bytes), interrupt when the driver asks (§2.7.7.2).
 *   driver  reclaim every used buffer (getUsed(), checked), then add the chains the recording made available
 *           next (walked from the recorded descriptor table) and kick after each as the driver asks (§2.7.10).
 */
import type { VirtioTraceSetup } from '../../protocol/trace/index.js';
import type { ReplayContext, ReplayImplementation } from '../trace/replay-impl.js';
import { GuestMemory } from '../virtio/guest-memory.js';
import { SplitDevice } from '../virtio/split-device.js';
import { SplitDriver } from '../virtio/split-driver.js';
import { SplitRing, type SplitQueueConfig } from '../virtio/split-ring.js';
import { PackedDevice } from '../virtio/packed-device.js';
import { DescChain } from '../virtio/chain.js';
import { walkSplitChain } from '../virtio/chain-walker.js';
import { virtqFeatures } from '../virtio/features.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_WRITE } from '../virtio/flags.js';
import { idx16Add } from '../virtio/index16.js';
import { VirtqError } from '../virtio/errors.js';
import type { VirtqBuffer } from '../virtio/buffers.js';
import type { RingPort } from '../memory/ring-port.js';

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

/** `len` bytes at guest address `addr` of the recorded memory (empty outside it). */
function recordedBytes(ctx: ReplayContext, addr: number, len: number): Uint8Array {
  for (let i = 0; i < ctx.regions.length; i++) {
    const g = ctx.regions[i] as ReplayContext['regions'][number];
    if (addr >= g.address && addr + len <= g.address + g.length) {
      const off = addr - g.address;
      return (ctx.recorded[i] as RingPort).bytes.slice(off, off + len);
    }
  }
  return new Uint8Array(0);
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

/** A virtio device under test: ringwire's SplitDevice or PackedDevice. */
export function virtioDevice(ctx: ReplayContext): ReplayImplementation {
  const s = ctx.setup as VirtioTraceSetup;
  const memory = memoryOf(ctx, ctx.ports);
  if (s.layout === 'packed') {
    const f = virtqFeatures(BigInt(s.features));
    const device = new PackedDevice({
      memory, size: s.size, desc: BigInt(s.desc), driverEvent: BigInt(s.driver_event ?? 0), deviceEvent: BigInt(s.device_event ?? 0), queueIndex: s.queue, ...f,
    });
    return {
      run() {
        let used = false;
        for (let c = device.pop(); c !== null; c = device.pop()) {
          fill(ctx, c, c.writable);
          device.pushUsed(c.id, c.writable);
          used = true;
        }
        if (used) device.interrupt();
      },
    };
  }
  const device = new SplitDevice(splitConfig(s, memory));
  const recorded = new SplitRing(splitConfig(s, memoryOf(ctx, ctx.recorded)));
  return {
    run() {
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

/** A virtio driver under test: ringwire's SplitDriver, making available what the recorded driver did. */
export function virtioDriver(ctx: ReplayContext): ReplayImplementation {
  const s = ctx.setup as VirtioTraceSetup;
  if (s.layout !== 'split') {
    throw new VirtqError('VIRTQ_BAD_GEOMETRY', 'ringwire has no reference packed-queue driver for replay yet: replay the device side, or a split queue.', { received: s.layout });
  }
  const driver = new SplitDriver(splitConfig(s, memoryOf(ctx, ctx.ports)));
  const recorded = new SplitRing(splitConfig(s, memoryOf(ctx, ctx.recorded)));
  const chain = new DescChain(s.size * 2 + 1, recorded.memory);
  let avail = driver.ring.availIdx();
  return {
    run() {
      while (driver.getUsed() !== null);
      const until = recorded.availIdx();
      while (avail !== until) {
        const head = recorded.availRing(avail & (s.size - 1));
        walkSplitChain(recorded, head, chain);
        const bufs: VirtqBuffer[] = [];
        let table: bigint | undefined;
        for (let k = 0; k < chain.count; k++) {
          const flags = chain.flags[k] as number;
          if ((flags & VRING_DESC_F_INDIRECT) !== 0) { table = chain.addrBig(k); continue; }
          bufs.push({ addr: chain.addrBig(k), len: chain.len[k] as number, write: (flags & VRING_DESC_F_WRITE) !== 0 });
        }
        if (table === undefined) driver.add(bufs); else driver.addIndirect(bufs, table);
        driver.kick();
        avail = idx16Add(avail, 1);
      }
    },
  };
}

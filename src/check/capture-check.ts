/**
 * Captured virtqueues (src/trace/virtio-capture.ts: a setup record, a `capture` annotation, the areas and
 * indirect tables as snapshots, no buffers) have no stores to judge one by one: what a trace checker can judge
 * of them is the state the snapshot shows, as `ringwire dump` judges an image (src/check/dump-virtio.ts). This
 * runs those state rules over an interface's replayed regions at its end. Buffers were not captured, so they
 * are not checked; a packed queue's chains are judged only from a position the device itself gave (its event
 * structure in DESC mode), as for a dump. Core code: no node: imports.
 */
import { RWT_REGION_VIRTIO_RAM, type VirtioTraceSetup } from '../../protocol/trace/index.js';
import { PlainRingPort } from '../memory/ring-port.js';
import { GuestMemory } from '../virtio/guest-memory.js';
import { SplitRing } from '../virtio/split-ring.js';
import { PackedRing } from '../virtio/packed-ring.js';
import { virtqFeatures } from '../virtio/features.js';
import type { ReplayInterface } from '../trace/replayer.js';
import { checkPackedSnapshot, checkSplitSnapshot } from './dump-virtio.js';
import type { DumpFinding } from './finding.js';

/** The state-rule findings of a captured queue's snapshot, or none when its setup does not place the areas. */
export function capturedQueueFindings(state: ReplayInterface): DumpFinding[] {
  const setup = state.setup as VirtioTraceSetup | undefined;
  if (setup?.transport !== 'virtio') return [];
  const gpa = (s: string | undefined): number | undefined => (s !== undefined && /^0x[0-9a-f]{1,13}$/i.test(s) ? Number(s) : undefined);
  const memory = new GuestMemory();
  const ringMemory = new GuestMemory();
  for (const g of state.regions) {
    const port = new PlainRingPort(g.bytes.buffer, g.bytes.byteOffset, g.bytes.byteLength);
    if (g.kind === RWT_REGION_VIRTIO_RAM) memory.map(g.address, port); else ringMemory.map(g.address, port);
  }
  const f = virtqFeatures(/^0x[0-9a-f]{1,16}$/i.test(setup.features) ? BigInt(setup.features) : 0n);
  const common = { memory, ringMemory, size: setup.size, eventIdx: f.eventIdx, indirect: true, queueIndex: setup.queue };
  const desc = gpa(setup.desc);
  if (desc === undefined) return [];
  if (setup.layout === 'split') {
    const avail = gpa(setup.avail);
    const used = gpa(setup.used);
    if (avail === undefined || used === undefined) return [];
    const ring = new SplitRing({ ...common, desc, avail, used, byteOrder: setup.byte_order === 'big' ? 'big' : 'little', legacy: true });
    return checkSplitSnapshot(ring, { unmapped: 'not-checked' }).findings;
  }
  const driverEvent = gpa(setup.driver_event);
  const deviceEvent = gpa(setup.device_event);
  if (driverEvent === undefined || deviceEvent === undefined) return [];
  const ring = new PackedRing({ ...common, desc, driverEvent, deviceEvent });
  return checkPackedSnapshot(ring, { unmapped: 'not-checked' }).findings;
}

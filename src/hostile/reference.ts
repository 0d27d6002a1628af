/**
 * ringwire's reference implementation of either side of any interface a trace carries, as a
 * ReplayImplementationFactory: the Xen ends of reference-xen.ts, the virtqueue ends of reference-virtio.ts.
 * Replaying a hostile trace against it shows what a careful implementation does (tested for every scenario).
 */
import type { ReplayImplementationFactory } from '../trace/replay-impl.js';
import { xenBackend, xenFrontend } from './reference-xen.js';
import { virtioDevice, virtioDriver } from './reference-virtio.js';

export const referenceImplementation: ReplayImplementationFactory = (ctx) => {
  if (ctx.setup.transport === 'xen') return ctx.side === 'back' ? xenBackend(ctx) : xenFrontend(ctx);
  return ctx.side === 'back' ? virtioDevice(ctx) : virtioDriver(ctx);
};

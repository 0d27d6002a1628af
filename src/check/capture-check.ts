/**
 * Captured virtqueues (src/trace/virtio-capture.ts: a setup record, a `capture` annotation, the areas and
 * indirect tables as snapshots, no buffers) have no stores to judge one by one: what a trace checker can judge
 * of them is the state the snapshot shows, as `ringwire dump` judges an image (src/check/dump-virtio.ts). This
 * runs those state rules over an interface's replayed regions at its end. Buffers were not captured, so they
 * are not checked; a packed queue's chains are judged only from a position the device itself gave (its event
 * structure in DESC mode), as for a dump. Core code: no node: imports.
 */
import { SplitRing } from '../virtio/split-ring.js';
import { capturedRing } from '../trace/virtio-capture.js';
import { TraceError } from '../trace/errors.js';
import type { ReplayInterface } from '../trace/replayer.js';
import { checkPackedSnapshot, checkSplitSnapshot } from './dump-virtio.js';
import type { DumpFinding } from './finding.js';

/** The state-rule findings of a captured queue's snapshot (none for an interface that is not a virtqueue). */
export function capturedQueueFindings(state: ReplayInterface): DumpFinding[] {
  let ring;
  try {
    ring = capturedRing(state);
  } catch (e) {
    if (e instanceof TraceError) return []; // a setup that does not place the areas: nothing to judge
    throw e;
  }
  if (ring === undefined) return [];
  return ring instanceof SplitRing ? checkSplitSnapshot(ring, { unmapped: 'not-checked' }).findings : checkPackedSnapshot(ring, { unmapped: 'not-checked' }).findings;
}

/**
 * The per-queue reset state every driver and device end shares (virtio 1.2 §2.6.1, VIRTIO_F_RING_RESET):
 * live → reset() → (nothing executes, nothing notifies) → enable() → live. One small object per queue end, so
 * the four ends state the rule once.
 */
import { VirtqError } from './errors.js';

export class QueueResetState {
  #reset = false;

  /** `negotiated`: VIRTIO_F_RING_RESET was negotiated for this device. */
  constructor(private readonly negotiated: boolean) {}

  /** True between reset() and enable(). */
  get isReset(): boolean { return this.#reset; }

  /**
   * Refuse an operation on a reset queue. §2.6.1.1.1: "After a queue has been reset by the driver, the device
   * MUST NOT execute any requests from that virtqueue, or notify the driver for it"; the driver uses it again
   * only after re-enabling it (§2.6.1.2.2).
   */
  requireLive(op: string, queue: number): void {
    if (this.#reset) throw new VirtqError('VIRTQ_QUEUE_RESET', `${op} on queue ${queue} after reset() and before enable()`, { index: queue });
  }

  /** Enter the reset state; false when the queue was already reset. Without the feature: VIRTQ_FEATURE_NOT_NEGOTIATED. */
  beginReset(queue: number): boolean {
    if (!this.negotiated) throw new VirtqError('VIRTQ_FEATURE_NOT_NEGOTIATED', `reset() of queue ${queue} without VIRTIO_F_RING_RESET`, { index: queue });
    if (this.#reset) return false;
    this.#reset = true;
    return true;
  }

  /** Check that the queue may be re-enabled (§2.6.1.2: only a reset queue is); call endReset() once set up. */
  requireReset(queue: number): void {
    if (!this.#reset) throw new VirtqError('VIRTQ_QUEUE_ENABLED', `enable() of queue ${queue}, which was not reset`, { index: queue });
  }

  endReset(): void {
    this.#reset = false;
  }
}

/** The members of a virtio trace setup that place and size a queue (its geometry). */
const GEOMETRY = ['layout', 'size', 'desc', 'avail', 'used', 'driver_event', 'device_event'] as const;

/** What moved when a live queue was set up again: the members, their old and new values, a sentence. */
export interface GeometryChange { readonly path: string; readonly expected: string; readonly received: string; readonly message: string }

/**
 * A queue set up again while live with other geometry: §2.6.1.2 lets the driver change a queue's size and areas
 * only after resetting it (VIRTIO_F_RING_RESET) or the device; a live queue's areas belong to the device.
 * `was` and `now` are the setup records (protocol/trace VirtioTraceSetup). Undefined when nothing moved.
 */
export function geometryChange(queue: number, was: object, now: object): GeometryChange | undefined {
  const w = was as Record<string, unknown>;
  const n = now as Record<string, unknown>;
  const changed = GEOMETRY.filter((k) => n[k] !== w[k]);
  if (changed.length === 0) return undefined;
  const words = (o: Record<string, unknown>): string => changed.map((k) => `${k} ${String(o[k])}`).join(', ');
  return {
    path: changed.join(', '), expected: words(w), received: words(n),
    message: `queue ${queue} set up again from ${words(w)} to ${words(n)} while it was live (no queue reset)`,
  };
}

/** The same, as the error a device refuses the new setup with (VIRTQ_GEOMETRY_CHANGED). */
export function geometryChangeError(queue: number, was: object, now: object): VirtqError | undefined {
  const c = geometryChange(queue, was, now);
  return c === undefined ? undefined : new VirtqError('VIRTQ_GEOMETRY_CHANGED', c.message, { index: queue, path: c.path, expected: c.expected, received: c.received });
}

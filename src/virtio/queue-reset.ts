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

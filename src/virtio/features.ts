/**
 * The negotiated feature bits a virtqueue end acts on, beside the ring geometry of SplitQueueConfig /
 * PackedQueueConfig. Bit numbers come from protocol/virtio/constants.ts (linux/virtio_ring.h,
 * linux/virtio_config.h; virtio 1.2 §6 "Reserved Feature Bits").
 */
import { virtioConstant } from './virtio-constants.js';
import { notificationDataFeature } from '../../protocol/virtio/constants.js';

/** linux/virtio_config.h: the device uses buffers in the order they were made available (§2.7.9, §2.8.8). */
export const VIRTIO_F_IN_ORDER = virtioConstant('VIRTIO_F_IN_ORDER');
/** linux/virtio_config.h: the driver can reset one queue (§2.6.1). */
export const VIRTIO_F_RING_RESET = virtioConstant('VIRTIO_F_RING_RESET');
/** virtio 1.2 §6: driver notifications carry where the next available entry goes (§2.9). */
export const VIRTIO_F_NOTIFICATION_DATA = notificationDataFeature.value;
export const VIRTIO_RING_F_INDIRECT_DESC = virtioConstant('VIRTIO_RING_F_INDIRECT_DESC');
export const VIRTIO_RING_F_EVENT_IDX = virtioConstant('VIRTIO_RING_F_EVENT_IDX');

/** Features a driver or device end takes in its config, next to the queue's geometry. */
export interface VirtqFeatures {
  /** VIRTIO_F_IN_ORDER negotiated: buffers are used in the order made available; a used entry may stand for a batch. */
  readonly inOrder?: boolean;
  /** VIRTIO_F_NOTIFICATION_DATA negotiated: kicks carry { vqn, next_off, next_wrap } (§2.9). */
  readonly notificationData?: boolean;
  /** VIRTIO_F_RING_RESET negotiated: reset() and enable() of a single queue (§2.6.1). */
  readonly ringReset?: boolean;
}

/** The ring features a queue end acts on, from the 64-bit set of negotiated feature bits. */
export function virtqFeatures(negotiated: bigint): VirtqFeatures & { readonly eventIdx: boolean; readonly indirect: boolean } {
  const has = (bit: number): boolean => ((negotiated >> BigInt(bit)) & 1n) === 1n;
  return {
    eventIdx: has(VIRTIO_RING_F_EVENT_IDX),
    indirect: has(VIRTIO_RING_F_INDIRECT_DESC),
    inOrder: has(VIRTIO_F_IN_ORDER),
    notificationData: has(VIRTIO_F_NOTIFICATION_DATA),
    ringReset: has(VIRTIO_F_RING_RESET),
  };
}

/**
 * VIRTIO_F_NOTIFICATION_DATA (virtio 1.2 §2.9 "Driver Notifications"): with the feature, an available
 * buffer notification is the 32-bit value
 *
 *   le32 { vqn : 16; next_off : 15; next_wrap : 1; }        (§4.1.5.2 PCI, §4.2.3.3 MMIO)
 *
 * vqn is the queue number. Split: next_off is "the 15 least significant bits of the available index" and
 * next_wrap its bit 15, so together they are the new avail->idx. Packed: next_off is the descriptor ring
 * offset where the next available descriptor will be written and next_wrap the driver's wrap counter for
 * it. The bit layout is the same for both rings; only the meaning of next_off/next_wrap differs.
 */
import { VirtqError } from './errors.js';

const NEXT_SHIFT = 16;
const WRAP_SHIFT = 31;

/** A decoded notification value; fields keep the spec's names. */
export interface NotificationData {
  readonly vqn: number;
  readonly next_off: number;
  readonly next_wrap: number;
}

/** The 32-bit value for queue `vqn` whose next available entry is at `nextOff` in pass `nextWrap`. */
export function encodeNotificationData(vqn: number, nextOff: number, nextWrap: number): number {
  return ((vqn & 0xffff) | ((nextOff & 0x7fff) << NEXT_SHIFT) | ((nextWrap & 1) << WRAP_SHIFT)) >>> 0;
}

/** Split: the value announcing avail->idx `availIdx` (next_off | next_wrap << 15 is the 16-bit index). */
export function splitNotificationData(vqn: number, availIdx: number): number {
  return ((vqn & 0xffff) | ((availIdx & 0xffff) << NEXT_SHIFT)) >>> 0;
}

/** Split: the avail index a notification value announces. */
export function notifiedAvailIdx(value: number): number {
  return (value >>> NEXT_SHIFT) & 0xffff;
}

/** Decode a 32-bit notification value into { vqn, next_off, next_wrap }. */
export function decodeNotificationData(value: number): NotificationData {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new VirtqError('VIRTQ_NOTIFICATION_DATA_MISMATCH', `notification value ${value} is not a 32-bit unsigned integer`, { received: value });
  }
  return { vqn: value & 0xffff, next_off: (value >>> NEXT_SHIFT) & 0x7fff, next_wrap: value >>> WRAP_SHIFT };
}

/** `vqn` of a notification value. */
export function notifiedVqn(value: number): number {
  return value & 0xffff;
}

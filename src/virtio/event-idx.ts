/**
 * Notification suppression arithmetic shared by split and packed rings.
 */

/**
 * linux/virtio_ring.h vring_need_event(): true when moving an index from `oldIdx` to `newIdx` passes
 * `eventIdx`, i.e. (u16)(new - event - 1) < (u16)(new - old), all in 16-bit wrapping arithmetic
 * (virtio 1.2 §2.7.7.2, §2.7.10).
 */
export function vringNeedEvent(eventIdx: number, newIdx: number, oldIdx: number): boolean {
  return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
}

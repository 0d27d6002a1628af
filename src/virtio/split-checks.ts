/**
 * Split-ring rules shared by the device (split-device.ts) and the snapshot analysis (split-snapshot.ts), so
 * each is written once.
 */
import { VirtqError } from './errors.js';
import { idx16Sub } from './index16.js';

/**
 * virtio 1.2 §2.7.6 / §2.7.13.3: avail.idx counts the heads the driver added, so it is never more than the queue
 * size ahead of what the device has consumed (`from`: the device's last_avail_idx, or used.idx in a snapshot,
 * which trails it). Returns how far ahead it is (modulo 2^16); VIRTQ_AVAIL_IDX_JUMP otherwise.
 */
export function availAhead(availIdx: number, from: number, size: number, fromName = 'last_avail_idx'): number {
  const n = idx16Sub(availIdx, from);
  if (n > size) {
    throw new VirtqError('VIRTQ_AVAIL_IDX_JUMP', `avail.idx ${availIdx} is ${n} entries ahead of ${fromName} ${from}, more than the queue size ${size}`, { index: availIdx, expected: `<= ${size}`, received: n });
  }
  return n;
}

/**
 * Packed-ring rules shared by the device (packed-device.ts) and the snapshot analysis (packed-snapshot.ts), so
 * each is written once.
 */
import { VirtqError } from './errors.js';

/**
 * virtio 1.2 §2.8.21.1 / §2.8.22 (ringwire policy, see VIRTQ_PACKED_DUPLICATE_ID): a buffer id is made
 * available again only after the device used it. `outstanding[id]` is 1 while id is available and unused;
 * `pos` is the ring position of the chain carrying it.
 */
export function checkIdNotOutstanding(outstanding: Uint8Array, id: number, pos: number): void {
  if (outstanding[id] === 1) {
    throw new VirtqError('VIRTQ_PACKED_DUPLICATE_ID', `buffer id ${id} is made available again before the device used it`, { index: pos, received: id });
  }
}

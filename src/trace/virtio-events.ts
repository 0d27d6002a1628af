/** Virtio queue events from trace records (to be written). */
import type { TransportDecoderFactory } from './event.js';

export const virtioEventDecoder: TransportDecoderFactory = () => undefined;

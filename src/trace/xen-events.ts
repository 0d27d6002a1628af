/** Xen ring events from trace records (to be written). */
import type { TransportDecoderFactory } from './event.js';

export const xenEventDecoder: TransportDecoderFactory = () => undefined;

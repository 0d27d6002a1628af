/**
 * The xenbus handshake of a split device (XenbusError): state changes in order, and the values exchanged.
 */
import type { RuleEntry } from './types.js';

export const xenbusCatalogue = [
  {
    id: 'XENBUS_BAD_TRANSITION', family: 'xenbus', kind: 'protocol', binds: 'either', severity: 'error',
    statement: 'Each end moves through the xenbus states in the handshake order, and to a state only once the other end has reached the state it waits for.',
    source: { header: 'xen/io/xenbus.h', macro: 'enum xenbus_state' },
  },
  {
    id: 'XENBUS_BAD_VALUE', family: 'xenbus', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'A frontend asks for a ring of a power-of-two page count no larger than the backend\'s max-ring-page-order allows.',
    source: { header: 'xen/io/blkif.h', macro: 'max-ring-page-order' },
  },
] as const satisfies readonly RuleEntry[];

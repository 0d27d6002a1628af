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
  {
    id: 'XENBUS_RING_BEFORE_CONNECTED', family: 'xenbus', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'Once a trace records the xenbus handshake, a blkif frontend publishes requests only while both ends it records are Connected (netfront posts rx buffers before, by design, so netif rings are not held to it).',
    source: { linux: 'drivers/block/xen-blkfront.c', function: 'blkfront_connect' },
  },
  {
    id: 'XENBUS_PROTOCOL_NOT_OFFERED', family: 'xenbus', kind: 'protocol', binds: 'front', severity: 'error',
    statement: 'The protocol a frontend writes is one of the XEN_IO_PROTO_ABI_* spellings a backend accepts (x86_32-abi, x86_64-abi, arm-abi).',
    source: { linux: 'drivers/block/xen-blkback/xenbus.c', function: 'connect_ring' },
  },
] as const satisfies readonly RuleEntry[];

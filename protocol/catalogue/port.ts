/**
 * RingPort refusals (PortError): memory a port cannot give, or a host ringwire cannot run on.
 */
import type { RuleEntry } from './types.js';

export const portCatalogue = [
  {
    id: 'PORT_BAD_REGION', family: 'port', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'A port\'s region lies inside its buffer and starts 4-aligned.',
    source: { ringwire: 'policy', why: 'shared indices are read and written with Atomics, which need naturally aligned words.' },
  },
  {
    id: 'PORT_MISALIGNED_INDEX', family: 'port', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'A shared index word sits at an offset aligned to its size.',
    source: { ringwire: 'policy', why: 'Atomics on a typed array need naturally aligned words, as ring.h\'s single aligned 32-bit index accesses do.' },
  },
  {
    id: 'PORT_OUT_OF_BOUNDS', family: 'port', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'Every access through a port stays inside the port\'s region.',
    source: { ringwire: 'policy', why: 'bad input never reads or writes out of bounds.' },
  },
  {
    id: 'PORT_BIG_ENDIAN_HOST', family: 'port', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'ringwire runs on a little-endian host.',
    source: { ringwire: 'policy', why: 'Atomics act in host byte order, and every Xen ABI and virtio 1.x is little-endian.' },
  },
] as const satisfies readonly RuleEntry[];

/**
 * GuestMemory used in a way it cannot serve (GuestMemoryError): not a peer's fault.
 */
import type { RuleEntry } from './types.js';

export const guestMemoryCatalogue = [
  {
    id: 'GUEST_MEMORY_NO_REGION', family: 'guest-memory', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'A region index names a region of this guest memory, as returned when the buffer\'s address was checked.',
    source: { ringwire: 'policy', why: 'region indices are handed out by address checks; a stale or unchecked index has no memory behind it.' },
  },
  {
    id: 'GUEST_MEMORY_NO_PORT', family: 'guest-memory', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'A region whose bytes are read on demand is given a port to read and write them through.',
    source: { ringwire: 'policy', why: 'read-on-demand regions hold no bytes themselves.' },
  },
  {
    id: 'GUEST_MEMORY_UNREADABLE', family: 'guest-memory', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'Bytes are read only from a region that can supply them, not from one declared by its size alone.',
    source: { ringwire: 'policy', why: 'a region declared by size only lets addresses be checked without the memory itself.' },
  },
] as const satisfies readonly RuleEntry[];

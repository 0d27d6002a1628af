/**
 * Trace files (TraceError): the pcapng container and ringwire's record format, and the writer's arguments.
 */
import type { RuleEntry } from './types.js';

export const traceCatalogue = [
  {
    id: 'TRACE_NOT_PCAPNG', family: 'trace', kind: 'input', binds: 'file', severity: 'error',
    statement: 'A trace starts with a pcapng Section Header Block.',
    source: { ringwire: 'policy', why: 'traces are pcapng files, so Wireshark and tshark open them.' },
  },
  {
    id: 'TRACE_TRUNCATED', family: 'trace', kind: 'input', binds: 'file', severity: 'error',
    statement: 'A trace ends after a whole block, once every interface has written its end record.',
    source: { ringwire: 'policy', why: 'a cut trace is told apart from a complete one.' },
  },
  {
    id: 'TRACE_CRC', family: 'trace', kind: 'input', binds: 'file', severity: 'error',
    statement: 'Every record carries a CRC-32 (epb_hash) that matches its bytes.',
    source: { ringwire: 'policy', why: 'a flipped bit in a trace is found, not replayed.' },
  },
  {
    id: 'TRACE_BAD_BLOCK', family: 'trace', kind: 'input', binds: 'file', severity: 'error',
    statement: 'Every pcapng block has consistent lengths, well-formed options and a known interface number.',
    source: { ringwire: 'policy', why: 'the pcapng container\'s own rules.' },
  },
  {
    id: 'TRACE_BAD_RECORD', family: 'trace', kind: 'input', binds: 'file', severity: 'error',
    statement: 'Every ringwire record follows the record format (header length, fragments in order, body as its type declares, nothing after the end record).',
    source: { ringwire: 'policy', why: 'the ringwire trace record format (protocol/trace/).' },
  },
  {
    id: 'TRACE_TOO_LARGE', family: 'trace', kind: 'input', binds: 'file', severity: 'error',
    statement: 'A length stays within the reader\'s limits, checked before anything is allocated for it.',
    source: { ringwire: 'policy', why: 'hostile input never makes ringwire allocate without bound.' },
  },
  {
    id: 'TRACE_VERSION', family: 'trace', kind: 'input', binds: 'file', severity: 'error',
    statement: 'A trace uses a pcapng and ringwire record major version this reader knows.',
    source: { ringwire: 'policy', why: 'a major version change is incompatible by definition.' },
  },
  {
    id: 'TRACE_BAD_ARGUMENT', family: 'trace', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'The trace writer is called with a known, open interface and values its fields can hold.',
    source: { ringwire: 'policy', why: 'the writer never produces a trace its own reader refuses.' },
  },
  {
    id: 'TRACE_CHECKPOINT', family: 'trace', kind: 'input', binds: 'file', severity: 'error',
    statement: 'At a checkpoint the replayed memory of the region has the SHA-256 the trace recorded.',
    source: { ringwire: 'policy', why: 'checkpoints prove a replay reproduces the recorded memory.' },
  },
] as const satisfies readonly RuleEntry[];

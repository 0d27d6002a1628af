/**
 * The command line (UsageError): `ringwire: CODE: message` on one stderr line, exit 2 (exit 1 for an
 * implementation under test that breaks the --impl-cmd line protocol or times out).
 */
import type { RuleEntry } from './types.js';

const why = 'every command-line failure is one stderr line with a stable code and exit status 2.';

export const cliCatalogue = [
  {
    id: 'CLI_USAGE', family: 'cli', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'The arguments fit the verb: its positionals and option values as its --help shows.',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CLI_UNKNOWN_VERB', family: 'cli', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'The first argument is a verb ringwire --help lists.',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CLI_UNKNOWN_OPTION', family: 'cli', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'Every option is one the verb knows.',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CLI_BAD_NUMBER', family: 'cli', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'A numeric option is a non-negative integer in decimal or 0x-hex within the range the option accepts.',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CLI_READ', family: 'cli', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'Every file named can be opened and read (- is standard input).',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CLI_INPUT_SIZE', family: 'cli', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'An input file has the size of what it should hold (a ring of 4096 << order bytes, a virtqueue area of its size).',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CLI_OUTPUT_CLOSED', family: 'cli', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'Standard output stays open while a verb is still writing.',
    source: { ringwire: 'policy', why: 'a closed pipe ends ringwire quietly (exit 141, as SIGPIPE would).' },
  },
  {
    id: 'CLI_UNKNOWN_CODE', family: 'cli', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'ringwire explain and ringwire hostile --rule are given a code or rule id the catalogue holds.',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CLI_QMP_CONNECT', family: 'cli', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'capture qemu reaches a QEMU at the QMP socket given, which greets it and answers until the capture is done.',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CLI_QMP_MISSING', family: 'cli', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'The QEMU captured has the QMP commands capture qemu uses (x-query-virtio, x-query-virtio-status, x-query-virtio-queue-status: QEMU 7.2 or later).',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CLI_QMP_ERROR', family: 'cli', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'QEMU carries out every QMP command capture qemu sends.',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CLI_NO_SCENARIO', family: 'cli', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'ringwire hostile --rule names a rule it has a hostile scenario for, on the transport asked (ringwire hostile --list shows them).',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CLI_WRITE', family: 'cli', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'Every output file named can be created and written (- is standard output).',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CLI_IMPL_SPAWN', family: 'cli', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'The command given to trace replay --impl-cmd can be started.',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CLI_IMPL_PROTOCOL', family: 'cli', kind: 'protocol', binds: 'either', severity: 'error',
    statement: 'An implementation run by trace replay --impl-cmd answers each hello and run line with one JSON line as protocol/trace/impl-protocol.md says, and neither exits nor closes its output before the replay ends.',
    source: { ringwire: 'policy', why: 'the implementation under test broke the line protocol: one stderr line and exit status 1, as for any implementation that fails the replay.' },
  },
  {
    id: 'CLI_IMPL_TIMEOUT', family: 'cli', kind: 'protocol', binds: 'either', severity: 'error',
    statement: 'An implementation run by trace replay --impl-cmd answers each run within the timeout (--timeout-ms, default 10000).',
    source: { ringwire: 'policy', why: 'an implementation that hangs fails the replay: one stderr line and exit status 1; the process is killed.' },
  },
  {
    id: 'INTERNAL', family: 'cli', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'ringwire failed with an error that is not one of its own: a bug to report, with the command that caused it.',
    source: { ringwire: 'policy', why: 'every expected failure has its own code; anything else is shown as INTERNAL rather than as a stack trace.' },
  },
] as const satisfies readonly RuleEntry[];

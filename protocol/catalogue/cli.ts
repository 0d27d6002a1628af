/**
 * The command line (UsageError): `ringwire: CODE: message` on one stderr line, exit 2.
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
    statement: 'ringwire explain is given a code or rule id the catalogue holds.',
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
    id: 'INTERNAL', family: 'cli', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'ringwire failed with an error that is not one of its own: a bug to report, with the command that caused it.',
    source: { ringwire: 'policy', why: 'every expected failure has its own code; anything else is shown as INTERNAL rather than as a stack trace.' },
  },
] as const satisfies readonly RuleEntry[];

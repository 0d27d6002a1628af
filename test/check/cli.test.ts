/**
 * `ringwire check`, in-process and as a real process: the readable report and its count line, JSON Lines,
 * --rules and --severity, exit 0 / 1 / 2, standard input, and a cut file (findings before the fault, then
 * one stderr line).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TraceReader, checkTrace, type Finding } from '../../src/index.js';
import { cli } from '../helpers/cli.js';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = (args: string[], input?: Uint8Array) => spawnSync(process.execPath, [bin, ...args], { cwd: root, timeout: 20_000, ...(input === undefined ? {} : { input }) });
const NOTIFY = 'fixtures/xen/malformed/XEN_RING_MISSING_NOTIFY.pcapng';
const STORM = 'fixtures/xen/malformed/XEN_RING_NOTIFY_STORM.pcapng';

test('check: a readable report of each finding, a count line, exit 1 on an error', async () => {
  const r = await cli('check', NOTIFY);
  assert.equal(r.status, 1);
  assert.equal(r.err, '');
  assert.equal(r.out, [
    'error XEN_RING_MISSING_NOTIFY (front) at packet 36, seq 35, byte 4296, interface 0',
    '  front moved req_prod from 2 to 3 past req_event 3 and did not notify.',
    '  sring.req_event: expected a notify from front before its next ring action; actual none',
    '  rule: xen/io/ring.h RING_PUSH_REQUESTS_AND_CHECK_NOTIFY',
    `${NOTIFY}: 1 error, 0 warnings, 0 info in 54 records`,
    '',
  ].join('\n'));
});

test('check: a valid trace is clean (exit 0); a warning alone exits 0', async () => {
  const ok = await cli('check', 'fixtures/virtio/split-event-idx.pcapng');
  assert.equal(ok.status, 0);
  assert.match(ok.out, /^fixtures\/virtio\/split-event-idx\.pcapng: 0 errors, 0 warnings, 0 info in \d+ records\n$/);
  const storm = await cli('check', STORM);
  assert.equal(storm.status, 0);
  assert.match(storm.out, /^info XEN_RING_NOTIFY_NOT_NEEDED \(front\)/);
  assert.match(storm.out, /: 0 errors, 1 warning, 8 info in \d+ records\n$/);
  const warnings = await cli('check', STORM, '--severity', 'warning');
  assert.equal(warnings.status, 0);
  assert.match(warnings.out, /^warning XEN_RING_NOTIFY_STORM \(front\) at packet \d+/);
  assert.match(warnings.out, /: 0 errors, 1 warning, 0 info in \d+ records\n$/);
});

test('check --json: one finding per line, as checkTrace gives them; --severity and --rules filter', async () => {
  const path = 'fixtures/virtio/malformed/VIRTQ_USED_ID_TWICE.pcapng';
  const r = await cli('check', path, '--json');
  assert.equal(r.status, 1);
  const lines = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Finding);
  assert.deepEqual(lines, JSON.parse(JSON.stringify(checkTrace(new TraceReader(readFileSync(`${root}${path}`))))));
  assert.equal(lines[0]?.rule, 'VIRTQ_USED_ID_TWICE');
  assert.equal(lines[0]?.party, 'device');
  const quiet = await cli('check', STORM, '--severity', 'error', '--json');
  assert.deepEqual([quiet.status, quiet.out], [0, '']);
  const other = await cli('check', NOTIFY, '--rules', 'xen-ring-double-fetch,XEN_RING_STUCK');
  assert.equal(other.status, 0, 'the error found is not among the rules asked for');
  assert.match(other.out, /: 0 errors, 0 warnings, 0 info in 54 records\n$/);
  const asked = await cli('check', NOTIFY, '--rules', 'XEN_RING_STUCK', '--rules', 'xen-ring-missing-notify', '--json');
  assert.equal(asked.status, 1);
  assert.equal((JSON.parse(asked.out) as Finding).rule, 'XEN_RING_MISSING_NOTIFY');
});

test('check: bad usage exits 2 with one stderr line', async () => {
  for (const [args, code] of [
    [['check'], 'CLI_USAGE'],
    [['check', NOTIFY, '--severity', 'fatal'], 'CLI_USAGE'],
    [['check', NOTIFY, '--rules', 'XEN_RING_MISSNG_NOTIFY'], 'CLI_UNKNOWN_CODE'],
    [['check', NOTIFY, '--bogus'], 'CLI_UNKNOWN_OPTION'],
    [['check', NOTIFY, 'two'], 'CLI_USAGE'],
  ] as const) {
    const r = await cli(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.out, '');
    assert.match(r.err, new RegExp(`^ringwire: ${code}: check: `), args.join(' '));
  }
  const typo = await cli('check', NOTIFY, '--rules', 'XEN_RING_MISSNG_NOTIFY');
  assert.match(typo.err, /closest: XEN_RING_MISSING_NOTIFY/);
});

test('check as a real process: a file, standard input, and a cut file (exit 2 after the findings before the cut)', () => {
  const file = run(['check', NOTIFY]);
  assert.equal(file.status, 1);
  assert.match(file.stdout.toString(), /^error XEN_RING_MISSING_NOTIFY \(front\) at packet 36/);
  const bytes = readFileSync(`${root}${NOTIFY}`);
  const stdin = run(['check', '-', '--json'], bytes);
  assert.equal(stdin.status, 1);
  assert.equal((JSON.parse(stdin.stdout.toString()) as Finding).rule, 'XEN_RING_MISSING_NOTIFY');
  // Cut after the push that owed the notify and the front's next action: its finding is shown, then the cut.
  const cut = run(['check', '-', '--json'], bytes.subarray(0, bytes.length - 200));
  assert.equal(cut.status, 2);
  assert.equal(cut.stderr.toString().split('\n').filter((l) => l !== '').length, 1);
  assert.match(cut.stderr.toString(), /^ringwire: TRACE_TRUNCATED: .*\(byte \d+, packet \d+\)\.\n$/);
  assert.equal((JSON.parse(cut.stdout.toString()) as Finding).rule, 'XEN_RING_MISSING_NOTIFY');
  const help = run(['check', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout.toString(), /^usage: ringwire check FILE \[--json\] \[--rules ID,\.\.\.\] \[--severity error\|warning\|info\]/);
});

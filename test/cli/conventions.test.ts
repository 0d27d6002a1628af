/**
 * The command-line conventions users rely on, checked on the real binary in a real process: `--version`,
 * `VERB --help` on stdout with exit 0, exactly one stderr line `ringwire: CODE: message` on every failure,
 * our own messages for malformed numbers, and a quiet end when the reader of stdout goes away.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { verbs } from '../../src/cli/verbs.js';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 });

test('--version prints the package version', () => {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  const r = run(['--version']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, `ringwire ${pkg.version}\n`);
  assert.equal(r.stderr, '');
});

test('every verb and dump kind answers --help with its own usage on stdout, exit 0', () => {
  const paths: string[][] = [];
  for (const [name, v] of Object.entries(verbs)) {
    paths.push([name]);
    for (const kind of Object.keys(v.kinds ?? {})) paths.push([name, kind]);
  }
  assert.ok(paths.length >= 7);
  for (const p of paths) {
    const r = run([...p, '--help']);
    assert.equal(r.status, 0, p.join(' '));
    assert.equal(r.stderr, '', p.join(' '));
    assert.match(r.stdout, new RegExp(`^usage: ringwire ${p.join(' ')}`), p.join(' '));
  }
  // --help wins over other arguments, even bad ones.
  const r = run(['dump', 'xen', '--ring', 'nope', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^usage: ringwire dump xen --ring blkif/);
  const top = run(['--help']);
  assert.equal(top.status, 0);
  for (const p of paths.filter((x) => x[0] !== 'dump' || x.length === 2)) assert.ok(top.stdout.includes(p.join(' ')), p.join(' '));
});

test('every failure is exactly one stderr line "ringwire: CODE: message" and nothing on stdout', () => {
  const cases: [string[], string][] = [
    [['frobnicate'], 'CLI_UNKNOWN_VERB'],
    [['layout', '--abi'], 'CLI_USAGE'],
    [['layout', '--json=yes'], 'CLI_USAGE'],
    [['layout', '--nope'], 'CLI_UNKNOWN_OPTION'],
    [['layout', 'no_such_struct'], 'UNKNOWN_STRUCT'],
    [['decode', 'blkif_response', 'xyz'], 'CODEC_BAD_HEX'],
    [['encode', 'blkif_response', '{"id":1}'], 'CODEC_MISSING_FIELD'],
    [['dump'], 'CLI_USAGE'],
    [['dump', 'scsi'], 'CLI_USAGE'],
    [['dump', 'xen', '--ring', 'blkif', '--order', '-1', 'x'], 'CLI_BAD_NUMBER'],
    [['dump', 'xen', '--ring', 'blkif', '--order', '1.5', 'x'], 'CLI_BAD_NUMBER'],
    [['dump', 'virtio-split', '--size', '-8'], 'CLI_BAD_NUMBER'],
    [['dump', 'virtio-packed', '--size', '0x'], 'CLI_BAD_NUMBER'],
    [['dump', 'xen', '--ring', 'blkif', 'no-such-file'], 'CLI_READ'],
  ];
  for (const [args, code] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
    assert.match(r.stderr, new RegExp(`^ringwire: ${code}: \\S[^\\n]*\\n$`), args.join(' '));
    assert.doesNotMatch(r.stderr, /ERR_PARSE_ARGS|at .*\.js:\d+/, args.join(' '));
  }
});

test('output into a closed pipe ends quietly: no stack trace, exit 141 as SIGPIPE would give', () => {
  // A reader that has gone before ringwire writes (as `| head -1` is once it has its line): the write fails EPIPE.
  const sh = `"${process.execPath}" "${bin}" layout --json | (exec 0<&-; sleep 1); echo "status=\${PIPESTATUS[0]}" >&2`;
  const r = spawnSync('bash', ['-c', sh], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.stderr, 'status=141\n');
  assert.doesNotMatch(r.stderr, /Error|EPIPE|at /);
});

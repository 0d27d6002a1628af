/**
 * `ringwire rules` and `ringwire explain`, in-process and as a real process: the catalogue as a table or
 * JSON, one entry with its citation, and one stderr line with the closest ids for a code it does not hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { catalogue } from '../../protocol/catalogue/index.js';
import { cli } from '../helpers/cli.js';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 });

test('rules lists every entry once, family by family, with severity, party, source and statement', async () => {
  const r = await cli('rules');
  assert.equal(r.status, 0);
  assert.equal(r.err, '');
  for (const e of catalogue) {
    const lines = r.out.split('\n').filter((l) => l.trimStart().startsWith(`${e.id} `));
    assert.equal(lines.length, 1, e.id);
  }
  const xenRing = catalogue.filter((e) => e.family === 'xen-ring').length;
  assert.ok(xenRing >= 9);
  assert.ok(r.out.startsWith(`xen-ring (${xenRing})\n`), 'the first family with its count');
  assert.match(r.out, /\n {2}VIRTQ_DESC_LOOP +error {4}driver {2}virtio 1\.2 §2\.7\.5\.2\n +a chain is at most as long as the descriptor table; loops are forbidden\.\n/);
  assert.match(r.out, /\n {2}XEN_RING_REQ_PROD_OVERFLOW +error {4}front {3}xen\/io\/ring\.h RING_REQUEST_PROD_OVERFLOW\n/);
});

test('rules --json is the catalogue; --family keeps one family; an unknown family is CLI_USAGE', async () => {
  const all = await cli('rules', '--json');
  assert.equal(all.status, 0);
  assert.deepEqual(JSON.parse(all.out), JSON.parse(JSON.stringify(catalogue)));
  const xenbus = await cli('rules', '--family', 'xenbus', '--json');
  const xenbusIds = (JSON.parse(xenbus.out) as { id: string }[]).map((e) => e.id);
  assert.deepEqual(xenbusIds, catalogue.filter((e) => e.family === 'xenbus').map((e) => e.id));
  assert.deepEqual(xenbusIds.slice(0, 2), ['XENBUS_BAD_TRANSITION', 'XENBUS_BAD_VALUE']);
  const text = await cli('rules', '--family', 'port');
  assert.match(text.out, /^port \(4\)\n/);
  assert.doesNotMatch(text.out, /VIRTQ_/);
  const bad = await cli('rules', '--family', 'scsi');
  assert.equal(bad.status, 2);
  assert.equal(bad.out, '');
  assert.match(bad.err, /^ringwire: CLI_USAGE: rules: unknown family "scsi" \(known: xen-ring, xenbus, virtq, /);
});

test('explain prints one entry with its citation: the virtio quote, the header macro, the policy reason', async () => {
  const loop = await cli('explain', 'VIRTQ_DESC_LOOP');
  assert.equal(loop.status, 0);
  assert.equal(loop.err, '');
  assert.equal(loop.out, [
    'VIRTQ_DESC_LOOP',
    '  family    virtq',
    '  kind      protocol',
    '  binds     driver',
    '  severity  error',
    '  rule      a chain is at most as long as the descriptor table; loops are forbidden.',
    '  source    virtio 1.2 §2.7.5.2',
    '  quote     "Drivers MUST NOT add a descriptor chain longer than 2^32 bytes in total; this implies that loops in the descriptor chain are forbidden!"',
    '',
  ].join('\n'));
  const ring = await cli('explain', 'xen-ring-req-prod-overflow');
  assert.equal(ring.status, 0);
  assert.match(ring.out, /^XEN_RING_REQ_PROD_OVERFLOW\n/);
  assert.match(ring.out, /\n {2}binds {5}front\n/);
  assert.match(ring.out, /\n {2}source {4}xen\/io\/ring\.h RING_REQUEST_PROD_OVERFLOW\n/);
  const blk = await cli('explain', 'XEN_RING_BAD_RECORD');
  assert.match(blk.out, /\n {2}source {4}Linux drivers\/block\/xen-blkback\/blkback\.c dispatch_rw_block_io\(\)\n/);
  const cliCode = await cli('explain', 'CLI_BAD_NUMBER');
  assert.match(cliCode.out, /\n {2}source {4}ringwire policy\n {2}why {7}every command-line failure/);
  const json = await cli('explain', 'TRACE_CRC', '--json');
  assert.deepEqual(JSON.parse(json.out), catalogue.find((e) => e.id === 'TRACE_CRC'));
});

test('explain finds every code the catalogue holds', async () => {
  for (const e of catalogue) {
    const r = await cli('explain', e.id);
    assert.equal(r.status, 0, e.id);
    assert.ok(r.out.startsWith(`${e.id}\n`), e.id);
    assert.ok(r.out.includes(e.statement), e.id);
  }
});

test('explain of an unknown code: CLI_UNKNOWN_CODE with the closest ids, exit 2; no code: CLI_USAGE', async () => {
  const r = await cli('explain', 'VIRTQ_DESK_LOOP');
  assert.equal(r.status, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /^ringwire: CLI_UNKNOWN_CODE: "VIRTQ_DESK_LOOP" is not in the catalogue; closest: VIRTQ_DESC_LOOP, /);
  const none = await cli('explain');
  assert.equal(none.status, 2);
  assert.match(none.err, /^ringwire: CLI_USAGE: explain: name a code/);
  const two = await cli('explain', 'A', 'B');
  assert.equal(two.status, 2);
  assert.match(two.err, /^ringwire: CLI_USAGE: explain: unexpected argument "B"/);
});

test('as a real process: explain prints on stdout with exit 0; an unknown code is one stderr line, exit 2', () => {
  const ok = run(['explain', 'VIRTQ_DESC_LOOP']);
  assert.equal(ok.status, 0);
  assert.equal(ok.stderr, '');
  assert.match(ok.stdout, /^VIRTQ_DESC_LOOP\n {2}family {4}virtq\n/);
  const bad = run(['explain', 'NOPE_NOT_A_CODE']);
  assert.equal(bad.status, 2);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /^ringwire: CLI_UNKNOWN_CODE: "NOPE_NOT_A_CODE" is not in the catalogue; closest: [A-Z_]+, [A-Z_]+, [A-Z_]+ \(ringwire rules lists every code\)\n$/);
  const rules = run(['rules', '--json']);
  assert.equal(rules.status, 0);
  assert.equal((JSON.parse(rules.stdout) as unknown[]).length, catalogue.length);
  const help = run(['explain', '--help']);
  assert.match(help.stdout, /^usage: ringwire explain CODE/);
});

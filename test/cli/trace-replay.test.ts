/**
 * `ringwire trace replay` as a user runs it, on the committed fixtures with the shipped example implementations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'trace', 'replay', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

test('the example backend reproduces every recorded backend run of the blkif fixtures that answer OKAY', () => {
  for (const f of ['blkif-flush', 'blkif-write', 'blkif-indirect', 'blkif-x86_32', 'blkif-order2', 'blkif-index-wrap']) {
    const r = run(`fixtures/xen/${f}.pcapng`, '--side', 'back', '--impl', 'fixtures/impl/blkif-back.js');
    assert.equal(r.status, 0, `${f}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /: interface 0: the backend\/device under test reproduced all \d+ recorded run\(s\)\n$/);
  }
});

test('the broken example backend is caught with record, region, offset and field path (text and JSON)', () => {
  const r = run('fixtures/xen/blkif-order2.pcapng', '--side', 'back', '--impl', 'fixtures/impl/blkif-back-broken.js');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /divergence in run 1, at record \d+ \(seq \d+\)\n  sring offset \d+: slot 2 blkif_response\.status: trace 0, implementation -1\n$/);
  const j = run('fixtures/xen/blkif-order2.pcapng', '--side', 'back', '--impl', 'fixtures/impl/blkif-back-broken.js', '--json');
  assert.equal(j.status, 1);
  const doc = JSON.parse(j.stdout) as { divergence: { path: string; trace: string; implementation: string; region: string } };
  assert.deepEqual([doc.divergence.path, doc.divergence.trace, doc.divergence.implementation, doc.divergence.region], ['slot 2 blkif_response.status', '0', '-1', 'sring']);
  // A recorded backend that said EOPNOTSUPP where the example says OKAY is a divergence too.
  const discard = run('fixtures/xen/blkif-discard.pcapng', '--side', 'back', '--impl', 'fixtures/impl/blkif-back.js');
  assert.equal(discard.status, 1);
  assert.match(discard.stdout, /slot 1 blkif_response\.status: trace -2, implementation 0/);
});

test('an implementation that throws is a divergence (exit 1); a module that is not one is bad usage (exit 2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-impl-'));
  try {
    writeFileSync(join(dir, 'throws.mjs'), 'export default () => ({ run() { throw new RangeError("not today"); } });\n');
    writeFileSync(join(dir, 'nodefault.mjs'), 'export const x = 1;\n');
    const t = run('fixtures/xen/blkif-flush.pcapng', '--side', 'back', '--impl', join(dir, 'throws.mjs'));
    assert.equal(t.status, 1);
    assert.match(t.stdout, /\(implementation\) offset 0: run\(\) threw: trace no error, implementation RangeError: not today/);
    const n = run('fixtures/xen/blkif-flush.pcapng', '--side', 'back', '--impl', join(dir, 'nodefault.mjs'));
    assert.equal(n.status, 2);
    assert.match(n.stderr, /^ringwire: CLI_USAGE: trace replay: .* must export default a function/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

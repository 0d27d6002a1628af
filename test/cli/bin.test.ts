/** The installed `ringwire` binary as a user runs it: a real process, exit status, stdout, stderr, stdin. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = (args: string[], input?: Uint8Array) => spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: 'utf8' });

test('ringwire dump xen reads a ring image from a file or from standard input (-)', () => {
  const image = readFileSync(`${root}fixtures/xen/blkif-x86_64-order0.ring`);
  const fromFile = run(['dump', 'xen', '--ring', 'blkif', 'fixtures/xen/blkif-x86_64-order0.ring', '--json']);
  const fromStdin = run(['dump', 'xen', '--ring', 'blkif', '-', '--json'], image);
  assert.equal(fromFile.status, 0);
  assert.equal(fromStdin.status, 0, fromStdin.stderr);
  const a = JSON.parse(fromFile.stdout) as Record<string, unknown>;
  const b = JSON.parse(fromStdin.stdout) as Record<string, unknown>;
  assert.deepEqual({ ...b, file: a['file'] }, a);
});

test('ringwire exits 1 on a violating image and 2 with one stderr line on bad usage', () => {
  const bad = run(['dump', 'xen', '--ring', 'blkif', '--abi', 'x86_32', 'fixtures/xen/blkif-x86_32-req-prod-overflow.ring']);
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /XEN_RING_REQ_PROD_OVERFLOW/);
  const usage = run(['decode', 'blkif_response', 'zz']);
  assert.equal(usage.status, 2);
  assert.equal(usage.stdout, '');
  assert.equal(usage.stderr.trim().split('\n').length, 1);
  assert.match(usage.stderr, /CODEC_BAD_HEX/);
  const missing = run(['dump', 'xen', '--ring', 'blkif', 'no-such-file']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read no-such-file: ENOENT/);
});

test('the built bin is executable and runs through its shebang, as npx and npm-installed links run it', async () => {
  const { statSync } = await import('node:fs');
  assert.ok((statSync(bin).mode & 0o111) !== 0, 'dist/src/cli/main.js must keep its execute bits after a build');
  const r = spawnSync(bin, ['layout', 'blkif_response'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /struct blkif_response/);
});

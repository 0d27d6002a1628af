/**
 * Real pcapng tools open a ringwire trace: capinfos and tshark (Debian's `tshark` package, which brings
 * capinfos) read a written trace without an error or a warning and count as many packets as ringwire
 * counts Enhanced Packet Blocks. Skipped only when the binaries are not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceReader } from '../../src/trace/index.js';
import { sampleTrace, swapToBigEndian } from './trace-fixtures.js';

function has(bin: string): boolean {
  return spawnSync(bin, ['-v'], { encoding: 'utf8' }).error === undefined;
}

/** stderr without the line tshark prints for every run as root (about the user, not the file). */
function problems(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !/^Running as user "root"/.test(l));
}

function run(bin: string, args: string[]): { out: string; err: string[] } {
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, LC_ALL: 'C' } });
  assert.equal(r.error, undefined);
  assert.equal(r.status, 0, `${bin} ${args.join(' ')}: ${r.stderr}`);
  return { out: r.stdout, err: problems(r.stderr) };
}

test('capinfos and tshark open a ringwire trace (both byte orders) and count the packets ringwire counts', (t) => {
  if (!has('tshark') || !has('capinfos')) {
    // CI installs Debian's tshark (.ci/run): there, a missing tool is a failure, not a skip.
    assert.notEqual(process.env['CI'], 'true', 'CI must have tshark and capinfos installed');
    t.skip('tshark not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-tools-'));
  try {
    const trace = sampleTrace({
      seed: 61, extra: 400, bigBody: 600_000,
      names: ['blkif/x86_64/order0', 'netif_tx/x86_32/order1', 'virtio-split/256', 'virtio-packed/128'],
    });
    for (const [name, bytes] of [['le.pcapng', trace.bytes], ['be.pcapng', swapToBigEndian(trace.bytes)]] as const) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const reader = new TraceReader(bytes);
      for (const _ of reader);
      assert.equal(reader.stats.packets, trace.packets);
      assert.ok(reader.stats.fragments >= 3, 'the trace has a split record');

      const ci = run('capinfos', ['-M', '-c', '-I', path]);
      assert.deepEqual(ci.err, [], `capinfos on ${name}`);
      assert.match(ci.out, new RegExp(`^Number of packets:\\s+${trace.packets}$`, 'm'), ci.out);
      assert.match(ci.out, /Number of interfaces in file: 4/);
      for (const n of trace.names) assert.ok(ci.out.includes(`Name = ${n}`), `if_name ${n} in capinfos -I`);

      const ts = run('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.len']);
      assert.deepEqual(ts.err, [], `tshark on ${name}`);
      const lines = ts.out.trim().split('\n');
      assert.equal(lines.length, trace.packets);
      assert.ok(lines.every((l) => Number(l.split('\t')[1]) <= 262144), 'no packet above 256 KiB');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('capinfos and tshark open every committed trace fixture and count the packets ringwire counts', (t) => {
  if (!has('tshark') || !has('capinfos')) {
    assert.notEqual(process.env['CI'], 'true', 'CI must have tshark and capinfos installed');
    t.skip('tshark not installed');
    return;
  }
  const root = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
  const files = ['xen', 'virtio'].flatMap((d) => readdirSync(join(root, d)).filter((n) => n.endsWith('.pcapng')).map((n) => join(root, d, n)));
  assert.ok(files.length >= 24);
  for (const path of files) {
    const reader = new TraceReader(readFileSync(path));
    for (const _ of reader);
    const ci = run('capinfos', ['-M', '-c', path]);
    assert.deepEqual(ci.err, [], `capinfos on ${path}`);
    assert.match(ci.out, new RegExp(`^Number of packets:\\s+${reader.stats.packets}$`, 'm'), `${path}: ${ci.out}`);
    const ts = run('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.number']);
    assert.deepEqual(ts.err, [], `tshark on ${path}`);
    assert.equal(ts.out.trim().split('\n').length, reader.stats.packets, path);
  }
});

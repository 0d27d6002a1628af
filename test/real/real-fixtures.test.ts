/**
 * The committed real-guest captures (fixtures/virtio/real/, made by `npm run test:qemu -- --update`, see
 * run.ts): each trace holds a Linux guest's virtqueues as QEMU/TCG ran them, next to QEMU's own decode of
 * every written avail slot (x-query-virtio-queue-element). Every chain QEMU decoded must be ringwire's decode
 * of the same slot, exactly (addresses, lengths, flags, order, indirect entries), from the trace and from the
 * raw area images alone (`dump virtio-split --mem`, no guest RAM); `ringwire check` on a healthy guest
 * reports no error; stale chains are decoded for information, never violations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkErrors, compareSplit, dumpFromImages, emptyComparison, queueKey, splitReports, type QemuElements } from './compare.js';
import { run } from '../../src/cli/main.js';
import { processIo } from '../../src/cli/io.js';

const dir = fileURLToPath(new URL('../../../fixtures/virtio/real/', import.meta.url));
const names = readdirSync(dir).filter((f) => f.endsWith('.pcapng')).map((f) => f.slice(0, -'.pcapng'.length)).sort();

test('at least six real captures are committed, each with QEMU\'s decode', () => {
  assert.ok(names.length >= 6, names.join(', '));
  for (const n of names) assert.ok(readdirSync(dir).includes(`${n}.qemu.json`), n);
});

const totals = emptyComparison();

for (const name of names) {
  test(`real capture ${name}: every chain QEMU decoded is ringwire's, from the trace and from the raw images; check finds no error`, async () => {
    const trace = readFileSync(join(dir, `${name}.pcapng`));
    const saved = JSON.parse(readFileSync(join(dir, `${name}.qemu.json`), 'utf8')) as QemuElements;
    assert.equal(saved.variant, name);
    const reports = splitReports(trace);
    assert.equal(reports.size, saved.queues.length, 'one captured queue per queue QEMU decoded');
    const cmp = emptyComparison();
    const tmp = mkdtempSync(join(tmpdir(), 'ringwire-real-'));
    try {
      for (const q of saved.queues) {
        const r = reports.get(queueKey(q.path, q.queue));
        assert.ok(r !== undefined, `${q.path} queue ${q.queue} is in the trace`);
        compareSplit(`${q.path} vq${q.queue}`, r.report, q, cmp);
        // Stale chains are information: a healthy guest's snapshot has no violation.
        assert.deepEqual(r.report.violations, [], `${q.path} vq${q.queue}`);
        const dumped = await dumpFromImages(r.ring, join(tmp, `${q.queue}-${q.path.replace(/\W+/g, '_')}`));
        assert.equal(dumped.status, 0);
        const fromImages = compareSplit(`${q.path} vq${q.queue} (images)`, dumped.report, q);
        assert.deepEqual(fromImages.mismatches, []);
        assert.equal(fromImages.compared, compareSplit('', r.report, q).compared);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    assert.deepEqual(cmp.mismatches, []);
    assert.ok(cmp.compared > 0);
    assert.deepEqual(checkErrors(trace).map((f) => `${f.rule}: ${f.message}`), []);
    totals.compared += cmp.compared; totals.live += cmp.live; totals.indirect += cmp.indirect;
    // Without INDIRECT_DESC the guest builds no indirect chain.
    if (name.includes('no-indirect')) assert.equal(cmp.indirect, 0);
  });
}

test('the real captures between them cover live chains and indirect tables', () => {
  assert.ok(totals.live > 0 && totals.indirect > 0 && totals.compared > 1000, JSON.stringify(totals));
});

test('ringwire check and trace decode run on a real capture from the command line', async () => {
  const file = join(dir, `${names[0] as string}.pcapng`);
  let out = '';
  const io = { ...processIo, write: undefined, out: (t: string) => { out += t; }, err: () => {} };
  assert.equal(await run(['check', file], io), 0);
  assert.match(out, / 0 errors, /);
  out = '';
  assert.equal(await run(['trace', 'decode', file], io), 0);
  assert.match(out, /capture/);
});

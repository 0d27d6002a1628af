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
import {
  checkErrors, comparePacked, compareSplit, inOut, dumpFromImages, dumpPackedFromImages, emptyComparison, packedReports, queueKey, splitReports,
  type QemuElements, type QemuPackedPops,
} from './compare.js';
import { run } from '../../src/cli/main.js';
import { processIo } from '../../src/cli/io.js';

const dir = fileURLToPath(new URL('../../../fixtures/virtio/real/', import.meta.url));
const files = readdirSync(dir);
const all = files.filter((f) => f.endsWith('.pcapng')).map((f) => f.slice(0, -'.pcapng'.length)).sort();
/** Split captures come with QEMU's element decode, packed ones with the elements QEMU popped next. */
const names = all.filter((n) => files.includes(`${n}.qemu.json`));
const packedNames = all.filter((n) => files.includes(`${n}.qemu-pops.json`));
/** Captures of a running guest (--no-stop): nothing of QEMU's to compare with, as the rings moved meanwhile. */
const runningNames = all.filter((n) => n.endsWith('-running'));

test('at least six real captures are committed, each with QEMU\'s decode, and a packed one with QEMU\'s pops', () => {
  assert.ok(all.length >= 7, all.join(', '));
  assert.deepEqual([...names, ...packedNames, ...runningNames].sort(), all);
  assert.ok(packedNames.length >= 1);
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

for (const name of packedNames) {
  test(`real packed capture ${name}: the chains available from QEMU's last_avail_idx are what QEMU popped next; the dump from images agrees; check finds no error`, async () => {
    const trace = readFileSync(join(dir, `${name}.pcapng`));
    const saved = JSON.parse(readFileSync(join(dir, `${name}.qemu-pops.json`), 'utf8')) as QemuPackedPops;
    const reports = packedReports(trace);
    assert.equal(reports.size, saved.queues.length);
    const cmp = emptyComparison();
    const tmp = mkdtempSync(join(tmpdir(), 'ringwire-real-'));
    let rx = 0;
    try {
      for (const q of saved.queues) {
        const r = reports.get(queueKey(q.path, q.queue));
        assert.ok(r !== undefined, `${q.path} queue ${q.queue} is in the trace`);
        assert.equal(r.ring.setup.layout, 'packed');
        assert.deepEqual(r.report.violations, []);
        comparePacked(`${q.path} vq${q.queue}`, r.report, q, cmp);
        const d = await dumpPackedFromImages(r.ring, r.start, join(tmp, `${q.queue}-${q.path.replace(/\W+/g, '_')}`));
        assert.equal(d.status, 0);
        assert.deepEqual(d.report.chains, r.report.chains, 'the dump from images lists the same chains');
        assert.deepEqual(comparePacked('', d.report, q).mismatches, []);
        if (d.report.chains.length > 0) assert.match(d.text, /^virtio packed queue, size \d+, device starts at \d+ in pass [01] \(given\)\n/);
        // The receive queue: every buffer the driver posted and the device has not taken is listed.
        if (q.path.includes('/net0/') && q.queue === 0) {
          rx = r.report.chains.length;
          // Each a single device-writable buffer (mergeable rx buffers), with its own buffer id.
          assert.deepEqual(new Set(r.report.chains.map((c) => inOut(c).join('/'))), new Set(['1/0']));
          assert.equal(new Set(r.report.chains.map((c) => c.id)).size, rx);
        }
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    assert.deepEqual(cmp.mismatches, []);
    assert.ok(cmp.compared > 0 && rx > 200, `${cmp.compared} compared, ${rx} rx buffers`);
    assert.deepEqual(checkErrors(trace).map((f) => `${f.rule}: ${f.message}`), []);
  });
}

for (const name of runningNames) {
  test(`real capture ${name} of a running guest: block requests in flight on the throttled disk, decoded without a violation; check finds no error`, () => {
    const trace = readFileSync(join(dir, `${name}.pcapng`));
    const reports = splitReports(trace);
    assert.ok(reports.size >= 5);
    let blkInFlight = 0;
    for (const { ring, report } of reports.values()) {
      assert.equal(ring.notes['vm_running'], true);
      assert.deepEqual(report.violations, [], String(ring.notes['qemu_path']));
      if (ring.setup.device_id === 2) blkInFlight += report.chains.filter((c) => c.live).length;
    }
    assert.ok(blkInFlight > 0, 'QEMU\'s stop completes block requests first; a running capture shows them outstanding');
    assert.deepEqual(checkErrors(trace), []);
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

/**
 * Every valid trace fixture, dumped after each of its records (test/dump/snapshots.ts), gives no error
 * finding: a healthy ring or queue in any state a real run passes through, requests and buffers in flight
 * included, is not a violation. The committed ring-image fixtures that are not deliberately broken check
 * clean too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { traceSnapshots } from './snapshots.js';
import { runDump } from './malformed-images.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const traces = (dir: string): string[] => readdirSync(`${root}fixtures/${dir}`).filter((f) => f.endsWith('.pcapng')).map((f) => `fixtures/${dir}/${f}`);

for (const path of [...traces('xen'), ...traces('virtio')]) {
  test(`every dump of ${path}, record by record, has no error finding`, () => {
    let snapshots = 0;
    const judged = new Set<string>();
    for (const s of traceSnapshots(new Uint8Array(readFileSync(`${root}${path}`)))) {
      snapshots++;
      judged.add(s.setup.transport === 'xen' ? s.setup.ring : s.setup.layout);
      const errors = s.findings.filter((f) => f.severity === 'error');
      assert.deepEqual(errors, [], `after packet ${s.packet} (interface ${s.iface})`);
    }
    assert.ok(snapshots >= 10, `${path}: only ${snapshots} dumps taken`);
    assert.ok(judged.size >= 1);
  });
}

test('the snapshots are judged: a hostile run shows its fault in a dump of it (the check is not vacuous)', () => {
  const loop = [...traceSnapshots(new Uint8Array(readFileSync(`${root}fixtures/virtio/malformed/VIRTQ_DESC_LOOP.pcapng`)))];
  assert.ok(loop.some((s) => s.findings.some((f) => f.rule === 'VIRTQ_DESC_LOOP')));
  const overflow = [...traceSnapshots(new Uint8Array(readFileSync(`${root}fixtures/xen/malformed/XEN_RING_REQ_PROD_OVERFLOW.pcapng`)))];
  assert.ok(overflow.some((s) => s.findings.some((f) => f.rule === 'XEN_RING_REQ_PROD_OVERFLOW')));
});

/** The ring-image fixtures beside the trace fixtures, with the arguments their JSON was made with. */
const broken = new Set(['blkif-x86_32-req-prod-overflow', 'split-violation']);

test('every committed ring-image fixture that is not deliberately broken dumps with no error finding; the broken ones with exactly their fault', async () => {
  const xen = readdirSync(`${root}fixtures/xen`).filter((f) => f.endsWith('.ring'));
  assert.ok(xen.length >= 5);
  for (const f of xen) {
    const name = f.replace(/\.ring$/, '');
    const doc = JSON.parse(readFileSync(`${root}fixtures/xen/${name}.json`, 'utf8')) as { ring: string; abi: string; order: number };
    const path = `fixtures/xen/${f}`;
    const r = await runDump(['xen', '--ring', doc.ring, '--abi', doc.abi, '--order', String(doc.order), path, '--json'], { [path]: readFileSync(`${root}${path}`) });
    const errors = r.json.findings.filter((x) => x.severity === 'error').map((x) => x.rule);
    assert.deepEqual(errors, broken.has(name) ? ['XEN_RING_REQ_PROD_OVERFLOW'] : [], name);
    assert.equal(r.status, broken.has(name) ? 1 : 0, name);
  }
  const virtio = readdirSync(`${root}fixtures/virtio`).filter((f) => f.endsWith('.args'));
  assert.ok(virtio.length >= 7);
  for (const f of virtio) {
    const name = f.replace(/\.args$/, '');
    const args = readFileSync(`${root}fixtures/virtio/${f}`, 'utf8').trim().split('\n');
    const files: Record<string, Uint8Array> = {};
    for (const a of args) {
      const file = a.includes(':') ? a.slice(a.indexOf(':') + 1) : a;
      if (/\.bin$/.test(file)) files[file] = readFileSync(`${root}fixtures/virtio/${file}`);
    }
    const r = await runDump([name.startsWith('packed') ? 'virtio-packed' : 'virtio-split', ...args], files);
    const errors = r.json.findings.filter((x) => x.severity === 'error').map((x) => x.rule);
    assert.deepEqual(errors, broken.has(name) ? ['VIRTQ_INDIRECT_NESTED'] : [], name);
  }
});

/**
 * The malformed ring images (test/dump/malformed-images.ts): each committed image regenerates byte for byte
 * from its hostile run, dumps to exactly its RULE.expected.json, and shows its rule and no other error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expectedText, imagePath, malformedImages, runDump, runDumpText } from './malformed-images.js';
import { ruleEntry } from '../../src/rule-catalogue.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const images = malformedImages();

test('the malformed images cover these rules, one image each', () => {
  assert.deepEqual(images.map((m) => m.rule).sort(), [
    'VIRTQ_ADDR_WRAP', 'VIRTQ_AVAIL_IDX_JUMP', 'VIRTQ_DESC_LOOP', 'VIRTQ_HEAD_OUT_OF_RANGE', 'VIRTQ_INDIRECT_BAD_LEN', 'VIRTQ_INDIRECT_NESTED',
    'VIRTQ_INDIRECT_TOO_LARGE', 'VIRTQ_INDIRECT_WITH_NEXT', 'VIRTQ_LENGTH_OVERFLOW', 'VIRTQ_NEXT_OUT_OF_RANGE', 'VIRTQ_PACKED_DUPLICATE_ID',
    'VIRTQ_READ_AFTER_WRITE', 'VIRTQ_USED_IDX_JUMP', 'VIRTQ_USED_ID_OUT_OF_RANGE', 'VIRTQ_USED_ID_OUT_OF_RANGE', 'VIRTQ_ZERO_LENGTH',
    'XEN_BLKIF_NO_SEGMENTS', 'XEN_BLKIF_SECT_ORDER', 'XEN_BLKIF_SECT_PAST_PAGE', 'XEN_BLKIF_TOO_MANY_SEGMENTS', 'XEN_BLKIF_UNKNOWN_OP',
    'XEN_RING_REQ_PROD_OVERFLOW', 'XEN_RING_RSP_PROD_AHEAD',
  ]);
  for (const m of images) assert.equal(ruleEntry(m.rule)?.dumps, true, `${m.rule} is marked dumps: true in the catalogue`);
});

test('no file under fixtures/*/malformed-images/ is left over from an image no longer generated', () => {
  for (const dir of ['xen', 'virtio'] as const) {
    const want = new Set(images.filter((m) => m.dir === dir).flatMap((m) => [...Object.keys(m.files), `${m.name}.expected.json`]));
    assert.deepEqual(readdirSync(`${root}fixtures/${dir}/malformed-images`).sort(), [...want].sort());
  }
});

for (const m of images) {
  test(`${imagePath(m, m.name)}: regenerates byte for byte, dumps to its expected findings, shows ${m.rule} and no other error`, async () => {
    const files: Record<string, Uint8Array> = {};
    for (const [name, bytes] of Object.entries(m.files)) {
      const committed = new Uint8Array(readFileSync(`${root}${imagePath(m, name)}`));
      assert.deepEqual(committed, bytes, `${name} is what the run gives (node dist/test/dump/malformed-images.js rewrites it)`);
      files[imagePath(m, name)] = committed;
    }
    const expected = readFileSync(`${root}${imagePath(m, `${m.name}.expected.json`)}`, 'utf8');
    assert.equal(await expectedText(m), expected);
    const doc = JSON.parse(expected) as { args: string[]; exit: number; findings: { rule: string; severity: string }[] };
    assert.deepEqual(doc.args, ['dump', ...m.args]);
    const r = await runDump(m.args, files);
    assert.equal(r.status, 1);
    assert.equal(doc.exit, 1);
    assert.deepEqual(r.json.findings, doc.findings);
    assert.ok(r.json.findings.some((f) => f.rule === m.rule), `${m.rule} reported`);
    assert.deepEqual(r.json.findings.filter((f) => f.severity === 'error' && f.rule !== m.rule), [], 'no other error');
    // The text report ends with the same findings and their count.
    const t = await runDumpText(m.args.filter((a) => a !== '--json'), files);
    assert.equal(t.status, 1);
    assert.match(t.text, new RegExp(`\\n {2}error ${m.rule} \\(`));
    assert.match(t.text, /\n {2}\d+ errors?, 0 warnings, 0 info$/);
  });
}

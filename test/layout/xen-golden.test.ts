/**
 * Differential test: the layouts, constants and codecs derived from protocol/ against what gcc (x86_64,
 * x86_32 via -m32) and clang (arm) produce from Xen's own headers (test/golden/xen-*.json, made by
 * test/oracle/build-goldens.sh).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { layoutOf, decode, encodeToBytes, toJSONValue, protocol, ringType, type XenRingName } from '../../src/index.js';
import type { StructLayout, FieldLayout } from '../../src/index.js';
import type { AbiName } from '../../protocol/index.js';

interface GoldenField { path: string; offset: number; size: number }
interface Golden {
  abi: AbiName;
  structs: Record<string, { size: number; align: number; fields: GoldenField[] }>;
  constants: Record<string, number>;
  rings: Record<string, { header_size: number; entry_size: number; slots: Record<string, number> }>;
  sring: { size_of_header_fields: GoldenField[] };
  instances: Record<string, { values: unknown; hex: string }[]>;
}

const goldenUrl = (abi: string) => new URL(`../../../test/golden/xen-${abi}.json`, import.meta.url);

/** Every member path the oracle lists, depth-first: arrays of structs expand per element. */
export function flatten(l: StructLayout, prefix = '', base = 0): GoldenField[] {
  const out: GoldenField[] = [];
  for (const f of l.fields) {
    const path = `${prefix}${f.name}`;
    const at = base + f.offset;
    out.push({ path, offset: at, size: f.size });
    if (f.aggregate !== undefined) {
      const agg = f.aggregate;
      if (f.count === undefined) out.push(...flatten(agg, `${path}.`, at));
      else for (let i = 0; i < f.count; i++) out.push(...flatten(agg, `${path}[${i}].`, at + i * (f as FieldLayout).elemSize));
    }
  }
  return out;
}

for (const abi of protocol.abiNames) {
  const golden = JSON.parse(readFileSync(goldenUrl(abi), 'utf8')) as Golden;

  test(`${abi}: every struct's size, alignment and member offsets equal the C compiler's`, () => {
    assert.equal(golden.abi, abi);
    const names = Object.keys(golden.structs);
    assert.ok(names.length >= 13);
    for (const name of names) {
      const l = layoutOf(name, { abi });
      const g = golden.structs[name];
      assert.ok(g);
      assert.equal(l.size, g.size, `${name} size`);
      assert.equal(l.align, g.align, `${name} align`);
      assert.deepEqual(flatten(l), g.fields, `${name} members`);
    }
  });

  test(`${abi}: the shared-ring header members sit where ring.h puts them`, () => {
    const h = flatten(layoutOf('xen_sring_header', { abi }));
    for (const g of golden.sring.size_of_header_fields) {
      if (g.path === 'ring') {
        assert.equal(layoutOf('xen_sring_header', { abi }).size, g.offset, 'ring[] starts right after the header');
        continue;
      }
      assert.deepEqual(h.find((f) => f.path === g.path), g, g.path);
    }
  });

  test(`${abi}: entry size and __CONST_RING_SIZE slot counts for 1..16 pages equal ring.h's`, () => {
    assert.deepEqual(Object.keys(golden.rings).sort(), ['blkif', 'netif_rx', 'netif_tx', 'xen_netif_ctrl']);
    for (const [name, g] of Object.entries(golden.rings)) {
      const t = ringType(name as XenRingName, { abi });
      assert.equal(t.header.ring, g.header_size, `${name} header`);
      assert.equal(t.entrySize, g.entry_size, `${name} entry`);
      for (const [pages, slots] of Object.entries(g.slots)) {
        assert.equal(t.nrEnts(Math.log2(Number(pages))), slots, `${name} ${pages} pages`);
        assert.equal(t.ringBytes(Math.log2(Number(pages))), 4096 * Number(pages));
      }
    }
  });

  test(`${abi}: every constant of blkif.h, netif.h and xenbus.h equals the preprocessor's`, () => {
    const ours = new Map(protocol.constantDecls.map((c) => [c.name, c.value]));
    for (const [name, value] of Object.entries(golden.constants)) assert.equal(ours.get(name), value, name);
    for (const c of protocol.xenConstants) {
      if (c.header !== 'xen/io/ring.h') assert.equal(golden.constants[c.name], c.value, `${c.name} is in the headers`);
    }
  });

  test(`${abi}: every golden instance decodes to the C values and re-encodes to identical bytes`, () => {
    let n = 0;
    for (const [name, list] of Object.entries(golden.instances)) {
      const l = layoutOf(name, { abi });
      assert.ok(list.length >= 64, `${name} has ${list.length} instances`);
      for (const [i, inst] of list.entries()) {
        const bytes = Buffer.from(inst.hex, 'hex');
        assert.equal(bytes.length, l.size, `${name}#${i} length`);
        assert.deepEqual(toJSONValue(decode(l, bytes)), inst.values, `${name}#${i} decode`);
        assert.equal(Buffer.from(encodeToBytes(l, inst.values)).toString('hex'), inst.hex, `${name}#${i} encode`);
        n++;
      }
    }
    assert.ok(n >= 13 * 64);
  });
}

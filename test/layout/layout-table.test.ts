/**
 * `ringwire layout` renders the declarations' `doc` lines: the struct's above it, each member's after its
 * offset/size comment, and as `doc` in --json. The expected text comes from protocol/, not from here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutOf, protocol } from '../../src/index.js';
import { layoutJson, layoutTable } from '../../src/cli/layout-table.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

test('every declared doc line is printed as a comment in the table and as doc in --json, on every ABI', () => {
  let memberDocs = 0;
  for (const d of protocol.structDecls) {
    for (const abi of protocol.abiNames) {
      const l = layoutOf(d.name, { abi });
      const text = layoutTable(l);
      const json = layoutJson(l);
      assert.ok(text.startsWith(`/* ${d.doc} */\n${d.kind} ${d.name} {`), `${d.name}: struct doc above the struct`);
      assert.equal(json.doc, d.doc);
      for (const f of d.fields) {
        if (f.doc === undefined || (f.onlyAbi !== undefined && !f.onlyAbi.includes(abi))) continue;
        // `... name;   /*  off  size */  /* doc */` (or `};` closing an anonymous member)
        const name = f.anonymous === true ? '' : escape(f.name);
        assert.match(text, new RegExp(`${name}(\\[\\d*\\])?;\\s+/\\*\\s+\\d+\\s+\\d+ \\*/  /\\* ${escape(f.doc)} \\*/`), `${d.name}.${f.name} (${abi})`);
        const jf = json.fields.find((j) => (f.anonymous === true ? j.anonymous === true : j.name === f.name));
        assert.equal(jf?.doc, f.doc, `${d.name}.${f.name} --json doc`);
        memberDocs++;
      }
    }
  }
  assert.ok(memberDocs > 100, `${memberDocs} member docs checked`);
});

test('a member without doc gets no comment, and inline members keep their own docs', () => {
  const seg = layoutTable(layoutOf('blkif_request'));
  assert.match(seg, /struct blkif_request_segment seg\[11\];\s+\/\*\s+24\s+88 \*\/\n/);
  const extra = layoutTable(layoutOf('netif_extra_info'));
  assert.match(extra, /uint8_t type;\s+\/\*\s+2\s+1 \*\/  \/\* XEN_NETIF_GSO_TYPE_\* \*\//);
  const json = layoutJson(layoutOf('netif_extra_info'));
  assert.equal(json.fields[2]?.fields?.[0]?.fields?.[0]?.doc, 'maximum payload size of each segment');
});

/**
 * Every error the layout compiler, the codec and protocol/ throw is a RingwireError subclass with a stable
 * code: no `throw new Error/RangeError/TypeError` and no throw of anything but LayoutError / CodecError in
 * their sources.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodecError, LayoutError, RingwireError, layoutOf, codecFor, fieldView } from '../../src/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const skip = new Set<string>();

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((n) => {
    const rel = `${dir}/${n}`;
    return statSync(join(root, rel)).isDirectory() ? sources(rel) : n.endsWith('.ts') ? [rel] : [];
  });
}

test('src/layout, src/codec and protocol/ throw only LayoutError and CodecError, each with an UPPER_SNAKE code', () => {
  const files = [...sources('src/layout'), ...sources('src/codec'), ...sources('protocol')].filter((f) => !skip.has(f));
  assert.ok(files.length >= 15);
  let throws = 0;
  for (const f of files) {
    const text = readFileSync(join(root, f), 'utf8');
    for (const m of text.matchAll(/throw\s+(new\s+)?([A-Za-z_.]+)\s*\(\s*('([^']*)')?/g)) {
      throws++;
      assert.ok(m[1] !== undefined && (m[2] === 'LayoutError' || m[2] === 'CodecError'), `${f}: throw ${m[2]}`);
      assert.match(m[4] ?? '', /^[A-Z][A-Z0-9_]+$/, `${f}: ${m[2]} code ${m[4]}`);
    }
  }
  assert.ok(throws >= 20, `${throws} throw sites checked`);
});

test('the errors are RingwireErrors at run time too', () => {
  const cases: (() => unknown)[] = [
    () => layoutOf('nope'),
    () => codecFor('blkif_response').decode(new Uint8Array(3)),
    () => codecFor('blkif_response' as string).encodeToBytes({ id: 1n }),
    () => fieldView(layoutOf('blkif_request'), 'seg[11].gref'),
  ];
  for (const c of cases) {
    assert.throws(c, (e: unknown) => e instanceof RingwireError && (e instanceof LayoutError || e instanceof CodecError) && /^[A-Z_]+$/.test(e.code));
  }
});

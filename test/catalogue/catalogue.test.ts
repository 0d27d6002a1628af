/**
 * The catalogue is the one place to look a code up: every code src/ throws or declares is in it, every entry
 * is thrown somewhere (or is a checker rule), every entry is well formed and cited, virtqRules and
 * RingwireError.rule come from it, and protocol/catalogue.md is current.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogue as typedCatalogue, ruleFamilies, type CatalogueId, type RuleEntry } from '../../protocol/catalogue/index.js';
import { RingwireError, CodecError, LayoutError } from '../../src/errors.js';
import { VirtqError, virtqRules, GuestMemoryError } from '../../src/virtio/errors.js';
import { RingError, xenRingErrorCodes } from '../../src/xen/ring-error.js';
import { PortError } from '../../src/memory/port-error.js';
import { XenbusError } from '../../src/xen/xenbus.js';
import { UsageError } from '../../src/cli/io.js';
import type { TraceErrorCode } from '../../src/trace/errors.js';
import { citation, closestIds, ruleEntry, ruleText } from '../../src/rule-catalogue.js';
import { catalogueMarkdown } from './catalogue-doc.js';

/** The entries as plain RuleEntry values (the const-typed array narrows each source to its literal). */
const catalogue: readonly RuleEntry[] = typedCatalogue;

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Every .ts file under src/, with its text. */
function sources(dir = join(root, 'src')): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts')) out.push({ path: p.slice(root.length), text: readFileSync(p, 'utf8') });
  }
  return out;
}

/**
 * The codes src/ throws or declares, each with a file it was found in: string literals passed first to an
 * error class's constructor (or to a `fail(` helper), the values of `...ErrorCodes` tables, the members of
 * the TraceErrorCode union, and every `'CLI_...'` literal (UsageError takes its code second).
 */
export function codesInSource(files: { path: string; text: string }[]): Map<string, string> {
  const found = new Map<string, string>();
  const add = (code: string, path: string): void => { if (!found.has(code)) found.set(code, path); };
  for (const { path, text } of files) {
    for (const m of text.matchAll(/new [A-Z]\w*Error\(\s*'([A-Z][A-Z0-9_]+)'/g)) add(m[1] as string, path);
    for (const m of text.matchAll(/\bfail\(\s*'([A-Z][A-Z0-9_]+)'/g)) add(m[1] as string, path);
    for (const t of text.matchAll(/ErrorCodes = Object\.freeze\(\{([\s\S]*?)\}/g)) {
      for (const m of (t[1] as string).matchAll(/:\s*'([A-Z][A-Z0-9_]+)'/g)) add(m[1] as string, path);
    }
    for (const t of text.matchAll(/export type \w*ErrorCode =([\s\S]*?);/g)) {
      for (const m of (t[1] as string).matchAll(/\|\s*'([A-Z][A-Z0-9_]+)'/g)) add(m[1] as string, path);
    }
    for (const m of text.matchAll(/'(CLI_[A-Z0-9_]+)'/g)) add(m[1] as string, path);
  }
  return found;
}

test('every code src/ throws or declares is in the catalogue', () => {
  const found = codesInSource(sources());
  // The scan itself must see each family (a scan that finds nothing would pass vacuously).
  for (const code of ['VIRTQ_DESC_LOOP', 'XEN_RING_REQ_PROD_OVERFLOW', 'XENBUS_BAD_VALUE', 'PORT_OUT_OF_BOUNDS', 'TRACE_TRUNCATED',
    'TRACE_VERSION', 'CODEC_BAD_HEX', 'LAYOUT_SELF_CHECK', 'GUEST_MEMORY_NO_PORT', 'CLI_BAD_NUMBER', 'CLI_OUTPUT_CLOSED']) {
    assert.ok(found.has(code), `the scan did not find ${code}`);
  }
  const missing = [...found].filter(([code]) => ruleEntry(code) === undefined).map(([code, path]) => `${code} (${path})`);
  assert.deepEqual(missing, [], 'codes thrown or declared in src/ but missing from protocol/catalogue/');
});

test('the scan catches a code thrown but not catalogued', () => {
  const found = codesInSource([{ path: 'x.ts', text: "throw new VirtqError('VIRTQ_NOT_A_RULE', 'm');\nnew UsageError('m', 'CLI_NOPE');" }]);
  assert.deepEqual([...found.keys()], ['VIRTQ_NOT_A_RULE', 'CLI_NOPE']);
  assert.equal(ruleEntry('VIRTQ_NOT_A_RULE'), undefined);
});

test('every catalogue entry is thrown or declared in src/, or is marked as a checker rule', () => {
  const text = sources().filter((f) => !f.path.startsWith('src/rule-catalogue')).map((f) => f.text).join('\n');
  const unused = catalogue.filter((e) => !('checked' in e) && !text.includes(`'${e.id}'`)).map((e) => e.id);
  assert.deepEqual(unused, []);
});

test('a rule only the trace checker enforces says why no receiving end can refuse it (unseen), and only those do', () => {
  const traceOnly = catalogue.filter((e) => e.checked === 'trace').map((e) => e.id);
  const withReason = catalogue.filter((e) => typeof e.unseen === 'string' && /^[A-Z].{40,}\.$/s.test(e.unseen)).map((e) => e.id);
  assert.deepEqual(withReason, traceOnly);
  assert.deepEqual(catalogue.filter((e) => e.unseen !== undefined).map((e) => e.id), traceOnly);
});

test('every entry is well formed: unique UPPER_SNAKE id, known family, one sentence, a non-empty source', () => {
  const ids = new Set<string>();
  for (const e of catalogue) {
    assert.match(e.id, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/, e.id);
    assert.ok(!ids.has(e.id), `${e.id} twice`);
    ids.add(e.id);
    assert.ok(ruleFamilies.includes(e.family), e.id);
    assert.ok(['protocol', 'input', 'usage'].includes(e.kind), e.id);
    assert.ok(['front', 'back', 'driver', 'device', 'either', 'caller', 'file'].includes(e.binds), e.id);
    assert.ok(['error', 'warning', 'info'].includes(e.severity), e.id);
    assert.match(e.statement, /^\S.*[.!]$/s, `${e.id}: a sentence ending with a full stop`);
    assert.doesNotMatch(e.statement, /\n/, e.id);
    const s = e.source;
    if ('header' in s) {
      assert.match(s.header, /^xen\/io\/[a-z]+\.h$/, e.id);
      assert.ok(s.macro.length > 0, e.id);
    } else if ('linux' in s) {
      assert.match(s.linux, /^drivers\/.+\.c$/, e.id);
      assert.match(s.function, /^\w+$/, e.id);
    } else if ('virtio' in s) {
      for (const section of [s.virtio, ...(s.also ?? [])]) assert.match(section, /^[1-9]\d*(\.\d+)*$/, `${e.id}: a virtio 1.2 section`);
      if (s.quote !== undefined) assert.match(s.quote, /\b(MUST|SHOULD)\b/, `${e.id}: the quote is a requirement sentence`);
    } else {
      assert.equal(s.ringwire, 'policy', e.id);
      assert.ok(s.why.length > 10, e.id);
    }
  }
  // Families and the counts the families need at least.
  for (const f of ruleFamilies) assert.ok(catalogue.some((e) => e.family === f), f);
});

test('virtio entries cite sections of the split (§2.7) or packed (§2.8) chapters, or the other chapters the rules come from', () => {
  for (const e of catalogue.filter((x) => x.family === 'virtq')) {
    assert.ok('virtio' in e.source, `${e.id} cites virtio 1.2`);
    assert.match(e.source.virtio, /^(2|4|6)\./, e.id);
  }
  const loop = ruleEntry('VIRTQ_DESC_LOOP');
  assert.ok(loop !== undefined && 'virtio' in loop.source);
  assert.equal(loop.source.virtio, '2.7.5.2');
  assert.match(loop.source.quote ?? '', /^Drivers MUST NOT add a descriptor chain longer than 2\^32 bytes in total/);
});

test('virtqRules is derived from the catalogue: one rule per virtq entry VirtqError throws, "virtio 1.2 §S: statement"', () => {
  // Entries only the trace checker enforces (checked: 'trace') are no VirtqError's code.
  const virtq = catalogue.filter((e) => e.family === 'virtq' && e.checked === undefined);
  assert.ok(catalogue.some((e) => e.family === 'virtq' && e.checked === 'trace'), 'the filter is exercised');
  assert.deepEqual(Object.keys(virtqRules), virtq.map((e) => e.id));
  for (const e of virtq) {
    assert.equal(virtqRules[e.id as keyof typeof virtqRules], `${citation(e.source)}: ${e.statement}`);
    assert.match(virtqRules[e.id as keyof typeof virtqRules], /^virtio 1\.2 §\d/);
  }
  assert.equal(virtqRules.VIRTQ_DESC_LOOP, 'virtio 1.2 §2.7.5.2: a chain is at most as long as the descriptor table; loops are forbidden.');
  assert.ok(Object.isFrozen(virtqRules));
});

test('RingwireError.rule is the catalogue citation when not given, and the rule given otherwise', () => {
  const full = new RingError(xenRingErrorCodes.RING_FULL, 'no slot', { index: 3 });
  assert.equal(full.rule, 'xen/io/ring.h RING_FULL: A request is produced only into a free slot, and a response only for a request already consumed.');
  assert.equal(full.toJSON()['rule'], full.rule);
  const own = new RingError(xenRingErrorCodes.REQ_PROD_OVERFLOW, 'x', { rule: 'ring.h RING_REQUEST_PROD_OVERFLOW' });
  assert.equal(own.rule, 'ring.h RING_REQUEST_PROD_OVERFLOW');
  assert.equal(new VirtqError('VIRTQ_DESC_LOOP', 'loop').rule, virtqRules.VIRTQ_DESC_LOOP);
  assert.match(new UsageError('bad', 'CLI_BAD_NUMBER').rule ?? '', /^ringwire policy: A numeric option/);
  assert.match(new CodecError('CODEC_BAD_HEX', 'x').rule ?? '', /^ringwire policy: Hex input/);
  assert.match(new LayoutError('UNKNOWN_STRUCT', 'x').rule ?? '', /^ringwire policy: /);
  assert.match(new PortError('PORT_OUT_OF_BOUNDS', 'x').rule ?? '', /^ringwire policy: /);
  assert.match(new XenbusError('XENBUS_BAD_TRANSITION', 'x').rule ?? '', /^xen\/io\/xenbus\.h enum xenbus_state: /);
  assert.match(new GuestMemoryError('GUEST_MEMORY_NO_REGION', 'x').rule ?? '', /^ringwire policy: /);
  // A code the catalogue does not hold gets no rule.
  assert.equal(new RingwireError('NOT_CATALOGUED', 'm').rule, undefined);
  assert.equal(ruleText('NOT_CATALOGUED'), undefined);
});

test('error classes take catalogue ids only (compile-time)', () => {
  // Each line below would compile if the class accepted any string; the build fails if one of them does.
  // @ts-expect-error VIRTQ_TYPO is not a virtq id
  assert.equal(new VirtqError('VIRTQ_TYPO', 'x').code, 'VIRTQ_TYPO');
  // @ts-expect-error XEN_RING_TYPO is not a Xen ring id
  assert.equal(new RingError('XEN_RING_TYPO', 'x').code, 'XEN_RING_TYPO');
  // @ts-expect-error a virtq id is not a codec id
  assert.equal(new CodecError('VIRTQ_DESC_LOOP', 'x').code, 'VIRTQ_DESC_LOOP');
  // @ts-expect-error a rule only the trace checker enforces is no VirtqError code
  assert.equal(new VirtqError('VIRTQ_MISSING_KICK', 'x').code, 'VIRTQ_MISSING_KICK');
  // @ts-expect-error CLI_TYPO is not a CLI id
  assert.equal(new UsageError('x', 'CLI_TYPO').code, 'CLI_TYPO');
  // Every TraceErrorCode is a catalogue id.
  const traceCodes: CatalogueId = 'TRACE_CRC' as TraceErrorCode;
  assert.ok(ruleEntry(traceCodes));
});

test('closestIds ranks ids containing the text, then by edit distance', () => {
  assert.deepEqual(closestIds('VIRTQ_DESK_LOOP', 1), ['VIRTQ_DESC_LOOP']);
  assert.equal(closestIds('desc-loop', 1)[0], 'VIRTQ_DESC_LOOP');
  assert.equal(closestIds('XEN-RING-REQ-PROD-OVERFLOW', 1)[0], 'XEN_RING_REQ_PROD_OVERFLOW');
  assert.equal(closestIds('zzzz').length, 3);
});

test('protocol/catalogue.md is current (node dist/test/catalogue/make-catalogue-doc.js rewrites it)', () => {
  const committed = readFileSync(join(root, 'protocol', 'catalogue.md'), 'utf8');
  const fresh = catalogueMarkdown();
  assert.ok(fresh.includes('| `VIRTQ_DESC_LOOP` | error | driver |'), 'the rendering shows each entry');
  assert.equal(committed, fresh, 'protocol/catalogue.md is stale: run npx tsc -p . && node dist/test/catalogue/make-catalogue-doc.js');
  for (const e of catalogue) assert.ok(committed.includes(`| \`${e.id}\` |`), e.id);
});

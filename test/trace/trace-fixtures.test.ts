/**
 * The committed trace fixtures: regenerating each from the recorder gives identical bytes, and decoding each
 * committed file gives its NAME.expected.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { TraceReader, decodeTraceEvents } from '../../src/index.js';
import { buildFixture, fixturesRoot, traceFixtures } from './make-trace-fixtures.js';

test('trace fixtures: names are unique and every committed fixture regenerates byte for byte', () => {
  assert.equal(new Set(traceFixtures.map((f) => f.name)).size, traceFixtures.length);
  for (const f of traceFixtures) {
    const path = `${fixturesRoot}${f.dir}/${f.name}`;
    assert.ok(existsSync(`${path}.pcapng`), `${path}.pcapng is missing: run node dist/test/trace/make-trace-fixtures.js`);
    const { pcapng, expected } = buildFixture(f);
    assert.ok(Buffer.from(pcapng).equals(readFileSync(`${path}.pcapng`)), `${f.name}.pcapng differs from a fresh recording`);
    assert.equal(readFileSync(`${path}.expected.json`, 'utf8'), expected, `${f.name}.expected.json`);
  }
});

test('trace fixtures: each committed file decodes to its expected events', () => {
  for (const f of traceFixtures) {
    const path = `${fixturesRoot}${f.dir}/${f.name}`;
    const doc = JSON.parse(readFileSync(`${path}.expected.json`, 'utf8')) as { events: unknown[] };
    const events = [...decodeTraceEvents(new TraceReader(readFileSync(`${path}.pcapng`)))];
    assert.deepEqual(JSON.parse(JSON.stringify(events)), doc.events, f.name);
  }
});

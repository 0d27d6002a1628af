/**
 * Writes every trace fixture: fixtures/xen/NAME.pcapng and fixtures/virtio/NAME.pcapng, each beside
 * NAME.expected.json, the events ringwire decodes from it (for implementations in other languages to test
 * against). Deterministic: one seed per fixture, timestamps from the sequence number. Run after a deliberate
 * change, from the repository root: `node dist/test/trace/make-trace-fixtures.js`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GrowableSink, TraceReader, TraceRecorder, decodeTraceEvents } from '../../src/index.js';
import { scenarioSeed } from '../../src/hostile/index.js';
import type { TraceFixture } from './fixture-kit.js';
import { xenTraceFixtures } from './fixtures-xen.js';
import { virtioTraceFixtures } from './fixtures-virtio.js';

export const traceFixtures: readonly TraceFixture[] = [...xenTraceFixtures, ...virtioTraceFixtures];

/** The seed of a fixture: a hash of its name, so adding one fixture changes no other. */
export const fixtureSeed = scenarioSeed;

/** Record one fixture: the trace bytes and the expected-events JSON text. */
export function buildFixture(f: TraceFixture): { pcapng: Uint8Array; expected: string } {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  f.record(rec, fixtureSeed(f.name));
  rec.close();
  const pcapng = sink.bytes.slice();
  const events = [...decodeTraceEvents(new TraceReader(pcapng))];
  return { pcapng, expected: `${JSON.stringify({ fixture: f.name, about: f.about, events }, null, 1)}\n` };
}

export const fixturesRoot = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const f of traceFixtures) {
    const { pcapng, expected } = buildFixture(f);
    writeFileSync(`${fixturesRoot}${f.dir}/${f.name}.pcapng`, pcapng);
    writeFileSync(`${fixturesRoot}${f.dir}/${f.name}.expected.json`, expected);
    console.log(`fixtures/${f.dir}/${f.name}.pcapng: ${pcapng.length} bytes`);
  }
}

/**
 * The malformed fixtures, one per rule the checker judges on traces: fixtures/xen/malformed/RULE.pcapng and
 * fixtures/virtio/malformed/RULE.pcapng, each beside RULE.expected.json (the fixture's about sentence and
 * every finding `ringwire check` reports on it). Each is a real recorded run with one fault injected
 * (src/hostile/xen.ts, src/hostile/virtio.ts), seeded like the valid fixtures, so regeneration is byte-identical:
 * `npx tsc -p . && node dist/test/check/malformed-fixtures.js`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TraceReader, checkTrace } from '../../src/index.js';
import { hostileScenarios, recordScenario, type MalformedFixture, type PlacedScenario } from '../../src/hostile/index.js';

export interface PlacedFixture extends PlacedScenario {
  /** Path from the repository root. */
  readonly path: string;
}

export const malformedFixtures: readonly PlacedFixture[] = hostileScenarios.map((f) => ({ ...f, path: `fixtures/${f.dir}/malformed/${f.rule}.pcapng` }));

/** Record one malformed fixture: the trace bytes and the expected-findings JSON text. */
export function buildMalformed(f: MalformedFixture): { pcapng: Uint8Array; expected: string } {
  const pcapng = recordScenario(f);
  const findings = checkTrace(new TraceReader(pcapng));
  return { pcapng, expected: `${JSON.stringify({ fixture: f.rule, about: f.about, findings }, null, 1)}\n` };
}

const root = fileURLToPath(new URL('../../../', import.meta.url));

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const f of malformedFixtures) {
    const { pcapng, expected } = buildMalformed(f);
    mkdirSync(`${root}fixtures/${f.dir}/malformed`, { recursive: true });
    writeFileSync(`${root}${f.path}`, pcapng);
    writeFileSync(`${root}${f.path.replace(/\.pcapng$/, '.expected.json')}`, expected);
    console.log(`${f.path}: ${pcapng.length} bytes`);
  }
}

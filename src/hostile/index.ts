/**
 * Hostile traffic: one scenario per protocol rule ringwire checks, each a real run of ringwire's reference
 * rings or queues on a TraceRecorder with one fault injected, so the trace breaks exactly that rule. The
 * same scenarios are the committed malformed fixtures (fixtures/DIR/malformed/RULE.pcapng) and what
 * `ringwire hostile --rule ID` writes. Core code: no node: imports.
 */
import { GrowableSink, TraceRecorder } from '../index.js';
import { RWT_PARTY_NONE, type HostileAnnotation } from '../../protocol/trace/index.js';
import type { MalformedFixture } from './scenario.js';
import { hostileExpectation } from './expectation.js';
import { xenMalformedFixtures } from './xen.js';
import { xenNetifMalformedFixtures } from './xen-netif.js';
import { xenXenbusMalformedFixtures } from './xen-xenbus.js';
import { virtioMalformedFixtures } from './virtio.js';
import { virtioPackedMalformedFixtures } from './virtio-packed.js';

export type { MalformedFixture } from './scenario.js';
export { hostileExpectation, expectFor, reactionText } from './expectation.js';

export interface PlacedScenario extends MalformedFixture {
  /** The fixtures folder it is committed under: fixtures/DIR/malformed/. */
  readonly dir: 'xen' | 'virtio';
}

export const hostileScenarios: readonly PlacedScenario[] = [
  ...xenMalformedFixtures.map((f) => ({ ...f, dir: 'xen' as const })),
  ...xenNetifMalformedFixtures.map((f) => ({ ...f, dir: 'xen' as const })),
  ...xenXenbusMalformedFixtures.map((f) => ({ ...f, dir: 'xen' as const })),
  ...virtioMalformedFixtures.map((f) => ({ ...f, dir: 'virtio' as const })),
  ...virtioPackedMalformedFixtures.map((f) => ({ ...f, dir: 'virtio' as const })),
];

/** The seed a fixture or scenario named `name` runs with (FNV-1a of the name), so regeneration is byte-identical. */
export function scenarioSeed(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Record one scenario, optionally with its hostile annotation after the last record (before close). */
function record(f: MalformedFixture, annotation?: HostileAnnotation): Uint8Array {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  f.record(rec, scenarioSeed(f.rule));
  if (annotation !== undefined) rec.annotate(0, RWT_PARTY_NONE, { ...annotation });
  rec.close();
  return sink.bytes.slice();
}

/**
 * What the scenario expects of the side under test (protocol/trace/hostile.ts): the rule, the side that did
 * not break it, and whether that side must refuse or the monitor observes. Derived by checking the run.
 */
export function scenarioExpectation(f: MalformedFixture): HostileAnnotation {
  return hostileExpectation(f.rule, record(f));
}

/**
 * Record one scenario: the trace's bytes, ending with the hostile annotation that makes the file
 * self-describing (`ringwire trace replay` reads it to judge the implementation under test).
 */
export function recordScenario(f: MalformedFixture): Uint8Array {
  return record(f, scenarioExpectation(f));
}
export { judgeHostile, type HostileOutcome, type HostileVerdict } from './outcome.js';
export { referenceImplementation } from './reference.js';

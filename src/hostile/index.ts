/**
 * Hostile traffic: one scenario per protocol rule ringwire checks, each a real run of ringwire's reference
 * rings or queues on a TraceRecorder with one fault injected, so the trace breaks exactly that rule. The
 * same scenarios are the committed malformed fixtures (fixtures/DIR/malformed/RULE.pcapng) and what
 * `ringwire hostile --rule ID` writes. Core code: no node: imports.
 */
import { GrowableSink, TraceRecorder } from '../index.js';
import type { MalformedFixture } from './scenario.js';
import { xenMalformedFixtures } from './xen.js';
import { xenNetifMalformedFixtures } from './xen-netif.js';
import { xenXenbusMalformedFixtures } from './xen-xenbus.js';
import { virtioMalformedFixtures } from './virtio.js';
import { virtioPackedMalformedFixtures } from './virtio-packed.js';

export type { MalformedFixture } from './scenario.js';

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

/** Record one scenario: the trace's bytes. */
export function recordScenario(f: MalformedFixture): Uint8Array {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  f.record(rec, scenarioSeed(f.rule));
  rec.close();
  return sink.bytes.slice();
}

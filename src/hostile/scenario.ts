/**
 * What a malformed fixture is: the catalogue rule it breaks, one sentence on the fault, and a deterministic
 * run of ringwire's real rings or queues on a TraceRecorder with that one fault injected.
 * make-malformed-fixtures.ts writes each as fixtures/DIR/malformed/RULE.pcapng beside RULE.expected.json
 * (the findings `ringwire check` reports on it).
 */
import type { CatalogueId, TraceRecorder } from '../index.js';

export interface MalformedFixture {
  readonly rule: CatalogueId;
  /** One sentence: the run and the fault injected into it. */
  readonly about: string;
  record(rec: TraceRecorder, seed: number): void;
}

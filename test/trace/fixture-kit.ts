/**
 * What a trace fixture is: a name, the transport directory it lives in, and a deterministic function that runs
 * ringwire's real rings or queues on a TraceRecorder. test/trace/make-trace-fixtures.ts writes each one as
 * fixtures/DIR/NAME.pcapng beside NAME.expected.json (its decoded events), and a test regenerates them all and
 * requires identical bytes.
 */
import type { TraceRecorder } from '../../src/index.js';

export interface TraceFixture {
  readonly name: string;
  readonly dir: 'xen' | 'virtio';
  /** One sentence: what the trace shows. */
  readonly about: string;
  /** Record the trace. Use only `seed`-driven randomness (test/virtio/rng.ts), never the clock. */
  record(rec: TraceRecorder, seed: number): void;
}

/**
 * What a hostile scenario expects of the side under test, derived from the catalogue and the recording, never
 * listed per rule: the party that broke the rule is the one ringwire's conformance checker names on the
 * recorded trace (the catalogue's `binds` when the checker names none), the side under test is the other one,
 * and the expectation is `refuse` when an error class of ringwire throws the rule's code (the receiving end's
 * checked operations see it in memory), `observe` when only the checker judges it (`checked: 'trace'`).
 */
import { RWT_HOSTILE_OP, type HostileAnnotation, type HostileExpect } from '../../protocol/trace/index.js';
import type { RuleEntry } from '../../protocol/catalogue/index.js';
import { ruleEntry } from '../rule-catalogue.js';
import { TraceReader } from '../trace/index.js';
import { checkTrace } from '../check/index.js';
import { RingwireError } from '../errors.js';

export type Side = 'front' | 'back';

/** Xen frontend / virtio driver break → the backend / device is under test, and the other way round. */
const otherSide: Readonly<Record<string, Side>> = { front: 'back', driver: 'back', back: 'front', device: 'front' };

/** The expectation for a trace `bytes` (recorded without its annotation) that breaks `rule`. */
export function hostileExpectation(rule: string, bytes: Uint8Array): HostileAnnotation {
  const e = ruleEntry(rule) as RuleEntry | undefined;
  if (e === undefined) throw new RingwireError('CLI_UNKNOWN_CODE', `Rule ${rule} is not in the catalogue.`);
  const found = checkTrace(new TraceReader(bytes)).find((f) => f.rule === rule);
  // A finding placed on a record of no party (a setup record is the recorder's) falls back to `binds`.
  const side = otherSide[found?.party ?? ''] ?? otherSide[e.binds];
  if (side === undefined) throw new RingwireError('CLI_USAGE', `The scenario for ${rule} does not show who breaks the rule (the checker reports nothing and it binds ${e.binds}).`);
  return { op: RWT_HOSTILE_OP, rule, expect: expectFor(e), side };
}

/** refuse: a ringwire error class throws this code; observe: only the trace checker enforces it. */
export function expectFor(e: RuleEntry): HostileExpect {
  return e.checked === undefined ? 'refuse' : 'observe';
}

/** How a careful implementation of the side under test reacts, in one sentence (for `ringwire hostile --list`). */
export function reactionText(a: HostileAnnotation): string {
  return a.expect === 'refuse'
    ? `refuses with ${a.rule}: its checked operations see it in shared memory`
    : `keeps to the protocol or refuses cleanly (any code); the monitor reports ${a.rule}`;
}

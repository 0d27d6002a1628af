/**
 * The one seam between the checker and its rules. A rule is a small object, made afresh for each interface
 * of its transport (so its own state is per ring or queue), that looks at each decoded event of that
 * interface with the interface's tracked state as it was before the event, and reports what breaks its
 * rule. Temporal rules also get `end()`, called at the interface's end record (or at the end of the trace).
 */
import type { CatalogueId } from '../../protocol/catalogue/index.js';
import type { TraceEvent } from '../trace/event.js';
import type { FindingDetail, RecordPlace } from './finding.js';

export interface RuleContext<S> {
  /** The interface's tracked state (indices, outstanding ids ...) as it stood before this event. */
  readonly state: S;
  readonly iface: number;
  /** The record being checked (for end(): the interface's last record). */
  readonly place: RecordPlace;
  /** Error-severity violations found on this interface so far (whether or not the options report them). */
  readonly errors: number;
  /** Report a violation of `rule`, at `at` (default: the record being checked). */
  report(rule: CatalogueId, detail: FindingDetail, at?: RecordPlace): void;
}

export interface TraceRule<S> {
  /** The catalogue ids this rule can report. */
  readonly ids: readonly CatalogueId[];
  check(ctx: RuleContext<S>, event: TraceEvent): void;
  end?(ctx: RuleContext<S>): void;
}

/** Makes a rule's per-interface instance. */
export type TraceRuleFactory<S> = () => TraceRule<S>;

/** The party word of an event as the transport names it: virtio says driver and device. */
export function virtioParty(party: string): string {
  return party === 'front' ? 'driver' : party === 'back' ? 'device' : party;
}

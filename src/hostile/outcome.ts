/**
 * Judging a replay of a hostile trace (protocol/trace/hostile.ts): what "the implementation refuses it with
 * that rule's code" means, precisely.
 *
 *   expect refuse   PASS when run() threw an error with exactly the rule's code (a RingwireError, or another
 *                   Error with that UPPER_SNAKE `code`, or a `refused` answer over --impl-cmd) and every run
 *                   before it reproduced the recording. FAIL when it refused with another code, threw an
 *                   error without a code, diverged from the recording first, or never refused (accepted).
 *   expect observe  PASS when ringwire's monitor (the conformance checker over the replayed trace) reported
 *                   the rule, and the implementation either reproduced every run (the final one included) or
 *                   refused cleanly with any code. FAIL when it threw an error without a code, diverged from
 *                   the recording, or the monitor did not report the rule.
 */
import type { HostileAnnotation } from '../../protocol/trace/index.js';
import type { ReplayResult } from '../trace/replay-impl.js';
import type { Finding } from '../check/finding.js';

export type HostileVerdict = 'refused' | 'observed' | 'wrong-code' | 'failed' | 'diverged' | 'accepted' | 'not-observed';

export interface HostileOutcome {
  readonly rule: string;
  readonly expect: HostileAnnotation['expect'];
  readonly side: HostileAnnotation['side'];
  readonly ok: boolean;
  readonly verdict: HostileVerdict;
  /** The code the implementation refused with, when it refused. */
  readonly refused?: string;
  /** The monitor's first finding of the rule, when it reported one. */
  readonly finding?: Finding;
  /** One line saying what happened. */
  readonly text: string;
}

export function judgeHostile(a: HostileAnnotation, r: ReplayResult): HostileOutcome {
  const base = { rule: a.rule, expect: a.expect, side: a.side };
  const finding = r.findings.find((f) => f.rule === a.rule);
  const seen = finding === undefined ? {} : { finding };
  const d = r.divergence;
  const threw = d !== undefined && d.path === 'run() threw';
  const refusal = r.refusal;
  const fail = (verdict: HostileVerdict, text: string, extra: object = {}): HostileOutcome => ({ ...base, ...seen, ...extra, ok: false, verdict, text });
  if (threw && refusal === undefined) return fail('failed', `failed: run() threw ${d.implementation} (a refusal carries a code)`);
  if (d !== undefined && !threw) {
    return fail('diverged', `${a.expect === 'refuse' ? `did not refuse with ${a.rule}` : 'diverged from the recording'}: at record ${d.record} (seq ${d.seq}) ${d.region} offset ${d.offset}: ${d.path}: trace ${d.trace}, implementation ${d.implementation}`);
  }
  const where = finding === undefined ? '' : ` (monitor: record ${finding.record}, by ${finding.party})`;
  if (a.expect === 'refuse') {
    if (refusal === undefined) return fail('accepted', `accepted it: no refusal with ${a.rule} in ${r.runs} run(s)`);
    if (refusal.code !== a.rule) return fail('wrong-code', `refused with ${refusal.code}, expected ${a.rule}: ${refusal.message}`, { refused: refusal.code });
    return { ...base, ...seen, ok: true, verdict: 'refused', refused: refusal.code, text: `refused as expected: ${a.rule} (run ${refusal.run}, record ${refusal.record})` };
  }
  if (finding === undefined) return fail('not-observed', `not observed: the monitor did not report ${a.rule}`);
  const how = refusal === undefined ? `kept to the recording in ${r.runs} run(s)` : `refused cleanly with ${refusal.code}`;
  return { ...base, ...seen, ok: true, verdict: 'observed', ...(refusal === undefined ? {} : { refused: refusal.code }), text: `observed as expected: ${a.rule}${where}; it ${how}` };
}

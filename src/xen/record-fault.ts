/**
 * A record rule broken in a private copy of a ring slot: the catalogue rule, the ring index, the C member,
 * the values compared and one sentence. The typed ends throw it as a RingError with the rule's own code
 * (faultError); the trace checker and the dump checker report the same fault as a finding. One definition of
 * each check serves all three (blkif-faults.ts, netif-faults.ts).
 */
import { RingError, type XenRecordRuleId } from './ring-error.js';

export interface RecordFault {
  readonly rule: XenRecordRuleId;
  readonly index: number;
  /** The member as `struct.member` (`blkif_request.nr_segments`, `netif_tx_request.offset`). */
  readonly path: string;
  readonly expected: unknown;
  readonly received: unknown;
  readonly message: string;
  /** The header text or driver function the check follows (the RingError's `rule`). */
  readonly source: string;
}

/** A fault as the typed ends throw it: a RingError carrying the fault's rule as its code. */
export function faultError(f: RecordFault): RingError {
  return new RingError(f.rule, f.message, { index: f.index, path: f.path, expected: f.expected, received: f.received, rule: f.source });
}

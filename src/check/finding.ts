/**
 * What the conformance checker reports: one Finding per broken rule, naming the catalogue rule, who broke
 * it, where in the trace (sequence number, pcapng packet number as tshark counts frames, byte offset of the
 * record's block), the expected and actual values, and the rule's citation. Plain JSON.
 */
import type { RuleSeverity } from '../../protocol/catalogue/index.js';

export interface Finding {
  /** The catalogue id (`XEN_RING_MISSING_NOTIFY`, `VIRTQ_DESC_LOOP`). */
  readonly rule: string;
  readonly severity: RuleSeverity;
  /** Who acted: `front` / `back` (Xen), `driver` / `device` (virtio), or `none` (the recorder). */
  readonly party: string;
  /** The pcapng interface (ring or queue). */
  readonly iface: number;
  /** The record's global sequence number. */
  readonly seq: number;
  /** 1-based packet number of the record (`tshark -r FILE -Y frame.number==N`). */
  readonly record: number;
  /** Byte offset of the record's block in the file. */
  readonly offset: number;
  /** The memory region the rule looked at, when one. */
  readonly region?: number;
  /** The C member or ring position (`blkif_request.seg[0].last_sect`, `used[3].id`), when one. */
  readonly path?: string;
  readonly expected: unknown;
  readonly actual: unknown;
  /** One sentence saying what happened. */
  readonly message: string;
  /** The rule's citation, as `ringwire explain` shows it (`xen/io/ring.h RING_PUSH_REQUESTS_AND_CHECK_NOTIFY`). */
  readonly source: string;
}

/** What a rule says about one violation; the checker adds the rule's catalogue fields and the place. */
export interface FindingDetail {
  readonly expected: unknown;
  readonly actual: unknown;
  readonly message: string;
  readonly path?: string;
  readonly region?: number;
}

/** Where in the trace a finding is: a record's seq, packet, byte offset and party. */
export interface RecordPlace {
  readonly seq: number;
  readonly record: number;
  readonly offset: number;
  readonly party: string;
}

/** Ordering of severities, most severe first. */
export const severityRank: Readonly<Record<RuleSeverity, number>> = { error: 0, warning: 1, info: 2 };

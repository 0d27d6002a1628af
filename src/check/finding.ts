/**
 * What the conformance checker reports: one Finding per broken rule, naming the catalogue rule, who broke
 * it, where, the expected and actual values, and the rule's citation. Plain JSON. Where depends on what was
 * checked: in a trace, the record (sequence number, pcapng packet number as tshark counts frames, byte offset
 * of the record's block); in a ring dump, the area of the dump, the byte offset in it and the ring index.
 * Both kinds share every other field, so a consumer reads rule, severity, party, offset, path, expected,
 * actual, message and source the same way; `dump` tells a dump finding from a trace finding.
 */
import type { RuleSeverity } from '../../protocol/catalogue/index.js';

/** The fields every finding has, whatever was checked. */
interface FindingCommon {
  /** The catalogue id (`XEN_RING_MISSING_NOTIFY`, `VIRTQ_DESC_LOOP`). */
  readonly rule: string;
  readonly severity: RuleSeverity;
  /** Who acted: `front` / `back` (Xen), `driver` / `device` (virtio), or `none` (the recorder). */
  readonly party: string;
  /** Trace: byte offset of the record's block in the file. Dump: byte offset in the dump area (`area`). */
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

/** A finding in a trace (`ringwire check`). */
export interface TraceFinding extends FindingCommon {
  /** The pcapng interface (ring or queue). */
  readonly iface: number;
  /** The record's global sequence number. */
  readonly seq: number;
  /** 1-based packet number of the record (`tshark -r FILE -Y frame.number==N`). */
  readonly record: number;
  readonly dump?: never;
  readonly area?: never;
  readonly index?: never;
  readonly slot?: never;
}

/** What a dump holds: a Xen shared-ring image, or a split or packed virtqueue snapshot. */
export type DumpKind = 'xen' | 'virtio-split' | 'virtio-packed';

/**
 * The part of a dump a finding's `offset` counts in: `sring` (the Xen ring image: header and slots),
 * `desc` (descriptor table or ring), `avail` (split driver area), `used` (split device area),
 * `driver_event` / `device_event` (packed event suppression structures).
 */
export type DumpArea = 'sring' | 'desc' | 'avail' | 'used' | 'driver_event' | 'device_event';

/** A finding in a ring dump (`ringwire dump`). */
export interface DumpFinding extends FindingCommon {
  readonly dump: DumpKind;
  readonly area: DumpArea;
  /**
   * The ring index the finding is about, when one: the free-running RING_IDX of a Xen slot, the avail or used
   * index (modulo 2^16) of a split ring entry, the ring position of a packed descriptor.
   */
  readonly index?: number;
  /** The slot that index lands in (index modulo the ring or queue size), when there is an index. */
  readonly slot?: number;
  readonly iface?: never;
  readonly seq?: never;
  readonly record?: never;
}

/** One broken rule, in a trace or in a dump. */
export type Finding = TraceFinding | DumpFinding;

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

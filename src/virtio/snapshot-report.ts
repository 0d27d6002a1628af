/**
 * The parts of a virtqueue snapshot report that split and packed share: JSON-ready records of walked
 * descriptors (wire fields under their C names), findings and violations. Produced by split-snapshot.ts and
 * packed-snapshot.ts; the CLI only prints them.
 */
import { VirtqError, virtqNotCheckedCodes } from './errors.js';
import { BUFFER_NOT_CHECKED } from './desc-rules.js';
import type { DescChain } from './chain.js';
import { VRING_DESC_F_INDIRECT } from './flags.js';

/** A rule broken, or a check that could not be made: the VirtqError code and its one-sentence message. */
export interface VirtqFinding {
  readonly code: string;
  readonly message: string;
}

/** A finding that makes the snapshot inconsistent, with where it was found (`avail.idx`, `slot 3`, `pos 4`, ...). */
export interface SnapshotViolation extends VirtqFinding {
  readonly at: string;
}

/**
 * How a chain's error counts: a `violation`; `stale` (split: a chain no longer outstanding, whose memory the
 * driver may have reused, so not a violation); `not checked` (input missing, e.g. an indirect table outside the
 * memory supplied: VIRTQ_INDIRECT_UNREADABLE, not a violation); `not judged` (packed: walked from an assumed
 * device position, so the chain may be stale or consumed, and its error is not a violation).
 */
export type FindingKind = 'violation' | 'stale' | 'not checked' | 'not judged';

/** One walked descriptor: vring_desc / vring_packed_desc fields by their C names, plus where its buffer was found. */
export interface DescReport {
  /** Position in the descriptor table or ring, or in the indirect table for `table` entries. */
  readonly index: number;
  /** Guest-physical address: a number up to 2^53, a decimal string above. */
  readonly addr: number | string;
  readonly len: number;
  readonly flags: number;
  /** Split: the `next` field. */
  readonly next?: number;
  /** Packed: the `id` field. */
  readonly id?: number;
  /** A buffer descriptor the walk reached: 'checked' against the memory given, or 'not checked' (outside it). */
  buffer?: 'checked' | 'not checked';
  /** An indirect descriptor's table entries, as far as they were walked. */
  table?: DescReport[];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The descriptors `c` recorded (ring entries; an indirect descriptor's entries in its `table`). */
export function descReports(c: DescChain, packed: boolean): DescReport[] {
  const out: DescReport[] = [];
  // The ring descriptor whose table the following inTable entries belong to (`table` only once one was read).
  let owner: DescReport | undefined;
  for (let k = 0; k < c.count; k++) {
    const a = c.addrBig(k);
    const flags = c.flags[k] as number;
    const base = { index: c.index[k] as number, addr: a <= MAX_SAFE ? Number(a) : a.toString(), len: c.len[k] as number, flags };
    const d: DescReport = packed ? { ...base, id: c.next[k] as number } : { ...base, next: c.next[k] as number };
    const region = c.region[k] as number;
    if (region >= 0) d.buffer = 'checked';
    else if (region === BUFFER_NOT_CHECKED) d.buffer = 'not checked';
    if (c.inTable[k] === 1 && owner !== undefined) {
      (owner.table ??= []).push(d);
    } else {
      out.push(d);
      owner = (flags & VRING_DESC_F_INDIRECT) !== 0 ? d : undefined;
    }
  }
  return out;
}

/** The finding a walk's error stands for; anything but a VirtqError is a bug and is rethrown. */
export function findingOf(e: unknown): VirtqFinding {
  if (e instanceof VirtqError) return { code: e.code, message: e.message };
  throw e;
}

/** Whether a finding is missing input rather than a broken rule. */
export function isNotChecked(f: VirtqFinding): boolean {
  return virtqNotCheckedCodes.has(f.code);
}

/**
 * VirtqError: a virtio peer broke the protocol (or a caller asked a queue to). Every code is stable and
 * every error carries the descriptor index (`index`), the guest-physical address involved when there is one
 * (`offset` holds it when it fits a number; `received` holds it as a decimal string otherwise) and a
 * sentence that names the spec section it enforces (`rule`).
 *
 * Section numbers are those of Virtual I/O Device (VIRTIO) Version 1.2: §2.7 split virtqueues,
 * §2.8 packed virtqueues. A rule the spec does not state as a requirement says "ringwire policy".
 */
import { RingwireError, type ErrorDetail } from '../errors.js';
import { virtqCatalogue, type GuestMemoryRuleId, type TraceCheckedId, type VirtqRuleId } from '../../protocol/catalogue/index.js';
import { citation } from '../rule-catalogue.js';

/**
 * The rule each code enforces, with its section: `virtio 1.2 §S: statement`, derived from the catalogue's
 * virtq entries (protocol/catalogue/virtq.ts), which also quote the spec's MUST / SHOULD sentences.
 */
export const virtqRules = Object.freeze(Object.fromEntries(virtqCatalogue.filter((e) => !('checked' in e)).map((e) => [e.id, `${citation(e.source)}: ${e.statement}`]))) as
  Readonly<Record<VirtqErrorCode, string>>;

/**
 * Codes a snapshot reports for a chain it could not check because input is missing, never as a protocol
 * violation.
 */
export const virtqNotCheckedCodes: ReadonlySet<string> = new Set<VirtqErrorCode>(['VIRTQ_INDIRECT_UNREADABLE']);

/** The virtq ids VirtqError throws: every virtq entry but the rules only the trace checker enforces. */
export type VirtqErrorCode = Exclude<VirtqRuleId, TraceCheckedId>;

export class VirtqError extends RingwireError {
  declare readonly code: VirtqErrorCode;
  /** The guest-physical address involved, when there is one. */
  readonly addr: bigint | undefined;

  constructor(code: VirtqErrorCode, message: string, detail: ErrorDetail & { addr?: bigint } = {}) {
    const { addr, ...rest } = detail;
    const offset = addr !== undefined && addr <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(addr) : rest.offset;
    super(code, `${message} (${virtqRules[code]})`, { ...rest, offset, rule: virtqRules[code] });
    this.addr = addr;
  }

  override toJSON(): Record<string, unknown> {
    const o = super.toJSON();
    if (this.addr !== undefined) o['addr'] = this.addr <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(this.addr) : this.addr.toString();
    return o;
  }
}

/**
 * GuestMemoryError: the GuestMemory API used in a way it cannot serve (not a peer's fault). Codes:
 * GUEST_MEMORY_NO_REGION (no region with that index: a buffer whose address was not checked, or a stale index),
 * GUEST_MEMORY_NO_PORT (a region whose bytes are read on demand has no port to read or write through),
 * GUEST_MEMORY_UNREADABLE (a read-on-demand region cannot supply the bytes asked for: declared by size only).
 */
export class GuestMemoryError extends RingwireError {
  declare readonly code: GuestMemoryRuleId;
  constructor(code: GuestMemoryRuleId, message: string, detail: ErrorDetail = {}) {
    super(code, message, detail);
  }
}

/** 64-bit address from its halves, for error reports only (never on a hot path). */
export function addrOf(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

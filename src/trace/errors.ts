/**
 * TraceError: a trace file (or a call to the writer) that ringwire cannot accept. Every error carries its
 * stable `code`, the byte `offset` in the file where the problem is, and the `record` number: the 1-based
 * number of the Enhanced Packet Block being read, as Wireshark numbers frames (`tshark -Y frame.number==N`);
 * for a block before any packet it is the number the next packet would have.
 */
import { RingwireError, type ErrorDetail } from '../errors.js';

export type TraceErrorCode =
  /** The input ends inside a block, or before every interface wrote its end record. */
  | 'TRACE_TRUNCATED'
  /** A record's CRC-32 (epb_hash) does not match its bytes, or the record has none. */
  | 'TRACE_CRC'
  /** A pcapng block breaks the container's rules (lengths, options, interface numbers). */
  | 'TRACE_BAD_BLOCK'
  /** A ringwire record breaks the record format's rules (header length, fragments, records after end). */
  | 'TRACE_BAD_RECORD'
  /** The input does not start with a pcapng Section Header Block. */
  | 'TRACE_NOT_PCAPNG'
  /** A length above the reader's limits, refused before anything is allocated. */
  | 'TRACE_TOO_LARGE'
  /** A pcapng or ringwire record major version this reader does not know. */
  | 'TRACE_VERSION'
  /** A writer call that cannot be written (unknown or ended interface, value out of range). */
  | 'TRACE_BAD_ARGUMENT'
  /** A replay reached a checkpoint whose SHA-256 of a region differs from the replayed memory. */
  | 'TRACE_CHECKPOINT';

export interface TraceErrorDetail extends ErrorDetail {
  /** 1-based Enhanced Packet Block number. */
  readonly record?: number;
}

export class TraceError extends RingwireError {
  declare readonly code: TraceErrorCode;
  /** 1-based Enhanced Packet Block number (also in `index`). */
  readonly record: number | undefined;

  constructor(code: TraceErrorCode, message: string, detail: TraceErrorDetail = {}) {
    super(code, message, detail.record === undefined ? detail : { ...detail, index: detail.record });
    this.record = detail.record;
  }

  override toJSON(): Record<string, unknown> {
    const out = super.toJSON();
    if (this.record !== undefined) out['record'] = this.record;
    return out;
  }
}

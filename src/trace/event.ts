/**
 * Decoded trace events: what a record (or a run of records) meant, in the words of the protocol —
 * `front published requests 12..14`, `device used head 3 len 4096`. One event is a JSON-ready object: where it
 * came from (`seq`, `iface`, `party`), a `kind` a program can switch on, a one-line `text` a person reads, and
 * the decoded fields under their C names.
 */
import type { TraceSetup } from '../../protocol/trace/index.js';
import type { TraceRecord } from './trace-record.js';
import type { AccessBody } from './bodies.js';
import type { ReplayInterface } from './replayer.js';

export type PartyWord = 'none' | 'front' | 'back';

export interface TraceEvent {
  readonly seq: number;
  readonly iface: number;
  readonly party: PartyWord;
  /** e.g. `requests-published`, `response-consumed`, `notify`, `chain-available`, `used`, `xenbus-state`. */
  readonly kind: string;
  /** One line for people. */
  readonly text: string;
  /** Decoded fields (C member names), JSON-ready (64-bit values as decimal strings). */
  readonly [field: string]: unknown;
}

/**
 * One transport's decoder for one interface. It is called for every record of its interface after the
 * replayer has applied it (so `state` holds the memory as of that record), with the access a write or
 * snapshot record made, and returns the events the record means (often none: a slot write means nothing
 * until the index store that publishes it).
 */
export interface TransportEventDecoder {
  decode(record: TraceRecord, state: ReplayInterface, access: AccessBody | undefined): readonly TraceEvent[];
}

/** Makes the decoder for an interface from its setup record, or undefined when the transport is not its. */
export type TransportDecoderFactory = (setup: TraceSetup, iface: number) => TransportEventDecoder | undefined;

export const partyWords: readonly PartyWord[] = ['none', 'front', 'back'];

export function partyWord(party: number): PartyWord {
  return partyWords[party] ?? 'none';
}

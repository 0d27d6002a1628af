/**
 * The seam between reading a trace and saying what it means. A TraceEventDecoder turns a record into the
 * events it stands for (`front published requests 12..14`, `device used head 3 len 4096`); decoders for
 * the Xen and virtio transports plug in here, and whatever no decoder takes is shown by the record-level
 * decoder below (the record type and the first bytes of its body). Tools such as `ringwire trace decode`
 * only format TraceEvents.
 */
import { recordParties, recordTypes, type TraceSetup } from '../../protocol/trace/index.js';
import type { TraceInterface } from './trace-decoder.js';
import type { TraceRecord } from './trace-record.js';
import type { AccessBody } from './bodies.js';
import type { ReplayInterface } from './replayer.js';
import { timestampText } from './timestamp.js';

/**
 * One decoded event. Every member is plain JSON (numbers, strings, booleans, arrays, objects: 64-bit
 * values are decimal strings), so a tool can print it as one line of JSON as it is; wire fields keep
 * their C names.
 */
export interface TraceEvent {
  /** The record's global sequence number. */
  readonly seq: number;
  /** The pcapng interface (ring or queue) it happened on. */
  readonly iface: number;
  /** Who acted: `front`, `back` or `none` (the recorder). */
  readonly party: string;
  /** What happened, one word or a short hyphenated phrase (`write`, `publish-requests`). */
  readonly kind: string;
  /** One line for people. */
  readonly text: string;
  readonly [field: string]: unknown;
}

export interface TraceEventDecoder {
  /**
   * The events `record` stands for, or undefined when this decoder does not decode it (another decoder,
   * at last the record-level one, will). An empty iterable means: decoded, nothing to show. The events may
   * be reused objects, valid until the next call, as records are.
   */
  accept(record: TraceRecord, iface: TraceInterface): Iterable<TraceEvent> | undefined;
}

/** How many body bytes the record-level event shows. */
export const RECORD_EVENT_HEAD_BYTES = 16;

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const typeWords: string[] = [];
for (const t of recordTypes) typeWords[t.value] = t.word;
const partyWords: string[] = [];
for (const p of recordParties) partyWords[p.value] = p.name;

/** A record type's word from protocol/trace (`write`), or `type-N` for one this build does not know. */
export function recordTypeWord(rec_type: number): string {
  return typeWords[rec_type] ?? `type-${rec_type}`;
}

/** Who acted, as a word: a party of protocol/trace's recordParties, or `party-N` for one this build does not know. */
export type PartyWord = 'none' | 'front' | 'back' | `party-${number}`;

/** A party's word (`front`), or `party-N` for one this build does not know. */
export function partyWord(party: number): PartyWord {
  return (partyWords[party] as PartyWord | undefined) ?? `party-${party}`;
}

/** The record-level event: what any record says without knowing its transport. */
export class RecordEvent implements TraceEvent {
  [field: string]: unknown;
  seq = 0;
  iface = 0;
  party = '';
  kind = '';
  text = '';
  rec_type = 0;
  /** 1-based number of its (first) packet, as tshark numbers frames. */
  packet = 0;
  /** Packets it was split into (1 when not split). */
  fragments = 1;
  /** The EPB timestamp in units of the interface's if_tsresol, as a decimal string. */
  timestamp = '0';
  body_len = 0;
  /** Hex of the first RECORD_EVENT_HEAD_BYTES bytes of the body. */
  body_head = '';
}

/** Shows every record as one RecordEvent: its type, party, length and first bytes. One reused event. */
export class RecordEventDecoder implements TraceEventDecoder {
  private readonly event = new RecordEvent();
  private readonly one: readonly TraceEvent[] = [this.event];

  accept(r: TraceRecord): readonly TraceEvent[] {
    const e = this.event;
    const n = Math.min(r.body_len, RECORD_EVENT_HEAD_BYTES);
    const bytes = r.bytes;
    let head = '';
    for (let i = r.bodyOffset, end = r.bodyOffset + n; i < end; i++) head += HEX[bytes[i] as number];
    e.seq = r.seq;
    e.iface = r.interface_id;
    e.party = partyWord(r.party);
    e.kind = recordTypeWord(r.rec_type);
    e.rec_type = r.rec_type;
    e.packet = r.packet;
    e.fragments = r.fragments;
    e.timestamp = timestampText(r.timestamp_high, r.timestamp_low);
    e.body_len = r.body_len;
    e.body_head = head;
    e.text = `${r.body_len} bytes${r.fragments > 1 ? ` in ${r.fragments} packets` : ''}${n > 0 ? `: ${head}${r.body_len > n ? ' ...' : ''}` : ''}`;
    return this.one;
  }
}

/**
 * Decoders tried in order; the first that accepts a record gives its events, and a record none accepts
 * is shown by the record-level decoder.
 */
export class TraceEventDecoders implements TraceEventDecoder {
  private readonly fallback = new RecordEventDecoder();

  constructor(private readonly decoders: readonly TraceEventDecoder[] = []) {}

  accept(record: TraceRecord, iface: TraceInterface): Iterable<TraceEvent> {
    for (let i = 0; i < this.decoders.length; i++) {
      const events = (this.decoders[i] as TraceEventDecoder).accept(record, iface);
      if (events !== undefined) return events;
    }
    return this.fallback.accept(record);
  }
}

/**
 * One transport's decoder for one interface, below the TraceEventDecoder seam: called for every record of
 * its interface after the replayer has applied it (so `state` holds the memory as of that record), with the
 * access a write or snapshot record made, it returns the events the record means — often none (a slot
 * write means nothing until the index store that publishes it), and then the record is shown record-level.
 */
export interface TransportEventDecoder {
  decode(record: TraceRecord, state: ReplayInterface, access: AccessBody | undefined): readonly TraceEvent[];
}

/** Makes the decoder for an interface from its setup record, or undefined when the transport is not its. */
export type TransportDecoderFactory = (setup: TraceSetup, iface: number) => TransportEventDecoder | undefined;

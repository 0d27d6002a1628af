/**
 * From records to events: every record is applied to a TraceReplayer, then handed to its interface's
 * transport decoder (chosen by the interface's setup record); records no transport decoder explains
 * (region, checkpoint, lost, end, config it does not know) become record-level events. Works on any iterable
 * of records, so the same code serves a buffer (TraceReader) and, one record at a time, a stream.
 */
import {
  RWT_SETUP, RWT_REGION, RWT_BARRIER, RWT_NOTIFY, RWT_ANNOTATION, RWT_CONFIG, RWT_SNAPSHOT, RWT_CHECKPOINT, RWT_LOST, RWT_END,
  RWT_WRITE, RWT_READ, recordTypes, regionKinds,
} from '../../protocol/trace/index.js';
import type { TraceRecord } from './trace-record.js';
import { TraceReplayer, type ReplayerOptions, type ReplayInterface, type ReplayRegion } from './replayer.js';
import { decodeAnnotation, decodeBarrier, decodeConfig, decodeLost, decodeNotify } from './bodies.js';
import { partyWord, type TraceEvent, type TransportDecoderFactory, type TransportEventDecoder } from './event.js';
import { xenEventDecoder } from './xen-events.js';
import { virtioEventDecoder } from './virtio-events.js';

/** The transports ringwire decodes, tried in order on each interface's setup record. */
export const transportDecoders: readonly TransportDecoderFactory[] = [xenEventDecoder, virtioEventDecoder];

const typeWord = new Map(recordTypes.map((t) => [t.value, t.word]));
const barrierWord = ['', 'mb', 'wmb', 'rmb'];
const kindWord = new Map(regionKinds.map((k) => [k.value, k.word]));

export class TraceEventDecoder {
  readonly replayer: TraceReplayer;
  readonly #decoders: (TransportEventDecoder | undefined)[] = [];

  constructor(options: ReplayerOptions & { readonly transports?: readonly TransportDecoderFactory[] } = {}) {
    this.replayer = new TraceReplayer(options);
    this.#factories = options.transports ?? transportDecoders;
  }

  readonly #factories: readonly TransportDecoderFactory[];

  /** Apply one record and return the events it means. */
  decode(r: TraceRecord): readonly TraceEvent[] {
    const access = this.replayer.apply(r);
    const state = this.replayer.interface(r.interface_id);
    if (r.rec_type === RWT_SETUP && state.setup !== undefined) {
      const setup = state.setup;
      this.#decoders[r.interface_id] = this.#factories.reduce<TransportEventDecoder | undefined>((d, f) => d ?? f(setup, r.interface_id), undefined);
    }
    const d = this.#decoders[r.interface_id];
    const events = d?.decode(r, state, access) ?? [];
    return events.length > 0 ? events : recordEvents(r, state);
  }
}

/** Decode every record of a trace into events (for buffers; streams call TraceEventDecoder.decode per record). */
export function* decodeTraceEvents(records: Iterable<TraceRecord>, options?: ConstructorParameters<typeof TraceEventDecoder>[0]): Generator<TraceEvent> {
  const d = new TraceEventDecoder(options);
  for (const r of records) yield* d.decode(r);
}

/** The record-level event of a record no transport decoder explained. */
function recordEvents(r: TraceRecord, state: ReplayInterface): readonly TraceEvent[] {
  const base = { seq: r.seq, iface: r.interface_id, party: partyWord(r.party) };
  const word = typeWord.get(r.rec_type) ?? `type-${r.rec_type}`;
  switch (r.rec_type) {
    case RWT_SETUP: return [{ ...base, kind: 'setup', text: `setup ${new TextDecoder().decode(r.body)}` }];
    case RWT_REGION: {
      const g = state.regions[state.regions.length - 1] as ReplayRegion;
      const kind = kindWord.get(g.kind) ?? `kind ${g.kind}`;
      return [{ ...base, kind: 'region', region: g.region, region_kind: kind, name: g.name, address: g.address, length: g.bytes.length, text: `region ${g.region} ${g.name}: ${kind}, ${g.bytes.length} bytes at 0x${g.address.toString(16)}` }];
    }
    case RWT_NOTIFY: {
      const n = decodeNotify(r.body, r);
      return [{ ...base, kind: 'notify', channel: n.channel, ...(n.data === undefined ? {} : { data: n.data }), text: `notify ${base.party === 'front' ? 'front->back' : 'back->front'} channel ${n.channel}` }];
    }
    case RWT_BARRIER: return [{ ...base, kind: 'barrier', text: `${base.party} ${barrierWord[decodeBarrier(r.body, r)] ?? 'barrier'}` }];
    case RWT_ANNOTATION: {
      const a = decodeAnnotation(r.body, r);
      return [{ ...base, kind: 'annotation', op: a.op, text: `${base.party} ${a.op}` }];
    }
    case RWT_CONFIG: return [{ ...base, kind: 'config', config: decodeConfig(r.body, r), text: `${base.party} config ${new TextDecoder().decode(r.body)}` }];
    case RWT_LOST: return [{ ...base, kind: 'lost', count: decodeLost(r.body, r), text: `${decodeLost(r.body, r)} record(s) lost` }];
    case RWT_CHECKPOINT: return [{ ...base, kind: 'checkpoint', text: 'checkpoint verified' }];
    case RWT_END: return [{ ...base, kind: 'end', text: 'end' }];
    case RWT_WRITE: case RWT_READ: case RWT_SNAPSHOT:
      return [{ ...base, kind: word, text: `${base.party} ${word} ${r.body_len - 16} byte(s)` }];
    default: return [{ ...base, kind: word, text: `${word} record (${r.body_len} bytes)` }];
  }
}

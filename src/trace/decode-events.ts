/**
 * From records to protocol events: ReplayEventDecoder applies every record to a TraceReplayer, then hands it
 * to its interface's transport decoder (chosen by the interface's setup record: Xen or virtio), which reads
 * the replayed memory to say what the record meant. Records whose body says something by itself (setup,
 * region, notify, barrier, annotation, config, checkpoint, lost, end) become events here when no transport
 * decoder explained them; plain writes with no protocol meaning of their own are left to the record-level
 * decoder (src/trace/event.ts), which shows their first bytes.
 *
 * The decoder is stateful (replayed memory), so it must see every record of a trace in order, even those a
 * tool filters out of its output.
 */
import {
  RWT_SETUP, RWT_REGION, RWT_BARRIER, RWT_NOTIFY, RWT_ANNOTATION, RWT_CONFIG, RWT_CHECKPOINT, RWT_LOST, RWT_END,
  regionKinds, RWT_REGION_XEN_GRANT,
} from '../../protocol/trace/index.js';
import type { TraceRecord } from './trace-record.js';
import type { TraceInterface } from './trace-decoder.js';
import { TraceReplayer, type ReplayerOptions, type ReplayInterface, type ReplayRegion } from './replayer.js';
import { decodeAnnotation, decodeBarrier, decodeConfig, decodeLost, decodeNotify } from './bodies.js';
import { TraceError } from './errors.js';
import {
  TraceEventDecoders, partyWord, type TraceEvent, type TraceEventDecoder, type TransportDecoderFactory, type TransportEventDecoder,
} from './event.js';
import { xenEventDecoder } from './xen-events.js';
import { virtioEventDecoder } from './virtio-events.js';

/** The transports ringwire decodes, tried in order on each interface's setup record. */
export const transportDecoders: readonly TransportDecoderFactory[] = [xenEventDecoder, virtioEventDecoder];

const barrierWord = ['', 'mb', 'wmb', 'rmb'];
const kindWord = new Map(regionKinds.map((k) => [k.value, k.word]));
const utf8 = new TextDecoder();

export class ReplayEventDecoder implements TraceEventDecoder {
  readonly replayer: TraceReplayer;
  /** Records whose body broke the format (or a checkpoint the replay did not meet), in order. */
  readonly errors: TraceError[] = [];
  readonly #factories: readonly TransportDecoderFactory[];
  readonly #decoders: (TransportEventDecoder | undefined)[] = [];
  /** Interfaces whose replay stopped at an error: their later records are shown record by record. */
  readonly #stopped = new Set<number>();

  constructor(options: ReplayerOptions & { readonly transports?: readonly TransportDecoderFactory[] } = {}) {
    this.replayer = new TraceReplayer(options);
    this.#factories = options.transports ?? transportDecoders;
  }

  /**
   * The events of one record. A record whose body breaks the format, or a checkpoint the replayed memory does
   * not meet, gives one `error` event (and is kept in `errors`); that interface is then shown record by record.
   */
  accept(r: TraceRecord): readonly TraceEvent[] | undefined {
    if (this.#stopped.has(r.interface_id)) return undefined;
    try {
      return this.#accept(r);
    } catch (e) {
      if (!(e instanceof TraceError)) throw e;
      this.errors.push(e);
      this.#stopped.add(r.interface_id);
      return [{ seq: r.seq, iface: r.interface_id, party: partyWord(r.party), kind: 'error', code: e.code, offset: r.offset, packet: r.packet, text: `${e.code}: ${e.message}` }];
    }
  }

  #accept(r: TraceRecord): readonly TraceEvent[] | undefined {
    const access = this.replayer.apply(r);
    const state = this.replayer.interface(r.interface_id);
    if (r.rec_type === RWT_SETUP && state.setup !== undefined) {
      const setup = state.setup;
      this.#decoders[r.interface_id] = this.#factories.reduce<TransportEventDecoder | undefined>((d, f) => d ?? f(setup, r.interface_id), undefined);
    }
    const events = this.#decoders[r.interface_id]?.decode(r, state, access) ?? [];
    return events.length > 0 ? events : recordEvents(r, state);
  }
}

/**
 * Every event of a trace read from a buffer (`new TraceReader(bytes)`): protocol events where a transport
 * decoder explains a record, record-level events elsewhere. Events are copied, so they may be kept.
 */
export function* decodeTraceEvents(
  reader: Iterable<TraceRecord> & { readonly interfaces: readonly TraceInterface[] },
  options?: ConstructorParameters<typeof ReplayEventDecoder>[0],
): Generator<TraceEvent> {
  const d = new TraceEventDecoders([new ReplayEventDecoder(options)]);
  for (const r of reader) for (const e of d.accept(r, reader.interfaces[r.interface_id] as TraceInterface)) yield { ...e };
}

/** The event a record's own body states, when no transport decoder said more; undefined for a plain write. */
function recordEvents(r: TraceRecord, state: ReplayInterface): readonly TraceEvent[] | undefined {
  const base = { seq: r.seq, iface: r.interface_id, party: partyWord(r.party) };
  switch (r.rec_type) {
    case RWT_SETUP: return [{ ...base, kind: 'setup', setup: state.setup, text: `setup ${utf8.decode(r.body)}` }];
    case RWT_REGION: {
      const g = state.regions[state.regions.length - 1] as ReplayRegion;
      const kind = kindWord.get(g.kind) ?? `kind ${g.kind}`;
      return [{ ...base, kind: 'region', region: g.region, region_kind: kind, name: g.name, address: g.address, length: g.bytes.length, text: `region ${g.region} ${g.name}: ${kind}, ${g.bytes.length} bytes ${g.kind === RWT_REGION_XEN_GRANT ? `(grant ref ${g.address})` : `at 0x${g.address.toString(16)}`}` }];
    }
    case RWT_NOTIFY: {
      const n = decodeNotify(r.body, r);
      return [{ ...base, kind: 'notify', channel: n.channel, ...(n.data === undefined ? {} : { data: n.data }), text: `notify ${base.party === 'front' ? 'front->back' : 'back->front'} channel ${n.channel}` }];
    }
    case RWT_BARRIER: return [{ ...base, kind: 'barrier', barrier: barrierWord[decodeBarrier(r.body, r)] ?? 'barrier', text: `${base.party} ${barrierWord[decodeBarrier(r.body, r)] ?? 'barrier'}` }];
    case RWT_ANNOTATION: {
      const a = decodeAnnotation(r.body, r);
      return [{ ...a, ...base, kind: 'annotation', text: `${base.party} ${a.op}` }];
    }
    case RWT_CONFIG: return [{ ...base, kind: 'config', config: decodeConfig(r.body, r), text: `${base.party} config ${utf8.decode(r.body)}` }];
    case RWT_LOST: {
      const count = decodeLost(r.body, r);
      return [{ ...base, kind: 'lost', count, text: `${count} record(s) lost` }];
    }
    case RWT_CHECKPOINT: return [{ ...base, kind: 'checkpoint', text: `checkpoint: ${state.regions.length} region(s) verified` }];
    case RWT_END: return [{ ...base, kind: 'end', text: 'end' }];
    default: return undefined;
  }
}

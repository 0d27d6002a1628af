/**
 * Replay against an implementation under test: the trace plays one side (say the Xen frontend, or the virtio
 * driver) on fresh memory, and the user's implementation of the other side acts on that same memory. Every
 * time the recorded side under test acted — a run of its records between the other side's — the
 * implementation is asked to do its work (`run()`), and then the memory it produced, and the notifications
 * it raised, are compared with what the recording shows. The first difference is reported with the record
 * number, the region, the byte offset and, where the layout knows it, the field path
 * (`blkif_response.status: trace 0, implementation -1`).
 *
 * The four roles share one interface: a Xen frontend or backend, a virtio driver or device, each attached
 * to the interface's memory through one RingPort per region (in region order) and told which side it plays.
 */
import { RWT_CHECKPOINT, RWT_NOTIFY, RWT_PARTY_BACK, RWT_PARTY_FRONT, RWT_PARTY_NONE, type TraceSetup } from '../../protocol/trace/index.js';
import { PlainRingPort, type RingPort } from '../memory/ring-port.js';
import type { TraceRecord } from './trace-record.js';
import { TraceReplayer, type ReplayInterface, type ReplayRegion } from './replayer.js';
import { decodeNotify } from './bodies.js';
import { locateField } from './field-locator.js';
import { TraceError } from './errors.js';
import { RingwireError } from '../errors.js';

export type ReplaySide = 'front' | 'back';

export interface ReplayContext {
  /** The interface's setup record: transport, ring or queue geometry, ABI, features. */
  readonly setup: TraceSetup;
  /** The side the implementation plays: `front` (Xen frontend, virtio driver) or `back` (Xen backend, virtio device). */
  readonly side: ReplaySide;
  /** One port per region, in region order (for a Xen ring: ports[0] is the ring pages; virtio: guest RAM). */
  readonly ports: readonly RingPort[];
  readonly regions: readonly { readonly name: string; readonly kind: number; readonly address: number; readonly length: number }[];
}

/**
 * An implementation under test. `run()` is called each time the side it plays acted in the recording: do
 * all the work that is there to do (consume what the other side published, answer it, push, notify as the
 * protocol requires), then return.
 */
export interface ReplayImplementation {
  run(): void;
}

/** What a module passed to `ringwire trace replay --impl` exports as default: attach to the memory, return the implementation. */
export type ReplayImplementationFactory = (ctx: ReplayContext) => ReplayImplementation;

/**
 * A Xen frontend under test (`--side front` on a Xen interface): `ports[0]` is the shared ring pages (further ports
 * are granted pages), `setup` gives ring, ABI, order and event channel. Each run: consume the responses the
 * backend published (RING_COPY_RESPONSE), publish the requests the recording's frontend published
 * (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY), notify when told to, and re-arm (RING_FINAL_CHECK_FOR_RESPONSES).
 */
export type XenFrontendImplementation = ReplayImplementationFactory;

/**
 * A Xen backend under test (`--side back`): each run, take every request published (RING_COPY_REQUEST, checked),
 * answer it, RING_PUSH_RESPONSES_AND_CHECK_NOTIFY and notify when told to, RING_FINAL_CHECK_FOR_REQUESTS before
 * returning. `fixtures/impl/blkif-back.js` is one.
 */
export type XenBackendImplementation = ReplayImplementationFactory;

/**
 * A virtio driver under test (`--side front` on a virtio interface): `ports[0]` is guest RAM at
 * `regions[0].address`; `setup` gives layout, size, queue, features and the areas' guest-physical addresses.
 * Each run: reclaim used buffers, make the recording's buffers available, kick when the device asks.
 */
export type VirtioDriverImplementation = ReplayImplementationFactory;

/**
 * A virtio device under test (`--side back`): each run, pop every available chain (walking it as a device must,
 * against a hostile driver), do the work, use it with the bytes written, and interrupt when the driver asks.
 */
export type VirtioDeviceImplementation = ReplayImplementationFactory;

export interface ReplayDivergence {
  /** Packet number (as tshark numbers frames) and seq of the first record of the run that diverged. */
  readonly record: number;
  readonly seq: number;
  readonly region: string;
  readonly offset: number;
  /** The field at that offset (`blkif_response.status`, `vring_used.idx`), or a byte description. */
  readonly path: string;
  readonly trace: string;
  readonly implementation: string;
}

export interface ReplayResult {
  /** Runs of the side under test the implementation reproduced. */
  readonly runs: number;
  readonly divergence: ReplayDivergence | undefined;
}

/**
 * Replay interface `iface` of a trace with `factory`'s implementation playing `side`, one record at a time
 * (so a file can be streamed): `accept()` each record, then `finish()`. Records of other interfaces are
 * ignored. Stops comparing at the first divergence.
 */
export class ImplementationReplay {
  readonly #iface: number;
  readonly #side: ReplaySide;
  readonly #party: number;
  readonly #factory: ReplayImplementationFactory;
  readonly #truth = new TraceReplayer();
  readonly #played = new TraceReplayer();
  #impl: ReplayImplementation | undefined;
  #implNotifies: number[] = [];
  #traceNotifies: number[] = [];
  #runStart: { record: number; seq: number } | undefined;
  #runs = 0;
  #divergence: ReplayDivergence | undefined;

  constructor(iface: number, side: ReplaySide, factory: ReplayImplementationFactory) {
    this.#iface = iface;
    this.#side = side;
    this.#party = side === 'front' ? RWT_PARTY_FRONT : RWT_PARTY_BACK;
    this.#factory = factory;
  }

  /** Take one record; returns the divergence once one is found. */
  accept(r: TraceRecord): ReplayDivergence | undefined {
    if (this.#divergence !== undefined || r.interface_id !== this.#iface) return this.#divergence;
    if (r.party === this.#party) {
      this.#truth.apply(r);
      this.#runStart ??= { record: r.packet, seq: r.seq };
      if (r.rec_type === RWT_NOTIFY) this.#traceNotifies.push(decodeNotify(r.body, r).channel);
      return undefined;
    }
    if (r.party !== RWT_PARTY_NONE && this.#runStart !== undefined) {
      this.#divergence = this.#endRun();
      if (this.#divergence !== undefined) return this.#divergence;
    }
    this.#truth.apply(r);
    // The implementation's memory follows the recording of everything but the side under test; checkpoints
    // would fail where the implementation differs, and saying where is the comparison's job.
    if (r.rec_type !== RWT_CHECKPOINT) this.#played.apply(r);
    return undefined;
  }

  /** End of the trace: a last run of the side under test is compared too. */
  finish(): ReplayResult {
    if (this.#divergence === undefined && this.#runStart !== undefined) this.#divergence = this.#endRun();
    return { runs: this.#runs, divergence: this.#divergence };
  }

  #attach(state: ReplayInterface): ReplayImplementation {
    if (state.setup === undefined) throw new TraceError('TRACE_BAD_RECORD', `Interface ${this.#iface} acts before its setup record.`, { received: this.#iface });
    const ports = state.regions.map((g) => new PlainRingPort(g.bytes.buffer, g.bytes.byteOffset, g.bytes.byteLength, (channel) => { this.#implNotifies.push(channel); }));
    return this.#factory({
      setup: state.setup, side: this.#side, ports,
      regions: state.regions.map((g) => ({ name: g.name, kind: g.kind, address: g.address, length: g.bytes.length })),
    });
  }

  #endRun(): ReplayDivergence | undefined {
    const start = this.#runStart as { record: number; seq: number };
    this.#runStart = undefined;
    const state = this.#played.interface(this.#iface);
    this.#implNotifies = [];
    try {
      this.#impl ??= this.#attach(state);
      this.#impl.run();
    } catch (e) {
      // The implementation refused what it was given, or failed: a divergence too, named by what it threw.
      const what = e instanceof RingwireError ? `${e.code}: ${e.message}` : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return { ...start, region: '(implementation)', offset: 0, path: 'run() threw', trace: 'no error', implementation: what };
    }
    this.#runs++;
    const want = this.#truth.interface(this.#iface);
    const diff = firstDifference(want.regions, state.regions);
    const impl = this.#implNotifies;
    const trace = this.#traceNotifies;
    this.#traceNotifies = [];
    if (diff !== undefined) {
      return { ...start, region: diff.region.name, offset: diff.offset, ...locateField(want.setup as TraceSetup, diff.region, diff.offset, this.#side, diff.want, diff.got) };
    }
    if (impl.length !== trace.length || impl.some((c, k) => c !== trace[k])) {
      return { ...start, region: '(notifications)', offset: 0, path: 'notify', trace: describeNotifies(trace), implementation: describeNotifies(impl) };
    }
    return undefined;
  }
}

/** Replay a whole trace (an iterable of records) against an implementation. */
export function replayAgainst(records: Iterable<TraceRecord>, iface: number, side: ReplaySide, factory: ReplayImplementationFactory): ReplayResult {
  const replay = new ImplementationReplay(iface, side, factory);
  for (const r of records) if (replay.accept(r) !== undefined) break;
  return replay.finish();
}

function firstDifference(want: readonly ReplayRegion[], got: readonly ReplayRegion[]): { region: ReplayRegion; offset: number; want: Uint8Array; got: Uint8Array } | undefined {
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as ReplayRegion;
    const g = got[i];
    if (g === undefined) continue;
    const n = Math.min(w.bytes.length, g.bytes.length);
    for (let k = 0; k < n; k++) if (w.bytes[k] !== g.bytes[k]) return { region: w, offset: k, want: w.bytes, got: g.bytes };
  }
  return undefined;
}

function describeNotifies(channels: readonly number[]): string {
  return channels.length === 0 ? 'no notification' : `${channels.length} notification(s) on channel ${[...new Set(channels)].join(', ')}`;
}

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
import {
  RWT_ANNOTATION, RWT_CHECKPOINT, RWT_CONFIG, RWT_HOSTILE_OP, RWT_NOTIFY, RWT_PARTY_BACK, RWT_PARTY_FRONT, RWT_PARTY_NONE, RWT_SETUP,
  type HostileAnnotation, type TraceAnnotation, type TraceConfig, type TraceSetup,
} from '../../protocol/trace/index.js';
import { PlainRingPort, type RingPort } from '../memory/ring-port.js';
import type { TraceRecord } from './trace-record.js';
import { TraceReplayer, type ReplayInterface, type ReplayRegion } from './replayer.js';
import { decodeAnnotation, decodeConfig, decodeNotify, decodeSetup } from './bodies.js';
import { locateField } from './field-locator.js';
import { TraceError } from './errors.js';
import { RingwireError } from '../errors.js';
import { TraceChecker } from '../check/trace-checker.js';
import type { Finding } from '../check/finding.js';

export type ReplaySide = 'front' | 'back';

export interface ReplayContext {
  /** The interface's setup record: transport, ring or queue geometry, ABI, features. */
  readonly setup: TraceSetup;
  /** The side the implementation plays: `front` (Xen frontend, virtio driver) or `back` (Xen backend, virtio device). */
  readonly side: ReplaySide;
  /** One port per region, in region order (for a Xen ring: ports[0] is the ring pages; virtio: guest RAM). */
  readonly ports: readonly RingPort[];
  readonly regions: readonly { readonly name: string; readonly kind: number; readonly address: number; readonly length: number }[];
  /**
   * The memory as the recording shows it at the end of the run the implementation is asked to do, one port
   * per region: READ ONLY. A frontend or driver under test may read its workload here (the requests or
   * buffers the recorded side published, the bytes it was to write); a backend or device should not need it.
   */
  readonly recorded: readonly RingPort[];
  /**
   * What happened on the interface besides memory since the previous run() (before the first run: since the
   * trace began), in trace order, refreshed before each run: the notifications either side raised (with their
   * VIRTIO_F_NOTIFICATION_DATA value), the config records (xenbus keys and states, virtio status, features,
   * queue enable), the annotations either side wrote, and setup records after the first (a queue set up again). The other side's are what a real end is told through
   * its event channel, interrupt or transport registers; the side under test's own are its workload, like
   * `recorded`. Optional: a context built by an older caller has none.
   */
  readonly events?: readonly ReplayEvent[];
}

/** One non-memory record of the interface, as ReplayContext.events gives it. */
export type ReplayEvent =
  | { readonly party: ReplaySide; readonly kind: 'notify'; readonly channel: number; readonly data: number | undefined }
  | { readonly party: ReplaySide; readonly kind: 'config'; readonly config: TraceConfig }
  | { readonly party: ReplaySide; readonly kind: 'annotation'; readonly annotation: TraceAnnotation }
  /** A later setup record of the interface (the first is ReplayContext.setup): the frontend / driver set it up again. */
  | { readonly party: ReplaySide; readonly kind: 'setup'; readonly setup: TraceSetup };

/**
 * An implementation under test. `run()` is called each time the side it plays acted in the recording: do
 * all the work that is there to do (consume what the other side published, answer it, push, notify as the
 * protocol requires), then return.
 */
export interface ReplayImplementation {
  /** Do the work; a refusal is a thrown RingwireError (or any Error with an UPPER_SNAKE string `code`). */
  run(): void | Promise<void>;
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

/** The implementation refused what it was given: run() threw an error carrying a stable code. */
export interface ReplayRefusal {
  readonly code: string;
  readonly message: string;
  /** Packet number and seq of the first record of the run in which it refused (the last record, for the final run). */
  readonly record: number;
  readonly seq: number;
  /** 1-based number of the run that refused. */
  readonly run: number;
}

export interface ReplayResult {
  /** Runs of the side under test the implementation reproduced. */
  readonly runs: number;
  /** The first difference, or the run that threw (a refusal is a divergence from a recording that went on). */
  readonly divergence: ReplayDivergence | undefined;
  /** Set when run() threw an error with a code (RingwireError or the like): what the implementation refused. */
  readonly refusal: ReplayRefusal | undefined;
  /** The trace's hostile annotation for this interface (protocol/trace/hostile.ts), when it has one. */
  readonly hostile: HostileAnnotation | undefined;
  /** What ringwire's conformance checker reported on this interface of the recording (at most 1000). */
  readonly findings: readonly Finding[];
  /** Whether the side under test was given a last run after the recording ended (hostile traces). */
  readonly finalRun: boolean;
  /** The interface's setup record, once seen. */
  readonly setup: TraceSetup | undefined;
}

const MAX_FINDINGS = 1000;

/**
 * Replay interface `iface` of a trace with `factory`'s implementation playing `side`, one record at a time
 * (so a file can be streamed): `accept()` each record (or `acceptAsync()` when run() returns a promise), then
 * `finish()` (`finishAsync()`). Records of other interfaces are ignored. Stops comparing at the first
 * divergence. Every record also goes through ringwire's conformance checker (the monitor), whose findings the
 * result carries. A trace with a hostile annotation gives the implementation one last run after its end, so a
 * side that must refuse what the other side did last gets to see it.
 */
export class ImplementationReplay {
  readonly #iface: number;
  readonly #side: ReplaySide;
  readonly #party: number;
  readonly #factory: ReplayImplementationFactory;
  readonly #truth = new TraceReplayer();
  readonly #played = new TraceReplayer();
  readonly #monitor = new TraceChecker();
  readonly #findings: Finding[] = [];
  #impl: ReplayImplementation | undefined;
  #implNotifies: number[] = [];
  #traceNotifies: number[] = [];
  #runStart: { record: number; seq: number } | undefined;
  #last: { record: number; seq: number } = { record: 0, seq: 0 };
  #runs = 0;
  #divergence: ReplayDivergence | undefined;
  #refusal: ReplayRefusal | undefined;
  #hostile: HostileAnnotation | undefined;
  #finalRun = false;
  /** Events since the last run, and the array the implementation's context shows (refilled before each run). */
  #pending: ReplayEvent[] = [];
  /** The interface's first setup record went by (it is ReplayContext.setup; later ones are events). */
  #setupSeen = false;
  readonly #events: ReplayEvent[] = [];

  constructor(iface: number, side: ReplaySide, factory: ReplayImplementationFactory) {
    this.#iface = iface;
    this.#side = side;
    this.#party = side === 'front' ? RWT_PARTY_FRONT : RWT_PARTY_BACK;
    this.#factory = factory;
  }

  /** Take one record; returns the divergence once one is found. The implementation's run() must not return a promise. */
  accept(r: TraceRecord): ReplayDivergence | undefined {
    if (this.#before(r)) {
      const start = this.#begin();
      this.#divergence = this.#complete(start, this.#runSync());
    }
    return this.#after(r);
  }

  /** accept() for implementations whose run() returns a promise (another process, a worker). */
  async acceptAsync(r: TraceRecord): Promise<ReplayDivergence | undefined> {
    if (this.#before(r)) {
      const start = this.#begin();
      this.#divergence = this.#complete(start, await this.#runAsync());
    }
    return this.#after(r);
  }

  /** End of the trace: a last run of the side under test is compared too (and the final run of a hostile trace). */
  finish(): ReplayResult {
    if (this.#divergence === undefined && this.#runStart !== undefined) {
      this.#flushEvents();
      this.#divergence = this.#complete(this.#begin(), this.#runSync());
    }
    if (this.#wantsFinalRun()) {
      this.#finalRun = true;
      this.#runStart = this.#last;
      this.#flushEvents();
      this.#divergence = this.#complete(this.#begin(), this.#runSync());
    }
    return this.#result();
  }

  async finishAsync(): Promise<ReplayResult> {
    if (this.#divergence === undefined && this.#runStart !== undefined) {
      this.#flushEvents();
      this.#divergence = this.#complete(this.#begin(), await this.#runAsync());
    }
    if (this.#wantsFinalRun()) {
      this.#finalRun = true;
      this.#runStart = this.#last;
      this.#flushEvents();
      this.#divergence = this.#complete(this.#begin(), await this.#runAsync());
    }
    return this.#result();
  }

  /** Show the implementation the events gathered since its last run. */
  #flushEvents(): void {
    this.#events.length = 0;
    this.#events.push(...this.#pending);
    this.#pending = [];
  }

  #wantsFinalRun(): boolean {
    return this.#hostile !== undefined && this.#divergence === undefined && this.#played.interfaces[this.#iface]?.setup !== undefined;
  }

  #result(): ReplayResult {
    for (const f of this.#monitor.end()) this.#keep(f);
    return { runs: this.#runs, divergence: this.#divergence, refusal: this.#refusal, hostile: this.#hostile, findings: this.#findings, finalRun: this.#finalRun, setup: this.#truth.interfaces[this.#iface]?.setup };
  }

  #keep(f: Finding): void {
    if (f.iface === this.#iface && this.#findings.length < MAX_FINDINGS) this.#findings.push(f);
  }

  /** Monitor and bookkeeping; true when the record ends a run of the side under test (run it first). */
  #before(r: TraceRecord): boolean {
    for (const f of this.#monitor.accept(r)) this.#keep(f);
    if (r.interface_id !== this.#iface) return false;
    this.#last = { record: r.packet, seq: r.seq };
    if (r.party === RWT_PARTY_NONE && r.rec_type === RWT_ANNOTATION) {
      const a = decodeAnnotation(r.body, r);
      if (a.op === RWT_HOSTILE_OP) this.#hostile = hostileAnnotation(a, r);
    }
    const run = this.#divergence === undefined && r.party !== this.#party && r.party !== RWT_PARTY_NONE && this.#runStart !== undefined;
    // The record that ends a run is the implementation's to see next time, after this run.
    if (run) this.#flushEvents();
    const e = this.#divergence === undefined ? replayEvent(r) : undefined;
    if (e !== undefined) this.#pending.push(e);
    if (r.rec_type === RWT_SETUP) {
      // Queue and ring set-up is the frontend's / driver's act (virtio queue registers, Xen grant references).
      if (this.#setupSeen && this.#divergence === undefined) this.#pending.push({ party: 'front', kind: 'setup', setup: decodeSetup(r.body, r) });
      this.#setupSeen = true;
    }
    return run;
  }

  #after(r: TraceRecord): ReplayDivergence | undefined {
    if (this.#divergence !== undefined || r.interface_id !== this.#iface) return this.#divergence;
    if (r.party === this.#party) {
      this.#truth.apply(r);
      this.#runStart ??= { record: r.packet, seq: r.seq };
      if (r.rec_type === RWT_NOTIFY) this.#traceNotifies.push(decodeNotify(r.body, r).channel);
      return undefined;
    }
    this.#truth.apply(r);
    // The implementation's memory follows the recording of everything but the side under test; checkpoints
    // would fail where the implementation differs, and saying where is the comparison's job.
    if (r.rec_type !== RWT_CHECKPOINT) this.#played.apply(r);
    return undefined;
  }

  #attach(state: ReplayInterface): ReplayImplementation {
    if (state.setup === undefined) throw new TraceError('TRACE_BAD_RECORD', `Interface ${this.#iface} acts before its setup record.`, { received: this.#iface });
    const ports = state.regions.map((g) => new PlainRingPort(g.bytes.buffer, g.bytes.byteOffset, g.bytes.byteLength, (channel) => { this.#implNotifies.push(channel); }));
    const truth = this.#truth.interface(this.#iface).regions;
    const recorded = truth.map((g) => new PlainRingPort(g.bytes.buffer, g.bytes.byteOffset, g.bytes.byteLength));
    return this.#factory({
      setup: state.setup, side: this.#side, ports, recorded, events: this.#events,
      regions: state.regions.map((g) => ({ name: g.name, kind: g.kind, address: g.address, length: g.bytes.length })),
    });
  }

  /** Start a run: the place it is reported at, the notification list cleared. */
  #begin(): { record: number; seq: number } {
    const start = this.#runStart as { record: number; seq: number };
    this.#runStart = undefined;
    this.#implNotifies = [];
    return start;
  }

  /** Run the implementation (attaching it on first use); what it threw, or undefined. */
  #runSync(): { thrown: unknown } | undefined {
    try {
      this.#impl ??= this.#attach(this.#played.interface(this.#iface));
      const p = this.#impl.run();
      if (isThenable(p)) {
        p.then(undefined, () => undefined);
        return { thrown: new TypeError('run() returned a promise: replay it with acceptAsync() / finishAsync()') };
      }
      return undefined;
    } catch (e) {
      return { thrown: e };
    }
  }

  async #runAsync(): Promise<{ thrown: unknown } | undefined> {
    try {
      this.#impl ??= this.#attach(this.#played.interface(this.#iface));
      await this.#impl.run();
      return undefined;
    } catch (e) {
      return { thrown: e };
    }
  }

  /** Compare after a run: what it threw, else memory, else notifications. */
  #complete(start: { record: number; seq: number }, outcome: { thrown: unknown } | undefined): ReplayDivergence | undefined {
    if (outcome !== undefined) {
      // The implementation refused what it was given, or failed: a divergence too, named by what it threw.
      const e = outcome.thrown;
      const code = refusalCode(e);
      if (code !== undefined) this.#refusal = { code, message: (e as Error).message, ...start, run: this.#runs + 1 };
      const what = code !== undefined ? `${code}: ${(e as Error).message}` : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return { ...start, region: '(implementation)', offset: 0, path: 'run() threw', trace: 'no error', implementation: what };
    }
    this.#runs++;
    const state = this.#played.interface(this.#iface);
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

/** The code of a refusal: a RingwireError's, or any Error's UPPER_SNAKE string `code` (another copy of ringwire, a child process). */
export function refusalCode(e: unknown): string | undefined {
  if (e instanceof RingwireError) return e.code;
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(code)) return code;
  }
  return undefined;
}

/** A notify, config or annotation record of either side as a ReplayEvent; undefined for anything else. */
function replayEvent(r: TraceRecord): ReplayEvent | undefined {
  const party: ReplaySide | undefined = r.party === RWT_PARTY_FRONT ? 'front' : r.party === RWT_PARTY_BACK ? 'back' : undefined;
  if (party === undefined) return undefined;
  if (r.rec_type === RWT_NOTIFY) return { party, kind: 'notify', ...decodeNotify(r.body, r) };
  if (r.rec_type === RWT_CONFIG) return { party, kind: 'config', config: decodeConfig(r.body, r) };
  if (r.rec_type === RWT_ANNOTATION) return { party, kind: 'annotation', annotation: decodeAnnotation(r.body, r) };
  return undefined;
}

function isThenable(v: unknown): v is Promise<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function hostileAnnotation(a: Record<string, unknown>, r: TraceRecord): HostileAnnotation {
  const { rule, expect, side } = a;
  if (typeof rule !== 'string' || (expect !== 'refuse' && expect !== 'observe') || (side !== 'front' && side !== 'back')) {
    throw new TraceError('TRACE_BAD_RECORD', 'A hostile annotation needs "rule" (a string), "expect" (refuse or observe) and "side" (front or back).', { offset: r.offset, record: r.packet });
  }
  return { op: RWT_HOSTILE_OP, rule, expect, side };
}

/** Replay a whole trace (an iterable of records) against an implementation. */
export function replayAgainst(records: Iterable<TraceRecord>, iface: number, side: ReplaySide, factory: ReplayImplementationFactory): ReplayResult {
  const replay = new ImplementationReplay(iface, side, factory);
  for (const r of records) replay.accept(r);
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

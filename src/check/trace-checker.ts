/**
 * The conformance checker on traces. TraceChecker takes a trace's records in order (from TraceReader or
 * TraceStreamReader, so a trace of any length is checked in constant memory: the replayed regions plus
 * per-ring state bounded by the ring size), replays and decodes each one with ReplayEventDecoder, and hands
 * every event of a Xen ring or virtqueue to that interface's rules (src/check/rules/), which report
 * Findings. Temporal rules are judged at the interface's end record, or by end() for a trace that stops
 * without one. A record the decoder could not take (a body breaking the format, a checkpoint not met) is a
 * finding under its TRACE_* code. Core code: no node: imports.
 */
import { RWT_END, RWT_PARTY_BACK, RWT_PARTY_NONE, RWT_SETUP, RWT_WRITE } from '../../protocol/trace/index.js';
import { CAPTURE_OP } from '../trace/virtio-capture.js';
import { capturedQueueFindings } from './capture-check.js';
import { AccessBody, decodeAccess } from '../trace/bodies.js';
import { partyWord } from '../trace/event.js';
import type { CatalogueId, RuleSeverity } from '../../protocol/catalogue/index.js';
import { ReplayEventDecoder } from '../trace/decode-events.js';
import type { TraceEvent } from '../trace/event.js';
import type { TraceRecord } from '../trace/trace-record.js';
import { citation, ruleEntry } from '../rule-catalogue.js';
import { severityRank, type TraceFinding as Finding, type FindingDetail, type RecordPlace } from './finding.js';
import type { RuleContext, TraceRule, TraceRuleFactory } from './rule.js';
import { virtioParty } from './rule.js';
import { XenRingState } from './xen-state.js';
import { VirtqState } from './virtq-state.js';
import { xenRingRules } from './rules/xen-ring.js';
import { xenBlkifRules } from './rules/xen-blkif.js';
import { xenNotifyRules } from './rules/xen-notify.js';
import { xenEventRules } from './rules/xen-event.js';
import { xenNetifRules } from './rules/xen-netif.js';
import { xenXenbusRules } from './rules/xen-xenbus.js';
import { virtioChainRules } from './rules/virtio-chain.js';
import { virtioUsedRules } from './rules/virtio-used.js';
import { virtioNotifyRules } from './rules/virtio-notify.js';
import { virtioWriteRules } from './rules/virtio-writes.js';
import { virtioPackedRules } from './rules/virtio-packed.js';
import { virtioFeatureRules } from './rules/virtio-features.js';
import { virtioResetRules } from './rules/virtio-reset.js';

export const xenTraceRules: readonly TraceRuleFactory<XenRingState>[] = [
  ...xenRingRules, ...xenBlkifRules, ...xenNetifRules, ...xenXenbusRules, ...xenEventRules, ...xenNotifyRules,
];
export const virtioTraceRules: readonly TraceRuleFactory<VirtqState>[] = [
  ...virtioChainRules, ...virtioUsedRules, ...virtioWriteRules, ...virtioNotifyRules, ...virtioPackedRules, ...virtioFeatureRules, ...virtioResetRules,
];

/** Every catalogue id a trace rule can report, in rule order. */
export function traceRuleIds(): CatalogueId[] {
  const ids = new Set<CatalogueId>();
  for (const f of [...xenTraceRules, ...virtioTraceRules] as TraceRuleFactory<unknown>[]) for (const id of f().ids) ids.add(id);
  return [...ids];
}

export interface TraceCheckerOptions {
  /** Report only these catalogue ids (default: all). */
  readonly rules?: readonly string[];
  /** Report findings of this severity or more severe (default 'info': all). */
  readonly severity?: RuleSeverity;
  /** Largest region a trace may declare (the replayer's limit). */
  readonly maxRegionBytes?: number;
}

/** One interface's rules and the state they share. */
interface Checked {
  readonly state: unknown;
  readonly rules: readonly TraceRule<unknown>[];
  update(e: TraceEvent, place: RecordPlace): void;
  /** Whose words the findings use (virtio: driver / device). */
  readonly party: (p: string) => string;
  ended: boolean;
  last: RecordPlace;
  errors: number;
}

const none: readonly Finding[] = [];

export class TraceChecker {
  readonly #decoder: ReplayEventDecoder;
  readonly #only: ReadonlySet<string> | undefined;
  readonly #worst: number;
  readonly #ifaces: (Checked | undefined)[] = [];
  #out: Finding[] = [];
  readonly #access = new AccessBody();
  /** Interfaces that are captured queues (a `capture` annotation): their snapshot is judged at their end. */
  readonly #captured = new Set<number>();
  /** Findings so far by severity. */
  readonly counts: Record<RuleSeverity, number> = { error: 0, warning: 0, info: 0 };
  records = 0;

  constructor(options: TraceCheckerOptions = {}) {
    this.#decoder = new ReplayEventDecoder(options.maxRegionBytes === undefined ? {} : { maxRegionBytes: options.maxRegionBytes });
    this.#only = options.rules === undefined ? undefined : new Set(options.rules);
    this.#worst = severityRank[options.severity ?? 'info'];
  }

  /** Check one record (records must come in trace order); returns the findings it completed. */
  accept(r: TraceRecord): readonly Finding[] {
    this.records++;
    const events = this.#decoder.accept(r) ?? [];
    const place: RecordPlace = { seq: r.seq, record: r.packet, offset: r.offset, party: partyWord(r.party) };
    if (r.rec_type === RWT_SETUP) this.#setup(r.interface_id);
    const c = this.#ifaces[r.interface_id];
    const guestWrite = c?.state instanceof VirtqState && r.rec_type === RWT_WRITE && r.party === RWT_PARTY_BACK ? this.#guestWrite(r) : undefined;
    for (const e of guestWrite === undefined ? events : [...events, guestWrite]) {
      if (e.kind === 'annotation' && e['op'] === CAPTURE_OP && r.party === RWT_PARTY_NONE) this.#captured.add(r.interface_id);
      if (e.kind === 'error' && typeof e['code'] === 'string') this.#report(e['code'], { ...place, party: 'none' }, r.interface_id, { expected: 'a record that replays', actual: e['code'], message: e.text });
      if (c === undefined) continue;
      const ctx = this.#context(c, r.interface_id, place);
      for (const rule of c.rules) rule.check(ctx, e);
      c.update(e, place);
    }
    if (c !== undefined) {
      c.last = place;
      if (r.rec_type === RWT_END) this.#end(c, r.interface_id);
    }
    return this.#take();
  }

  /** The trace is over: judge the temporal rules of interfaces that wrote no end record. */
  end(): readonly Finding[] {
    this.#ifaces.forEach((c, i) => { if (c !== undefined) this.#end(c, i); });
    return this.#take();
  }

  /**
   * A device's store into guest memory, as the checker's own `guest-write` event (guest-physical address and
   * length): the trace decoder shows such stores record by record, and rules need where they landed.
   */
  #guestWrite(r: TraceRecord): TraceEvent | undefined {
    const a = decodeAccess(r.body, this.#access, r);
    const g = this.#decoder.replayer.interface(r.interface_id).regions[a.region];
    if (g === undefined) return undefined;
    const address = g.address + a.offset;
    return { seq: r.seq, iface: r.interface_id, party: partyWord(r.party), kind: 'guest-write', region: a.region, address, length: a.bytes.length, text: `device wrote ${a.bytes.length} bytes at 0x${address.toString(16)}` };
  }

  #take(): readonly Finding[] {
    if (this.#out.length === 0) return none;
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #end(c: Checked, iface: number): void {
    if (c.ended) return;
    c.ended = true;
    // A context per rule: an error one temporal rule reports at the end is seen by the next (a stall it explains).
    for (const rule of c.rules) rule.end?.(this.#context(c, iface, c.last));
    if (this.#captured.has(iface)) {
      // A captured queue: the state rules a dump judges, on the captured snapshot, placed at the interface's last record.
      for (const f of capturedQueueFindings(this.#decoder.replayer.interface(iface))) {
        this.#report(f.rule, { ...c.last, party: f.party }, iface, { expected: f.expected, actual: f.actual, message: f.message, ...(f.path === undefined ? {} : { path: f.path }) });
      }
    }
  }

  #setup(iface: number): void {
    const state = this.#decoder.replayer.interface(iface);
    const setup = state.setup;
    const place: RecordPlace = { seq: 0, record: 0, offset: 0, party: 'none' };
    if (setup?.transport === 'xen') {
      let s: XenRingState;
      try {
        s = new XenRingState(setup, state);
      } catch {
        return; // a ring ringwire does not know: its records are decoded record by record, and not judged
      }
      this.#ifaces[iface] = { state: s, rules: xenTraceRules.map((f) => f()) as TraceRule<unknown>[], update: (e, p) => s.update(e, p), party: (p) => p, ended: false, last: place, errors: 0 };
    } else if (setup?.transport === 'virtio') {
      // A later setup record for the same queue: the new state knows the one it replaces (VIRTQ_GEOMETRY_CHANGED).
      const previous = this.#ifaces[iface]?.state;
      const s = new VirtqState(setup, previous instanceof VirtqState ? previous : undefined);
      this.#ifaces[iface] = { state: s, rules: virtioTraceRules.map((f) => f()) as TraceRule<unknown>[], update: (e, p) => s.update(e, p), party: virtioParty, ended: false, last: place, errors: 0 };
    }
  }

  #context(c: Checked, iface: number, place: RecordPlace): RuleContext<unknown> {
    return {
      state: c.state, iface, place, errors: c.errors,
      report: (rule, detail, at) => {
        const where = at ?? place;
        if (ruleEntry(rule)?.severity === 'error') c.errors++;
        this.#report(rule, { ...where, party: c.party(where.party) }, iface, detail);
      },
    };
  }

  #report(rule: string, at: RecordPlace, iface: number, d: FindingDetail): void {
    const entry = ruleEntry(rule);
    const severity = entry?.severity ?? 'error';
    if (severityRank[severity] > this.#worst || (this.#only !== undefined && !this.#only.has(rule))) return;
    this.counts[severity]++;
    this.#out.push({
      rule, severity, party: at.party, iface, seq: at.seq, record: at.record, offset: at.offset,
      ...(d.region === undefined ? {} : { region: d.region }), ...(d.path === undefined ? {} : { path: d.path }),
      expected: d.expected, actual: d.actual, message: d.message, source: entry === undefined ? 'ringwire policy' : citation(entry.source),
    });
  }
}

/** Every finding of a whole trace read from a buffer (`new TraceReader(bytes)`), in order. */
export function checkTrace(reader: Iterable<TraceRecord>, options?: TraceCheckerOptions): Finding[] {
  const c = new TraceChecker(options);
  const out: Finding[] = [];
  for (const r of reader) out.push(...c.accept(r));
  out.push(...c.end());
  return out;
}

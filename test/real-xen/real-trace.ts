/**
 * A ringwire trace of one real Xen device from the captures ringgrab took of it (capture-log.ts): one
 * interface per shared ring (blkif per queue; netif_tx and netif_rx per queue), each with
 *   - a setup record: ring, ABI (the frontend's `protocol` key; netif has none and is read as x86_64), ring-page
 *     order (`ring-page-order`, absent: 0), the grant refs (`ring-ref` or `ring-ref0..`, `tx-ring-ref`,
 *     `rx-ring-ref`) and the event channel (`event-channel`, or `event-channel-tx` / `-rx` when split);
 *   - config records for the xenbus handshake as xenstore shows it at the first capture: every backend key
 *     (party back), every frontend key of the device and of this ring's queue (party front), then each end's
 *     `state` as a xenbus_state record from XenbusStateUnknown, because a capture sees where the handshake
 *     ended, not its transitions;
 *   - per capture, an annotation `capture LABEL` (with dom0's monotonic time), config records for any key that
 *     changed since the previous capture, and a snapshot record of the ring pages.
 * Timestamps are dom0's CLOCK_MONOTONIC at each capture, so the trace is a pure function of the capture log.
 */
import { GrowableSink, TraceRecorder, ringType } from '../../src/index.js';
import {
  RWT_PARTY_BACK, RWT_PARTY_FRONT, RWT_PARTY_NONE, RWT_REGION_XEN_RING, type TraceConfig, type XenTraceSetup,
} from '../../protocol/trace/index.js';
import { xenbusStateNames } from '../../protocol/index.js';
import type { Capture } from './capture-log.js';

export class RealTraceError extends Error {
  readonly code = 'REALXEN_BAD_CAPTURE';
  constructor(message: string) {
    super(message);
    this.name = 'RealTraceError';
  }
}

/** One shared ring of the device, as the frontend's xenstore keys describe it. */
export interface RingPlan {
  readonly name: string;
  readonly setup: XenTraceSetup;
  /** The page keys (relative to the frontend directory) in ring order. */
  readonly pageKeys: readonly string[];
  /** The frontend queue directory this ring belongs to ('' for a single-queue device). */
  readonly queue: string;
}

const PAGE = 4096;
const XENBUS_STATE_UNKNOWN = xenbusStateNames.indexOf('Unknown');

function need(xs: ReadonlyMap<string, string>, path: string): string {
  const v = xs.get(path);
  if (v === undefined) throw new RealTraceError(`xenstore has no ${path}.`);
  return v;
}

function uint(xs: ReadonlyMap<string, string>, path: string): number {
  const v = need(xs, path);
  if (!/^\d+$/.test(v)) throw new RealTraceError(`xenstore ${path} = ${v} is not an unsigned number.`);
  return Number(v);
}

/** The path relative to its domain's home (/local/domain/D/), as a driver writes it. */
export function homeRelative(path: string): string {
  return path.replace(/^\/local\/domain\/\d+\//, '');
}

/** The rings a frontend directory describes, from the first capture's xenstore tree. */
export function planRings(c: Capture): RingPlan[] {
  const f = c.front;
  const kind = /\/device\/(vbd|vif)\/\d+$/.exec(f)?.[1];
  if (kind === undefined) throw new RealTraceError(`${f} is neither a vbd nor a vif frontend directory.`);
  const nq = c.xs.has(`${f}/multi-queue-num-queues`) ? uint(c.xs, `${f}/multi-queue-num-queues`) : 0;
  // blkfront and netfront write a single queue's keys in the device directory itself, more under queue-N/.
  const queues = nq <= 1 ? [''] : Array.from({ length: nq }, (_v, i) => `queue-${i}`);
  const plans: RingPlan[] = [];
  for (const q of queues) {
    const dir = q === '' ? f : `${f}/${q}`;
    const rel = (k: string) => (q === '' ? k : `${q}/${k}`);
    const label = `${homeRelative(f)}${q === '' ? '' : `/${q}`}`;
    if (kind === 'vbd') {
      const order = c.xs.has(`${f}/ring-page-order`) ? uint(c.xs, `${f}/ring-page-order`) : 0;
      const abi = ringType('blkif', { abi: need(c.xs, `${f}/protocol`) }).abi;
      const keys = order === 0 && c.xs.has(`${dir}/ring-ref`) ? ['ring-ref'] : Array.from({ length: 1 << order }, (_v, i) => `ring-ref${i}`);
      const grefs = keys.map((k) => uint(c.xs, `${dir}/${k}`));
      const setup: XenTraceSetup = { transport: 'xen', ring: 'blkif', abi, order, grefs, evtchn: uint(c.xs, `${dir}/event-channel`) };
      plans.push({ name: `blkif/${abi}/order${order} ${label}`, setup, pageKeys: keys.map(rel), queue: q });
    } else {
      for (const [ring, dirWord] of [['netif_tx', 'tx'], ['netif_rx', 'rx']] as const) {
        const ev = c.xs.has(`${dir}/event-channel-${dirWord}`) ? `${dir}/event-channel-${dirWord}` : `${dir}/event-channel`;
        const setup: XenTraceSetup = { transport: 'xen', ring, abi: 'x86_64', order: 0, grefs: [uint(c.xs, `${dir}/${dirWord}-ring-ref`)], evtchn: uint(c.xs, ev) };
        plans.push({ name: `${ring}/x86_64/order0 ${label}`, setup, pageKeys: [rel(`${dirWord}-ring-ref`)], queue: q });
      }
    }
  }
  return plans;
}

/** Whether a xenstore node belongs to this ring's view: the backend's, the frontend's own, its queue's. */
function inView(c: Capture, backend: string, plan: RingPlan, path: string): 'front' | 'back' | undefined {
  if (path.startsWith(`${backend}/`)) return 'back';
  if (!path.startsWith(`${c.front}/`)) return undefined;
  const rest = path.slice(c.front.length + 1);
  if (!rest.startsWith('queue-')) return 'front';
  return plan.queue !== '' && rest.startsWith(`${plan.queue}/`) ? 'front' : undefined;
}

/** The trace of one device from all its captures, in order. */
export function deviceTrace(captures: readonly Capture[]): Uint8Array {
  const first = captures[0];
  if (first === undefined) throw new RealTraceError('A device trace needs at least one capture.');
  for (const c of captures) if (c.front !== first.front) throw new RealTraceError(`Captures of ${c.front} and ${first.front} in one device trace.`);
  const backend = need(first.xs, `${first.front}/backend`);
  let now = first.ns;
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink, { clock: () => now });
  const plans = planRings(first);
  const rings = plans.map((plan) => {
    const iface = rec.addInterface(plan.name, plan.setup);
    const bytes = new Uint8Array(PAGE << plan.setup.order);
    const region = rec.addRegion(iface, { kind: RWT_REGION_XEN_RING, name: 'sring', bytes });
    return { plan, iface, region, bytes };
  });
  const config = (iface: number, end: 'front' | 'back', value: TraceConfig) => rec.config(iface, end === 'front' ? RWT_PARTY_FRONT : RWT_PARTY_BACK, value);
  for (const r of rings) {
    for (const end of ['back', 'front'] as const) {
      for (const [path, value] of first.xs) {
        if (inView(first, backend, r.plan, path) !== end) continue;
        if (path.endsWith('/state') && (path === `${backend}/state` || path === `${first.front}/state`)) continue;
        config(r.iface, end, { xenstore: homeRelative(path), value });
      }
      const state = Number(need(first.xs, `${end === 'back' ? backend : first.front}/state`));
      config(r.iface, end, { xenbus_state: { from: XENBUS_STATE_UNKNOWN, to: state } });
    }
  }
  let prev: ReadonlyMap<string, string> = first.xs;
  for (const c of captures) {
    now = c.ns;
    for (const r of rings) {
      rec.annotate(r.iface, RWT_PARTY_NONE, { op: `capture ${c.label}`, dom0_monotonic_ns: c.ns.toString() });
      if (c !== first) {
        for (const [path, value] of c.xs) {
          const end = inView(c, backend, r.plan, path);
          if (end !== undefined && prev.get(path) !== value) config(r.iface, end, { xenstore: homeRelative(path), value });
        }
      }
      r.plan.pageKeys.forEach((key, i) => {
        const page = c.pages.find((p) => p.key === key);
        if (page === undefined) throw new RealTraceError(`Capture ${c.label} has no page ${key}.`);
        if (page.gref !== r.plan.setup.grefs[i]) throw new RealTraceError(`Capture ${c.label}: page ${key} is grant ${page.gref}, the setup says ${String(r.plan.setup.grefs[i])}.`);
        r.bytes.set(page.bytes, i * PAGE);
      });
      rec.snapshot(r.iface, r.region);
    }
    prev = c.xs;
  }
  rec.close();
  return sink.bytes.slice();
}

/** Captures grouped by frontend directory, in first-seen order: one trace each. */
export function capturesByDevice(captures: readonly Capture[]): Map<string, Capture[]> {
  const out = new Map<string, Capture[]>();
  for (const c of captures) {
    const list = out.get(c.front) ?? [];
    list.push(c);
    out.set(c.front, list);
  }
  return out;
}

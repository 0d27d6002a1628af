/**
 * xenbus handshake rules, from a trace's config records (xen/io/xenbus.h; the Linux split drivers): each
 * state change in handshake order (the same check XenbusDevice runs: transitionError), a ring-page-order the
 * backend's max-ring-page-order allows (ringPagesError), a `protocol` the backend can read (protocols.h
 * XEN_IO_PROTO_ABI_*), and no blkif request published before both ends are Connected.
 *
 * An end's state is the last state record the trace holds for it. An end with none yet is Initialising, as
 * the toolstack creates both directories; a trace with no state record at all carries no handshake, and its
 * ring is not judged against one.
 */
import { xenbusStateNames, type XenbusStateName } from '../../../protocol/index.js';
import { transitionError, ringPagesError, protocolError } from '../../xen/xenbus.js';
import { xenConstant } from '../../xen/xen-constants.js';
import type { TraceRuleFactory } from '../rule.js';
import type { XenRingState } from '../xen-state.js';

const INITIALISING = xenConstant('XenbusStateInitialising');
const CONNECTED = xenConstant('XenbusStateConnected');

/** XenbusStateUnknown. */
const XENBUS_UNKNOWN = xenConstant('XenbusStateUnknown');

const stateName = (v: number): XenbusStateName | undefined => xenbusStateNames[v];

const badTransition: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XENBUS_BAD_TRANSITION'],
  check(ctx, e) {
    const end = e['end'];
    if (e.kind !== 'xenbus-state' || (end !== 'frontend' && end !== 'backend') || typeof e['to'] !== 'number' || typeof e['from'] !== 'number') return;
    // A trace that joins a device already set up (a capture) first sees each end's state as a move from
    // XenbusStateUnknown (0, "state unknown" in xenbus.h): an observation, not a transition to judge.
    if (ctx.state.xenbus[end] === undefined && e['from'] === XENBUS_UNKNOWN) return;
    const peerEnd = end === 'frontend' ? 'backend' : 'frontend';
    const from = stateName(ctx.state.xenbus[end] ?? e['from']);
    const to = stateName(e['to']);
    const peer = stateName(ctx.state.xenbus[peerEnd] ?? INITIALISING);
    const err = from === undefined || to === undefined || peer === undefined ? undefined : transitionError(end, from, to, peer);
    if (err === undefined && to !== undefined) return;
    ctx.report('XENBUS_BAD_TRANSITION', {
      path: err?.path ?? `${end}/state`, expected: err?.expected ?? 'a XenbusState value', actual: to ?? e['to'],
      message: `${err?.message.replace(/\.$/, '') ?? `The ${end} wrote state ${e['to']}, which enum xenbus_state does not name`} (xenbus state ${from ?? e['from']} -> ${to ?? e['to']}).`,
    });
  },
});

const badValue: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XENBUS_BAD_VALUE'],
  check(ctx, e) {
    if (e.kind !== 'xenstore-write' || e['end'] !== 'frontend' || typeof e['xenstore'] !== 'string' || !e['xenstore'].endsWith('/ring-page-order')) return;
    const order = Number(e['value']);
    const max = Number(ctx.state.backendKeys.get('max-ring-page-order') ?? 0);
    const err = ringPagesError(Number.isInteger(order) && order >= 0 ? 2 ** order : NaN, Number.isFinite(max) ? max : 0, e['xenstore']);
    if (err === undefined) return;
    ctx.report('XENBUS_BAD_VALUE', {
      path: e['xenstore'], expected: `ring-page-order <= max-ring-page-order ${max}`, actual: e['value'],
      message: `The frontend wrote ring-page-order ${String(e['value'])}: ${err.message}`,
    });
  },
});

const protocolNotOffered: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XENBUS_PROTOCOL_NOT_OFFERED'],
  check(ctx, e) {
    if (e.kind !== 'xenstore-write' || e['end'] !== 'frontend' || typeof e['xenstore'] !== 'string' || !e['xenstore'].endsWith('/protocol')) return;
    const bad = protocolError(String(e['value']), e['xenstore']);
    if (bad === undefined) return;
    ctx.report('XENBUS_PROTOCOL_NOT_OFFERED', { path: e['xenstore'], expected: bad.expected, actual: e['value'], message: bad.message });
  },
});

const ringBeforeConnected: TraceRuleFactory<XenRingState> = () => ({
  ids: ['XENBUS_RING_BEFORE_CONNECTED'],
  check(ctx, e) {
    // Linux blkfront issues requests from blkfront_connect, which runs once the backend is Connected and
    // switches the frontend to Connected first. netfront posts rx buffers (and may transmit) from
    // xennet_connect, before the backend is Connected, and netback takes them once it maps the rings.
    if (e.kind !== 'requests-published' || ctx.state.ring !== 'blkif') return;
    const { frontend, backend } = ctx.state.xenbus;
    const waiting = ([['frontend', frontend], ['backend', backend]] as const).filter(([, v]) => v !== undefined && v !== CONNECTED);
    if (waiting.length === 0) return;
    const states = waiting.map(([end, v]) => `the ${end} is ${stateName(v as number) ?? String(v)}`).join(' and ');
    ctx.report('XENBUS_RING_BEFORE_CONNECTED', {
      path: `${waiting[0]?.[0] ?? 'backend'}/state`, expected: 'both ends Connected', actual: Object.fromEntries(waiting.map(([end, v]) => [end, stateName(v as number) ?? v])),
      message: `${e.party} published ${e['first'] === e['last'] ? `request ${String(e['first'])}` : `requests ${String(e['first'])}..${String(e['last'])}`} while ${states}.`,
    });
  },
});

export const xenXenbusRules: readonly TraceRuleFactory<XenRingState>[] = [badTransition, badValue, protocolNotOffered, ringBeforeConnected];

/**
 * A model of the xenbus handshake of a split device, as the Linux drivers run it (protocol/xen/xenbus.ts
 * declares the states and the transitions): the backend publishes its features and goes InitWait; the
 * frontend shares its ring (`ring-ref`, or `ring-page-order` and `ring-ref0..N`), its `event-channel` and its
 * `protocol` ABI, and goes Initialised; the backend maps the ring and goes Connected; the frontend goes
 * Connected. Every xenstore write and state change is handed to `emit` as a trace config value (a trace
 * recorder records them: see trace/xen-recording.ts). A change out of order is refused with a XenbusError
 * and changes nothing.
 */
import { abis, xenbusStateNames, xenbusTransitions, MAX_RING_PAGE_ORDER, type XenbusEnd, type XenbusStateName } from '../../protocol/index.js';
import { RingwireError, type ErrorDetail } from '../errors.js';
import type { XenbusRuleId } from '../../protocol/catalogue/index.js';
import { parseAbi } from '../layout/abi-name.js';

export const xenbusErrorCodes = Object.freeze({
  /** A state change the handshake does not allow from the end's state, or before the peer's. */
  BAD_TRANSITION: 'XENBUS_BAD_TRANSITION',
  /** A value the handshake cannot carry (a ring of a page count that is no power of two, an order above the backend's). */
  BAD_VALUE: 'XENBUS_BAD_VALUE',
  /** The frontend's `protocol` is no XEN_IO_PROTO_ABI_* a backend reads rings in. */
  PROTOCOL_NOT_OFFERED: 'XENBUS_PROTOCOL_NOT_OFFERED',
  /** blkif requests published before both ends are Connected. */
  RING_BEFORE_CONNECTED: 'XENBUS_RING_BEFORE_CONNECTED',
} as const satisfies Record<string, XenbusRuleId>);

export type XenbusErrorCode = (typeof xenbusErrorCodes)[keyof typeof xenbusErrorCodes];

export class XenbusError extends RingwireError {
  declare readonly code: XenbusErrorCode;
  constructor(code: XenbusErrorCode, message: string, detail: ErrorDetail = {}) {
    super(code, message, detail);
  }
}

/** What the model reports: a xenstore write, or a state change (as trace config records carry them). */
export type XenbusConfig =
  | { readonly xenstore: string; readonly value: string }
  | { readonly xenbus_state: { readonly from: number; readonly to: number } };

export type XenbusSink = (end: XenbusEnd, config: XenbusConfig) => void;

export interface XenbusDeviceOptions {
  /** The frontend's directory, relative to the guest's xenstore home (default `device/vbd/768`). */
  readonly frontendPath?: string;
  /** The backend's directory, relative to the backend domain's home (default `backend/vbd/1/768`). */
  readonly backendPath?: string;
  /** Receives every write and state change, in order. */
  readonly emit?: XenbusSink;
}

export interface XenbusRingShare {
  /** Grant references of the ring pages: 1, 2, 4 ... (a power of two) of them. */
  readonly grefs: readonly number[];
  /** The event channel port the frontend allocated. */
  readonly evtchn: number;
  /** The frontend's ABI (written as the protocols.h spelling: `x86_32-abi`); x86_64 by default. */
  readonly abi?: string;
}

/**
 * Whether `end` may go from `from` to `to` while its peer is in `peer` (xenbusTransitions): undefined when
 * it may, else the XENBUS_BAD_TRANSITION error saying why. The model and the trace checker both ask here.
 */
export function transitionError(end: XenbusEnd, from: XenbusStateName, to: XenbusStateName, peer: XenbusStateName): XenbusError | undefined {
  const other: XenbusEnd = end === 'frontend' ? 'backend' : 'frontend';
  const moves = xenbusTransitions.filter((t) => t.end === end && t.from.includes(from));
  const t = moves.find((m) => m.to === to);
  if (t === undefined) {
    return new XenbusError(xenbusErrorCodes.BAD_TRANSITION, `The ${end} cannot go from ${from} to ${to}.`, {
      path: `${end}/state`, expected: moves.map((m) => m.to), received: to, rule: 'xen/io/xenbus.h: the handshake of the Linux split drivers',
    });
  }
  if (t.peer !== undefined && !t.peer.includes(peer)) {
    return new XenbusError(xenbusErrorCodes.BAD_TRANSITION, `The ${end} goes ${to} only once the ${other} is ${t.peer.join(' or ')}; it is ${peer}.`, {
      path: `${other}/state`, expected: t.peer, received: peer, rule: t.rule,
    });
  }
  return undefined;
}

/**
 * Whether a frontend may share a ring of `pages` pages with a backend whose max-ring-page-order is `max`
 * (Linux blkfront talk_to_blkback; blkback connect_ring refuses a larger order): undefined when it may, else
 * the XENBUS_BAD_VALUE error. `path` names the key.
 */
export function ringPagesError(pages: number, max: number, path: string): XenbusError | undefined {
  const order = Math.log2(pages);
  if (Number.isInteger(order) && order <= Math.min(max, MAX_RING_PAGE_ORDER)) return undefined;
  return new XenbusError(xenbusErrorCodes.BAD_VALUE, `A ring of ${pages} page(s) needs a power of two no larger than the backend's max-ring-page-order ${max} allows.`, {
    path, expected: `1..${1 << Math.min(max, MAX_RING_PAGE_ORDER)} pages, a power of two`, received: pages,
  });
}

/** protocols.h XEN_IO_PROTO_ABI_X86_32 / _X86_64 / _ARM, as protocol/abi.ts declares them. */
export const xenbusProtocols: ReadonlySet<string> = new Set(Object.values(abis).map((a) => a.protocol));

/**
 * The frontend's `protocol` key (blkif.h "protocol"): a backend reads rings only in the ABIs protocols.h
 * names (Linux blkback connect_ring: "unknown fe protocol"). Undefined when `value` is one, else the error.
 */
export function protocolError(value: string, path: string): XenbusError | undefined {
  if (xenbusProtocols.has(value)) return undefined;
  return new XenbusError(xenbusErrorCodes.PROTOCOL_NOT_OFFERED, `The frontend wrote protocol "${value}", which is no XEN_IO_PROTO_ABI_* a backend reads rings in.`, {
    path, expected: [...xenbusProtocols].join(', '), received: value,
  });
}

/**
 * blkif requests at ring index `index` while an end is not Connected (Linux blkfront issues requests only from
 * blkfront_connect, after the backend is Connected; it switches itself to Connected first).
 */
export function ringBeforeConnectedError(index: number, frontend: XenbusStateName, backend: XenbusStateName): XenbusError | undefined {
  if (frontend === 'Connected' && backend === 'Connected') return undefined;
  return new XenbusError(xenbusErrorCodes.RING_BEFORE_CONNECTED, `Request ${index} was published while the frontend is ${frontend} and the backend ${backend}.`, {
    index, path: frontend === 'Connected' ? 'backend/state' : 'frontend/state', expected: 'both ends Connected', received: { frontend, backend },
  });
}

export class XenbusDevice {
  readonly frontendPath: string;
  readonly backendPath: string;
  readonly #emit: XenbusSink;
  /** Both directories start in Initialising, as the toolstack creates them. */
  readonly #state: Record<XenbusEnd, number> = { frontend: 1, backend: 1 };
  readonly #keys: Record<XenbusEnd, Map<string, string>> = { frontend: new Map(), backend: new Map() };

  constructor(options: XenbusDeviceOptions = {}) {
    this.frontendPath = options.frontendPath ?? 'device/vbd/768';
    this.backendPath = options.backendPath ?? 'backend/vbd/1/768';
    this.#emit = options.emit ?? (() => {});
  }

  /** An end's state (XenbusState value). */
  state(end: XenbusEnd): number { return this.#state[end]; }
  /** An end's state by its xenbus.h name (`InitWait`). */
  stateName(end: XenbusEnd): XenbusStateName { return xenbusStateNames[this.#state[end]] as XenbusStateName; }
  /** A key an end wrote in its directory (`ring-ref`), or undefined. */
  read(end: XenbusEnd, key: string): string | undefined { return this.#keys[end].get(key); }

  /** Write `key` in the end's directory. */
  write(end: XenbusEnd, key: string, value: string | number): void {
    const v = String(value);
    this.#keys[end].set(key, v);
    this.#emit(end, { xenstore: `${end === 'frontend' ? this.frontendPath : this.backendPath}/${key}`, value: v });
  }

  /** Refuse a state change the handshake does not allow now (XENBUS_BAD_TRANSITION); changes nothing. */
  checkTransition(end: XenbusEnd, to: XenbusStateName): void {
    const e = transitionError(end, this.stateName(end), to, this.stateName(end === 'frontend' ? 'backend' : 'frontend'));
    if (e !== undefined) throw e;
  }

  /** Publish a new state for `end` (written to its `state` key), once checkTransition allows it. */
  switchState(end: XenbusEnd, to: XenbusStateName): void {
    this.checkTransition(end, to);
    const from = this.#state[end];
    const value = xenbusStateNames.indexOf(to);
    this.#state[end] = value;
    this.#emit(end, { xenbus_state: { from, to: value } });
  }

  /** Backend probe: publish `feature-*` and `max-ring-page-order` keys, then InitWait. */
  backendInitWait(features: Readonly<Record<string, string | number>> = {}): void {
    this.checkTransition('backend', 'InitWait');
    for (const [k, v] of Object.entries(features)) this.write('backend', k, v);
    this.switchState('backend', 'InitWait');
  }

  /**
   * Frontend, once the backend is InitWait (Linux blkfront's talk_to_blkback): `ring-ref` for a one-page ring,
   * else `ring-page-order` and `ring-ref0..N` (the order at most the backend's `max-ring-page-order`), then
   * `event-channel`, `protocol`, and Initialised.
   */
  frontendInitialise(share: XenbusRingShare): void {
    this.checkTransition('frontend', 'Initialised');
    const n = share.grefs.length;
    const order = Math.log2(n);
    const bad = ringPagesError(n, Number(this.read('backend', 'max-ring-page-order') ?? 0), `${this.frontendPath}/ring-page-order`);
    if (bad !== undefined) throw bad;
    const protocol = abis[parseAbi(share.abi ?? 'x86_64')].protocol;
    if (order === 0) {
      this.write('frontend', 'ring-ref', share.grefs[0] as number);
    } else {
      this.write('frontend', 'ring-page-order', order);
      share.grefs.forEach((g, i) => this.write('frontend', `ring-ref${i}`, g));
    }
    this.write('frontend', 'event-channel', share.evtchn);
    this.write('frontend', 'protocol', protocol);
    this.switchState('frontend', 'Initialised');
  }

  /** Backend, once the frontend is Initialised: it maps the ring, publishes what the frontend reads (`sectors`, `info` ...), then Connected. */
  backendConnect(keys: Readonly<Record<string, string | number>> = {}): void {
    this.checkTransition('backend', 'Connected');
    for (const [k, v] of Object.entries(keys)) this.write('backend', k, v);
    this.switchState('backend', 'Connected');
  }

  /** Frontend, once the backend is Connected: Connected. */
  frontendConnect(): void {
    this.switchState('frontend', 'Connected');
  }
}

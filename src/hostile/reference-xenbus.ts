/**
 * The xenbus watch of ringwire's reference Xen backend: the handshake's config records (ReplayContext.events)
 * followed in trace order, the frontend's moves judged as Linux blkback's frontend_changed / connect_ring
 * judge them. A frontend state change the handshake does not allow from where both ends are is refused with
 * XENBUS_BAD_TRANSITION (transitionError, the same table XenbusDevice and the checker use); on the frontend's
 * Initialised a `ring-page-order` above the backend's own `max-ring-page-order` is refused with
 * XENBUS_BAD_VALUE (ringPagesError: blkback connect_ring "max ring order exceeded"), a `protocol` no
 * backend reads with XENBUS_PROTOCOL_NOT_OFFERED (protocolError: connect_ring "unknown fe protocol"); blkif
 * requests before both ends are Connected with XENBUS_RING_BEFORE_CONNECTED (judgeRequests). The backend's
 * own moves and keys are its workload: tracked, and read back as what it offers (key, backendConnected).
 */
import { xenbusStateNames, type XenbusEnd, type XenbusStateName } from '../../protocol/index.js';
import type { ReplayEvent } from '../trace/replay-impl.js';
import { protocolError, ringBeforeConnectedError, ringPagesError, transitionError } from '../xen/xenbus.js';

export class XenbusWatch {
  /** Both directories start in Initialising, as the toolstack creates them. */
  readonly #state: Record<XenbusEnd, number> = { frontend: 1, backend: 1 };
  /** Each end's keys by their last path component (`ring-page-order`), as last written. */
  readonly #keys: Record<XenbusEnd, Map<string, string>> = { frontend: new Map(), backend: new Map() };
  /** Whether the trace carries the handshake at all (a state record seen): without one nothing is judged against it. */
  #handshake = false;

  /** Follow the config records among `events`; throws the XenbusError the frontend's first bad move earns. */
  accept(events: readonly ReplayEvent[]): void {
    for (const e of events) {
      if (e.kind !== 'config') continue;
      const end: XenbusEnd = e.party === 'front' ? 'frontend' : 'backend';
      const c = e.config;
      if ('xenstore' in c) {
        this.#keys[end].set(c.xenstore.slice(c.xenstore.lastIndexOf('/') + 1), c.value);
      } else if ('xenbus_state' in c) {
        this.#handshake = true;
        if (end === 'frontend') this.#judgeFrontend(c.xenbus_state.to);
        this.#state[end] = c.xenbus_state.to;
      }
    }
  }

  /** The value `key` of `end` as last written, if any. */
  key(end: XenbusEnd, key: string): string | undefined {
    return this.#keys[end].get(key);
  }

  /** The backend is Connected in the handshake (its feature-* keys are then what it offers). */
  get backendConnected(): boolean {
    return this.#handshake && this.#name('backend') === 'Connected';
  }

  /**
   * Refuse blkif requests published while the handshake has not connected both ends
   * (XENBUS_RING_BEFORE_CONNECTED); nothing is judged in a trace without a handshake.
   */
  judgeRequests(index: number): void {
    if (!this.#handshake) return;
    const bad = ringBeforeConnectedError(index, this.#name('frontend'), this.#name('backend'));
    if (bad !== undefined) throw bad;
  }

  #name(end: XenbusEnd): XenbusStateName {
    return xenbusStateNames[this.#state[end]] as XenbusStateName;
  }

  #judgeFrontend(to: number): void {
    const name = xenbusStateNames[to] as XenbusStateName | undefined;
    if (name === undefined) return;
    const bad = transitionError('frontend', this.#name('frontend'), name, this.#name('backend'));
    if (bad !== undefined) throw bad;
    // blkback connect_ring, on the frontend's Initialised: the protocol it names, then the ring's order.
    const protocol = this.#keys.frontend.get('protocol');
    if (name === 'Initialised' && protocol !== undefined) {
      const bad = protocolError(protocol, 'protocol');
      if (bad !== undefined) throw bad;
    }
    const order = this.#keys.frontend.get('ring-page-order');
    if (name === 'Initialised' && order !== undefined) {
      const pages = 2 ** Number(order);
      const tooMany = ringPagesError(pages, Number(this.#keys.backend.get('max-ring-page-order') ?? 0), 'ring-page-order');
      if (tooMany !== undefined) throw tooMany;
    }
  }
}

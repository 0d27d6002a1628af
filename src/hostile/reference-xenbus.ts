/**
 * The xenbus watch of ringwire's reference Xen backend: the handshake's config records (ReplayContext.events)
 * followed in trace order, the frontend's moves judged as Linux blkback's frontend_changed / connect_ring
 * judge them. A frontend state change the handshake does not allow from where both ends are is refused with
 * XENBUS_BAD_TRANSITION (transitionError, the same table XenbusDevice and the checker use); on the frontend's
 * Initialised a `ring-page-order` above the backend's own `max-ring-page-order` is refused with
 * XENBUS_BAD_VALUE (ringPagesError: blkback connect_ring "max ring order exceeded"). The backend's own moves
 * are its workload and only tracked.
 */
import { xenbusStateNames, type XenbusEnd, type XenbusStateName } from '../../protocol/index.js';
import type { ReplayEvent } from '../trace/replay-impl.js';
import { ringPagesError, transitionError } from '../xen/xenbus.js';

export class XenbusWatch {
  /** Both directories start in Initialising, as the toolstack creates them. */
  readonly #state: Record<XenbusEnd, number> = { frontend: 1, backend: 1 };
  /** Each end's keys by their last path component (`ring-page-order`), as last written. */
  readonly #keys: Record<XenbusEnd, Map<string, string>> = { frontend: new Map(), backend: new Map() };

  /** Follow the config records among `events`; throws the XenbusError the frontend's first bad move earns. */
  accept(events: readonly ReplayEvent[]): void {
    for (const e of events) {
      if (e.kind !== 'config') continue;
      const end: XenbusEnd = e.party === 'front' ? 'frontend' : 'backend';
      const c = e.config;
      if ('xenstore' in c) {
        this.#keys[end].set(c.xenstore.slice(c.xenstore.lastIndexOf('/') + 1), c.value);
      } else if ('xenbus_state' in c) {
        if (end === 'frontend') this.#judgeFrontend(c.xenbus_state.to);
        this.#state[end] = c.xenbus_state.to;
      }
    }
  }

  #name(end: XenbusEnd): XenbusStateName {
    return xenbusStateNames[this.#state[end]] as XenbusStateName;
  }

  #judgeFrontend(to: number): void {
    const name = xenbusStateNames[to] as XenbusStateName | undefined;
    if (name === undefined) return;
    const bad = transitionError('frontend', this.#name('frontend'), name, this.#name('backend'));
    if (bad !== undefined) throw bad;
    const order = this.#keys.frontend.get('ring-page-order');
    if (name === 'Initialised' && order !== undefined) {
      const pages = 2 ** Number(order);
      const tooMany = ringPagesError(pages, Number(this.#keys.backend.get('max-ring-page-order') ?? 0), 'ring-page-order');
      if (tooMany !== undefined) throw tooMany;
    }
  }
}

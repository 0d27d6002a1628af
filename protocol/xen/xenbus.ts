/**
 * xen/io/xenbus.h — the state each end of a split device publishes in its xenstore `state` key, and the
 * handshake the Linux drivers run with it before a ring carries anything:
 *
 *   backend   Initialising ──(feature-*, max-ring-page-order)──▶ InitWait ─────────────▶ Connected
 *   frontend  Initialising ──(ring-ref…, event-channel, protocol)──▶ Initialised ──────────────▶ Connected
 *             (each arrow waits for the peer state written beside it in xenbusTransitions below)
 *
 * The values are checked against the C header by the oracle (test/golden/xen-*.json "constants").
 */
import type { ConstantDecl } from '../decl.js';

const HEADER = 'xen/io/xenbus.h';

/** enum xenbus_state, in value order (the short names are the enumerators without `XenbusState`). */
export const xenbusStateNames = [
  'Unknown', 'Initialising', 'InitWait', 'Initialised', 'Connected', 'Closing', 'Closed', 'Reconfiguring', 'Reconfigured',
] as const;

export type XenbusStateName = (typeof xenbusStateNames)[number];

const docs: Readonly<Record<XenbusStateName, string>> = {
  Unknown: 'no state written yet',
  Initialising: 'the device is being set up',
  InitWait: 'finished early initialisation, waiting for information from the peer or hotplug scripts',
  Initialised: 'waiting for a connection from the peer',
  Connected: 'the ring is live',
  Closing: 'the device is being closed due to an error or an unplug event',
  Closed: 'closed',
  Reconfiguring: 'the device is being reconfigured',
  Reconfigured: 'reconfiguration is done',
};

export const xenbusConstants: readonly ConstantDecl[] = xenbusStateNames.map((name, value) => ({
  name: `XenbusState${name}`, value, header: HEADER, doc: docs[name],
}));

/** The end of a split device that publishes a state. */
export type XenbusEnd = 'frontend' | 'backend';

/**
 * One state change an end may make, and the peer states it waits for: the order the Linux drivers follow
 * (they act in their `otherend_changed` watch callbacks, so an end moves only once the peer has).
 */
export interface XenbusTransitionDecl {
  readonly end: XenbusEnd;
  readonly from: readonly XenbusStateName[];
  readonly to: XenbusStateName;
  /** The peer must have published one of these first; absent: whatever the peer's state. */
  readonly peer?: readonly XenbusStateName[];
  /** Where the driver does it. */
  readonly rule: string;
}

export const xenbusTransitions: readonly XenbusTransitionDecl[] = [
  { end: 'backend', from: ['Unknown', 'Closed'], to: 'Initialising', rule: 'toolstack creates the backend directory with state Initialising' },
  { end: 'frontend', from: ['Unknown', 'Closed'], to: 'Initialising', rule: 'toolstack creates the frontend directory with state Initialising' },
  {
    end: 'backend', from: ['Initialising'], to: 'InitWait',
    rule: 'xen-blkback/xenbus.c xen_blkbk_probe: feature-* and max-ring-page-order written, then XenbusStateInitWait',
  },
  {
    end: 'frontend', from: ['Initialising'], to: 'Initialised', peer: ['InitWait'],
    rule: 'xen-blkfront.c blkback_changed(InitWait) -> talk_to_blkback: ring-ref(N), event-channel, protocol, then XenbusStateInitialised',
  },
  {
    end: 'frontend', from: ['Initialising'], to: 'Connected', peer: ['InitWait'],
    rule: 'xen-netfront.c netback_changed(InitWait): talk_to_netback, then XenbusStateConnected directly',
  },
  {
    end: 'backend', from: ['InitWait', 'Initialised'], to: 'Connected', peer: ['Initialised', 'Connected'],
    rule: 'xen-blkback/xenbus.c frontend_changed(Initialised/Connected): connect_ring maps the ring, connect writes sectors/info, XenbusStateConnected',
  },
  {
    end: 'frontend', from: ['Initialised'], to: 'Connected', peer: ['Connected'],
    rule: 'xen-blkfront.c blkback_changed(Connected) -> blkfront_connect: XenbusStateConnected',
  },
  {
    end: 'frontend', from: ['Initialising', 'Initialised', 'Connected'], to: 'Closing',
    rule: 'an unplug or an error (xenbus_dev_fatal): XenbusStateClosing',
  },
  {
    end: 'backend', from: ['Initialising', 'InitWait', 'Connected'], to: 'Closing',
    rule: 'xen-blkback/xenbus.c frontend_changed(Closing): XenbusStateClosing',
  },
  {
    end: 'frontend', from: ['Closing'], to: 'Closed', peer: ['Closing', 'Closed'],
    rule: 'xen-blkfront.c blkback_changed(Closing) -> blkfront_closing -> xenbus_frontend_closed: XenbusStateClosed',
  },
  { end: 'backend', from: ['Closing'], to: 'Closed', peer: ['Closed'], rule: 'xen-blkback/xenbus.c frontend_changed(Closed): XenbusStateClosed' },
];

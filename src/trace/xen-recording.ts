/**
 * Recording a Xen ring in one call: the interface (named `ring/abi/orderN`) and its setup record, one region
 * for the ring pages, and a SharedRing per party over the same memory, each on its own recording port — the
 * frontend's (which runs SHARED_RING_INIT) and the backend's — so every store, barrier, notification and
 * ring.h macro either end makes becomes a record of that party. Attach FrontRing / BackRing (or the typed
 * ends) to `front` and `back` and run them as usual.
 */
import { RWT_PARTY_BACK, RWT_PARTY_FRONT, RWT_REGION_XEN_RING, type XenTraceSetup } from '../../protocol/trace/index.js';
import type { XenbusEnd } from '../../protocol/index.js';
import { ringType, type XenRingName, type XenRingType } from '../xen/ring-type.js';
import { SharedRing } from '../xen/shared-ring.js';
import type { XenbusSink } from '../xen/xenbus.js';
import type { RingPort } from '../memory/ring-port.js';
import type { TraceRecorder } from './recorder.js';
import { TraceError } from './errors.js';

export interface XenRingRecordingOptions {
  readonly ring: XenRingName;
  /** x86_64 (default), x86_32, arm, or the protocols.h spellings. */
  readonly abi?: string;
  /** Ring-page order (default 0): the ring is 4096 << order bytes. */
  readonly order?: number;
  /** Grant references of the ring pages, one per page (default 8, 9, ...). */
  readonly grefs?: readonly number[];
  /** The event channel port both ends notify on (default 3). */
  readonly evtchn?: number;
  /** The interface's name (default `ring/abi/orderN`, e.g. `blkif/x86_64/order0`). */
  readonly name?: string;
  /**
   * Run SHARED_RING_INIT on the frontend's side now (default true). Pass false to run `front.sharedRingInit()`
   * yourself, e.g. after the backend's InitWait in a recorded xenbus handshake.
   */
  readonly init?: boolean;
}

export interface XenRingRecording {
  readonly iface: number;
  /** The ring pages' region number. */
  readonly region: number;
  readonly type: XenRingType;
  readonly setup: XenTraceSetup;
  /** The ring memory both ends share. */
  readonly buffer: ArrayBuffer;
  /** The frontend's view: its writes are recorded as RWT_PARTY_FRONT. */
  readonly front: SharedRing;
  /** The backend's view: its writes are recorded as RWT_PARTY_BACK. */
  readonly back: SharedRing;
  /** A XenbusDevice `emit` that records each xenstore write and state change as a config record of its end. */
  readonly xenbus: XenbusSink;
}

export function recordXenRing(recorder: TraceRecorder, options: XenRingRecordingOptions): XenRingRecording {
  const type = ringType(options.ring, options.abi === undefined ? {} : { abi: options.abi });
  const order = options.order ?? 0;
  const bytes = type.ringBytes(order); // checks the order
  const pages = 1 << order;
  const grefs = options.grefs ?? Array.from({ length: pages }, (_v, i) => 8 + i);
  if (grefs.length !== pages || !grefs.every((g) => g >>> 0 === g)) {
    throw new TraceError('TRACE_BAD_ARGUMENT', `A ring of order ${order} has ${pages} page(s) and needs as many grant references (each a uint32).`, {
      expected: pages, received: grefs.length, path: 'grefs',
    });
  }
  const evtchn = options.evtchn ?? 3;
  const setup: XenTraceSetup = { transport: 'xen', ring: type.name, abi: type.abi, order, grefs: [...grefs], evtchn };
  const iface = recorder.addInterface(options.name ?? `${type.name}/${type.abi}/order${order}`, setup);
  const buffer = new ArrayBuffer(bytes);
  const region = recorder.addRegion(iface, { kind: RWT_REGION_XEN_RING, name: 'sring', bytes: new Uint8Array(buffer) });
  const side = (party: number) => ({ order, wrapPort: (p: RingPort) => recorder.port(iface, region, party, p) });
  const front = options.init === false ? SharedRing.attach(buffer, type, side(RWT_PARTY_FRONT)) : SharedRing.init(buffer, type, side(RWT_PARTY_FRONT));
  const back = SharedRing.attach(buffer, type, side(RWT_PARTY_BACK));
  const xenbus: XenbusSink = (end: XenbusEnd, config) => recorder.config(iface, end === 'frontend' ? RWT_PARTY_FRONT : RWT_PARTY_BACK, config);
  return { iface, region, type, setup, buffer, front, back, xenbus };
}

/**
 * ringwire's own Xen ends as implementations under test (ReplayImplementationFactory), for replaying hostile
 * traces: each does what a careful Linux driver does with ringwire's checked operations, so what the peer
 * broke in shared memory is refused with its code. What the recorded side produced of its own accord — the
 * requests a frontend publishes, the status a backend answers, the data either writes into granted pages —
 * is its workload, read from `ctx.recorded`;
 * everything the ring protocol decides (indices, checks, event indices, notifications) is the end's own.
 *
 *   backend   first the xenbus handshake's news (ctx.events, XenbusWatch: a frontend state change out of order or a
 *             ring-page-order over max-ring-page-order is refused, as blkback's frontend_changed / connect_ring);
 *             blkif: BlkifBack (RING_COPY_REQUEST, checked req_prod, the blkif record rules, with what the backend
 *             wrote in xenstore as its features once Connected) plus an id check across the batch (a request
 *             reusing an outstanding id is XEN_RING_DUPLICATE_REQUEST_ID, as blkfront's get_id_from_freelist
 *             promises) and no requests before both ends are Connected; netif_tx: NetifTxBack and netback's
 *             xenvif_set_skb_gso GSO checks (a GSO type not offered); the control ring: a type netif.h does not
 *             define is refused; other rings: BackRing at ring.h level.
 *             Loop: take all, answer, RING_PUSH_RESPONSES_AND_CHECK_NOTIFY (+ notify), RING_FINAL_CHECK_FOR_REQUESTS.
 *   frontend  blkif: BlkifFront (checked rsp_prod, ids outstanding once, operation echoed); other rings:
 *             FrontRing with checked rsp_prod and an outstanding-id table (the control ring: the response echoes
 *             its request's type and carries a XEN_NETIF_CTRL_STATUS_*, as NetifCtrlFront checks). Loop: consume every response,
 *             RING_FINAL_CHECK_FOR_RESPONSES, then publish the recording's new requests and
 *             RING_PUSH_REQUESTS_AND_CHECK_NOTIFY (+ notify).
 */
import { RWT_REGION_XEN_GRANT, type XenTraceSetup } from '../../protocol/trace/index.js';
import type { ReplayContext, ReplayImplementation } from '../trace/replay-impl.js';
import { ringType, type XenRingName, type XenRingType } from '../xen/ring-type.js';
import { SharedRing } from '../xen/shared-ring.js';
import { BackRing } from '../xen/back-ring.js';
import { FrontRing } from '../xen/front-ring.js';
import { BlkifBack } from '../xen/blkif-back.js';
import { BlkifFront } from '../xen/blkif-front.js';
import { NetifTxBack } from '../xen/netif-tx-back.js';
import { BlkifRequestCodec, BLKIF_RSP_OKAY } from '../xen/blkif-request.js';
import { NETIF_RSP_OKAY } from '../xen/netif-extra.js';
import { RingError, xenRingErrorCodes } from '../xen/ring-error.js';
import { idxAdd } from '../xen/ring-index.js';
import { XenbusWatch } from './reference-xenbus.js';
import { ctrlEchoFault, ctrlStatusFault, ctrlTypeFault, faultError, gsoFault, gsoFeatureKey, gsoOfferFault } from '../xen/netif-faults.js';
import { BLKIF_ALL_FEATURES } from '../xen/blkif-faults.js';
import { numberField } from '../codec/views.js';
import { asDataView } from '../codec/scalar-io.js';
import type { StructCodec } from '../codec/codec.js';
import type { RingPort } from '../memory/ring-port.js';

interface XenRings {
  readonly s: XenTraceSetup;
  readonly type: XenRingType;
  /** The ring the implementation drives. */
  readonly sring: SharedRing;
  /** The ring as the recording shows it at the end of the run (read only). */
  readonly recorded: SharedRing;
}

function rings(ctx: ReplayContext): XenRings {
  const s = ctx.setup as XenTraceSetup;
  const type = ringType(s.ring as XenRingName, { abi: s.abi });
  return { s, type, sring: SharedRing.overPort(ctx.ports[0] as RingPort, type, s.order), recorded: SharedRing.overPort(ctx.recorded[0] as RingPort, type, s.order) };
}

/**
 * The granted data pages as the recording shows them at the end of the run: what either end writes there
 * (a frontend's write data, a backend's read data) is its workload, not a protocol decision.
 */
function copyGrants(ctx: ReplayContext): void {
  ctx.regions.forEach((g, i) => {
    if (g.kind === RWT_REGION_XEN_GRANT) (ctx.ports[i] as RingPort).write(0, (ctx.recorded[i] as RingPort).bytes);
  });
}

/** A private copy of slot `idx` of the recorded ring. */
function recordedSlot(x: XenRings, idx: number, size: number): Uint8Array {
  const off = x.recorded.slotOffset(idx);
  return x.recorded.bytes.slice(off, off + size);
}

/** The id a record carries, as a string key (blkif ids are 64-bit, netif ids 16-bit); undefined without one. */
function idOf(codec: StructCodec, bytes: Uint8Array): string | undefined {
  const v = (codec.decode(bytes) as Record<string, unknown>)['id'];
  return v === undefined ? undefined : String(v);
}

/** The status the recorded backend gave the response at `idx`, if that response answers `id`. */
function recordedStatus(x: XenRings, codec: StructCodec, idx: number, id: string): number | undefined {
  const r = codec.decode(recordedSlot(x, idx, x.type.response.size)) as Record<string, unknown>;
  return String(r['id']) === id && typeof r['status'] === 'number' ? r['status'] : undefined;
}

function duplicate(id: string, idx: number): RingError {
  return new RingError(xenRingErrorCodes.DUPLICATE_REQUEST_ID, `Request ${idx} reuses id ${id}, which an unanswered request already holds.`, {
    index: idx, path: 'id', expected: 'an id no outstanding request holds', received: id,
  });
}

/** A Xen backend under test: ringwire's careful backend for the trace's ring. */
export function xenBackend(ctx: ReplayContext): ReplayImplementation {
  const x = rings(ctx);
  const rsp = x.type.response;
  // Attach where the frontend left the ring (rsp_prod), as a backend connecting to a running ring does.
  const ring = BackRing.attach(x.sring, x.sring.rspProd, { channel: x.s.evtchn });
  // Each run starts with the xenbus handshake's news (the frontend's keys and states since the last run).
  const bus = new XenbusWatch();
  const watch = (): void => { bus.accept(ctx.events ?? []); };
  if (x.type.name === 'blkif') {
    const back = new BlkifBack(ring);
    return {
      run() {
        watch();
        copyGrants(ctx);
        // Once the backend is Connected, what it wrote in xenstore is what it serves (blkif.h feature-*).
        back.features = bus.backendConnected
          ? { maxIndirectSegments: Number(bus.key('backend', 'feature-max-indirect-segments') ?? 0), discard: bus.key('backend', 'feature-discard') === '1' }
          : BLKIF_ALL_FEATURES;
        do {
          if (ring.unconsumedRequests() !== 0) bus.judgeRequests(ring.reqCons);
          const batch = back.take();
          const ids = new Set<string>();
          for (const q of batch) {
            const id = String(q.id);
            if (ids.has(id)) throw duplicate(id, q.index);
            ids.add(id);
          }
          for (const q of batch) back.respond(q, recordedStatus(x, rsp, ring.rspProdPvt, String(q.id)) ?? BLKIF_RSP_OKAY);
          back.push();
        } while (back.finalCheck() !== 0);
      },
    };
  }
  if (x.type.name === 'netif_tx') {
    const back = new NetifTxBack(ring);
    return {
      run() {
        watch();
        copyGrants(ctx);
        do {
          const packets = back.take();
          // netback's xenvif_set_skb_gso refuses a GSO extra it cannot build an skb from (before answering anything).
          // and, once the backend is Connected, a GSO type it did not offer (netif.h feature-gso-*).
          for (const p of packets) {
            const g = p.extras.gso;
            const fault = g === undefined ? undefined
              : gsoFault(p.index, g) ?? (bus.backendConnected ? gsoOfferFault(p.index, g.type, bus.key('backend', gsoFeatureKey(g.type)) === '1') : undefined);
            if (fault !== undefined) throw faultError(fault);
          }
          for (const p of packets) {
            const first = p.fragments[0];
            back.respond(p, first === undefined ? NETIF_RSP_OKAY : recordedStatus(x, rsp, ring.rspProdPvt, String(first.id)) ?? NETIF_RSP_OKAY);
          }
          back.push();
        } while (back.finalCheck() !== 0);
      },
    };
  }
  // Any other ring: ring.h's macros with the checked req_prod; each request copied once (RING_COPY_REQUEST)
  // and answered with the response the recording shows in the same slot. A control request of no
  // XEN_NETIF_CTRL_TYPE_* is refused (netif.h Control messages).
  const ctrlType = x.type.name === 'xen_netif_ctrl' ? numberField(x.type.request.layout, 'type') : undefined;
  return {
    run() {
      watch();
      copyGrants(ctx);
      do {
        const prod = ring.checkedRequestProd();
        while (ring.reqCons !== prod) {
          const bytes = ring.copyRequest(ring.reqCons);
          const bad = ctrlType === undefined ? undefined : ctrlTypeFault(ring.reqCons, ctrlType.get(asDataView(bytes), 0));
          if (bad !== undefined) throw faultError(bad);
          ring.reqCons = idxAdd(ring.reqCons, 1);
          const idx = ring.nextResponseIndex();
          ring.writeResponse(idx, recordedSlot(x, idx, x.type.response.size));
        }
        ring.pushResponsesAndNotify();
      } while (ring.finalCheckForRequests() !== 0);
    },
  };
}

/** A Xen frontend under test: ringwire's careful frontend, publishing the requests the recording's frontend published. */
export function xenFrontend(ctx: ReplayContext): ReplayImplementation {
  const x = rings(ctx);
  // SHARED_RING_INIT on a ring nobody set up yet (the frontend creates the ring).
  if (x.sring.reqEvent === 0 && x.sring.rspEvent === 0 && x.sring.reqProd === 0 && x.sring.rspProd === 0) x.sring.sharedRingInit();
  const ring = FrontRing.attach(x.sring, x.sring.reqProd, { channel: x.s.evtchn });
  const req = x.type.request;
  const rsp = x.type.response;
  /** The recorded frontend's requests this end has not published yet. */
  const workload = (publish: (idx: number, bytes: Uint8Array) => void): boolean => {
    const until = x.recorded.reqProd;
    let any = false;
    while (ring.reqProdPvt !== until) {
      publish(ring.reqProdPvt, recordedSlot(x, ring.reqProdPvt, x.type.request.size));
      any = true;
    }
    return any;
  };
  if (x.type.name === 'blkif') {
    const front = new BlkifFront(ring);
    const codec = new BlkifRequestCodec(x.type.abi);
    return {
      run() {
        copyGrants(ctx);
        do front.poll(); while (front.finalCheck() !== 0);
        if (workload((idx, bytes) => { front.queue(codec.decode(bytes, idx)); })) front.push();
      },
    };
  }
  const outstanding = new Set<string>();
  /** Control ring: the type of each outstanding request, which its response must echo (netif.h Control responses). */
  const ctrl = x.type.name === 'xen_netif_ctrl';
  const ctrlType = new Map<string, number>();
  const field = (codec: StructCodec, bytes: Uint8Array, name: string): number => Number((codec.decode(bytes) as Record<string, unknown>)[name]);
  return {
    run() {
      copyGrants(ctx);
      do {
        const prod = ring.checkedResponseProd();
        const batch: string[] = [];
        for (let i = ring.rspCons; i !== prod; i = idxAdd(i, 1)) {
          const bytes = ring.copyResponse(i);
          const id = idOf(rsp, bytes);
          if (id !== undefined && (!outstanding.has(id) || batch.includes(id))) {
            throw new RingError(xenRingErrorCodes.UNKNOWN_RESPONSE_ID, `Response ${i} answers id ${id}, which is not an outstanding request.`, {
              index: i, path: 'id', expected: 'an outstanding request id', received: id,
            });
          }
          if (ctrl && id !== undefined) {
            const fault = ctrlEchoFault(i, Number(id), field(rsp, bytes, 'type'), ctrlType.get(id) as number) ?? ctrlStatusFault(i, field(rsp, bytes, 'status'));
            if (fault !== undefined) throw faultError(fault);
          }
          if (id !== undefined) batch.push(id);
        }
        for (const id of batch) outstanding.delete(id);
        ring.rspCons = prod;
      } while (ring.finalCheckForResponses() !== 0);
      const any = workload((idx, bytes) => {
        const id = idOf(req, bytes);
        if (id !== undefined) {
          if (outstanding.has(id)) throw duplicate(id, idx);
          outstanding.add(id);
          if (ctrl) ctrlType.set(id, field(req, bytes, 'type'));
        }
        ring.writeRequest(ring.nextRequestIndex(), bytes);
      });
      if (any) ring.pushRequestsAndNotify();
    },
  };
}

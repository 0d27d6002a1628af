/**
 * The netif malformed fixtures: real runs of the netif tx and control rings (a frontend at the level of
 * ring.h's macros writing records through the protocol/ codec, the typed backends NetifTxBack / NetifCtrlBack
 * serving them), each with one fault injected. Where netback would notice the fault, the backend refuses as
 * it does (the typed end's RingError, or xenvif_set_skb_gso's GSO check) and stops serving.
 */
import {
  NetifCtrlBack, NetifCtrlFront, NetifTxBack, FrontRing, BackRing, RingError, recordXenRing, NETIF_RSP_OKAY, XEN_NETIF_CTRL_STATUS_SUCCESS,
  XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED, type NetifCtrlReceivedRequest, type TraceRecorder,
} from '../index.js';
import { xenConstant } from '../xen/xen-constants.js';
import { gsoFault } from '../xen/netif-faults.js';
import type { MalformedFixture } from './scenario.js';
import { RawRing, txRequest } from './xen-faults.js';

const NETTXF_more_data = xenConstant('NETTXF_more_data');
const NETTXF_extra_info = xenConstant('NETTXF_extra_info');
const EXTRA_GSO = xenConstant('XEN_NETIF_EXTRA_TYPE_GSO');
const EXTRA_MCAST_ADD = xenConstant('XEN_NETIF_EXTRA_TYPE_MCAST_ADD');
const EXTRA_TYPE_MAX = xenConstant('XEN_NETIF_EXTRA_TYPE_MAX');
const EXTRA_FLAG_MORE = xenConstant('XEN_NETIF_EXTRA_FLAG_MORE');
const GSO_NONE = xenConstant('XEN_NETIF_GSO_TYPE_NONE');
const GSO_TCPV4 = xenConstant('XEN_NETIF_GSO_TYPE_TCPV4');
const GSO_TCPV6 = xenConstant('XEN_NETIF_GSO_TYPE_TCPV6');
const NR_SLOTS_MIN = xenConstant('XEN_NETIF_NR_SLOTS_MIN');
const CTRL_GET_HASH_FLAGS = xenConstant('XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS');
const CTRL_INVALID = xenConstant('XEN_NETIF_CTRL_TYPE_INVALID');

/** A netif_tx_request slot. */
function slot(gref: number, offset: number, flags: number, id: number, size: number): unknown {
  return { gref, offset, flags, id, size };
}

/** A netif_extra_info slot of `type`, chained on with XEN_NETIF_EXTRA_FLAG_MORE when `more`. */
function extra(r: RawRing, type: number, u: unknown, more = false): void {
  r.writeAs('netif_extra_info', { type, flags: more ? EXTRA_FLAG_MORE : 0, u });
}

const gso = (size: number, type: number): unknown => ({ gso: { size, type, pad: 0, features: 0 } });
const mcast = (last: number): unknown => ({ mcast: { addr: [0x01, 0x00, 0x5e, 0x00, 0x00, last] } });

/**
 * The backend as Linux netback serves a tx ring: take whole packets (NetifTxBack refuses a malformed one),
 * refuse a GSO extra it cannot build an skb from (xenvif_set_skb_gso), answer every slot OKAY, push and
 * notify, RING_FINAL_CHECK_FOR_REQUESTS. A refusal stops it for good (xenvif_fatal_tx_err): returns false.
 */
function netback(r: RawRing): boolean {
  const b = new NetifTxBack(r.back);
  for (;;) {
    let packets;
    try {
      packets = b.take();
    } catch (e) {
      if (e instanceof RingError) return false;
      throw e;
    }
    for (const p of packets) {
      if (p.extras.gso !== undefined && gsoFault(p.index, p.extras.gso) !== undefined) return false;
      b.respond(p, NETIF_RSP_OKAY);
    }
    b.push();
    // Nothing taken: a packet not all published waits for the frontend's next push (as netback's tx_work_todo does).
    if (packets.length === 0 || b.finalCheck() === 0) return true;
  }
}

/** A healthy first round: two one-slot packets published, served and answered. */
function warmTx(rec: TraceRecorder, features?: Readonly<Record<string, number>>): RawRing {
  const r = features === undefined
    ? new RawRing(rec, 'netif_tx')
    : new RawRing(rec, 'netif_tx', features, { frontendPath: 'device/vif/0', backendPath: 'backend/vif/1/0', connectKeys: {} });
  r.write(txRequest(0), txRequest(1));
  r.push();
  netback(r);
  r.poll();
  return r;
}

/** After the warm round, the frontend publishes one packet (`write` puts its slots), netback serves it, the frontend polls. */
function onePacket(rec: TraceRecorder, write: (r: RawRing) => void, features?: Readonly<Record<string, number>>): void {
  const r = warmTx(rec, features);
  write(r);
  r.push();
  if (netback(r)) r.poll();
}

/** The control ring's backend: answer each request as `answer` says (status, and a type other than the request's if given). */
function ctrlBack(back: BackRing, answer: (q: NetifCtrlReceivedRequest) => { status: number; type?: number }): void {
  const b = new NetifCtrlBack(back);
  for (;;) {
    for (const q of b.take()) {
      const a = answer(q);
      b.respond({ id: q.id, type: a.type ?? q.type }, a.status);
    }
    b.push();
    if (b.finalCheck() === 0) return;
  }
}

/** The control ring with typed ends: the frontend queues get_hash_flags, the backend answers as `answer` says, the frontend polls (refusing what NetifCtrlFront refuses). */
function ctrlRound(rec: TraceRecorder, answer: (q: NetifCtrlReceivedRequest) => { status: number; type?: number }): void {
  const x = recordXenRing(rec, { ring: 'xen_netif_ctrl', evtchn: 11 });
  const front = new NetifCtrlFront(FrontRing.attach(x.front, 0, { channel: 11 }));
  const back = BackRing.attach(x.back, 0, { channel: 11 });
  front.queue({ op: 'set_hash_key', gref: 3000, size: 40 });
  front.queue({ op: 'get_hash_flags' });
  front.push();
  ctrlBack(back, answer);
  try {
    front.poll();
    front.finalCheck();
  } catch (e) {
    if (!(e instanceof RingError)) throw e;
  }
}

const ok = () => ({ status: XEN_NETIF_CTRL_STATUS_SUCCESS });

export const xenNetifMalformedFixtures: readonly MalformedFixture[] = [
  {
    rule: 'XEN_NETIF_CROSSES_PAGE',
    about: 'netif_tx: after a healthy round the frontend sends a one-slot packet of 200 bytes at offset 4000 of its page; netback refuses it.',
    record(rec) { onePacket(rec, (r) => r.write(slot(202, 4000, 0, 2, 200))); },
  },
  {
    rule: 'XEN_NETIF_TOO_MANY_SLOTS',
    about: `netif_tx: the frontend chains ${NR_SLOTS_MIN + 1} data slots of 100 bytes with NETTXF_more_data, one more than XEN_NETIF_NR_SLOTS_MIN; netback refuses the packet.`,
    record(rec) {
      onePacket(rec, (r) => {
        const n = NR_SLOTS_MIN + 1;
        for (let k = 0; k < n; k++) r.write(slot(300 + k, 0, k < n - 1 ? NETTXF_more_data : 0, 2 + k, k === 0 ? 100 * n : 100));
      });
    },
  },
  {
    rule: 'XEN_NETIF_FIRST_SLOT_SHORT',
    about: 'netif_tx: the frontend sends a two-slot packet whose first slot says 100 bytes in all while the second slot alone holds 200; netback refuses it.',
    record(rec) { onePacket(rec, (r) => r.write(slot(202, 0, NETTXF_more_data, 2, 100), slot(203, 0, 0, 3, 200))); },
  },
  {
    rule: 'XEN_NETIF_EXTRA_BAD_TYPE',
    about: `netif_tx: the frontend sends a packet with NETTXF_extra_info whose extra slot has type ${EXTRA_TYPE_MAX} (XEN_NETIF_EXTRA_TYPE_MAX); netback refuses it.`,
    record(rec) {
      onePacket(rec, (r) => {
        r.write(slot(202, 0, NETTXF_extra_info, 2, 60));
        extra(r, EXTRA_TYPE_MAX, { pad: [0, 0, 0] });
      });
    },
  },
  {
    rule: 'XEN_NETIF_EXTRA_REPEATED',
    about: 'netif_tx: the frontend sends a packet with two XEN_NETIF_EXTRA_TYPE_MCAST_ADD extras chained by XEN_NETIF_EXTRA_FLAG_MORE; the typed backend refuses it.',
    record(rec) {
      onePacket(rec, (r) => {
        r.write(slot(202, 0, NETTXF_extra_info, 2, 60));
        extra(r, EXTRA_MCAST_ADD, mcast(0xfb), true);
        extra(r, EXTRA_MCAST_ADD, mcast(0xfc));
      });
    },
  },
  {
    rule: 'XEN_NETIF_GSO_SIZE_ZERO',
    about: 'netif_tx: the frontend sends a TCPv4 GSO packet whose extra gives segment size 0; netback (xenvif_set_skb_gso) refuses it.',
    record(rec) {
      onePacket(rec, (r) => {
        r.write(slot(202, 0, NETTXF_extra_info, 2, 2962));
        extra(r, EXTRA_GSO, gso(0, GSO_TCPV4));
      });
    },
  },
  {
    rule: 'XEN_NETIF_GSO_UNKNOWN_TYPE',
    about: 'netif_tx: the frontend sends a GSO extra of type XEN_NETIF_GSO_TYPE_NONE with segment size 1448; netback (xenvif_set_skb_gso) refuses it.',
    record(rec) {
      onePacket(rec, (r) => {
        r.write(slot(202, 0, NETTXF_extra_info, 2, 2962));
        extra(r, EXTRA_GSO, gso(1448, GSO_NONE));
      });
    },
  },
  {
    rule: 'XEN_NETIF_GSO_NOT_OFFERED',
    about: 'netif_tx after a xenbus handshake in which the backend wrote feature-gso-tcpv4 = 1 and no feature-gso-tcpv6: the frontend sends a TCPv6 GSO packet; the backend happens to take it.',
    record(rec) {
      onePacket(rec, (r) => {
        r.write(slot(202, 0, NETTXF_extra_info, 2, 2962));
        extra(r, EXTRA_GSO, gso(1428, GSO_TCPV6));
      }, { 'feature-gso-tcpv4': 1, 'feature-sg': 1 });
    },
  },
  {
    rule: 'XEN_NETIF_CTRL_UNKNOWN_TYPE',
    about: 'The netif control ring: after a healthy get_hash_flags the frontend sends a request of type XEN_NETIF_CTRL_TYPE_INVALID; the backend answers XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED.',
    record(rec) {
      const r = new RawRing(rec, 'xen_netif_ctrl');
      const answer = (q: NetifCtrlReceivedRequest) => ({ status: q.op === 'unknown' ? XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED : XEN_NETIF_CTRL_STATUS_SUCCESS });
      r.write({ id: 0, type: CTRL_GET_HASH_FLAGS, data: [0, 0, 0] });
      r.push();
      ctrlBack(r.back, answer);
      r.poll();
      r.write({ id: 1, type: CTRL_INVALID, data: [0, 0, 0] });
      r.push();
      ctrlBack(r.back, answer);
      r.poll();
    },
  },
  {
    rule: 'XEN_NETIF_CTRL_BAD_STATUS',
    about: 'The netif control ring: the backend answers get_hash_flags with status 7, which no XEN_NETIF_CTRL_STATUS_* names; NetifCtrlFront refuses the response.',
    record(rec) { ctrlRound(rec, (q) => (q.op === 'get_hash_flags' ? { status: 7 } : ok())); },
  },
  {
    rule: 'XEN_RING_BAD_RECORD',
    about: 'The netif control ring: the backend answers set_hash_key with type XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS instead of echoing the request\'s type; NetifCtrlFront refuses the response.',
    record(rec) { ctrlRound(rec, (q) => (q.op === 'set_hash_key' ? { status: XEN_NETIF_CTRL_STATUS_SUCCESS, type: CTRL_GET_HASH_FLAGS } : ok())); },
  },
];

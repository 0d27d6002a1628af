/**
 * The Xen trace fixtures: each one a real run of ringwire's rings on a TraceRecorder (recordXenRing sets up
 * the ring, a recording port per party), seeded, so fixtures/xen/NAME.pcapng regenerates byte for byte.
 * Granted data pages are regions of their own (RWT_REGION_XEN_GRANT, address = grant reference), written
 * through the recording port of the party that fills them.
 */
import {
  BackRing, BlkifBack, BlkifFront, FrontRing, NetifCtrlBack, NetifCtrlFront, NetifRxBack, NetifRxFront, NetifTxBack, NetifTxFront,
  PlainRingPort, XenbusDevice, codecFor, recordXenRing, protocol,
  BLKIF_RSP_EOPNOTSUPP, BLKIF_RSP_OKAY, NETIF_RSP_OKAY, XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, XEN_NETIF_CTRL_STATUS_SUCCESS,
  XEN_NETIF_GSO_TYPE_TCPV4, XEN_NETIF_GSO_TYPE_TCPV6,
  type BlkifRequest, type RingPort, type TraceRecorder, type XenRingRecordingOptions,
} from '../../src/index.js';
import { rng } from '../virtio/rng.js';
import type { TraceFixture } from './fixture-kit.js';

const T = protocol.trace;
const SECTOR = 512;

/** A granted data page: a region of the interface and the recording port `party` writes it through. */
function grantPage(rec: TraceRecorder, iface: number, gref: number, party: number): RingPort {
  const buf = new ArrayBuffer(4096);
  const region = rec.addRegion(iface, { kind: T.RWT_REGION_XEN_GRANT, name: `gref ${gref}`, address: gref, bytes: new Uint8Array(buf) });
  return rec.port(iface, region, party, new PlainRingPort(buf));
}

function seeded(next: () => number, n: number): Uint8Array {
  return new Uint8Array(n).map(() => Math.floor(next() * 256));
}

/** A blkif frontend and backend on a recorded ring. */
function blkif(rec: TraceRecorder, options: Partial<XenRingRecordingOptions> = {}, start = 0) {
  const x = recordXenRing(rec, { ring: 'blkif', ...options });
  const evtchn = x.setup.evtchn;
  if (start !== 0) setStart(x.front, start);
  const front = new BlkifFront(FrontRing.attach(x.front, start, { channel: evtchn }));
  const back = new BlkifBack(BackRing.attach(x.back, start, { channel: evtchn }));
  return { ...x, front, back };
}

/**
 * What SHARED_RING_INIT would leave had the indices started at `start` (test/oracle/xen-rings.c does the same):
 * req_prod = rsp_prod = start, req_event = rsp_event = start + 1, written by the frontend that owns the page.
 */
function setStart(s: ReturnType<typeof recordXenRing>['front'], start: number): void {
  s.reqProd = start;
  s.rspProd = start;
  s.reqEvent = start + 1;
  s.rspEvent = start + 1;
}

/**
 * Publish; the backend runs the careful loop Linux blkback runs (take everything published, answer each OKAY or
 * by `status`, RING_PUSH_RESPONSES_AND_CHECK_NOTIFY, RING_FINAL_CHECK_FOR_REQUESTS before sleeping — as the
 * example implementation fixtures/impl/blkif-back.js does); then the frontend takes the answers and re-arms.
 */
function roundTrip(x: { readonly front: BlkifFront; readonly back: BlkifBack }, status: (r: BlkifRequest) => number = () => BLKIF_RSP_OKAY, serve?: (r: BlkifRequest) => void): number {
  x.front.push();
  do {
    for (const r of x.back.take()) {
      serve?.(r);
      x.back.respond(r, status(r));
    }
    x.back.push();
  } while (x.back.finalCheck() !== 0);
  const done = x.front.poll().length;
  x.front.finalCheck();
  return done;
}

const blkifRead: TraceFixture = {
  name: 'blkif-read', dir: 'xen',
  about: 'blkif on an order-0 x86_64 ring: three single-segment reads; the backend fills each granted page, answers OKAY.',
  record(rec, seed) {
    const next = rng(seed);
    const x = blkif(rec);
    const pages = [100, 101, 102].map((g) => ({ gref: g, port: grantPage(rec, x.iface, g, T.RWT_PARTY_BACK) }));
    for (const p of pages) x.front.queue({ op: 'read', sector: BigInt(8 * Math.floor(next() * 1024)), segments: [{ gref: p.gref, first_sect: 0, last_sect: 0 }] });
    roundTrip(x, undefined, (r) => {
      if (r.op !== 'read') return;
      const seg = r.segments[0];
      const page = pages.find((p) => p.gref === seg?.gref);
      page?.port.write(0, seeded(next, SECTOR));
    });
  },
};

const blkifWrite: TraceFixture = {
  name: 'blkif-write', dir: 'xen',
  about: 'blkif writes: the frontend fills two granted pages, then queues one two-segment write and one single-segment write.',
  record(rec, seed) {
    const next = rng(seed);
    const x = blkif(rec);
    const a = grantPage(rec, x.iface, 200, T.RWT_PARTY_FRONT);
    const b = grantPage(rec, x.iface, 201, T.RWT_PARTY_FRONT);
    a.write(0, seeded(next, 2 * SECTOR));
    b.write(SECTOR, seeded(next, SECTOR));
    x.front.queue({ op: 'write', sector: 2048n, segments: [{ gref: 200, first_sect: 0, last_sect: 1 }, { gref: 201, first_sect: 1, last_sect: 1 }] });
    x.front.queue({ op: 'write', sector: 4096n, segments: [{ gref: 201, first_sect: 1, last_sect: 1 }] });
    roundTrip(x);
  },
};

const blkifFlush: TraceFixture = {
  name: 'blkif-flush', dir: 'xen',
  about: 'blkif: a write followed by BLKIF_OP_FLUSH_DISKCACHE (no segments), each published and answered in its own round.',
  record(rec) {
    const x = blkif(rec);
    x.front.queue({ op: 'write', sector: 64n, segments: [{ gref: 300, first_sect: 0, last_sect: 7 }] });
    roundTrip(x);
    x.front.queue({ op: 'flush' });
    roundTrip(x);
  },
};

const blkifDiscard: TraceFixture = {
  name: 'blkif-discard', dir: 'xen',
  about: 'blkif_request_discard: a plain discard answered OKAY and a BLKIF_DISCARD_SECURE one answered BLKIF_RSP_EOPNOTSUPP.',
  record(rec) {
    const x = blkif(rec);
    x.front.queue({ op: 'discard', sector: 1n << 20n, nrSectors: 2048n });
    x.front.queue({ op: 'discard', sector: 1n << 21n, nrSectors: 8n, secure: true });
    roundTrip(x, (r) => (r.op === 'discard' && r.secure === true ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_OKAY));
  },
};

const blkifIndirect: TraceFixture = {
  name: 'blkif-indirect', dir: 'xen',
  about: 'blkif_request_indirect: the frontend writes 20 blkif_request_segment entries into an indirect page, then a BLKIF_OP_INDIRECT write; the response carries indirect_op.',
  record(rec) {
    const x = blkif(rec);
    const indirect = grantPage(rec, x.iface, 400, T.RWT_PARTY_FRONT);
    const segment = codecFor('blkif_request_segment', { abi: x.type.abi });
    const table = new Uint8Array(20 * segment.size);
    for (let i = 0; i < 20; i++) table.set(segment.encodeToBytes({ gref: 500 + i, first_sect: 0, last_sect: 7 }), i * segment.size);
    indirect.write(0, table);
    x.front.queue({ op: 'indirect', indirectOp: 'write', sector: 8192n, nrSegments: 20, indirectGrefs: [400] });
    x.front.queue({ op: 'read', sector: 0n, segments: [{ gref: 600, first_sect: 0, last_sect: 7 }] });
    roundTrip(x);
  },
};

const blkifX86_32: TraceFixture = {
  name: 'blkif-x86_32', dir: 'xen',
  about: 'blkif on the x86_32 ABI (108-byte requests, id at offset 4, 12-byte responses): a read and a write.',
  record(rec) {
    const x = blkif(rec, { abi: 'x86_32' });
    x.front.queue({ op: 'read', id: 0x0807060504030201n, sector: 16n, segments: [{ gref: 700, first_sect: 0, last_sect: 7 }] });
    x.front.queue({ op: 'write', sector: 24n, segments: [{ gref: 701, first_sect: 2, last_sect: 5 }] });
    roundTrip(x);
  },
};

const blkifOrder2: TraceFixture = {
  name: 'blkif-order2', dir: 'xen',
  about: 'blkif on a 4-page ring (order 2, grefs 8..11, 128 slots): 36 reads in one batch, more than an order-0 ring holds.',
  record(rec, seed) {
    const next = rng(seed);
    const x = blkif(rec, { order: 2 });
    for (let i = 0; i < 36; i++) x.front.queue({ op: 'read', sector: BigInt(8 * Math.floor(next() * 4096)), segments: [{ gref: 1000 + i, first_sect: 0, last_sect: 7 }] });
    roundTrip(x);
  },
};

const blkifIndexWrap: TraceFixture = {
  name: 'blkif-index-wrap', dir: 'xen',
  about: 'blkif indices started at 0xfffffff0 (as SHARED_RING_INIT would leave them there): four rounds of six requests cross 0xffffffff -> 0.',
  record(rec, seed) {
    const next = rng(seed);
    const x = blkif(rec, {}, 0xfffffff0);
    for (let round = 0; round < 4; round++) {
      for (let k = 0; k < 6; k++) x.front.queue({ op: next() < 0.5 ? 'read' : 'write', sector: BigInt(round * 48 + k * 8), segments: [{ gref: 800 + k, first_sect: 0, last_sect: 7 }] });
      roundTrip(x);
    }
  },
};

const blkifHandshake: TraceFixture = {
  name: 'blkif-xenbus-handshake', dir: 'xen',
  about: 'The xenbus handshake before I/O: backend feature-* keys and InitWait, SHARED_RING_INIT, frontend ring-ref / event-channel / protocol and Initialised, backend then frontend Connected; then one read.',
  record(rec) {
    const x = recordXenRing(rec, { ring: 'blkif', grefs: [8], evtchn: 5, init: false });
    const bus = new XenbusDevice({ frontendPath: 'device/vbd/768', backendPath: 'backend/vbd/1/768', emit: x.xenbus });
    bus.backendInitWait({ 'feature-flush-cache': 1, 'feature-discard': 1, 'feature-max-indirect-segments': 256, 'max-ring-page-order': 4 });
    x.front.sharedRingInit();
    bus.frontendInitialise({ grefs: x.setup.grefs, evtchn: x.setup.evtchn, abi: x.setup.abi });
    bus.backendConnect({ sectors: 2097152, info: 0, 'sector-size': 512 });
    bus.frontendConnect();
    const front = new BlkifFront(FrontRing.attach(x.front, 0, { channel: 5 }));
    const back = new BlkifBack(BackRing.attach(x.back, 0, { channel: 5 }));
    front.queue({ op: 'read', sector: 0n, segments: [{ gref: 900, first_sect: 0, last_sect: 7 }] });
    roundTrip({ front, back });
  },
};

const netifTx: TraceFixture = {
  name: 'netif-tx', dir: 'xen',
  about: 'netif tx: a one-slot packet, a three-slot packet (NETTXF_more_data), a GSO packet (XEN_NETIF_EXTRA_TYPE_GSO) and one carrying GSO and MCAST_ADD extras; extra slots answered NETIF_RSP_NULL.',
  record(rec) {
    const x = recordXenRing(rec, { ring: 'netif_tx', evtchn: 7 });
    const front = new NetifTxFront(FrontRing.attach(x.front, 0, { channel: 7 }));
    const back = new NetifTxBack(BackRing.attach(x.back, 0, { channel: 7 }));
    front.queue({ fragments: [{ gref: 10, offset: 0, size: 60 }], csumBlank: true });
    front.queue({ fragments: [{ gref: 11, offset: 0, size: 4096 }, { gref: 12, offset: 0, size: 4096 }, { gref: 13, offset: 128, size: 1000 }], dataValidated: true });
    front.queue({ fragments: [{ gref: 14, offset: 0, size: 2962 }], csumBlank: true, extras: { gso: { size: 1448, type: XEN_NETIF_GSO_TYPE_TCPV4, features: 0 } } });
    front.queue({
      fragments: [{ gref: 15, offset: 64, size: 2000 }, { gref: 16, offset: 0, size: 1000 }],
      extras: { gso: { size: 1428, type: XEN_NETIF_GSO_TYPE_TCPV6, features: 0 }, mcastAdd: [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb] },
    });
    front.push();
    for (const p of back.take()) back.respond(p, NETIF_RSP_OKAY);
    back.push();
    front.poll();
    back.finalCheck();
    front.finalCheck();
  },
};

const netifRx: TraceFixture = {
  name: 'netif-rx', dir: 'xen',
  about: 'netif rx: the frontend posts eight buffers; the backend delivers a one-slot packet, a GSO packet with its extra-info response slot (NETRXF_extra_info) and a two-slot packet.',
  record(rec) {
    const x = recordXenRing(rec, { ring: 'netif_rx', evtchn: 9 });
    const front = new NetifRxFront(FrontRing.attach(x.front, 0, { channel: 9 }));
    const back = new NetifRxBack(BackRing.attach(x.back, 0, { channel: 9 }));
    for (let i = 0; i < 8; i++) front.post(2000 + i);
    front.push();
    back.deliver({ fragments: [{ size: 98 }], dataValidated: true });
    back.deliver({ fragments: [{ offset: 0, size: 4000 }], extras: { gso: { size: 1448, type: XEN_NETIF_GSO_TYPE_TCPV4, features: 0 } }, csumBlank: true });
    back.deliver({ fragments: [{ size: 4096 }, { size: 500 }] });
    back.push();
    front.poll();
    front.finalCheck();
    back.finalCheck();
  },
};

const netifCtrl: TraceFixture = {
  name: 'netif-ctrl', dir: 'xen',
  about: 'The netif control ring: set_hash_algorithm (Toeplitz), set_hash_key, get_hash_flags and get_hash_mapping_size, answered out of order.',
  record(rec) {
    const x = recordXenRing(rec, { ring: 'xen_netif_ctrl', evtchn: 11 });
    const front = new NetifCtrlFront(FrontRing.attach(x.front, 0, { channel: 11 }));
    const back = new NetifCtrlBack(BackRing.attach(x.back, 0, { channel: 11 }));
    front.queue({ op: 'set_hash_algorithm', algorithm: XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ });
    front.queue({ op: 'set_hash_key', gref: 3000, size: 40 });
    front.queue({ op: 'get_hash_flags' });
    front.queue({ op: 'get_hash_mapping_size' });
    front.push();
    const got = back.take();
    for (const r of [...got].reverse()) back.respond(r, XEN_NETIF_CTRL_STATUS_SUCCESS, r.op === 'get_hash_flags' ? 0xf : r.op === 'get_hash_mapping_size' ? 128 : 0);
    back.push();
    front.poll();
    back.finalCheck();
    front.finalCheck();
  },
};

export const xenTraceFixtures: readonly TraceFixture[] = [
  blkifRead, blkifWrite, blkifFlush, blkifDiscard, blkifIndirect, blkifX86_32, blkifOrder2, blkifIndexWrap, blkifHandshake,
  netifTx, netifRx, netifCtrl,
];

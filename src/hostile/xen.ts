/**
 * The Xen malformed fixtures: each a real run of ringwire's rings (ring.h macros on a recorded ring, see
 * xen-faults.ts) with one fault injected, so the trace breaks exactly the rule it is named after.
 */
import type { TraceRecorder } from '../index.js';
import type { MalformedFixture } from './scenario.js';
import { RawRing, blkifRequest, okay, txOkay, txRequest } from './xen-faults.js';

const READ = 0;
const WRITE = 1;
const SEG = [{ first_sect: 0, last_sect: 7 }];

/** A healthy first round on a raw ring: two requests published, served, answered and taken. */
function warmBlkif(rec: TraceRecorder): RawRing {
  const r = new RawRing(rec, 'blkif');
  r.write(blkifRequest(READ, 0, SEG), blkifRequest(WRITE, 1, SEG));
  r.push();
  r.serve(okay);
  r.poll();
  return r;
}

function warmTx(rec: TraceRecorder): RawRing {
  const r = new RawRing(rec, 'netif_tx');
  r.write(txRequest(0), txRequest(1));
  r.push();
  r.serve(txOkay);
  r.poll();
  return r;
}

/** One blkif request the frontend writes through the codec; the backend answers as blkback would. */
function oneBlkif(rec: TraceRecorder, request: unknown, answer: (req: Record<string, unknown>) => unknown): void {
  const r = warmBlkif(rec);
  r.write(request);
  r.push();
  r.serve(answer);
  r.poll();
}

const BLKIF_RSP_ERROR = -1;
const BLKIF_RSP_EOPNOTSUPP = -2;
const error = (req: Record<string, unknown>): unknown => ({ id: req['id'], operation: req['operation'], status: BLKIF_RSP_ERROR });

export const xenMalformedFixtures: readonly MalformedFixture[] = [
  {
    rule: 'XEN_RING_REQ_PROD_OVERFLOW',
    about: 'blkif: the frontend ignores RING_FULL: with all 32 slots unanswered it writes a 33rd request over slot 0 and publishes req_prod 35; the backend refuses the index.',
    record(rec) {
      const r = warmBlkif(rec);
      for (let i = 2; i < 35; i++) r.write(blkifRequest(READ, i, SEG));
      r.push();
      r.serve(okay);
    },
  },
  {
    rule: 'XEN_RING_RSP_PROD_OVERFLOW',
    about: 'netif_tx: after a healthy round the backend answers one request and then stores rsp_prod 259, 257 past the frontend\'s rsp_cons 2 on a ring of 256 (a corrupt index).',
    record(rec) {
      const r = warmTx(rec);
      r.write(txRequest(2));
      r.push();
      r.serve(txOkay);
      r.x.back.rspProd = r.x.back.rspProd + 256;
      r.back.notify();
      r.poll();
    },
  },
  {
    rule: 'XEN_RING_RSP_PROD_AHEAD',
    about: 'netif_tx: the backend answers the one request published and then publishes rsp_prod one further, answering a request never made.',
    record(rec) {
      const r = warmTx(rec);
      r.write(txRequest(2));
      r.push();
      r.serve(txOkay);
      r.back.writeResponse(r.back.rspProdPvt, r.rsp.encodeToBytes({ id: 3, status: 0 }));
      r.x.back.rspProd = r.back.rspProdPvt + 1;
      r.back.notify();
    },
  },
  {
    rule: 'XEN_RING_INDEX_BACKWARDS',
    about: 'netif_tx: after a healthy round of two requests the frontend stores req_prod 1, moving it back over a published request.',
    record(rec) {
      const r = warmTx(rec);
      r.x.front.reqProd = 1;
    },
  },
  {
    rule: 'XEN_RING_CONS_PAST_PROD',
    about: 'netif_tx: after a healthy round the backend runs RING_COPY_REQUEST on index 2, which the frontend has not published.',
    record(rec) {
      const r = warmTx(rec);
      r.back.copyRequest(2);
    },
  },
  {
    rule: 'XEN_RING_DOUBLE_FETCH',
    about: 'blkif: the backend copies request 2, then copies the same slot again before answering (XSA-155).',
    record(rec) {
      const r = warmBlkif(rec);
      r.write(blkifRequest(READ, 2, SEG));
      r.push();
      r.serve((req, idx) => {
        r.back.copyRequest(idx);
        return okay(req);
      });
      r.poll();
    },
  },
  {
    rule: 'XEN_RING_SLOT_REWRITTEN',
    about: 'blkif: the frontend publishes request 2 and notifies, then rewrites its slot (another sector, same id) before the backend has answered it.',
    record(rec) {
      const r = warmBlkif(rec);
      r.write(blkifRequest(READ, 2, SEG));
      r.push();
      r.front.writeRequest(2, r.req.encodeToBytes({ ...(blkifRequest(READ, 2, SEG) as object), sector_number: 4096n }));
      r.serve(okay);
      r.poll();
    },
  },
  {
    rule: 'XEN_RING_MISSING_NOTIFY',
    about: 'blkif: the frontend publishes a request past req_event but drops the notify_remote_via_evtchn RING_PUSH_REQUESTS_AND_CHECK_NOTIFY asked for; the backend happens to poll.',
    record(rec) {
      const r = warmBlkif(rec);
      r.write(blkifRequest(READ, 2, SEG));
      r.push(false);
      r.serve(okay);
      r.poll();
    },
  },
  {
    rule: 'XEN_RING_NOTIFY_NOT_NEEDED',
    about: 'blkif: the frontend pushes request 2 (notifying, as req_event asks), then pushes request 3, which the event index does not ask to hear about, and notifies anyway.',
    record(rec) {
      const r = warmBlkif(rec);
      r.write(blkifRequest(READ, 2, SEG));
      r.push();
      r.write(blkifRequest(READ, 3, SEG));
      r.push();
      r.front.notify();
      r.serve(okay);
      r.poll();
    },
  },
  {
    rule: 'XEN_RING_STUCK',
    about: 'blkif: the frontend publishes and notifies two requests; the backend copies them and never answers.',
    record(rec) {
      const r = warmBlkif(rec);
      r.write(blkifRequest(READ, 2, SEG), blkifRequest(READ, 3, SEG));
      r.push();
      r.serve(() => undefined);
    },
  },
  {
    rule: 'XEN_RING_NOTIFY_STORM',
    about: 'blkif: after a healthy round the frontend raises its event channel 8 more times with nothing new published.',
    record(rec) {
      const r = warmBlkif(rec);
      for (let i = 0; i < 8; i++) r.front.notify();
    },
  },
  {
    rule: 'XEN_BLKIF_UNKNOWN_OP',
    about: 'blkif: the frontend writes a request with operation 9; the backend answers BLKIF_RSP_EOPNOTSUPP.',
    record(rec) { oneBlkif(rec, blkifRequest(9, 2, SEG), (q) => ({ id: q['id'], operation: q['operation'], status: BLKIF_RSP_EOPNOTSUPP })); },
  },
  {
    rule: 'XEN_BLKIF_NO_SEGMENTS',
    about: 'blkif: the frontend writes a BLKIF_OP_READ with nr_segments 0; the backend answers BLKIF_RSP_ERROR.',
    record(rec) { oneBlkif(rec, blkifRequest(READ, 2, []), error); },
  },
  {
    rule: 'XEN_BLKIF_TOO_MANY_SEGMENTS',
    about: 'blkif: the frontend writes a BLKIF_OP_WRITE with nr_segments 12 (seg[] holds 11); the backend answers BLKIF_RSP_ERROR.',
    record(rec) { oneBlkif(rec, blkifRequest(WRITE, 2, Array.from({ length: 11 }, () => SEG[0] as { first_sect: number; last_sect: number }), 12), error); },
  },
  {
    rule: 'XEN_BLKIF_SECT_ORDER',
    about: 'blkif: the frontend writes a read whose segment has first_sect 5 and last_sect 2; the backend answers BLKIF_RSP_ERROR.',
    record(rec) { oneBlkif(rec, blkifRequest(READ, 2, [{ first_sect: 5, last_sect: 2 }]), error); },
  },
  {
    rule: 'XEN_BLKIF_SECT_PAST_PAGE',
    about: 'blkif: the frontend writes a read whose segment ends at last_sect 8, past its 4096-byte frame; the backend answers BLKIF_RSP_ERROR.',
    record(rec) { oneBlkif(rec, blkifRequest(READ, 2, [{ first_sect: 0, last_sect: 8 }]), error); },
  },
  {
    rule: 'XEN_BLKIF_INDIRECT_TOO_MANY',
    about: 'blkif after a xenbus handshake in which the backend wrote feature-max-indirect-segments = 16: the frontend sends a BLKIF_OP_INDIRECT read of 20 segments; the backend answers BLKIF_RSP_ERROR.',
    record(rec) {
      const r = new RawRing(rec, 'blkif', { 'feature-max-indirect-segments': 16 });
      r.writeAs('blkif_request_indirect', { operation: 6, indirect_op: READ, nr_segments: 20, id: 2n, sector_number: 0n, handle: 0, indirect_grefs: [400, 0, 0, 0, 0, 0, 0, 0] });
      r.push();
      r.serve((q) => ({ id: q['id'], operation: READ, status: BLKIF_RSP_ERROR }));
      r.poll();
    },
  },
  {
    rule: 'XEN_BLKIF_DISCARD_NOT_OFFERED',
    about: 'blkif after a xenbus handshake in which the backend wrote no feature-discard: the frontend sends a BLKIF_OP_DISCARD; the backend answers BLKIF_RSP_EOPNOTSUPP.',
    record(rec) {
      const r = new RawRing(rec, 'blkif', { 'feature-flush-cache': 1 });
      r.writeAs('blkif_request_discard', { operation: 5, flag: 0, handle: 0, id: 2n, sector_number: 2048n, nr_sectors: 8n });
      r.push();
      r.serve((q) => ({ id: q['id'], operation: q['operation'], status: BLKIF_RSP_EOPNOTSUPP }));
      r.poll();
    },
  },
  {
    rule: 'XEN_BLKIF_BAD_STATUS',
    about: 'blkif: the backend answers a read with status -3, which no BLKIF_RSP_* names.',
    record(rec) { oneBlkif(rec, blkifRequest(READ, 2, SEG), (q) => ({ id: q['id'], operation: q['operation'], status: -3 })); },
  },
  {
    rule: 'XEN_BLKIF_RSP_OPERATION',
    about: 'blkif: the backend answers a BLKIF_OP_READ with operation BLKIF_OP_WRITE.',
    record(rec) { oneBlkif(rec, blkifRequest(READ, 2, SEG), (q) => ({ id: q['id'], operation: WRITE, status: 0 })); },
  },
  {
    rule: 'XEN_RING_DUPLICATE_REQUEST_ID',
    about: 'blkif: the frontend publishes request id 2, then before its answer publishes another request with id 2; the backend answers both.',
    record(rec) {
      const r = warmBlkif(rec);
      r.write(blkifRequest(READ, 2, SEG));
      r.push();
      r.write(blkifRequest(READ, 2, SEG));
      r.push();
      r.serve(okay);
      r.poll();
    },
  },
  {
    rule: 'XEN_RING_UNKNOWN_RESPONSE_ID',
    about: 'blkif: the backend answers request id 2 with a response carrying id 7, which was never requested.',
    record(rec) { oneBlkif(rec, blkifRequest(READ, 2, SEG), (q) => ({ id: 7n, operation: q['operation'], status: 0 })); },
  },
  {
    rule: 'XEN_RING_EVENT_LOST_WAKEUP',
    about: 'blkif: after a healthy round the backend re-arms req_event at its req_cons 2 instead of req_cons + 1; the frontend\'s next push sees no need to notify and its request waits for ever.',
    record(rec) {
      const r = warmBlkif(rec);
      r.x.back.reqEvent = r.back.reqCons;
      r.write(blkifRequest(READ, 2, SEG));
      r.push();
    },
  },
  {
    rule: 'XEN_RING_NO_FINAL_CHECK',
    about: 'blkif: the backend answers request 2 (the frontend is notified and copies it, then publishes request 3 from its interrupt handler), then request 3, whose push the frontend\'s rsp_event 3 does not ask to hear about; the frontend re-arms rsp_event 4 without re-reading rsp_prod 4 and never copies response 3.',
    record(rec) {
      const r = warmBlkif(rec);
      r.write(blkifRequest(READ, 2, SEG));
      r.push();
      r.serve(okay);
      // The frontend's interrupt: it reads rsp_prod and copies response 2, and publishes request 3 ...
      const prod = r.front.checkedResponseProd();
      r.front.copyResponse(r.front.rspCons);
      r.front.rspCons++;
      r.write(blkifRequest(READ, 3, SEG));
      r.push();
      // ... which the backend answers (no notification: rsp_event is still 3) before going to sleep properly.
      r.serve(okay);
      // The frontend re-arms past what it copied but skips RING_FINAL_CHECK_FOR_RESPONSES's second look at rsp_prod.
      r.x.front.rspEvent = (prod + 1) >>> 0;
    },
  },
];

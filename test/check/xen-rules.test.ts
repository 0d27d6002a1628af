/**
 * The Xen rules whose conditions are easy to get wrong: event indices judged against the consumer's own index
 * with RING_IDX wrap-around (no false positive near 2^32, the edges of (cons, cons + RING_SIZE]), the final
 * check obligation and what discharges it, netif tx packets walked across publications, the xenbus handshake
 * paths the Linux drivers take, and the typed backend refusing with the very check the checker reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GrowableSink, TraceReader, TraceRecorder, checkTrace, FrontRing, NetifTxBack, RingError, XenbusDevice, recordXenRing, type Finding,
} from '../../src/index.js';
import { RawRing, blkifRequest, okay, txOkay } from '../../src/hostile/xen-faults.js';

const SEG = [{ first_sect: 0, last_sect: 7 }];
const NEAR_WRAP = 0xfffffff0;

/** Record `run` and check the trace: every finding. */
function findings(run: (rec: TraceRecorder) => void): Finding[] {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  run(rec);
  rec.close();
  return checkTrace(new TraceReader(sink.bytes.slice()));
}

const rules = (fs: readonly Finding[], severity = 'error'): string[] => fs.filter((f) => f.severity === severity).map((f) => f.rule);

/** A blkif ring at `start` with `rounds` healthy rounds of three requests each (ids from 0). */
function blkifRounds(rec: TraceRecorder, start: number, rounds: number): RawRing {
  const r = new RawRing(rec, 'blkif', undefined, { start });
  for (let k = 0; k < rounds; k++) {
    r.write(blkifRequest(0, 3 * k, SEG), blkifRequest(0, 3 * k + 1, SEG), blkifRequest(1, 3 * k + 2, SEG));
    r.push();
    r.serve(okay);
    r.poll();
  }
  return r;
}

test('event indices: healthy rounds across 2^32 and arming at either edge of (cons, cons + RING_SIZE] are clean', () => {
  assert.deepEqual(rules(findings((rec) => { blkifRounds(rec, NEAR_WRAP, 12); })), []);
  for (const ahead of [1, 32]) {
    const fs = findings((rec) => {
      const r = blkifRounds(rec, NEAR_WRAP, 5); // req_cons is now 0xffffffff: cons + 32 wraps to 31
      r.x.back.reqEvent = (r.back.reqCons + ahead) >>> 0;
      r.write(blkifRequest(0, 99, SEG));
      r.push(); // notifies only when req_event is cons + 1
      r.serve(okay);
      r.poll();
    });
    assert.deepEqual(rules(fs).filter((x) => x.startsWith('XEN_RING_EVENT') || x === 'XEN_RING_NO_FINAL_CHECK'), [], `cons + ${ahead}`);
  }
});

test('event indices: cons + RING_SIZE + 1 across the wrap is a lost wakeup that no push can reach; cons itself one already passed', () => {
  const past = findings((rec) => {
    const r = blkifRounds(rec, NEAR_WRAP, 5);
    assert.equal(r.back.reqCons, 0xffffffff);
    r.x.back.reqEvent = (r.back.reqCons + 33) >>> 0;
  });
  assert.deepEqual(rules(past), ['XEN_RING_EVENT_LOST_WAKEUP']);
  const [f] = past;
  assert.equal(f?.actual, 32);
  assert.equal(f?.expected, '0..31 (cons 4294967295 + 1 .. cons + RING_SIZE)');
  assert.match(f?.message ?? '', /an index no push can reach/);
  const passed = findings((rec) => {
    const r = blkifRounds(rec, NEAR_WRAP, 6);
    r.x.front.rspEvent = r.front.rspCons; // the frontend, consumer of responses, arms at its own rsp_cons
  });
  assert.deepEqual(passed.map((x) => [x.rule, x.party, x.path]), [['XEN_RING_EVENT_LOST_WAKEUP', 'front', 'sring.rsp_event']]);
  assert.match(passed[0]?.message ?? '', /an index already passed/);
});

test('event indices: SHARED_RING_INIT and other stores by the producer are not a consumer re-arming', () => {
  // The frontend writes req_event (the backend's) when it sets the ring up near 2^32: no finding.
  assert.deepEqual(findings((rec) => { new RawRing(rec, 'blkif', undefined, { start: NEAR_WRAP }); }), []);
});

test('no final check: arming at or below req_prod with records pending, across the wrap, is reported at the store', () => {
  const fs = findings((rec) => {
    const r = blkifRounds(rec, NEAR_WRAP, 5); // all indices at 0xffffffff
    r.write(blkifRequest(0, 50, SEG), blkifRequest(0, 51, SEG));
    r.push(); // req_prod 1, across the wrap
    // The backend copies nothing, re-arms at req_cons + 1 = 0 without the second look, and sleeps.
    r.x.back.reqEvent = (r.back.reqCons + 1) >>> 0;
  });
  assert.deepEqual(rules(fs), ['XEN_RING_NO_FINAL_CHECK']);
  assert.equal(fs[0]?.party, 'back');
  assert.match(fs[0]?.message ?? '', /^back set req_event 0 with req_prod already at 1 and its consumer index at 4294967295/);
});

test('no final check: discharged by copying record E - 1, by a notify from the producer, or by arming past req_prod', () => {
  const pending = (r: RawRing): void => {
    r.write(blkifRequest(0, 50, SEG));
    r.push();
    r.x.back.reqEvent = (r.back.reqCons + 1) >>> 0; // E = req_prod: record E - 1 is out
  };
  // The backend goes on to serve (its RING_COPY_REQUEST of record E - 1 discharges it).
  assert.deepEqual(rules(findings((rec) => { const r = blkifRounds(rec, NEAR_WRAP, 5); pending(r); r.serve(okay); r.poll(); })), []);
  // The frontend notifies after the store: the backend will be woken (its later service is another matter).
  const notified = findings((rec) => { const r = blkifRounds(rec, NEAR_WRAP, 5); pending(r); r.front.notify(); r.serve(okay); r.poll(); });
  assert.deepEqual(rules(notified), []);
  // Arming one past req_prod while records wait (netback's rx path: req_event = prod + 1) is a wait for more, not a lost one.
  const rx = findings((rec) => {
    const r = blkifRounds(rec, NEAR_WRAP, 5);
    r.write(blkifRequest(0, 50, SEG));
    r.push();
    r.x.back.reqEvent = (r.front.reqProdPvt + 1) >>> 0;
    r.write(blkifRequest(0, 51, SEG));
    r.push(); // reaches the event index: notifies
    r.serve(okay);
    r.poll();
  });
  assert.deepEqual(rules(rx), []);
});

/** A netif_tx ring whose frontend writes raw slots; NetifTxBack serves (waiting for packets not all published). */
function txRing(rec: TraceRecorder): { r: RawRing; serve(): void } {
  const r = new RawRing(rec, 'netif_tx');
  const back = new NetifTxBack(r.back);
  return {
    r,
    serve() {
      for (;;) {
        const packets = back.take();
        for (const p of packets) back.respond(p, 0);
        back.push();
        // A packet not all published is left for later: with nothing taken, wait for the frontend's next push.
        if (packets.length === 0 || back.finalCheck() === 0) return;
      }
    },
  };
}

const NETTXF_more_data = 4;
const NETTXF_extra_info = 8;

test('netif tx: a packet the backend meets half published is copied once per slot when the rest arrives (XSA-155)', () => {
  let taken = 0;
  const fs = findings((rec) => {
    const r = new RawRing(rec, 'netif_tx');
    const back = new NetifTxBack(r.back);
    const serve = (): void => {
      const packets = back.take();
      taken += packets.length;
      for (const p of packets) back.respond(p, 0);
      back.push();
    };
    r.write({ gref: 1, offset: 0, flags: NETTXF_extra_info | NETTXF_more_data, id: 0, size: 300 });
    r.writeAs('netif_extra_info', { type: 1, flags: 0, u: { gso: { size: 1448, type: 1, pad: 0, features: 0 } } });
    r.push();
    serve(); // the backend looks now: two slots copied, the packet is not whole
    r.write({ gref: 2, offset: 0, flags: 0, id: 1, size: 100 });
    r.push();
    serve(); // the rest: slots 0 and 1 come from the copies made before, slot 2 is copied once
    r.poll();
  });
  assert.equal(taken, 1);
  assert.deepEqual(rules(fs), []);
});

test('netif tx: a packet split over two publications is walked whole; a fault in its second half is found there', () => {
  const split = (second: number) => findings((rec) => {
    const { r, serve } = txRing(rec);
    r.write({ gref: 1, offset: 0, flags: NETTXF_extra_info | NETTXF_more_data, id: 0, size: 300 });
    r.writeAs('netif_extra_info', { type: 1, flags: 0, u: { gso: { size: 1448, type: 1, pad: 0, features: 0 } } });
    r.push(); // the backend is not woken yet (Linux netback takes a packet only once all of it is published)
    r.write({ gref: 2, offset: 0, flags: 0, id: 1, size: second });
    r.push();
    try { serve(); r.poll(); } catch (e) { if (!(e instanceof RingError)) throw e; } // the typed backend refuses what the checker reports
  });
  assert.deepEqual(rules(split(100)), []);
  const bad = split(400);
  assert.deepEqual(rules(bad), ['XEN_NETIF_FIRST_SLOT_SHORT']);
  assert.equal(bad[0]?.path, 'request[2].size');
});

test('netif tx: the first slot is judged by its own size (the total less the other fragments); the walk stops at the first fault', () => {
  const first = (offset: number) => findings((rec) => {
    const { r, serve } = txRing(rec);
    r.write({ gref: 1, offset, flags: NETTXF_more_data, id: 0, size: 5000 }, { gref: 2, offset: 0, flags: 0, id: 1, size: 1000 });
    r.push();
    try { serve(); r.poll(); } catch (e) { if (!(e instanceof RingError)) throw e; }
  });
  assert.deepEqual(rules(first(96)), []); // 96 + 4000 = 4096
  const crossing = first(97);
  assert.deepEqual(crossing.map((f) => [f.rule, f.path, f.actual]), [['XEN_NETIF_CROSSES_PAGE', 'request[0].offset', 4097]]);
  // Two crossing packets: netback stops at the first (xenvif_fatal_tx_err), and so does the walk.
  const two = findings((rec) => {
    const { r } = txRing(rec);
    r.write({ gref: 1, offset: 4000, flags: 0, id: 0, size: 200 }, { gref: 2, offset: 4000, flags: 0, id: 1, size: 200 });
    r.push();
  });
  assert.deepEqual(rules(two), ['XEN_NETIF_CROSSES_PAGE']);
});

test('netif tx: the typed backend refuses with the very check the checker reports (one definition)', () => {
  let refused: RingError | undefined;
  const fs = findings((rec) => {
    const { r, serve } = txRing(rec);
    r.write({ gref: 1, offset: 0, flags: NETTXF_extra_info, id: 0, size: 60 });
    r.writeAs('netif_extra_info', { type: 0, flags: 0, u: { pad: [0, 0, 0] } });
    r.push();
    try { serve(); } catch (e) { if (e instanceof RingError) refused = e; else throw e; }
  });
  assert.equal(refused?.code, 'XEN_NETIF_EXTRA_BAD_TYPE');
  assert.equal(refused?.index, 1);
  assert.deepEqual(rules(fs), [refused?.code]);
  assert.equal(fs[0]?.message, `${refused?.message.replace(/\.$/, '')} (published by front).`);
});

test('netif tx responses: a status that is no NETIF_RSP_* is XEN_RING_BAD_RECORD; NETIF_RSP_NULL for an extra slot is not', () => {
  const answer = (status: number) => findings((rec) => {
    const r = new RawRing(rec, 'netif_tx');
    r.write({ gref: 1, offset: 0, flags: 0, id: 0, size: 60 });
    r.push();
    r.serve((q) => ({ ...(txOkay(q) as object), status }));
    r.poll();
  });
  assert.deepEqual(rules(answer(1)), []); // NETIF_RSP_NULL
  assert.deepEqual(rules(answer(-2)), []); // NETIF_RSP_DROPPED
  assert.deepEqual(answer(5).map((f) => [f.rule, f.party, f.path]), [['XEN_RING_BAD_RECORD', 'back', 'response[0].status']]);
});

test('xenbus: the netfront path (Initialising -> Connected once the backend is InitWait) and an orderly close are clean', () => {
  const fs = findings((rec) => {
    const x = recordXenRing(rec, { ring: 'netif_tx' });
    const bus = new XenbusDevice({ frontendPath: 'device/vif/0', backendPath: 'backend/vif/1/0', emit: x.xenbus });
    bus.backendInitWait({ 'feature-gso-tcpv4': 1, 'max-ring-page-order': 0 });
    bus.write('frontend', 'tx-ring-ref', 8);
    bus.write('frontend', 'protocol', 'x86_32-abi');
    bus.switchState('frontend', 'Connected');
    bus.backendConnect();
    const r = new RawRing(rec, 'netif_tx', undefined, { recording: x });
    r.write({ gref: 1, offset: 0, flags: 0, id: 0, size: 60 });
    r.push();
    r.serve(txOkay);
    r.poll();
    bus.switchState('frontend', 'Closing');
    bus.switchState('backend', 'Closing');
    bus.switchState('frontend', 'Closed');
    bus.switchState('backend', 'Closed');
  });
  assert.deepEqual(rules(fs), []);
});

test('xenbus: a state no enum xenbus_state names, and a backend Connected straight from Initialising, are bad transitions', () => {
  const fs = findings((rec) => {
    const x = recordXenRing(rec, { ring: 'blkif' });
    x.xenbus('backend', { xenbus_state: { from: 1, to: 4 } });
    x.xenbus('frontend', { xenbus_state: { from: 1, to: 42 } });
  });
  assert.deepEqual(fs.map((f) => [f.rule, f.party, f.actual]), [['XENBUS_BAD_TRANSITION', 'back', 'Connected'], ['XENBUS_BAD_TRANSITION', 'front', 42]]);
  assert.match(fs[0]?.message ?? '', /^The backend cannot go from Initialising to Connected \(xenbus state Initialising -> Connected\)\.$/);
});

test('xenbus: ring-page-order within max-ring-page-order is fine, one above (or one with no max written) is a bad value', () => {
  const order = (max: number | undefined, wanted: number) => findings((rec) => {
    const x = recordXenRing(rec, { ring: 'blkif', order: wanted });
    const bus = new XenbusDevice({ emit: x.xenbus });
    bus.backendInitWait(max === undefined ? {} : { 'max-ring-page-order': max });
    bus.write('frontend', 'ring-page-order', wanted);
  });
  assert.deepEqual(rules(order(2, 2)), []);
  assert.deepEqual(rules(order(2, 1)), []);
  assert.deepEqual(rules(order(1, 2)), ['XENBUS_BAD_VALUE']);
  assert.deepEqual(rules(order(undefined, 1)), ['XENBUS_BAD_VALUE']);
});

test('xenbus: a trace with no state record carries no handshake, so its requests are not judged against one', () => {
  assert.deepEqual(rules(findings((rec) => { blkifRounds(rec, 0, 1); })), []);
  // With a handshake recorded, the first request after both are Connected is fine.
  assert.deepEqual(rules(findings((rec) => {
    const r = new RawRing(rec, 'blkif', { 'feature-flush-cache': 1 });
    r.write(blkifRequest(0, 0, SEG));
    r.push();
    r.serve(okay);
    r.poll();
  })), []);
});

test('xenbus: netfront posting rx buffers before the backend is Connected is its design, not a ring used too early', () => {
  const early = (ring: 'netif_rx' | 'blkif') => findings((rec) => {
    const x = recordXenRing(rec, { ring });
    const bus = new XenbusDevice({ frontendPath: 'device/vif/0', backendPath: 'backend/vif/1/0', emit: x.xenbus });
    bus.backendInitWait({ 'feature-rx-copy': 1 });
    bus.write('frontend', 'rx-ring-ref', 8);
    const front = FrontRing.attach(x.front, 0, { channel: x.setup.evtchn });
    front.encodeRequest(front.nextRequestIndex(), ring === 'blkif' ? blkifRequest(0, 0, SEG) : { id: 0, pad: 0, gref: 300 });
    if (front.pushRequestsAndCheckNotify()) front.notify();
    bus.switchState('frontend', 'Connected');
  });
  assert.deepEqual(rules(early('netif_rx')), []);
  assert.deepEqual(rules(early('blkif')).filter((r) => r.startsWith('XENBUS_')), ['XENBUS_RING_BEFORE_CONNECTED']);
});

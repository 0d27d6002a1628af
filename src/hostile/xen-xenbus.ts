/**
 * The xenbus malformed fixtures: the handshake of a split device recorded as config records (XenbusDevice
 * emitting into recordXenRing's xenbus sink), with one end breaking it: a state change out of order, a
 * ring-page-order above the backend's max-ring-page-order, a `protocol` no backend reads, a request published
 * before the backend is Connected. A step XenbusDevice would refuse is written by the faulty end itself
 * (through the same sink); the backend then refuses as Linux blkback does (connect_ring fails and the device
 * goes Closing).
 */
import { XenbusDevice, recordXenRing, type TraceRecorder, type XenRingRecording } from '../index.js';
import { xenConstant } from '../xen/xen-constants.js';
import type { MalformedFixture } from './scenario.js';
import { RawRing, blkifRequest, okay } from './xen-faults.js';

const INITIALISING = xenConstant('XenbusStateInitialising');
const INITIALISED = xenConstant('XenbusStateInitialised');
const READ = 0;

function device(x: XenRingRecording): XenbusDevice {
  return new XenbusDevice({ frontendPath: 'device/vbd/768', backendPath: 'backend/vbd/1/768', emit: x.xenbus });
}

/** A frontend that writes its keys and goes Initialised by hand (as XenbusDevice.frontendInitialise would, minus its checks). */
function handInitialise(bus: XenbusDevice, keys: Readonly<Record<string, string | number>>): void {
  for (const [k, v] of Object.entries(keys)) bus.write('frontend', k, v);
  bus.switchState('frontend', 'Initialised');
}

/** blkback's connect_ring failing: xenbus_dev_fatal, the backend goes Closing. */
function backendRefuses(bus: XenbusDevice): void {
  bus.switchState('backend', 'Closing');
}

export const xenXenbusMalformedFixtures: readonly MalformedFixture[] = [
  {
    rule: 'XENBUS_BAD_TRANSITION',
    about: 'blkif handshake: the frontend writes ring-ref, event-channel and protocol and goes Initialised while the backend is still Initialising (before its InitWait); the backend then goes InitWait and never connects.',
    record(rec: TraceRecorder) {
      const x = recordXenRing(rec, { ring: 'blkif' });
      const bus = device(x);
      bus.write('frontend', 'ring-ref', x.setup.grefs[0] as number);
      bus.write('frontend', 'event-channel', x.setup.evtchn);
      bus.write('frontend', 'protocol', 'x86_64-abi');
      x.xenbus('frontend', { xenbus_state: { from: INITIALISING, to: INITIALISED } });
      bus.backendInitWait({ 'feature-flush-cache': 1 });
    },
  },
  {
    rule: 'XENBUS_BAD_VALUE',
    about: 'blkif handshake on a 4-page ring: the backend writes max-ring-page-order 1; the frontend writes ring-page-order 2 and ring-ref0..3 and goes Initialised; the backend refuses and goes Closing.',
    record(rec: TraceRecorder) {
      const x = recordXenRing(rec, { ring: 'blkif', order: 2 });
      const bus = device(x);
      bus.backendInitWait({ 'feature-flush-cache': 1, 'max-ring-page-order': 1 });
      handInitialise(bus, {
        'ring-page-order': 2, ...Object.fromEntries(x.setup.grefs.map((g, i) => [`ring-ref${i}`, g])), 'event-channel': x.setup.evtchn, protocol: 'x86_64-abi',
      });
      backendRefuses(bus);
    },
  },
  {
    rule: 'XENBUS_PROTOCOL_NOT_OFFERED',
    about: 'blkif handshake: the frontend writes protocol "x86_64" (ringwire\'s ABI name, not the protocols.h spelling x86_64-abi) and goes Initialised; the backend refuses and goes Closing.',
    record(rec: TraceRecorder) {
      const x = recordXenRing(rec, { ring: 'blkif' });
      const bus = device(x);
      bus.backendInitWait({ 'feature-flush-cache': 1 });
      handInitialise(bus, { 'ring-ref': x.setup.grefs[0] as number, 'event-channel': x.setup.evtchn, protocol: 'x86_64' });
      backendRefuses(bus);
    },
  },
  {
    rule: 'XENBUS_RING_BEFORE_CONNECTED',
    about: 'blkif handshake: the frontend goes Initialised and publishes a read before the backend is Connected; the backend then connects and answers it (its ring mapped since connect_ring), and the frontend connects.',
    record(rec: TraceRecorder) {
      const x = recordXenRing(rec, { ring: 'blkif' });
      const bus = device(x);
      bus.backendInitWait({ 'feature-flush-cache': 1 });
      bus.frontendInitialise({ grefs: x.setup.grefs, evtchn: x.setup.evtchn, abi: x.setup.abi });
      const r = new RawRing(rec, 'blkif', undefined, { recording: x });
      r.write(blkifRequest(READ, 0, [{ first_sect: 0, last_sect: 7 }]));
      r.push();
      bus.backendConnect({ sectors: 2097152 });
      r.serve(okay);
      bus.frontendConnect();
      r.poll();
    },
  },
];

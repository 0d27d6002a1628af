/**
 * Every error src/xen/ throws outside the ring rules is a RingwireError with a stable code too: constant
 * lookups, the shared-ring header derivation, ring types and orders. And the `sharedIndex` flag of the
 * xen_sring_header declaration is what decides which words SharedRing accesses as indices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LayoutError, RingwireError, protocol, layoutOf, RecordingRingPort, PlainRingPort, type PortEvent, PortError } from '../../src/index.js';
import { xenConstant, ringType, SharedRing, FrontRing, BackRing, RingError, type XenRingName } from '../../src/xen/index.js';
import { sringHeaderOffsets } from '../../src/xen/ring-type.js';

test('xenConstant: a name protocol/ does not declare is LayoutError UNKNOWN_CONSTANT', () => {
  assert.equal(xenConstant('BLKIF_OP_INDIRECT'), 6);
  assert.throws(() => xenConstant('BLKIF_OP_TRIM'), (e: unknown) => e instanceof LayoutError && e instanceof RingwireError
    && e.code === 'UNKNOWN_CONSTANT' && e.received === 'BLKIF_OP_TRIM');
});

test('the shared-ring index words are exactly the members declared sharedIndex', () => {
  const decl = protocol.xenStructs.find((d) => d.name === 'xen_sring_header')!;
  const l = layoutOf('xen_sring_header');
  const h = ringType('blkif').header;
  const marked = decl.fields.filter((f) => f.sharedIndex === true).map((f) => l.fields.find((x) => x.name === f.name)!.offset);
  assert.deepEqual([...h.sharedIndices].sort((a, b) => a - b), marked.sort((a, b) => a - b));
  assert.deepEqual([h.reqProd, h.reqEvent, h.rspProd, h.rspEvent], [0, 4, 8, 12]);
  // A declaration that stops marking rsp_event is refused rather than silently accessed non-atomically.
  const unmarked = { ...decl, fields: decl.fields.map((f) => (f.name === 'rsp_event' ? { name: f.name, type: f.type } : f)) };
  assert.throws(() => sringHeaderOffsets(unmarked, l), (e: unknown) => e instanceof LayoutError && e.code === 'LAYOUT_SELF_CHECK' && e.path === 'xen_sring_header.rsp_event');
  const noPad = { ...decl, fields: decl.fields };
  assert.throws(() => sringHeaderOffsets(noPad, { ...l, fields: l.fields.filter((f) => f.name !== '__pad') }), { code: 'LAYOUT_SELF_CHECK', path: 'xen_sring_header.__pad' });
  // Every index store a ring makes lands on one of those words (and only there).
  const log: PortEvent[] = [];
  const s = SharedRing.init(new SharedArrayBuffer(4096), ringType('netif_tx'), { wrapPort: (p) => new RecordingRingPort(p, log) });
  const f = FrontRing.attach(s);
  const b = BackRing.attach(s);
  f.writeRequest(f.nextRequestIndex(), new Uint8Array(12));
  f.pushRequestsAndCheckNotify();
  b.finalCheckForRequests();
  b.reqCons++;
  b.writeResponse(b.nextResponseIndex(), new Uint8Array(4));
  b.pushResponsesAndCheckNotify();
  f.finalCheckForResponses();
  const stores = new Set(log.flatMap((e) => (e.kind === 'store32' ? [e.offset] : [])));
  assert.deepEqual([...stores].sort((x, y) => x - y), [0, 4, 8, 12]);
  assert.ok(log.every((e) => e.kind !== 'write' || e.offset >= h.ring), 'payload writes are slots, never the index words');
});

test('ring types, orders and memory: typed errors with codes', () => {
  assert.throws(() => ringType('vscsiif' as XenRingName), (e: unknown) => e instanceof RingError && e.code === 'XEN_RING_UNKNOWN_TYPE');
  assert.throws(() => ringType('blkif').nrEnts(5), { code: 'XEN_RING_BAD_MEMORY' });
  assert.throws(() => SharedRing.attach(new ArrayBuffer(4096), ringType('blkif'), { byteOffset: 2 }), { code: 'XEN_RING_BAD_MEMORY' });
  assert.throws(() => SharedRing.overPort(new PlainRingPort(new ArrayBuffer(1024)), ringType('blkif')), { code: 'XEN_RING_BAD_MEMORY' });
  const s = SharedRing.init(new ArrayBuffer(4096), ringType('blkif'));
  assert.throws(() => s.port.loadIndex32(4094), (e: unknown) => e instanceof PortError && e.code === 'PORT_MISALIGNED_INDEX');
});

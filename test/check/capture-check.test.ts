/**
 * Captured queues (a setup, a `capture` annotation and snapshots of the areas, as `ringwire capture qemu`
 * writes them) are judged by the checker on their snapshot, with the state rules a dump uses: a healthy capture
 * is clean, a live chain that loops is VIRTQ_DESC_LOOP, placed at the interface's last record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrowableSink, GuestMemory, SplitDriver, TraceReader, TraceRecorder, checkTrace, recordCapturedQueue, virtioConstant } from '../../src/index.js';

const SIZE = 8;

/** Guest RAM of a split queue of 8 (desc 0, avail 0x1000, used 0x2000) with two chains made available by SplitDriver. */
function queueRam(): Uint8Array {
  const memory = new GuestMemory();
  const port = memory.mapNew(0, 0x10000);
  const drv = new SplitDriver({ memory, size: SIZE, desc: 0, avail: 0x1000, used: 0x2000 });
  drv.add([{ addr: 0x4000, len: 16 }, { addr: 0x5000, len: 512, write: true }]);
  drv.add([{ addr: 0x6000, len: 16 }]);
  return port.bytes;
}

function capture(ram: Uint8Array): Uint8Array {
  const sink = new GrowableSink();
  const rec = new TraceRecorder(sink);
  recordCapturedQueue(rec, {
    name: 'test/vq0', layout: 'split', size: SIZE, queue: 0, features: 1n << BigInt(virtioConstant('VIRTIO_F_VERSION_1')),
    desc: { gpa: 0, bytes: ram.slice(0, 16 * SIZE) }, driver: { gpa: 0x1000, bytes: ram.slice(0x1000, 0x1000 + 6 + 2 * SIZE) },
    device: { gpa: 0x2000, bytes: ram.slice(0x2000, 0x2000 + 6 + 8 * SIZE) }, tables: [], notes: { last_avail_idx: 0, used_idx: 0 },
  });
  rec.close();
  return sink.bytes.slice();
}

test('a healthy captured split queue checks clean; buffers, not captured, are not judged', () => {
  assert.deepEqual(checkTrace(new TraceReader(capture(queueRam()))), []);
});

test('a captured split queue whose live chain loops is VIRTQ_DESC_LOOP, at the interface\'s last record', () => {
  const ram = queueRam();
  // The first chain's second descriptor (index 1) points to itself, with NEXT set.
  const v = new DataView(ram.buffer, ram.byteOffset);
  v.setUint16(16 + 12, v.getUint16(16 + 12, true) | 1, true);
  v.setUint16(16 + 14, 1, true);
  const bytes = capture(ram);
  const found = checkTrace(new TraceReader(bytes));
  assert.deepEqual(found.map((f) => [f.rule, f.severity, f.party]), [['VIRTQ_DESC_LOOP', 'error', 'driver']]);
  const records = [...new TraceReader(bytes)].length;
  assert.ok('record' in (found[0] as object) && (found[0] as { record: number }).record >= records - 2, 'placed at the end of the interface');
});

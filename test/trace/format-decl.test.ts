/** The trace format's declarations in protocol/trace/ are consistent, and offsets are derived, not written. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { protocol } from '../../src/index.js';
import * as traceLayouts from '../../src/trace/layouts.js';

const T = { ...protocol.trace, ...traceLayouts };

test('record types and parties have distinct numbers, and the constants are the tables\' values', () => {
  const values = T.recordTypes.map((t) => t.value);
  assert.equal(new Set(values).size, values.length);
  assert.ok(!values.includes(0), 'type 0 is never used');
  assert.deepEqual(T.recordTypes.map((t) => t.word), ['setup', 'region', 'write', 'read', 'barrier', 'notify', 'annotation', 'config', 'snapshot', 'checkpoint', 'lost', 'end']);
  for (const t of T.recordTypes) assert.equal((T as unknown as Record<string, number>)[t.name], t.value, t.name);
  assert.deepEqual(T.recordParties.map((p) => p.value), [T.RWT_PARTY_NONE, T.RWT_PARTY_FRONT, T.RWT_PARTY_BACK]);
  const names = T.traceConstants.map((c) => c.name);
  assert.equal(new Set(names).size, names.length);
});

test('pcapng fixed parts have the draft\'s offsets, derived from the field lists', () => {
  assert.deepEqual([T.SHB.byte_order_magic.offset, T.SHB.major_version.offset, T.SHB.section_length.offset, T.SHB.sizeof], [8, 12, 16, 24]);
  assert.deepEqual([T.IDB.linktype.offset, T.IDB.snaplen.offset, T.IDB.sizeof], [8, 12, 16]);
  assert.deepEqual([T.EPB.interface_id.offset, T.EPB.timestamp_high.offset, T.EPB.captured_packet_length.offset, T.EPB.sizeof], [8, 12, 20, 28]);
  assert.equal(T.RECORD_HEADER.sizeof + T.RWT_MAX_FRAGMENT_BODY, T.MAX_PACKET_BYTES);
  assert.ok(T.MAX_BLOCK_BYTES >= T.EPB.sizeof + T.MAX_PACKET_BYTES + 28);
  assert.equal(T.traceStructs.length, 5 + T.bodyStructs.length);
  assert.ok(!protocol.structDecls.some((d) => T.traceStructs.includes(d)), 'not part of the C oracle\'s structs');
});

test('fixedLayout (src/trace/layouts.ts) refuses a member that would need padding, a non-scalar member, and a wrong declared size', () => {
  const base = { kind: 'struct' as const, header: 'test', doc: 'test' };
  assert.throws(() => T.fixedLayout({ ...base, name: 'p', fields: [{ name: 'a', type: '__u8' }, { name: 'b', type: '__le32' }], expect: { x86_64: { size: 8 } } }), /padding/);
  assert.throws(() => T.fixedLayout({ ...base, name: 'q', fields: [{ name: 'a', type: 'blkif_request' }], expect: { x86_64: { size: 112 } } }), /only scalar members/);
  assert.throws(() => T.fixedLayout({ ...base, name: 'r', fields: [{ name: 'a', type: '__le32' }], expect: { x86_64: { size: 8 } } }), /derived size 4, the C compiler gives 8/);
  assert.deepEqual(T.fixedLayout({ ...base, name: 's', fields: [{ name: 'a', type: '__le16', count: 3 }, { name: 'b', type: '__u8' }, { name: 'c', type: '__u8' }], expect: { x86_64: { size: 8 } } }).b, { offset: 6, size: 1 });
  // Tail padding counts too: 7 bytes of members in a 2-aligned struct would be padded to 8.
  assert.throws(() => T.fixedLayout({ ...base, name: 't', fields: [{ name: 'a', type: '__le16', count: 3 }, { name: 'b', type: '__u8' }], expect: { x86_64: { size: 8 } } }), /padding/);
});

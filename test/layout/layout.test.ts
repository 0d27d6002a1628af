import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutOf, structNames, checkLayout, checkAllLayouts, LayoutError, protocol, codecFor } from '../../src/index.js';
import { parseAbi } from '../../src/layout/abi-name.js';
import type { StructLayout } from '../../src/index.js';

test('blkif_request: id sits at 8 on x86_64 and arm, at 4 on x86_32 (uint64_t is 4-aligned on i386)', () => {
  const x64 = layoutOf('blkif_request', { abi: 'x86_64' });
  const x32 = layoutOf('blkif_request', { abi: 'x86_32' });
  const arm = layoutOf('blkif_request', { abi: 'arm' });
  assert.equal(x64.size, 112);
  assert.equal(x32.size, 108);
  assert.equal(arm.size, 112);
  assert.equal(x64.fields.find((f) => f.name === 'id')?.offset, 8);
  assert.equal(x32.fields.find((f) => f.name === 'id')?.offset, 4);
  assert.deepEqual(x64.holes, [{ offset: 4, size: 4, before: 'id' }]);
  assert.deepEqual(x32.holes, []);
});

test('blkif_request_indirect has its i386-only pad member only on x86_32', () => {
  assert.ok(layoutOf('blkif_request_indirect', { abi: 'x86_32' }).fields.some((f) => f.name === 'pad'));
  assert.ok(!layoutOf('blkif_request_indirect', { abi: 'x86_64' }).fields.some((f) => f.name === 'pad'));
  assert.equal(layoutOf('blkif_request_indirect', { abi: 'x86_32' }).size, 64);
});

test('every declaration passes the load-time self-check on every ABI', () => {
  assert.doesNotThrow(() => checkAllLayouts());
  assert.ok(structNames().includes('netif_extra_info'));
});

test('layouts are cached and immutable', () => {
  const a = layoutOf('netif_tx_request');
  assert.equal(a, layoutOf('netif_tx_request', { abi: 'x86_64' }));
  assert.ok(Object.isFrozen(a));
});

test('unknown struct and ABI are typed errors', () => {
  assert.throws(() => layoutOf('blkif_nope'), (e: unknown) => e instanceof LayoutError && e.code === 'UNKNOWN_STRUCT' && e.received === 'blkif_nope');
  assert.throws(() => layoutOf('blkif_request', { abi: 'sparc' as never }), (e: unknown) => e instanceof LayoutError && e.code === 'UNKNOWN_ABI');
  assert.throws(() => parseAbi('ppc-abi'), (e: unknown) => e instanceof LayoutError && e.code === 'UNKNOWN_ABI');
  assert.equal(parseAbi('x86_32-abi'), 'x86_32');
  assert.equal(parseAbi('arm-abi'), 'arm');
  assert.equal(parseAbi('x86_64'), 'x86_64');
});

function tampered(l: StructLayout, change: Partial<StructLayout>): StructLayout {
  return { ...l, ...change };
}

test('self-check rejects an overlapping member, a wrong size and a moved offset', () => {
  const l = layoutOf('blkif_response', { abi: 'x86_64' });
  const overlapping = l.fields.map((f) => (f.name === 'status' ? { ...f, offset: 9 } : f));
  assert.throws(() => checkLayout(tampered(l, { fields: overlapping })), (e: unknown) => e instanceof LayoutError && e.code === 'LAYOUT_SELF_CHECK' && e.path === 'blkif_response.status');
  assert.throws(() => checkLayout(tampered(l, { size: 24, holes: [...l.holes.filter((h) => h.before !== '(end)'), { offset: 12, size: 12, before: '(end)' }] })),
    (e: unknown) => e instanceof LayoutError && e.code === 'LAYOUT_SELF_CHECK' && e.expected === 16 && e.received === 24);
  const decl = protocol.xenStructs.find((d) => d.name === 'blkif_response');
  assert.ok(decl);
  const wrongExpect = { ...decl, expect: { ...decl.expect, x86_64: { size: 16, offsets: { status: 12 } } } };
  assert.throws(() => checkLayout(tampered(l, { decl: wrongExpect })), (e: unknown) => e instanceof LayoutError && e.expected === 12 && e.received === 10);
  const noExpect = { ...decl, expect: {} };
  assert.throws(() => checkLayout(tampered(l, { decl: noExpect })), (e: unknown) => e instanceof LayoutError && /no expected size/.test((e as Error).message));
});

test('self-check rejects a union selector naming no member', () => {
  const l = layoutOf('netif_extra_info');
  const fields = l.fields.map((f) => (f.name === 'u' ? { ...f, select: { by: 'type', members: { 1: 'nope' }, fallback: 'pad' } } : f));
  assert.throws(() => checkLayout(tampered(l, { fields })), (e: unknown) => e instanceof LayoutError && /unknown member nope/.test((e as Error).message));
  const fields2 = l.fields.map((f) => (f.name === 'u' ? { ...f, select: { by: 'missing', fallback: 'pad' } } : f));
  assert.throws(() => checkLayout(tampered(l, { fields: fields2 })), (e: unknown) => e instanceof LayoutError && /not a scalar sibling/.test((e as Error).message));
  const u = l.fields.find((f) => f.name === 'u');
  assert.ok(u?.aggregate);
  const badUnion = { ...u.aggregate, fields: u.aggregate.fields.map((f, i) => (i === 1 ? { ...f, offset: 2 } : f)) };
  assert.throws(() => checkLayout(badUnion), (e: unknown) => e instanceof LayoutError && /must sit at 0/.test((e as Error).message));
});

test('a flexible array member is placed at its alignment, raises _Alignof, adds no size, and is checked', () => {
  const used = layoutOf('vring_used');
  assert.equal(used.size, 4);
  assert.equal(used.align, 4, 'ring[] of 4-aligned vring_used_elem raises the alignment');
  assert.deepEqual([used.flexible?.name, used.flexible?.offset, used.flexible?.size, used.flexible?.count, used.flexible?.elemSize], ['ring', 4, 0, 0, 8]);
  assert.ok(!used.fields.some((f) => f.name === 'ring'), 'not a fixed member: the codec neither reads nor writes it');
  assert.deepEqual(Object.keys(codecFor('vring_used').decode(new Uint8Array(4))), ['flags', 'idx']);
  const flex = used.flexible;
  assert.ok(flex);
  assert.throws(() => checkLayout(tampered(used, { flexible: { ...flex, offset: 8 } })), (e: unknown) => e instanceof LayoutError && /flexible array ring at 8 is misplaced/.test((e as Error).message));
  assert.throws(() => checkLayout(tampered(used, { align: 2 })), (e: unknown) => e instanceof LayoutError && e.expected === 4 && e.received === 2);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutOf, structNames, checkLayout, checkAllLayouts, LayoutError, protocol, codecFor } from '../../src/index.js';
import { parseAbi } from '../../src/layout/abi-name.js';
import type { StructLayout } from '../../src/index.js';
import { wireShape } from '../../src/layout/self-check.js';
import { everyAbi, type StructDecl, type UnionSelect } from '../../protocol/decl.js';

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

const selfCheckFails = (re: RegExp) => (e: unknown) => e instanceof LayoutError && e.code === 'LAYOUT_SELF_CHECK' && re.test(e.message);

/** A small, correct declaration the tests below break one way at a time. */
const good: StructDecl = {
  name: 'test_pair', kind: 'struct', header: 'test', doc: 'two members',
  fields: [{ name: 'a', type: 'uint32_t' }, { name: 'b', type: 'uint64_t' }],
  expect: { x86_64: { size: 16, offsets: { b: 8 } }, x86_32: { size: 12, offsets: { b: 4 } }, arm: { size: 16, offsets: { b: 8 } } },
};

test('the self-check passes a correct declaration and every real one, and rejects each kind of broken declaration', () => {
  // The module already ran checkAllLayouts at import; these prove the check still checks something.
  assert.doesNotThrow(() => checkAllLayouts());
  assert.doesNotThrow(() => checkAllLayouts([good]));
  assert.ok(structNames().includes('netif_extra_info'));
  // The size the C compiler gives differs from the derived one.
  assert.throws(() => checkAllLayouts([{ ...good, expect: { ...good.expect, x86_32: { size: 16 } } }]), selfCheckFails(/test_pair \(x86_32\): derived size 12, the C compiler gives 16/));
  // A key offset moved (uint64_t is 4-aligned on i386, not 8).
  assert.throws(() => checkAllLayouts([{ ...good, expect: { ...good.expect, x86_32: { size: 12, offsets: { b: 8 } } } }]), selfCheckFails(/b derived at 4, the C compiler puts it at 8/));
  // An ABI without an expectation.
  assert.throws(() => checkAllLayouts([{ ...good, expect: { x86_64: { size: 16 } } }]), selfCheckFails(/states no expected size/));
  // Anonymous members lift their members into the struct: a clash with a sibling is a C error too.
  const clash: StructDecl = { ...good, fields: [...good.fields, { name: 'anon', anonymous: true, type: { kind: 'struct', fields: [{ name: 'a', type: 'uint32_t' }] } }],
    expect: { x86_64: { size: 24 }, x86_32: { size: 16 }, arm: { size: 24 } } };
  assert.throws(() => checkAllLayouts([clash]), selfCheckFails(/member name a is declared twice/));
  // An anonymous member must be an inline aggregate.
  assert.throws(() => checkAllLayouts([{ ...good, fields: [{ name: 'x', anonymous: true, type: 'uint32_t' }] }]), selfCheckFails(/anonymous member must be an inline struct or union/));
  // A union selector naming no member, or a flags-bit mask that does not cover its keys.
  const union = (select: UnionSelect): StructDecl => ({
    name: 'test_sel', kind: 'struct', header: 'test', doc: 'a selected union',
    fields: [{ name: 'flags', type: 'uint8_t' }, { name: 'u', type: { kind: 'union', fields: [{ name: 'p', type: 'uint8_t' }, { name: 'q', type: 'uint8_t' }] }, select }],
    expect: { x86_64: { size: 2 }, x86_32: { size: 2 }, arm: { size: 2 } },
  });
  assert.doesNotThrow(() => checkAllLayouts([union({ by: 'flags', mask: 4, members: { 4: 'q' }, fallback: 'p' })]));
  assert.throws(() => checkAllLayouts([union({ by: 'flags', members: { 1: 'r' }, fallback: 'p' })]), selfCheckFails(/u selects unknown member r/));
  assert.throws(() => checkAllLayouts([union({ by: 'nope', fallback: 'p' })]), selfCheckFails(/selected by nope, which is not a scalar sibling/));
  assert.throws(() => checkAllLayouts([union({ by: 'flags', mask: 4, members: { 8: 'q' }, fallback: 'p' })]), selfCheckFails(/mask 4 is not a positive integer covering every member key/));
});

test('abiIndependent is proven: a struct so marked must derive the same wire layout on every ABI', () => {
  // good's b moves from 8 to 4 on x86_32: honest without the marker, rejected with it.
  assert.throws(() => checkAllLayouts([{ ...good, abiIndependent: true }]), selfCheckFails(/test_pair is declared abiIndependent but is laid out differently on x86_64 and x86_32/));
  const fixed: StructDecl = { ...good, fields: [{ name: 'a', type: 'uint32_t' }, { name: 'b', type: 'uint32_t' }], expect: everyAbi({ size: 8 }), abiIndependent: true };
  assert.doesNotThrow(() => checkAllLayouts([fixed]));
  // Only _Alignof may differ: vring_desc (a __virtio64 first) is 8-aligned on x86_64, 4 on i386, same bytes.
  assert.equal(layoutOf('vring_desc', { abi: 'x86_64' }).align, 8);
  assert.equal(layoutOf('vring_desc', { abi: 'x86_32' }).align, 4);
  assert.equal(wireShape(layoutOf('vring_desc', { abi: 'x86_64' })), wireShape(layoutOf('vring_desc', { abi: 'x86_32' })));
  assert.notEqual(wireShape(layoutOf('blkif_request', { abi: 'x86_64' })), wireShape(layoutOf('blkif_request', { abi: 'x86_32' })));
  const marked = protocol.structDecls.filter((d) => d.abiIndependent === true).map((d) => d.name);
  assert.ok(marked.includes('virtio_net_hdr_v1') && marked.includes('vring_desc'));
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

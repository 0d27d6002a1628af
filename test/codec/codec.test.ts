import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codecFor, decode, encode, encodeToBytes, layoutOf, toJSONValue, CodecError, describeLines, describe } from '../../src/index.js';

// Distinct-byte sentinels, so a swapped or shifted member shows at once.
const request = {
  operation: 0x01, nr_segments: 0x02, handle: 0x0403, id: 0x0c0b0a0908070605n, sector_number: 0x14131211100f0e0dn,
  seg: Array.from({ length: 11 }, (_, i) => ({ gref: 0x18171615 + i * 0x04040404, first_sect: 0x20 + i, last_sect: 0x40 + i })),
};

test('blkif_request encodes byte-exactly on x86_64 (hole zeroed) and x86_32', () => {
  const b64 = encodeToBytes(layoutOf('blkif_request', { abi: 'x86_64' }), request);
  assert.equal(b64.length, 112);
  assert.equal(Buffer.from(b64.subarray(0, 24)).toString('hex'), '0102030400000000' + '05060708090a0b0c' + '0d0e0f1011121314');
  assert.equal(Buffer.from(b64.subarray(24, 32)).toString('hex'), '1516171820400000');
  const b32 = encodeToBytes(layoutOf('blkif_request', { abi: 'x86_32' }), request);
  assert.equal(b32.length, 108);
  assert.equal(Buffer.from(b32.subarray(0, 20)).toString('hex'), '01020304' + '05060708090a0b0c' + '0d0e0f1011121314');
  assert.deepEqual(decode(layoutOf('blkif_request', { abi: 'x86_32' }), b32), request);
  assert.deepEqual(decode(layoutOf('blkif_request', { abi: 'x86_64' }), b64), request);
});

test('encode accepts 64-bit values as bigint, safe number or decimal / hex string; decode gives bigint', () => {
  const l = layoutOf('blkif_response');
  const a = encodeToBytes(l, { id: '18446744073709551615', operation: 3, status: -2 });
  const b = encodeToBytes(l, { id: 0xffffffffffffffffn, operation: '3', status: '-2' });
  const c = encodeToBytes(l, { id: '0xffffffffffffffff', operation: 3, status: -2 });
  assert.deepEqual(a, b);
  assert.deepEqual(a, c);
  assert.equal(Buffer.from(a).toString('hex'), 'ffffffffffffffff0300feff00000000');
  assert.deepEqual(decode(l, a), { id: 0xffffffffffffffffn, operation: 3, status: -2 });
  assert.deepEqual(toJSONValue(decode(l, a)), { id: '18446744073709551615', operation: 3, status: -2 });
});

test('codec, not judge: protocol-invalid values within the C type encode', () => {
  const l = layoutOf('blkif_request');
  const bytes = encodeToBytes(l, { ...request, nr_segments: 200, operation: 255 });
  assert.equal(bytes[1], 200);
  assert.equal(decode(l, bytes)['nr_segments'], 200);
});

test('netif_extra_info: the union member follows type; unknown types decode as pad', () => {
  const c = codecFor('netif_extra_info');
  const gso = { type: 1, flags: 1, u: { gso: { size: 1448, type: 1, pad: 0, features: 0x0201 } } };
  assert.equal(Buffer.from(c.encodeToBytes(gso)).toString('hex'), '0101a80501000102');
  assert.deepEqual(c.decode(c.encodeToBytes(gso)), gso);
  const mcast = { type: 3, flags: 0, u: { mcast: { addr: [1, 2, 3, 4, 5, 6] } } };
  assert.deepEqual(c.decode(c.encodeToBytes(mcast)), mcast);
  const hash = { type: 4, flags: 0, u: { hash: { type: 1, algorithm: 1, value: [0xde, 0xad, 0xbe, 0xef] } } };
  assert.deepEqual(c.decode(c.encodeToBytes(hash)), hash);
  // encode takes any member whatever the discriminant; decode then reads by the discriminant.
  const odd = c.encodeToBytes({ type: 9, flags: 0, u: { gso: { size: 0x0201, type: 3, pad: 4, features: 0x0605 } } });
  assert.deepEqual(c.decode(odd), { type: 9, flags: 0, u: { pad: [0x0201, 0x0403, 0x0605] } });
});

test('the sring header pvt union decodes as its raw pvt_pad member', () => {
  const c = codecFor('xen_sring_header');
  const bytes = new Uint8Array(64);
  bytes[16] = 7;
  assert.deepEqual(c.decode(bytes)['pvt'], { pvt_pad: [7, 0, 0, 0] });
});

test('decode and encode at a byte offset inside a larger buffer, DataView or Uint8Array', () => {
  const l = layoutOf('netif_tx_request');
  const big = new Uint8Array(100).fill(0xee);
  encode(l, { gref: 0x04030201, offset: 0x0605, flags: 0x0807, id: 0x0a09, size: 0x0c0b }, new DataView(big.buffer), 40);
  assert.equal(Buffer.from(big.subarray(40, 52)).toString('hex'), '0102030405060708090a0b0c');
  assert.equal(big[39], 0xee);
  assert.equal(big[52], 0xee);
  assert.deepEqual(decode(l, big.subarray(40, 52)), { gref: 0x04030201, offset: 0x0605, flags: 0x0807, id: 0x0a09, size: 0x0c0b });
});

function codecError(code: string, path?: string) {
  return (e: unknown) => e instanceof CodecError && e.code === code && (path === undefined || e.path === path);
}

test('bad input: short buffer, unknown member, missing member, out of range, wrong type, wrong array length', () => {
  const l = layoutOf('blkif_request');
  assert.throws(() => decode(l, new Uint8Array(111)), codecError('CODEC_SHORT_BUFFER', 'blkif_request'));
  assert.throws(() => decode(l, new Uint8Array(200), 100), (e: unknown) => e instanceof CodecError && e.offset === 100 && e.expected === 112 && e.received === 100);
  assert.throws(() => decode(l, new Uint8Array(200), -1), codecError('CODEC_SHORT_BUFFER'));
  assert.throws(() => encode(l, request, new Uint8Array(50)), codecError('CODEC_SHORT_BUFFER'));
  // An offset that is not a whole byte index is refused before a byte is written, by encode and a typed codec
  // alike (a DataView would truncate 1.5 to 1 and NaN to 0).
  const typed = codecFor('blkif_request');
  for (const off of [1.5, Number.NaN, -1, 2 ** 40]) {
    const buf = new Uint8Array(300);
    assert.throws(() => encode(l, request, buf, off), codecError('CODEC_SHORT_BUFFER'), `encode at ${off}`);
    assert.throws(() => typed.encode(request as never, buf, off), codecError('CODEC_SHORT_BUFFER'), `codec encode at ${off}`);
    assert.deepEqual(buf, new Uint8Array(300));
  }
  assert.throws(() => encodeToBytes(l, { ...request, bogus: 1 }), codecError('CODEC_UNKNOWN_FIELD', 'blkif_request.bogus'));
  const { handle: _h, ...noHandle } = request;
  assert.throws(() => encodeToBytes(l, noHandle), codecError('CODEC_MISSING_FIELD', 'blkif_request.handle'));
  const seg = request.seg.map((s, i) => (i === 3 ? { ...s, last_sect: 256 } : s));
  assert.throws(() => encodeToBytes(l, { ...request, seg }), (e: unknown) => e instanceof CodecError && e.code === 'CODEC_OUT_OF_RANGE'
    && e.path === 'blkif_request.seg[3].last_sect' && e.expected === '0..255' && e.received === 256n);
  assert.throws(() => encodeToBytes(l, { ...request, id: -1 }), codecError('CODEC_OUT_OF_RANGE', 'blkif_request.id'));
  assert.throws(() => encodeToBytes(l, { ...request, id: 2n ** 64n }), codecError('CODEC_OUT_OF_RANGE', 'blkif_request.id'));
  assert.throws(() => encodeToBytes(layoutOf('blkif_response'), { id: 1, operation: 1, status: -32769 }), codecError('CODEC_OUT_OF_RANGE', 'blkif_response.status'));
  assert.throws(() => encodeToBytes(l, { ...request, handle: 1.5 }), codecError('CODEC_BAD_TYPE', 'blkif_request.handle'));
  assert.throws(() => encodeToBytes(l, { ...request, handle: 'x1' }), codecError('CODEC_BAD_TYPE', 'blkif_request.handle'));
  assert.throws(() => encodeToBytes(l, { ...request, handle: null }), codecError('CODEC_BAD_TYPE'));
  assert.throws(() => encodeToBytes(l, { ...request, seg: request.seg.slice(1) }), codecError('CODEC_BAD_TYPE', 'blkif_request.seg'));
  assert.throws(() => encodeToBytes(l, { ...request, seg: 5 }), codecError('CODEC_BAD_TYPE', 'blkif_request.seg'));
  assert.throws(() => encodeToBytes(l, [1, 2]), codecError('CODEC_BAD_TYPE', 'blkif_request'));
  assert.throws(() => encodeToBytes(l, { ...request, seg: request.seg.map((s, i) => (i === 0 ? 7 : s)) }), codecError('CODEC_BAD_TYPE', 'blkif_request.seg[0]'));
});

test('bad union input: zero or two members, or an unknown one', () => {
  const l = layoutOf('netif_extra_info');
  assert.throws(() => encodeToBytes(l, { type: 1, flags: 0, u: {} }), codecError('CODEC_UNION_MEMBER', 'netif_extra_info.u'));
  assert.throws(() => encodeToBytes(l, { type: 1, flags: 0, u: { pad: [0, 0, 0], mcast: { addr: [0, 0, 0, 0, 0, 0] } } }), codecError('CODEC_UNION_MEMBER', 'netif_extra_info.u'));
  assert.throws(() => encodeToBytes(l, { type: 1, flags: 0, u: { nope: 1 } }), codecError('CODEC_UNKNOWN_FIELD', 'netif_extra_info.u.nope'));
});

test('a rejected encode leaves the target buffer byte-identical', () => {
  const l = layoutOf('blkif_request');
  const buf = new Uint8Array(112).fill(0x5a);
  const seg = request.seg.map((s, i) => (i === 10 ? { ...s, gref: 2 ** 32 } : s));
  assert.throws(() => encode(l, { ...request, seg }, buf));
  assert.ok(buf.every((b) => b === 0x5a));
});

test('describe lists every leaf with offset, size, type and bytes, and flags non-zero padding', () => {
  const l = layoutOf('blkif_request');
  const bytes = encodeToBytes(l, request);
  const lines = describeLines(l, bytes);
  assert.equal(lines.filter((d) => d.path.startsWith('seg[')).length, 33);
  const id = lines.find((d) => d.path === 'id');
  assert.deepEqual(id && { offset: id.offset, size: id.size, type: id.type, hex: id.hex, value: id.value }, { offset: 8, size: 8, type: 'uint64_t', hex: '05060708090a0b0c', value: 0x0c0b0a0908070605n });
  assert.equal(lines.find((d) => d.path === 'seg[3].last_sect')?.offset, 24 + 3 * 8 + 5);
  assert.ok(lines.every((d) => d.nonZeroPadding === undefined));
  bytes[5] = 1;
  const hole = describeLines(l, bytes).find((d) => d.path === '(hole)' && d.offset === 4);
  assert.equal(hole?.nonZeroPadding, true);
  assert.match(describe(l, bytes), /NON-ZERO PADDING/);
  assert.match(describe(l, bytes), /seg\[10\]\.last_sect\s+74 \(0x4a\)/);
  const gso = codecFor('netif_extra_info').describe(codecFor('netif_extra_info').encodeToBytes({ type: 1, flags: 0, u: { gso: { size: 9000, type: 2, pad: 0, features: 0 } } }));
  assert.match(gso, /u\.gso\.size\s+9000/);
});

test('encode over a dirty buffer writes every hole and unused union byte as zero', () => {
  for (const abi of ['x86_64', 'x86_32'] as const) {
    const l = layoutOf('blkif_request', { abi });
    const dirty = new Uint8Array(l.size).fill(0xff);
    encode(l, request, dirty);
    assert.deepEqual(dirty, encodeToBytes(l, request), abi);
    // seg[i] has 2 bytes of tail padding on every ABI; x86_64 has a 4-byte hole before id.
    assert.equal(dirty[l.fields[5]!.offset + 6], 0);
    assert.equal(dirty[l.fields[5]!.offset + 7], 0);
  }
  const x = layoutOf('netif_extra_info');
  const dirty = new Uint8Array(8).fill(0xff);
  encode(x, { type: 2, flags: 0, u: { hash: { type: 1, algorithm: 1, value: [1, 2, 3, 4] } } }, dirty);
  assert.equal(Buffer.from(dirty).toString('hex'), '0200010101020304');
  const partial = new Uint8Array(8).fill(0xff);
  encode(layoutOf('xen_netif_gref'), { ref: 1, flags: 2, status: 3 }, partial);
  assert.equal(Buffer.from(partial).toString('hex'), '0100000002000300');
});

test('a typed codec checks every member at run time but leaves extra members to the type checker', () => {
  const l = layoutOf('blkif_request');
  const c = codecFor('blkif_request');
  const withExtra = { ...request, bogus: 1 } as unknown as Parameters<typeof c.encodeToBytes>[0];
  const a = new Uint8Array(l.size);
  c.encode(withExtra, a, 0);
  assert.deepEqual(a, encodeToBytes(l, request), 'the extra member is ignored, the rest encoded');
  assert.throws(() => encode(l, withExtra, new Uint8Array(l.size)), codecError('CODEC_UNKNOWN_FIELD', 'blkif_request.bogus'));
  // Presence, type and range are still checked, with the same precise errors, and nothing is written.
  const b = new Uint8Array(l.size).fill(0xee);
  const { handle: _h, ...noHandle } = request;
  assert.throws(() => c.encode(noHandle as unknown as Parameters<typeof c.encodeToBytes>[0], b, 0), codecError('CODEC_MISSING_FIELD', 'blkif_request.handle'));
  assert.throws(() => c.encode({ ...request, nr_segments: 256 } as unknown as Parameters<typeof c.encodeToBytes>[0], b, 0), codecError('CODEC_OUT_OF_RANGE', 'blkif_request.nr_segments'));
  assert.ok(b.every((x) => x === 0xee));
});

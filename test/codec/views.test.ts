import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutOf, fieldView, numberField, bigField, elementField, encodeToBytes, resolvePath, LayoutError, codecFor } from '../../src/index.js';

const l32 = layoutOf('blkif_request', { abi: 'x86_32' });
const l64 = layoutOf('blkif_request', { abi: 'x86_64' });

test('field views read and write in place at the ABI offset', () => {
  const buf = new Uint8Array(300);
  const dv = new DataView(buf.buffer);
  const id32 = bigField(l32, 'id');
  const id64 = bigField(l64, 'id');
  assert.equal(id32.offset, 4);
  assert.equal(id64.offset, 8);
  id64.set(dv, 100, 0x0807060504030201n);
  assert.equal(Buffer.from(buf.subarray(108, 116)).toString('hex'), '0102030405060708');
  assert.equal(id64.get(dv, 100), 0x0807060504030201n);
  const gref = numberField(l64, 'seg[3].gref');
  assert.equal(gref.offset, 24 + 24);
  gref.set(dv, 0, 0xdeadbeef);
  assert.equal(dv.getUint32(48, true), 0xdeadbeef);
  assert.equal(fieldView(l64, 'seg[3].gref').get(dv, 0), 0xdeadbeef);
  const status = numberField(layoutOf('blkif_response'), 'status');
  status.set(dv, 0, -2);
  assert.equal(status.get(dv, 0), -2);
});

test('element views index arrays and arrays of structs, bounds-checked', () => {
  const req = { operation: 0, nr_segments: 0, handle: 0, id: 0, sector_number: 0, seg: Array.from({ length: 11 }, (_, i) => ({ gref: 1000 + i, first_sect: i, last_sect: 7 })) };
  const bytes = encodeToBytes(l32, req);
  const dv = new DataView(bytes.buffer);
  const gref = elementField(l32, 'seg', 'gref');
  assert.equal(gref.count, 11);
  assert.equal(gref.stride, 8);
  assert.equal(gref.at(dv, 0, 10), 1010);
  assert.throws(() => gref.at(dv, 0, 11), (e: unknown) => e instanceof LayoutError && e.index === 11);
  assert.throws(() => gref.at(dv, 0, -1), LayoutError);
  const ind = layoutOf('blkif_request_indirect');
  const grefs = elementField(ind, 'indirect_grefs');
  const ib = codecFor('blkif_request_indirect').encodeToBytes({ operation: 6, indirect_op: 0, nr_segments: 1, id: 1n, sector_number: 0n, handle: 0, indirect_grefs: [1, 2, 3, 4, 5, 6, 7, 8] });
  assert.equal(grefs.at(new DataView(ib.buffer), 0, 7), 8);
  assert.throws(() => elementField(ind, 'id'), (e: unknown) => e instanceof LayoutError && e.code === 'UNKNOWN_FIELD_PATH');
});

test('signed and 8-bit views', () => {
  const dv = new DataView(new ArrayBuffer(16));
  const op = numberField(layoutOf('blkif_response'), 'operation');
  op.set(dv, 0, 200);
  assert.equal(op.get(dv, 0), 200);
  const st = numberField(layoutOf('netif_rx_response'), 'status');
  st.set(dv, 0, -1);
  assert.equal(dv.getUint16(6, true), 0xffff);
  assert.equal(st.get(dv, 0), -1);
});

test('bad paths are typed errors', () => {
  for (const p of ['nope', 'seg[11].gref', 'seg.gref', 'seg[1]', 'id.x', '', 'seg[-1].gref']) {
    assert.throws(() => resolvePath(l64, p), (e: unknown) => e instanceof LayoutError && e.code === 'UNKNOWN_FIELD_PATH', p);
  }
  assert.throws(() => numberField(l64, 'id'), LayoutError);
  assert.throws(() => bigField(l64, 'handle'), LayoutError);
  assert.equal(resolvePath(layoutOf('netif_extra_info'), 'u.gso.features').offset, 6);
});

test('dataViewOf gives one cached DataView over exactly a Uint8Array\'s bytes', async () => {
  const { dataViewOf } = await import('../../src/index.js');
  const big = new Uint8Array(64);
  const part = big.subarray(16, 32);
  const dv = dataViewOf(part);
  assert.equal(dv, dataViewOf(part));
  assert.equal(dv.byteOffset, 16);
  assert.equal(dv.byteLength, 16);
  numberField(layoutOf('netif_tx_request'), 'size').set(dv, 0, 0x0201);
  assert.deepEqual([big[26], big[27]], [1, 2]);
  assert.equal(dataViewOf(dv), dv);
});

test('read/write take a Uint8Array (at its own byteOffset) or a DataView', () => {
  const big = new Uint8Array(256);
  const slot = big.subarray(100, 100 + 112);
  const id = bigField(l64, 'id');
  const nr = numberField(l64, 'nr_segments');
  id.write(slot, 0, 0x0102030405060708n);
  nr.write(slot, 0, 11);
  assert.equal(big[108], 0x08, 'little-endian, at the subarray\'s offset');
  assert.equal(big[101], 11);
  assert.equal(id.read(slot, 0), 0x0102030405060708n);
  assert.equal(id.read(new DataView(big.buffer), 100), 0x0102030405060708n);
  assert.equal(nr.read(big, 100), 11);
  assert.throws(() => nr.read(slot, 112), RangeError, 'reads stay inside the array');
});

test('64-bit members without BigInt: number accessors exact within ±(2^53 - 1), 32-bit halves, every byte order', async () => {
  const { compileDecl } = await import('../../src/layout/compile.js');
  const { pcapng_shb } = await import('../../protocol/trace/pcapng.js');
  const dv = new DataView(new ArrayBuffer(64));
  const cases: [ReturnType<typeof bigField>, boolean][] = [
    [bigField(layoutOf('vring_desc'), 'addr'), false],
    [bigField(layoutOf('vring_desc', { byteOrder: 'big' }), 'addr'), false],
    [bigField(compileDecl(pcapng_shb), 'section_length'), true],
  ];
  const values = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 0x1f_ffff_ffff_ffffn, 0x20_0000_0000_0000n, 0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0x0807_0605_0403_0201n,
    // As signed: -(2^32 + 5) and -(2^53 - 1), negative values whose low half is not all ones.
    0xffff_fffe_ffff_fffbn, 0xffe0_0000_0000_0001n];
  for (const [f, signed] of cases) {
    for (const u of values) {
      const v = signed ? BigInt.asIntN(64, u) : u;
      f.set(dv, 8, v);
      assert.equal(f.getLo(dv, 8), Number(u & 0xffff_ffffn));
      assert.equal(f.getHi(dv, 8), Number(u >> 32n));
      dv.setBigUint64(8, 0n);
      f.setHalves(dv, 8, Number(u & 0xffff_ffffn), Number(u >> 32n));
      assert.equal(f.get(dv, 8), v, `setHalves ${v}`);
      const safe = v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER);
      if (safe) {
        assert.equal(f.getNumber(dv, 8), Number(v), `${v}`);
        dv.setBigUint64(8, 0n);
        f.setNumber(dv, 8, Number(v));
        assert.equal(f.get(dv, 8), v, `setNumber ${v}`);
      } else {
        assert.throws(() => f.getNumber(dv, 8), (e: unknown) => (e as { code?: string }).code === 'CODEC_UNSAFE_INTEGER', `${v}`);
      }
    }
    assert.throws(() => f.setNumber(dv, 8, 2 ** 53), (e: unknown) => (e as { code?: string }).code === 'CODEC_UNSAFE_INTEGER');
    assert.throws(() => f.setNumber(dv, 8, 1.5), (e: unknown) => (e as { code?: string }).code === 'CODEC_UNSAFE_INTEGER');
    if (!signed) assert.throws(() => f.setNumber(dv, 8, -1), (e: unknown) => (e as { code?: string }).code === 'CODEC_OUT_OF_RANGE');
  }
  // The smallest signed value a number holds exactly, and one below it.
  const sl = bigField(compileDecl(pcapng_shb), 'section_length');
  sl.set(dv, 0, -(2n ** 53n) + 1n);
  assert.equal(sl.getNumber(dv, 0), -(2 ** 53) + 1);
  sl.set(dv, 0, -(2n ** 53n));
  assert.throws(() => sl.getNumber(dv, 0), (e: unknown) => (e as { code?: string }).code === 'CODEC_UNSAFE_INTEGER');
});

test('decodeInto refills a record in place, equal to a fresh decode; a reshaped target is refilled whole', async () => {
  const { decodeInto, decode } = await import('../../src/index.js');
  const a = { operation: 1, nr_segments: 2, handle: 7, id: 0x0102030405060708n, sector_number: 99n, seg: Array.from({ length: 11 }, (_, i) => ({ gref: 10 + i, first_sect: 0, last_sect: 7 })) };
  const b = { ...a, operation: 0, id: 5n, seg: a.seg.map((s, i) => ({ ...s, gref: 500 + i, first_sect: i % 8 })) };
  const buf = new Uint8Array(2 * l64.size);
  encodeToBytes(l64, a);
  buf.set(encodeToBytes(l64, a), 0);
  buf.set(encodeToBytes(l64, b), l64.size);
  const target = decode(l64, buf, 0);
  const seg = target['seg'];
  assert.equal(decodeInto(l64, buf, l64.size, target), target);
  assert.deepEqual(target, decode(l64, buf, l64.size));
  assert.equal(target['seg'], seg, 'the same arrays are refilled');
  decodeInto(l64, buf, 0, target);
  assert.deepEqual(target, decode(l64, buf, 0));
  // A target whose segment array was replaced by something shorter, and an empty object: refilled whole.
  (target as Record<string, unknown>)['seg'] = [];
  assert.deepEqual(decodeInto(l64, buf, l64.size, target), decode(l64, buf, l64.size));
  assert.deepEqual(decodeInto(l64, buf, 0, {}), decode(l64, buf, 0));
  // Bounds are checked as decode checks them.
  assert.throws(() => decodeInto(l64, buf, l64.size + 1, target), (e: unknown) => (e as { code?: string }).code === 'CODEC_SHORT_BUFFER');
  // A union layout takes the generic path.
  const hdr = layoutOf('virtio_net_hdr_v1');
  const h = new Uint8Array(hdr.size);
  h[0] = 1;
  assert.deepEqual(decodeInto(hdr, h, 0, {}), decode(hdr, h, 0));
  // Through a codec.
  const c = codecFor('blkif_request', { abi: 'x86_64' });
  const r = c.decode(buf, 0);
  assert.equal(c.decodeInto(buf, l64.size, r).id, 5n);
});

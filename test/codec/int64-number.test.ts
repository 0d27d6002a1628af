/**
 * Decoding with 64-bit members as numbers (`codecFor(name, { int64: 'number' })`) and the generated
 * decoders: every declared struct, on every ABI and in both virtio byte orders, decodes from random bytes to
 * the values describe's generic walk reads member by member (so the merged loads of small members sharing a
 * word split them right); number mode gives the same values as numbers, or CODEC_UNSAFE_INTEGER naming the
 * first member beyond ±(2^53 - 1) with the target untouched; decodeInto refills the target's own arrays and
 * nested records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codecFor, decode, decodeInto, describeLines, layoutOf, structNames, CodecError, type Decoded, type DecodedRecord } from '../../src/index.js';
import { compileDecl } from '../../src/layout/compile.js';
import type { StructLayout } from '../../src/layout/layout.js';
import { rng, seedFromEnv } from '../virtio/rng.js';

const seed = seedFromEnv(0x1264);
const abis = ['x86_64', 'x86_32', 'arm'] as const;

/** path → value of every scalar of a decoded record, paths as describe writes them (`seg[3].last_sect`). */
function leaves(v: Decoded, path: string, out: Map<string, number | bigint>): Map<string, number | bigint> {
  if (typeof v === 'number' || typeof v === 'bigint') out.set(path, v);
  else if (Array.isArray(v)) v.forEach((e, i) => leaves(e, `${path}[${i}]`, out));
  else for (const [k, e] of Object.entries(v)) leaves(e, path === '' ? k : `${path}.${k}`, out);
  return out;
}

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** Random bytes for `l`, its 64-bit members (found through describe) made to fit a number unless `wide`. */
function randomRecord(l: StructLayout, rand: () => number, wide: boolean): Uint8Array {
  const b = new Uint8Array(l.size);
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
  if (!wide) {
    for (const line of describeLines(l, b)) {
      if (line.size !== 8 || typeof line.value !== 'bigint') continue;
      // The high 11 bits of the value equal to its sign bit: the value lies within ±2^53.
      const le = b[line.offset] === Number(BigInt.asUintN(8, line.value));
      const top = le ? line.offset + 7 : line.offset;
      const next = le ? line.offset + 6 : line.offset + 1;
      const neg = line.type.startsWith('int') && rand() < 0.5;
      b[top] = neg ? 0xff : 0;
      b[next] = neg ? (b[next] as number) | 0xe0 : (b[next] as number) & 0x1f;
    }
  }
  return b;
}

test(`generated decoders read every struct as the generic walk does: every ABI, both byte orders, bigint and number (seed ${seed})`, () => {
  const rand = rng(seed);
  let numbers = 0;
  let refused = 0;
  for (const name of structNames()) {
    for (const abi of abis) {
      for (const byteOrder of ['little', 'big'] as const) {
        const l = layoutOf(name, { abi, byteOrder });
        const num = codecFor(name, { abi, byteOrder, int64: 'number' });
        for (let k = 0; k < 6; k++) {
          const b = randomRecord(l, rand, k % 3 === 2);
          const want = new Map<string, number | bigint>();
          for (const line of describeLines(l, b)) if (line.value !== undefined) want.set(line.path, line.value);
          const big = decode(l, b);
          assert.deepEqual(leaves(big, '', new Map()), want, `${name} ${abi} ${byteOrder}`);
          // decodeInto from a 4-aligned start (read as 32-bit words) and from an odd one (DataView), into a reused record.
          const padded = new Uint8Array(b.length + 8);
          const typed = codecFor(name, { abi, byteOrder });
          const reused = typed.decode(b);
          for (const at of [4, 1]) {
            padded.fill(0xa5);
            padded.set(b, at);
            assert.deepEqual(typed.decodeInto(padded, at, reused), big, `${name} ${abi} ${byteOrder} decodeInto at ${at}`);
          }
          const unsafe = [...want].find(([, v]) => typeof v === 'bigint' && (v > MAX || v < -MAX));
          if (unsafe === undefined) {
            const asNumbers = new Map([...want].map(([p, v]) => [p, Number(v)]));
            const got = num.decode(b);
            assert.deepEqual(leaves(got, '', new Map()), asNumbers, `${name} ${abi} ${byteOrder}, number mode`);
            const reusedNum = num.decode(b);
            for (const at of [4, 1]) {
              padded.fill(0x5a);
              padded.set(b, at);
              assert.deepEqual(num.decodeInto(padded, at, reusedNum), got, `${name} ${abi} ${byteOrder} number decodeInto at ${at}`);
            }
            assert.deepEqual(leaves(decode(l, b, 0, 'number'), '', new Map()), asNumbers);
            numbers++;
          } else {
            assert.throws(() => num.decode(b), (e: unknown) => e instanceof CodecError && e.code === 'CODEC_UNSAFE_INTEGER' &&
              e.path === `${name}.${unsafe[0]}` && e.received === String(unsafe[1]), `${name} ${abi} ${byteOrder}: ${unsafe[0]}`);
            for (const at of [4, 1]) {
              padded.set(b, at);
              assert.throws(() => num.decodeInto(padded, at, {} as never), { code: 'CODEC_UNSAFE_INTEGER', path: `${name}.${unsafe[0]}` });
            }
            refused++;
          }
        }
      }
    }
  }
  assert.ok(numbers > 100 && refused > 10, `${numbers} decoded in number mode, ${refused} refused`);
});

test('number mode at the edges: 2^53 - 1 exact, 2^53 refused; signed members down to -(2^53 - 1), in either byte order', () => {
  const blk = codecFor('blkif_request', { int64: 'number' });
  const dv = new DataView(new ArrayBuffer(blk.size));
  for (const v of [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, MAX]) {
    dv.setBigUint64(8, v, true);
    dv.setBigUint64(16, MAX - v, true);
    const r = blk.decode(dv);
    assert.equal(r.id, Number(v));
    assert.equal(r.sector_number, Number(MAX - v));
  }
  for (const v of [MAX + 1n, 1n << 63n, (1n << 64n) - 1n]) {
    dv.setBigUint64(8, 0n, true);
    dv.setBigUint64(16, v, true);
    assert.throws(() => blk.decode(dv), { code: 'CODEC_UNSAFE_INTEGER', path: 'blkif_request.sector_number', offset: 16, received: String(v) });
  }
  // A signed 64-bit member (none is declared in protocol/ yet): a declaration compiled for the test.
  const decl = {
    name: 'int64_probe', kind: 'struct', header: 'test', doc: 'signed members', expect: {},
    fields: [{ name: 'a', type: 'int64_t' }, { name: 'b', type: 'int8_t' }, { name: 'c', type: 'uint8_t' }, { name: 'd', type: 'int16_t' }, { name: 'e', type: 'int32_t' }],
  } as const;
  const l = compileDecl(decl as never);
  const pv = new DataView(new ArrayBuffer(l.size));
  for (const v of [-1n, -MAX, MAX, -(1n << 32n), -(1n << 32n) + 1n, -(MAX + 1n) + (1n << 32n)]) {
    pv.setBigInt64(0, v, true);
    pv.setInt8(8, -5); pv.setUint8(9, 250); pv.setInt16(10, -12345, true); pv.setInt32(12, -7, true);
    assert.deepEqual(decode(l, pv, 0, 'number'), { a: Number(v), b: -5, c: 250, d: -12345, e: -7 }, `${v}`);
    assert.deepEqual(decode(l, pv), { a: v, b: -5, c: 250, d: -12345, e: -7 });
  }
  for (const v of [-(MAX + 1n), -(1n << 63n), MAX + 1n]) {
    pv.setBigInt64(0, v, true);
    assert.throws(() => decode(l, pv, 0, 'number'), { code: 'CODEC_UNSAFE_INTEGER', path: 'int64_probe.a', received: String(v) });
  }
  // Big-endian 64-bit members (legacy virtio on a big-endian guest).
  const desc = codecFor('vring_desc', { byteOrder: 'big', int64: 'number' });
  const d = new DataView(new ArrayBuffer(desc.size));
  d.setBigUint64(0, MAX, false);
  d.setUint32(8, 0x01020304, false);
  d.setUint16(12, 0x0506, false);
  d.setUint16(14, 0x0708, false);
  assert.deepEqual(desc.decode(d), { addr: Number(MAX), len: 0x01020304, flags: 0x0506, next: 0x0708 });
  d.setBigUint64(0, MAX + 1n, false);
  assert.throws(() => desc.decode(d), { code: 'CODEC_UNSAFE_INTEGER', path: 'vring_desc.addr', offset: 0 });
});

test(`decodeInto refills the target's own arrays and records, equals decode, and leaves the target untouched on refusal (seed ${seed})`, () => {
  const rand = rng(seed + 1);
  for (const abi of abis) {
    const blk = codecFor('blkif_request', { abi, int64: 'number' });
    const big = codecFor('blkif_request', { abi });
    const l = layoutOf('blkif_request', { abi });
    const slots = 16;
    const ring = new Uint8Array(slots * blk.size);
    for (let i = 0; i < slots; i++) ring.set(randomRecord(l, rand, false), i * blk.size);
    const t = blk.decode(ring, 0);
    const tb = big.decode(ring, 0);
    const seg = t.seg;
    const seg3 = t.seg[3];
    for (let i = 0; i < 3 * slots; i++) {
      const at = (i % slots) * blk.size;
      assert.equal(blk.decodeInto(ring, at, t), t);
      assert.deepEqual(t, blk.decode(ring, at));
      assert.equal(t.seg, seg, 'the same array');
      assert.equal(t.seg[3], seg3, 'the same segment record');
      assert.deepEqual(decodeInto(l, ring, at, tb as unknown as DecodedRecord), big.decode(ring, at), 'bigint mode (free function)');
      assert.deepEqual(decodeInto(l, ring, at, {} as DecodedRecord, 'number'), blk.decode(ring, at), 'an empty target is filled afresh');
    }
    // DataViews at other byte offsets of one buffer (4-aligned or not), in turn: each reads its own window.
    const span = ring.length + 16;
    const mem = new Uint8Array(5 * span);
    const views = [0, 4, 8, 2, 1].map((shift, k) => {
      for (let j = 0; j < 3; j++) mem.set(randomRecord(l, rand, false), k * span + shift + j * blk.size);
      return new DataView(mem.buffer, k * span + shift, ring.length);
    });
    for (let i = 0; i < 40; i++) {
      const v = views[i % views.length]!;
      const at = (i % 3) * blk.size;
      // decode builds a new record with DataView reads: the reference for the refill.
      assert.deepEqual(blk.decodeInto(v, at, t), decode(l, v, at, 'number'), `view at ${v.byteOffset}, offset ${at}`);
    }
    // Refused: a 64-bit member beyond 2^53 - 1; the target keeps every value and object it had.
    const before = structuredClone(t);
    const bad = randomRecord(l, rand, false);
    new DataView(bad.buffer).setBigUint64(l.fields.find((f) => f.name === 'sector_number')!.offset, MAX + 1n, true);
    assert.throws(() => blk.decodeInto(bad, 0, t), { code: 'CODEC_UNSAFE_INTEGER', path: 'blkif_request.sector_number' });
    assert.deepEqual(t, before);
    assert.equal(t.seg, seg);
    // A target of another shape is filled afresh; short buffers and bad offsets are refused as by decode.
    const odd = { ...blk.decode(ring, 0), seg: [] } as unknown as typeof t;
    assert.deepEqual(blk.decodeInto(ring, blk.size, odd), blk.decode(ring, blk.size));
    const frozen = blk.decode(ring, 0);
    Object.freeze(frozen.seg[2]);
    assert.deepEqual(blk.decodeInto(ring, blk.size, frozen), blk.decode(ring, blk.size), 'a frozen segment is replaced');
    assert.throws(() => blk.decodeInto(ring, ring.length - 4, t), { code: 'CODEC_SHORT_BUFFER' });
    assert.throws(() => blk.decodeInto(ring, 1.5, t), { code: 'CODEC_SHORT_BUFFER' });
    assert.throws(() => blk.decodeInto(ring, -1, t), { code: 'CODEC_SHORT_BUFFER' });
  }
});

test('number mode encodes numbers, and an unknown int64 mode is refused (CODEC_BAD_OPTION)', () => {
  const num = codecFor('blkif_response', { int64: 'number' });
  assert.equal(num.int64, 'number');
  assert.equal(codecFor('blkif_response').int64, 'bigint');
  const bytes = num.encodeToBytes({ id: 2 ** 53 - 1, operation: 1, status: -1 });
  assert.deepEqual(num.decode(bytes), { id: 2 ** 53 - 1, operation: 1, status: -1 });
  assert.equal(codecFor('blkif_response').decode(bytes).id, MAX);
  assert.notEqual(codecFor('blkif_response', { int64: 'number' }), codecFor('blkif_response'), 'one codec per mode');
  assert.equal(codecFor('blkif_response', { int64: 'number' }), num, 'cached');
  assert.throws(() => codecFor('blkif_response', { int64: 'Number' as never }), { code: 'CODEC_BAD_OPTION', path: 'blkif_response' });
});

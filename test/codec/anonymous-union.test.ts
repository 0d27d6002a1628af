/**
 * virtio_net_hdr_v1's anonymous union (linux/virtio_net.h): `union { struct { csum_start; csum_offset; };
 * struct { start; offset; } csum; struct { segments; dup_acks; } rsc; }`. Every member the header names is
 * reachable by that name; decode picks the alternative by VIRTIO_NET_HDR_F_RSC_INFO (virtio 1.2 §5.1.6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codecFor, layoutOf, fieldView, resolvePath, describeLines, CodecError, LayoutError } from '../../src/index.js';
import { layoutJson, layoutTable } from '../../src/cli/layout-table.js';

const base = { flags: 0x01, gso_type: 0x02, hdr_len: 0x0403, gso_size: 0x0605, num_buffers: 0x0c0b };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('every member path the header names resolves to the offset gcc gives (6 and 8), through the anonymous members', () => {
  const l = layoutOf('virtio_net_hdr_v1');
  const at = (p: string) => fieldView(l, p).offset;
  assert.deepEqual(['csum_start', 'csum_offset', 'csum.start', 'csum.offset', 'rsc.segments', 'rsc.dup_acks', 'num_buffers'].map(at), [6, 8, 6, 8, 6, 8, 10]);
  const h = layoutOf('virtio_net_hdr_v1_hash');
  assert.deepEqual(['hdr.csum_start', 'hdr.csum.offset', 'hdr.rsc.dup_acks', 'hash_value'].map((p) => fieldView(h, p).offset), [6, 8, 8, 12]);
  // rsc's members are __le16 even on a legacy big-endian queue; csum_start is __virtio16.
  const be = layoutOf('virtio_net_hdr_v1', { byteOrder: 'big' });
  assert.equal(resolvePath(be, 'rsc.segments').leaf.littleEndian, true);
  assert.equal(resolvePath(be, 'csum_start').leaf.littleEndian, false);
  // The declaration's labels for the anonymous members are not C names: no path reaches them.
  for (const p of ['csum_or_rsc', 'csum_fields', 'csum_or_rsc.rsc.segments', 'csum_fields.csum_start']) {
    assert.throws(() => fieldView(l, p), (e: unknown) => e instanceof LayoutError && e.code === 'UNKNOWN_FIELD_PATH', p);
  }
});

test('decode shows csum_start/csum_offset unless VIRTIO_NET_HDR_F_RSC_INFO is set, then rsc', () => {
  const c = codecFor('virtio_net_hdr_v1');
  const bytes = Uint8Array.from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c]);
  assert.deepEqual(c.decode(bytes), { ...base, csum_start: 0x0807, csum_offset: 0x0a09 });
  bytes[0] = 0x04 | 0x02; // RSC_INFO | DATA_VALID
  assert.deepEqual(c.decode(bytes), { ...base, flags: 6, rsc: { segments: 0x0807, dup_acks: 0x0a09 } });
  // Nested: the hash header's hdr follows the same rule.
  const h = codecFor('virtio_net_hdr_v1_hash');
  const hb = new Uint8Array(20);
  hb.set(bytes);
  assert.deepEqual(h.decode(hb)['hdr'], { ...base, flags: 6, rsc: { segments: 0x0807, dup_acks: 0x0a09 } });
  // Legacy big-endian queue: csum_start is __virtio16 (big), rsc.segments is __le16 (little), same bytes.
  const be = codecFor('virtio_net_hdr_v1', { byteOrder: 'big' });
  const r = be.decode(bytes);
  assert.ok('rsc' in r);
  assert.equal(r.rsc.segments, 0x0807);
  bytes[0] = 0x01;
  const cs = be.decode(bytes);
  assert.ok('csum_start' in cs);
  assert.equal(cs.csum_start, 0x0708);
});

test('encode takes exactly one alternative, under any of its C names, and writes the same four bytes', () => {
  const c = codecFor('virtio_net_hdr_v1');
  const anon = c.encodeToBytes({ ...base, csum_start: 0x0807, csum_offset: 0x0a09 });
  assert.equal(hex(anon), '010203040506070809' + '0a0b0c');
  assert.equal(hex(c.encodeToBytes({ ...base, csum: { start: 0x0807, offset: 0x0a09 } })), hex(anon));
  const rsc = c.encodeToBytes({ ...base, flags: 4, rsc: { segments: 0x0807, dup_acks: 0x0a09 } });
  assert.equal(hex(rsc), '040203040506070809' + '0a0b0c');
  assert.deepEqual(c.decode(rsc), { ...base, flags: 4, rsc: { segments: 0x0807, dup_acks: 0x0a09 } });

  const target = new Uint8Array(12).fill(0xee);
  const untyped = codecFor('virtio_net_hdr_v1' as string); // the values below are wrong on purpose
  const rejects = (value: Record<string, unknown>, code: string, re: RegExp) => {
    assert.throws(() => untyped.encode(value, target), (e: unknown) => e instanceof CodecError && e.code === code && re.test(e.message), JSON.stringify(value));
    assert.ok(target.every((b) => b === 0xee), 'a rejected encode writes nothing');
  };
  rejects({ ...base }, 'CODEC_UNION_MEMBER', /exactly one of csum_start\+csum_offset, csum, rsc; received none/);
  rejects({ ...base, csum_start: 1, csum_offset: 2, rsc: { segments: 1, dup_acks: 2 } }, 'CODEC_UNION_MEMBER', /received csum_start\+csum_offset and rsc/);
  rejects({ ...base, csum: { start: 1, offset: 2 }, rsc: { segments: 1, dup_acks: 2 } }, 'CODEC_UNION_MEMBER', /received csum and rsc/);
  rejects({ ...base, csum_start: 1 }, 'CODEC_MISSING_FIELD', /csum_offset: missing member/);
  rejects({ ...base, rsc: { segments: 1 } }, 'CODEC_MISSING_FIELD', /rsc\.dup_acks/);
  rejects({ ...base, csum_or_rsc: {} }, 'CODEC_UNKNOWN_FIELD', /no member "csum_or_rsc"/);
  rejects({ ...base, rsc: { segments: 0x10000, dup_acks: 0 } }, 'CODEC_OUT_OF_RANGE', /rsc\.segments/);
});

test('describe shows the chosen alternative by its C paths', () => {
  const l = layoutOf('virtio_net_hdr_v1');
  const c = codecFor('virtio_net_hdr_v1');
  const paths = (b: Uint8Array) => describeLines(l, b).map((d) => `${d.path}@${d.offset}`);
  assert.deepEqual(paths(c.encodeToBytes({ ...base, csum_start: 1, csum_offset: 2 })),
    ['flags@0', 'gso_type@1', 'hdr_len@2', 'gso_size@4', 'csum_start@6', 'csum_offset@8', 'num_buffers@10']);
  assert.deepEqual(paths(c.encodeToBytes({ ...base, flags: 4, rsc: { segments: 1, dup_acks: 2 } })).slice(4, 6), ['rsc.segments@6', 'rsc.dup_acks@8']);
  assert.match(c.describe(c.encodeToBytes({ ...base, flags: 4, rsc: { segments: 3, dup_acks: 4 } })), /__le16\s+rsc\.dup_acks\s+4 \(0x4\)\s+0400/);
});

test('layout prints the anonymous union as pahole does, and --json marks it anonymous with no name', () => {
  const l = layoutOf('virtio_net_hdr_v1');
  const text = layoutTable(l);
  assert.match(text, /\tunion \{\n\t\tstruct \{\n\t\t\t__virtio16 csum_start;\s+\/\*\s+6\s+2 \*\/.*\n\t\t\t__virtio16 csum_offset;\s+\/\*\s+8\s+2 \*\/.*\n\t\t\};\s+\/\*\s+6\s+4 \*\/\n/);
  assert.match(text, /\t\t\} csum;\s+\/\*\s+6\s+4 \*\//);
  assert.match(text, /\t\t\t__le16 segments;\s+\/\*\s+0\s+2 \*\//);
  assert.match(text, /\t\t\} rsc;\s+\/\*\s+6\s+4 \*\//);
  assert.match(text, /\n\t\};\s+\/\*\s+6\s+4 \*\//);
  const j = layoutJson(l);
  const u = j.fields[4];
  assert.ok(u);
  assert.deepEqual([u.name, u.anonymous, u.type, u.offset, u.size], [undefined, true, 'union', 6, 4]);
  assert.deepEqual(u.fields?.map((f) => [f.name, f.anonymous, f.offset]), [[undefined, true, 6], ['csum', undefined, 6], ['rsc', undefined, 6]]);
  assert.deepEqual(u.fields?.[0]?.fields?.map((f) => [f.name, f.offset]), [['csum_start', 6], ['csum_offset', 8]]);
  assert.deepEqual(u.fields?.[2]?.fields?.map((f) => [f.name, f.offset, f.type]), [['segments', 0, '__le16'], ['dup_acks', 2, '__le16']]);
});

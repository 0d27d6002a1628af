import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../helpers/cli.js';

test('layout blkif_request --abi x86_32 shows size 108 with id at 4; x86_64 112 with id at 8', async () => {
  const r32 = await cli('layout', 'blkif_request', '--abi', 'x86_32');
  assert.equal(r32.status, 0);
  assert.match(r32.out, /uint64_t\s+id;\s+\/\*\s+4\s+8 \*\//);
  assert.match(r32.out, /size: 108/);
  const r64 = await cli('layout', 'blkif_request', '--abi', 'x86_64-abi');
  assert.match(r64.out, /uint64_t\s+id;\s+\/\*\s+8\s+8 \*\//);
  assert.match(r64.out, /XXX 4 bytes hole at 4/);
  assert.match(r64.out, /size: 112/);
});

test('layout --json: one struct, and every struct for every ABI', async () => {
  const one = JSON.parse((await cli('layout', 'blkif_request', '--json', '--abi', 'x86_32')).out);
  assert.equal(one.name, 'blkif_request');
  assert.equal(one.abi, 'x86_32');
  assert.equal(one.size, 108);
  assert.equal(one.align, 4);
  assert.deepEqual(one.fields[5], { ...one.fields[5], name: 'seg', offset: 20, size: 88, type: 'struct blkif_request_segment', count: 11 });
  assert.equal(one.fields[5].fields[0].name, 'gref');
  const all = JSON.parse((await cli('layout', '--json')).out) as { name: string; abi: string }[];
  for (const abi of ['x86_64', 'x86_32', 'arm']) {
    for (const n of ['blkif_request', 'blkif_request_segment', 'blkif_request_discard', 'blkif_request_indirect', 'blkif_response',
      'netif_tx_request', 'netif_tx_response', 'netif_rx_request', 'netif_rx_response', 'netif_extra_info',
      'xen_netif_ctrl_request', 'xen_netif_ctrl_response', 'xen_netif_gref']) {
      assert.ok(all.some((s) => s.name === n && s.abi === abi), `${n} ${abi}`);
    }
  }
  const armOnly = JSON.parse((await cli('layout', '--json', '--abi', 'arm')).out) as { abi: string }[];
  assert.ok(armOnly.every((s) => s.abi === 'arm'));
  const text = await cli('layout');
  assert.match(text.out, /struct netif_extra_info/);
});

test('encode prints exactly sizeof bytes as lowercase hex; decode reverses it', async () => {
  const value = '{"operation":1,"flag":1,"handle":2,"id":"18446744073709551615","sector_number":"4096","nr_sectors":8}';
  const enc = await cli('encode', 'blkif_request_discard', '--abi', 'x86_32', value);
  assert.equal(enc.status, 0);
  assert.equal(enc.out.trim(), '01010200ffffffffffffffff00100000000000000800000000000000');
  const dec = await cli('decode', 'blkif_request_discard', '--abi', 'x86_32', enc.out.trim(), '--json');
  assert.deepEqual(JSON.parse(dec.out), JSON.parse(value.replace('"4096"', '"4096"').replace(':8}', ':"8"}')));
  const text = await cli('decode', 'blkif_request_discard', '--abi', 'x86_32', enc.out.trim());
  assert.match(text.out, /nr_sectors\s+8 \(0x8\)/);
  const union = await cli('encode', 'netif_extra_info', '{"type":2,"flags":0,"u":{"mcast":{"addr":[1,2,3,4,5,6]}}}');
  assert.equal(union.out.trim(), '0200010203040506');
  assert.deepEqual(JSON.parse((await cli('decode', 'netif_extra_info', '0200010203040506', '--json')).out).u, { mcast: { addr: [1, 2, 3, 4, 5, 6] } });
});

test('bad usage and bad input exit 2 with one line on stderr naming the problem', async () => {
  const cases: [string[], RegExp][] = [
    [[], /usage/],
    [['frobnicate'], /^ringwire: CLI_UNKNOWN_VERB: unknown verb "frobnicate"/],
    [['layout', 'nope'], /UNKNOWN_STRUCT/],
    [['layout', 'blkif_request', '--abi', 'mips'], /UNKNOWN_ABI/],
    [['layout', 'blkif_request', '--bogus'], /^ringwire: CLI_UNKNOWN_OPTION: layout: unknown option --bogus/],
    [['layout', 'a', 'b'], /^ringwire: CLI_USAGE: layout: unexpected argument "b"/],
    [['encode'], /name a struct/],
    [['encode', 'blkif_response'], /JSON object/],
    [['encode', 'blkif_response', '{nope'], /not JSON/],
    [['encode', 'blkif_response', '{"id":1,"operation":1}'], /CODEC_MISSING_FIELD.*blkif_response\.status/],
    [['encode', 'blkif_response', '{"id":1,"operation":1,"status":1,"x":1}'], /CODEC_UNKNOWN_FIELD/],
    [['encode', 'blkif_response', '{"id":1,"operation":-1,"status":1}'], /CODEC_OUT_OF_RANGE.*blkif_response\.operation/],
    [['decode', 'blkif_response'], /hex/],
    [['decode', 'blkif_response', 'abc'], /^ringwire: CODEC_BAD_HEX: decode: 3 hex digits is an odd number/],
    [['decode', 'blkif_response', '00zz'], /^ringwire: CODEC_BAD_HEX: decode: "z" at position 2 of the hex is not a hex digit/],
    [['decode', 'blkif_response', '00'.repeat(12), '--abi', 'x86_64'], /CODEC_WRONG_LENGTH.*16 bytes, received 12/],
    [['dump'], /^ringwire: CLI_USAGE: dump: name one of xen, virtio-split, virtio-packed/],
    [['dump', 'xen', '--ring', 'blkif', '--order', '-1', 'f'], /^ringwire: CLI_BAD_NUMBER: --order: "-1" is not an integer 0..4/],
    [['dump', 'virtio-split', '--size', '-8'], /^ringwire: CLI_BAD_NUMBER: --size: "-8" is not a power of two 1..32768/],
  ];
  for (const [argv, re] of cases) {
    const r = await cli(...argv);
    assert.equal(r.status, 2, argv.join(' '));
    assert.match(r.err, re, argv.join(' '));
    assert.equal(r.err.trim().split('\n').length, argv.length === 0 ? r.err.trim().split('\n').length : 1, argv.join(' '));
    assert.equal(r.out, '');
  }
  const ok = await cli('decode', 'blkif_response', '00'.repeat(12), '--abi', 'x86_32');
  assert.equal(ok.status, 0);
  const help = await cli('--help');
  assert.equal(help.status, 0);
  assert.match(help.out, /dump xen/);
});

test('--legacy-be switches __virtio fields to big-endian and leaves __le fields little-endian', async () => {
  const desc = '{"addr":"4096","len":512,"flags":3,"next":7}';
  assert.equal((await cli('encode', 'vring_desc', desc)).out.trim(), '0010000000000000' + '00020000' + '0300' + '0700');
  assert.equal((await cli('encode', 'vring_desc', '--legacy-be', desc)).out.trim(), '0000000000001000' + '00000200' + '0003' + '0007');
  const back = await cli('decode', 'vring_desc', '--legacy-be', '0000000000001000000002000003' + '0007', '--json');
  assert.deepEqual(JSON.parse(back.out), { addr: '4096', len: 512, flags: 3, next: 7 });
  const packed = '{"addr":"1","len":2,"id":3,"flags":32768}';
  assert.equal((await cli('encode', 'vring_packed_desc', '--legacy-be', packed)).out, (await cli('encode', 'vring_packed_desc', packed)).out);
});

test('virtio_net_hdr_v1: encode/decode the anonymous union by its C names; layout shows it as pahole does', async () => {
  const rsc = '{"flags":4,"gso_type":0,"hdr_len":54,"gso_size":1448,"rsc":{"segments":3,"dup_acks":1},"num_buffers":1}';
  const enc = await cli('encode', 'virtio_net_hdr_v1', rsc);
  assert.equal(enc.status, 0);
  assert.equal(enc.out.trim(), '04003600a8050300' + '01000100');
  assert.deepEqual(JSON.parse((await cli('decode', 'virtio_net_hdr_v1', enc.out.trim(), '--json')).out), JSON.parse(rsc));
  const csum = await cli('decode', 'virtio_net_hdr_v1', '01003600a805220010000100', '--json');
  assert.deepEqual(JSON.parse(csum.out), { flags: 1, gso_type: 0, hdr_len: 54, gso_size: 1448, csum_start: 34, csum_offset: 16, num_buffers: 1 });
  assert.match((await cli('decode', 'virtio_net_hdr_v1', enc.out.trim())).out, /rsc\.segments\s+3 \(0x3\)/);
  const both = await cli('encode', 'virtio_net_hdr_v1', '{"flags":0,"gso_type":0,"hdr_len":0,"gso_size":0,"csum_start":1,"csum_offset":2,"csum":{"start":1,"offset":2},"num_buffers":0}');
  assert.equal(both.status, 2);
  assert.match(both.err, /^ringwire: CODEC_UNION_MEMBER: /);
  const layout = await cli('layout', 'virtio_net_hdr_v1');
  assert.match(layout.out, /\tunion \{\n\t\tstruct \{\n/);
  assert.match(layout.out, /\} rsc;/);
});

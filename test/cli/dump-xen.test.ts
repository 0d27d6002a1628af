/**
 * `ringwire dump xen`: the fixture images under fixtures/xen/ (made by test/xen/make-fixtures.ts with the
 * real ring code) dump to exactly the JSON beside them, with the right exit status; bad usage exits 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dumpXen } from '../../src/cli/dump-xen.js';
import { UsageError, type CliIo, type ReadOptions } from '../../src/cli/io.js';
import { xenFixtures } from '../xen/make-fixtures.js';

const root = new URL('../../../', import.meta.url);

/** An in-process io whose readFile honours offset/maxBytes as the real one does, and logs every read. */
function capture(files: Record<string, Uint8Array> = {}): CliIo & { text: string; reads: [string, ReadOptions | undefined][] } {
  const io = {
    text: '',
    reads: [] as [string, ReadOptions | undefined][],
    out(t: string) { io.text += t; },
    err(t: string) { io.text += t; },
    readFile(p: string, options?: ReadOptions): Uint8Array {
      io.reads.push([p, options]);
      let f = files[p];
      if (f === undefined) {
        try { f = new Uint8Array(readFileSync(new URL(p, root))); } catch { throw new UsageError(`cannot read ${p}: ENOENT`, 'CLI_READ'); }
      }
      const at = options?.offset ?? 0;
      return f.subarray(Math.min(at, f.byteLength), Math.min(f.byteLength, at + (options?.maxBytes ?? Infinity)));
    },
  };
  return io;
}

for (const fx of xenFixtures) {
  test(`dump xen ${fx.name} --json equals fixtures/xen/${fx.name}.json (exit ${fx.exit})`, async () => {
    const image = readFileSync(new URL(`fixtures/xen/${fx.name}.ring`, root));
    assert.deepEqual(new Uint8Array(image), fx.build(), 'the committed image is what make-fixtures builds');
    const io = capture();
    const code = await dumpXen([...fx.args, `fixtures/xen/${fx.name}.ring`, '--json'], io);
    assert.equal(code, fx.exit);
    assert.deepEqual(JSON.parse(io.text), JSON.parse(readFileSync(new URL(`fixtures/xen/${fx.name}.json`, root), 'utf8')));
  });
}

test('dump xen text report names the header, the live slots and the violations', async () => {
  const ok = capture();
  assert.equal(await dumpXen(['--ring', 'blkif', 'fixtures/xen/blkif-x86_64-order0.ring'], ok), 0);
  assert.match(ok.text, /blkif ring \(x86_64\), order 0: 4096 bytes, 32 entries of 112 bytes/);
  assert.match(ok.text, /req_prod {2}3 {3}req_event 4294967295/);
  assert.match(ok.text, /request {2}0 \(slot 0, offset 64\) blkif_request \(BLKIF_OP_READ\): \{"operation":0,"nr_segments":3/);
  assert.match(ok.text, /response 4294967295 \(slot 31, offset 3536\) blkif_response: \{"id":"4097","operation":1,"status":0\}/);
  assert.match(ok.text, /consistent/);
  const bad = capture();
  assert.equal(await dumpXen(['--ring', 'blkif', '--abi', 'x86_32-abi', 'fixtures/xen/blkif-x86_32-req-prod-overflow.ring'], bad), 1);
  assert.match(bad.text, /\n {2}error XEN_RING_REQ_PROD_OVERFLOW \(front\) at byte 0 of sring\n {4}front published req_prod 40, 40 past rsp_prod 0 on a ring of 32\.\n/);
  // With the indices broken the request window is a guess: the 12-segment request in it is decoded, not judged.
  assert.match(bad.text, /\n {2}request {2}31 \(slot 31, offset 3412\) blkif_request \(BLKIF_OP_READ\): \{"operation":0,"nr_segments":12,/);
  assert.match(bad.text, /\n {2}1 error, 0 warnings, 0 info$/);
});

test('dump xen reports rsp_prod running ahead of req_prod as a violation', async () => {
  const image = new Uint8Array(readFileSync(new URL('fixtures/xen/netif_tx-x86_64-order0.ring', root)));
  new DataView(image.buffer).setUint32(8, 6, true); // rsp_prod 6 > req_prod 4
  const io = capture({ img: image });
  assert.equal(await dumpXen(['--ring', 'netif_tx', 'img', '--json'], io), 1);
  const r = JSON.parse(io.text) as { violations: { code: string; index: number }[]; requests: unknown[]; responseSlots: number };
  assert.deepEqual(r.violations.map((v) => [v.code, v.index]), [['XEN_RING_RSP_PROD_AHEAD', 6]]);
  assert.equal(r.requests.length, 0);
  assert.equal(r.responseSlots, 256);
});

test('dump xen: bad usage and unreadable or short images exit 2 via UsageError', async () => {
  const io = capture({ short: new Uint8Array(4095), big: new Uint8Array(8192) });
  const cases: [string[], RegExp][] = [
    [['short'], /--ring must be one of blkif, netif_tx, netif_rx, xen_netif_ctrl/],
    [['--ring', 'scsi', 'short'], /got "scsi"/],
    [['--ring', 'blkif', '--order', '5', 'short'], /--order: "5" is not an integer 0..4/],
    [['--ring', 'blkif', '--order', 'x', 'short'], /--order: "x" is not an integer/],
    [['--ring', 'blkif'], /give one image FILE/],
    [['--ring', 'blkif', '--bogus', 'short'], /unknown option --bogus/],
    [['--ring', 'blkif', 'short'], /short: the image has 4095 bytes; a blkif ring of order 0 is 4096 bytes/],
    [['--ring', 'blkif', 'big'], /big: the image has more than 4096 bytes; a blkif ring of order 0 is 4096 bytes \(use --offset BYTES/],
    [['--ring', 'blkif', '--offset', '4097', 'big'], /big: 4095 bytes are available at offset 4097; a blkif ring of order 0 is 4096 bytes/],
    [['--ring', 'blkif', '--offset', '-1', 'big'], /--offset: "-1" is not an integer/],
    [['--ring', 'blkif', 'no/such/file'], /cannot read no\/such\/file/],
  ];
  for (const [args, re] of cases) {
    await assert.rejects(async () => dumpXen(args, io), (e: unknown) => e instanceof UsageError && re.test(e.message), args.join(' '));
  }
  await assert.rejects(async () => dumpXen(['--ring', 'blkif', '--abi', 'sparc', 'short'], io), { code: 'UNKNOWN_ABI' });
  assert.equal(await dumpXen(['--ring', 'blkif', '--order', '1', 'big', '--json'], io), 0, 'a zeroed 2-page image is a consistent empty ring');
  for (const [args, code] of [[['--ring', 'blkif', 'short'], 'CLI_INPUT_SIZE'], [['--ring', 'blkif', 'big'], 'CLI_INPUT_SIZE'], [['--ring', 'blkif', '--offset', 'x', 'big'], 'CLI_BAD_NUMBER']] as const) {
    await assert.rejects(async () => dumpXen([...args], io), { code }, args.join(' '));
  }
});

test('dump xen decodes netif rx extra-info response slots as netif_extra_info', async () => {
  const { SharedRing, FrontRing, BackRing, NetifRxFront, NetifRxBack, ringType } = await import('../../src/index.js');
  const buf = new ArrayBuffer(4096);
  const s = SharedRing.init(buf, ringType('netif_rx'));
  const front = new NetifRxFront(FrontRing.attach(s));
  const back = new NetifRxBack(BackRing.attach(s));
  for (let g = 0; g < 4; g++) front.post(100 + g);
  front.push();
  back.deliver({ fragments: [{ offset: 0, size: 1000 }, { size: 400 }], extras: { gso: { size: 1448, type: 1, features: 0 }, hash: { type: 1, algorithm: 1, value: 0x01020304 } } });
  back.push();
  const io = capture({ img: new Uint8Array(buf) });
  assert.equal(await dumpXen(['--ring', 'netif_rx', 'img', '--json'], io), 0);
  const r = JSON.parse(io.text) as { responses: { struct: string; record: { flags: number; type?: number; u?: unknown } }[] };
  assert.deepEqual(r.responses.map((x) => x.struct), ['netif_rx_response', 'netif_extra_info', 'netif_extra_info', 'netif_rx_response']);
  assert.deepEqual(r.responses[1]?.record.u, { gso: { size: 1448, type: 1, pad: 0, features: 0 } });
  assert.deepEqual(r.responses[2]?.record.u, { hash: { type: 1, algorithm: 1, value: [4, 3, 2, 1] } });
});

test('dump xen reads at most the ring plus one byte, and with --offset exactly the ring at that offset', async () => {
  const io = capture({ big: new Uint8Array(3 * 4096) });
  await assert.rejects(async () => dumpXen(['--ring', 'netif_rx', '--order', '1', 'big'], io), { code: 'CLI_INPUT_SIZE' });
  assert.deepEqual(io.reads, [['big', { maxBytes: 8193 }]]);
  // A guest memory image with a blkif ring in its second page.
  const ring = new Uint8Array(readFileSync(new URL('fixtures/xen/blkif-x86_64-discard-indirect.ring', root)));
  const mem = new Uint8Array(4 * 4096).fill(0xee);
  mem.set(ring, 4096);
  const at = capture({ mem });
  assert.equal(await dumpXen(['--ring', 'blkif', '--offset', '0x1000', 'mem', '--json'], at), 0);
  assert.deepEqual(at.reads, [['mem', { offset: 4096, maxBytes: 4096 }]]);
  const whole = capture();
  await dumpXen(['--ring', 'blkif', 'fixtures/xen/blkif-x86_64-discard-indirect.ring', '--json'], whole);
  const a = JSON.parse(at.text) as Record<string, unknown>;
  const b = JSON.parse(whole.text) as Record<string, unknown>;
  assert.equal(a['offset'], 4096);
  delete a['offset'];
  assert.deepEqual({ ...a, file: undefined }, { ...b, file: undefined }, 'the same report as the ring on its own');
  const text = capture({ mem });
  assert.equal(await dumpXen(['--ring', 'blkif', '--offset', '4096', 'mem'], text), 0);
  assert.match(text.text, /^mem at offset 4096: blkif ring/);
});

for (const abi of ['x86_64', 'x86_32'] as const) {
  test(`dump xen ${abi}: each blkif request decoded as the struct its operation names; text lists nr_segments segments`, async () => {
    const io = capture();
    assert.equal(await dumpXen(['--ring', 'blkif', '--abi', abi, `fixtures/xen/blkif-${abi}-discard-indirect.ring`, '--json'], io), 0);
    const r = JSON.parse(io.text) as { requests: { struct: string; variant: string; record: Record<string, unknown>; segments?: unknown }[] };
    assert.deepEqual(r.requests.map((x) => [x.struct, x.variant]), [
      ['blkif_request', 'BLKIF_OP_READ'], ['blkif_request_discard', 'BLKIF_OP_DISCARD'], ['blkif_request_indirect', 'BLKIF_OP_INDIRECT'],
      ['blkif_request', 'BLKIF_OP_FLUSH_DISKCACHE'], ['blkif_request_discard', 'BLKIF_OP_DISCARD'],
    ]);
    const [read, discard, indirect, , secure] = r.requests;
    assert.equal((read!.record['seg'] as unknown[]).length, 11, 'JSON keeps the whole record');
    assert.deepEqual(read!.segments, { array: 'seg', count: 2 });
    assert.deepEqual(discard!.record, { operation: 5, flag: 0, handle: 0x300, id: '1', sector_number: '4096', nr_sectors: '2048' });
    assert.equal(secure!.record['flag'], 1);
    assert.equal(indirect!.record['indirect_op'], 1);
    assert.equal(indirect!.record['nr_segments'], 600);
    assert.deepEqual((indirect!.record['indirect_grefs'] as number[]).slice(0, 2), [0x201, 0x202]);
    assert.equal('pad' in indirect!.record, abi === 'x86_32', 'the i386-only pad member');
    const text = capture();
    assert.equal(await dumpXen(['--ring', 'blkif', '--abi', abi, `fixtures/xen/blkif-${abi}-discard-indirect.ring`], text), 0);
    assert.match(text.text, /blkif_request \(BLKIF_OP_READ\): \{[^\n]*"seg":\[\{"gref":257,"first_sect":1,"last_sect":7\},\{"gref":258,"first_sect":0,"last_sect":3\}\]\}\n/);
    assert.match(text.text, /blkif_request_discard \(BLKIF_OP_DISCARD\): \{"operation":5,"flag":0,"handle":768,"id":"1","sector_number":"4096","nr_sectors":"2048"\}/);
    assert.match(text.text, /blkif_request \(BLKIF_OP_FLUSH_DISKCACHE\): \{[^\n]*"seg":\[\]\}/);
    assert.match(text.text, /response 0 \(slot 0, offset 64\) blkif_response: \{"id":"578437695752307201","operation":0,"status":0\}/, 'the indirect read was answered BLKIF_OP_READ');
  });
}

test('dump xen: a blkif operation no BLKIF_OP_* names is shown raw and reported as XEN_RING_BAD_RECORD', async () => {
  const image = new Uint8Array(readFileSync(new URL('fixtures/xen/blkif-x86_32-discard-indirect.ring', root)));
  const slot2 = 64 + 2 * 108;
  image[slot2] = 9;
  const io = capture({ img: image });
  assert.equal(await dumpXen(['--ring', 'blkif', '--abi', 'x86_32', '--pushed', 'img', '--json'], io), 1);
  const r = JSON.parse(io.text) as { requests: { index: number; struct: string | null; raw?: string; record?: unknown }[]; violations: Record<string, unknown>[]; findings: Record<string, unknown>[] };
  const bad = r.requests.find((x) => x.index === 2)!;
  assert.equal(bad.struct, null);
  assert.equal(bad.record, undefined);
  assert.equal(bad.raw, Buffer.from(image.subarray(slot2, slot2 + 108)).toString('hex'));
  assert.deepEqual(r.violations.map((v) => [v['code'], v['index'], v['offset'], v['path'], v['received']]), [['XEN_RING_BAD_RECORD', 2, slot2, 'blkif_request.operation', 9]]);
  assert.deepEqual(r.findings.map((f) => [f['rule'], f['index'], f['offset'], f['path'], f['actual']]), [['XEN_BLKIF_UNKNOWN_OP', 2, slot2, 'request[2].operation', 9]]);
  // Without --pushed the slot may hold a response written and not yet pushed (its status bytes read 0): not judged.
  const lenient = capture({ img: image });
  assert.equal(await dumpXen(['--ring', 'blkif', '--abi', 'x86_32', 'img', '--json'], lenient), 0);
  assert.deepEqual((JSON.parse(lenient.text) as { findings: unknown[] }).findings, []);
  const text = capture({ img: image });
  assert.equal(await dumpXen(['--ring', 'blkif', '--abi', 'x86_32', '--pushed', 'img'], text), 1);
  assert.match(text.text, /request {2}2 \(slot 2, offset 280\) raw: 0900/);
  // The dump's finding is the blkif rule (the decoder's own XEN_RING_BAD_RECORD stays in JSON `violations`).
  assert.match(text.text, /\n {2}error XEN_BLKIF_UNKNOWN_OP \(front\) at byte 280 of sring, index 2 \(slot 2\)\n {4}front published request 2 \(slot 2\): operation 9 names no BLKIF_OP_\* a backend serves\.\n/);
});

test('dump xen --help lists the declared rings and --offset', async () => {
  const { verbs } = await import('../../src/cli/verbs.js');
  const usage = verbs['dump']!.kinds!['xen']!.usage;
  const { xenRingNames } = await import('../../src/xen/index.js');
  assert.ok(usage.includes(`--ring ${xenRingNames.join('|')}`), usage);
  assert.match(usage, /--offset BYTES/);
});

test('process: dump xen on /dev/zero exits 2 at once with CLI_INPUT_SIZE; --offset reads a ring out of a larger file', async () => {
  const { spawnSync } = await import('node:child_process');
  const { openSync, closeSync, mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const main = new URL('dist/src/cli/main.js', root).pathname;
  const zero = openSync('/dev/zero', 'r');
  try {
    const r = spawnSync(process.execPath, [main, 'dump', 'xen', '--ring', 'blkif', '-'], { stdio: [zero, 'pipe', 'pipe'], timeout: 10_000, encoding: 'utf8' });
    assert.equal(r.error, undefined, 'finished before the timeout');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^ringwire: CLI_INPUT_SIZE: -: the image has more than 4096 bytes; a blkif ring of order 0 is 4096 bytes/);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, 'one line on stderr');
  } finally { closeSync(zero); }
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-dump-xen-'));
  try {
    const ring = readFileSync(new URL('fixtures/xen/blkif-x86_32-discard-indirect.ring', root));
    const mem = Buffer.alloc(64 * 4096, 0xcc);
    ring.copy(mem, 17 * 4096);
    const file = join(dir, 'guest.mem');
    writeFileSync(file, mem);
    const ok = spawnSync(process.execPath, [main, 'dump', 'xen', '--ring', 'blkif', '--abi', 'x86_32', '--offset', String(17 * 4096), file, '--json'], { timeout: 10_000, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    const want = JSON.parse(readFileSync(new URL('fixtures/xen/blkif-x86_32-discard-indirect.json', root), 'utf8')) as Record<string, unknown>;
    assert.deepEqual({ ...JSON.parse(ok.stdout) as Record<string, unknown>, file: want['file'], offset: undefined }, { ...want, offset: undefined });
    const past = spawnSync(process.execPath, [main, 'dump', 'xen', '--ring', 'blkif', '--offset', String(63 * 4096 + 1), file], { timeout: 10_000, encoding: 'utf8' });
    assert.equal(past.status, 2);
    assert.match(past.stderr, /CLI_INPUT_SIZE: .*4095 bytes are available at offset 258049/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

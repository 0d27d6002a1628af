/**
 * `ringwire dump xen`: the fixture images under fixtures/xen/ (made by test/xen/make-fixtures.ts with the
 * real ring code) dump to exactly the JSON beside them, with the right exit status; bad usage exits 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dumpXen } from '../../src/cli/dump-xen.js';
import { UsageError, type CliIo } from '../../src/cli/io.js';
import { xenFixtures } from '../xen/make-fixtures.js';

const root = new URL('../../../', import.meta.url);

function capture(files: Record<string, Uint8Array> = {}): CliIo & { text: string } {
  const io = {
    text: '',
    out(t: string) { io.text += t; },
    err(t: string) { io.text += t; },
    readFile(p: string): Uint8Array {
      const f = files[p];
      if (f !== undefined) return f;
      try { return readFileSync(new URL(p, root)); } catch { throw new UsageError(`cannot read ${p}: ENOENT`); }
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
  assert.match(ok.text, /request {2}0 \(slot 0, offset 64\) blkif_request: \{"operation":0,"nr_segments":3/);
  assert.match(ok.text, /response 4294967295 \(slot 31, offset 3536\) blkif_response: \{"id":"4097","operation":1,"status":0\}/);
  assert.match(ok.text, /consistent/);
  const bad = capture();
  assert.equal(await dumpXen(['--ring', 'blkif', '--abi', 'x86_32-abi', 'fixtures/xen/blkif-x86_32-req-prod-overflow.ring'], bad), 1);
  assert.match(bad.text, /XEN_RING_REQ_PROD_OVERFLOW: req_prod 40 is 40 past rsp_prod 0; the ring holds 32\./);
  assert.match(bad.text, /XEN_RING_BAD_RECORD: Request 31 \(slot 31\) has 12 segments/);
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
    [['--ring', 'blkif', 'short'], /short: The image has 4095 bytes; a blkif ring of order 0 is 4096 bytes\./],
    [['--ring', 'blkif', 'no/such/file'], /cannot read no\/such\/file/],
  ];
  for (const [args, re] of cases) {
    await assert.rejects(async () => dumpXen(args, io), (e: unknown) => e instanceof UsageError && re.test(e.message), args.join(' '));
  }
  await assert.rejects(async () => dumpXen(['--ring', 'blkif', '--abi', 'sparc', 'short'], io), { code: 'UNKNOWN_ABI' });
  assert.equal(await dumpXen(['--ring', 'blkif', '--order', '1', 'big', '--json'], io), 0, 'a zeroed 2-page image is a consistent empty ring');
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

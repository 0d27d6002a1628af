/**
 * The dump checker (src/check/dump-*.ts) rule by rule on images built with ringwire's own rings: where each
 * finding points (area, byte offset, index, path), what is deliberately not judged (unpushed responses,
 * buffers below used.idx, entries past used.idx, packed chains from an assumed position), the filters, the
 * catalogue's `dumps` flag, and the CLI's text form.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue } from '../../protocol/catalogue/index.js';
import {
  SharedRing, FrontRing, BackRing, BlkifFront, ringType, GuestMemory, SplitRing, PackedRing, PlainRingPort,
  checkRingImage, checkSplitSnapshot, checkPackedSnapshot, xenDumpRuleIds, splitDumpRuleIds, packedDumpRuleIds,
  type Finding, type DumpFinding, type TraceFinding,
} from '../../src/index.js';
import { resolvePath } from '../../src/codec/views.js';
import { layoutOf } from '../../src/layout/compile.js';
import { splitAreas } from '../../src/virtio/split-geometry.js';
import { catalogueMarkdown } from '../catalogue/catalogue-doc.js';
import { runDumpText, runDump } from './malformed-images.js';
import { UsageError } from '../../src/cli/io.js';

const blkif = ringType('blkif');
const segs = (list: { first_sect: number; last_sect: number }[]) =>
  Array.from({ length: 11 }, (_v, i) => ({ gref: 0x100 + i, first_sect: list[i]?.first_sect ?? 0, last_sect: list[i]?.last_sect ?? 0 }));
const read = (id: bigint, seg = [{ first_sect: 0, last_sect: 7 }], extra: Record<string, unknown> = {}) =>
  ({ operation: 0, nr_segments: seg.length, handle: 0, id, sector_number: 8n, seg: segs(seg), ...extra });

/** A blkif ring with `requests` published by a real FrontRing (x86_64, order 0). */
function blkifRing(requests: unknown[]): { s: SharedRing; f: FrontRing; b: BackRing } {
  const s = SharedRing.init(new ArrayBuffer(4096), blkif);
  const f = FrontRing.attach(s);
  const b = BackRing.attach(s);
  for (const r of requests) f.encodeRequest(f.nextRequestIndex(), r);
  f.pushRequests();
  return { s, f, b };
}

const rules = (fs: readonly DumpFinding[]) => fs.map((x) => x.rule);

test('the catalogue marks exactly the rules a dump can report with dumps: true, and catalogue.md says so', () => {
  const flagged = catalogue.filter((e) => 'dumps' in e && e.dumps === true).map((e) => e.id).sort();
  assert.deepEqual(flagged, [...new Set([...xenDumpRuleIds, ...splitDumpRuleIds, ...packedDumpRuleIds])].sort());
  const md = catalogueMarkdown();
  for (const id of flagged) assert.match(md, new RegExp(`\\| \`${id}\` \\|[^\\n]*ring dumps\\)`), id);
  assert.match(md, /`XEN_BLKIF_SECT_ORDER` \|[^\n]*\(also checked on ring dumps\)/);
  assert.match(md, /`XEN_RING_NO_FINAL_CHECK` \|[^\n]*\(checked on traces\)/);
  assert.match(md, /`VIRTQ_DESC_LOOP` \|[^\n]*\(also checked on ring dumps\)/);
  assert.doesNotMatch(md, /`XEN_RING_STUCK` \|[^\n]*ring dumps/);
});

test('xen: a healthy ring with requests in flight and responses pushed has no finding', () => {
  const { s, b } = blkifRing([read(1n), read(2n), read(3n)]);
  const req = b.readRequest(b.reqCons++);
  b.encodeResponse(b.nextResponseIndex(), { id: req['id'], operation: 0, status: 0 });
  b.pushResponses();
  const c = checkRingImage(new Uint8Array(s.bytes), blkif, 0);
  assert.deepEqual(c.findings, []);
  assert.deepEqual(c.counts, { error: 0, warning: 0, info: 0 });
  assert.equal(c.report.requestsOutstanding, 2);
});

test('xen: producer indices — req_prod overflow (front), rsp_prod ahead (back), rsp_prod past any rsp_cons (back)', () => {
  const h = blkif.header;
  const cases: [number, number, string, string, number][] = [
    [40, 0, 'XEN_RING_REQ_PROD_OVERFLOW', 'front', h.reqProd],
    [3, 5, 'XEN_RING_RSP_PROD_AHEAD', 'back', h.rspProd],
    [3, 3 + 32, 'XEN_RING_RSP_PROD_AHEAD', 'back', h.rspProd],
    [3, 3 + 33, 'XEN_RING_RSP_PROD_OVERFLOW', 'back', h.rspProd],
    [0xfffffff0, 0x11, 'XEN_RING_RSP_PROD_OVERFLOW', 'back', h.rspProd],
  ];
  for (const [req, rsp, rule, party, offset] of cases) {
    const s = SharedRing.init(new ArrayBuffer(4096), blkif);
    s.reqProd = req;
    s.rspProd = rsp;
    const c = checkRingImage(new Uint8Array(s.bytes), blkif, 0);
    assert.deepEqual(c.findings.map((x) => [x.rule, x.party, x.dump, x.area, x.offset, x.index]), [[rule, party, 'xen', 'sring', offset, undefined]], `${req}/${rsp}`);
    assert.deepEqual(c.report.violations.map((v) => v.code), [rule], 'the decoder names the same rule');
    assert.equal(c.findings[0]?.source, rule === 'XEN_RING_RSP_PROD_AHEAD' ? 'ringwire policy' : `xen/io/ring.h ${rule === 'XEN_RING_REQ_PROD_OVERFLOW' ? 'RING_REQUEST_PROD_OVERFLOW' : 'RING_RESPONSE_PROD_OVERFLOW'}`);
  }
});

test('xen: blkif record rules on the requests not answered, each at the member it is about', () => {
  const layout = layoutOf('blkif_request');
  const at = (slot: number, path: string) => 64 + slot * blkif.entrySize + resolvePath(layout, path).offset;
  const bad = [
    read(0x50001n), // a request whose status bytes cannot be a response's: judging starts here
    read(0x50002n, [{ first_sect: 5, last_sect: 2 }]),
    read(0x50003n, [{ first_sect: 0, last_sect: 8 }]),
    read(0x50004n, []),
    { ...read(0x50005n, Array.from({ length: 11 }, () => ({ first_sect: 0, last_sect: 7 }))), nr_segments: 12 },
    { ...read(0x50006n), operation: 9 },
    { ...read(0x50007n, []), operation: 3 }, // a flush with no segments is well formed
  ];
  const { s } = blkifRing(bad);
  const c = checkRingImage(new Uint8Array(s.bytes), blkif, 0);
  assert.deepEqual(c.findings.map((x) => [x.rule, x.party, x.index, x.slot, x.offset, x.path, x.actual]), [
    ['XEN_BLKIF_SECT_ORDER', 'front', 1, 1, at(1, 'seg[0].first_sect'), 'request[1].seg[0].first_sect', 5],
    ['XEN_BLKIF_SECT_PAST_PAGE', 'front', 2, 2, at(2, 'seg[0].last_sect'), 'request[2].seg[0].last_sect', 8],
    ['XEN_BLKIF_NO_SEGMENTS', 'front', 3, 3, at(3, 'nr_segments'), 'request[3].nr_segments', 0],
    ['XEN_BLKIF_TOO_MANY_SEGMENTS', 'front', 4, 4, at(4, 'nr_segments'), 'request[4].nr_segments', 12],
    ['XEN_BLKIF_UNKNOWN_OP', 'front', 5, 5, at(5, 'operation'), 'request[5].operation', 9],
  ]);
  assert.equal(c.findings[3]?.source, 'xen/io/blkif.h BLKIF_MAX_SEGMENTS_PER_REQUEST');
});

test('xen: a window that may begin with responses the backend wrote and has not pushed is judged from the first slot that cannot be one; --pushed judges all', () => {
  const { s, b } = blkifRing([read(1n), read(2n, [{ first_sect: 6, last_sect: 1 }]), read(0x70003n), read(4n, [{ first_sect: 6, last_sect: 1 }])]);
  // The backend consumes request 0 and writes its response into slot 0, not pushed yet (ring.h allows batching).
  const req = b.readRequest(b.reqCons++);
  b.encodeResponse(b.nextResponseIndex(), { id: req['id'], operation: 0, status: 0 });
  const image = new Uint8Array(s.bytes);
  const lenient = checkRingImage(image, blkif, 0);
  // Slots 0 and 1 could both be unpushed responses (status bytes 0): request 1's fault is not judged; slot 2 cannot
  // be one, so slots 2 and 3 are requests and request 3's fault is.
  assert.deepEqual(lenient.findings.map((x) => [x.rule, x.index]), [['XEN_BLKIF_SECT_ORDER', 3]]);
  const pushed = checkRingImage(image, blkif, 0, { pushed: true });
  // Asserting the backend pushes as it writes, slot 0 is read as a request: its response bytes say read with no segments.
  assert.deepEqual(pushed.findings.map((x) => [x.rule, x.index]), [['XEN_BLKIF_NO_SEGMENTS', 0], ['XEN_BLKIF_SECT_ORDER', 1], ['XEN_BLKIF_SECT_ORDER', 3]]);
});

test('xen: an indirect request carries at most BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST pages of segments', () => {
  for (const [n, found] of [[4096, false], [4097, true]] as const) {
    const s = SharedRing.init(new ArrayBuffer(4096), blkif);
    const front = new BlkifFront(FrontRing.attach(s));
    front.queue({ op: 'indirect', id: 0x50000n, indirectOp: 'read', handle: 0, sector: 0n, nrSegments: 4096, indirectGrefs: [1, 2, 3, 4, 5, 6, 7, 8] });
    front.push();
    const at = 64 + resolvePath(layoutOf('blkif_request_indirect'), 'nr_segments').offset;
    new DataView(s.bytes.buffer, s.bytes.byteOffset).setUint16(at, n, true);
    const c = checkRingImage(new Uint8Array(s.bytes), blkif, 0, { pushed: true });
    assert.deepEqual(c.findings.map((x) => [x.rule, x.offset, x.actual]), found ? [['XEN_BLKIF_INDIRECT_TOO_MANY', at, 4097]] : [], String(n));
  }
});

test('xen: netif rings get the index rules, not the blkif record rules', () => {
  const tx = ringType('netif_tx');
  const s = SharedRing.init(new ArrayBuffer(4096), tx);
  const f = FrontRing.attach(s);
  f.encodeRequest(f.nextRequestIndex(), { gref: 11, offset: 0, flags: 0, id: 0, size: 60 });
  f.pushRequests();
  assert.deepEqual(checkRingImage(new Uint8Array(s.bytes), tx, 0).findings, []);
  s.reqProd = 300;
  assert.deepEqual(rules(checkRingImage(new Uint8Array(s.bytes), tx, 0).findings), ['XEN_RING_REQ_PROD_OVERFLOW']);
});

test('the rules and severity filters keep what ringwire check would keep; records are not judged when the indices are broken', () => {
  const { s } = blkifRing([read(0x50001n, [{ first_sect: 9, last_sect: 8 }])]);
  const image = new Uint8Array(s.bytes);
  const all = checkRingImage(image, blkif, 0, { pushed: true });
  assert.deepEqual(rules(all.findings), ['XEN_BLKIF_SECT_ORDER', 'XEN_BLKIF_SECT_PAST_PAGE']);
  assert.deepEqual(rules(checkRingImage(image, blkif, 0, { pushed: true, rules: ['XEN_BLKIF_SECT_ORDER'] }).findings), ['XEN_BLKIF_SECT_ORDER']);
  assert.deepEqual(checkRingImage(image, blkif, 0, { pushed: true, rules: ['XEN_RING_STUCK'] }).counts, { error: 0, warning: 0, info: 0 });
  assert.equal(checkRingImage(image, blkif, 0, { pushed: true, severity: 'error' }).findings.length, 2);
  // req_prod 40 on a ring of 32: the request window is a guess (slots never written among it), so only the index rule.
  s.reqProd = 40;
  assert.deepEqual(rules(checkRingImage(new Uint8Array(s.bytes), blkif, 0, { pushed: true }).findings), ['XEN_RING_REQ_PROD_OVERFLOW']);
});

/** A split queue of 8 over 64 KiB of guest RAM: desc at 0, avail at 0x1000, used at 0x2000. */
function splitQueue(): SplitRing {
  const memory = new GuestMemory();
  memory.map(0, new PlainRingPort(new ArrayBuffer(0x10000), 0, 0x10000));
  const ring = new SplitRing({ memory, size: 8, desc: 0, avail: 0x1000, used: 0x2000, indirect: true });
  for (let i = 0; i < 8; i++) ring.writeDesc(ring.descPort, ring.descBase, i, 0x4000 + 0x100 * i, 0, 64, 0, 0);
  return ring;
}

test('split: used.idx past avail.idx is the device\'s VIRTQ_USED_IDX_JUMP; avail.idx too far ahead the driver\'s VIRTQ_AVAIL_IDX_JUMP', () => {
  const r = splitQueue();
  r.setAvailIdx(2);
  r.setUsedIdx(5);
  const used = checkSplitSnapshot(r);
  assert.deepEqual(used.findings.map((x) => [x.rule, x.party, x.dump, x.area, x.offset]), [['VIRTQ_USED_IDX_JUMP', 'device', 'virtio-split', 'used', 2]]);
  assert.deepEqual(used.report.violations.map((v) => [v.at, v.code]), [['used.idx', 'VIRTQ_USED_IDX_JUMP']]);
  r.setAvailIdx(20);
  r.setUsedIdx(3);
  const avail = checkSplitSnapshot(r);
  assert.deepEqual(avail.findings.map((x) => [x.rule, x.party, x.area, x.offset, x.actual]), [['VIRTQ_AVAIL_IDX_JUMP', 'driver', 'avail', 2, 20]]);
});

test('split: chain faults on live chains only; used ids outside the queue on published used entries only', () => {
  const r = splitQueue();
  // avail ring: heads 0 (used), 1 (used, and now broken: stale), 2 (live, broken), 3 (live, fine).
  for (const [slot, head] of [[0, 0], [1, 1], [2, 2], [3, 3]] as const) r.setAvailRing(slot, head);
  r.setAvailIdx(4);
  r.writeDesc(r.descPort, r.descBase, 1, 0x4100, 0, 0, 0, 0); // len 0
  r.writeDesc(r.descPort, r.descBase, 2, 0x4200, 0, 0, 0, 0);
  r.setUsedElem(0, 0, 64);
  r.setUsedElem(1, 9, 64); // id 9 of a queue of 8
  r.setUsedElem(2, 12, 64); // past used.idx: not published
  r.setUsedIdx(2);
  const c = checkSplitSnapshot(r);
  assert.deepEqual(c.findings.map((x) => [x.rule, x.party, x.area, x.offset, x.index, x.slot, x.path]), [
    ['VIRTQ_ZERO_LENGTH', 'driver', 'avail', 4 + 2 * 2, 2, 2, 'avail.ring[2]'],
    ['VIRTQ_USED_ID_OUT_OF_RANGE', 'device', 'used', 4 + 1 * 8, 1, 1, 'used.ring[1].id'],
  ]);
  assert.equal(c.report.chains[1]?.finding, 'stale');
  assert.match(c.findings[0]?.message ?? '', /^driver made head 2 available \(avail index 2\), a chain the device cannot walk: descriptor 2 has len 0\.$/);
});

/** A packed queue of 8 over 64 KiB of guest RAM: desc at 0, event structures at 0x1000 and 0x1004. */
function packedQueue(): PackedRing {
  const memory = new GuestMemory();
  memory.map(0, new PlainRingPort(new ArrayBuffer(0x10000), 0, 0x10000));
  return new PackedRing({ memory, size: 8, desc: 0, driverEvent: 0x1000, deviceEvent: 0x1004, indirect: true });
}

test('packed: a used descriptor (AVAIL equal to USED) naming an id outside the queue is the device\'s; event offsets outside the ring', () => {
  const r = packedQueue();
  r.writeDescBody(r.descPort, r.descBase, 2, 0x4000, 0, 64, 40);
  r.setDescFlags(2, (1 << 7) | (1 << 15)); // AVAIL = USED = 1: a used descriptor of pass 1
  r.writeDescBody(r.descPort, r.descBase, 3, 0x4000, 0, 64, 50);
  r.setDescFlags(3, 1 << 7); // available, not used: a driver's descriptor, its id is not a used id
  const c = checkPackedSnapshot(r);
  assert.deepEqual(c.findings.map((x) => [x.rule, x.party, x.dump, x.area, x.offset, x.index, x.actual]), [['VIRTQ_USED_ID_OUT_OF_RANGE', 'device', 'virtio-packed', 'desc', 2 * 16 + 12, 2, 40]]);
  r.setDriverEvent(9, 2);
  r.setDeviceEvent(10, 2);
  const ev = checkPackedSnapshot(r);
  assert.deepEqual(ev.findings.map((x) => [x.rule, x.party, x.area, x.offset, x.path, x.actual]), [
    ['VIRTQ_EVENT_OFFSET_OUT_OF_RANGE', 'driver', 'driver_event', 0, 'driver_event.off_wrap', 9],
    ['VIRTQ_EVENT_OFFSET_OUT_OF_RANGE', 'device', 'device_event', 0, 'device_event.off_wrap', 10],
    ['VIRTQ_USED_ID_OUT_OF_RANGE', 'device', 'desc', 2 * 16 + 12, 'desc[2].id', 40],
  ]);
});

test('a dump finding and a trace finding are one Finding type, told apart by `dump`', () => {
  const { s } = blkifRing([]);
  s.reqProd = 33;
  const f: Finding = checkRingImage(new Uint8Array(s.bytes), blkif, 0).findings[0] as DumpFinding;
  assert.equal(f.dump, 'xen');
  assert.equal(f.seq, undefined);
  assert.equal(f.record, undefined);
  const t: TraceFinding = { rule: 'XEN_RING_STUCK', severity: 'error', party: 'back', iface: 0, seq: 1, record: 2, offset: 3, expected: 0, actual: 1, message: 'm', source: 's' };
  const both: Finding[] = [f, t];
  assert.deepEqual(both.map((x) => (x.dump === undefined ? `packet ${x.record}` : `${x.area} byte ${x.offset}`)), ['sring byte 0', 'packet 2']);
});

test('CLI: findings follow the decode in text, one block each, then the count; --rules and --severity filter; bad values are usage errors', async () => {
  const { s } = blkifRing([read(0x50001n, [{ first_sect: 5, last_sect: 2 }])]);
  const files = { img: new Uint8Array(s.bytes) };
  const t = await runDumpText(['xen', '--ring', 'blkif', 'img'], files);
  assert.equal(t.status, 1);
  const at = 64 + resolvePath(layoutOf('blkif_request'), 'seg[0].first_sect').offset;
  assert.ok(t.text.endsWith([
    `  error XEN_BLKIF_SECT_ORDER (front) at byte ${at} of sring, index 0 (slot 0)`,
    '    front published request 0 (slot 0): segment 0 starts at sector 5, after its last sector 2.',
    '    request[0].seg[0].first_sect: expected <= last_sect 2; actual 5',
    '    rule: Linux drivers/block/xen-blkback/blkback.c dispatch_rw_block_io()',
    '  1 error, 0 warnings, 0 info',
  ].join('\n')), t.text);
  const kept = await runDump(['xen', '--ring', 'blkif', 'img', '--json', '--rules', 'xen-ring-req-prod-overflow,XEN_BLKIF_SECT_PAST_PAGE'], files);
  assert.equal(kept.status, 0);
  assert.deepEqual(kept.json.findings, []);
  assert.equal(kept.json['consistent'], true);
  assert.equal((await runDump(['xen', '--ring', 'blkif', 'img', '--json', '--severity', 'warning'], files)).status, 1);
  for (const bad of [['--rules', 'NOT_A_RULE'], ['--severity', 'fatal']]) {
    await assert.rejects(runDumpText(['xen', '--ring', 'blkif', 'img', ...bad], files), (e: unknown) => e instanceof UsageError && /^CLI_(UNKNOWN_CODE|USAGE)$/.test(e.code), bad.join(' '));
  }
  const split = splitQueue();
  split.setUsedIdx(3);
  const g = splitAreas(8, false);
  const area = (base: number, len: number) => split.descPort.bytes.slice(base, base + len);
  const sfiles = { d: area(0, g.descSize), a: area(0x1000, g.availSize), u: area(0x2000, g.usedSize) };
  const sd = await runDumpText(['virtio-split', '--size', '8', '--desc', 'd', '--avail', 'a', '--used', 'u'], sfiles);
  assert.equal(sd.status, 1);
  assert.match(sd.text, /\n {2}error VIRTQ_USED_IDX_JUMP \(device\) at byte 2 of used\n {4}device published used.idx 3, 3 entries past avail.idx 0: it used buffers never made available\.\n {4}used.idx: expected at most avail.idx 0; actual 3\n {4}rule: virtio 1.2 §2.7.8\n {2}1 error, 0 warnings, 0 info$/);
  await assert.rejects(runDumpText(['virtio-split', '--size', '8', '--desc', 'd', '--avail', 'a', '--used', 'u', '--rules', 'nope'], sfiles), UsageError);
});

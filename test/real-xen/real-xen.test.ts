/**
 * The committed real-Xen fixtures (fixtures/xen/real/: captured by test/real-xen/run.sh from a Linux 6.1 PV
 * guest's blkfront and netfront under Xen 4.17, see test/real-xen/README.md). No VM and no compiler here:
 *   - each capture log parses (every page's CRC-32 checks) and regenerates its traces byte for byte;
 *   - every ring snapshot in every trace decodes, request by request and response by response, exactly as the
 *     C reference decode of the same bytes (ref-decode.c against the real headers, committed as VARIANT.ref.json);
 *   - `ringwire check` finds nothing of error severity (requests in flight are not violations);
 *   - the captures show what the harness set out to capture: requests held in flight by dm-delay, among them
 *     64 KiB writes as BLKIF_OP_INDIRECT and a discard, then the flush, all completed by the last capture, and
 *     netfront's rx buffers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { TraceReader, TraceReplayer, checkTrace, inspectRingImage, ringType } from '../../src/index.js';
import { RWT_SNAPSHOT, type XenTraceSetup } from '../../protocol/trace/index.js';
import { cli } from '../helpers/cli.js';
import { CaptureLogError, extractCaptureLog, parseCaptureLog } from './capture-log.js';
import { RealTraceError, deviceTrace } from './real-trace.js';
import { realRoot, realTraces } from './make-real-fixtures.js';

interface RefSlot { index: number; slot: number; offset: number; zero: boolean; struct: string | null; variant?: string; record?: unknown; raw?: string }
interface RefDecode { ring: string; order: number; nrEnts: number; header: Record<string, number>; requests: RefSlot[]; responses: RefSlot[] }
interface RefSnapshot { trace: string; iface: number; interface: string; capture: string; decode: RefDecode }

const variants = readdirSync(realRoot).filter((n) => n.endsWith('.capture.log')).map((n) => n.slice(0, -'.capture.log'.length)).sort();

test('real-Xen fixtures: the committed ones include the 1-page persistent-grant capture', () => {
  // npm run test:xen may capture only the variants it was given, into REALXEN_FIXTURES.
  assert.ok(process.env['REALXEN_FIXTURES'] ? variants.length > 0 : variants.includes('order0-persistent'), `capture logs: ${variants.join(', ')}`);
});

/** Each snapshot record of a trace, with the ring bytes replayed up to it. */
function* snapshots(bytes: Uint8Array): Generator<{ iface: number; setup: XenTraceSetup; image: Uint8Array; ordinal: number }> {
  const replay = new TraceReplayer();
  const seen = new Map<number, number>();
  for (const r of new TraceReader(bytes)) {
    replay.apply(r);
    if (r.rec_type !== RWT_SNAPSHOT) continue;
    const i = replay.interface(r.interface_id);
    const ordinal = seen.get(r.interface_id) ?? 0;
    seen.set(r.interface_id, ordinal + 1);
    yield { iface: r.interface_id, setup: i.setup as XenTraceSetup, image: (i.regions[0] as { bytes: Uint8Array }).bytes.slice(), ordinal };
  }
}

/** A C reference slot as ringwire's ring-image slot would say it. */
function cSlot(s: RefSlot): Record<string, unknown> {
  const { zero: _zero, ...rest } = s;
  return rest;
}

/** A ringwire slot without its listing hint (`segments`, not a C member). */
function rwSlot(s: object): Record<string, unknown> {
  const { segments: _segments, ...rest } = s as Record<string, unknown>;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

for (const variant of variants) {
  const logText = readFileSync(`${realRoot}${variant}.capture.log`, 'latin1');
  const ref = JSON.parse(readFileSync(`${realRoot}${variant}.ref.json`, 'utf8')) as { snapshots: RefSnapshot[] };

  test(`${variant}: the capture log parses and regenerates the committed traces byte for byte`, () => {
    const log = parseCaptureLog(logText);
    assert.ok(log.notes.includes('DONE'), 'the harness run finished');
    const traces = realTraces(logText, variant);
    assert.deepEqual(traces.map((t) => t.name).sort(), [`${variant}-vbd.pcapng`, `${variant}-vif.pcapng`]);
    for (const t of traces) assert.ok(Buffer.from(t.bytes).equals(readFileSync(`${realRoot}${t.name}`)), `${t.name} is stale: run test/real-xen/fixtures.sh`);
  });

  test(`${variant}: every request and response slot of every snapshot decodes as the C reference does`, () => {
    let compared = 0;
    const traces = [`${variant}-vbd.pcapng`, `${variant}-vif.pcapng`];
    const refs = ref.snapshots;
    let k = 0;
    for (const name of traces) {
      const bytes = new Uint8Array(readFileSync(`${realRoot}${name}`));
      const mine = [...snapshots(bytes)];
      const theirs = refs.filter((s) => s.trace === name);
      assert.equal(mine.length, theirs.length, `${name}: snapshot count`);
      for (const s of mine) {
        const c = theirs.filter((x) => x.iface === s.iface)[s.ordinal] as RefSnapshot;
        assert.ok(c !== undefined, `${name} iface ${s.iface} snapshot ${s.ordinal} has a C decode`);
        const where = `${name} ${c.interface} at ${c.capture}`;
        const type = ringType(s.setup.ring as 'blkif', { abi: s.setup.abi });
        const r = inspectRingImage(s.image, type, s.setup.order);
        assert.equal(c.decode.ring, s.setup.ring, where);
        assert.equal(r.nrEnts, c.decode.nrEnts, `${where}: RING_SIZE`);
        const { pvt: _pvt, ...header } = r.header;
        assert.deepEqual(header, c.decode.header, `${where}: index words`);
        assert.deepEqual(r.violations.map((v) => v.message), [], `${where}: a healthy ring image`);
        assert.deepEqual(r.requests.map(rwSlot), c.decode.requests.map(cSlot), `${where}: requests`);
        assert.deepEqual(r.responses.map(rwSlot), c.decode.responses.filter((x) => !x.zero).map(cSlot), `${where}: responses`);
        assert.equal(r.zeroResponseSlots, c.decode.responses.filter((x) => x.zero).length, `${where}: all-zero response slots`);
        compared += c.decode.requests.length + c.decode.responses.length;
        k++;
      }
    }
    assert.equal(k, refs.length, 'every C reference snapshot was compared');
    assert.ok(compared > 0);
  });

  for (const dev of ['vbd', 'vif']) {
    test(`${variant}-${dev}: ringwire check finds no error-severity finding`, async () => {
      const file = `${realRoot}${variant}-${dev}.pcapng`;
      const findings = checkTrace(new TraceReader(new Uint8Array(readFileSync(file))));
      assert.deepEqual(findings.filter((f) => f.severity === 'error').map((f) => `${f.rule}: ${f.message}`), []);
      const r = await cli('check', file);
      assert.equal(r.status, 0, r.out + r.err);
      assert.match(r.out, /: 0 errors, /);
    });
  }

  test(`${variant}: the captures show I/O in flight, a flush in flight, then all completed, and netfront's rx buffers posted`, () => {
    const blk = ref.snapshots.filter((s) => s.decode.ring === 'blkif');
    const inflight = blk.filter((s) => s.capture === 'blk-inflight');
    const requests = inflight.flatMap((s) => s.decode.requests);
    assert.ok(requests.length > 0, 'dm-delay held requests in flight');
    const indirect = requests.filter((q) => q.variant === 'BLKIF_OP_INDIRECT');
    assert.ok(indirect.some((q) => (q.record as { nr_segments: number }).nr_segments === 16), '64 KiB as 16 indirect segments');
    assert.ok(requests.some((q) => q.variant === 'BLKIF_OP_DISCARD'), 'a discard in flight');
    const flush = blk.filter((s) => s.capture === 'blk-flush').flatMap((s) => s.decode.requests);
    assert.ok(flush.some((q) => q.variant === 'BLKIF_OP_FLUSH_DISKCACHE'), 'the flush after the fsync\'d write, in flight');
    for (const s of blk.filter((x) => x.capture === 'blk-completed')) assert.equal(s.decode.requests.length, 0, `${s.interface}: all answered`);
    const rx = ref.snapshots.filter((s) => s.decode.ring === 'netif_rx' && s.capture === 'net-traffic');
    assert.ok(rx.length > 0 && rx.every((s) => s.decode.requests.length > 0), 'rx buffers posted');
  });
}

test('capture logs: a changed byte, a short page or a missing end is a typed error with its line', () => {
  const text = readFileSync(`${realRoot}${variants[0] as string}.capture.log`, 'latin1');
  const lines = text.split('\n');
  const p = lines.findIndex((l) => l.startsWith('@rg page '));
  const flip = [...lines];
  const line = flip[p] as string;
  const at = line.length - 10;
  flip[p] = line.slice(0, at) + (line[at] === 'A' ? 'B' : 'A') + line.slice(at + 1);
  assert.throws(() => parseCaptureLog(flip.join('\n')), (e: unknown) => e instanceof CaptureLogError && e.code === 'REALXEN_BAD_CAPTURE_LOG' && e.line === p + 1 && /CRC-32/.test(e.message));
  const short = [...lines];
  short[p] = line.slice(0, -8);
  assert.throws(() => parseCaptureLog(short.join('\n')), (e: unknown) => e instanceof CaptureLogError && e.line === p + 1);
  const end = lines.findIndex((l) => l.startsWith('@rg end '));
  assert.throws(() => parseCaptureLog(lines.slice(0, end).join('\n')), /has no end/);
  assert.throws(() => parseCaptureLog('garbage\n'), (e: unknown) => e instanceof CaptureLogError && e.line === 1);
  assert.equal(extractCaptureLog('(XEN) boot\r\n@rw hello\r\n[ 1.0] kernel\n@rg end x\n'), '@rw hello\n@rg end x\n');
});

test('device traces: a capture without the keys or pages its rings need is refused, not guessed', () => {
  const log = parseCaptureLog(readFileSync(`${realRoot}${variants[0] as string}.capture.log`, 'latin1'));
  const c = log.captures[0] as (typeof log.captures)[number];
  const noRef = { ...c, xs: new Map([...c.xs].filter(([k]) => !/ring-ref/.test(k))) };
  assert.throws(() => deviceTrace([noRef]), (e: unknown) => e instanceof RealTraceError && e.code === 'REALXEN_BAD_CAPTURE' && /ring-ref/.test(e.message));
  assert.throws(() => deviceTrace([{ ...c, pages: [] }]), /has no page/);
  assert.throws(() => deviceTrace([]), RealTraceError);
});

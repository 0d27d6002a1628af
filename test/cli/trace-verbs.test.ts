/**
 * `ringwire trace info` and `ringwire trace decode`, in-process and as a real process, over traces that
 * TraceWriter writes here from seeded data: several interfaces, every record type, many records, a record
 * split because it is larger than a packet. What the verbs print is checked against what was written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { protocol } from '../../src/index.js';
import { processIo, streamWriter } from '../../src/cli/io.js';
import { Writable } from 'node:stream';
import { traceInfo } from '../../src/cli/trace-info.js';
import { sampleTrace, concat, reframe, type SampleTrace, type WrittenRecord } from '../trace/trace-fixtures.js';
import { traceIo, runTrace } from './trace-io.js';
import { cli } from '../helpers/cli.js';

const T = protocol.trace;
const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const words = new Map(T.recordTypes.map((t) => [t.value, t.word]));
const parties = ['none', 'front', 'back'];
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** Three interfaces (the second in microseconds), every type on each, 400 more records, one 300 000-byte body. */
const big: SampleTrace = sampleTrace({ seed: 81, names: ['blkif/x86_64/order0', 'virtio-split/256', 'netif_tx/x86_32/order1'], extra: 400, bigBody: 300_000 });
const tsresols = [9, 6, 9];

interface JsonEvent { seq: number; iface: number; party: string; kind: string; text: string; rec_type: number; body_len: number; body_head: string; fragments: number; timestamp: string; packet: number }

function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

test('trace info --json: interfaces, records by type, packets, fragments, bytes, time span and lost records, as written', async () => {
  const io = traceIo({ 't.pcapng': big.bytes }, 1000);
  assert.equal(await runTrace(io, 'trace', 'info', 't.pcapng', '--json'), 0, io.stderr);
  assert.equal(io.stderr, '');
  const info = JSON.parse(io.stdout) as Awaited<ReturnType<typeof traceInfo>>;
  const recs = big.records;
  const byType: Record<string, number> = {};
  for (const t of T.recordTypes) byType[t.word] = recs.filter((r) => r.rec_type === t.value).length;
  assert.deepEqual(info.records_by_type, byType);
  assert.equal(info.records, recs.length);
  assert.equal(info.packets, big.packets);
  assert.equal(info.fragments, 2, 'the 300 000-byte body took two packets');
  assert.equal(info.bytes, big.bytes.length);
  assert.equal(info.body_bytes, recs.reduce((n, r) => n + r.body.length, 0));
  assert.equal(info.lost_records, byType['lost']);
  assert.equal(info.complete, true);
  assert.equal(info.sections, 1);
  const ns = (r: WrittenRecord) => r.timestamp * (tsresols[r.iface] === 6 ? 1000n : 1n);
  assert.deepEqual(info.interfaces.map((f) => [f.id, f.if_name, f.linktype, f.if_tsresol, f.records, f.ended, f.first_ns, f.last_ns]),
    big.names.map((name, i) => {
      const mine = recs.filter((r) => r.iface === i);
      const times = mine.map(ns).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return [i, name, 147, tsresols[i], mine.length, true, String(times[0]), String(times[times.length - 1])];
    }));
  const all = recs.map(ns);
  const first = all.reduce((a, b) => (b < a ? b : a));
  const last = all.reduce((a, b) => (b > a ? b : a));
  assert.deepEqual(info.time, { first_ns: String(first), last_ns: String(last), span_ns: String(last - first) });
  assert.deepEqual(info.skipped, { blocks: 0, records: 0, record_types: {}, options: 0, foreign_packets: 0 });
  assert.equal(io.opened, 1);
  assert.equal(io.closed, 1, 'the input was closed');
});

test('trace info: several sections, an interface of another link type, unknown blocks and record types are counted', async () => {
  const one = sampleTrace({ seed: 85, names: ['first/a', 'first/b'] });
  const two = sampleTrace({ seed: 86, names: ['second/a', 'second/b', 'second/c'] });
  // Section 2's interface 1 becomes Ethernet (1): its packets are skipped as foreign, it needs no end record.
  const b2 = two.bytes.slice();
  const v2 = new DataView(b2.buffer);
  let idb = v2.getUint32(4, true);
  idb += v2.getUint32(idb + 4, true);
  v2.setUint16(idb + 8, 1, true);
  // A record of a type this build does not know (its CRC made right), and a block of an unknown type.
  const unknownType = reframe(one.bytes, 3, (r) => { r[4] = 99; return r; });
  const odd = new Uint8Array(16);
  new DataView(odd.buffer).setUint32(0, 0x0bad, true);
  new DataView(odd.buffer).setUint32(4, 16, true);
  new DataView(odd.buffer).setUint32(12, 16, true);
  const io = traceIo({ t: concat(unknownType, odd, b2) });
  assert.equal(await runTrace(io, 'trace', 'info', 't', '--json'), 0, io.stderr);
  const info = JSON.parse(io.stdout) as Awaited<ReturnType<typeof traceInfo>>;
  const foreign = two.records.filter((r) => r.iface === 1).length;
  assert.equal(info.sections, 2);
  assert.deepEqual(info.interfaces.map((f) => [f.section, f.id, f.if_name, f.linktype, f.ringwire, f.ended, f.first_ns === null]),
    [[1, 0, 'first/a', 147, true, true, false], [1, 1, 'first/b', 147, true, true, false],
     [2, 0, 'second/a', 147, true, true, false], [2, 1, 'second/b', 1, false, false, true], [2, 2, 'second/c', 147, true, true, false]]);
  assert.equal(info.records, one.records.length - 1 + two.records.length - foreign);
  assert.deepEqual(info.skipped, { blocks: 1, records: 1, record_types: { 'type-99': 1 }, options: 0, foreign_packets: foreign });
  assert.equal(info.complete, true);
  const text = traceIo({ t: concat(unknownType, odd, b2) });
  assert.equal(await runTrace(text, 'trace', 'info', 't'), 0);
  assert.match(text.stdout, /^ {2}2\.1 {2}second\/b +linktype 1 \(not ringwire: skipped\) {2}if_tsresol 6 \(1 us\) {2}0 records$/m);
  assert.match(text.stdout, new RegExp(`^skipped {6}1 blocks, 1 records \\(type-99 1\\), 0 options, ${foreign} packets of other link types$`, 'm'));
});

test('trace info on a trace whose records carry no clock and whose interface has no name', async () => {
  const { GrowableSink, TraceWriter } = await import('../../src/trace/index.js');
  const sink = new GrowableSink();
  const w = new TraceWriter(sink);
  w.addInterface({ name: '' });
  w.close(0);
  const io = traceIo({ t: sink.bytes });
  assert.equal(await runTrace(io, 'trace', 'info', 't'), 0, io.stderr);
  assert.match(io.stdout, /^time span {4}0\.000000000 \.\. 0\.000000000 s \(0\.000000000 s\)$/m);
  assert.match(io.stdout, /^records {6}1 in 1 packets$/m);
});

test('trace info text report', async () => {
  const io = traceIo({ 't.pcapng': big.bytes });
  assert.equal(await runTrace(io, 'trace', 'info', 't.pcapng'), 0);
  const out = io.stdout;
  assert.match(out, new RegExp(`^file {9}t\\.pcapng \\(${big.bytes.length} bytes\\)$`, 'm'));
  assert.match(out, /^complete {5}yes/m);
  assert.match(out, /^ {2}1 {2}virtio-split\/256 +linktype 147 \(ringwire\) {2}if_tsresol 6 \(1 us\) {2}\d+ records {2}ended$/m);
  assert.match(out, new RegExp(`^records {6}${big.records.length} in ${big.packets} packets \\(2 packets are fragments of split records\\)$`, 'm'));
  assert.match(out, /^ {2}setup \d+, region \d+, write \d+, read \d+, barrier \d+, notify \d+, annotation \d+, config \d+, snapshot \d+, checkpoint \d+, lost \d+, end 3$/m);
  assert.match(out, /^time span {4}1700000000\.\d{9} \.\. \d+\.\d{9} s \(\d+\.\d{9} s\)$/m);
});

test('trace decode: one line per record, "seq iface party kind text", the body\'s first bytes in hex', async () => {
  const io = traceIo({ 't.pcapng': big.bytes }, 333);
  assert.equal(await runTrace(io, 'trace', 'decode', '--records', 't.pcapng'), 0, io.stderr);
  const got = lines(io.stdout);
  assert.equal(got.length, big.records.length);
  // In file order: the writer wrote them in seq order.
  got.forEach((l, i) => {
    const r = big.records[i] as WrittenRecord;
    const [seq, iface, party, kind] = l.trim().split(/\s+/);
    assert.deepEqual([Number(seq), Number(iface), party, kind], [r.seq, r.iface, parties[r.party], words.get(r.rec_type)], l);
    const head = hex(r.body.subarray(0, 16));
    assert.ok(l.includes(`${r.body.length} bytes${r.body.length > 300_000 - 1 ? ' in 2 packets' : ''}${r.body.length > 0 ? `: ${head}` : ''}`), l);
    assert.equal(l.endsWith(' ...'), r.body.length > 16, l);
  });
});

test('trace decode streams its output: chunks of about 64 KiB, waiting when the output is full', async () => {
  const many = sampleTrace({ seed: 84, extra: 5000 });
  const io = traceIo({ 't.pcapng': many.bytes }, 8192);
  assert.equal(await runTrace(io, 'trace', 'decode', '--records', 't.pcapng'), 0, io.stderr);
  assert.equal(lines(io.stdout).length, many.records.length);
  assert.ok(io.writes.length >= 4, `${io.writes.length} writes`);
  for (const w of io.writes) assert.ok(w.length < (1 << 16) + 200 && w.endsWith('\n'), `a write of ${w.length}`);
  for (const w of io.writes.slice(0, -1)) assert.ok(w.length >= 1 << 16, `a write of ${w.length} before the last`);
});

test('an io without streaming read or write (test/helpers/cli.ts) still runs both verbs, through readFile and out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-trace-'));
  try {
    const file = join(dir, 't.pcapng');
    writeFileSync(file, big.bytes);
    const info = await cli('trace', 'info', file, '--json');
    assert.equal(info.status, 0, info.err);
    assert.equal((JSON.parse(info.out) as { records: number }).records, big.records.length);
    const dec = await cli('trace', 'decode', '--records', file);
    assert.equal(dec.status, 0, dec.err);
    assert.equal(lines(dec.out).length, big.records.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('trace decode --json: JSON Lines, one object per record with its wire names', async () => {
  const io = traceIo({ 't.pcapng': big.bytes });
  assert.equal(await runTrace(io, 'trace', 'decode', '--records', 't.pcapng', '--json'), 0);
  const events = lines(io.stdout).map((l) => JSON.parse(l) as JsonEvent);
  assert.deepEqual(events.map((e) => [e.seq, e.iface, e.party, e.kind, e.rec_type, e.body_len, e.body_head, e.timestamp]),
    big.records.map((r) => [r.seq, r.iface, parties[r.party], words.get(r.rec_type), r.rec_type, r.body.length, hex(r.body.subarray(0, 16)), String(r.timestamp)]));
  const split = events.find((e) => e.body_len === 300_000);
  assert.equal(split?.fragments, 2);
  assert.match(split?.text ?? '', /^300000 bytes in 2 packets: [0-9a-f]{32} \.\.\.$/);
  let packet = 0;
  for (const e of events) { assert.equal(e.packet, packet + 1); packet += e.fragments; }
});

test('trace decode --iface / --from / --to keep the records asked for', async () => {
  const pick = async (...args: string[]) => {
    const io = traceIo({ 't.pcapng': big.bytes });
    assert.equal(await runTrace(io, 'trace', 'decode', '--records', 't.pcapng', '--json', ...args), 0, io.stderr);
    return lines(io.stdout).map((l) => JSON.parse(l) as JsonEvent).map((e) => e.seq);
  };
  const seqs = (f: (r: WrittenRecord) => boolean) => big.records.filter(f).map((r) => r.seq);
  assert.deepEqual(await pick('--iface', '1'), seqs((r) => r.iface === 1));
  assert.deepEqual(await pick('--from', '100', '--to', '0x7f'), seqs((r) => r.seq >= 100 && r.seq <= 127));
  assert.deepEqual(await pick('--iface', '2', '--from', '30'), seqs((r) => r.iface === 2 && r.seq >= 30));
  assert.deepEqual(await pick('--to', '0'), [0]);
  assert.deepEqual(await pick('--iface', '7'), []);
});

test('trace verbs: bad usage is one line and exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['trace'], /^ringwire: CLI_USAGE: trace: name one of info, decode, replay\n$/],
    [['trace', 'replay'], /^ringwire: CLI_USAGE: trace replay: give the trace FILE/],
    [['trace', 'replay', 't', '--impl', 'x.js'], /^ringwire: CLI_USAGE: trace replay: --side must be front .* or back/],
    [['trace', 'replay', 't', '--side', 'back'], /^ringwire: CLI_USAGE: trace replay: name the implementation under test with --impl MODULE or --impl-cmd "COMMAND" \(one of them\)\n$/],
    [['trace', 'replay', 't', '--side', 'back', '--impl', 'no-such-module.js'], /^ringwire: CLI_READ: trace replay: cannot load --impl no-such-module.js/],
    [['trace', 'info'], /^ringwire: CLI_USAGE: trace info: name a trace file/],
    [['trace', 'decode'], /^ringwire: CLI_USAGE: trace decode: name a trace file/],
    [['trace', 'info', 'a', 'b'], /^ringwire: CLI_USAGE: trace info: unexpected argument "b"/],
    [['trace', 'decode', 't', '--iface', '-1'], /^ringwire: CLI_BAD_NUMBER: --iface: "-1"/],
    [['trace', 'decode', 't', '--from', '9', '--to', '3'], /^ringwire: CLI_USAGE: trace decode: --from 9 is after --to 3\n$/],
    [['trace', 'decode', 't', '--follow'], /^ringwire: CLI_UNKNOWN_OPTION: trace decode: unknown option --follow/],
    [['trace', 'info', 'no-such-file'], /^ringwire: CLI_READ: cannot read no-such-file: ENOENT\n$/],
  ];
  for (const [argv, want] of cases) {
    const io = traceIo({ t: big.bytes });
    assert.equal(await runTrace(io, ...argv), 2, argv.join(' '));
    assert.match(io.stderr, want, argv.join(' '));
    assert.equal(io.stdout, '', argv.join(' '));
  }
});

test('trace info and decode --help print their usage', async () => {
  for (const kind of ['info', 'decode']) {
    const io = traceIo();
    assert.equal(await runTrace(io, 'trace', kind, '--help'), 0);
    assert.match(io.stdout, new RegExp(`^usage: ringwire trace ${kind} FILE`));
    assert.match(io.stdout, /- for standard input/);
  }
});

test('not pcapng: exit 2, one line TRACE_NOT_PCAPNG at byte 0, nothing on stdout', async () => {
  for (const kind of ['info', 'decode']) {
    const io = traceIo({ 'x.txt': new TextEncoder().encode('hello, this is not a trace\n') });
    assert.equal(await runTrace(io, 'trace', kind, 'x.txt'), 2);
    assert.equal(io.stdout, '');
    assert.match(io.stderr, /^ringwire: TRACE_NOT_PCAPNG: The input is not pcapng: [^\n]* \(byte 0, packet 1\)\.\n$/);
  }
});

test('a trace cut at many points: info exits 2 with TRACE_TRUNCATED and the cut\'s offset; decode first prints every whole record', async () => {
  const small = sampleTrace({ seed: 82, names: ['a', 'b'], extra: 30, bigBody: 270_000 });
  const n = small.bytes.length;
  const v = new DataView(small.bytes.buffer);
  const cuts = new Set<number>([0, 1, 11, 12, 27, 28, n - 1, n - 4]);
  for (let at = 0; at < n; at += v.getUint32(at + 4, true)) for (const d of [0, 4, 13, 40]) if (at + d < n) cuts.add(at + d);
  for (let c = 7; c < n; c += 4099) cuts.add(c);
  const full = traceIo({ t: small.bytes });
  assert.equal(await runTrace(full, 'trace', 'decode', '--records', 't', '--json'), 0);
  const events = lines(full.stdout).map((l) => JSON.parse(l) as JsonEvent);
  /** Where each packet ends. */
  const ends: number[] = [0];
  for (let at = 0; at < n; at += v.getUint32(at + 4, true)) if (v.getUint32(at, true) === 6) ends.push(at + v.getUint32(at + 4, true));
  for (const cut of cuts) {
    const b = small.bytes.subarray(0, cut);
    const info = traceIo({ t: b }, 500);
    assert.equal(await runTrace(info, 'trace', 'info', 't'), 2, `cut at ${cut}`);
    assert.equal(info.stdout, '');
    assert.match(info.stderr, new RegExp(`^ringwire: TRACE_TRUNCATED: [^\\n]*\\(byte ${cut}, packet \\d+\\)\\.\\n$`), `cut at ${cut}`);
    assert.equal(info.closed, info.opened, 'the input was closed after the error');
    const dec = traceIo({ t: b }, 500);
    assert.equal(await runTrace(dec, 'trace', 'decode', '--records', 't', '--json'), 2, `cut at ${cut}`);
    assert.match(dec.stderr, /^ringwire: TRACE_TRUNCATED: /);
    const whole = events.filter((e) => (ends[e.packet + e.fragments - 1] as number) <= cut);
    assert.deepEqual(lines(dec.stdout).map((l) => (JSON.parse(l) as JsonEvent).seq), whole.map((e) => e.seq), `cut at ${cut}`);
  }
});

test('with the process io, a trace that fails is closed: no file descriptor is left open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-trace-'));
  try {
    const file = join(dir, 'cut.pcapng');
    writeFileSync(file, big.bytes.subarray(0, 200_000));
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let i = 0; i < 20; i++) await assert.rejects(traceInfo(file, processIo), { code: 'TRACE_TRUNCATED', offset: 200_000 });
    assert.equal(fds(), before);
    await assert.rejects(traceInfo(dir, processIo), { code: 'CLI_READ', message: new RegExp(`cannot read ${dir}: EISDIR`) });
    await assert.rejects(traceInfo(join(dir, 'nope'), processIo), { code: 'CLI_READ', message: /: ENOENT$/ });
    assert.equal(fds(), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('streamWriter waits for drain when the stream is full, and refuses a destroyed stream', async () => {
  const taken: string[] = [];
  let release: (() => void) | undefined;
  const slow = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _enc, cb) { taken.push(chunk.toString()); release = cb; },
  });
  const write = streamWriter(slow);
  const wait = write('more than sixteen bytes of text');
  assert.ok(wait instanceof Promise, 'the stream is full: wait');
  let drained = false;
  void wait.then(() => { drained = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, false, 'not before the stream drains');
  release?.();
  await wait;
  assert.deepEqual(taken, ['more than sixteen bytes of text']);
  assert.equal(write('x'), undefined, 'room again: no wait');
  release?.();
  slow.destroy();
  await assert.rejects(write('y') as Promise<void>, { code: 'CLI_OUTPUT_CLOSED' });
});

test('as a real process: a file or standard input (-), the same output; exit 2 with one line on a cut file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-trace-'));
  try {
    const file = join(dir, 't.pcapng');
    writeFileSync(file, big.bytes);
    const node = (args: string[], input?: Uint8Array) => spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    for (const kind of [['info', '--json'], ['decode', '--records', '--json'], ['decode', '--records']]) {
      const a = node(['trace', kind[0] as string, file, ...kind.slice(1)]);
      const b = node(['trace', kind[0] as string, '-', ...kind.slice(1)], big.bytes);
      assert.equal(a.status, 0, a.stderr);
      assert.equal(b.status, 0, b.stderr);
      assert.equal(a.stderr + b.stderr, '');
      assert.equal(b.stdout.replace('"file": "-"', `"file": ${JSON.stringify(file)}`), a.stdout, kind.join(' '));
      assert.ok(a.stdout.length > 1000);
    }
    const cut = node(['trace', 'info', '-'], big.bytes.subarray(0, 123_457));
    assert.equal(cut.status, 2);
    assert.equal(cut.stdout, '');
    assert.match(cut.stderr, /^ringwire: TRACE_TRUNCATED: The trace ends at byte 123457, [^\n]*\(byte 123457, packet \d+\)\.\n$/);
    const text = node(['trace', 'info', file]);
    assert.match(text.stdout, /^complete {5}yes/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('as a real process: decode into a pipe closed early ends quietly with 141 (| head -1 gets its line)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-trace-'));
  try {
    const file = join(dir, 'many.pcapng');
    writeFileSync(file, sampleTrace({ seed: 83, extra: 20_000 }).bytes);
    const closed = `"${process.execPath}" "${bin}" trace decode --records "${file}" --json | (exec 0<&-; sleep 1); echo "status=\${PIPESTATUS[0]}" >&2`;
    const r = spawnSync('bash', ['-c', closed], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.stderr, 'status=141\n');
    const head = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" trace decode --records "${file}" | head -1; echo "status=\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8', timeout: 60_000 });
    assert.match(head.stdout, /^ {7}0 {3}0 \w+ +setup +\d+ bytes/);
    assert.equal(lines(head.stdout).length, 1);
    assert.equal(head.stderr, 'status=141\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

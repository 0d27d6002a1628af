/**
 * `ringwire capture qemu` against a stand-in QMP server (a unix socket speaking QMP as QEMU 7.2 does) and a
 * guest RAM file rebuilt from a committed real capture: capturing it again gives the same queues, byte for
 * byte; the VM is stopped and resumed only when it was running and --no-stop is not given; and every failure
 * the issue names (socket unreachable, a command missing, a RAM file of the wrong size, a command refused)
 * is one `ringwire: CODE: message` line with exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.js';
import { processIo, type CliIo } from '../../src/cli/io.js';
import { TraceReader } from '../../src/trace/pcapng-reader.js';
import { capturedQueues, type CapturedRing } from '../../src/trace/virtio-capture.js';
import { decodeQemuFeatures } from '../../src/cli/capture-features.js';
import { deviceId } from '../../src/cli/capture-qemu.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/virtio/real/', import.meta.url));
const RAM = 256 * 1024 * 1024;

interface Fake {
  readonly socket: string;
  readonly seen: string[];
  close(): Promise<void>;
}

/** A QMP server answering from `answers` (command -> return value, or { error } to refuse). */
async function fakeQmp(dir: string, answers: Record<string, (args: Record<string, unknown> | undefined) => unknown>): Promise<Fake> {
  const socket = join(dir, `qmp-${Math.random().toString(36).slice(2)}.sock`);
  const seen: string[] = [];
  const server: Server = createServer((c) => {
    c.setEncoding('utf8');
    c.write(`${JSON.stringify({ QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 } }, capabilities: [] } })}\n`);
    let buf = '';
    c.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const m = JSON.parse(buf.slice(0, nl)) as { execute: string; arguments?: Record<string, unknown> };
        buf = buf.slice(nl + 1);
        seen.push(m.execute);
        // An event between replies, as QEMU sends on stop / cont: the client must skip it.
        c.write(`${JSON.stringify({ event: 'NOTHING', data: {} })}\n`);
        const a = answers[m.execute];
        if (m.execute === 'qmp_capabilities') { c.write('{"return": {}}\n'); continue; }
        if (a === undefined) { c.write(`${JSON.stringify({ error: { class: 'CommandNotFound', desc: `The command ${m.execute} has not been found` } })}\n`); continue; }
        const v = a(m.arguments);
        c.write(`${JSON.stringify(v !== null && typeof v === 'object' && 'error' in v ? v : { return: v })}\n`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(socket, r));
  return { socket, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function io(): CliIo & { outText: () => string; errText: () => string } {
  let out = '';
  let err = '';
  return { ...processIo, write: undefined, out: (t) => { out += t; }, err: (t) => { err += `${t}\n`; }, outText: () => out, errText: () => err };
}

/** The committed capture to rebuild a guest from. */
function fixture(): { queues: CapturedRing[]; file: string } {
  const file = readdirSync(fixtures).filter((f) => f.endsWith('.pcapng')).sort()[0] as string;
  return { file, queues: capturedQueues(new TraceReader(readFileSync(join(fixtures, file)))) };
}

/** A sparse RAM file holding every captured area and table at its guest-physical address. */
function ramFile(dir: string, queues: readonly CapturedRing[], size = RAM): string {
  const path = join(dir, `ram-${size}`);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  for (const q of queues) for (const r of q.regions) writeSync(fd, r.bytes, 0, r.bytes.length, r.address);
  closeSync(fd);
  return path;
}

/** QEMU's answers for the captured guest, rebuilt from the trace's setup records and capture notes. */
function answersFor(queues: readonly CapturedRing[], running: { value: boolean }): Record<string, (a: Record<string, unknown> | undefined) => unknown> {
  const paths = [...new Set(queues.map((q) => String(q.notes['qemu_path'])))];
  const ofPath = (p: unknown): CapturedRing[] => queues.filter((q) => q.notes['qemu_path'] === p);
  return {
    'query-commands': () => ['x-query-virtio', 'x-query-virtio-status', 'x-query-virtio-queue-status', 'query-status', 'stop', 'cont'].map((name) => ({ name })),
    'query-memory-size-summary': () => ({ 'base-memory': RAM, 'plugged-memory': 0 }),
    'x-query-virtio': () => paths.map((path) => ({ name: String(ofPath(path)[0]?.notes['qemu_device']), path })),
    'query-status': () => ({ running: running.value, status: running.value ? 'running' : 'paused' }),
    stop: () => { running.value = false; return {}; },
    cont: () => { running.value = true; return {}; },
    'x-query-virtio-status': (a) => {
      const qs = ofPath(a?.['path']);
      const q = qs[0] as CapturedRing;
      const words = String(q.notes['qemu_features']).split(' ');
      const named = decodeQemuFeatures({ transports: words }).bits;
      const all = BigInt(q.setup.features);
      return {
        'device-id': q.setup.device_id, 'num-vqs': Math.max(...qs.map((x) => x.setup.queue)) + 2, 'device-endian': 'little',
        'guest-features': { transports: words, 'dev-features': [], 'unknown-dev-features': Number(all & ~named) },
      };
    },
    'x-query-virtio-queue-status': (a) => {
      const q = ofPath(a?.['path']).find((x) => x.setup.queue === a?.['queue']);
      // A queue the driver never set up: size and addresses 0.
      if (q === undefined) return { 'queue-index': a?.['queue'], 'vring-num': 0, 'vring-desc': 0, 'vring-avail': 0, 'vring-used': 0, 'used-idx': 0, 'signalled-used': 0, 'signalled-used-valid': false, inuse: 0 };
      const s = q.setup;
      return {
        'queue-index': s.queue, 'vring-num': s.size, 'vring-desc': Number(s.desc), 'vring-avail': Number(s.avail ?? s.driver_event), 'vring-used': Number(s.used ?? s.device_event),
        'last-avail-idx': q.notes['last_avail_idx'], 'shadow-avail-idx': q.notes['shadow_avail_idx'], 'used-idx': q.notes['used_idx'],
        'signalled-used': q.notes['signalled_used'], 'signalled-used-valid': q.notes['signalled_used_valid'], inuse: q.notes['inuse'],
      };
    },
  };
}

test('capture qemu: a guest rebuilt from a real capture is captured again byte for byte; the VM is stopped and resumed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-capture-'));
  try {
    const { queues, file } = fixture();
    assert.ok(queues.length >= 3, `${file} holds the queues of blk and net devices`);
    const ram = ramFile(dir, queues);
    const running = { value: true };
    const fake = await fakeQmp(dir, answersFor(queues, running));
    const out = join(dir, 'again.pcapng');
    const o = io();
    assert.equal(await run(['capture', 'qemu', '--qmp', fake.socket, '--ram', ram, '--out', out], o), 0, o.errText());
    assert.ok(fake.seen.includes('stop') && fake.seen.indexOf('cont') > fake.seen.indexOf('stop'), `stopped, then resumed: ${fake.seen.join(' ')}`);
    assert.equal(running.value, true);
    assert.match(o.outText(), new RegExp(`captured ${queues.length} queue\\(s\\) to `));
    const again = capturedQueues(new TraceReader(readFileSync(out)));
    assert.equal(again.length, queues.length);
    for (const [k, q] of queues.entries()) {
      const a = again[k] as CapturedRing;
      assert.deepEqual(a.setup, q.setup);
      assert.deepEqual(a.regions.map((r) => [r.name, r.kind, r.address, Buffer.from(r.bytes).toString('hex')]), q.regions.map((r) => [r.name, r.kind, r.address, Buffer.from(r.bytes).toString('hex')]));
      assert.equal(a.notes['last_avail_idx'], q.notes['last_avail_idx']);
      assert.equal(a.notes['vm_running'], false, 'captured while stopped');
    }
    // --no-stop reads the VM running; --device keeps one device; --json reports the queues.
    fake.seen.length = 0;
    const one = String(queues[0]?.notes['qemu_path']);
    const o2 = io();
    assert.equal(await run(['capture', 'qemu', '--qmp', fake.socket, '--ram', ram, '--out', out, '--no-stop', '--device', deviceId(one), '--json'], o2), 0, o2.errText());
    assert.ok(!fake.seen.includes('stop') && !fake.seen.includes('cont'), fake.seen.join(' '));
    const j = JSON.parse(o2.outText()) as { queues: { interface: string }[] };
    assert.deepEqual(j.queues.map((x) => x.interface), queues.filter((q) => q.notes['qemu_path'] === one).map((q) => `qemu/${deviceId(one)}/vq${q.setup.queue}`));
    for (const q of capturedQueues(new TraceReader(readFileSync(out)))) assert.equal(q.notes['vm_running'], true);
    // A paused VM is captured as it is and left paused.
    running.value = false;
    fake.seen.length = 0;
    assert.equal(await run(['capture', 'qemu', '--qmp', fake.socket, '--ram', ram, '--out', out], io()), 0);
    assert.ok(!fake.seen.includes('stop') && !fake.seen.includes('cont'));
    await fake.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('capture qemu: one line and exit 2 for an unreachable socket, a missing command, a RAM file of the wrong size, a refused command, bad usage', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-capture-'));
  try {
    const { queues } = fixture();
    const ram = ramFile(dir, queues);
    const fail = async (args: string[]): Promise<string> => {
      const o = io();
      assert.equal(await run(['capture', 'qemu', ...args], o), 2);
      const lines = o.errText().trim().split('\n');
      assert.equal(lines.length, 1, o.errText());
      return lines[0] as string;
    };
    assert.match(await fail(['--qmp', join(dir, 'nothing.sock'), '--ram', ram]), /^ringwire: CLI_QMP_CONNECT: QMP socket .*nothing\.sock: connect ENOENT/);
    assert.match(await fail(['--ram', ram]), /^ringwire: CLI_USAGE: capture qemu needs --qmp SOCKET and --ram FILE$/);
    assert.match(await fail(['--qmp', 'x', '--ram', join(dir, 'no-ram')]), /^ringwire: CLI_READ: cannot read .*no-ram: ENOENT/);

    const running = { value: true };
    const good = answersFor(queues, running);
    const old = await fakeQmp(dir, { ...good, 'query-commands': () => [{ name: 'query-status' }] });
    assert.match(await fail(['--qmp', old.socket, '--ram', ram]), /^ringwire: CLI_QMP_MISSING: QEMU has no QMP command x-query-virtio \(QEMU 7\.2 or later/);
    await old.close();

    const small = ramFile(dir, queues, RAM + 4096);
    const f = await fakeQmp(dir, good);
    assert.match(await fail(['--qmp', f.socket, '--ram', small]), /^ringwire: CLI_INPUT_SIZE: --ram .* has 268439552 bytes but the guest has 268435456 bytes of RAM/);
    assert.match(await fail(['--qmp', f.socket, '--ram', ram, '--device', 'nosuch']), /^ringwire: CLI_USAGE: --device nosuch: no such virtio device \(QEMU has /);
    await f.close();

    const refused = await fakeQmp(dir, { ...good, 'x-query-virtio-status': () => ({ error: { class: 'GenericError', desc: 'No such device' } }) });
    running.value = true;
    assert.match(await fail(['--qmp', refused.socket, '--ram', ram]), /^ringwire: CLI_QMP_ERROR: QMP x-query-virtio-status: No such device$/);
    assert.equal(running.value, true, 'a failed capture still resumes the VM it stopped');
    await refused.close();

    // A command that disappears with the QMP server: the missing-command reply of QEMU itself.
    const gone = await fakeQmp(dir, { ...good, 'query-memory-size-summary': undefined as never });
    assert.match(await fail(['--qmp', gone.socket, '--ram', ram]), /^ringwire: CLI_QMP_MISSING: QEMU has no QMP command query-memory-size-summary/);
    await gone.close();

    // An area outside the RAM file.
    const outside = await fakeQmp(dir, { ...good, 'x-query-virtio-queue-status': (a) => ({ ...(good['x-query-virtio-queue-status'] as (x: unknown) => Record<string, unknown>)(a), 'vring-desc': RAM - 16, 'vring-num': 256 }) });
    assert.match(await fail(['--qmp', outside.socket, '--ram', ram]), /^ringwire: CLI_INPUT_SIZE: the descriptor table of .* queue 0 at 0xfffff?f0 \(4096 bytes\) lies outside the 268435456-byte --ram/);
    await outside.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('QEMU feature words: named bits from protocol/, unnamed bits from unknown-dev-features, the rest listed', () => {
  const f = decodeQemuFeatures({
    transports: ['VIRTIO_RING_F_EVENT_IDX: Used & avail. event fields enabled', 'VIRTIO_F_VERSION_1: Device compliant for v1 spec (legacy)'],
    'dev-features': ['VIRTIO_NET_F_MRG_RXBUF: Driver can merge receive buffers', 'VIRTIO_NET_F_MAC: Device has given MAC address'],
    'unknown-dev-features': 2 ** 40,
  });
  assert.equal(f.bits, (1n << 29n) | (1n << 32n) | (1n << 15n) | (1n << 40n));
  assert.deepEqual(f.names, ['VIRTIO_RING_F_EVENT_IDX', 'VIRTIO_F_VERSION_1', 'VIRTIO_NET_F_MRG_RXBUF', 'VIRTIO_NET_F_MAC']);
  assert.deepEqual(f.unmapped, ['VIRTIO_NET_F_MAC']);
  assert.equal(decodeQemuFeatures(undefined).bits, 0n);
  assert.equal(deviceId('/machine/peripheral/blk0/virtio-backend'), 'blk0');
  assert.equal(deviceId('/machine/peripheral-anon/device[3]/virtio-backend'), 'device[3]');
  assert.equal(deviceId('/other'), '/other');
});

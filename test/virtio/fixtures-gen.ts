/**
 * Regenerates fixtures/virtio/: snapshots of queues built by ringwire's own drivers and devices, the
 * argument list to dump each one, and the expected `--json` output (written by running the dump verb, then
 * reviewed and committed; test/cli/dump-virtio.test.ts checks the CLI still produces it).
 *
 *   node dist/test/virtio/fixtures-gen.js
 *
 * Deterministic: fixed addresses and operation order, no randomness.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GuestMemory, PackedDevice, PackedDriver, SplitDevice, SplitDriver, splitAreas } from '../../src/virtio/index.js';
import { dumpVirtioPacked, dumpVirtioSplit } from '../../src/cli/dump-virtio.js';
import { processIo, type CliIo } from '../../src/cli/io.js';

const dir = fileURLToPath(new URL('../../../fixtures/virtio/', import.meta.url));
const MEM = 0x10000;

/** One queue's files and the dumps run on them (each dump: its name, for NAME.args and NAME.json, and its arguments). */
interface Fixture { files: Record<string, Uint8Array>; packed: boolean; dumps: { name: string; args: string[] }[] }

/** Guest RAM from address 0 to the end of the last region, as one image (what a VMM's memory dump gives). */
function ramImage(memory: GuestMemory, end: number): Uint8Array {
  const ram = new Uint8Array(end);
  for (let i = 0; i < memory.regionCount; i++) {
    const r = memory.region(i);
    ram.set(r.port.bytes, r.gpa);
  }
  return ram;
}

function splitQueue(name: string, corrupt: boolean): Fixture {
  const size = 8;
  const memory = new GuestMemory();
  const rings = memory.mapNew(0x1000, 0x1000);
  const buf = memory.mapNew(MEM, 0x4000);
  const cfg = { memory, size, desc: 0x1000, avail: 0x1800, used: 0x1c00, eventIdx: true, indirect: true };
  const drv = new SplitDriver(cfg);
  const dev = new SplitDevice(cfg);
  // e and a complete in order (slots 0 and 1 become history); b, c (indirect) and d stay live.
  const e = drv.add([{ addr: MEM + 0xe00, len: 8 }]);
  const a = drv.add([{ addr: MEM + 0x000, len: 16 }, { addr: MEM + 0x100, len: 512, write: true }]);
  drv.add([{ addr: MEM + 0x400, len: 64 }]);
  drv.addIndirect([{ addr: MEM + 0x800, len: 16 }, { addr: MEM + 0x900, len: 256, write: true }, { addr: MEM + 0xa00, len: 1, write: true }], MEM + 0x3000);
  drv.kick();
  dev.pop(); dev.pop(); dev.pop();
  dev.pushUsed(e, 0);
  dev.pushUsed(a, 512);
  dev.interrupt();
  drv.getUsed(); drv.getUsed();
  drv.add([{ addr: MEM + 0xc00, len: 24 }, { addr: MEM + 0xd00, len: 2, write: true }]);
  drv.kick();
  // History: the driver has since scrubbed e's freed descriptor (len 0). Decoding slot 0 reports that, but a
  // chain that is no longer live is no violation.
  rings.view.setUint32(e * 16 + 8, 0, true);
  if (corrupt) {
    // The live indirect chain's table now nests another indirect table (virtio 1.2 §2.7.5.3.1).
    buf.view.setUint16(0x3000 + 16 + 12, 4 | 2, true);
  }
  const areas = splitAreas(size, true);
  const files: Record<string, Uint8Array> = {
    [`${name}.desc.bin`]: rings.bytes.slice(0, areas.descSize),
    [`${name}.avail.bin`]: rings.bytes.slice(0x800, 0x800 + areas.availSize),
    [`${name}.used.bin`]: rings.bytes.slice(0xc00, 0xc00 + areas.usedSize),
    [`${name}.mem-0x10000.bin`]: buf.bytes.slice(),
  };
  const areaArgs = ['--size', String(size), '--desc', `${name}.desc.bin`, '--avail', `${name}.avail.bin`, '--used', `${name}.used.bin`];
  const dumps = [{ name, args: [...areaArgs, '--mem', `0x10000:${name}.mem-0x10000.bin`, '--event-idx', '--json'] }];
  if (!corrupt) {
    files[`${name}.ram.bin`] = ramImage(memory, MEM + 0x4000);
    // The same queue with no guest memory at all: buffers are not checked, the indirect chain's table is unreadable.
    dumps.push({ name: 'split-no-ram', args: [...areaArgs, '--event-idx', '--json'] });
    // The same queue read straight out of one guest RAM image.
    dumps.push({ name: 'split-ram', args: ['--size', String(size), '--ram', `${name}.ram.bin`, '--desc-gpa', '0x1000', '--avail-gpa', '0x1800', '--used-gpa', '0x1c00', '--event-idx', '--json'] });
  }
  return { files, packed: false, dumps };
}

function packedQueue(name: string): Fixture {
  const size = 8;
  const memory = new GuestMemory();
  const rings = memory.mapNew(0x1000, 0x100);
  const buf = memory.mapNew(MEM, 0x4000);
  const cfg = { memory, size, desc: 0x1000, driverEvent: 0x1080, deviceEvent: 0x1084, eventIdx: true, indirect: true };
  const drv = new PackedDriver(cfg);
  const dev = new PackedDevice(cfg);
  dev.enableNotifications();
  drv.enableCallbacks();
  // Go once around the ring so the live chains sit in the second pass (wrap counter 0).
  for (let n = 0; n < 5; n++) {
    drv.add([{ addr: MEM, len: 8 }, { addr: MEM + 0x100, len: 8, write: true }]);
    const c = dev.pop();
    if (c !== null) dev.pushUsed(c.id, 8);
    drv.getUsed();
  }
  drv.add([{ addr: MEM + 0x200, len: 32 }, { addr: MEM + 0x300, len: 128, write: true }]);
  drv.addIndirect([{ addr: MEM + 0x800, len: 16 }, { addr: MEM + 0x900, len: 512, write: true }], MEM + 0x3000);
  drv.add([{ addr: MEM + 0x400, len: 4 }]);
  drv.kick();
  const files: Record<string, Uint8Array> = {
    [`${name}.desc.bin`]: rings.bytes.slice(0, 0x80),
    [`${name}.driver-event.bin`]: rings.bytes.slice(0x80, 0x84),
    [`${name}.device-event.bin`]: rings.bytes.slice(0x84, 0x88),
    [`${name}.mem-0x10000.bin`]: buf.bytes.slice(),
    [`${name}.ram.bin`]: ramImage(memory, MEM + 0x4000),
  };
  const areaArgs = ['--size', String(size), '--desc', `${name}.desc.bin`, '--driver-event', `${name}.driver-event.bin`, '--device-event', `${name}.device-event.bin`];
  return {
    files, packed: true,
    dumps: [
      { name, args: [...areaArgs, '--mem', `0x10000:${name}.mem-0x10000.bin`, '--json'] },
      { name: 'packed-no-ram', args: [...areaArgs, '--json'] },
      { name: 'packed-ram', args: ['--size', String(size), '--ram', `${name}.ram.bin`, '--desc-gpa', '0x1000', '--driver-event-gpa', '0x1080', '--device-event-gpa', '0x1084', '--json'] },
    ],
  };
}

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const f of [splitQueue('split-healthy', false), splitQueue('split-violation', true), packedQueue('packed-healthy')]) {
    for (const [file, bytes] of Object.entries(f.files)) writeFileSync(dir + file, bytes);
    for (const d of f.dumps) {
      writeFileSync(`${dir}${d.name}.args`, `${d.args.join('\n')}\n`);
      let out = '';
      const io: CliIo = {
        out: (t) => { out += t; }, err: (t) => { process.stderr.write(t); },
        readFile: (p, o) => processIo.readFile(dir + p, o), sizeOf: (p) => processIo.sizeOf?.(dir + p),
      };
      const status = await (f.packed ? dumpVirtioPacked : dumpVirtioSplit)(d.args, io);
      writeFileSync(`${dir}${d.name}.json`, `${out.trimEnd()}\n`);
      process.stdout.write(`${d.name}: exit ${status}\n`);
    }
  }
}

// A test runner that picks up every file under dist/test/ must not rewrite the fixtures.
if (import.meta.url === `file://${process.argv[1]}`) await main();

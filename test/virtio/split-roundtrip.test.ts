/**
 * Driver and device of a split queue exchanging data for well past the 16-bit wrap of avail.idx / used.idx
 * (and 3x the queue size many times over), with and without EVENT_IDX and indirect descriptors, in both
 * byte orders, on ArrayBuffer and SharedArrayBuffer. Out-of-order completion, batching, and payload checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory, SplitDevice, SplitDriver, type SplitQueueConfig } from '../../src/virtio/index.js';
import { rng, seedFromEnv } from './rng.js';

const SIZE = 16;
const BUF = 0x10000; // per-head buffer area: 3 × 64 bytes at BUF + head·256
const TABLE = 0x8000; // per-head indirect table at TABLE + head·64

for (const eventIdx of [false, true]) {
  for (const indirect of [false, true]) {
    for (const byteOrder of ['little', 'big'] as const) {
      const shared = eventIdx && indirect;
      test(`split round trip: eventIdx=${eventIdx} indirect=${indirect} ${byteOrder}${shared ? ' shared' : ''}`, () => {
        const seed = seedFromEnv(0x5eed + (eventIdx ? 1 : 0) + (indirect ? 2 : 0) + (byteOrder === 'big' ? 4 : 0));
        try {
          roundTrip(seed, eventIdx, indirect, byteOrder, shared);
        } catch (e) {
          throw new Error(`seed ${seed} (replay with RINGWIRE_SEED=${seed}): ${(e as Error).message}`, { cause: e });
        }
      });
    }
  }
}

function roundTrip(seed: number, eventIdx: boolean, indirect: boolean, byteOrder: 'little' | 'big', shared: boolean): void {
  const rand = rng(seed);
  const memory = new GuestMemory();
  let kicks = 0;
  let irqs = 0;
  memory.mapNew(0, 0x1000, { shared, onNotify: () => { kicks++; } });
  memory.mapNew(0x1000, 0x1000, { shared, onNotify: () => { irqs++; } });
  memory.mapNew(TABLE, SIZE * 64);
  const bufPort = memory.mapNew(BUF, SIZE * 256);
  const cfg: SplitQueueConfig = { memory, size: SIZE, desc: 0, avail: 0x800, used: 0x1000, eventIdx, indirect, byteOrder, queueIndex: 3 };
  const drv = new SplitDriver(cfg);
  const dev = new SplitDevice(cfg);

  const expected = new Map<number, { token: number; writable: number }>();
  const popped: { head: number; writable: number }[] = [];
  const slotBusy = new Uint8Array(SIZE);
  let token = 0;
  let completed = 0;
  const target = 70000;
  const scratch = new Uint8Array(64);

  realLoop();

  function realLoop(): void {
    // Buffers and indirect tables belong to a token slot (token % SIZE), not to the head the driver picks.
    while (completed < target) {
      const adds = Math.floor(rand() * 4);
      for (let a = 0; a < adds; a++) {
        const nr = 1 + Math.floor(rand() * 2);
        const nw = Math.floor(rand() * 2);
        const useInd = indirect && rand() < 0.5;
        if ((useInd ? 1 : nr + nw) > drv.numFree) break;
        const slot = token % SIZE;
        if (slotBusy[slot] === 1) break;
        const base = BUF + slot * 256;
        const bufs = [];
        for (let k = 0; k < nr; k++) {
          bufPort.bytes.fill((token + k) & 0xff, base - BUF + k * 64, base - BUF + k * 64 + 8 + k);
          bufs.push({ addr: base + k * 64, len: 8 + k });
        }
        for (let k = 0; k < nw; k++) bufs.push({ addr: base + (nr + k) * 64, len: 32, write: true });
        const head = useInd ? drv.addIndirect(bufs, TABLE + slot * 64) : drv.add(bufs);
        assert.ok(!expected.has(head));
        expected.set(head, { token, writable: nw * 32 });
        slotBusy[slot] = 1;
        token++;
      }
      if (rand() < 0.7) drv.kick();
      // device: pop some, check payload, complete some (possibly out of order)
      const pops = Math.floor(rand() * 4);
      for (let p = 0; p < pops; p++) {
        const c = dev.pop();
        if (c === null) break;
        const exp = expected.get(c.head);
        assert.ok(exp, `popped unknown head ${c.head}`);
        assert.equal(c.writable, exp.writable);
        // first readable buffer carries the token's low byte
        for (let k = 0; k < c.count; k++) {
          if (((c.flags[k] as number) & 4) !== 0) continue;
          if (((c.flags[k] as number) & 2) === 0) {
            const n = c.readBuffer(k, scratch);
            assert.equal(scratch[n - 1], (exp.token + (c.inTable[k] === 1 ? k - 1 : k)) & 0xff);
          } else {
            scratch.fill(0xee);
            c.writeBuffer(k, scratch.subarray(0, 32));
          }
        }
        popped.push({ head: c.head, writable: c.writable });
      }
      const pushes = Math.floor(rand() * 4);
      for (let q = 0; q < pushes && popped.length > 0; q++) {
        const pick = rand() < 0.3 ? popped.length - 1 : 0;
        const [done] = popped.splice(pick, 1);
        if (done === undefined) break;
        dev.pushUsed(done.head, done.writable);
      }
      if (rand() < 0.7) dev.interrupt();
      // driver: reclaim
      if (rand() < 0.5) drv.disableCallbacks();
      for (let u = drv.getUsed(); u !== null; u = drv.getUsed()) {
        const exp = expected.get(u.id);
        assert.ok(exp, `used unknown id ${u.id}`);
        assert.equal(u.len, exp.writable);
        expected.delete(u.id);
        slotBusy[exp.token % SIZE] = 0;
        completed++;
      }
      drv.enableCallbacks();
      if (rand() < 0.3) dev.disableNotifications(); else dev.enableNotifications();
    }
    assert.ok(kicks > 0 && irqs > 0);
    assert.ok(drv.availIdxShadow !== token, 'avail.idx wrapped');
    assert.equal(drv.availIdxShadow, token & 0xffff);
  }
}

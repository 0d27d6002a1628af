/**
 * Where a device may store (virtio 1.2 §2.7.5, §2.7.5.1): into the device-writable buffers of chains it was
 * given and into the used ring, never into a buffer the driver marked device-readable nor into the split
 * descriptor table, which belongs to the driver. Judged on the checker's `guest-write` events (each store
 * the device made into guest memory, at its guest-physical address).
 */
import type { TraceEvent } from '../../trace/event.js';
import type { TraceRuleFactory } from '../rule.js';
import type { VirtqState } from '../virtq-state.js';

function overlaps(a: number, n: number, b: number, m: number): boolean {
  return a < b + m && b < a + n;
}

function write(e: TraceEvent): [number, number] | undefined {
  return e.kind === 'guest-write' && typeof e['address'] === 'number' && typeof e['length'] === 'number' ? [e['address'], e['length']] : undefined;
}

const hex = (v: number): string => `0x${v.toString(16)}`;

const wroteReadable: TraceRuleFactory<VirtqState> = () => ({
  ids: ['VIRTQ_DEVICE_WROTE_READABLE'],
  check(ctx, e) {
    const w = write(e);
    if (w === undefined) return;
    for (const [id, b] of ctx.state.outstanding) {
      const hit = b.readable.find(([addr, len]) => overlaps(w[0], w[1], addr, len));
      if (hit === undefined) continue;
      ctx.report('VIRTQ_DEVICE_WROTE_READABLE', {
        expected: 'stores only into device-writable buffers', actual: `${w[1]} bytes at ${hex(w[0])}`,
        message: `device wrote ${w[1]} bytes at ${hex(w[0])}, into the device-readable buffer at ${hex(hit[0])} (${hit[1]} bytes) of ${ctx.state.layout === 'split' ? 'head' : 'buffer id'} ${id}.`,
      });
      return;
    }
  },
});

/** Consecutive stores into one descriptor (its members, one record each) are reported once. */
const wroteDescTable: TraceRuleFactory<VirtqState> = () => {
  let lastDesc = -1;
  let lastSeq = -2;
  return {
    ids: ['VIRTQ_DEVICE_WROTE_DESC'],
    check(ctx, e) {
      const w = write(e);
      const t = ctx.state.descTable;
      if (w === undefined || t === undefined || !overlaps(w[0], w[1], t[0], t[1])) return;
      const first = Math.max(0, Math.floor((w[0] - t[0]) / (t[1] / ctx.state.size)));
      const again = first === lastDesc && e.seq === lastSeq + 1;
      lastDesc = first;
      lastSeq = e.seq;
      if (again) return;
      ctx.report('VIRTQ_DEVICE_WROTE_DESC', {
        path: `desc[${first}]`, expected: 'no device store into the descriptor table', actual: `${w[1]} bytes at ${hex(w[0])}`,
        message: `device wrote ${w[1]} bytes at ${hex(w[0])}, into the split descriptor table (descriptor ${first}).`,
      });
    },
  };
};

export const virtioWriteRules: readonly TraceRuleFactory<VirtqState>[] = [wroteReadable, wroteDescTable];

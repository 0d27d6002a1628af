/**
 * virtio used-buffer rules (virtio 1.2 §2.7.8, §2.8.21): the device returns only buffers the driver made
 * available and has not had back, each once, naming an id within the queue, and says it wrote no more than
 * the chain's device-writable bytes; with VIRTIO_F_IN_ORDER, in the order they were made available.
 */
import type { TraceRuleFactory } from '../rule.js';
import { virtioParty } from '../rule.js';
import type { VirtqState } from '../virtq-state.js';

const usedId: TraceRuleFactory<VirtqState> = () => ({
  ids: ['VIRTQ_USED_ID_OUT_OF_RANGE', 'VIRTQ_USED_ID_NOT_OUTSTANDING', 'VIRTQ_USED_ID_TWICE'],
  check(ctx, e) {
    if (e.kind !== 'used') return;
    const s = ctx.state;
    const path = s.layout === 'split' ? `used.ring[${String(e['idx'])}].id` : `desc[${String(e['head'])}].id`;
    const who = virtioParty(e.party);
    for (const id of s.usedIds(e)) {
      if (s.outstanding.has(id)) continue;
      if (id >= s.size) {
        ctx.report('VIRTQ_USED_ID_OUT_OF_RANGE', { path, expected: `< ${s.size}`, actual: id, message: `${who} used id ${id}, outside the queue of ${s.size}.` });
      } else if (s.retired.has(id)) {
        ctx.report('VIRTQ_USED_ID_TWICE', { path, expected: 'a buffer made available and not yet used', actual: id, message: `${who} used id ${id} again; the driver has not made it available since.` });
      } else {
        ctx.report('VIRTQ_USED_ID_NOT_OUTSTANDING', { path, expected: 'a buffer made available and not yet used', actual: id, message: `${who} used id ${id}, which the driver never made available.` });
      }
    }
  },
});

const usedLen: TraceRuleFactory<VirtqState> = () => ({
  ids: ['VIRTQ_USED_LEN_TOO_LARGE'],
  check(ctx, e) {
    if (e.kind !== 'used' || Array.isArray(e['batch'])) return;
    const id = ctx.state.bufferId(e);
    const len = e['len'];
    const b = id === undefined ? undefined : ctx.state.outstanding.get(id);
    if (b === undefined || typeof len !== 'number' || len <= b.writable) return;
    ctx.report('VIRTQ_USED_LEN_TOO_LARGE', {
      path: ctx.state.layout === 'split' ? `used.ring[${String(e['idx'])}].len` : `desc[${String(e['head'])}].len`,
      expected: `<= ${b.writable} (the chain's device-writable bytes)`, actual: len,
      message: `${virtioParty(e.party)} used id ${String(id)} with len ${len}; the chain lets it write ${b.writable} bytes.`,
    });
  },
});

/**
 * §6.2 "If VIRTIO_F_IN_ORDER has been negotiated, a device MUST use buffers in the same order in which they
 * have been available": the decoder marks a split used entry naming a head outside the entries used.idx moved
 * over (a packed used descriptor naming a later id stands for the batch up to it, §2.8.8, so it cannot break this).
 */
const inOrder: TraceRuleFactory<VirtqState> = () => ({
  ids: ['VIRTQ_IN_ORDER_VIOLATION'],
  check(ctx, e) {
    if (e.kind !== 'used' || e['error'] !== 'VIRTQ_IN_ORDER_VIOLATION') return;
    ctx.report('VIRTQ_IN_ORDER_VIOLATION', {
      path: `used.ring[${String(e['idx'])}].id`, expected: e['expected_id'], actual: e['id'], message: `${e.text}.`,
    });
  },
});

export const virtioUsedRules: readonly TraceRuleFactory<VirtqState>[] = [usedId, usedLen, inOrder];

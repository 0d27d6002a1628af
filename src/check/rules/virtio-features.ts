/**
 * Feature behaviour on the wire without the feature. Notification values (virtio 1.2 §2.9,
 * VIRTIO_F_NOTIFICATION_DATA): a kick carries one only when the feature was negotiated, and then it names this
 * queue and where the next available entry goes (split: the avail idx published; packed, §2.8.16: next_off /
 * next_wrap of the next descriptor not yet made available). Batched used entries (§2.7.9, VIRTIO_F_IN_ORDER):
 * a split device that moves used.idx over entries it did not write, the one it wrote naming the head made
 * available at the last of them. The decoder marks the kick or used event; these rules report it. (A queue
 * reset without VIRTIO_F_RING_RESET is judged in virtio-reset.ts.)
 */
import type { TraceRuleFactory } from '../rule.js';
import type { VirtqState } from '../virtq-state.js';

const notificationData: TraceRuleFactory<VirtqState> = () => ({
  ids: ['VIRTQ_FEATURE_NOT_NEGOTIATED', 'VIRTQ_NOTIFICATION_DATA_MISMATCH'],
  check(ctx, e) {
    const code = e['error'];
    if (e.kind !== 'kick' || (code !== 'VIRTQ_FEATURE_NOT_NEGOTIATED' && code !== 'VIRTQ_NOTIFICATION_DATA_MISMATCH')) return;
    const value = `vqn ${String(e['vqn'])}, next_off ${String(e['next_off'])}, next_wrap ${String(e['next_wrap'])}`;
    ctx.report(code, {
      path: 'notification data',
      expected: code === 'VIRTQ_FEATURE_NOT_NEGOTIATED' ? 'a kick without notification data (VIRTIO_F_NOTIFICATION_DATA not negotiated)' : 'this queue and the next entry to be made available',
      actual: value, message: `${e.text}.`,
    });
  },
});

const batchedWithoutInOrder: TraceRuleFactory<VirtqState> = () => ({
  ids: ['VIRTQ_FEATURE_NOT_NEGOTIATED'],
  check(ctx, e) {
    if (e.kind !== 'used' || e['error'] !== 'VIRTQ_FEATURE_NOT_NEGOTIATED') return;
    const batch = Array.isArray(e['batch']) ? (e['batch'] as number[]) : [];
    ctx.report('VIRTQ_FEATURE_NOT_NEGOTIATED', {
      path: `used.ring[${String(e['idx'])}]`, expected: 'one used entry per buffer (VIRTIO_F_IN_ORDER not negotiated)', actual: `one entry for heads ${batch.join(', ')}`,
      message: `${e.text}.`,
    });
  },
});

export const virtioFeatureRules: readonly TraceRuleFactory<VirtqState>[] = [notificationData, batchedWithoutInOrder];

/**
 * Queue reset and re-enable (virtio 1.2 §2.6.1, VIRTIO_F_RING_RESET) and the queue's geometry. The driver's
 * reset and re-enable are its annotations (virtqueue_reset, virtqueue_reinit_split / _packed, as
 * src/virtio/*-driver.ts and Linux name them): a reset needs the feature; between reset and re-enable the
 * device uses nothing and notifies nothing (§2.6.1.1.1); only a reset queue is re-enabled (§2.6.1.2); and a
 * second setup record that moves or resizes the queue comes only while it is reset (§2.6.1.2.2).
 */
import type { TraceRuleFactory } from '../rule.js';
import { QUEUE_REINIT_OPS, QUEUE_RESET_OP, type VirtqState } from '../virtq-state.js';
import { geometryChange } from '../../virtio/queue-reset.js';

const resetFeature: TraceRuleFactory<VirtqState> = () => ({
  ids: ['VIRTQ_FEATURE_NOT_NEGOTIATED'],
  check(ctx, e) {
    if (e.kind !== 'annotation' || e.party !== 'front' || e['op'] !== QUEUE_RESET_OP || ctx.state.ringReset) return;
    ctx.report('VIRTQ_FEATURE_NOT_NEGOTIATED', {
      path: 'features', expected: 'VIRTIO_F_RING_RESET negotiated', actual: ctx.state.setup.features,
      message: `driver reset queue ${ctx.state.setup.queue}, but VIRTIO_F_RING_RESET was not negotiated.`,
    });
  },
});

/** What each end may not do on a reset queue (§2.6.1.1.1 device; §2.6.1.2.2 the driver re-enables first). */
const onResetQueue: Readonly<Record<string, string>> = {
  used: 'used a buffer', interrupt: 'interrupted', available: 'made a buffer available', kick: 'kicked',
};

/** Activity on a reset queue: reported once per reset and end (the first use, notification or buffer made available). */
const afterReset: TraceRuleFactory<VirtqState> = () => {
  const reported = new Set<string>();
  return {
    ids: ['VIRTQ_QUEUE_RESET'],
    check(ctx, e) {
      if (!ctx.state.reset) { reported.clear(); return; }
      const what = onResetQueue[e.kind];
      const who = e.party === 'front' ? 'driver' : 'device';
      if (what === undefined || reported.has(who) || (who === 'driver') !== (e.kind === 'available' || e.kind === 'kick')) return;
      reported.add(who);
      ctx.report('VIRTQ_QUEUE_RESET', {
        expected: 'no buffer made available or used, and no notification, until the driver re-enables the queue', actual: e.kind,
        message: `${who} ${what} on queue ${ctx.state.setup.queue} after the driver reset it: ${e.text}.`,
      });
    },
  };
};

const enableWithoutReset: TraceRuleFactory<VirtqState> = () => ({
  ids: ['VIRTQ_QUEUE_ENABLED'],
  check(ctx, e) {
    if (e.kind !== 'annotation' || e.party !== 'front' || typeof e['op'] !== 'string' || !QUEUE_REINIT_OPS.has(e['op']) || ctx.state.reset) return;
    ctx.report('VIRTQ_QUEUE_ENABLED', {
      expected: 'a queue reset before it is re-enabled', actual: e['op'],
      message: `driver re-enabled queue ${ctx.state.setup.queue} (${e['op']}), which it had not reset.`,
    });
  },
});

const geometryChanged: TraceRuleFactory<VirtqState> = () => ({
  ids: ['VIRTQ_GEOMETRY_CHANGED'],
  check(ctx, e) {
    const prior = ctx.state.prior;
    if (e.kind !== 'setup' || prior === undefined || prior.reset) return;
    // The same check the reference device refuses with (src/virtio/queue-reset.ts).
    const bad = geometryChange(ctx.state.setup.queue, prior.setup, ctx.state.setup);
    if (bad === undefined) return;
    ctx.report('VIRTQ_GEOMETRY_CHANGED', { path: bad.path, expected: bad.expected, actual: bad.received, message: `a new setup record: ${bad.message}.` });
  },
});

export const virtioResetRules: readonly TraceRuleFactory<VirtqState>[] = [resetFeature, afterReset, enableWithoutReset, geometryChanged];

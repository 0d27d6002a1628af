/**
 * virtio notification rules, split queues (virtio 1.2 §2.7.7, §2.7.10): each entry made available (used)
 * that the other end asked to hear about — vring_need_event(event, new, old) with VIRTIO_RING_F_EVENT_IDX,
 * the NO_NOTIFY / NO_INTERRUPT flag clear without it, read as the store published the entry — must be
 * followed by a kick (interrupt) from that end before the trace ends. Notifications may be batched, so an
 * owed one is settled by any later notification of the same end. Packed queues are not judged yet.
 */
import { vringNeedEvent } from '../../virtio/event-idx.js';
import { VRING_AVAIL_F_NO_INTERRUPT, VRING_USED_F_NO_NOTIFY } from '../../virtio/flags.js';
import type { FindingDetail, RecordPlace } from '../finding.js';
import type { TraceRuleFactory } from '../rule.js';
import type { VirtqState } from '../virtq-state.js';

type Owed = { at: RecordPlace; detail: FindingDetail } | undefined;

const missingKick: TraceRuleFactory<VirtqState> = () => {
  let owed: Owed;
  return {
    ids: ['VIRTQ_MISSING_KICK'],
    check(ctx, e) {
      const s = ctx.state;
      if (s.layout !== 'split') return;
      if (e.kind === 'kick') { owed = undefined; return; }
      if (e.kind !== 'available' || owed !== undefined) return;
      const idx = e['idx'] as number;
      const need = s.eventIdx ? vringNeedEvent(s.availEvent, (idx + 1) & 0xffff, idx) : (s.usedFlags & VRING_USED_F_NO_NOTIFY) === 0;
      if (!need) return;
      owed = {
        at: ctx.place,
        detail: {
          path: s.eventIdx ? 'avail_event' : 'used.flags', expected: 'a kick from the driver', actual: 'none',
          message: `driver made avail entry ${idx} available (${s.eventIdx ? `avail_event ${s.availEvent}` : `used.flags 0x${s.usedFlags.toString(16)}`}) and never kicked.`,
        },
      };
    },
    end(ctx) {
      if (owed !== undefined) ctx.report('VIRTQ_MISSING_KICK', owed.detail, owed.at);
      owed = undefined;
    },
  };
};

const missingInterrupt: TraceRuleFactory<VirtqState> = () => {
  let owed: Owed;
  return {
    ids: ['VIRTQ_MISSING_INTERRUPT'],
    check(ctx, e) {
      const s = ctx.state;
      if (s.layout !== 'split') return;
      if (e.kind === 'interrupt') { owed = undefined; return; }
      if (e.kind !== 'used' || owed !== undefined) return;
      const idx = e['idx'] as number;
      const need = s.eventIdx ? vringNeedEvent(s.usedEvent, (idx + 1) & 0xffff, idx) : (s.availFlags & VRING_AVAIL_F_NO_INTERRUPT) === 0;
      if (!need) return;
      owed = {
        at: ctx.place,
        detail: {
          path: s.eventIdx ? 'used_event' : 'avail.flags', expected: 'an interrupt from the device', actual: 'none',
          message: `device used entry ${idx} (${s.eventIdx ? `used_event ${s.usedEvent}` : `avail.flags 0x${s.availFlags.toString(16)}`}) and never interrupted.`,
        },
      };
    },
    end(ctx) {
      if (owed !== undefined) ctx.report('VIRTQ_MISSING_INTERRUPT', owed.detail, owed.at);
      owed = undefined;
    },
  };
};

export const virtioNotifyRules: readonly TraceRuleFactory<VirtqState>[] = [missingKick, missingInterrupt];

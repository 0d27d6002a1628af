/**
 * virtio notification rules (virtio 1.2 §2.7.7, §2.7.10 split; §2.8.10, §2.8.21, §2.8.22 packed): each entry
 * made available (used) that the other end asked to hear about must be followed by a kick (interrupt) from
 * that end before the trace ends. Notifications may be batched, so an owed one is settled by any later
 * notification of the same end. Whether the other end asked is read as the store published the entry:
 *
 * - split: vring_need_event(event, new, old) with VIRTIO_RING_F_EVENT_IDX, the NO_NOTIFY / NO_INTERRUPT flag
 *   clear without it. Without the feature "the driver MUST ignore the avail_event value" (and the device
 *   used_event, §2.7.7.2): a notification the flags ask for that never comes, where an event index the other
 *   end stored would have let it be skipped, is VIRTQ_EVENT_IDX_NOT_NEGOTIATED rather than a plain missing one;
 * - packed: the other end's event suppression structure: RING_EVENT_FLAGS_ENABLE yes, DISABLE no, DESC when
 *   the ring positions just made available (used) pass off_wrap's offset in its wrap pass (as
 *   PackedRing.needEvent and Linux virtqueue_kick_prepare_packed() decide).
 */
import { vringNeedEvent } from '../../virtio/event-idx.js';
import { PackedRing } from '../../virtio/packed-ring.js';
import {
  VRING_AVAIL_F_NO_INTERRUPT, VRING_PACKED_EVENT_FLAG_DESC, VRING_PACKED_EVENT_FLAG_DISABLE, VRING_USED_F_NO_NOTIFY,
} from '../../virtio/flags.js';
import type { TraceEvent } from '../../trace/event.js';
import type { FindingDetail, RecordPlace } from '../finding.js';
import type { TraceRuleFactory } from '../rule.js';
import type { VirtqState } from '../virtq-state.js';

type NotifyCode = 'VIRTQ_MISSING_KICK' | 'VIRTQ_MISSING_INTERRUPT' | 'VIRTQ_EVENT_IDX_NOT_NEGOTIATED';
type Owed = { code: NotifyCode; at: RecordPlace; detail: FindingDetail } | undefined;

/**
 * Packed: does an event suppression structure (flags, off_wrap) ask to hear about `added` descriptors ending
 * just before ring position `pos` in wrap pass `wrap`? (§2.8.10; an offset in the other pass is moved back a ring.)
 */
function packedNeed(flags: number, offWrap: number, size: number, pos: number, wrap: number, added: number): boolean {
  if (flags !== VRING_PACKED_EVENT_FLAG_DESC) return flags !== VRING_PACKED_EVENT_FLAG_DISABLE;
  let ev = PackedRing.offWrapOffset(offWrap);
  if (PackedRing.offWrapCounter(offWrap) !== wrap) ev -= size;
  return vringNeedEvent(ev, pos, pos - added);
}

/** The ring position and wrap pass after `count` descriptors from `head` in pass `wrap`. */
function after(head: number, wrap: number, count: number, size: number): [number, number] {
  let pos = head + count;
  let w = wrap;
  while (pos >= size) { pos -= size; w ^= 1; }
  return [pos, w];
}

const flagWord = (flags: number): string => flags === VRING_PACKED_EVENT_FLAG_DESC ? 'DESC' : flags === VRING_PACKED_EVENT_FLAG_DISABLE ? 'DISABLE' : `0x${flags.toString(16)}`;

/** What the driver owes for an `available` event, or undefined. */
function kickOwed(s: VirtqState, e: TraceEvent, at: RecordPlace): Owed {
  if (s.layout === 'packed') {
    const head = e['head'];
    const wrap = e['avail_wrap_counter'];
    if (typeof head !== 'number' || typeof wrap !== 'number') return undefined;
    const descs = Array.isArray(e['descs']) ? (e['descs'] as { indirect?: unknown }[]).filter((d) => d.indirect !== true).length : 1;
    const n = Math.max(descs, 1);
    const [pos, w] = after(head, wrap, n, s.size);
    if (!packedNeed(s.deviceEventFlags, s.deviceEventOffWrap, s.size, pos, w, n)) return undefined;
    const words = s.deviceEventFlags === VRING_PACKED_EVENT_FLAG_DESC ? `device event DESC off_wrap 0x${s.deviceEventOffWrap.toString(16)}` : `device event flags ${s.deviceEventFlags === 0 ? 'ENABLE' : flagWord(s.deviceEventFlags)}`;
    return { code: 'VIRTQ_MISSING_KICK', at, detail: { path: 'device_event', expected: 'a kick from the driver', actual: 'none', message: `driver made descriptors ${head}..${(head + n - 1) % s.size} available (${words}) and never kicked.` } };
  }
  const idx = e['idx'] as number;
  const next = (idx + 1) & 0xffff;
  if (s.eventIdx) {
    if (!vringNeedEvent(s.availEvent, next, idx)) return undefined;
    return { code: 'VIRTQ_MISSING_KICK', at, detail: { path: 'avail_event', expected: 'a kick from the driver', actual: 'none', message: `driver made avail entry ${idx} available (avail_event ${s.availEvent}) and never kicked.` } };
  }
  if ((s.usedFlags & VRING_USED_F_NO_NOTIFY) !== 0) return undefined;
  if (s.availEventSeen && !vringNeedEvent(s.availEvent, next, idx)) {
    return {
      code: 'VIRTQ_EVENT_IDX_NOT_NEGOTIATED', at,
      detail: { path: 'avail_event', expected: 'a kick, as used.flags asks (avail_event ignored without VIRTIO_RING_F_EVENT_IDX)', actual: 'none', message: `driver made avail entry ${idx} available with used.flags 0x${s.usedFlags.toString(16)} and never kicked, as if avail_event ${s.availEvent} applied, but VIRTIO_RING_F_EVENT_IDX was not negotiated.` },
    };
  }
  return { code: 'VIRTQ_MISSING_KICK', at, detail: { path: 'used.flags', expected: 'a kick from the driver', actual: 'none', message: `driver made avail entry ${idx} available (used.flags 0x${s.usedFlags.toString(16)}) and never kicked.` } };
}

/** What the device owes for a `used` event, or undefined. */
function interruptOwed(s: VirtqState, e: TraceEvent, at: RecordPlace): Owed {
  if (s.layout === 'packed') {
    const head = e['head'];
    const wrap = e['used_wrap_counter'];
    if (typeof head !== 'number' || typeof wrap !== 'number') return undefined;
    const n = s.usedRingCount(e);
    const [pos, w] = after(head, wrap, n, s.size);
    if (!packedNeed(s.driverEventFlags, s.driverEventOffWrap, s.size, pos, w, n)) return undefined;
    const words = s.driverEventFlags === VRING_PACKED_EVENT_FLAG_DESC ? `driver event DESC off_wrap 0x${s.driverEventOffWrap.toString(16)}` : `driver event flags ${s.driverEventFlags === 0 ? 'ENABLE' : flagWord(s.driverEventFlags)}`;
    return { code: 'VIRTQ_MISSING_INTERRUPT', at, detail: { path: 'driver_event', expected: 'an interrupt from the device', actual: 'none', message: `device used buffer id ${String(e['id'])} at ${head} (${words}) and never interrupted.` } };
  }
  const idx = e['idx'] as number;
  const next = (idx + 1) & 0xffff;
  if (s.eventIdx) {
    if (!vringNeedEvent(s.usedEvent, next, idx)) return undefined;
    return { code: 'VIRTQ_MISSING_INTERRUPT', at, detail: { path: 'used_event', expected: 'an interrupt from the device', actual: 'none', message: `device used entry ${idx} (used_event ${s.usedEvent}) and never interrupted.` } };
  }
  if ((s.availFlags & VRING_AVAIL_F_NO_INTERRUPT) !== 0) return undefined;
  if (s.usedEventSeen && !vringNeedEvent(s.usedEvent, next, idx)) {
    return {
      code: 'VIRTQ_EVENT_IDX_NOT_NEGOTIATED', at,
      detail: { path: 'used_event', expected: 'an interrupt, as avail.flags asks (used_event ignored without VIRTIO_RING_F_EVENT_IDX)', actual: 'none', message: `device used entry ${idx} with avail.flags 0x${s.availFlags.toString(16)} and never interrupted, as if used_event ${s.usedEvent} applied, but VIRTIO_RING_F_EVENT_IDX was not negotiated.` },
    };
  }
  return { code: 'VIRTQ_MISSING_INTERRUPT', at, detail: { path: 'avail.flags', expected: 'an interrupt from the device', actual: 'none', message: `device used entry ${idx} (avail.flags 0x${s.availFlags.toString(16)}) and never interrupted.` } };
}

/** One end's owed notification: set at the first entry that needs one, settled by that end's next notification. */
function owedNotification(ids: readonly NotifyCode[], settles: string, publishes: string, owe: (s: VirtqState, e: TraceEvent, at: RecordPlace) => Owed): TraceRuleFactory<VirtqState> {
  return () => {
    let owed: Owed;
    return {
      ids,
      check(ctx, e) {
        if (e.kind === settles) { owed = undefined; return; }
        if (e.kind !== publishes || owed !== undefined || e['error'] !== undefined) return;
        owed = owe(ctx.state, e, ctx.place);
      },
      end(ctx) {
        if (owed !== undefined) ctx.report(owed.code, owed.detail, owed.at);
        owed = undefined;
      },
    };
  };
}

const missingKick = owedNotification(['VIRTQ_MISSING_KICK', 'VIRTQ_EVENT_IDX_NOT_NEGOTIATED'], 'kick', 'available', kickOwed);
const missingInterrupt = owedNotification(['VIRTQ_MISSING_INTERRUPT', 'VIRTQ_EVENT_IDX_NOT_NEGOTIATED'], 'interrupt', 'used', interruptOwed);

export const virtioNotifyRules: readonly TraceRuleFactory<VirtqState>[] = [missingKick, missingInterrupt];

/**
 * Packed-ring rules (virtio 1.2 §2.8): buffer ids are not made available twice before they are used
 * (§2.8.21.1, ringwire policy), flags stores at next_avail / next_used keep the wrap counters (§2.8.1), and
 * each event suppression structure names a ring offset below the queue size with RING_EVENT_FLAGS_DESC used
 * only under VIRTIO_RING_F_EVENT_IDX (§2.8.10). The decoder marks the stores that break the last three; the
 * duplicate id is judged against the buffers outstanding.
 */
import type { CatalogueId } from '../../../protocol/catalogue/index.js';
import type { TraceRuleFactory } from '../rule.js';
import { virtioParty } from '../rule.js';
import type { VirtqState } from '../virtq-state.js';

const duplicateId: TraceRuleFactory<VirtqState> = () => ({
  ids: ['VIRTQ_PACKED_DUPLICATE_ID'],
  check(ctx, e) {
    const s = ctx.state;
    if (s.layout !== 'packed' || e.kind !== 'available' || e['error'] !== undefined) return;
    const id = s.bufferId(e);
    const earlier = id === undefined ? undefined : s.outstanding.get(id);
    if (earlier === undefined) return;
    ctx.report('VIRTQ_PACKED_DUPLICATE_ID', {
      path: `desc[${String(e['head'])}].id`, expected: 'a buffer id not outstanding', actual: id,
      message: `${virtioParty(e.party)} made buffer id ${String(id)} available at ${String(e['head'])} while the buffer it made available with that id at seq ${earlier.place.seq} is still outstanding.`,
    });
  },
});

/** Events the packed decoder marks with one of these codes, and the member each concerns. */
const marked = new Map<string, { readonly kinds: readonly string[]; readonly expected: string; readonly path: (e: Record<string, unknown>) => string }>([
  ['VIRTQ_PACKED_WRAP_MISUSE', { kinds: ['wrap-misuse'], expected: 'AVAIL/USED bits that follow the wrap counter', path: (e) => `desc[${String(e['head'])}].flags` }],
  ['VIRTQ_EVENT_OFFSET_OUT_OF_RANGE', { kinds: ['driver-event', 'device-event'], expected: 'an offset below the queue size', path: (e) => `${String(e['kind']).replace('-event', '')}_event.off_wrap` }],
  ['VIRTQ_EVENT_IDX_NOT_NEGOTIATED', { kinds: ['driver-event', 'device-event'], expected: 'RING_EVENT_FLAGS_ENABLE or RING_EVENT_FLAGS_DISABLE', path: (e) => `${String(e['kind']).replace('-event', '')}_event.flags` }],
]);

const markedStores: TraceRuleFactory<VirtqState> = () => ({
  ids: [...marked.keys()] as CatalogueId[],
  check(ctx, e) {
    const code = e['error'];
    const m = typeof code === 'string' ? marked.get(code) : undefined;
    if (m === undefined || !m.kinds.includes(e.kind)) return;
    ctx.report(code as CatalogueId, {
      path: m.path(e), expected: m.expected, actual: e['flags'] ?? e['off_wrap'], message: `${e.text}.`,
    });
  },
});

export const virtioPackedRules: readonly TraceRuleFactory<VirtqState>[] = [duplicateId, markedStores];

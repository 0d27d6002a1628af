/**
 * virtio chain and index rules: every chain the driver made available is walked by the device's own walker
 * (src/virtio/chain-walker.ts, packed-walker.ts) as the trace decoder replays it, which attaches the
 * walker's error code to the `available` event (with VIRTIO_F_IN_ORDER the ring order is checked too); an
 * avail.idx or used.idx store moving back by up to the queue size, or by more than it any other way, is flagged
 * by the decoder too. These rules turn those into findings under the walker's own catalogue ids.
 */
import type { CatalogueId } from '../../../protocol/catalogue/index.js';
import { ruleEntry } from '../../rule-catalogue.js';
import type { TraceRuleFactory } from '../rule.js';
import { virtioParty } from '../rule.js';
import type { VirtqState } from '../virtq-state.js';

/** The codes the chain walkers throw on a chain a driver made available (virtio 1.2 §2.7.5, §2.8.6). */
export const chainWalkerCodes = [
  'VIRTQ_HEAD_OUT_OF_RANGE', 'VIRTQ_NEXT_OUT_OF_RANGE', 'VIRTQ_DESC_LOOP', 'VIRTQ_CHAIN_TOO_LONG', 'VIRTQ_ZERO_LENGTH',
  'VIRTQ_READ_AFTER_WRITE', 'VIRTQ_INDIRECT_BAD_LEN', 'VIRTQ_INDIRECT_NESTED', 'VIRTQ_INDIRECT_WITH_NEXT',
  'VIRTQ_INDIRECT_NOT_NEGOTIATED', 'VIRTQ_INDIRECT_TOO_LARGE', 'VIRTQ_LENGTH_OVERFLOW', 'VIRTQ_ADDR_UNMAPPED', 'VIRTQ_ADDR_WRAP',
  'VIRTQ_PACKED_DESC_NOT_AVAIL', 'VIRTQ_PACKED_BAD_ID', 'VIRTQ_INDIRECT_UNREADABLE', 'VIRTQ_IN_ORDER_NOT_RING_ORDER',
] as const satisfies readonly CatalogueId[];

const walkerCode: ReadonlySet<string> = new Set(chainWalkerCodes);

/** The walker's own sentence from the event text, without its code and its appended citation. */
function walkerWords(text: string, code: string): string {
  const at = text.indexOf(`${code}: `);
  const words = at < 0 ? text : text.slice(at + code.length + 2);
  const cite = words.lastIndexOf(' (virtio 1.2 §');
  return (cite < 0 ? words : words.slice(0, cite)).replace(/\.$/, '');
}

const chain: TraceRuleFactory<VirtqState> = () => ({
  ids: chainWalkerCodes,
  check(ctx, e) {
    const code = e['error'];
    if (e.kind !== 'available' || typeof code !== 'string' || !walkerCode.has(code) || ruleEntry(code) === undefined) return;
    const at = ctx.state.layout === 'split' ? `head ${String(e['head'])}` : e['id'] === undefined ? `the chain at ring position ${String(e['head'])}` : `buffer id ${String(e['id'])}`;
    ctx.report(code as CatalogueId, {
      path: ctx.state.layout === 'split' ? `avail.ring[${String(e['idx'])}]` : `desc[${String(e['head'])}]`,
      expected: 'a chain the device can walk', actual: code,
      message: `${virtioParty(e.party)} made ${at} available, a chain the device cannot walk: ${walkerWords(e.text, code)}.`,
    });
  },
});

const indexCodes = ['VIRTQ_AVAIL_IDX_JUMP', 'VIRTQ_USED_IDX_JUMP', 'VIRTQ_AVAIL_IDX_BACKWARDS', 'VIRTQ_USED_IDX_BACKWARDS'] as const satisfies readonly CatalogueId[];
const indexCode: ReadonlySet<string> = new Set(indexCodes);

const indexJump: TraceRuleFactory<VirtqState> = () => ({
  ids: indexCodes,
  check(ctx, e) {
    const code = e['error'];
    if ((e.kind !== 'avail-idx' && e.kind !== 'used-idx') || typeof code !== 'string' || !indexCode.has(code)) return;
    const back = code.endsWith('_BACKWARDS');
    ctx.report(code as (typeof indexCodes)[number], {
      path: e.kind === 'avail-idx' ? 'avail.idx' : 'used.idx',
      expected: back ? `an index at or after ${String(e['from'])} (modulo 2^16)` : `a move of at most ${ctx.state.size} entries forward`, actual: e['idx'],
      message: `${e.text}.`,
    });
  },
});

export const virtioChainRules: readonly TraceRuleFactory<VirtqState>[] = [chain, indexJump];

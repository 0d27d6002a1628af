/**
 * The checker's walk over a netif tx ring's published requests, slot by slot, in the packet grammar of
 * netif.h "Guest transmit": a first slot (size = the whole packet), its extra-info slots when it has
 * NETTXF_extra_info (chained by XEN_NETIF_EXTRA_FLAG_MORE), then data slots while NETTXF_more_data. A packet
 * may span publications: the walk keeps its place between them. Each slot is judged by the same checks the
 * typed backend runs (src/xen/netif-faults.ts), in the order Linux netback meets them; the first fault stops
 * the walk for good, since netback disables the interface on it (xenvif_fatal_tx_err) and what follows has
 * no packet boundary to trust.
 */
import { codecFor, type StructCodec } from '../codec/codec.js';
import type { XenRingType } from '../xen/ring-type.js';
import { xenConstant } from '../xen/xen-constants.js';
import { extraTypeFault, gsoFault, txCrossesPage, txFirstSlotShort, txTooManySlots, type NetifFault } from '../xen/netif-faults.js';

const NETTXF_more_data = xenConstant('NETTXF_more_data');
const NETTXF_extra_info = xenConstant('NETTXF_extra_info');
const XEN_NETIF_EXTRA_FLAG_MORE = xenConstant('XEN_NETIF_EXTRA_FLAG_MORE');
const XEN_NETIF_EXTRA_TYPE_GSO = xenConstant('XEN_NETIF_EXTRA_TYPE_GSO');

/** A GSO extra met on the walk: its slot and u.gso.type (what the backend must have offered). */
export interface GsoSeen { readonly index: number; readonly type: number }

interface Packet {
  readonly start: number;
  readonly offset: number;
  remaining: number;
  inExtras: boolean;
  moreData: boolean;
  dataSlots: number;
  lastData: number;
  readonly seen: Set<number>;
}

export class NetifTxWalk {
  readonly #request: StructCodec;
  readonly #extra: StructCodec;
  #packet: Packet | undefined;
  /** A fault was found: the walk judges nothing more. */
  stopped = false;

  constructor(type: XenRingType) {
    this.#request = type.request;
    this.#extra = codecFor('netif_extra_info', { abi: type.abi });
  }

  /** Take the published request slot at ring index `index`; returns the faults it completes (at most one) and a GSO extra it holds. */
  slot(index: number, bytes: Uint8Array): { fault?: NetifFault; gso?: GsoSeen } {
    if (this.stopped) return {};
    const out = this.#slot(index, bytes);
    if (out.fault !== undefined) this.stopped = true;
    return out;
  }

  #slot(index: number, bytes: Uint8Array): { fault?: NetifFault; gso?: GsoSeen } {
    const p = this.#packet;
    if (p === undefined) {
      const r = this.#request.decode(bytes.subarray(0, this.#request.size)) as unknown as { offset: number; flags: number; size: number };
      const q: Packet = {
        start: index, offset: r.offset, remaining: r.size, inExtras: (r.flags & NETTXF_extra_info) !== 0, moreData: (r.flags & NETTXF_more_data) !== 0,
        dataSlots: 1, lastData: index, seen: new Set(),
      };
      this.#packet = q;
      return this.#next(q);
    }
    if (p.inExtras) {
      const x = this.#extra.decode(bytes.subarray(0, this.#extra.size)) as unknown as { type: number; flags: number; u: { gso?: { size: number; type: number } } };
      const bad = extraTypeFault(index, x.type, p.seen.has(x.type));
      if (bad !== undefined) return { fault: bad };
      p.seen.add(x.type);
      p.inExtras = (x.flags & XEN_NETIF_EXTRA_FLAG_MORE) !== 0;
      if (x.type === XEN_NETIF_EXTRA_TYPE_GSO && x.u.gso !== undefined) {
        const g = gsoFault(index, x.u.gso);
        if (g !== undefined) return { fault: g };
        return { ...this.#next(p), gso: { index, type: x.u.gso.type } };
      }
      return this.#next(p);
    }
    const tooMany = txTooManySlots(p.start, p.lastData, p.dataSlots);
    if (tooMany !== undefined) return { fault: tooMany };
    const f = this.#request.decode(bytes.subarray(0, this.#request.size)) as unknown as { offset: number; flags: number; size: number };
    const short = txFirstSlotShort(index, f.size, p.remaining);
    if (short !== undefined) return { fault: short };
    p.remaining -= f.size;
    const crosses = txCrossesPage(index, f.offset, f.size);
    if (crosses !== undefined) return { fault: crosses };
    p.dataSlots++;
    p.lastData = index;
    p.moreData = (f.flags & NETTXF_more_data) !== 0;
    return this.#next(p);
  }

  /** The packet ends when no extra and no data slot follows: the first slot's own size is what is left of its total. */
  #next(p: Packet): { fault?: NetifFault } {
    if (p.inExtras || p.moreData) return {};
    this.#packet = undefined;
    const crosses = txCrossesPage(p.start, p.offset, p.remaining);
    return crosses === undefined ? {} : { fault: crosses };
  }
}

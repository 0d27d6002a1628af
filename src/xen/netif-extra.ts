/**
 * netif extra-info slots (netif.h "Extra Info"): the netif_extra_info records that follow the first slot of
 * a tx request packet (NETTXF_extra_info) or of an rx response packet (NETRXF_extra_info), chained by
 * XEN_NETIF_EXTRA_FLAG_MORE. An extra occupies a whole ring slot ("The struct therefore needs to fit into
 * either a tx or rx slot and is therefore limited to 8 octets"); in a 12-byte tx slot the last 4 bytes are
 * "padding for tx". Shared by netif-tx.ts and netif-rx.ts (with the netif.h constants both use, and two
 * small helpers the ends use).
 */
import { codecFor, type StructCodec } from '../codec/codec.js';
import { asDataView } from '../codec/scalar-io.js';
import { numberField, type NumberField } from '../codec/views.js';
import type { AbiName } from '../../protocol/index.js';
import { XEN_PAGE_SHIFT } from '../../protocol/index.js';
import { xenConstant } from './xen-constants.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { extraTypeFault, faultError, type NetifFault } from './netif-faults.js';

export const XEN_NETIF_NR_SLOTS_MIN = xenConstant('XEN_NETIF_NR_SLOTS_MIN');
export const XEN_NETIF_MAX_TX_SIZE = xenConstant('XEN_NETIF_MAX_TX_SIZE');
export const XEN_NETIF_EXTRA_TYPE_NONE = xenConstant('XEN_NETIF_EXTRA_TYPE_NONE');
export const XEN_NETIF_EXTRA_TYPE_GSO = xenConstant('XEN_NETIF_EXTRA_TYPE_GSO');
export const XEN_NETIF_EXTRA_TYPE_MCAST_ADD = xenConstant('XEN_NETIF_EXTRA_TYPE_MCAST_ADD');
export const XEN_NETIF_EXTRA_TYPE_MCAST_DEL = xenConstant('XEN_NETIF_EXTRA_TYPE_MCAST_DEL');
export const XEN_NETIF_EXTRA_TYPE_HASH = xenConstant('XEN_NETIF_EXTRA_TYPE_HASH');
export const XEN_NETIF_EXTRA_TYPE_MAX = xenConstant('XEN_NETIF_EXTRA_TYPE_MAX');
export const XEN_NETIF_EXTRA_FLAG_MORE = xenConstant('XEN_NETIF_EXTRA_FLAG_MORE');
export const XEN_NETIF_GSO_TYPE_NONE = xenConstant('XEN_NETIF_GSO_TYPE_NONE');
export const XEN_NETIF_GSO_TYPE_TCPV4 = xenConstant('XEN_NETIF_GSO_TYPE_TCPV4');
export const XEN_NETIF_GSO_TYPE_TCPV6 = xenConstant('XEN_NETIF_GSO_TYPE_TCPV6');
export const NETIF_RSP_DROPPED = xenConstant('NETIF_RSP_DROPPED');
export const NETIF_RSP_ERROR = xenConstant('NETIF_RSP_ERROR');
export const NETIF_RSP_OKAY = xenConstant('NETIF_RSP_OKAY');
export const NETIF_RSP_NULL = xenConstant('NETIF_RSP_NULL');

/** A granted buffer is one page: a fragment's offset + size may not cross it (netif.h: "Offset within buffer page"). */
export const XEN_PAGE_SIZE = 1 << XEN_PAGE_SHIFT;

/** XEN_NETIF_EXTRA_TYPE_GSO (u.gso): `size` is the maximum payload of each segment (the TCP MSS). */
export interface NetifGso {
  readonly size: number;
  /** XEN_NETIF_GSO_TYPE_* */
  readonly type: number;
  /** XEN_NETIF_GSO_FEAT_* */
  readonly features: number;
}

/** XEN_NETIF_EXTRA_TYPE_HASH (u.hash). */
export interface NetifHash {
  /** htype: a _XEN_NETIF_CTRL_HASH_TYPE_* bit number (not the mask). */
  readonly type: number;
  /** XEN_NETIF_CTRL_HASH_ALGORITHM_* */
  readonly algorithm: number;
  /** The 32-bit hash value (stored LSB first in u.hash.value[4]). */
  readonly value: number;
}

/** The extra-info records of one packet, at most one of each XEN_NETIF_EXTRA_TYPE_*. */
export interface NetifExtras {
  readonly gso?: NetifGso;
  /** XEN_NETIF_EXTRA_TYPE_MCAST_ADD: a 6-byte ethernet address. */
  readonly mcastAdd?: readonly number[];
  /** XEN_NETIF_EXTRA_TYPE_MCAST_DEL: a 6-byte ethernet address. */
  readonly mcastDel?: readonly number[];
  readonly hash?: NetifHash;
}

type MutableExtras = { -readonly [K in keyof NetifExtras]: NetifExtras[K] };

const keyOfType: Record<number, keyof NetifExtras> = {
  [XEN_NETIF_EXTRA_TYPE_GSO]: 'gso',
  [XEN_NETIF_EXTRA_TYPE_MCAST_ADD]: 'mcastAdd',
  [XEN_NETIF_EXTRA_TYPE_MCAST_DEL]: 'mcastDel',
  [XEN_NETIF_EXTRA_TYPE_HASH]: 'hash',
};

/** Extras written in XEN_NETIF_EXTRA_TYPE_* order. */
const typeOrder = [XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, XEN_NETIF_EXTRA_TYPE_MCAST_DEL, XEN_NETIF_EXTRA_TYPE_HASH];

/** Encodes and parses netif_extra_info slots for one ABI. */
export class NetifExtraCodec {
  readonly codec: StructCodec;
  private readonly fType: NumberField;
  private readonly fFlags: NumberField;

  constructor(abi: AbiName) {
    this.codec = codecFor('netif_extra_info', { abi });
    this.fType = numberField(this.codec.layout, 'type');
    this.fFlags = numberField(this.codec.layout, 'flags');
  }

  /** How many extra-info slots `extras` takes. */
  count(extras: NetifExtras | undefined): number {
    if (extras === undefined) return 0;
    let n = 0;
    for (const t of typeOrder) if (extras[keyOfType[t] as keyof NetifExtras] !== undefined) n++;
    return n;
  }

  /**
   * Write the chain into `buf`: extra k at byte `k * stride` (the rest of each slot zeroed), every one but
   * the last with XEN_NETIF_EXTRA_FLAG_MORE. Values that do not fit their C types are a CodecError.
   */
  encode(extras: NetifExtras, buf: Uint8Array, stride: number): void {
    const n = this.count(extras);
    let k = 0;
    for (const type of typeOrder) {
      const key = keyOfType[type] as keyof NetifExtras;
      const v = extras[key];
      if (v === undefined) continue;
      const flags = ++k < n ? XEN_NETIF_EXTRA_FLAG_MORE : 0;
      let u: unknown;
      if (key === 'gso') { const g = v as NetifGso; u = { gso: { size: g.size, type: g.type, pad: 0, features: g.features } }; }
      else if (key === 'hash') {
        const h = v as NetifHash;
        if (h.value >>> 0 !== h.value) throw badValue('netif_extra_info.u.hash.value', h.value, '0..0xffffffff');
        u = { hash: { type: h.type, algorithm: h.algorithm, value: [h.value & 0xff, (h.value >>> 8) & 0xff, (h.value >>> 16) & 0xff, h.value >>> 24] } };
      } else {
        const a = v as readonly number[];
        if (a.length !== 6) throw badValue(`netif_extra_info.u.mcast.addr`, a.length, '6 bytes');
        u = { mcast: { addr: [...a] } };
      }
      const slot = buf.subarray((k - 1) * stride, k * stride);
      slot.fill(0);
      this.codec.encode({ type, flags, u }, slot, 0);
    }
  }

  /**
   * Parse one extra-info slot from a private copy into `into`. Returns true when XEN_NETIF_EXTRA_FLAG_MORE
   * says another extra follows. An unknown type (XEN_NETIF_EXTRA_TYPE_NONE is "Never used - invalid", and
   * nothing is defined from XEN_NETIF_EXTRA_TYPE_MAX on) or a type already seen in this packet is
   * XEN_RING_BAD_RECORD; since no type may repeat, a chain is at most XEN_NETIF_EXTRA_TYPE_MAX - 1 slots.
   */
  parse(copy: Uint8Array, index: number, into: MutableExtras): boolean {
    const dv = asDataView(copy);
    const type = this.fType.get(dv, 0);
    const key = keyOfType[type];
    const fault = extraTypeFault(index, type, key !== undefined && into[key] !== undefined);
    if (fault !== undefined || key === undefined) throw faultError(fault as NetifFault);
    const d = this.codec.decode(copy) as unknown as { u: { gso: NetifGso; mcast: { addr: number[] }; hash: { type: number; algorithm: number; value: number[] } } };
    if (key === 'gso') into.gso = { size: d.u.gso.size, type: d.u.gso.type, features: d.u.gso.features };
    else if (key === 'hash') {
      const v = d.u.hash.value as [number, number, number, number];
      into.hash = { type: d.u.hash.type, algorithm: d.u.hash.algorithm, value: (v[0] | (v[1] << 8) | (v[2] << 16) | (v[3] << 24)) >>> 0 };
    } else into[key] = d.u.mcast.addr;
    return (this.fFlags.get(dv, 0) & XEN_NETIF_EXTRA_FLAG_MORE) !== 0;
  }
}

/** How many ids a uint16_t `id` member offers, from its declared size. */
export function idSpace(field: { readonly size: number }): number {
  return 2 ** (8 * field.size);
}

/** A mutable accumulator for parse(). */
export function emptyExtras(): MutableExtras {
  return {};
}

function badValue(path: string, received: number, expected: string): RingError {
  return new RingError(xenRingErrorCodes.BAD_RECORD, `${path} is ${received}, expected ${expected}.`, { path, expected, received });
}

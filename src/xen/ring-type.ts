/**
 * A ring type made by ring.h's DEFINE_RING_TYPES(name, request, response) for one ABI: the request and
 * response codecs, the size of `union name_sring_entry`, and where the shared header's fields lie. Every
 * offset comes from protocol/ through layoutOf; nothing here restates one.
 */
import { type AbiName, xenRingTypes, XEN_PAGE_SHIFT, MAX_RING_PAGE_ORDER } from '../../protocol/index.js';
import { layoutOf } from '../layout/compile.js';
import { parseAbi } from '../layout/abi-name.js';
import { numberField } from '../codec/views.js';
import { codecFor, type StructCodec } from '../codec/codec.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { roundDownPow2 } from './ring-index.js';

export type XenRingName = 'blkif' | 'netif_tx' | 'netif_rx' | 'xen_netif_ctrl';

export const xenRingNames: readonly XenRingName[] = Object.freeze(xenRingTypes.map((t) => t.name as XenRingName));

/** Byte offsets of `struct name_sring`'s members, from the xen_sring_header declaration. */
export interface SringHeaderOffsets {
  readonly reqProd: number;
  readonly reqEvent: number;
  readonly rspProd: number;
  readonly rspEvent: number;
  readonly pvt: number;
  readonly pvtSize: number;
  readonly pad: number;
  readonly padSize: number;
  /** offsetof(struct name_sring, ring): where slot 0 begins. */
  readonly ring: number;
}

export interface XenRingType {
  readonly name: XenRingName;
  readonly abi: AbiName;
  readonly request: StructCodec;
  readonly response: StructCodec;
  /** sizeof(union name_sring_entry): the larger record, rounded up to the union's alignment. */
  readonly entrySize: number;
  readonly header: SringHeaderOffsets;
  /** Bytes of a ring of 2^order pages: 4096 << order. */
  ringBytes(order: number): number;
  /** __CONST_RING_SIZE / __RING_SIZE: entries in a ring of 2^order pages. */
  nrEnts(order: number): number;
}

let headerOffsets: SringHeaderOffsets | undefined;

function sringHeader(): SringHeaderOffsets {
  if (headerOffsets === undefined) {
    const l = layoutOf('xen_sring_header');
    const pvt = l.fields.find((f) => f.name === 'pvt');
    const pad = l.fields.find((f) => f.name === '__pad');
    /* c8 ignore next */
    if (pvt === undefined || pad === undefined) throw new Error('xen_sring_header lacks pvt or __pad');
    headerOffsets = Object.freeze({
      reqProd: numberField(l, 'req_prod').offset,
      reqEvent: numberField(l, 'req_event').offset,
      rspProd: numberField(l, 'rsp_prod').offset,
      rspEvent: numberField(l, 'rsp_event').offset,
      pvt: pvt.offset, pvtSize: pvt.size,
      pad: pad.offset, padSize: pad.size,
      ring: l.size,
    });
  }
  return headerOffsets;
}

const types = new Map<string, XenRingType>();

/** The ring type `name` (blkif, netif_tx, netif_rx, xen_netif_ctrl) for an ABI (x86_64 by default). */
export function ringType(name: XenRingName, options: { abi?: AbiName | string } = {}): XenRingType {
  // Takes ringwire's ABI names and the protocols.h spellings; an unknown one is LayoutError UNKNOWN_ABI.
  const abi = parseAbi(options.abi ?? 'x86_64');
  const key = `${name}/${abi}`;
  let t = types.get(key);
  if (t !== undefined) return t;
  const decl = xenRingTypes.find((d) => d.name === name);
  if (decl === undefined) {
    throw new RingError(xenRingErrorCodes.UNKNOWN_RING_TYPE, `Unknown Xen ring type "${String(name)}".`, {
      received: name, expected: xenRingNames,
    });
  }
  const request = codecFor(decl.request, { abi });
  const response = codecFor(decl.response, { abi });
  const align = Math.max(request.layout.align, response.layout.align);
  const entrySize = Math.ceil(Math.max(request.size, response.size) / align) * align;
  const header = sringHeader();
  t = Object.freeze({
    name, abi, request, response, entrySize, header,
    ringBytes: (order: number) => checkOrder(order) && 1 << (XEN_PAGE_SHIFT + order),
    nrEnts: (order: number) => checkOrder(order) && roundDownPow2(Math.floor(((1 << (XEN_PAGE_SHIFT + order)) - header.ring) / entrySize)),
  });
  types.set(key, t);
  return t;
}

function checkOrder(order: number): true {
  if (!Number.isInteger(order) || order < 0 || order > MAX_RING_PAGE_ORDER) {
    throw new RingError(xenRingErrorCodes.BAD_MEMORY, `Ring-page order ${String(order)} is outside 0..${MAX_RING_PAGE_ORDER}.`, {
      received: order, expected: `0..${MAX_RING_PAGE_ORDER}`, rule: 'xenstore max-ring-page-order',
    });
  }
  return true;
}

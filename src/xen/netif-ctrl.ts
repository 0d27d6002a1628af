/**
 * The netif control ring (netif.h "Control ring", "Control requests", "Control responses", "Control
 * messages"): xen_netif_ctrl_request {id, type, data[3]} answered by xen_netif_ctrl_response {id, type,
 * status, data}. "The control ring uses a fixed request/response message size and is balanced (i.e. one
 * request to one response) ... there is no requirement that responses are issued in the same order as
 * requests", so the frontend matches them by id. Requests are objects named after their
 * XEN_NETIF_CTRL_TYPE_*; each one's data[] words are laid out as netif.h's "Control messages" list them.
 */
import type { FrontRing } from './front-ring.js';
import type { BackRing } from './back-ring.js';
import { elementField, numberField, type NumberField } from '../codec/views.js';
import type { StructCodec } from '../codec/codec.js';
import { xenConstant } from './xen-constants.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { idSpace } from './netif-extra.js';
import { ctrlEchoFault, ctrlStatusFault, faultError } from './netif-faults.js';
import { TypedFront, TypedBack } from './typed-end.js';
import { netifCtrlRing } from '../../protocol/xen/netif.js';

export const XEN_NETIF_CTRL_TYPE_INVALID = xenConstant('XEN_NETIF_CTRL_TYPE_INVALID');
export const XEN_NETIF_CTRL_STATUS_SUCCESS = xenConstant('XEN_NETIF_CTRL_STATUS_SUCCESS');
export const XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED = xenConstant('XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED');
export const XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER = xenConstant('XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER');
export const XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW = xenConstant('XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW');
export const XEN_NETIF_CTRL_HASH_ALGORITHM_NONE = xenConstant('XEN_NETIF_CTRL_HASH_ALGORITHM_NONE');
export const XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ = xenConstant('XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ');

export type NetifCtrlRequest =
  | { readonly op: 'get_hash_flags' }
  /** data[0] = bitwise OR of XEN_NETIF_CTRL_HASH_TYPE_* values */
  | { readonly op: 'set_hash_flags'; readonly flags: number }
  /** data[0] = grant reference of the page holding the key, data[1] = key size in octets */
  | { readonly op: 'set_hash_key'; readonly gref: number; readonly size: number }
  | { readonly op: 'get_hash_mapping_size' }
  /** data[0] = number of entries in the mapping table */
  | { readonly op: 'set_hash_mapping_size'; readonly size: number }
  /** data[0] = grant reference of the (sub-)table, data[1] = its size in entries, data[2] = its offset in entries */
  | { readonly op: 'set_hash_mapping'; readonly gref: number; readonly size: number; readonly offset: number }
  /** data[0] = a XEN_NETIF_CTRL_HASH_ALGORITHM_* value */
  | { readonly op: 'set_hash_algorithm'; readonly algorithm: number }
  /** data[0] = queue index (0 when omitted) */
  | { readonly op: 'get_gref_mapping_size'; readonly queue?: number }
  /** data[0] = queue index, data[1] = grant reference of the xen_netif_gref list, data[2] = entries in it */
  | { readonly op: 'add_gref_mapping' | 'del_gref_mapping'; readonly queue?: number; readonly gref: number; readonly size: number };

export type NetifCtrlOp = NetifCtrlRequest['op'];

/** A request as the backend sees it. A type netif.h does not define arrives as `unknown`: answer it NOT_SUPPORTED. */
export type NetifCtrlReceivedRequest =
  (NetifCtrlRequest | { readonly op: 'unknown' })
  & { readonly id: number; readonly index: number; readonly type: number; readonly data: readonly [number, number, number] };

export interface NetifCtrlCompletion {
  readonly id: number;
  readonly request: NetifCtrlRequest;
  /** XEN_NETIF_CTRL_STATUS_* */
  readonly status: number;
  readonly data: number;
}

/** Each request's XEN_NETIF_CTRL_TYPE_* and which member goes in data[0], data[1], data[2]: from the ring's declaration. */
const layouts = Object.fromEntries(netifCtrlRing.requestVariants.variants.map((v) => [v.op, { type: xenConstant(v.constant), data: v.words.names }])) as
  unknown as Record<NetifCtrlOp, { readonly type: number; readonly data: readonly string[] }>;

/** The request objects above name exactly the declared ops (a compile error otherwise). */
type DeclaredOp = (typeof netifCtrlRing.requestVariants.variants)[number]['op'];
export const netifCtrlOpsMatchDeclaration: [DeclaredOp] extends [NetifCtrlOp] ? ([NetifCtrlOp] extends [DeclaredOp] ? true : never) : never = true;

const opOfType = new Map<number, NetifCtrlOp>(Object.entries(layouts).map(([op, l]) => [l.type, op as NetifCtrlOp]));

/** The XEN_NETIF_CTRL_TYPE_* of a request. */
export function netifCtrlType(r: NetifCtrlRequest): number {
  const l = layouts[r.op];
  if (l === undefined) {
    throw new RingError(xenRingErrorCodes.BAD_RECORD, `"${String(r.op)}" is not a netif control request.`, { path: 'op', expected: Object.keys(layouts), received: r.op });
  }
  return l.type;
}


export class NetifCtrlFront extends TypedFront {
  readonly #reqCodec: StructCodec;
  readonly #inFlight = new Map<number, NetifCtrlRequest>();
  #nextId = 0;
  /** xen_netif_ctrl_request.id is a uint16_t: ids run modulo 2^16. */
  readonly #idSpace: number;
  readonly #fId: NumberField;
  readonly #fType: NumberField;
  readonly #fStatus: NumberField;
  readonly #fData: NumberField;

  constructor(ring: FrontRing) {
    super('NetifCtrlFront', ring, 'xen_netif_ctrl');
    const t = this.type;
    this.#reqCodec = t.request;
    this.#idSpace = idSpace(numberField(t.request.layout, 'id'));
    const l = t.response.layout;
    this.#fId = numberField(l, 'id');
    this.#fType = numberField(l, 'type');
    this.#fStatus = numberField(l, 'status');
    this.#fData = numberField(l, 'data');
  }

  /** Requests queued and not yet answered. */
  get outstanding(): number { return this.#inFlight.size; }

  /**
   * Queue a request in the next free slot (not visible until push()); returns its id, the next uint16 not in
   * flight. An unknown op (XEN_RING_BAD_RECORD), a value that is no uint32 (CodecError) or a full ring
   * (XEN_RING_FULL) changes nothing.
   */
  queue(r: NetifCtrlRequest): number {
    const type = netifCtrlType(r);
    let id = this.#nextId;
    while (this.#inFlight.has(id)) id = (id + 1) % this.#idSpace;
    const fields = r as unknown as Record<string, number | undefined>;
    const data = [0, 1, 2].map((i) => { const name = layouts[r.op].data[i]; return name === undefined ? 0 : fields[name] ?? 0; });
    this.#reqCodec.encode({ id, type, data }, this.req, 0);
    this.ring.writeRequest(this.ring.nextRequestIndex(), this.req);
    this.#inFlight.set(id, r);
    this.#nextId = (id + 1) % this.#idSpace;
    return id;
  }


  /**
   * Take every published response, in any order. Checked before anything changes: an id not outstanding or
   * answered twice in the batch (XEN_RING_UNKNOWN_RESPONSE_ID), a type that does not echo the request's or
   * a status that is no XEN_NETIF_CTRL_STATUS_* (XEN_RING_BAD_RECORD).
   */
  poll(): NetifCtrlCompletion[] {
    const seen = new Set<number>();
    const dv = this.rspView;
    return this.consumeResponses((idx) => {
      this.ring.copyResponse(idx, this.rsp);
      const id = this.#fId.get(dv, 0);
      const request = this.#inFlight.get(id);
      if (request === undefined || seen.has(id)) {
        throw new RingError(xenRingErrorCodes.UNKNOWN_RESPONSE_ID, `Response ${idx} answers id ${id}, which is not an outstanding control request.`, {
          index: idx, path: 'xen_netif_ctrl_response.id', expected: 'an outstanding request id', received: id,
        });
      }
      const echo = ctrlEchoFault(idx, id, this.#fType.get(dv, 0), netifCtrlType(request));
      if (echo !== undefined) throw faultError(echo);
      const status = this.#fStatus.get(dv, 0);
      const bad = ctrlStatusFault(idx, status);
      if (bad !== undefined) throw faultError(bad);
      seen.add(id);
      return { id, request, status, data: this.#fData.get(dv, 0) };
    }, (done) => { for (const c of done) this.#inFlight.delete(c.id); });
  }


}

export class NetifCtrlBack extends TypedBack {
  readonly #rspCodec: StructCodec;
  readonly #fId: NumberField;
  readonly #fType: NumberField;
  readonly #fData: NumberField & { at(dv: DataView, base: number, i: number): number };

  constructor(ring: BackRing) {
    super('NetifCtrlBack', ring, 'xen_netif_ctrl');
    const t = this.type;
    this.#rspCodec = t.response;
    this.#fId = numberField(t.request.layout, 'id');
    this.#fType = numberField(t.request.layout, 'type');
    this.#fData = elementField(t.request.layout, 'data');
  }

  /** Take up to `max` published requests (req_prod checked: XEN_RING_REQ_PROD_OVERFLOW), from private copies. */
  take(max = Infinity): NetifCtrlReceivedRequest[] {
    const dv = this.reqView;
    return this.consumeRequests((index) => {
      this.ring.copyRequest(index, this.req);
      const type = this.#fType.get(dv, 0);
      const data = [this.#fData.at(dv, 0, 0), this.#fData.at(dv, 0, 1), this.#fData.at(dv, 0, 2)] as const;
      const op = opOfType.get(type);
      const head = { id: this.#fId.get(dv, 0), index, type, data };
      if (op === undefined) return { op: 'unknown', ...head } as NetifCtrlReceivedRequest;
      const fields: Record<string, unknown> = { op, ...head };
      layouts[op].data.forEach((name, k) => { fields[name] = data[k]; });
      return fields as NetifCtrlReceivedRequest;
    }, max);
  }


  /** Answer a taken request (echoing its id and type) in the next response slot; not visible until push(). */
  respond(req: { readonly id: number; readonly type: number }, status: number, data = 0): void {
    this.#rspCodec.encode({ id: req.id, type: req.type, status, data }, this.rsp, 0);
    this.ring.writeResponse(this.ring.nextResponseIndex(), this.rsp);
  }


}

/**
 * The shared ring (`struct name_sring`): the 64-byte header of free-running indices and the entries after
 * it, in 2^order pages of an ArrayBuffer or SharedArrayBuffer at a byte offset. Both ends hold one of these
 * over the same memory. Every access goes through a RingPort: on a SharedArrayBuffer the four index fields
 * are read and written with Atomics (sequentially consistent, so they also stand for ring.h's xen_mb() /
 * xen_wmb()); payload is plain. The host is assumed little-endian, like every Xen ABI (ring-port.ts checks).
 */
import { PlainRingPort, type RingPort, type NotifyHandler } from '../memory/ring-port.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import type { XenRingType } from './ring-type.js';
import { ringIdx } from './ring-index.js';
import { tagAbi } from '../codec/abi-tag.js';

export interface SharedRingOptions {
  /** Ring-page order: the ring is 4096 << order bytes (0..4). */
  readonly order?: number;
  /** Where the ring starts in the buffer (4-aligned). */
  readonly byteOffset?: number;
  /** Called by the plain port on notify() (the event-channel stand-in). */
  readonly onNotify?: NotifyHandler;
  /** Wrap the plain port (a trace recorder does this); the ring then uses the returned port. */
  readonly wrapPort?: (port: RingPort) => RingPort;
}

export class SharedRing {
  readonly type: XenRingType;
  readonly port: RingPort;
  readonly order: number;
  /** 4096 << order */
  readonly byteLength: number;
  /** __RING_SIZE: entries in the ring, a power of two. */
  readonly nrEnts: number;
  readonly entrySize: number;
  /** offsetof(name_sring, ring) */
  readonly ringOffset: number;
  private readonly oReqProd: number;
  private readonly oReqEvent: number;
  private readonly oRspProd: number;
  private readonly oRspEvent: number;

  private constructor(port: RingPort, type: XenRingType, order: number) {
    this.type = type;
    this.port = port;
    this.order = order;
    this.byteLength = type.ringBytes(order);
    this.nrEnts = type.nrEnts(order);
    this.entrySize = type.entrySize;
    this.ringOffset = type.header.ring;
    this.oReqProd = type.header.reqProd;
    this.oReqEvent = type.header.reqEvent;
    this.oRspProd = type.header.rspProd;
    this.oRspEvent = type.header.rspEvent;
    if (port.bytes.byteLength < this.byteLength) {
      throw new RingError(xenRingErrorCodes.BAD_MEMORY, `A ${type.name} ring of order ${order} needs ${this.byteLength} bytes; the port has ${port.bytes.byteLength}.`, {
        expected: this.byteLength, received: port.bytes.byteLength,
      });
    }
  }

  /** SHARED_RING_INIT over fresh memory: req_prod = rsp_prod = 0, req_event = rsp_event = 1, pvt and __pad zeroed. */
  static init(buffer: ArrayBufferLike, type: XenRingType, options: SharedRingOptions = {}): SharedRing {
    const s = SharedRing.attach(buffer, type, options);
    s.sharedRingInit();
    return s;
  }

  /** Attach to ring memory as it is (the backend's side, or a dump). */
  static attach(buffer: ArrayBufferLike, type: XenRingType, options: SharedRingOptions = {}): SharedRing {
    const order = options.order ?? 0;
    const byteOffset = options.byteOffset ?? 0;
    const bytes = type.ringBytes(order);
    if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % 4 !== 0 || byteOffset + bytes > buffer.byteLength) {
      throw new RingError(xenRingErrorCodes.BAD_MEMORY, `A ${bytes}-byte ring at offset ${String(byteOffset)} does not fit a ${buffer.byteLength}-byte buffer (offset must be 4-aligned).`, {
        offset: byteOffset, expected: bytes, received: buffer.byteLength - byteOffset,
      });
    }
    tagAbi(buffer, byteOffset, bytes, type.abi); // this memory now holds records laid out for type.abi
    const plain = new PlainRingPort(buffer, byteOffset, bytes, options.onNotify);
    return new SharedRing(options.wrapPort === undefined ? plain : options.wrapPort(plain), type, order);
  }

  /** A ring over an existing port (such as a recorder's). */
  static overPort(port: RingPort, type: XenRingType, order = 0): SharedRing {
    return new SharedRing(port, type, order);
  }

  /**
   * SHARED_RING_INIT(_s):
   *   (_s)->req_prod = (_s)->rsp_prod = 0; (_s)->req_event = (_s)->rsp_event = 1;
   *   memset((_s)->pvt.pvt_pad, 0, ...); memset((_s)->__pad, 0, ...);
   */
  sharedRingInit(): void {
    const h = this.type.header;
    this.port.annotate?.('SHARED_RING_INIT');
    this.port.storeIndex32(this.oRspProd, 0);
    this.port.storeIndex32(this.oReqProd, 0);
    this.port.storeIndex32(this.oRspEvent, 1);
    this.port.storeIndex32(this.oReqEvent, 1);
    this.port.fill(h.pvt, h.pvtSize, 0);
    this.port.fill(h.pad, h.padSize, 0);
  }

  /** `sring->req_prod` */
  get reqProd(): number { return this.port.loadIndex32(this.oReqProd); }
  set reqProd(v: number) { this.port.storeIndex32(this.oReqProd, ringIdx(v)); }
  /** `sring->req_event` */
  get reqEvent(): number { return this.port.loadIndex32(this.oReqEvent); }
  set reqEvent(v: number) { this.port.storeIndex32(this.oReqEvent, ringIdx(v)); }
  /** `sring->rsp_prod` */
  get rspProd(): number { return this.port.loadIndex32(this.oRspProd); }
  set rspProd(v: number) { this.port.storeIndex32(this.oRspProd, ringIdx(v)); }
  /** `sring->rsp_event` */
  get rspEvent(): number { return this.port.loadIndex32(this.oRspEvent); }
  set rspEvent(v: number) { this.port.storeIndex32(this.oRspEvent, ringIdx(v)); }

  /** `sring->pvt.pvt_pad` bytes (netif's smartpoll_active is byte 0). */
  get pvt(): Uint8Array { const h = this.type.header; return this.port.bytes.subarray(h.pvt, h.pvt + h.pvtSize); }

  /** Byte offset (within the port) of `&sring->ring[idx & (nrEnts - 1)]`. */
  slotOffset(idx: number): number {
    return this.ringOffset + (idx & (this.nrEnts - 1)) * this.entrySize;
  }

  /** The whole ring memory, header included (a view; write through the port). */
  get bytes(): Uint8Array { return this.port.bytes; }
}

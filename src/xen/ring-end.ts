/**
 * What ring.h's front and back ring structs share: `nr_ents`, `sring`, and the slot accessors
 * RING_GET_REQUEST / RING_GET_RESPONSE / RING_COPY_REQUEST / RING_COPY_RESPONSE, which are defined on any
 * ring. Slot writes go through the port (`writeRequest`, `writeResponse`, `encode*`) so a recorder sees them.
 *
 * Each macro labels itself on the port (`port.annotate?.(MACRO, args)`, a no-op on a plain port) so a trace
 * says which macro made the records that follow. RING_COPY_REQUEST / RING_COPY_RESPONSE carry `idx`: they are
 * the only trace of consumption, since req_cons / rsp_cons are private to each end and never in shared memory.
 */
import type { DecodedRecord } from '../codec/decode.js';
import type { SharedRing } from './shared-ring.js';

export abstract class RingEnd {
  readonly sring: SharedRing;
  /** RING_SIZE(_r): `(_r)->nr_ents` */
  readonly nrEnts: number;
  /** The event channel notify() raises on the port. */
  readonly channel: number;
  protected readonly reqSize: number;
  protected readonly rspSize: number;
  private readonly scratch: Uint8Array;
  /** One live view per slot, made on first use, so RING_GET_* and RING_COPY_* allocate nothing per record. */
  private reqViews: Uint8Array[] | undefined;
  private rspViews: Uint8Array[] | undefined;

  protected constructor(sring: SharedRing, channel: number) {
    this.sring = sring;
    this.nrEnts = sring.nrEnts;
    this.channel = channel;
    this.reqSize = sring.type.request.size;
    this.rspSize = sring.type.response.size;
    this.scratch = new Uint8Array(sring.entrySize);
  }

  /** Byte offset of slot `idx` in the port: `&sring->ring[idx & (RING_SIZE(_r) - 1)]`. */
  slotOffset(idx: number): number {
    return this.sring.slotOffset(idx);
  }

  /**
   * RING_GET_REQUEST(_r, _idx): `&((_r)->sring->ring[((_idx) & (RING_SIZE(_r) - 1))].req)`.
   * A live view: the peer can change it under you. Read it only if you trust the peer; otherwise copyRequest.
   */
  getRequest(idx: number): Uint8Array {
    const views = this.reqViews ??= this.slotViews(this.reqSize);
    return views[idx & (this.nrEnts - 1)] as Uint8Array;
  }

  /** RING_GET_RESPONSE(_r, _idx): `&((_r)->sring->ring[((_idx) & (RING_SIZE(_r) - 1))].rsp)` (a live view). */
  getResponse(idx: number): Uint8Array {
    const views = this.rspViews ??= this.slotViews(this.rspSize);
    return views[idx & (this.nrEnts - 1)] as Uint8Array;
  }

  private slotViews(size: number): Uint8Array[] {
    const bytes = this.sring.port.bytes;
    return Array.from({ length: this.nrEnts }, (_v, k) => {
      const o = this.sring.slotOffset(k);
      return bytes.subarray(o, o + size);
    });
  }

  /**
   * RING_COPY_REQUEST(r, idx, req): `*(req) = *(volatile typeof(req))RING_GET_REQUEST(r, idx)`.
   * A private copy the peer cannot change afterwards (validate the copy, never the slot: XSA-155).
   */
  copyRequest(idx: number, into: Uint8Array = new Uint8Array(this.reqSize)): Uint8Array {
    this.sring.port.annotate?.('RING_COPY_REQUEST', { idx: idx >>> 0 });
    into.set(this.getRequest(idx));
    return into;
  }

  /** RING_COPY_RESPONSE(r, idx, rsp): a private copy of the response in slot idx. */
  copyResponse(idx: number, into: Uint8Array = new Uint8Array(this.rspSize)): Uint8Array {
    this.sring.port.annotate?.('RING_COPY_RESPONSE', { idx: idx >>> 0 });
    into.set(this.getResponse(idx));
    return into;
  }

  /** Decode a private copy of request idx with the ring type's codec. */
  readRequest(idx: number): DecodedRecord {
    return this.sring.type.request.decode(this.copyRequest(idx, this.scratch.subarray(0, this.reqSize)));
  }

  /** Decode a private copy of response idx with the ring type's codec. */
  readResponse(idx: number): DecodedRecord {
    return this.sring.type.response.decode(this.copyResponse(idx, this.scratch.subarray(0, this.rspSize)));
  }

  /** Store request bytes into slot idx (at most sizeof(request) bytes) through the port. */
  writeRequest(idx: number, bytes: Uint8Array): void {
    this.sring.port.write(this.sring.slotOffset(idx), bytes.byteLength > this.reqSize ? bytes.subarray(0, this.reqSize) : bytes);
  }

  /** Store response bytes into slot idx (at most sizeof(response) bytes) through the port. */
  writeResponse(idx: number, bytes: Uint8Array): void {
    this.sring.port.write(this.sring.slotOffset(idx), bytes.byteLength > this.rspSize ? bytes.subarray(0, this.rspSize) : bytes);
  }

  /** Encode a request record (codec field names, as in C) into slot idx through the port. */
  encodeRequest(idx: number, value: unknown): void {
    const s = this.scratch.subarray(0, this.reqSize);
    s.fill(0);
    this.sring.type.request.encode(value, s, 0);
    this.sring.port.write(this.sring.slotOffset(idx), s);
  }

  /** Encode a response record into slot idx through the port. */
  encodeResponse(idx: number, value: unknown): void {
    const s = this.scratch.subarray(0, this.rspSize);
    s.fill(0);
    this.sring.type.response.encode(value, s, 0);
    this.sring.port.write(this.sring.slotOffset(idx), s);
  }

  /** notify_remote_via_evtchn: raise this end's event channel on the port (do it when a push says so). */
  notify(): void {
    this.sring.port.annotate?.('notify_remote_via_evtchn', { port: this.channel });
    this.sring.port.notify(this.channel);
  }
}

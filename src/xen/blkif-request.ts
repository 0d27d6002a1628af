/**
 * blkif requests as objects, and their encoding into / decoding from a ring slot. A slot holds one of
 * blkif_request (read, write, write-barrier, flush), blkif_request_discard or blkif_request_indirect,
 * selected by the first byte, `operation` (blkif.h).
 */
import { codecFor, type StructCodec } from '../codec/codec.js';
import { asDataView } from '../codec/scalar-io.js';
import { bigField, elementField, numberField, type BigField, type NumberField } from '../codec/views.js';
import { XEN_PAGE_SHIFT, type AbiName } from '../../protocol/index.js';
import { blkifRing } from '../../protocol/xen/blkif.js';
import { ringType } from './ring-type.js';
import type { RingRecords } from './ring-records.js';
import { xenConstant } from './xen-constants.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { faultError, type RecordFault } from './record-fault.js';
import {
  BLKIF_ALL_FEATURES, blkifDiscardFault, blkifOpFault, blkifSectOrderFault, blkifSectPastPageFault, blkifSegmentCountFault, type BlkifBackFeatures,
} from './blkif-faults.js';

export const BLKIF_OP_READ = xenConstant('BLKIF_OP_READ');
export const BLKIF_OP_WRITE = xenConstant('BLKIF_OP_WRITE');
export const BLKIF_OP_WRITE_BARRIER = xenConstant('BLKIF_OP_WRITE_BARRIER');
export const BLKIF_OP_FLUSH_DISKCACHE = xenConstant('BLKIF_OP_FLUSH_DISKCACHE');
export const BLKIF_OP_DISCARD = xenConstant('BLKIF_OP_DISCARD');
export const BLKIF_OP_INDIRECT = xenConstant('BLKIF_OP_INDIRECT');
export const BLKIF_MAX_SEGMENTS_PER_REQUEST = xenConstant('BLKIF_MAX_SEGMENTS_PER_REQUEST');
export const BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST = xenConstant('BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST');
export const BLKIF_DISCARD_SECURE = xenConstant('BLKIF_DISCARD_SECURE');
export const BLKIF_RSP_OKAY = xenConstant('BLKIF_RSP_OKAY');
export const BLKIF_RSP_ERROR = xenConstant('BLKIF_RSP_ERROR');
export const BLKIF_RSP_EOPNOTSUPP = xenConstant('BLKIF_RSP_EOPNOTSUPP');

export interface BlkifSegment { readonly gref: number; readonly first_sect: number; readonly last_sect: number }

export type BlkifRequest =
  | { readonly op: 'read' | 'write' | 'write_barrier'; readonly id?: bigint; readonly handle?: number; readonly sector: bigint; readonly segments: readonly BlkifSegment[] }
  | { readonly op: 'flush'; readonly id?: bigint; readonly handle?: number; readonly sector?: bigint }
  | { readonly op: 'discard'; readonly id?: bigint; readonly handle?: number; readonly sector: bigint; readonly nrSectors: bigint; readonly secure?: boolean }
  | { readonly op: 'indirect'; readonly id?: bigint; readonly handle?: number; readonly indirectOp: 'read' | 'write'; readonly sector: bigint; readonly nrSegments: number; readonly indirectGrefs: readonly number[] };

/** What a response needs of its request: the operation (and for indirect requests the inner one). */
export type BlkifAnswerable =
  | { readonly op: Exclude<BlkifRequest['op'], 'indirect'> }
  | { readonly op: 'indirect'; readonly indirectOp: 'read' | 'write' };

/** A request as the backend sees it: the id always present, and the ring index it came from. */
export type BlkifReceivedRequest = BlkifRequest & { readonly id: bigint; readonly index: number };

/** Each request kind's BLKIF_OP_*, from the blkif ring's declaration (protocol/xen/blkif.ts). */
const opCodes: Record<string, number> = Object.fromEntries(blkifRing.requestVariants.variants.map((v) => [v.op, xenConstant(v.constant)]));

export function blkifOperation(r: BlkifRequest): number {
  return opCodes[r.op] as number;
}

/**
 * The operation a response to `r` carries. For BLKIF_OP_INDIRECT that is the inner operation, indirect_op:
 * Linux blkback (drivers/block/xen-blkback/blkback.c, dispatch_rw_block_io) stores indirect_op as the pending
 * request's operation and make_response echoes it; hardened Linux blkfront (drivers/block/xen-blkfront.c,
 * blkif_interrupt) substitutes indirect_op for BLKIF_OP_INDIRECT before comparing the response's operation.
 */
export function blkifResponseOperation(r: BlkifAnswerable): number {
  return r.op === 'indirect' ? opCodes[r.indirectOp] as number : opCodes[r.op] as number;
}

const zeroSeg: BlkifSegment = { gref: 0, first_sect: 0, last_sect: 0 };

/** The codecs for the three request shapes of one ABI. */
export class BlkifRequestCodec {
  readonly rw: StructCodec;
  readonly discard: StructCodec;
  readonly indirect: StructCodec;
  // Zero-allocation accessors for the hot read/write shape (offsets from the blkif_request layout).
  private readonly fOp: NumberField;
  private readonly fNseg: NumberField;
  private readonly fHandle: NumberField;
  private readonly fId: BigField;
  private readonly fSector: BigField;
  private readonly fGref: NumberField & { readonly stride: number };
  private readonly fFirst: NumberField;
  private readonly fLast: NumberField;
  /** Segments per indirect page: a granted page holds PAGE_SIZE / sizeof(blkif_request_segment) of them. */
  private readonly segsPerIndirectPage: number;
  /** The ring's declaration compiled for this ABI: which struct and rule each operation has. */
  private readonly records: RingRecords;

  constructor(abi: AbiName) {
    this.records = ringType('blkif', { abi }).records;
    this.rw = codecFor('blkif_request', { abi });
    this.discard = this.records.variantByOp('discard')?.codec as StructCodec;
    this.indirect = this.records.variantByOp('indirect')?.codec as StructCodec;
    const l = this.rw.layout;
    this.fOp = numberField(l, 'operation');
    this.fNseg = numberField(l, 'nr_segments');
    this.fHandle = numberField(l, 'handle');
    this.fId = bigField(l, 'id');
    this.fSector = bigField(l, 'sector_number');
    this.fGref = elementField(l, 'seg', 'gref');
    this.fFirst = elementField(l, 'seg', 'first_sect');
    this.fLast = elementField(l, 'seg', 'last_sect');
    this.segsPerIndirectPage = (1 << XEN_PAGE_SHIFT) / codecFor('blkif_request_segment', { abi }).size;
  }

  /** The read/write/barrier shape written field by field; false (nothing written) if a value is out of range. */
  private encodeRwFast(op: number, r: { readonly handle?: number; readonly sector: bigint; readonly segments: readonly BlkifSegment[] }, id: bigint, buf: Uint8Array): boolean {
    const handle = r.handle ?? 0;
    const n = r.segments.length;
    if (!(handle >>> 0 === handle && handle <= 0xffff) || id < 0n || id > 0xffffffffffffffffn || r.sector < 0n || r.sector > 0xffffffffffffffffn) return false;
    for (let i = 0; i < n; i++) {
      const g = r.segments[i] as BlkifSegment;
      if (g.gref >>> 0 !== g.gref || (g.first_sect & 0xff) !== g.first_sect || (g.last_sect & 0xff) !== g.last_sect) return false;
    }
    const dv = asDataView(buf);
    buf.fill(0);
    this.fOp.set(dv, 0, op);
    this.fNseg.set(dv, 0, n);
    this.fHandle.set(dv, 0, handle);
    this.fId.set(dv, 0, id);
    this.fSector.set(dv, 0, r.sector);
    const stride = this.fGref.stride;
    for (let i = 0; i < n; i++) {
      const g = r.segments[i] as BlkifSegment;
      this.fGref.set(dv, i * stride, g.gref);
      this.fFirst.set(dv, i * stride, g.first_sect);
      this.fLast.set(dv, i * stride, g.last_sect);
    }
    return true;
  }

  /** Encode `r` with id `id` into `buf` (sizeof(blkif_request) bytes, zero-filled by the codec). */
  encode(r: BlkifRequest, id: bigint, buf: Uint8Array): void {
    const handle = r.handle ?? 0;
    switch (r.op) {
      case 'discard':
        buf.fill(0);
        this.discard.encode({ operation: BLKIF_OP_DISCARD, flag: r.secure === true ? BLKIF_DISCARD_SECURE : 0, handle, id, sector_number: r.sector, nr_sectors: r.nrSectors }, buf, 0);
        return;
      case 'indirect': {
        if (r.indirectGrefs.length > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST) throw badRequest('indirect_grefs', r.indirectGrefs.length, BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
        const grefs = Array.from({ length: BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST }, (_v, i) => r.indirectGrefs[i] ?? 0);
        buf.fill(0);
        const v: Record<string, unknown> = { operation: BLKIF_OP_INDIRECT, indirect_op: opCodes[r.indirectOp], nr_segments: r.nrSegments, id, sector_number: r.sector, handle, indirect_grefs: grefs };
        if (this.indirect.layout.fields.some((f) => f.name === 'pad')) v['pad'] = 0n;
        this.indirect.encode(v, buf, 0);
        return;
      }
      case 'flush':
        this.rw.encode({ operation: BLKIF_OP_FLUSH_DISKCACHE, nr_segments: 0, handle, id, sector_number: r.sector ?? 0n, seg: segs([]) }, buf, 0);
        return;
      default:
        if (r.segments.length > BLKIF_MAX_SEGMENTS_PER_REQUEST) throw badRequest('nr_segments', r.segments.length, BLKIF_MAX_SEGMENTS_PER_REQUEST);
        if (typeof r.sector === 'bigint' && typeof id === 'bigint' && this.encodeRwFast(opCodes[r.op] as number, r, id, buf)) return;
        this.rw.encode({ operation: opCodes[r.op], nr_segments: r.segments.length, handle, id, sector_number: r.sector, seg: segs(r.segments) }, buf, 0);
    }
  }

  /**
   * Decode a private copy of a request slot as the struct its operation names (the ring's declaration),
   * after the checks Linux blkback makes (blkif-faults.ts): an operation it serves, nr_segments within bounds
   * (an indirect request within what `features` offers), each segment's sectors in order and within its
   * frame, a discard only if offered, indirect_op READ or WRITE. A malformed record is a RingError with the
   * rule's code.
   */
  decode(copy: Uint8Array, index: number, features: BlkifBackFeatures = BLKIF_ALL_FEATURES): BlkifReceivedRequest {
    const dv = asDataView(copy);
    const v = this.records.variantOf(dv, 0);
    if (v === undefined || v.op === 'reserved_1') throw faultError(blkifOpFault(index, copy[0] as number) as RecordFault);
    if (v.op === 'discard') {
      const f = blkifDiscardFault(index, v.value, features);
      if (f !== undefined) throw faultError(f);
      const d = v.codec.decode(copy) as unknown as { flag: number; handle: number; id: bigint; sector_number: bigint; nr_sectors: bigint };
      return { op: 'discard', index, id: d.id, handle: d.handle, sector: d.sector_number, nrSectors: d.nr_sectors, secure: (d.flag & BLKIF_DISCARD_SECURE) !== 0 };
    }
    if (v.op === 'indirect') {
      const d = v.codec.decode(copy) as unknown as { indirect_op: number; nr_segments: number; handle: number; id: bigint; sector_number: bigint; indirect_grefs: number[] };
      const f = blkifSegmentCountFault(index, v.value, d.nr_segments, features);
      if (f !== undefined) throw faultError(f);
      if (d.indirect_op !== BLKIF_OP_READ && d.indirect_op !== BLKIF_OP_WRITE) throw badRecord(index, 'blkif_request_indirect.indirect_op', d.indirect_op, 'BLKIF_OP_READ or BLKIF_OP_WRITE');
      const pages = Math.min(BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST, Math.ceil(d.nr_segments / this.segsPerIndirectPage));
      return { op: 'indirect', index, id: d.id, handle: d.handle, indirectOp: d.indirect_op === BLKIF_OP_READ ? 'read' : 'write', sector: d.sector_number, nrSegments: d.nr_segments, indirectGrefs: d.indirect_grefs.slice(0, pages) };
    }
    const id = this.fId.get(dv, 0);
    const handle = this.fHandle.get(dv, 0);
    const sector = this.fSector.get(dv, 0);
    const n = this.fNseg.get(dv, 0);
    const f = blkifSegmentCountFault(index, v.value, n, features);
    if (f !== undefined) throw faultError(f);
    const stride = this.fGref.stride;
    for (let k = 0; k < n; k++) {
      const first = this.fFirst.get(dv, k * stride);
      const last = this.fLast.get(dv, k * stride);
      const bad = blkifSectOrderFault(index, k, first, last) ?? blkifSectPastPageFault(index, k, last);
      if (bad !== undefined) throw faultError(bad);
    }
    if (v.op === 'flush') return { op: 'flush', index, id, handle, sector };
    const segments: BlkifSegment[] = new Array(n);
    for (let i = 0; i < n; i++) segments[i] = { gref: this.fGref.get(dv, i * stride), first_sect: this.fFirst.get(dv, i * stride), last_sect: this.fLast.get(dv, i * stride) };
    return { op: v.op as 'read' | 'write' | 'write_barrier', index, id, handle, sector, segments };
  }
}

function segs(s: readonly BlkifSegment[]): BlkifSegment[] {
  return Array.from({ length: BLKIF_MAX_SEGMENTS_PER_REQUEST }, (_v, i) => s[i] ?? zeroSeg);
}

function badRequest(path: string, received: number, max: number): RingError {
  return new RingError(xenRingErrorCodes.BAD_RECORD, `A blkif request may carry at most ${max} ${path}; got ${received}.`, { path, expected: `<= ${max}`, received });
}

function badRecord(index: number, path: string, received: number | undefined, expected: string): RingError {
  return new RingError(xenRingErrorCodes.BAD_RECORD, `Request ${index}: ${path} is ${String(received)}, expected ${expected}.`, { index, path, expected, received });
}

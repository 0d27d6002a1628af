/**
 * The record-level form of blkif requests: a reused `BlkifRecord` (scalars and typed arrays, no BigInt) and
 * the codec that checks a private copy of a request slot and decodes it into one, or encodes a read / write /
 * barrier / flush request from scalar arguments. Nothing here allocates per record; the rules are the ones
 * the object form (blkif-request.ts) applies, read from the ring's declaration (protocol/xen/blkif.ts).
 */
import { codecFor } from '../codec/codec.js';
import { CodecError } from '../errors.js';
import { bigField, elementField, numberField, type BigField, type NumberField } from '../codec/views.js';
import { XEN_PAGE_SHIFT, type AbiName } from '../../protocol/index.js';
import { ringType } from './ring-type.js';
import type { RecordVariant, RingRecords } from './ring-records.js';
import { xenConstant } from './xen-constants.js';
import { RingError, xenRingErrorCodes } from './ring-error.js';
import { faultError, type RecordFault } from './record-fault.js';
import {
  BLKIF_ALL_FEATURES, LAST_SECT_MAX, blkifDiscardFault, blkifOpFault, blkifSectOrderFault, blkifSectPastPageFault, blkifSegmentCountFault,
  type BlkifBackFeatures,
} from './blkif-faults.js';

const BLKIF_OP_READ = xenConstant('BLKIF_OP_READ');
const BLKIF_OP_WRITE = xenConstant('BLKIF_OP_WRITE');
const BLKIF_OP_WRITE_BARRIER = xenConstant('BLKIF_OP_WRITE_BARRIER');
const BLKIF_OP_FLUSH_DISKCACHE = xenConstant('BLKIF_OP_FLUSH_DISKCACHE');
const BLKIF_OP_DISCARD = xenConstant('BLKIF_OP_DISCARD');
const BLKIF_OP_INDIRECT = xenConstant('BLKIF_OP_INDIRECT');
const BLKIF_MAX_SEGMENTS_PER_REQUEST = xenConstant('BLKIF_MAX_SEGMENTS_PER_REQUEST');
const BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST = xenConstant('BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST');

/**
 * One blkif request as read from a private copy, reused from record to record. Members keep blkif.h's names;
 * 64-bit members are given as unsigned 32-bit halves (`idLo`/`idHi`, `sectorLo`/`sectorHi`). Which members
 * mean something depends on `operation`: seg[] for read / write / barrier, `flag` and `nr_sectors` for
 * discard, `indirect_op` and `indirect_grefs` for indirect; the others are left as the last record set them.
 */
export class BlkifRecord {
  /** The ring index the request came from. */
  index = 0;
  operation = 0;
  nr_segments = 0;
  handle = 0;
  idLo = 0;
  idHi = 0;
  sectorLo = 0;
  sectorHi = 0;
  /** seg[i].gref / first_sect / last_sect for i < nr_segments (read, write, write barrier). */
  readonly gref = new Uint32Array(BLKIF_MAX_SEGMENTS_PER_REQUEST);
  readonly first_sect = new Uint8Array(BLKIF_MAX_SEGMENTS_PER_REQUEST);
  readonly last_sect = new Uint8Array(BLKIF_MAX_SEGMENTS_PER_REQUEST);
  /** blkif_request_discard.flag and nr_sectors (discard). */
  flag = 0;
  nrSectorsLo = 0;
  nrSectorsHi = 0;
  /** blkif_request_indirect.indirect_op and the indirect_grefs[] in use (indirect). */
  indirect_op = 0;
  nr_indirect_pages = 0;
  readonly indirect_grefs = new Uint32Array(BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);

  /**
   * The operation a response carries: indirect_op for BLKIF_OP_INDIRECT (Linux blkback dispatch_rw_block_io /
   * make_response), the request's operation otherwise.
   */
  get responseOperation(): number {
    return this.operation === BLKIF_OP_INDIRECT ? this.indirect_op : this.operation;
  }
}

/** Checks, decodes into a BlkifRecord, and encodes from scalars, for one ABI; all offsets from protocol/. */
export class BlkifRecordCodec {
  private readonly records: RingRecords;
  private readonly fOp: NumberField;
  private readonly fNseg: NumberField;
  private readonly fHandle: NumberField;
  private readonly fId: BigField;
  private readonly fSector: BigField;
  private readonly fGref: NumberField & { readonly stride: number };
  private readonly fFirst: NumberField;
  private readonly fLast: NumberField;
  private readonly dFlag: NumberField;
  private readonly dHandle: NumberField;
  private readonly dId: BigField;
  private readonly dSector: BigField;
  private readonly dNrSectors: BigField;
  private readonly iOp: NumberField;
  private readonly iNseg: NumberField;
  private readonly iHandle: NumberField;
  private readonly iId: BigField;
  private readonly iSector: BigField;
  private readonly iGref: NumberField & { readonly stride: number };
  private readonly segsPerIndirectPage: number;
  /** The declared variant of each `operation` byte value (an array lookup, not the declaration's Map). */
  private readonly byOperation: (RecordVariant | undefined)[];
  /** sizeof(blkif_request): the bytes encodeRw zeroes. */
  readonly size: number;
  /**
   * Where a blkif_request's members lie in 32-bit words when they can be read and written as words in host
   * (little-endian) order, as on every Xen ABI: then each member is one typed-array load or store (or a shift
   * of one). Undefined for a layout where they cannot (the DataView accessors serve it).
   */
  private readonly words: RwWords | undefined;
  /** A Uint32Array over the last buffer seen (the front's shadow table, the back's private copies). */
  private vBuffer: ArrayBufferLike | undefined;
  private vWords: Uint32Array = new Uint32Array(0);

  constructor(abi: AbiName) {
    this.records = ringType('blkif', { abi }).records;
    const rw = codecFor('blkif_request', { abi });
    const l = rw.layout;
    this.size = rw.size;
    this.fOp = numberField(l, 'operation');
    this.fNseg = numberField(l, 'nr_segments');
    this.fHandle = numberField(l, 'handle');
    this.fId = bigField(l, 'id');
    this.fSector = bigField(l, 'sector_number');
    this.fGref = elementField(l, 'seg', 'gref');
    this.fFirst = elementField(l, 'seg', 'first_sect');
    this.fLast = elementField(l, 'seg', 'last_sect');
    const d = (this.records.variantByOp('discard') as RecordVariant).codec.layout;
    const ind = (this.records.variantByOp('indirect') as RecordVariant).codec.layout;
    this.dFlag = numberField(d, 'flag');
    this.dHandle = numberField(d, 'handle');
    this.dId = bigField(d, 'id');
    this.dSector = bigField(d, 'sector_number');
    this.dNrSectors = bigField(d, 'nr_sectors');
    this.iOp = numberField(ind, 'indirect_op');
    this.iNseg = numberField(ind, 'nr_segments');
    this.iHandle = numberField(ind, 'handle');
    this.iId = bigField(ind, 'id');
    this.iSector = bigField(ind, 'sector_number');
    this.iGref = elementField(ind, 'indirect_grefs');
    this.segsPerIndirectPage = (1 << XEN_PAGE_SHIFT) / codecFor('blkif_request_segment', { abi }).size;
    this.words = rwWords(this.size, this.fOp, this.fNseg, this.fHandle, this.fId, this.fSector, this.fGref, this.fFirst, this.fLast);
    this.byOperation = Array.from({ length: 1 << (8 * this.fOp.size) }, (_v, op) => this.records.variants.find((v) => v.value === op));
  }

  /** The word index of the record at `base` of `dv` (vWords set over dv's buffer), or -1 when it cannot be read as words. */
  private wordAt(dv: DataView, base: number): number {
    const at = dv.byteOffset + base;
    if (this.words === undefined || (at & 3) !== 0) return -1;
    const buf = dv.buffer;
    if (buf !== this.vBuffer) {
      this.vBuffer = buf;
      this.vWords = new Uint32Array(buf, 0, buf.byteLength >>> 2);
    }
    return at >>> 2;
  }

  /**
   * Check the private copy of a request at `base` as BlkifRequestCodec.decode does (blkif-faults.ts): an
   * operation a backend serves, nr_segments within its bounds (and an indirect request within what the
   * backend offered), every segment's sectors within its frame and in order, a discard only if offered,
   * indirect_op READ or WRITE. Throws the rule's RingError; returns the operation.
   */
  check(dv: DataView, base: number, index: number, features: BlkifBackFeatures = BLKIF_ALL_FEATURES): number {
    const operation = this.fOp.get(dv, base);
    const v = this.byOperation[operation];
    if (v === undefined || v.op === 'reserved_1') throw faultError(blkifOpFault(index, operation) as RecordFault);
    const rule = v.segments;
    const n = rule !== undefined ? rule.count.get(dv, base) : v.value === BLKIF_OP_INDIRECT ? this.iNseg.get(dv, base) : 0;
    const f = blkifSegmentCountFault(index, operation, n, features) ?? blkifDiscardFault(index, operation, features);
    if (f !== undefined) throw faultError(f);
    if (v.value === BLKIF_OP_INDIRECT) {
      const op = this.iOp.get(dv, base);
      if (op !== BLKIF_OP_READ && op !== BLKIF_OP_WRITE) throw badRecord(index, 'blkif_request_indirect.indirect_op', op, 'BLKIF_OP_READ or BLKIF_OP_WRITE');
    }
    if (rule !== undefined) {
      const m = this.words;
      const q = this.wordAt(dv, base);
      const stride = this.fGref.stride;
      for (let k = 0; k < n; k++) {
        let first: number;
        let last: number;
        if (q >= 0) {
          const sect = this.vWords[q + (m as RwWords).sect + k * (m as RwWords).stride] as number;
          first = sect & 0xff;
          last = (sect >>> 8) & 0xff;
        } else {
          first = this.fFirst.get(dv, base + k * stride);
          last = this.fLast.get(dv, base + k * stride);
        }
        if (first <= last && last <= LAST_SECT_MAX) continue;
        throw faultError((blkifSectOrderFault(index, k, first, last) ?? blkifSectPastPageFault(index, k, last)) as RecordFault);
      }
    }
    return v.value;
  }

  /** Decode a checked private copy at `base` into `r`, each member read once. */
  decodeInto(dv: DataView, base: number, index: number, r: BlkifRecord): BlkifRecord {
    const op = this.fOp.get(dv, base);
    r.index = index;
    r.operation = op;
    if (op === BLKIF_OP_DISCARD) {
      r.nr_segments = 0;
      r.flag = this.dFlag.get(dv, base);
      r.handle = this.dHandle.get(dv, base);
      r.idLo = this.dId.getLo(dv, base); r.idHi = this.dId.getHi(dv, base);
      r.sectorLo = this.dSector.getLo(dv, base); r.sectorHi = this.dSector.getHi(dv, base);
      r.nrSectorsLo = this.dNrSectors.getLo(dv, base); r.nrSectorsHi = this.dNrSectors.getHi(dv, base);
      return r;
    }
    if (op === BLKIF_OP_INDIRECT) {
      const n = this.iNseg.get(dv, base);
      r.nr_segments = n;
      r.indirect_op = this.iOp.get(dv, base);
      r.handle = this.iHandle.get(dv, base);
      r.idLo = this.iId.getLo(dv, base); r.idHi = this.iId.getHi(dv, base);
      r.sectorLo = this.iSector.getLo(dv, base); r.sectorHi = this.iSector.getHi(dv, base);
      const pages = Math.min(BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST, Math.ceil(n / this.segsPerIndirectPage));
      r.nr_indirect_pages = pages;
      const stride = this.iGref.stride;
      for (let i = 0; i < pages; i++) r.indirect_grefs[i] = this.iGref.get(dv, base + i * stride);
      return r;
    }
    const q = this.wordAt(dv, base);
    if (q >= 0) {
      const m = this.words as RwWords;
      const w = this.vWords;
      const head = w[q] as number;
      const n = (head >>> 8) & 0xff;
      r.nr_segments = n;
      r.handle = head >>> 16;
      r.idLo = w[q + m.id] as number; r.idHi = w[q + m.id + 1] as number;
      r.sectorLo = w[q + m.sector] as number; r.sectorHi = w[q + m.sector + 1] as number;
      // A flush carries no segments whatever nr_segments says (the object form reads none either).
      const segs = op === BLKIF_OP_FLUSH_DISKCACHE ? 0 : n;
      for (let i = 0, g = q + m.gref, t = q + m.sect; i < segs; i++, g += m.stride, t += m.stride) {
        r.gref[i] = w[g] as number;
        const sect = w[t] as number;
        r.first_sect[i] = sect & 0xff;
        r.last_sect[i] = (sect >>> 8) & 0xff;
      }
      return r;
    }
    const n = this.fNseg.get(dv, base);
    r.handle = this.fHandle.get(dv, base);
    r.idLo = this.fId.getLo(dv, base); r.idHi = this.fId.getHi(dv, base);
    r.sectorLo = this.fSector.getLo(dv, base); r.sectorHi = this.fSector.getHi(dv, base);
    const segs = op === BLKIF_OP_FLUSH_DISKCACHE ? 0 : n;
    r.nr_segments = n;
    const stride = this.fGref.stride;
    for (let i = 0; i < segs; i++) {
      const b = base + i * stride;
      r.gref[i] = this.fGref.get(dv, b);
      r.first_sect[i] = this.fFirst.get(dv, b);
      r.last_sect[i] = this.fLast.get(dv, b);
    }
    return r;
  }

  /**
   * Encode a read / write / write-barrier / flush request (the blkif_request shape) at `base` of a zeroed
   * sizeof(blkif_request) region: `nseg` segments from `seg` as (gref, first_sect, last_sect) triples starting
   * at `segOff`. Values out of their member's range are refused (CODEC_OUT_OF_RANGE / CODEC_UNSAFE_INTEGER,
   * BAD_RECORD for more than BLKIF_MAX_SEGMENTS_PER_REQUEST segments) before anything is written. Members are
   * stored as 32-bit words where the layout allows (RwWords), through the field views otherwise.
   */
  encodeRw(dv: DataView, base: number, operation: number, handle: number, id: number, sector: number, nseg: number, seg: Uint32Array, segOff: number): void {
    if (operation !== BLKIF_OP_READ && operation !== BLKIF_OP_WRITE && operation !== BLKIF_OP_WRITE_BARRIER && operation !== BLKIF_OP_FLUSH_DISKCACHE) {
      throw new RingError(xenRingErrorCodes.BAD_RECORD, `queueRecord takes BLKIF_OP_READ, WRITE, WRITE_BARRIER or FLUSH_DISKCACHE, not ${operation}; queue() takes discard and indirect requests.`, {
        path: 'blkif_request.operation', expected: 'a blkif_request-shaped BLKIF_OP_*', received: operation,
      });
    }
    if (!(nseg >>> 0 === nseg && nseg <= BLKIF_MAX_SEGMENTS_PER_REQUEST) || (operation === BLKIF_OP_FLUSH_DISKCACHE && nseg !== 0)) {
      const max = operation === BLKIF_OP_FLUSH_DISKCACHE ? 0 : BLKIF_MAX_SEGMENTS_PER_REQUEST;
      throw new RingError(xenRingErrorCodes.BAD_RECORD, `A blkif request may carry at most ${max} nr_segments; got ${nseg}.`, { path: 'nr_segments', expected: `<= ${max}`, received: nseg });
    }
    if (!(handle >>> 0 === handle && handle <= 0xffff)) throw outOfRange('handle', handle);
    if (segOff >>> 0 !== segOff || segOff + 3 * nseg > seg.length) throw outOfRange('seg', segOff);
    // Every value checked before the first store; a bad 64-bit value gets setNumber's typed error (thrown
    // before setNumber writes anything).
    if (!(Number.isSafeInteger(sector) && sector >= 0)) this.fSector.setNumber(dv, base, sector);
    if (!(Number.isSafeInteger(id) && id >= 0)) this.fId.setNumber(dv, base, id);
    for (let i = 0, o = segOff; i < nseg; i++, o += 3) {
      if ((seg[o + 1] as number) > 0xff) throw outOfRange(`seg[${i}].first_sect`, seg[o + 1] as number);
      if ((seg[o + 2] as number) > 0xff) throw outOfRange(`seg[${i}].last_sect`, seg[o + 2] as number);
    }
    const q = this.wordAt(dv, base);
    if (q >= 0) {
      const m = this.words as RwWords;
      const w = this.vWords;
      w[q] = operation | (nseg << 8) | (handle << 16);
      w[q + m.id] = id >>> 0;
      w[q + m.id + 1] = (id - (id >>> 0)) / TWO_32;
      w[q + m.sector] = sector >>> 0;
      w[q + m.sector + 1] = (sector - (sector >>> 0)) / TWO_32;
      for (let i = 0, o = segOff, g = q + m.gref, t = q + m.sect; i < nseg; i++, o += 3, g += m.stride, t += m.stride) {
        w[g] = seg[o] as number;
        w[t] = (seg[o + 1] as number) | ((seg[o + 2] as number) << 8);
      }
      return;
    }
    this.fOp.set(dv, base, operation);
    this.fNseg.set(dv, base, nseg);
    this.fHandle.set(dv, base, handle);
    this.fId.setNumber(dv, base, id);
    this.fSector.setNumber(dv, base, sector);
    const stride = this.fGref.stride;
    for (let i = 0, o = segOff; i < nseg; i++, o += 3) {
      const b = base + i * stride;
      this.fGref.set(dv, b, seg[o] as number);
      this.fFirst.set(dv, b, seg[o + 1] as number);
      this.fLast.set(dv, b, seg[o + 2] as number);
    }
  }
}

function outOfRange(path: string, received: number): CodecError {
  return new CodecError('CODEC_OUT_OF_RANGE', `blkif_request.${path} is ${received}, out of its member's range.`, { path: `blkif_request.${path}`, received });
}

function badRecord(index: number, path: string, received: number, expected: string): RingError {
  return new RingError(xenRingErrorCodes.BAD_RECORD, `Request ${index}: ${path} is ${received}, expected ${expected}.`, { index, path, expected, received });
}

const TWO_32 = 0x1_0000_0000;

/**
 * Word indices (from the struct's first word) of a blkif_request's members: word 0 holds operation,
 * nr_segments and handle (bytes 0, 1 and 2-3); `id` and `sector` the low words of the 64-bit members (the high
 * word follows); `gref` seg[0].gref and `sect` the word whose low bytes are seg[0].first_sect and last_sect;
 * `stride` words per segment.
 */
interface RwWords { readonly id: number; readonly sector: number; readonly gref: number; readonly sect: number; readonly stride: number }

/**
 * The word map of the layout the field views describe, or undefined when a member does not sit so. Found
 * by writing distinct values through the views into a probe and reading the words back, so the map holds
 * exactly when word access reads and writes the bytes the views do.
 */
function rwWords(size: number, op: NumberField, nseg: NumberField, handle: NumberField, id: BigField, sector: BigField,
  gref: NumberField & { readonly stride: number }, first: NumberField, last: NumberField): RwWords | undefined {
  if (size % 4 !== 0 || id.offset % 4 !== 0 || sector.offset % 4 !== 0 || gref.offset % 4 !== 0 || gref.stride % 4 !== 0) return undefined;
  const m: RwWords = { id: id.offset >> 2, sector: sector.offset >> 2, gref: gref.offset >> 2, sect: (first.offset & ~3) >> 2, stride: gref.stride >> 2 };
  const probe = new DataView(new ArrayBuffer(size));
  const w = new Uint32Array(probe.buffer);
  op.set(probe, 0, 0x11); nseg.set(probe, 0, 0x22); handle.set(probe, 0, 0x4433);
  id.set(probe, 0, 0x8877_6655_0403_0201n); sector.set(probe, 0, 0x0c0b_0a09_1817_1615n);
  gref.set(probe, 0, 0x2423_2221); first.set(probe, 0, 0x31); last.set(probe, 0, 0x32);
  const ok = w[0] === 0x4433_2211 && w[m.id] === 0x0403_0201 && w[m.id + 1] === 0x8877_6655 && w[m.sector] === 0x1817_1615
    && w[m.sector + 1] === 0x0c0b_0a09 && w[m.gref] === 0x2423_2221 && m.sect !== m.gref && w[m.sect] === 0x3231;
  return ok ? m : undefined;
}

/**
 * The engine's floor for the codec rows: blkif_request encode and decodeInto written by hand for the x86_64
 * layout, 64-bit members as numbers, with the same checks ringwire's typed codec makes and nothing else (no
 * layout, no generated code, no ABI tags, no fallback path). They throw where ringwire would refuse, so the
 * JIT cannot drop a check; codec-floor.test.ts proves they write and read the same bytes as ringwire.
 * A benchmark baseline only: the offsets below restate blkif.h on purpose (nothing in src/ uses this file).
 *
 *   struct blkif_request (x86_64)   0 operation u8, 1 nr_segments u8, 2 handle u16, 4 (pad 4),
 *                                   8 id u64, 16 sector_number u64, 24 seg[11] { gref u32, first_sect u8,
 *                                   last_sect u8, (pad 2) } of 8 bytes; 112 bytes in all.
 */

/** A blkif_request as the typed codec takes and gives it in `int64: 'number'` mode. */
export interface BlkifNumbers {
  operation: number; nr_segments: number; handle: number; id: number; sector_number: number;
  seg: { gref: number; first_sect: number; last_sect: number }[];
}

const SIZE = 112;
const NSEG = 11;
const TWO32 = 4294967296;

const isU8 = (x: unknown): x is number => typeof x === 'number' && (x & 0xff) === x;
const isU32 = (x: unknown): x is number => typeof x === 'number' && x >>> 0 === x;
/** A u64 member as a number: an integer in 0..2^53 - 1 (CODEC_BAD_TYPE / CODEC_OUT_OF_RANGE otherwise). */
const isU53 = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/**
 * Encode with full validation: the slot in bounds; every member present, a number and in its type's range; the
 * seg array exactly 11 records; all checked before the first store; padding written as zero.
 */
export function handEncode(v: BlkifNumbers, dv: DataView, b: number): number {
  if (!((b >>> 0) === b && b + SIZE <= dv.byteLength)) throw new RangeError(`short buffer at ${b}`);
  if (v === null || typeof v !== 'object') throw new TypeError('not a record');
  const { operation, nr_segments, handle, id, sector_number, seg } = v;
  if (!isU8(operation) || !isU8(nr_segments) || !(typeof handle === 'number' && (handle & 0xffff) === handle)) throw new RangeError('operation, nr_segments or handle');
  if (!isU53(id) || !isU53(sector_number)) throw new RangeError('id or sector_number');
  if (!Array.isArray(seg) || seg.length !== NSEG) throw new RangeError('seg');
  for (let s = 0; s < NSEG; s++) {
    const r = seg[s];
    if (r === null || typeof r !== 'object' || !isU32(r.gref) || !isU8(r.first_sect) || !isU8(r.last_sect)) throw new RangeError(`seg[${s}]`);
  }
  handEncodeUnchecked(v, dv, b);
  return SIZE;
}

/**
 * decodeInto a reused record: the slot in bounds; id and sector_number below 2^53 (number mode refuses larger);
 * the target's seg array of 11 records; every check made before the first store. Reads are 32-bit words of
 * one Uint32Array over `dv`'s buffer, made once by the caller, as ringwire's generated filler reads them.
 */
export function handDecodeInto(dv: DataView, words: Uint32Array, b: number, t: BlkifNumbers): BlkifNumbers {
  if (!((b >>> 0) === b && b + SIZE <= dv.byteLength)) throw new RangeError(`short buffer at ${b}`);
  const at = dv.byteOffset + b;
  if ((at & 3) !== 0) throw new RangeError('a 4-aligned slot only');
  const q = at >>> 2;
  const w0 = words[q]!;
  const idHi = words[q + 3]!;
  const sectorHi = words[q + 5]!;
  if (idHi > 0x1fffff || sectorHi > 0x1fffff) throw new RangeError('id or sector_number beyond 2^53');
  const seg = t.seg;
  if (!Array.isArray(seg) || seg.length !== NSEG) throw new TypeError('target seg');
  t.operation = w0 & 0xff;
  t.nr_segments = (w0 >>> 8) & 0xff;
  t.handle = w0 >>> 16;
  t.id = idHi * TWO32 + words[q + 2]!;
  t.sector_number = sectorHi * TWO32 + words[q + 4]!;
  for (let s = 0; s < NSEG; s++) {
    const r = seg[s]!;
    const w = words[q + 7 + 2 * s]!;
    r.gref = words[q + 6 + 2 * s]!;
    r.first_sect = w & 0xff;
    r.last_sect = w >>> 8 & 0xff;
  }
  return t;
}

/**
 * handEncode without a single check: the member reads and the stores alone. Not a codec (it writes whatever it
 * is given); the difference from handEncode is what full validation costs.
 */
export function handEncodeUnchecked(v: BlkifNumbers, dv: DataView, b: number): void {
  const { id, sector_number, seg } = v;
  dv.setUint32(b, v.operation | (v.nr_segments << 8) | (v.handle << 16), true);
  dv.setUint32(b + 4, 0, true);
  dv.setUint32(b + 8, id >>> 0, true);
  dv.setUint32(b + 12, (id / TWO32) >>> 0, true);
  dv.setUint32(b + 16, sector_number >>> 0, true);
  dv.setUint32(b + 20, (sector_number / TWO32) >>> 0, true);
  for (let s = 0; s < NSEG; s++) {
    const r = seg[s]!;
    dv.setUint32(b + 24 + 8 * s, r.gref, true);
    dv.setUint32(b + 28 + 8 * s, r.first_sect | (r.last_sect << 8), true);
  }
}

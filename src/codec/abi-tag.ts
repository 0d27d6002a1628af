/**
 * ABI tags: which byte ranges of an ArrayBuffer / SharedArrayBuffer are known to be laid out for which ABI.
 * A ring attached for x86_32 tags its memory, so a codec or field view made for x86_64 that is pointed at
 * it refuses (CODEC_ABI_MISMATCH) instead of reading blkif_request.id at 8 where the frontend wrote it at 4.
 *
 * Only layouts that really differ are refused: a struct whose size and member offsets are the same on both
 * ABIs (netif_tx_request, every virtio struct) reads the same bytes either way. Untagged memory is never
 * refused. Tags are held weakly, per buffer; tagging a range again (a new ring over the same memory)
 * replaces any tag it overlaps.
 */
import type { AbiName } from '../../protocol/index.js';
import { CodecError } from '../errors.js';
import { layoutOf } from '../layout/compile.js';
import type { StructLayout } from '../layout/layout.js';
import { wireShape } from '../layout/self-check.js';

interface AbiRange {
  readonly start: number;
  readonly end: number;
  readonly abi: AbiName;
}

const tags = new WeakMap<ArrayBufferLike, AbiRange[]>();
/** False until the first tag: untagged programs pay one branch per check. */
let anyTagged = false;

/** Record that `byteLength` bytes at `byteOffset` of `buffer` are laid out for `abi`. */
export function tagAbi(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, abi: AbiName): void {
  const start = byteOffset;
  const end = byteOffset + byteLength;
  const kept = (tags.get(buffer) ?? []).filter((r) => r.end <= start || r.start >= end);
  kept.push({ start, end, abi });
  tags.set(buffer, kept);
  anyTagged = true;
}

/** The ABI a byte range of `buffer` is tagged with (the first overlapping tag), if any. Allocates nothing. */
export function taggedAbi(buffer: ArrayBufferLike, byteOffset: number, byteLength: number): AbiName | undefined {
  const list = anyTagged ? tags.get(buffer) : undefined;
  if (list === undefined) return undefined;
  const end = byteOffset + byteLength;
  for (let i = 0; i < list.length; i++) {
    const r = list[i] as AbiRange;
    if (r.start < end && byteOffset < r.end) return r.abi;
  }
  return undefined;
}

const sameWire = new WeakMap<StructLayout, Map<AbiName, boolean>>();

/** Whether `layout` reads and writes the same bytes as the same struct laid out for `abi`. */
function layoutMatches(layout: StructLayout, abi: AbiName): boolean {
  let byAbi = sameWire.get(layout);
  if (byAbi === undefined) {
    byAbi = new Map();
    sameWire.set(layout, byAbi);
  }
  let same = byAbi.get(abi);
  if (same === undefined) {
    same = layout.decl === undefined || wireShape(layout) === wireShape(layoutOf(layout.name, { abi, byteOrder: layout.byteOrder }));
    byAbi.set(abi, same);
  }
  return same;
}

/**
 * Throw CODEC_ABI_MISMATCH when `size` bytes at `byteOffset` of `dv` are tagged for an ABI on which
 * `layout`'s struct is laid out differently. Call before reading or writing; changes nothing.
 */
export function checkAbi(layout: StructLayout, dv: DataView, byteOffset: number, size: number): void {
  if (!anyTagged) return;
  const abi = taggedAbi(dv.buffer, dv.byteOffset + byteOffset, size);
  if (abi === undefined || abi === layout.abi || layoutMatches(layout, abi)) return;
  throw new CodecError('CODEC_ABI_MISMATCH',
    `${layout.name} laid out for ${layout.abi} cannot read or write offset ${byteOffset}: that memory is laid out for ${abi}; use a codec for ${abi}.`,
    { offset: byteOffset, path: layout.name, expected: layout.abi, received: abi });
}

/**
 * Offsets of the pcapng block heads and of the ringwire record header, derived from their protocol/trace/
 * declarations by the layout compiler (src/layout/) like every other struct, and checked at load time against
 * each declaration's stated size. These are wire formats, not C structs of an ABI: a declaration that would
 * need padding anywhere is refused, so the offsets are the same on every ABI and in either byte order.
 * src/trace/ reads offsets only from here.
 */
import type { StructDecl } from '../../protocol/index.js';
import {
  pcapng_shb, pcapng_idb, pcapng_epb, pcapng_option, ringwire_record_header, MAX_PACKET_BYTES,
  ringwire_region, ringwire_access, ringwire_barrier, ringwire_notify, ringwire_checkpoint_entry, ringwire_lost,
} from '../../protocol/trace/index.js';
import { compileDecl } from '../layout/compile.js';
import { checkLayout } from '../layout/self-check.js';
import { LayoutError } from '../errors.js';

export interface FixedField {
  readonly offset: number;
  readonly size: number;
}

/** Member name → offset and size, plus the declaration's total size. */
export type FixedLayout<N extends string> = Readonly<Record<N, FixedField>> & { readonly sizeof: number };

export function fixedLayout<N extends string>(decl: StructDecl): FixedLayout<N> {
  const l = compileDecl(decl);
  checkLayout(l);
  if (l.holes.length > 0) {
    const h = l.holes[0] as { offset: number; before: string };
    throw new LayoutError('LAYOUT_SELF_CHECK', `${decl.name}: a wire header may not need padding, but ${h.before} would need some at ${h.offset}.`, { path: `${decl.name}.${h.before}`, offset: h.offset });
  }
  const out: Record<string, FixedField | number> = { sizeof: l.size };
  for (const f of l.fields) {
    if (f.scalar === undefined) {
      throw new LayoutError('LAYOUT_SELF_CHECK', `${decl.name}.${f.name}: only scalar members have a fixed wire layout.`, { path: `${decl.name}.${f.name}` });
    }
    out[f.name] = { offset: f.offset, size: f.size };
  }
  return out as unknown as FixedLayout<N>;
}

export const SHB = fixedLayout<'block_type' | 'block_total_length' | 'byte_order_magic' | 'major_version' | 'minor_version' | 'section_length'>(pcapng_shb);
export const IDB = fixedLayout<'block_type' | 'block_total_length' | 'linktype' | 'reserved' | 'snaplen'>(pcapng_idb);
export const EPB = fixedLayout<'block_type' | 'block_total_length' | 'interface_id' | 'timestamp_high' | 'timestamp_low' | 'captured_packet_length' | 'original_packet_length'>(pcapng_epb);
export const OPTION = fixedLayout<'option_code' | 'option_length'>(pcapng_option);
export const RECORD_HEADER = fixedLayout<'hdr_len' | 'ver_major' | 'ver_minor' | 'rec_type' | 'party' | 'flags' | 'seq' | 'body_len' | 'frag_off'>(ringwire_record_header);

/** Body bytes one fragment carries at most: a full-size packet (MAX_PACKET_BYTES) less the record header. */
export const RWT_MAX_FRAGMENT_BODY = MAX_PACKET_BYTES - RECORD_HEADER.sizeof;

// Record bodies (protocol/trace/bodies.ts).
export const REGION = fixedLayout<'region' | 'kind' | 'name_len' | 'address' | 'length'>(ringwire_region);
export const ACCESS = fixedLayout<'region' | 'size' | 'offset'>(ringwire_access);
export const BARRIER = fixedLayout<'kind'>(ringwire_barrier);
export const NOTIFY = fixedLayout<'channel' | 'flags' | 'data' | 'reserved'>(ringwire_notify);
export const CHECKPOINT_ENTRY = fixedLayout<'region' | 'reserved' | 'sha256'>(ringwire_checkpoint_entry);
export const LOST = fixedLayout<'count'>(ringwire_lost);

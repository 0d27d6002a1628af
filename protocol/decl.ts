/**
 * The vocabulary in which protocol/ declares every wire struct once.
 *
 * A declaration lists members in C order with their C names and C types; offsets are NOT written here but
 * derived from the ABI's alignment rules (abi.ts) by src/layout/. Each declaration carries the sizes and
 * key offsets the C compiler gives for each ABI (`expect`), which the layout compiler checks when the module
 * loads, and which the differential oracle (test/oracle/) checks against gcc/clang on the real headers.
 */
import type { AbiName } from './abi.js';

/**
 * A struct or union type written inside another declaration: the type of a named member (netif_extra_info's
 * `u`), or of an anonymous member (virtio_net_hdr_v1's `union { struct { csum_start; csum_offset; }; ... }`).
 */
export interface InlineAggregate {
  readonly kind: 'struct' | 'union';
  readonly fields: readonly FieldDecl[];
}

/**
 * How a decoder picks the live member of a union: by the value of a sibling scalar (the discriminant),
 * falling back to a raw member when the value names none. C itself has no discriminant; this records the
 * rule the protocol states (netif.h: `type` names `u`'s member; virtio 1.2 §5.1.6: VIRTIO_NET_HDR_F_RSC_INFO
 * in `flags` says the csum fields hold rsc). Members are named by `name`, anonymous ones by their label.
 */
export interface UnionSelect {
  /** Sibling scalar whose value names the member; absent when nothing on the wire does. */
  readonly by?: string;
  /** Only these bits of `by` count (a flags bit as discriminant): the key is `by & mask`. */
  readonly mask?: number;
  readonly members?: Readonly<Record<number, string>>;
  /** The raw member used when `by` is absent or its value names no member. */
  readonly fallback: string;
}

export interface FieldDecl {
  /**
   * The C member name, kept verbatim in decoded objects and JSON. For an anonymous member, a label used
   * only inside protocol/ (by `select`) and in error messages; it is never a key or a path segment.
   */
  readonly name: string;
  /**
   * A C11 anonymous struct or union member (C11 6.7.2.1p13): its type is an inline aggregate, and its
   * members are members of the enclosing struct — `hdr.csum_start`, not `hdr.<anon>.csum_start` — in
   * paths, decoded objects, encode input and JSON.
   */
  readonly anonymous?: true;
  /** A scalar or typedef name from ctypes.ts, a declared struct's name, or an inline aggregate. */
  readonly type: string | InlineAggregate;
  /** Array element count (`seg[BLKIF_MAX_SEGMENTS_PER_REQUEST]` → 11). */
  readonly count?: number;
  /** Present only on these ABIs (`#ifdef __i386__ uint64_t pad; #endif`). */
  readonly onlyAbi?: readonly AbiName[];
  /** For a union member: how to choose its live member when decoding. */
  readonly select?: UnionSelect;
  /**
   * A C99 flexible array member (`vring_used_elem ring[]`), which must come last: it is aligned and placed
   * like an array and raises the struct's alignment, but adds no size. Its elements lie beyond sizeof; the
   * code that knows their count (the queue size) places them.
   */
  readonly flexible?: true;
  /** A producer/consumer index or event field shared with the peer: accessed atomically on shared memory. */
  readonly sharedIndex?: true;
  /** Protocol meaning, one line: `ringwire layout` prints it as the member's comment, and `--json` as `doc`. */
  readonly doc?: string;
}

export interface AbiExpectation {
  readonly size: number;
  /** _Alignof, where it is not simply the largest member's (a flexible array member can raise it). */
  readonly align?: number;
  /** Offsets of top-level members that the ABI moves (or that must never move). */
  readonly offsets?: Readonly<Record<string, number>>;
}

export interface StructDecl {
  readonly name: string;
  readonly kind: 'struct' | 'union';
  /** The header that defines it, e.g. `xen/io/blkif.h`. */
  readonly header: string;
  /** What the struct is for, one line: `ringwire layout` prints it above the struct, `--json` as `doc`. */
  readonly doc: string;
  readonly fields: readonly FieldDecl[];
  /** What the C compiler gives on each ABI; checked at load time by the layout compiler. */
  readonly expect: Readonly<Partial<Record<AbiName, AbiExpectation>>>;
  /**
   * The wire layout (size and every member offset) is the same on every ABI (virtio structs: fixed-width
   * little-endian or __virtio types, naturally aligned). The load-time self-check derives the layout on each
   * ABI and fails if any differs. Only `_Alignof` may differ (a 64-bit member is 4-aligned on i386).
   */
  readonly abiIndependent?: true;
}

/** The same expectation on every ABI (structs without 64-bit members or ABI-specific members). */
export function everyAbi(e: AbiExpectation): Readonly<Record<AbiName, AbiExpectation>> {
  return { x86_64: e, x86_32: e, arm: e };
}

/** A named integer constant, with the header that defines it. */
export interface ConstantDecl {
  readonly name: string;
  readonly value: number;
  readonly header: string;
  readonly doc?: string;
}

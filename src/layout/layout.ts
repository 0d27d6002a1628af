/**
 * Compiled layouts: what src/ derives from a protocol/ declaration for one ABI and byte order.
 * These types are the only place offsets live at run time; nothing else in src/ computes one.
 */
import type { AbiName, ScalarType, StructDecl, UnionSelect } from '../../protocol/index.js';

/** Byte order of `__virtio*` fields: little for virtio 1.x, the guest's for legacy devices. */
export type VirtioByteOrder = 'little' | 'big';

export interface ScalarLeaf {
  readonly type: ScalarType;
  readonly littleEndian: boolean;
}

export interface FieldLayout {
  /** The C member name; for an anonymous member, the declaration's label (never a key or path segment). */
  readonly name: string;
  /**
   * A C11 anonymous struct or union member: its aggregate's members are members of the enclosing struct
   * (src/layout/members.ts resolves them), and its own name appears in no path, key or JSON.
   */
  readonly anonymous: boolean;
  /** Offset from the start of the enclosing struct or union. */
  readonly offset: number;
  /** Size of the whole member (an array's is count × element size), as C's sizeof. */
  readonly size: number;
  readonly align: number;
  /** Array element count, when the member is an array. */
  readonly count: number | undefined;
  readonly elemSize: number;
  /** The C type as written: `uint8_t`, `struct blkif_request_segment`, `union`, `struct` (anonymous). */
  readonly cType: string;
  readonly scalar: ScalarLeaf | undefined;
  readonly aggregate: StructLayout | undefined;
  readonly select: UnionSelect | undefined;
  readonly sharedIndex: boolean;
  readonly doc: string | undefined;
}

/** A gap the compiler inserts for alignment (pahole's "hole"). */
export interface Hole {
  readonly offset: number;
  readonly size: number;
  /** The member the hole precedes, or `(end)` for tail padding. */
  readonly before: string;
}

export interface StructLayout {
  readonly name: string;
  readonly kind: 'struct' | 'union';
  readonly abi: AbiName;
  readonly byteOrder: VirtioByteOrder;
  readonly size: number;
  readonly align: number;
  /** The fixed members: everything sizeof covers, in C order. */
  readonly fields: readonly FieldLayout[];
  /** A trailing flexible array member (`ring[]`): offset and element type, count 0, outside sizeof. */
  readonly flexible: FieldLayout | undefined;
  readonly holes: readonly Hole[];
  /** The declaration it came from (absent for anonymous inline aggregates). */
  readonly decl: StructDecl | undefined;
}

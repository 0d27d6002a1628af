/**
 * The C scalar types that appear on the wire, and the typedefs the headers build from them.
 *
 * Byte order is part of the type, never an afterthought:
 *  - `abi`    — the ABI's own order (all three Xen ABIs ringwire knows are little-endian, see abi.ts);
 *  - `little` — fixed little-endian (`__le16` … in linux/virtio_types.h, virtio 1.x §1.4);
 *  - `virtio` — `__virtio16` …: little-endian for virtio 1.x, the guest's order for legacy devices
 *               (linux/virtio_types.h; virtio 1.2 §2.7 "legacy interfaces"), chosen per queue.
 */
export type ByteOrderRule = 'abi' | 'little' | 'virtio';

export interface ScalarType {
  readonly name: string;
  /** Width in bytes: 1, 2, 4 or 8. */
  readonly size: 1 | 2 | 4 | 8;
  readonly signed: boolean;
  readonly order: ByteOrderRule;
  /** The underlying C type when this is a typedef (`grant_ref_t` → `uint32_t`). */
  readonly typedefOf?: string;
}

/** A scalar type whose name and width stay literal types (typed records read `size` to choose bigint). */
function scalar<N extends string, S extends 1 | 2 | 4 | 8>(name: N, size: S, signed: boolean, order: ByteOrderRule, typedefOf?: string): ScalarType & { readonly name: N; readonly size: S } {
  return typedefOf === undefined ? { name, size, signed, order } : { name, size, signed, order, typedefOf };
}

const scalarTable = Object.freeze({
  uint8_t: scalar('uint8_t', 1, false, 'abi'),
  uint16_t: scalar('uint16_t', 2, false, 'abi'),
  uint32_t: scalar('uint32_t', 4, false, 'abi'),
  uint64_t: scalar('uint64_t', 8, false, 'abi'),
  int8_t: scalar('int8_t', 1, true, 'abi'),
  int16_t: scalar('int16_t', 2, true, 'abi'),
  int32_t: scalar('int32_t', 4, true, 'abi'),
  int64_t: scalar('int64_t', 8, true, 'abi'),
  // xen/grant_table.h: typedef uint32_t grant_ref_t;
  grant_ref_t: scalar('grant_ref_t', 4, false, 'abi', 'uint32_t'),
  // xen/io/ring.h: typedef unsigned int RING_IDX;
  RING_IDX: scalar('RING_IDX', 4, false, 'abi', 'unsigned int'),
  // xen/io/blkif.h: #define blkif_vdev_t uint16_t, #define blkif_sector_t uint64_t
  blkif_vdev_t: scalar('blkif_vdev_t', 2, false, 'abi', 'uint16_t'),
  blkif_sector_t: scalar('blkif_sector_t', 8, false, 'abi', 'uint64_t'),
  // linux/types.h, linux/virtio_types.h
  __u8: scalar('__u8', 1, false, 'little'),
  __u16: scalar('__u16', 2, false, 'little'),
  __u32: scalar('__u32', 4, false, 'little'),
  __u64: scalar('__u64', 8, false, 'little'),
  __le16: scalar('__le16', 2, false, 'little'),
  __le32: scalar('__le32', 4, false, 'little'),
  __le64: scalar('__le64', 8, false, 'little'),
  __virtio16: scalar('__virtio16', 2, false, 'virtio'),
  __virtio32: scalar('__virtio32', 4, false, 'virtio'),
  __virtio64: scalar('__virtio64', 8, false, 'virtio'),
});

/** The scalar types by name, with literal widths: the type-level table typed records are derived from. */
export type ScalarTypeTable = typeof scalarTable;
/** A scalar or typedef name a declaration may use. */
export type ScalarTypeName = keyof ScalarTypeTable;

export const scalarTypes: Readonly<Record<string, ScalarType>> = scalarTable;

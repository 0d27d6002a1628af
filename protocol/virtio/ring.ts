/**
 * linux/virtio_ring.h — split and packed virtqueue records (virtio 1.2 §2.7 split, §2.8 packed).
 *
 * Split ring (three areas; legacy devices put them in one, see src/virtio/split-geometry.ts):
 *   descriptor table, one vring_desc per slot (16 bytes):
 *     0            8        12       14       16
 *     | addr       | len    | flags  | next   |
 *   driver area (vring_avail):  | flags | idx | ring[num] (__virtio16 heads) | used_event (EVENT_IDX only) |
 *   device area (vring_used):   | flags | idx | ring[num] (vring_used_elem)   | avail_event (EVENT_IDX only) |
 *   vring_used_elem (8 bytes):  | id (4) | len (4) |
 *
 * The flexible array members `ring[]` are declared as such (they add no size: C's sizeof(struct vring_avail)
 * is the 4-byte header); the geometry module places ring[i] and the trailing event word from `num`.
 *
 * Packed ring (virtio 1.2 §2.8, always little-endian):
 *   vring_packed_desc (16 bytes):        | addr (8) | len (4) | id (2) | flags (2) |
 *   vring_packed_desc_event (4 bytes):   | off_wrap (2) | flags (2) |
 */
import { everyAbi, type StructDecl } from '../decl.js';


export const vring_desc = {
  name: 'vring_desc',
  kind: 'struct',
  header: 'linux/virtio_ring.h',
  doc: 'One split-ring descriptor: a guest-physical buffer, chained through `next` while VRING_DESC_F_NEXT is set (virtio 1.2 §2.7.5).',
  fields: [
    { name: 'addr', type: '__virtio64', doc: 'guest-physical address of the buffer' },
    { name: 'len', type: '__virtio32', doc: 'buffer length in bytes' },
    { name: 'flags', type: '__virtio16', doc: 'VRING_DESC_F_NEXT | VRING_DESC_F_WRITE | VRING_DESC_F_INDIRECT' },
    { name: 'next', type: '__virtio16', doc: 'index of the next descriptor when VRING_DESC_F_NEXT is set' },
  ],
  expect: everyAbi({ size: 16, offsets: { addr: 0, len: 8, flags: 12, next: 14 } }),
  abiIndependent: true,
} as const satisfies StructDecl;

export const vring_avail = {
  name: 'vring_avail',
  kind: 'struct',
  header: 'linux/virtio_ring.h',
  doc: 'Header of the driver area; ring[num] of __virtio16 chain heads and used_event follow it (virtio 1.2 §2.7.6).',
  fields: [
    { name: 'flags', type: '__virtio16', sharedIndex: true, doc: 'VRING_AVAIL_F_NO_INTERRUPT (without EVENT_IDX)' },
    { name: 'idx', type: '__virtio16', sharedIndex: true, doc: 'free-running count of heads the driver has made available' },
    { name: 'ring', type: '__virtio16', flexible: true, doc: 'ring[num]: chain heads; used_event follows it with VIRTIO_RING_F_EVENT_IDX' },
  ],
  expect: everyAbi({ size: 4, align: 2, offsets: { flags: 0, idx: 2, ring: 4 } }),
  abiIndependent: true,
} as const satisfies StructDecl;

export const vring_used_elem = {
  name: 'vring_used_elem',
  kind: 'struct',
  header: 'linux/virtio_ring.h',
  doc: 'One used-ring entry: the head of a chain the device finished and the bytes it wrote (virtio 1.2 §2.7.8).',
  fields: [
    { name: 'id', type: '__virtio32', doc: 'head index of the used descriptor chain' },
    { name: 'len', type: '__virtio32', doc: 'bytes written into the chain\'s device-writable buffers' },
  ],
  expect: everyAbi({ size: 8, offsets: { id: 0, len: 4 } }),
  abiIndependent: true,
} as const satisfies StructDecl;

export const vring_used = {
  name: 'vring_used',
  kind: 'struct',
  header: 'linux/virtio_ring.h',
  doc: 'Header of the device area; ring[num] of vring_used_elem and avail_event follow it (virtio 1.2 §2.7.8).',
  fields: [
    { name: 'flags', type: '__virtio16', sharedIndex: true, doc: 'VRING_USED_F_NO_NOTIFY (without EVENT_IDX)' },
    { name: 'idx', type: '__virtio16', sharedIndex: true, doc: 'free-running count of used entries the device has written' },
    { name: 'ring', type: 'vring_used_elem', flexible: true, doc: 'ring[num]: used entries; avail_event follows it with VIRTIO_RING_F_EVENT_IDX' },
  ],
  // The flexible ring[] of 4-aligned vring_used_elem raises _Alignof(struct vring_used) to 4.
  expect: everyAbi({ size: 4, align: 4, offsets: { flags: 0, idx: 2, ring: 4 } }),
  abiIndependent: true,
} as const satisfies StructDecl;

export const vring_packed_desc = {
  name: 'vring_packed_desc',
  kind: 'struct',
  header: 'linux/virtio_ring.h',
  doc: 'One packed-ring descriptor; AVAIL/USED flag bits against the wrap counters say who owns it (virtio 1.2 §2.8).',
  fields: [
    { name: 'addr', type: '__le64', doc: 'buffer address' },
    { name: 'len', type: '__le32', doc: 'buffer length; in a used descriptor, bytes written' },
    { name: 'id', type: '__le16', doc: 'buffer id, echoed by the device in the used descriptor' },
    { name: 'flags', type: '__le16', sharedIndex: true, doc: 'NEXT | WRITE | INDIRECT | AVAIL (bit 7) | USED (bit 15); written last' },
  ],
  expect: everyAbi({ size: 16, offsets: { addr: 0, len: 8, id: 12, flags: 14 } }),
  abiIndependent: true,
} as const satisfies StructDecl;

export const vring_packed_desc_event = {
  name: 'vring_packed_desc_event',
  kind: 'struct',
  header: 'linux/virtio_ring.h',
  doc: 'Driver or device event suppression structure of a packed ring (virtio 1.2 §2.8.10).',
  fields: [
    { name: 'off_wrap', type: '__le16', sharedIndex: true, doc: 'bits 0..14 descriptor ring offset, bit 15 wrap counter (VRING_PACKED_EVENT_F_WRAP_CTR)' },
    { name: 'flags', type: '__le16', sharedIndex: true, doc: 'VRING_PACKED_EVENT_FLAG_ENABLE / _DISABLE / _DESC' },
  ],
  expect: everyAbi({ size: 4, offsets: { off_wrap: 0, flags: 2 } }),
  abiIndependent: true,
} as const satisfies StructDecl;

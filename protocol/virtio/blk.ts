/**
 * linux/virtio_blk.h — the request header and the discard / write-zeroes range (virtio 1.2 §5.2.6).
 *
 *   virtio_blk_outhdr (16):                | type (4) | ioprio (4) | sector (8) |
 *   virtio_blk_discard_write_zeroes (16):  | sector (8) | num_sectors (4) | flags (4) |
 */
import { everyAbi, type StructDecl } from '../decl.js';


export const virtio_blk_outhdr = {
  name: 'virtio_blk_outhdr',
  kind: 'struct',
  header: 'linux/virtio_blk.h',
  doc: 'First, device-readable part of every block request; a one-byte VIRTIO_BLK_S_* status ends the chain.',
  fields: [
    { name: 'type', type: '__virtio32', doc: 'VIRTIO_BLK_T_*' },
    { name: 'ioprio', type: '__virtio32', doc: 'io priority (legacy; reserved in 1.x)' },
    { name: 'sector', type: '__virtio64', doc: '512-byte sector offset' },
  ],
  expect: everyAbi({ size: 16, offsets: { type: 0, ioprio: 4, sector: 8 } }),
  abiIndependent: true,
} as const satisfies StructDecl;

export const virtio_blk_discard_write_zeroes = {
  name: 'virtio_blk_discard_write_zeroes',
  kind: 'struct',
  header: 'linux/virtio_blk.h',
  doc: 'One range of a VIRTIO_BLK_T_DISCARD / _WRITE_ZEROES / _SECURE_ERASE request.',
  fields: [
    { name: 'sector', type: '__le64', doc: 'first sector' },
    { name: 'num_sectors', type: '__le32' },
    { name: 'flags', type: '__le32', doc: 'VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP' },
  ],
  expect: everyAbi({ size: 16, offsets: { sector: 0, num_sectors: 8, flags: 12 } }),
  abiIndependent: true,
} as const satisfies StructDecl;

/**
 * linux/virtio_net.h — the header that precedes every packet on a virtio-net queue (virtio 1.2 §5.1.6).
 *
 *   virtio_net_hdr (10):       | flags | gso_type | hdr_len (2) | gso_size (2) | csum_start (2) | csum_offset (2) |
 *   virtio_net_hdr_mrg_rxbuf:  | virtio_net_hdr (10) | num_buffers (2) |
 *   virtio_net_hdr_v1 (12):    | flags | gso_type | hdr_len (2) | gso_size (2) | union (4) | num_buffers (2) |
 *     the anonymous union at 6:  struct { csum_start (2) | csum_offset (2) };   (anonymous)
 *                                struct { start (2)      | offset (2)      } csum;
 *                                struct { segments (2)   | dup_acks (2)    } rsc;  (__le16)
 *   virtio_net_hdr_v1_hash:    | virtio_net_hdr_v1 (12) | hash_value (4) | hash_report (2) | padding (2) |
 */
import { everyAbi, type StructDecl } from '../decl.js';


export const virtio_net_hdr = {
  name: 'virtio_net_hdr',
  kind: 'struct',
  header: 'linux/virtio_net.h',
  doc: 'Legacy per-packet header (without VIRTIO_NET_F_MRG_RXBUF).',
  fields: [
    { name: 'flags', type: '__u8', doc: 'VIRTIO_NET_HDR_F_*' },
    { name: 'gso_type', type: '__u8', doc: 'VIRTIO_NET_HDR_GSO_*' },
    { name: 'hdr_len', type: '__virtio16', doc: 'Ethernet + IP + tcp/udp header bytes' },
    { name: 'gso_size', type: '__virtio16', doc: 'bytes to append to hdr_len per frame' },
    { name: 'csum_start', type: '__virtio16', doc: 'position to start checksumming from' },
    { name: 'csum_offset', type: '__virtio16', doc: 'offset after csum_start to place the checksum' },
  ],
  expect: everyAbi({ size: 10, offsets: { flags: 0, gso_type: 1, hdr_len: 2, gso_size: 4, csum_start: 6, csum_offset: 8 } }),
  abiIndependent: true,
} as const satisfies StructDecl;

export const virtio_net_hdr_mrg_rxbuf = {
  name: 'virtio_net_hdr_mrg_rxbuf',
  kind: 'struct',
  header: 'linux/virtio_net.h',
  doc: 'Legacy header with VIRTIO_NET_F_MRG_RXBUF: the number of merged rx buffers follows.',
  fields: [
    { name: 'hdr', type: 'virtio_net_hdr' },
    { name: 'num_buffers', type: '__virtio16', doc: 'number of merged rx buffers' },
  ],
  expect: everyAbi({ size: 12, offsets: { hdr: 0, num_buffers: 10 } }),
  abiIndependent: true,
} as const satisfies StructDecl;

export const virtio_net_hdr_v1 = {
  name: 'virtio_net_hdr_v1',
  kind: 'struct',
  header: 'linux/virtio_net.h',
  doc: 'Virtio 1.x per-packet header; bitwise equal to virtio_net_hdr_mrg_rxbuf.',
  fields: [
    { name: 'flags', type: '__u8', doc: 'VIRTIO_NET_HDR_F_*' },
    { name: 'gso_type', type: '__u8', doc: 'VIRTIO_NET_HDR_GSO_*' },
    { name: 'hdr_len', type: '__virtio16', doc: 'Ethernet + IP + tcp/udp header bytes' },
    { name: 'gso_size', type: '__virtio16', doc: 'bytes to append to hdr_len per frame' },
    {
      name: 'csum_or_rsc',
      anonymous: true,
      doc: 'checksum offload position, or receive segment coalescing counts',
      type: {
        kind: 'union',
        fields: [
          {
            name: 'csum_fields',
            anonymous: true,
            type: {
              kind: 'struct',
              fields: [
                { name: 'csum_start', type: '__virtio16', doc: 'position to start checksumming from' },
                { name: 'csum_offset', type: '__virtio16', doc: 'offset after csum_start to place the checksum' },
              ],
            },
          },
          {
            name: 'csum',
            doc: 'the same two fields, by their names in the checksum struct',
            type: {
              kind: 'struct',
              fields: [
                { name: 'start', type: '__virtio16', doc: 'position to start checksumming from' },
                { name: 'offset', type: '__virtio16', doc: 'offset after start to place the checksum' },
              ],
            },
          },
          {
            name: 'rsc',
            doc: 'receive segment coalescing (VIRTIO_NET_F_RSC_EXT)',
            type: {
              kind: 'struct',
              fields: [
                { name: 'segments', type: '__le16', doc: 'number of coalesced segments' },
                { name: 'dup_acks', type: '__le16', doc: 'number of duplicated acks' },
              ],
            },
          },
        ],
      },
      // C has no discriminant. virtio 1.2 §5.1.6.4.1: with VIRTIO_NET_HDR_F_RSC_INFO (4) set in flags the
      // device puts rsc.segments / rsc.dup_acks here; otherwise the bytes are csum_start / csum_offset
      // (meaningful with VIRTIO_NET_HDR_F_NEEDS_CSUM). `csum` names the same bytes as csum_start/csum_offset:
      // decode shows those, encode accepts either spelling.
      select: { by: 'flags', mask: 4, members: { 4: 'rsc' }, fallback: 'csum_fields' },
    },
    { name: 'num_buffers', type: '__virtio16', doc: 'number of merged rx buffers' },
  ],
  expect: everyAbi({ size: 12, offsets: { flags: 0, gso_type: 1, hdr_len: 2, gso_size: 4, csum_start: 6, csum_offset: 8, csum: 6, rsc: 6, num_buffers: 10 } }),
  abiIndependent: true,
} as const satisfies StructDecl;

export const virtio_net_hdr_v1_hash = {
  name: 'virtio_net_hdr_v1_hash',
  kind: 'struct',
  header: 'linux/virtio_net.h',
  doc: 'Header with VIRTIO_NET_F_HASH_REPORT: the device reports the packet hash it computed.',
  fields: [
    { name: 'hdr', type: 'virtio_net_hdr_v1' },
    { name: 'hash_value', type: '__le32' },
    { name: 'hash_report', type: '__le16', doc: 'VIRTIO_NET_HASH_REPORT_*' },
    { name: 'padding', type: '__le16' },
  ],
  expect: everyAbi({ size: 20, offsets: { hdr: 0, hash_value: 12, hash_report: 16, padding: 18 } }),
  abiIndependent: true,
} as const satisfies StructDecl;

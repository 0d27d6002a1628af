/**
 * Integer constants of the Linux virtio UAPI headers, as data. Values are checked against the C preprocessor by
 * the differential oracle (test/golden/virtio-layout.json "constants").
 */
import type { ConstantDecl } from '../decl.js';

/** linux/virtio_ring.h */
export const virtioRingConstants: readonly ConstantDecl[] = [
  { name: 'VRING_DESC_F_NEXT', value: 1, header: 'linux/virtio_ring.h' },
  { name: 'VRING_DESC_F_WRITE', value: 2, header: 'linux/virtio_ring.h' },
  { name: 'VRING_DESC_F_INDIRECT', value: 4, header: 'linux/virtio_ring.h' },
  { name: 'VRING_PACKED_DESC_F_AVAIL', value: 7, header: 'linux/virtio_ring.h' },
  { name: 'VRING_PACKED_DESC_F_USED', value: 15, header: 'linux/virtio_ring.h' },
  { name: 'VRING_USED_F_NO_NOTIFY', value: 1, header: 'linux/virtio_ring.h' },
  { name: 'VRING_AVAIL_F_NO_INTERRUPT', value: 1, header: 'linux/virtio_ring.h' },
  { name: 'VRING_PACKED_EVENT_FLAG_ENABLE', value: 0, header: 'linux/virtio_ring.h' },
  { name: 'VRING_PACKED_EVENT_FLAG_DISABLE', value: 1, header: 'linux/virtio_ring.h' },
  { name: 'VRING_PACKED_EVENT_FLAG_DESC', value: 2, header: 'linux/virtio_ring.h' },
  { name: 'VRING_PACKED_EVENT_F_WRAP_CTR', value: 15, header: 'linux/virtio_ring.h' },
  { name: 'VIRTIO_RING_F_INDIRECT_DESC', value: 28, header: 'linux/virtio_ring.h' },
  { name: 'VIRTIO_RING_F_EVENT_IDX', value: 29, header: 'linux/virtio_ring.h' },
  { name: 'VRING_AVAIL_ALIGN_SIZE', value: 2, header: 'linux/virtio_ring.h' },
  { name: 'VRING_USED_ALIGN_SIZE', value: 4, header: 'linux/virtio_ring.h' },
  { name: 'VRING_DESC_ALIGN_SIZE', value: 16, header: 'linux/virtio_ring.h' },
];

/** linux/virtio_config.h */
export const virtioConfigConstants: readonly ConstantDecl[] = [
  { name: 'VIRTIO_TRANSPORT_F_START', value: 28, header: 'linux/virtio_config.h' },
  { name: 'VIRTIO_TRANSPORT_F_END', value: 41, header: 'linux/virtio_config.h' },
  { name: 'VIRTIO_F_NOTIFY_ON_EMPTY', value: 24, header: 'linux/virtio_config.h' },
  { name: 'VIRTIO_F_ANY_LAYOUT', value: 27, header: 'linux/virtio_config.h' },
  { name: 'VIRTIO_F_VERSION_1', value: 32, header: 'linux/virtio_config.h' },
  { name: 'VIRTIO_F_ACCESS_PLATFORM', value: 33, header: 'linux/virtio_config.h' },
  { name: 'VIRTIO_F_IOMMU_PLATFORM', value: 33, header: 'linux/virtio_config.h', doc: 'VIRTIO_F_ACCESS_PLATFORM' },
  { name: 'VIRTIO_F_RING_PACKED', value: 34, header: 'linux/virtio_config.h' },
  { name: 'VIRTIO_F_IN_ORDER', value: 35, header: 'linux/virtio_config.h' },
  { name: 'VIRTIO_F_ORDER_PLATFORM', value: 36, header: 'linux/virtio_config.h' },
  { name: 'VIRTIO_F_SR_IOV', value: 37, header: 'linux/virtio_config.h' },
  { name: 'VIRTIO_F_RING_RESET', value: 40, header: 'linux/virtio_config.h' },
];

/** virtio 1.2 §6: the driver passes extra data (besides the queue) in its available buffer notifications (§2.9). */
export const notificationDataFeature: ConstantDecl = { name: 'VIRTIO_F_NOTIFICATION_DATA', value: 38, header: 'linux/virtio_config.h' };

/**
 * Feature bits virtio 1.2 defines (§6 "Reserved Feature Bits") that the installed linux/virtio_config.h
 * predates (later versions of the UAPI header define VIRTIO_F_NOTIFICATION_DATA). Kept out of
 * `virtioConstants`, which the oracle compares one for one with the installed headers;
 * test/virtio/notification-data.test.ts checks the value against the golden once the headers define it.
 */
export const virtioSpecOnlyConstants: readonly ConstantDecl[] = [notificationDataFeature];

/** linux/virtio_ids.h: the device types trace setups name (virtio 1.2 §5). */
export const virtioIdConstants: readonly ConstantDecl[] = [
  { name: 'VIRTIO_ID_NET', value: 1, header: 'linux/virtio_ids.h', doc: 'network card (§5.1)' },
  { name: 'VIRTIO_ID_BLOCK', value: 2, header: 'linux/virtio_ids.h', doc: 'block device (§5.2)' },
];

/** linux/virtio_blk.h */
export const virtioBlkConstants: readonly ConstantDecl[] = [
  { name: 'VIRTIO_BLK_T_IN', value: 0, header: 'linux/virtio_blk.h' },
  { name: 'VIRTIO_BLK_T_OUT', value: 1, header: 'linux/virtio_blk.h' },
  { name: 'VIRTIO_BLK_T_SCSI_CMD', value: 2, header: 'linux/virtio_blk.h' },
  { name: 'VIRTIO_BLK_T_FLUSH', value: 4, header: 'linux/virtio_blk.h' },
  { name: 'VIRTIO_BLK_T_GET_ID', value: 8, header: 'linux/virtio_blk.h' },
  { name: 'VIRTIO_BLK_T_DISCARD', value: 11, header: 'linux/virtio_blk.h' },
  { name: 'VIRTIO_BLK_T_WRITE_ZEROES', value: 13, header: 'linux/virtio_blk.h' },
  { name: 'VIRTIO_BLK_T_SECURE_ERASE', value: 14, header: 'linux/virtio_blk.h' },
  { name: 'VIRTIO_BLK_T_BARRIER', value: 0x80000000, header: 'linux/virtio_blk.h' },
  { name: 'VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP', value: 1, header: 'linux/virtio_blk.h' },
  { name: 'VIRTIO_BLK_S_OK', value: 0, header: 'linux/virtio_blk.h' },
  { name: 'VIRTIO_BLK_S_IOERR', value: 1, header: 'linux/virtio_blk.h' },
  { name: 'VIRTIO_BLK_S_UNSUPP', value: 2, header: 'linux/virtio_blk.h' },
];

/** linux/virtio_net.h */
export const virtioNetConstants: readonly ConstantDecl[] = [
  { name: 'VIRTIO_NET_F_MRG_RXBUF', value: 15, header: 'linux/virtio_net.h', doc: 'feature bit: the device can merge receive buffers (num_buffers)' },
  { name: 'VIRTIO_NET_HDR_F_NEEDS_CSUM', value: 1, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HDR_F_DATA_VALID', value: 2, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HDR_F_RSC_INFO', value: 4, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HDR_GSO_NONE', value: 0, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HDR_GSO_TCPV4', value: 1, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HDR_GSO_UDP', value: 3, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HDR_GSO_TCPV6', value: 4, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HDR_GSO_ECN', value: 128, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HASH_REPORT_NONE', value: 0, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HASH_REPORT_IPv4', value: 1, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HASH_REPORT_TCPv4', value: 2, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HASH_REPORT_UDPv4', value: 3, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HASH_REPORT_IPv6', value: 4, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HASH_REPORT_TCPv6', value: 5, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HASH_REPORT_UDPv6', value: 6, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HASH_REPORT_IPv6_EX', value: 7, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HASH_REPORT_TCPv6_EX', value: 8, header: 'linux/virtio_net.h' },
  { name: 'VIRTIO_NET_HASH_REPORT_UDPv6_EX', value: 9, header: 'linux/virtio_net.h' },
];

/**
 * ringwire's Xen shared rings: ring.h's macros one for one (SharedRing, FrontRing, BackRing), and the typed
 * blkif / netif ends built on them.
 */
export { ringType, xenRingNames, type XenRingName, type XenRingType, type SringHeaderOffsets } from './ring-type.js';
export { SharedRing, type SharedRingOptions } from './shared-ring.js';
export { RingEnd } from './ring-end.js';
export { FrontRing } from './front-ring.js';
export { BackRing } from './back-ring.js';
export { RingError, xenRingErrorCodes, type XenRingErrorCode } from './ring-error.js';
export { ringIdx, idxAdd, idxSub, roundDownPow2, RING_IDX_HALF } from './ring-index.js';
export { xenConstant } from './xen-constants.js';
export {
  BlkifRequestCodec, blkifOperation, blkifResponseOperation, type BlkifAnswerable, type BlkifRequest, type BlkifReceivedRequest, type BlkifSegment,
  BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT,
  BLKIF_MAX_SEGMENTS_PER_REQUEST, BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST, BLKIF_DISCARD_SECURE, BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, BLKIF_RSP_EOPNOTSUPP,
} from './blkif-request.js';
export { BlkifRecord, BlkifRecordCodec } from './blkif-record.js';
export { BlkifFront, type BlkifCompletion, type BlkifRecordCompletion } from './blkif-front.js';
export { BlkifBack } from './blkif-back.js';
export { inspectRingImage, decodeRingSlots, type RingImageReport, type RingImageSlot } from './ring-image.js';
export { EventChannelWord } from './event-channel.js';
export {
  NetifExtraCodec, type NetifExtras, type NetifGso, type NetifHash, XEN_NETIF_NR_SLOTS_MIN, XEN_NETIF_MAX_TX_SIZE, XEN_PAGE_SIZE,
  XEN_NETIF_EXTRA_TYPE_NONE, XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, XEN_NETIF_EXTRA_TYPE_MCAST_DEL, XEN_NETIF_EXTRA_TYPE_HASH,
  XEN_NETIF_EXTRA_TYPE_MAX, XEN_NETIF_EXTRA_FLAG_MORE, XEN_NETIF_GSO_TYPE_NONE, XEN_NETIF_GSO_TYPE_TCPV4, XEN_NETIF_GSO_TYPE_TCPV6,
  NETIF_RSP_DROPPED, NETIF_RSP_ERROR, NETIF_RSP_OKAY, NETIF_RSP_NULL,
} from './netif-extra.js';
export { NetifTxFront } from './netif-tx-front.js';
export { NetifTxBack } from './netif-tx-back.js';
export {
  type NetifTxPacket, type NetifTxFragment, type NetifTxCompletion, type NetifTxReceivedPacket, type NetifTxReceivedFragment,
  NETTXF_csum_blank, NETTXF_data_validated, NETTXF_more_data, NETTXF_extra_info,
} from './netif-tx.js';
export { NetifRxFront } from './netif-rx-front.js';
export { NetifRxBack } from './netif-rx-back.js';
export {
  type NetifRxBuffer, type NetifRxFragment, type NetifRxPacket, type NetifRxDelivery, type NetifRxDelivered,
  NETRXF_data_validated, NETRXF_csum_blank, NETRXF_more_data, NETRXF_extra_info, NETRXF_gso_prefix,
} from './netif-rx.js';
export {
  NetifCtrlFront, NetifCtrlBack, netifCtrlType, type NetifCtrlRequest, type NetifCtrlOp, type NetifCtrlReceivedRequest, type NetifCtrlCompletion,
  XEN_NETIF_CTRL_TYPE_INVALID, XEN_NETIF_CTRL_STATUS_SUCCESS, XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED, XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
  XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW, XEN_NETIF_CTRL_HASH_ALGORITHM_NONE, XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ,
} from './netif-ctrl.js';
export {
  XenbusDevice, XenbusError, xenbusErrorCodes, type XenbusErrorCode, type XenbusConfig, type XenbusSink, type XenbusDeviceOptions, type XenbusRingShare,
} from './xenbus.js';

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
export { ringIdx, idxAdd, idxSub, roundDownPow2 } from './ring-index.js';
export { xenConstant } from './xen-constants.js';
export {
  BlkifRequestCodec, blkifOperation, type BlkifRequest, type BlkifReceivedRequest, type BlkifSegment,
  BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT,
  BLKIF_MAX_SEGMENTS_PER_REQUEST, BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST, BLKIF_DISCARD_SECURE, BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, BLKIF_RSP_EOPNOTSUPP,
} from './blkif-request.js';
export { BlkifFront, type BlkifCompletion } from './blkif-front.js';
export { BlkifBack } from './blkif-back.js';
export { inspectRingImage, type RingImageReport, type RingImageSlot } from './ring-image.js';
export { EventChannelWord } from './event-channel.js';

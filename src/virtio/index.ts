/**
 * ringwire's virtio half: guest memory, split and packed virtqueues for driver and device, the chain walker.
 */
export { VirtqError, GuestMemoryError, virtqRules, virtqNotCheckedCodes, type VirtqErrorCode } from './errors.js';
export { GuestMemory, type GuestRegion, type GuestMemorySource } from './guest-memory.js';
export { vringNeedEvent } from './event-idx.js';
export { vringSize, splitAreas, legacyPlacement, type SplitAreas, type LegacyPlacement } from './split-geometry.js';
export { SplitRing, legacySplitConfig, type SplitQueueConfig } from './split-ring.js';
export { DescChain } from './chain.js';
export { walkSplitChain, type SplitWalkContext } from './chain-walker.js';
export { BUFFER_NOT_CHECKED, type UnmappedBuffers } from './desc-rules.js';
export { availAhead } from './split-checks.js';
export { checkIdNotOutstanding } from './packed-checks.js';
export { sharedIndexOffsets, sharedIndexOffset } from './shared-fields.js';
export { UsedBuffer, type VirtqBuffer } from './buffers.js';
export { SplitDriver } from './split-driver.js';
export { SplitDevice } from './split-device.js';
export { PackedRing, type PackedQueueConfig } from './packed-ring.js';
export { walkPackedChain } from './packed-walker.js';
export { PackedDriver } from './packed-driver.js';
export { PackedDevice } from './packed-device.js';
export * from './flags.js';
export { idx16, idx16Add, idx16Sub } from './index16.js';
export { virtqFeatures, VIRTIO_F_IN_ORDER, VIRTIO_F_NOTIFICATION_DATA, VIRTIO_F_RING_RESET, VIRTIO_RING_F_EVENT_IDX, VIRTIO_RING_F_INDIRECT_DESC, type VirtqFeatures } from './features.js';
export { encodeNotificationData, decodeNotificationData, splitNotificationData, notifiedAvailIdx, notifiedVqn, type NotificationData } from './notification-data.js';
export { analyzeSplitSnapshot, type SplitSnapshotReport, type SplitChainReport } from './split-snapshot.js';
export {
  analyzePackedSnapshot, inferDeviceNext, availPass,
  type PackedSnapshotReport, type PackedChainReport, type PackedEventReport, type PackedSnapshotOptions, type PackedStart, type PackedStartInference,
} from './packed-snapshot.js';
export type { DescReport, VirtqFinding, SnapshotViolation, FindingKind } from './snapshot-report.js';
export { virtioConstant } from './virtio-constants.js';

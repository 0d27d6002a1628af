/**
 * ringwire traces: pcapng files of ringwire records (format in protocol/trace/). Core code only; the file
 * side is in file-io.ts (node-only), imported on its own.
 */
export { TraceError, type TraceErrorCode, type TraceErrorDetail } from './errors.js';
export { crc32 } from './crc32.js';
export { GrowableSink, type ByteSink } from './byte-sink.js';
export { TraceWriter, type TraceWriterOptions, type InterfaceOptions, type TraceRecordInput } from './pcapng-writer.js';
export { TraceReader, readAllRecords } from './pcapng-reader.js';
export { TraceStreamReader, type ChunkSource } from './stream-reader.js';
export { TraceRecord, type DetachedRecord } from './trace-record.js';
export { type TraceInterface, type TraceStats, type TraceReaderOptions } from './trace-decoder.js';
export { directionFlags } from './direction.js';
export { RECORD_HEADER_BYTES, readRecordHeader, writeRecordHeader, type RecordHeader } from './record-header.js';
export { SHB, IDB, EPB, OPTION, RECORD_HEADER, RWT_MAX_FRAGMENT_BODY, fixedLayout, type FixedField, type FixedLayout } from './layouts.js';
export { sha256 } from './sha256.js';
export {
  AccessBody, decodeAccess, decodeAnnotation, decodeBarrier, decodeCheckpoint, decodeConfig, decodeLost, decodeNotify,
  decodeRegion, decodeSetup, encodeJson, type BodySource, type CheckpointEntry, type NotifyBody, type RegionBody,
} from './bodies.js';
export { TraceRecorder, type RegionSpec } from './recorder.js';
export { recordXenRing, type XenRingRecording, type XenRingRecordingOptions } from './xen-recording.js';
export { TraceReplayer, type ReplayInterface, type ReplayRegion, type ReplayerOptions } from './replayer.js';
export { ReplayEventDecoder, decodeTraceEvents, transportDecoders } from './decode-events.js';
export {
  ImplementationReplay, replayAgainst, type ReplayContext, type ReplayEvent, type ReplayImplementation, type ReplayImplementationFactory,
  type ReplayDivergence, type ReplayResult, type ReplaySide, type ReplayRefusal, refusalCode,
  type XenFrontendImplementation, type XenBackendImplementation, type VirtioDriverImplementation, type VirtioDeviceImplementation,
} from './replay-impl.js';
export { locateField, type LocatedField } from './field-locator.js';
export {
  RecordEvent, RecordEventDecoder, TraceEventDecoders, RECORD_EVENT_HEAD_BYTES, recordTypeWord, partyWord,
  type TraceEvent, type TraceEventDecoder, type TransportEventDecoder, type TransportDecoderFactory,
} from './event.js';
export { timestampNanoseconds, timestampText, formatSeconds, describeTsresol } from './timestamp.js';
export { recordVirtqueue, type SplitRecordingOptions, type PackedRecordingOptions, type VirtqueueRecording } from './virtio-recording.js';
export {
  recordCapturedQueue, capturedQueues, indirectTables, CAPTURE_OP, MAX_CAPTURED_TABLE,
  type CapturedQueue, type CapturedArea, type CapturedRing, type CaptureNotes,
} from './virtio-capture.js';

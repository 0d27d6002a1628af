/**
 * ringwire — byte-exact Xen shared rings and virtio virtqueues over ArrayBuffer / SharedArrayBuffer memory.
 */
import './layout/registry.js';

export * from './errors.js';
export type * from './layout/layout.js';
export { layoutOf, structNames, structDecl, hasStruct, type LayoutOptions } from './layout/compile.js';
export { checkLayout, checkAllLayouts } from './layout/self-check.js';
export { decode, decodeInto, toJSONValue, type Decoded, type DecodedRecord, type DecodedScalar } from './codec/decode.js';
export { encode, encodeToBytes, toInteger, type IntegerInput } from './codec/encode.js';
export { describe, describeLines, type DescribedLine } from './codec/describe.js';
export { fieldView, numberField, bigField, elementField, resolvePath, type NumberField, type BigField, type ScalarField } from './codec/views.js';
export { codecFor, type StructCodec, type TypedCodec, type TypedCodecOptions, type CodecOptions } from './codec/codec.js';
export type { RecordOf, RecordInput, RecordMode, Int64Mode, Int64AsNumber, WithInt64 } from './codec/typed-record.js';
export { asDataView as dataViewOf } from './codec/scalar-io.js';
export { PlainRingPort, checkHostByteOrder, type RingPort, type NotifyHandler } from './memory/ring-port.js';
export { PortError, portErrorCodes, type PortErrorCode } from './memory/port-error.js';
export { RecordingRingPort, replayPortEvents, type PortEvent } from './memory/recording-port.js';
export * as protocol from '../protocol/index.js';
export { catalogue, type CatalogueId, type RuleEntry, type RuleSource } from '../protocol/catalogue/index.js';
export { ruleEntry, ruleText, citation, closestIds } from './rule-catalogue.js';
export * from './xen/index.js';
export * from './virtio/index.js';
export * from './trace/index.js';
export * from './check/index.js';

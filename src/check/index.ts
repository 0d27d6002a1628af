/** The conformance checker: rules over traces (src/check/rules/), reporting Findings with catalogue citations. */
export { TraceChecker, checkTrace, traceRuleIds, xenTraceRules, virtioTraceRules, type TraceCheckerOptions } from './trace-checker.js';
export type { Finding, FindingDetail, RecordPlace } from './finding.js';
export type { TraceRule, TraceRuleFactory, RuleContext } from './rule.js';
export { XenRingState } from './xen-state.js';
export { VirtqState } from './virtq-state.js';
export { chainWalkerCodes } from './rules/virtio-chain.js';
export type { TraceFinding, DumpFinding, DumpKind, DumpArea } from './finding.js';
export { DumpFindings, type DumpCheckOptions, type DumpPlace } from './dump-finding.js';
export { checkRingImage, xenDumpRuleIds, type XenDumpCheck, type XenDumpOptions } from './dump-xen.js';
export {
  checkSplitSnapshot, checkPackedSnapshot, splitDumpRuleIds, packedDumpRuleIds, type VirtqDumpCheck, type SplitDumpOptions, type PackedDumpOptions,
} from './dump-virtio.js';

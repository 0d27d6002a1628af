/** The conformance checker: rules over traces (src/check/rules/), reporting Findings with catalogue citations. */
export { TraceChecker, checkTrace, traceRuleIds, xenTraceRules, virtioTraceRules, type TraceCheckerOptions } from './trace-checker.js';
export type { Finding, FindingDetail, RecordPlace } from './finding.js';
export type { TraceRule, TraceRuleFactory, RuleContext } from './rule.js';
export { XenRingState } from './xen-state.js';
export { VirtqState } from './virtq-state.js';
export { chainWalkerCodes } from './rules/virtio-chain.js';

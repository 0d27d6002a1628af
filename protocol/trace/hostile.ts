/**
 * The hostile annotation: what a trace written by `ringwire hostile` (and every malformed fixture) expects of
 * the implementation replayed against it, so the file describes itself. It is one annotation record (JSON
 * body, see bodies.ts TraceAnnotation) from party RWT_PARTY_NONE on the interface the fault is on, written
 * after the scenario's last record and before the closing checkpoint:
 *
 *   { "op": "hostile", "rule": "XEN_RING_REQ_PROD_OVERFLOW", "expect": "refuse", "side": "back" }
 *
 *   rule    the catalogue id the other side of the trace breaks (the fault injected)
 *   side    the side under test, the one that did NOT break the rule: `front` (Xen frontend, virtio driver)
 *           or `back` (Xen backend, virtio device)
 *   expect  `refuse`: the rule is one a receiving end can see in the shared memory and ringwire's checked
 *           operations throw its code (catalogue entries without `checked`); the implementation under test
 *           must refuse with exactly that code, having reproduced every run before.
 *           `observe`: the rule is one only the conformance checker judges (catalogue `checked: 'trace'`: a
 *           missing or needless notification, a double fetch, a rewrite, a stuck peer, or a record the
 *           receiving end answers rather than refuses); the replay's monitor must report it, and the
 *           implementation must keep reproducing the recording or refuse cleanly with any ringwire code,
 *           never fail otherwise.
 */
export const RWT_HOSTILE_OP = 'hostile';

export type HostileExpect = 'refuse' | 'observe';

export interface HostileAnnotation {
  readonly op: typeof RWT_HOSTILE_OP;
  readonly rule: string;
  readonly expect: HostileExpect;
  readonly side: 'front' | 'back';
}

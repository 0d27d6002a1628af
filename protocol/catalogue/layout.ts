/**
 * Layouts (LayoutError): unknown names, and declarations that fail their load-time self-check.
 */
import type { RuleEntry } from './types.js';

export const layoutCatalogue = [
  {
    id: 'UNKNOWN_STRUCT', family: 'layout', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'A struct is named as protocol/ declares it, by its C name.',
    source: { ringwire: 'policy', why: 'layouts exist only for declared structs.' },
  },
  {
    id: 'UNKNOWN_ABI', family: 'layout', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'An ABI is one of those protocol/abi.ts declares (x86_64, x86_32, arm).',
    source: { ringwire: 'policy', why: 'offsets are derived per declared ABI.' },
  },
  {
    id: 'UNKNOWN_FIELD_PATH', family: 'layout', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'A field path names a scalar member of the struct, with array indices in range.',
    source: { ringwire: 'policy', why: 'field views are built from declared members only.' },
  },
  {
    id: 'UNKNOWN_CONSTANT', family: 'layout', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'A constant is named as protocol/ declares it.',
    source: { ringwire: 'policy', why: 'constants come from the header declarations only.' },
  },
  {
    id: 'LAYOUT_NOT_SHARED_INDEX', family: 'layout', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'Only a member declared sharedIndex is accessed as a shared index.',
    source: { ringwire: 'policy', why: 'shared indices are accessed through Atomics, which the declaration must allow.' },
  },
  {
    id: 'LAYOUT_SELF_CHECK', family: 'layout', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'A declaration derives the sizes, offsets and constants its header states, checked when it is loaded.',
    source: { ringwire: 'policy', why: 'a declaration that disagrees with its header must fail before any byte is read.' },
  },
] as const satisfies readonly RuleEntry[];

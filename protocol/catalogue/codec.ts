/**
 * The codec (CodecError): bytes or values that do not fit the C types declared in protocol/.
 */
import type { RuleEntry } from './types.js';

const why = 'a value is encoded or decoded exactly as its declared C type holds it, or refused.';

export const codecCatalogue = [
  {
    id: 'CODEC_SHORT_BUFFER', family: 'codec', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'A struct is decoded from, or encoded into, at least sizeof(struct) bytes at the offset given.',
    source: { ringwire: 'policy', why: 'nothing is read or written out of bounds.' },
  },
  {
    id: 'CODEC_WRONG_LENGTH', family: 'codec', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'Bytes given for one struct are exactly sizeof(struct) long on the ABI chosen.',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CODEC_BAD_HEX', family: 'codec', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'Hex input holds only hex digits, two per byte.',
    source: { ringwire: 'policy', why: 'the command line reads struct bytes as hex.' },
  },
  {
    id: 'CODEC_BAD_TYPE', family: 'codec', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'A member\'s value has the JavaScript type its C type takes (number, bigint or decimal string, array, object).',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CODEC_OUT_OF_RANGE', family: 'codec', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'A member\'s value is an integer within the range of its C type.',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CODEC_MISSING_FIELD', family: 'codec', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'An object to encode gives every member of the struct.',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CODEC_UNKNOWN_FIELD', family: 'codec', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'An object to encode names only members the struct declares, under their C names.',
    source: { ringwire: 'policy', why },
  },
  {
    id: 'CODEC_UNION_MEMBER', family: 'codec', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'A union is given exactly one of its alternatives.',
    source: { ringwire: 'policy', why: 'a C union holds one alternative at a time.' },
  },
  {
    id: 'CODEC_ABI_MISMATCH', family: 'codec', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'Memory tagged for one ABI is read or written only with layouts of that ABI where the struct\'s layout differs.',
    source: { ringwire: 'policy', why: 'x86_32 and x86_64 place blkif_request.id at different offsets; the wrong codec would read another field.' },
  },
  {
    id: 'CODEC_BAD_OPTION', family: 'codec', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'A codec is asked for with options it knows: int64 is \'bigint\' or \'number\'.',
    source: { ringwire: 'policy', why: 'a misspelled mode would otherwise silently give the default.' },
  },
  {
    id: 'CODEC_UNSAFE_INTEGER', family: 'codec', kind: 'input', binds: 'caller', severity: 'error',
    statement: 'A 64-bit member is read or written as a JavaScript number only while its value lies within ±(2^53 - 1); beyond that it is read as bigint or as two 32-bit halves.',
    source: { ringwire: 'policy', why: 'a number holds integers exactly only up to 2^53 - 1 (Number.MAX_SAFE_INTEGER): a silently rounded id or sector would be a different one.' },
  },
] as const satisfies readonly RuleEntry[];

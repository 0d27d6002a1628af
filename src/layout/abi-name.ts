/**
 * Parse an ABI name as users write it: ringwire's names (`x86_64`, `x86_32`, `arm`) or the protocols.h
 * spellings a frontend writes to xenstore (`x86_64-abi`, `x86_32-abi`, `arm-abi`).
 */
import { abis, abiNames, type AbiName } from '../../protocol/index.js';
import { LayoutError } from '../errors.js';

export function parseAbi(text: string): AbiName {
  for (const name of abiNames) if (text === name || text === abis[name].protocol) return name;
  throw new LayoutError('UNKNOWN_ABI', `Unknown ABI "${text}"; expected one of ${abiNames.map((n) => `${n} (${abis[n].protocol})`).join(', ')}.`, {
    received: text, expected: abiNames,
  });
}

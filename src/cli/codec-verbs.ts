/**
 * `ringwire layout|encode|decode`: the codec verbs over any declared struct.
 */
import { structNames, layoutOf } from '../layout/compile.js';
import { parseAbi } from '../layout/abi-name.js';
import { abiNames, type AbiName } from '../../protocol/index.js';
import { decode, toJSONValue } from '../codec/decode.js';
import { encodeToBytes } from '../codec/encode.js';
import { describe } from '../codec/describe.js';
import { CodecError } from '../errors.js';
import { jsonText, UsageError, type CliIo } from './io.js';
import { flag, parseVerbArgs, stringOption } from './args.js';
import { layoutJson, layoutTable } from './layout-table.js';

const abiOption = { abi: { type: 'string' as const }, json: { type: 'boolean' as const }, 'legacy-be': { type: 'boolean' as const } };

interface Parsed { abi: AbiName; abiGiven: boolean; json: boolean; byteOrder: 'little' | 'big'; positionals: string[] }

function parse(args: string[], maxPositionals: number, verb: string): Parsed {
  const p = parseVerbArgs(verb, args, abiOption, maxPositionals);
  const abiText = stringOption(p, 'abi');
  return {
    abi: parseAbi(abiText ?? 'x86_64'), abiGiven: abiText !== undefined, json: flag(p, 'json'),
    // Legacy virtio devices use the guest's byte order for __virtio16/32/64 (virtio 1.2 §2.7, legacy interface).
    byteOrder: flag(p, 'legacy-be') ? 'big' : 'little',
    positionals: p.positionals,
  };
}

function requireStruct(positionals: string[], verb: string): string {
  const name = positionals[0];
  if (name === undefined) throw new UsageError(`${verb}: name a struct (${structNames().join(', ')})`);
  return name;
}

export function layoutVerb(args: string[], io: CliIo): number {
  const o = parse(args, 1, 'layout');
  const name = o.positionals[0];
  if (name !== undefined) {
    const l = layoutOf(name, { abi: o.abi, byteOrder: o.byteOrder });
    io.out(o.json ? jsonText(layoutJson(l)) : layoutTable(l));
    return 0;
  }
  // Every struct, on the ABI given or on every ABI.
  const abisShown: readonly AbiName[] = o.abiGiven ? [o.abi] : abiNames;
  const all = abisShown.flatMap((abi) => structNames().map((n) => layoutOf(n, { abi })));
  io.out(o.json ? jsonText(all.map(layoutJson)) : all.map(layoutTable).join('\n\n'));
  return 0;
}

export function encodeVerb(args: string[], io: CliIo): number {
  const o = parse(args, 2, 'encode');
  const name = requireStruct(o.positionals, 'encode');
  const text = o.positionals[1];
  if (text === undefined) throw new UsageError('encode: give the value as a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`encode: the value is not JSON (${(e as Error).message})`);
  }
  io.out(Buffer.from(encodeToBytes(layoutOf(name, { abi: o.abi, byteOrder: o.byteOrder }), value)).toString('hex'));
  return 0;
}

export function decodeVerb(args: string[], io: CliIo): number {
  const o = parse(args, 2, 'decode');
  const name = requireStruct(o.positionals, 'decode');
  const layout = layoutOf(name, { abi: o.abi, byteOrder: o.byteOrder });
  const hex = (o.positionals[1] ?? '').replace(/\s+/g, '').replace(/^0x/i, '');
  if (hex === '') throw new UsageError('decode: give the struct bytes as hex');
  const bad = /[^0-9a-f]/i.exec(hex);
  if (bad !== null) {
    throw new CodecError('CODEC_BAD_HEX', `decode: "${bad[0]}" at position ${bad.index} of the hex is not a hex digit.`, { path: name, offset: bad.index, received: bad[0] });
  }
  if (hex.length % 2 !== 0) {
    throw new CodecError('CODEC_BAD_HEX', `decode: ${hex.length} hex digits is an odd number; each byte takes two.`, { path: name, received: hex.length });
  }
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length !== layout.size) {
    throw new CodecError('CODEC_WRONG_LENGTH', `decode: ${name} (${layout.abi}) is ${layout.size} bytes, received ${bytes.length}.`,
      { path: name, expected: layout.size, received: bytes.length });
  }
  io.out(o.json ? jsonText(toJSONValue(decode(layout, bytes))) : describe(layout, bytes));
  return 0;
}

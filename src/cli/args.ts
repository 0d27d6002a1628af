/**
 * Command-line argument parsing shared by every verb: node:util parseArgs underneath, but every complaint is
 * ringwire's own one-line UsageError with a stable code, never Node's parser text. Numbers are parsed here
 * too, so `--order -1` or `--size 8x` gets the same kind of message on every verb.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
}

/**
 * Parse `args` for `verb` (e.g. `dump xen`). A string option followed by a value that starts with `-` (such as
 * `--order -1`) takes that value, so the number parser, not the option parser, says what is wrong with it;
 * `-` alone is a positional (standard input).
 */
export function parseVerbArgs(verb: string, args: readonly string[], options: OptionSpec, maxPositionals = 0): ParsedArgs {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    const next = args[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && next.startsWith('-') && next !== '-') {
      joined.push(`${a}=${next}`);
      i++;
    } else {
      joined.push(a);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({ args: joined, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageFromNode(verb, e as NodeJS.ErrnoException, options);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`${verb}: unexpected argument "${parsed.positionals[maxPositionals] as string}" (see ringwire ${verb} --help)`, 'CLI_USAGE');
  }
  return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
}

function usageFromNode(verb: string, e: NodeJS.ErrnoException, options: OptionSpec): UsageError {
  const m = /'(-{1,2}[^' ]+)/.exec(e.message);
  const opt = m?.[1] ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`${verb}: unknown option ${opt} (known: ${Object.keys(options).map((o) => `--${o}`).join(' ')})`, 'CLI_UNKNOWN_OPTION');
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = opt.replace(/^-+/, '');
      return options[name]?.type === 'boolean'
        ? new UsageError(`${verb}: option --${name} takes no value`, 'CLI_USAGE')
        : new UsageError(`${verb}: option --${name} needs a value`, 'CLI_USAGE');
    }
    /* c8 ignore next 2 */
    default:
      return new UsageError(`${verb}: cannot parse the arguments (${e.code ?? 'error'})`, 'CLI_USAGE');
  }
}

/** A string option's value (the last one given, when repeated), or undefined. */
export function stringOption(p: ParsedArgs, name: string): string | undefined {
  const v = p.values[name];
  if (Array.isArray(v)) return v.length === 0 ? undefined : String(v[v.length - 1]);
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable string option's values. */
export function stringList(p: ParsedArgs, name: string): string[] {
  const v = p.values[name];
  if (Array.isArray(v)) return v.map(String);
  return typeof v === 'string' ? [v] : [];
}

export function flag(p: ParsedArgs, name: string): boolean {
  return p.values[name] === true;
}

export interface IntegerRule {
  readonly min?: number;
  readonly max?: number;
  /** Must be a power of two. */
  readonly pow2?: boolean;
}

/**
 * A non-negative integer written in decimal or 0x-hex (`--order 2`, `--offset 0x10000`), within [min, max]
 * (default 0 .. 2^53-1). Anything else is CLI_BAD_NUMBER naming the option and what it accepts.
 */
export function parseInteger(option: string, text: string, rule: IntegerRule = {}): number {
  const min = rule.min ?? 0;
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  const ok = /^(0x[0-9a-f]+|[0-9]+)$/i.test(text);
  const n = ok ? Number(text) : NaN;
  if (!ok || !Number.isSafeInteger(n) || n < min || n > max || (rule.pow2 === true && (n & (n - 1)) !== 0)) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
    throw new UsageError(`${option}: "${text}" is not ${rule.pow2 === true ? 'a power of two' : 'an integer'} ${range} (decimal or 0x-hex)`, 'CLI_BAD_NUMBER');
  }
  return n;
}

/** An unsigned 64-bit value (a guest-physical address), decimal or 0x-hex. */
export function parseU64(option: string, text: string): bigint {
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(text) || BigInt(text) >= 1n << 64n) {
    throw new UsageError(`${option}: "${text}" is not an unsigned 64-bit address (decimal or 0x-hex)`, 'CLI_BAD_NUMBER');
  }
  return BigInt(text);
}

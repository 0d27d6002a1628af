/**
 * `ringwire rules [--json] [--family F]`: the catalogue (protocol/catalogue/), every error code and protocol
 * rule with the party it binds, its severity, its statement and its source.
 */
import { catalogue, ruleFamilies, type RuleEntry, type RuleFamily } from '../../protocol/catalogue/index.js';
import { citation } from '../rule-catalogue.js';
import { flag, parseVerbArgs, stringOption } from './args.js';
import { jsonText, UsageError, type CliIo } from './io.js';

/** The entries of one family, or all of them; an unknown family is CLI_USAGE naming the known ones. */
export function entriesOf(family: string | undefined): readonly RuleEntry[] {
  if (family === undefined) return catalogue;
  if (!(ruleFamilies as readonly string[]).includes(family)) {
    throw new UsageError(`rules: unknown family "${family}" (known: ${ruleFamilies.join(', ')})`, 'CLI_USAGE');
  }
  return catalogue.filter((e) => e.family === (family as RuleFamily));
}

/** One block per family: a heading, then per entry a line `ID  severity  binds  source` and its statement. */
export function rulesText(entries: readonly RuleEntry[]): string {
  const width = Math.max(...entries.map((e) => e.id.length));
  const lines: string[] = [];
  for (const family of ruleFamilies) {
    const of = entries.filter((e) => e.family === family);
    if (of.length === 0) continue;
    if (lines.length > 0) lines.push('');
    lines.push(`${family} (${of.length})`);
    for (const e of of) {
      lines.push(`  ${e.id.padEnd(width)}  ${e.severity.padEnd(7)}  ${e.binds.padEnd(6)}  ${citation(e.source)}`);
      lines.push(`  ${''.padEnd(width)}  ${e.statement}`);
    }
  }
  return lines.join('\n');
}

export function rulesVerb(args: string[], io: CliIo): number {
  const p = parseVerbArgs('rules', args, { json: { type: 'boolean' }, family: { type: 'string' } });
  const entries = entriesOf(stringOption(p, 'family'));
  io.out(flag(p, 'json') ? jsonText(entries) : rulesText(entries));
  return 0;
}

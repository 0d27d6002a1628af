/**
 * `ringwire explain CODE`: one catalogue entry with its citation. A code the catalogue does not hold is
 * CLI_UNKNOWN_CODE, naming the closest ids.
 */
import type { RuleEntry } from '../../protocol/catalogue/index.js';
import { citation, closestIds, ruleEntry } from '../rule-catalogue.js';
import { flag, parseVerbArgs } from './args.js';
import { jsonText, UsageError, type CliIo } from './io.js';

/** The entry as labelled lines: where it belongs, what it requires, and where that comes from. */
export function explainText(e: RuleEntry): string {
  const lines = [
    e.id,
    `  family    ${e.family}`,
    `  kind      ${e.kind}`,
    `  binds     ${e.binds}`,
    `  severity  ${e.severity}`,
    `  rule      ${e.statement}`,
    `  source    ${citation(e.source)}`,
  ];
  const s = e.source;
  if ('virtio' in s && s.quote !== undefined) lines.push(`  quote     "${s.quote}"`);
  if ('ringwire' in s) lines.push(`  why       ${s.why}`);
  if (e.checked !== undefined) lines.push(`  checked   by ringwire check on ${e.checked === 'trace' ? 'traces' : 'ring dumps'}`);
  if (e.unseen !== undefined) lines.push(`  unseen    ${e.unseen}`);
  return lines.join('\n');
}

export function explainVerb(args: string[], io: CliIo): number {
  const p = parseVerbArgs('explain', args, { json: { type: 'boolean' } }, 1);
  const given = p.positionals[0];
  if (given === undefined) throw new UsageError('explain: name a code or rule id (ringwire rules lists them)', 'CLI_USAGE');
  // Ids are UPPER_SNAKE; `xen-ring-req-prod-overflow` and `virtq_desc_loop` find the same entries.
  const e = ruleEntry(given.toUpperCase().replace(/-/g, '_'));
  if (e === undefined) {
    throw new UsageError(`"${given}" is not in the catalogue; closest: ${closestIds(given).join(', ')} (ringwire rules lists every code)`, 'CLI_UNKNOWN_CODE');
  }
  io.out(flag(p, 'json') ? jsonText(e) : explainText(e));
  return 0;
}

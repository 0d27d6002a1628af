/**
 * What every `ringwire dump` verb shares about findings (src/check/dump-*.ts): the `--rules` and `--severity`
 * filters, with the semantics of `ringwire check`, and the readable lines that close a dump's text report.
 */
import type { RuleSeverity } from '../../protocol/catalogue/index.js';
import type { DumpCheckOptions } from '../check/dump-finding.js';
import type { DumpFinding } from '../check/finding.js';
import { closestIds, ruleEntry } from '../rule-catalogue.js';
import { stringList, stringOption, type ParsedArgs } from './args.js';
import { UsageError } from './io.js';

const severities: readonly RuleSeverity[] = ['error', 'warning', 'info'];

/** The options every dump verb takes for its findings. */
export const findingOptions = {
  rules: { type: 'string', multiple: true },
  severity: { type: 'string' },
} as const;

/** `--rules ID,...` (catalogue ids; case and - for _ do not matter) and `--severity`, as `ringwire check` reads them. */
export function dumpCheckOptions(verb: string, p: ParsedArgs): DumpCheckOptions {
  const severity = stringOption(p, 'severity') ?? 'info';
  if (!severities.includes(severity as RuleSeverity)) throw new UsageError(`${verb}: --severity is one of ${severities.join(', ')}, not "${severity}"`, 'CLI_USAGE');
  const given = stringList(p, 'rules').flatMap((g) => g.split(',')).filter((g) => g !== '');
  const rules = given.map((g) => {
    const id = g.toUpperCase().replace(/-/g, '_');
    if (ruleEntry(id) === undefined) {
      throw new UsageError(`${verb}: --rules: "${g}" is not in the catalogue; closest: ${closestIds(g).join(', ')} (ringwire rules lists every code)`, 'CLI_UNKNOWN_CODE');
    }
    return id;
  });
  return { severity: severity as RuleSeverity, ...(rules.length === 0 ? {} : { rules }) };
}

function shown(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The readable lines of one dump finding, indented under the dump. */
export function dumpFindingLines(f: DumpFinding): string[] {
  const index = f.index === undefined ? '' : `, index ${f.index}${f.slot === undefined ? '' : ` (slot ${f.slot})`}`;
  return [
    `  ${f.severity} ${f.rule} (${f.party}) at byte ${f.offset} of ${f.area}${index}`,
    `    ${f.message}`,
    `    ${f.path === undefined ? '' : `${f.path}: `}expected ${shown(f.expected)}; actual ${shown(f.actual)}`,
    `    rule: ${f.source}`,
  ];
}

/** The closing lines of a dump's text report: `  consistent`, or each finding and the count by severity. */
export function findingsTail(findings: readonly DumpFinding[], counts: Readonly<Record<RuleSeverity, number>>): string[] {
  if (findings.length === 0) return ['  consistent'];
  const plural = (k: number, word: string): string => `${k} ${word}${k === 1 ? '' : 's'}`;
  return [...findings.flatMap(dumpFindingLines), `  ${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')}, ${counts.info} info`];
}

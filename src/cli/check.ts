/**
 * `ringwire check FILE [--json] [--rules ID,...] [--severity error|warning|info]`: the conformance checker on
 * a trace (FILE, or - for standard input), streamed in constant memory through TraceChecker (src/check/).
 * Each finding is printed as it is found: a readable block (rule, severity, party, where in the file, what
 * happened, expected and actual, the citation), or with --json one JSON object per line (JSON Lines); the
 * readable report ends with a count. Exit 0 when no error-severity finding was reported, 1 when one was, 2
 * for bad usage or a file that is not pcapng, is corrupt or was cut.
 */
import type { RuleSeverity } from '../../protocol/catalogue/index.js';
import { TraceChecker } from '../check/trace-checker.js';
import type { Finding } from '../check/finding.js';
import { closestIds, ruleEntry } from '../rule-catalogue.js';
import { flag, parseVerbArgs, stringList, stringOption } from './args.js';
import { UsageError, type CliIo } from './io.js';
import { openTrace, placed } from './trace-input.js';
import { LineWriter } from './trace-output.js';

const severities: readonly RuleSeverity[] = ['error', 'warning', 'info'];

/** A value as the report shows it: strings as they are, the rest as JSON. */
function shown(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The readable lines of one finding. */
export function findingLines(f: Finding): string[] {
  return [
    `${f.severity} ${f.rule} (${f.party}) at packet ${f.record}, seq ${f.seq}, byte ${f.offset}, interface ${f.iface}`,
    `  ${f.message}`,
    `  ${f.path === undefined ? '' : `${f.path}: `}expected ${shown(f.expected)}; actual ${shown(f.actual)}`,
    `  rule: ${f.source}`,
  ];
}

/** `--rules` ids as the catalogue spells them (case and - for _ do not matter); an id it lacks is bad usage. */
function ruleIds(given: readonly string[]): string[] | undefined {
  if (given.length === 0) return undefined;
  return given.flatMap((g) => g.split(',')).filter((g) => g !== '').map((g) => {
    const id = g.toUpperCase().replace(/-/g, '_');
    if (ruleEntry(id) === undefined) {
      throw new UsageError(`check: --rules: "${g}" is not in the catalogue; closest: ${closestIds(g).join(', ')} (ringwire rules lists every code)`, 'CLI_UNKNOWN_CODE');
    }
    return id;
  });
}

export async function checkVerb(args: string[], io: CliIo): Promise<number> {
  const p = parseVerbArgs('check', args, { json: { type: 'boolean' }, rules: { type: 'string', multiple: true }, severity: { type: 'string' } }, 1);
  const path = p.positionals[0];
  if (path === undefined) throw new UsageError('check: name a trace file (or - for standard input)', 'CLI_USAGE');
  const severity = stringOption(p, 'severity') ?? 'info';
  if (!severities.includes(severity as RuleSeverity)) throw new UsageError(`check: --severity is one of ${severities.join(', ')}, not "${severity}"`, 'CLI_USAGE');
  const rules = ruleIds(stringList(p, 'rules'));
  const json = flag(p, 'json');

  const checker = new TraceChecker({ severity: severity as RuleSeverity, ...(rules === undefined ? {} : { rules }) });
  const out = new LineWriter(io);
  const show = async (findings: readonly Finding[]): Promise<void> => {
    for (const f of findings) {
      for (const line of json ? [JSON.stringify(f)] : findingLines(f)) {
        const wait = out.line(line);
        if (wait !== undefined) await wait;
      }
    }
  };
  const input = openTrace(path, io);
  try {
    for await (const r of input.reader) await show(checker.accept(r));
    await show(checker.end());
  } catch (e) {
    // Every finding before the fault has been shown; then the one stderr line.
    await out.flush();
    throw placed(e);
  } finally {
    await input.close();
  }
  const n = checker.counts;
  if (!json) {
    const plural = (k: number, word: string): string => `${k} ${word}${k === 1 ? '' : 's'}`;
    out.line(`${path}: ${plural(n.error, 'error')}, ${plural(n.warning, 'warning')}, ${n.info} info in ${plural(checker.records, 'record')}`);
  }
  await out.flush();
  return n.error > 0 ? 1 : 0;
}

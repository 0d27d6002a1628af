/**
 * `ringwire hostile --rule ID [--transport xen|virtio] --out FILE|- [--json]` writes the trace of the hostile
 * scenario for rule ID: a real run in which the other side breaks that rule, ending with the annotation that
 * says which side is under test and whether it must refuse (protocol/trace/hostile.ts), ready for
 * `ringwire trace replay FILE --side SIDE --impl MODULE` (or --impl-cmd). `ringwire hostile --list [--json]`
 * shows every rule with a scenario: transport, the side it tests, and how a careful implementation reacts.
 * Exit 0; 2 for an unknown rule (the closest ids named), a rule with no scenario, or bad usage.
 */
import { writeFileSync } from 'node:fs';
import { hostileScenarios, recordScenario, scenarioExpectation, reactionText, type PlacedScenario } from '../hostile/index.js';
import { closestIds, ruleEntry } from '../rule-catalogue.js';
import { UsageError, jsonText, type CliIo } from './io.js';
import { flag, parseVerbArgs, stringOption } from './args.js';

/** What the side under test is called on each transport. */
export function roleWord(transport: 'xen' | 'virtio', side: 'front' | 'back'): string {
  if (transport === 'xen') return side === 'back' ? 'backend' : 'frontend';
  return side === 'back' ? 'device' : 'driver';
}

export function hostileVerb(args: string[], io: CliIo): number {
  const p = parseVerbArgs('hostile', args, {
    rule: { type: 'string' }, transport: { type: 'string' }, out: { type: 'string' }, list: { type: 'boolean' }, json: { type: 'boolean' },
  });
  const transport = stringOption(p, 'transport');
  if (transport !== undefined && transport !== 'xen' && transport !== 'virtio') throw new UsageError('hostile: --transport must be xen or virtio');
  const scenarios = hostileScenarios.filter((s) => transport === undefined || s.dir === transport);
  if (flag(p, 'list')) return list(scenarios, io, flag(p, 'json'));
  const given = stringOption(p, 'rule');
  if (given === undefined) throw new UsageError('hostile: give --rule ID (ringwire hostile --list shows the rules with a scenario) or --list');
  const rule = given.toUpperCase().replace(/-/g, '_');
  if (ruleEntry(rule) === undefined) {
    throw new UsageError(`hostile: "${given}" is not in the catalogue; closest: ${closestIds(given).join(', ')} (ringwire hostile --list shows the rules with a scenario)`, 'CLI_UNKNOWN_CODE');
  }
  const f = scenarios.find((s) => s.rule === rule);
  if (f === undefined) {
    const other = hostileScenarios.find((s) => s.rule === rule);
    throw new UsageError(other !== undefined
      ? `hostile: ${rule} has a ${other.dir} scenario, not a ${String(transport)} one`
      : `hostile: ${rule} has no hostile scenario (ringwire hostile --list shows the ${hostileScenarios.length} rules that do)`, 'CLI_NO_SCENARIO');
  }
  const out = stringOption(p, 'out');
  if (out === undefined) throw new UsageError('hostile: give --out FILE (or --out - for standard output) for the trace');
  const bytes = recordScenario(f);
  const a = scenarioExpectation(f);
  write(out, bytes);
  if (out === '-') return 0;
  const role = roleWord(f.dir, a.side);
  const unseen = ruleEntry(a.rule)?.unseen;
  if (flag(p, 'json')) {
    io.out(jsonText({ rule: a.rule, transport: f.dir, side: a.side, role, expect: a.expect, about: f.about, ...(unseen === undefined ? {} : { unseen }), out, bytes: bytes.length }));
  } else {
    io.out([
      `${out}: ${a.rule} (${f.dir}, ${bytes.length} bytes): ${f.about}`,
      `  the ${role} under test (--side ${a.side}) ${a.expect === 'refuse' ? `must refuse it with ${a.rule}` : `must keep to the protocol or refuse cleanly; the replay's monitor must report ${a.rule}`}`,
      ...(unseen === undefined ? [] : [`  (observed, not refused: ${unseen})`]),
      `  replay: ringwire trace replay ${out} --side ${a.side} --impl MODULE (or --impl-cmd "COMMAND")`,
    ].join('\n'));
  }
  return 0;
}

function list(scenarios: readonly PlacedScenario[], io: CliIo, json: boolean): number {
  const rows = scenarios.map((f) => {
    const a = scenarioExpectation(f);
    const unseen = ruleEntry(a.rule)?.unseen;
    return { rule: a.rule, transport: f.dir, side: a.side, role: roleWord(f.dir, a.side), expect: a.expect, reaction: reactionText(a), about: f.about, ...(unseen === undefined ? {} : { unseen }) };
  });
  if (json) {
    io.out(jsonText(rows));
    return 0;
  }
  const w = Math.max(...rows.map((r) => r.rule.length));
  io.out(rows.map((r) => `${r.rule.padEnd(w)}  ${r.transport.padEnd(6)}  ${r.role.padEnd(8)}  ${r.expect.padEnd(7)}  ${r.reaction}`).join('\n'));
  return 0;
}

function write(path: string, bytes: Uint8Array): void {
  try {
    if (path === '-') process.stdout.write(bytes);
    else writeFileSync(path, bytes);
  } catch (e) {
    throw new UsageError(`hostile: cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'CLI_WRITE');
  }
}

/**
 * protocol/catalogue.md, rendered from the catalogue: one table per family (id, severity, binds, statement,
 * source). make-catalogue-doc.ts writes it; catalogue.test.ts fails when the committed file differs.
 */
import { catalogue, ruleFamilies, type RuleEntry, type RuleSource } from '../../protocol/catalogue/index.js';
import { citation } from '../../src/rule-catalogue.js';

/** A table cell: pipes escaped, no line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function sourceCell(s: RuleSource): string {
  if ('virtio' in s) return s.quote === undefined ? citation(s) : `${citation(s)}: "${s.quote}"`;
  if ('ringwire' in s) return `ringwire policy: ${s.why}`;
  // Macro and function names in code spans, so __CONST_RING_SIZE is not read as markdown emphasis.
  if ('header' in s) return `${s.header} \`${s.macro}\``;
  return `Linux ${s.linux} \`${s.function}()\``;
}

/** Where the conformance checker judges the rule: traces (`ringwire check`), ring dumps (`ringwire dump`), both. */
function checkedOn(e: RuleEntry): string | undefined {
  if (e.checked === 'trace') return e.dumps === true ? 'checked on traces and ring dumps' : 'checked on traces';
  if (e.checked === 'dump') return 'checked on ring dumps';
  return e.dumps === true ? 'also checked on ring dumps' : undefined;
}

function row(e: RuleEntry): string {
  const on = checkedOn(e);
  const checked = on === undefined ? e.statement : `${e.statement} (${on})`;
  const statement = e.unseen === undefined ? checked : `${checked} Why no receiving end refuses it: ${e.unseen}`;
  return `| \`${e.id}\` | ${e.severity} | ${e.binds} | ${cell(statement)} | ${cell(sourceCell(e.source))} |`;
}

export function catalogueMarkdown(): string {
  const lines = [
    '# ringwire error codes and protocol rules',
    '',
    'Generated from `protocol/catalogue/` by `node dist/test/catalogue/make-catalogue-doc.js`; `npm test` fails when',
    'this file is stale. `ringwire explain CODE` prints one entry, `ringwire rules` all of them.',
    '',
    '`binds` is the party the rule binds: `front` / `back` (Xen frontend, backend), `driver` / `device` (virtio),',
    '`either`, `caller` (whoever calls ringwire or runs its command line), `file` (the writer of a file ringwire reads).',
    'Sources name a Xen public header and macro, a Linux driver file and function, a section of Virtual I/O Device',
    '(VIRTIO) Version 1.2 with its MUST / SHOULD sentence where it has one, or a policy of ringwire\'s own.',
    'A statement ending "(checked on traces)" is judged by `ringwire check`; "ring dumps" means `ringwire dump` judges it',
    'too, on what a Xen ring image or virtqueue snapshot shows alone. A rule checked on traces only says why no receiving',
    'end can refuse it (`unseen`): its hostile trace expects the end under test to keep to the protocol while the monitor',
    'reports the rule; every other protocol rule is a code the receiving end\'s checked operations throw.',
    '',
    `${catalogue.length} entries.`,
  ];
  for (const family of ruleFamilies) {
    const of = catalogue.filter((e) => e.family === family);
    lines.push('', `## ${family} (${of.length})`, '', '| id | severity | binds | statement | source |', '|---|---|---|---|---|');
    for (const e of of) lines.push(row(e));
  }
  return `${lines.join('\n')}\n`;
}

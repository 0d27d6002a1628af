/**
 * The README's benchmark table is what `npm run bench -- --json` printed: regenerated from the committed results
 * (test/bench/results/latest.jsonl and its .conditions line) it must equal the README's block, and each line's
 * ratio must be C over TS for times, TS over C for rates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BEGIN, END, benchTable, conditionsOf, parseBenchLines, replaceBlock } from './readme-table.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const source = 'test/bench/results/latest.jsonl';

test('README.md benchmark table is generated from the committed npm run bench -- --json output', () => {
  const lines = parseBenchLines(readFileSync(root + source, 'utf8'));
  assert.ok(lines.length >= 15, `${lines.length} benchmark lines`);
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const block = readme.slice(readme.indexOf(BEGIN) + BEGIN.length + 1, readme.indexOf(END) - 1);
  assert.equal(block, benchTable(lines, source, conditionsOf(root + source)), 'regenerate: node dist/test/bench/readme-table.js ' + source);
});

test('each committed line is a median of at least 5 runs with ratio = C/TS for times, TS/C for rates', () => {
  for (const l of parseBenchLines(readFileSync(root + source, 'utf8'))) {
    assert.ok(l.runs >= 5 || l.name.includes('(1 run)'), `${l.name}: ${l.runs} runs`);
    if (l.c === null) { assert.equal(l.ratio, null, l.name); continue; }
    const lower = l.unit.startsWith('ns') || l.unit === 's' || l.unit === 'MiB';
    const want = lower ? l.c / l.ts : l.ts / l.c;
    assert.ok(l.ratio !== null && Math.abs(l.ratio - want) <= want * 0.02 + 0.001, `${l.name}: ratio ${l.ratio}, C ${l.c}, TS ${l.ts}`);
  }
});

test('bad results and a README without the markers are refused', () => {
  assert.throws(() => parseBenchLines('{"name":"x","unit":"ns/op","ts":"fast","c":1,"ratio":1,"runs":5}\n'), /line 1: not a benchmark line/);
  assert.throws(() => parseBenchLines('{"name":"x"\n'), /line 1: not JSON/);
  assert.equal(parseBenchLines('\n> ringwire@0.1.0 bench\n> node dist/test/bench/run.js --json\n').length, 0);
  assert.throws(() => replaceBlock('# no table here\n', 'x'), /no <!-- bench-table:begin -->/);
  assert.equal(replaceBlock(`a\n${BEGIN}\nold\n${END}\nb`, 'new'), `a\n${BEGIN}\nnew\n${END}\nb`);
});

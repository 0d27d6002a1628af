/**
 * Every ```ts block of README.md is a program: extracted as written, type-checked with `tsc --strict` against
 * the package as a user imports it (`from 'ringwire'`, resolved through package.json's exports), then run.
 * A README example that no longer compiles, throws, or fails one of its own assertions fails this test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = `${root}.readme-check/`;

/** The ```ts blocks of a markdown text, with the line each starts on. */
export function tsBlocks(markdown: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```ts') continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && lines[j]?.trim() !== '```') j++;
    out.push({ line: start + 1, code: lines.slice(start, j).join('\n') });
    i = j;
  }
  return out;
}

test('README.md: every ts block compiles under tsc --strict against the package and runs', () => {
  const blocks = tsBlocks(readFileSync(`${root}README.md`, 'utf8'));
  assert.ok(blocks.length >= 5, `expected the README's examples, found ${blocks.length} ts blocks`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const names = blocks.map((b, k) => {
    const name = `readme-line-${String(b.line).padStart(4, '0')}-${k}`;
    writeFileSync(`${dir}${name}.ts`, `${b.code}\n`);
    return name;
  });
  writeFileSync(`${dir}tsconfig.json`, JSON.stringify({
    compilerOptions: {
      target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022'], types: ['node'],
      strict: true, noUncheckedIndexedAccess: true, skipLibCheck: false,
    },
    include: ['*.ts'],
  }));
  const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', dir], { cwd: root, encoding: 'utf8' });
  assert.equal(tsc.status, 0, `README ts blocks do not compile:\n${tsc.stdout}${tsc.stderr}`);
  for (const name of names) {
    const r = spawnSync(process.execPath, [`${dir}${name}.js`], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `${name} (README.md line ${name.slice(12, 16)}) failed:\n${r.stdout}${r.stderr}`);
  }
});

/** The `$ command` lines of the ```sh blocks, each with the output lines printed under it in the README. */
export function shExamples(markdown: string): { line: number; command: string; output: string[] }[] {
  const out: { line: number; command: string; output: string[] }[] = [];
  const lines = markdown.split('\n');
  let inSh = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l.trim() === '```sh') { inSh = true; continue; }
    if (inSh && l.trim() === '```') { inSh = false; continue; }
    if (!inSh) continue;
    if (l.startsWith('$ ')) out.push({ line: i + 1, command: l.slice(2), output: [] });
    else out[out.length - 1]?.output.push(l);
  }
  return out;
}

test('README.md: every "$ npx ringwire ..." example runs as written and prints what the README shows', () => {
  const examples = shExamples(readFileSync(`${root}README.md`, 'utf8'));
  assert.ok(examples.length >= 8, `found ${examples.length} shell examples`);
  const bin = `${root}dist/src/cli/main.js`;
  for (const ex of examples) {
    assert.match(ex.command, /npx ringwire /, `README.md line ${ex.line}`);
    const command = ex.command.replace(/npx ringwire /g, `node "${bin}" `);
    const r = spawnSync('bash', ['-c', command], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    // 0, or 1 where the example shows a violation or a divergence on purpose; never 2 (bad usage or input).
    assert.ok(r.status === 0 || r.status === 1, `README.md line ${ex.line}: ${ex.command} exited ${String(r.status)}\n${r.stderr}`);
    assert.equal(r.stderr, '', `README.md line ${ex.line}`);
    if (ex.output.length > 0) assert.equal(r.stdout, `${ex.output.join('\n')}\n`, `README.md line ${ex.line}: ${ex.command}`);
  }
});

test('README.md: the virtio error-code table is virtqRules, code by code and word for word', async () => {
  const { virtqRules } = await import('../../src/index.js');
  const text = readFileSync(`${root}README.md`, 'utf8');
  const rows = new Map([...text.matchAll(/^\| `(VIRTQ_[A-Z0-9_]+)` \| (.*) \|$/gm)].map((m) => [m[1] as string, (m[2] as string).replace(/\\\|/g, '|')]));
  assert.deepEqual([...rows.keys()].sort(), Object.keys(virtqRules).sort());
  for (const [code, rule] of Object.entries(virtqRules)) assert.equal(rows.get(code), rule, code);
});

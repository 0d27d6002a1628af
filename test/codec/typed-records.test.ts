/**
 * Typed records, proven the way a user meets them: `tsc --strict --noEmit` on a user's file that imports
 * the built package by name. test/typecheck/uses-api.ts must compile; every line of misuses-api.ts marked
 * `// error: TSnnnn pattern` must fail with that code and message, and no other line may fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

interface Diagnostic { line: number; code: string; message: string }

/** Compile one file of test/typecheck/ in a fresh directory where `ringwire` resolves to this package. */
function typecheck(file: string): { status: number; diagnostics: Diagnostic[]; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ringwire-typecheck-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'ringwire'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    copyFileSync(join(root, 'test', 'typecheck', file), join(dir, file));
    let output = '';
    let status = 0;
    try {
      output = execFileSync(process.execPath, [tsc, '--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext',
        '--target', 'es2022', '--lib', 'es2022', '--pretty', 'false', file], { cwd: dir, encoding: 'utf8' });
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      status = err.status;
      output = `${err.stdout}${err.stderr}`;
    }
    const diagnostics = [...output.matchAll(/^[^(\n]+\((\d+),\d+\): error (TS\d+): (.*)$/gm)].map((m) => ({ line: Number(m[1]), code: m[2] ?? '', message: m[3] ?? '' }));
    return { status, diagnostics, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a user file using codecFor correctly compiles under tsc --strict', () => {
  const r = typecheck('uses-api.ts');
  assert.equal(r.status, 0, r.output);
  assert.deepEqual(r.diagnostics, []);
});

test('misspelled members, a number for a bigint, two union alternatives and a pad on the wrong ABI fail to compile', () => {
  const source = readFileSync(join(root, 'test', 'typecheck', 'misuses-api.ts'), 'utf8').split('\n');
  const expected = new Map<number, { codes: string[]; pattern: string }>();
  source.forEach((text, i) => {
    const m = /^\/\/ error: (TS\d+(?:\|TS\d+)*) (.+)$/.exec(text);
    if (m !== null) expected.set(i + 2, { codes: (m[1] ?? '').split('|'), pattern: m[2] ?? '' }); // the next line, 1-based
  });
  assert.ok(expected.size >= 7);
  const r = typecheck('misuses-api.ts');
  assert.notEqual(r.status, 0);
  for (const [line, want] of expected) {
    const got = r.diagnostics.filter((d) => d.line === line);
    assert.ok(got.some((d) => want.codes.includes(d.code) && d.message.includes(want.pattern)), `line ${line}: expected ${want.codes.join('|')} ${want.pattern}; got ${JSON.stringify(got)}`);
  }
  const unexpected = r.diagnostics.filter((d) => !expected.has(d.line));
  assert.deepEqual(unexpected, [], 'no error outside the marked lines');
});

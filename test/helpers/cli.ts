/** Run the CLI in-process and capture what it prints. */
import { run } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { readFileSync } from 'node:fs';

export interface CliResult { status: number; out: string; err: string }

export async function cli(...argv: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => { out += t.endsWith('\n') ? t : `${t}\n`; },
    err: (t) => { err += t.endsWith('\n') ? t : `${t}\n`; },
    readFile: (p) => readFileSync(p),
  };
  const status = await run(argv, io);
  return { status, out, err };
}

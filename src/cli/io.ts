/**
 * What every CLI verb gets: where to print and how to read files, so verbs are testable in-process.
 * A verb returns its exit status: 0 success / consistent, 1 a protocol violation shown, 2 bad usage or input.
 */
import { readFileSync } from 'node:fs';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readFile(path: string): Uint8Array;
}

/** Bad usage or unreadable input: the CLI prints the message as one line on stderr and exits 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

export type VerbMain = (args: string[], io: CliIo) => number | Promise<number>;

export const processIo: CliIo = {
  out: (t) => { process.stdout.write(t.endsWith('\n') ? t : `${t}\n`); },
  err: (t) => { process.stderr.write(t.endsWith('\n') ? t : `${t}\n`); },
  readFile: (p) => {
    try {
      // `-` is standard input, so a dump can be piped straight from a debugger or a guest memory reader.
      return readFileSync(p === '-' ? 0 : p);
    } catch (e) {
      throw new UsageError(`cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  },
};

/** JSON text for CLI output: bigint as decimal strings, 2-space indent. */
export function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2);
}

/**
 * What every CLI verb gets: where to print and how to read files, so verbs are testable in-process.
 * A verb returns its exit status: 0 success / consistent, 1 a protocol violation shown, 2 bad usage or input.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { RingwireError } from '../errors.js';
import type { CliRuleId } from '../../protocol/catalogue/index.js';
import { fileChunks } from '../trace/file-io.js';

/** A bounded read: at most `maxBytes` bytes starting at byte `offset` of the file (defaults: 0, the whole file). */
export interface ReadOptions {
  readonly offset?: number;
  readonly maxBytes?: number;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /**
   * Read a file (`-` is standard input) from `offset`, stopping after `maxBytes`: an endless pipe or a huge
   * file is never read further than the caller asked. Unreadable input throws UsageError.
   */
  readFile(path: string, options?: ReadOptions): Uint8Array;
  /** The size of a regular file in bytes, or undefined for standard input, pipes and devices. */
  sizeOf?(path: string): number | undefined;
  /**
   * A file (`-` is standard input) as a stream of chunks, read in constant memory: each chunk is valid
   * until the next is asked for. Unreadable input throws UsageError (CLI_READ) while iterating. Verbs fall
   * back to readFile when an io has no streaming read.
   */
  readChunks?(path: string): AsyncIterable<Uint8Array>;
  /**
   * Standard output for verbs that stream a lot of it: the promise, when there is one, resolves once the
   * output can take more (backpressure), so memory stays flat however much is written. Verbs fall back to
   * out() when an io has none.
   */
  write?(text: string): Promise<void> | undefined;
}

/**
 * Bad usage or unreadable input: the CLI prints `ringwire: CODE: message` on one line of stderr and exits 2.
 * Codes: CLI_USAGE (arguments that do not fit the verb), CLI_UNKNOWN_VERB, CLI_UNKNOWN_OPTION, CLI_BAD_NUMBER,
 * CLI_READ (a file that cannot be read), CLI_INPUT_SIZE (an input whose size does not fit what it should hold),
 * CLI_OUTPUT_CLOSED (standard output went away while a verb was still writing), CLI_UNKNOWN_CODE (`explain` of a
 * code the catalogue does not hold). Each is an entry of protocol/catalogue/cli.ts.
 */
export class UsageError extends RingwireError {
  declare readonly code: CliRuleId;
  constructor(message: string, code: CliRuleId = 'CLI_USAGE') {
    super(code, message);
  }
}

export type VerbMain = (args: string[], io: CliIo) => number | Promise<number>;

/** A verb (or a `dump` kind): how to run it and its usage text, printed by `ringwire VERB --help`. */
export interface Verb {
  readonly usage: string;
  /** One line for the top-level usage. */
  readonly summary: string;
  /** Load and run (modules are imported only when their verb runs). */
  readonly run: (args: string[], io: CliIo) => number | Promise<number>;
  /** Sub-verbs (`dump xen`, `dump virtio-split`), each with its own help. */
  readonly kinds?: Readonly<Record<string, Verb>>;
}

/** Read up to maxBytes at offset from an open descriptor, in chunks (a pipe delivers a little at a time). */
function readBounded(fd: number, offset: number, maxBytes: number, positioned: boolean): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let skip = positioned ? 0 : offset;
  let pos = offset;
  while (total < maxBytes) {
    const want = Math.min(1 << 20, skip > 0 ? skip : maxBytes - total);
    const buf = new Uint8Array(want);
    const n = readSync(fd, buf, 0, want, positioned ? pos : null);
    if (n === 0) break;
    if (skip > 0) { skip -= n; continue; }
    chunks.push(buf.subarray(0, n));
    total += n;
    pos += n;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out;
}

/** A file's chunks, with read errors as CLI_READ. The descriptor is closed when iteration ends or stops. */
async function* chunksOf(p: string): AsyncGenerator<Uint8Array> {
  let fd: number;
  try {
    fd = p === '-' ? 0 : openSync(p, 'r');
  } catch (e) {
    throw new UsageError(`cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'CLI_READ');
  }
  try {
    yield* fileChunks(fd, 1 << 20);
  } catch (e) {
    if (e instanceof RingwireError) throw e;
    throw new UsageError(`cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'CLI_READ');
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

/**
 * A write() for a stream: undefined when the stream took the text, else a promise resolved on 'drain'
 * (or 'close' / 'error': then main.ts ends the process). Used with process.stdout.
 */
export function streamWriter(s: Writable): (text: string) => Promise<void> | undefined {
  return (text) => {
    if (s.destroyed) {
      // The reader went away (EPIPE): main.ts's 'error' handler ends the process with 141 once the error
      // event is delivered, which needs the event loop to turn; if nothing ends it, say so.
      return new Promise((_resolve, reject) => setImmediate(() => reject(new UsageError('standard output is closed', 'CLI_OUTPUT_CLOSED'))));
    }
    if (s.write(text)) return undefined;
    return new Promise((resolve) => {
      const done = (): void => {
        s.off('drain', done);
        s.off('close', done);
        s.off('error', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
      s.on('error', done);
    });
  };
}

export const processIo: CliIo = {
  out: (t) => { process.stdout.write(t.endsWith('\n') ? t : `${t}\n`); },
  err: (t) => { process.stderr.write(t.endsWith('\n') ? t : `${t}\n`); },
  readFile: (p, options = {}) => {
    const offset = options.offset ?? 0;
    const maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
    let fd: number | undefined;
    try {
      // `-` is standard input, so a dump can be piped straight from a debugger or a guest memory reader.
      fd = p === '-' ? 0 : openSync(p, 'r');
      const regular = fstatSync(fd).isFile();
      return readBounded(fd, offset, maxBytes, regular);
    } catch (e) {
      throw new UsageError(`cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'CLI_READ');
    } finally {
      if (fd !== undefined && fd !== 0) closeSync(fd);
    }
  },
  readChunks: chunksOf,
  write: streamWriter(process.stdout),
  sizeOf: (p) => {
    if (p === '-') return undefined;
    try {
      const fd = openSync(p, 'r');
      try {
        const st = fstatSync(fd);
        return st.isFile() ? st.size : undefined;
      } finally { closeSync(fd); }
    } catch (e) {
      throw new UsageError(`cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'CLI_READ');
    }
  },
};

/** JSON text for CLI output: bigint as decimal strings, 2-space indent. */
export function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2);
}

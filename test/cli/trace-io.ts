/**
 * An in-process CliIo for the trace verbs: files from memory (or disk) streamed in chunks of a chosen
 * size through one reused buffer, as fileChunks does, and an output that answers every other write with a
 * promise (a full pipe), so the verbs' streaming and backpressure paths run in-process.
 */
import { readFileSync } from 'node:fs';
import { run } from '../../src/cli/main.js';
import { UsageError, type CliIo } from '../../src/cli/io.js';

export interface TraceIo extends CliIo {
  out(text: string): void;
  stdout: string;
  stderr: string;
  /** Text handed to write(), one entry per call. */
  writes: string[];
  /** Chunk sources opened and how many were ended (closed) by the verb. */
  opened: number;
  closed: number;
}

export function traceIo(files: Record<string, Uint8Array> = {}, chunkSize = 4096): TraceIo {
  const bytesOf = (p: string): Uint8Array => {
    const f = files[p];
    if (f !== undefined) return f;
    try { return new Uint8Array(readFileSync(p)); } catch { throw new UsageError(`cannot read ${p}: ENOENT`, 'CLI_READ'); }
  };
  const io: TraceIo = {
    stdout: '',
    stderr: '',
    writes: [],
    opened: 0,
    closed: 0,
    out(t) { io.stdout += t.endsWith('\n') ? t : `${t}\n`; },
    err(t) { io.stderr += t.endsWith('\n') ? t : `${t}\n`; },
    readFile: bytesOf,
    readChunks(p) {
      return {
        async *[Symbol.asyncIterator]() {
          io.opened++;
          try {
            const all = bytesOf(p);
            const buf = new Uint8Array(chunkSize);
            for (let at = 0; at < all.length; at += chunkSize) {
              const n = Math.min(chunkSize, all.length - at);
              buf.set(all.subarray(at, at + n));
              yield buf.subarray(0, n);
            }
          } finally {
            io.closed++;
          }
        },
      };
    },
    write(t) {
      io.writes.push(t);
      io.stdout += t;
      return io.writes.length % 2 === 0 ? new Promise((resolve) => setImmediate(resolve)) : undefined;
    },
  };
  return io;
}

export async function runTrace(io: TraceIo, ...argv: string[]): Promise<number> {
  return run(argv, io);
}

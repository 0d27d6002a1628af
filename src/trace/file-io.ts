/**
 * NODE-ONLY: the file side of traces (node:fs). Everything else in src/trace/ is core code that runs in a
 * browser too; only this module touches files.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { ByteSink } from './byte-sink.js';

/**
 * The bytes of a file (or of an open descriptor, e.g. 0 for standard input) as chunks of at most
 * chunkSize bytes, read into one reused buffer: each chunk is valid until the next is requested, which is
 * all TraceStreamReader needs, and memory stays constant whatever the file's size.
 */
export async function* fileChunks(pathOrFd: string | number, chunkSize = 1 << 16): AsyncGenerator<Uint8Array> {
  const fd = typeof pathOrFd === 'number' ? pathOrFd : openSync(pathOrFd, 'r');
  const buf = new Uint8Array(chunkSize);
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, chunkSize, null);
      } catch (e) {
        // A non-blocking standard input with nothing yet: wait a moment and try again.
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        throw e;
      }
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    if (typeof pathOrFd !== 'number') closeSync(fd);
  }
}

/** A sink writing straight to a file; close() when the trace writer is done. */
export class FileSink implements ByteSink {
  private fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

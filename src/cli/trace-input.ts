/**
 * What both `ringwire trace` verbs read: a trace file (`-` is standard input) streamed through
 * TraceStreamReader in constant memory, with the bytes read counted, and its errors made to name where
 * they are (byte offset and packet number) in the one stderr line.
 */
import { TraceError } from '../trace/errors.js';
import { TraceStreamReader } from '../trace/stream-reader.js';
import type { CliIo } from './io.js';

export interface TraceInput {
  readonly reader: TraceStreamReader;
  /** Bytes of the file read so far. */
  readonly bytesRead: () => number;
  /** Stops reading and closes the file (also after an error). */
  readonly close: () => Promise<void>;
}

export function openTrace(path: string, io: CliIo): TraceInput {
  const source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = io.readChunks?.(path) ?? [io.readFile(path)];
  let total = 0;
  let inner: AsyncIterator<Uint8Array> | Iterator<Uint8Array> | undefined;
  // Counts bytes as they pass, and keeps the source's iterator so close() can end it (closing the file)
  // when the reader stops early with an error.
  const counted: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => {
      const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
      inner = it;
      return {
        next: async () => {
          const r = await it.next();
          if (r.done !== true) total += r.value.length;
          return r;
        },
      };
    },
  };
  return {
    reader: new TraceStreamReader(counted),
    bytesRead: () => total,
    close: async () => {
      await inner?.return?.();
    },
  };
}

/** A TraceError whose message ends with where it is: `(byte 1234, packet 5).` Other errors as they are. */
export function placed(e: unknown): unknown {
  if (!(e instanceof TraceError) || e.offset === undefined) return e;
  const where = `byte ${e.offset}${e.record === undefined ? '' : `, packet ${e.record}`}`;
  return new TraceError(e.code, `${e.message.replace(/\.$/, '')} (${where}).`, {
    offset: e.offset, ...(e.record === undefined ? {} : { record: e.record }), expected: e.expected, received: e.received,
  });
}

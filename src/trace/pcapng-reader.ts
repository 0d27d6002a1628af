/**
 * TraceReader: reads a whole ringwire trace held in memory, synchronously, record by record. Records are
 * views of the input (or of a private copy, when the input is shared memory another party can change),
 * valid until the next record is asked for.
 */
import { BLOCK_HEAD_BYTES, TraceDecoder, type TraceInterface, type TraceReaderOptions, type TraceStats } from './trace-decoder.js';
import { BlockBuffer, isShared } from './block-buffer.js';
import type { TraceRecord } from './trace-record.js';

export class TraceReader implements Iterable<TraceRecord> {
  private readonly decoder: TraceDecoder;

  constructor(private readonly input: Uint8Array, options: TraceReaderOptions = {}) {
    this.decoder = new TraceDecoder(options);
  }

  /** The interfaces (rings, queues) of the current section, in the order declared. */
  get interfaces(): readonly TraceInterface[] {
    return this.decoder.interfaces;
  }

  get stats(): Readonly<TraceStats> {
    return this.decoder.stats;
  }

  *[Symbol.iterator](): Iterator<TraceRecord> {
    const input = this.input;
    const dec = this.decoder;
    const n = input.length;
    const copy = isShared(input) ? new BlockBuffer() : undefined;
    const direct = new DataView(input.buffer, input.byteOffset, input.byteLength);
    let at = 0;
    while (at < n) {
      if (n - at < BLOCK_HEAD_BYTES) dec.finish(n, input.subarray(at), at);
      let bytes = input;
      let view = direct;
      let base = at;
      if (copy !== undefined) {
        copy.bytes.set(input.subarray(at, at + BLOCK_HEAD_BYTES));
        bytes = copy.bytes;
        view = copy.view;
        base = 0;
      }
      const len = dec.blockLength(view, base, at);
      if (len > n - at) dec.truncated(n, at, len);
      if (copy !== undefined) {
        copy.reserve(len, 0);
        copy.bytes.set(input.subarray(at, at + len));
        bytes = copy.bytes;
        view = copy.view;
      }
      const rec = dec.block(bytes, view, base, len, at);
      at += len;
      if (rec !== null) yield rec;
    }
    dec.finish(n, input.subarray(n), n);
  }
}

/** Every record of an in-memory trace, detached (a convenience for small traces and tests). */
export function readAllRecords(input: Uint8Array, options: TraceReaderOptions = {}): ReturnType<TraceRecord['detach']>[] {
  const out = [];
  for (const r of new TraceReader(input, options)) out.push(r.detach());
  return out;
}

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

  /**
   * The records in order. The iterator reuses one result object and allocates nothing per record (a
   * generator would allocate one per step); each record is valid until the next is asked for.
   */
  [Symbol.iterator](): Iterator<TraceRecord> {
    const cursor = new TraceCursor(this.input, this.decoder);
    const result = { done: false, value: undefined as unknown as TraceRecord };
    return {
      next: (): IteratorResult<TraceRecord> => {
        const r = cursor.next();
        if (r === null) {
          result.done = true;
          result.value = undefined as unknown as TraceRecord;
        } else {
          result.value = r;
        }
        return result;
      },
    };
  }
}

/** One pass over an in-memory trace: next() gives each record, then null at the end. */
class TraceCursor {
  private readonly n: number;
  private readonly copy: BlockBuffer | undefined;
  private readonly direct: DataView;
  private at = 0;
  private finished = false;

  constructor(private readonly input: Uint8Array, private readonly dec: TraceDecoder) {
    this.n = input.length;
    this.copy = isShared(input) ? new BlockBuffer() : undefined;
    this.direct = new DataView(input.buffer, input.byteOffset, input.byteLength);
  }

  next(): TraceRecord | null {
    const { input, dec, n, copy } = this;
    while (this.at < n) {
      const at = this.at;
      if (n - at < BLOCK_HEAD_BYTES) dec.finish(n, input.subarray(at), at);
      let bytes = input;
      let view = this.direct;
      let base = at;
      if (copy !== undefined) {
        // Shared memory another party can change: each block is copied first, then read (double-fetch safe).
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
      this.at = at + len;
      if (rec !== null) return rec;
    }
    if (!this.finished) {
      this.finished = true;
      dec.finish(n, input.subarray(n), n);
    }
    return null;
  }
}

/** Every record of an in-memory trace, detached (a convenience for small traces and tests). */
export function readAllRecords(input: Uint8Array, options: TraceReaderOptions = {}): ReturnType<TraceRecord['detach']>[] {
  const out = [];
  for (const r of new TraceReader(input, options)) out.push(r.detach());
  return out;
}

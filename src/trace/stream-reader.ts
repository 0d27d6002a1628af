/**
 * TraceStreamReader: reads a ringwire trace of any size from a stream of chunks (a file, standard input,
 * a fetch body) in constant memory. A block that lies inside one chunk is decoded where it is; a block
 * that spans chunks (or lies in shared memory) is copied into one private buffer, which never grows beyond
 * MAX_BLOCK_BYTES; a split record is put together in a buffer no larger than maxBodyBytes. Records are
 * valid until the next one is asked for.
 *
 * Two ways to read: `for await (const r of reader)`, or `await reader.forEach((r) => ...)`, which hands
 * every record of a chunk to the callback in one synchronous loop (a promise per chunk, not per record).
 * Both run the same cursor, so they give the same records and the same errors.
 */
import { BLOCK_HEAD_BYTES, TraceDecoder, type TraceInterface, type TraceReaderOptions, type TraceStats } from './trace-decoder.js';
import { BlockBuffer, isShared } from './block-buffer.js';
import type { TraceRecord } from './trace-record.js';

export type ChunkSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export class TraceStreamReader implements AsyncIterable<TraceRecord> {
  private readonly decoder: TraceDecoder;
  private readonly buf = new BlockBuffer();

  constructor(private readonly source: ChunkSource, options: TraceReaderOptions = {}) {
    this.decoder = new TraceDecoder(options);
  }

  get interfaces(): readonly TraceInterface[] {
    return this.decoder.interfaces;
  }

  get stats(): Readonly<TraceStats> {
    return this.decoder.stats;
  }

  /** The most memory the reader held at once for blocks and reassembly, in bytes. */
  get bufferHighWater(): number {
    return this.buf.highWater + this.decoder.reassemblyBytes;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TraceRecord> {
    const cur = new StreamCursor(this.source, this.decoder, this.buf);
    for (;;) {
      let rec = cur.inChunk();
      if (rec === undefined) {
        rec = await cur.across();
        if (rec === undefined) return;
      }
      if (rec !== null) yield rec;
    }
  }

  /**
   * Calls `each` with every record in order, then resolves; rejects with the reader's TraceError (after the
   * records before it), or with what `each` throws. `each` gets the one reused record, valid until it
   * returns. Nothing is allocated per record; the source is awaited once per chunk.
   */
  async forEach(each: (record: TraceRecord) => void): Promise<void> {
    const cur = new StreamCursor(this.source, this.decoder, this.buf);
    for (;;) {
      // The whole blocks of the current chunk, synchronously.
      let rec = cur.inChunk();
      while (rec !== undefined) {
        if (rec !== null) each(rec);
        rec = cur.inChunk();
      }
      rec = await cur.across();
      if (rec === undefined) return;
      if (rec !== null) each(rec);
    }
  }
}

/** One pass over the chunks: the position in the current chunk and the file offset of that position. */
class StreamCursor {
  private readonly it: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private chunk: Uint8Array = new Uint8Array(0);
  private cview: DataView = new DataView(this.chunk.buffer);
  private shared = false;
  private pos = 0;
  /** File offset of chunk[pos]. */
  private fileAt = 0;
  private eof = false;

  constructor(src: ChunkSource, private readonly dec: TraceDecoder, private readonly buf: BlockBuffer) {
    this.it = Symbol.asyncIterator in src
      ? (src as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
      : (src as Iterable<Uint8Array>)[Symbol.iterator]();
  }

  /**
   * Decodes the block at the cursor when the whole of it lies in the current chunk (and the chunk is not
   * shared memory): its record, or null for a block without one. Undefined when across() must go on.
   */
  inChunk(): TraceRecord | null | undefined {
    const { chunk, pos } = this;
    const left = chunk.length - pos;
    if (left < BLOCK_HEAD_BYTES || this.shared) return undefined;
    const start = this.fileAt;
    const len = this.dec.blockLength(this.cview, pos, start);
    if (left < len) return undefined;
    this.pos = pos + len;
    this.fileAt = start + len;
    return this.dec.block(chunk, this.cview, pos, len, start);
  }

  /**
   * The slow path: the next chunk when this one is used up (null), or a block that spans chunks (or lies
   * in shared memory) copied into the block buffer and decoded (its record or null). Undefined at the end
   * of a complete trace; throws TRACE_TRUNCATED (or the trace's own error) otherwise.
   */
  async across(): Promise<TraceRecord | null | undefined> {
    const dec = this.dec;
    const buf = this.buf;
    if (this.pos === this.chunk.length) {
      if (await this.nextChunk()) return null;
      dec.finish(this.fileAt, buf.bytes.subarray(0, 0), this.fileAt);
      return undefined;
    }
    const start = this.fileAt;
    let len: number;
    if (!this.shared && this.chunk.length - this.pos >= BLOCK_HEAD_BYTES) {
      // The head is in this chunk, the rest of the block is not.
      len = dec.blockLength(this.cview, this.pos, start);
      buf.reserve(len, 0);
      const got = await this.pull(0, len);
      if (got < len) dec.truncated(start + got, start, len);
    } else {
      const head = await this.pull(0, BLOCK_HEAD_BYTES);
      if (head < BLOCK_HEAD_BYTES) dec.finish(start + head, buf.bytes.subarray(0, head), start);
      len = dec.blockLength(buf.view, 0, start);
      buf.reserve(len, BLOCK_HEAD_BYTES);
      const got = await this.pull(BLOCK_HEAD_BYTES, len);
      if (got < len) dec.truncated(start + got, start, len);
    }
    return dec.block(buf.bytes, buf.view, 0, len, start);
  }

  private async nextChunk(): Promise<boolean> {
    while (!this.eof) {
      const r = await this.it.next();
      if (r.done === true) {
        this.eof = true;
        break;
      }
      const c = r.value;
      if (c.length === 0) continue;
      this.chunk = c;
      this.cview = new DataView(c.buffer, c.byteOffset, c.byteLength);
      this.shared = isShared(c);
      this.pos = 0;
      return true;
    }
    return false;
  }

  /** Copies bytes into buf[from, to) from the stream; returns how far it got (to, unless the input ended). */
  private async pull(from: number, to: number): Promise<number> {
    while (from < to) {
      if (this.pos === this.chunk.length && !(await this.nextChunk())) return from;
      const n = Math.min(to - from, this.chunk.length - this.pos);
      this.buf.bytes.set(this.chunk.subarray(this.pos, this.pos + n), from);
      this.pos += n;
      this.fileAt += n;
      from += n;
    }
    return from;
  }
}

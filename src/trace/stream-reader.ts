/**
 * TraceStreamReader: reads a ringwire trace of any size from a stream of chunks (a file, standard input,
 * a fetch body) in constant memory. A block that lies inside one chunk is decoded where it is; a block
 * that spans chunks (or lies in shared memory) is copied into one private buffer, which never grows beyond
 * MAX_BLOCK_BYTES; a split record is put together in a buffer no larger than maxBodyBytes. Records are
 * valid until the next one is asked for.
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
    const src = this.source;
    const it: AsyncIterator<Uint8Array> | Iterator<Uint8Array> = Symbol.asyncIterator in src
      ? (src as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
      : (src as Iterable<Uint8Array>)[Symbol.iterator]();
    const dec = this.decoder;
    const buf = this.buf;
    let chunk: Uint8Array = new Uint8Array(0);
    let cview: DataView = new DataView(chunk.buffer);
    let shared = false;
    let pos = 0;
    /** File offset of chunk[pos]. */
    let fileAt = 0;
    let eof = false;

    const nextChunk = async (): Promise<boolean> => {
      while (!eof) {
        const r = await it.next();
        if (r.done === true) {
          eof = true;
          break;
        }
        const c = r.value;
        if (c.length === 0) continue;
        chunk = c;
        cview = new DataView(c.buffer, c.byteOffset, c.byteLength);
        shared = isShared(c);
        pos = 0;
        return true;
      }
      return false;
    };
    /** Copies bytes into buf[from, to) from the stream; returns how far it got (to, unless the input ended). */
    const pull = async (from: number, to: number): Promise<number> => {
      while (from < to) {
        if (pos === chunk.length && !(await nextChunk())) return from;
        const n = Math.min(to - from, chunk.length - pos);
        buf.bytes.set(chunk.subarray(pos, pos + n), from);
        pos += n;
        fileAt += n;
        from += n;
      }
      return from;
    };

    for (;;) {
      if (pos === chunk.length && !(await nextChunk())) break;
      const start = fileAt;
      let rec: TraceRecord | null;
      if (!shared && chunk.length - pos >= BLOCK_HEAD_BYTES) {
        const len = dec.blockLength(cview, pos, start);
        if (chunk.length - pos >= len) {
          rec = dec.block(chunk, cview, pos, len, start);
          pos += len;
          fileAt += len;
        } else {
          buf.reserve(len, 0);
          const got = await pull(0, len);
          if (got < len) dec.truncated(start + got, start, len);
          rec = dec.block(buf.bytes, buf.view, 0, len, start);
        }
      } else {
        const head = await pull(0, BLOCK_HEAD_BYTES);
        if (head < BLOCK_HEAD_BYTES) dec.finish(start + head, buf.bytes.subarray(0, head), start);
        const len = dec.blockLength(buf.view, 0, start);
        buf.reserve(len, BLOCK_HEAD_BYTES);
        const got = await pull(BLOCK_HEAD_BYTES, len);
        if (got < len) dec.truncated(start + got, start, len);
        rec = dec.block(buf.bytes, buf.view, 0, len, start);
      }
      if (rec !== null) yield rec;
    }
    dec.finish(fileAt, buf.bytes.subarray(0, 0), fileAt);
  }
}

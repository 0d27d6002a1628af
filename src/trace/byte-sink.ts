/**
 * Where a trace writer puts its bytes. The writer calls write() with chunks it may reuse afterwards, so a
 * sink copies (or consumes) the chunk before it returns. Writers never seek back.
 */
export interface ByteSink {
  write(chunk: Uint8Array): void;
}

/** A sink that keeps everything in memory, growing by doubling. */
export class GrowableSink implements ByteSink {
  private buf: Uint8Array;
  private len = 0;

  constructor(initialCapacity = 65536) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  write(chunk: Uint8Array): void {
    const need = this.len + chunk.length;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const grown = new Uint8Array(cap);
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(chunk, this.len);
    this.len = need;
  }

  /** Bytes written so far (the sink's memory: copy before writing more if you keep it). */
  get bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  get length(): number {
    return this.len;
  }
}

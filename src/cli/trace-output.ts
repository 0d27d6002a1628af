/**
 * Lines to standard output for verbs that print one line per record: gathered into chunks of about
 * 64 KiB, each handed to io.write (which waits while the output is full), so a trace of any size is
 * printed in constant memory and a slow reader slows the decoder down instead of filling memory.
 */
import type { CliIo } from './io.js';

export class LineWriter {
  private readonly parts: string[] = [];
  private size = 0;

  constructor(private readonly io: CliIo, private readonly chunkBytes = 1 << 16) {}

  /** Adds one line; returns a promise to await when a chunk went out and the output is full. */
  line(text: string): Promise<void> | undefined {
    this.parts.push(text);
    this.size += text.length + 1;
    return this.size >= this.chunkBytes ? this.flush() : undefined;
  }

  /** Writes out what is gathered. */
  flush(): Promise<void> | undefined {
    if (this.parts.length === 0) return undefined;
    const text = `${this.parts.join('\n')}\n`;
    this.parts.length = 0;
    this.size = 0;
    if (this.io.write !== undefined) return this.io.write(text);
    this.io.out(text);
    return undefined;
  }
}

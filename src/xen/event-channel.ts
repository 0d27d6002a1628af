/**
 * An event-channel stand-in for rings shared between worker threads: a 32-bit counter in a
 * SharedArrayBuffer. notify() bumps it and wakes waiters (Atomics.notify); a waiter reads the counter
 * *before* its final check (RING_FINAL_CHECK_FOR_*) and sleeps only if the counter has not moved since,
 * so a notification raised between the check and the sleep is never lost.
 */
export class EventChannelWord {
  private readonly words: Int32Array;
  private readonly index: number;

  /** @param words an Int32Array over a SharedArrayBuffer; @param index the word used as this channel */
  constructor(words: Int32Array, index: number) {
    this.words = words;
    this.index = index;
  }

  /** The notification count; pass it to wait(). */
  read(): number {
    return Atomics.load(this.words, this.index);
  }

  /** Raise the event: bump the count and wake every waiter. */
  notify(): void {
    Atomics.add(this.words, this.index, 1);
    Atomics.notify(this.words, this.index);
  }

  /** Sleep until the count differs from `seen` or `timeoutMs` passes; false on timeout. */
  wait(seen: number, timeoutMs: number): boolean {
    return Atomics.wait(this.words, this.index, seen, timeoutMs) !== 'timed-out';
  }
}

/**
 * A RingPort that records every shared-memory write and notification, in order, and passes it on. This is
 * the seam the trace recorder builds on: wrap each port a ring uses (SharedRing's `wrapPort` option, or the
 * ports mapped into a virtio GuestMemory) and the log holds everything the rings did to shared memory.
 * Recording copies written bytes, so it allocates; the plain path (PlainRingPort) does not.
 */
import type { RingPort } from './ring-port.js';

export type PortEvent =
  | { readonly port: number; readonly kind: 'store32' | 'store16'; readonly offset: number; readonly value: number }
  | { readonly port: number; readonly kind: 'u8' | 'u16' | 'u32'; readonly offset: number; readonly value: number; readonly littleEndian: boolean }
  | { readonly port: number; readonly kind: 'u64'; readonly offset: number; readonly value: bigint; readonly littleEndian: boolean }
  | { readonly port: number; readonly kind: 'write'; readonly offset: number; readonly bytes: Uint8Array }
  | { readonly port: number; readonly kind: 'fill'; readonly offset: number; readonly length: number; readonly value: number }
  | { readonly port: number; readonly kind: 'fence' }
  | { readonly port: number; readonly kind: 'notify'; readonly channel: number; readonly data?: number }
  | { readonly port: number; readonly kind: 'annotate'; readonly op: string; readonly args?: Readonly<Record<string, string | number | boolean>> };

export class RecordingRingPort implements RingPort {
  /**
   * @param inner the port that does the work
   * @param log where events are appended (share one log between ports to keep a global order)
   * @param id tags this port's events, so a log over several regions can be replayed region by region
   */
  constructor(readonly inner: RingPort, readonly log: PortEvent[] = [], readonly id = 0) {}

  get bytes(): Uint8Array { return this.inner.bytes; }
  get view(): DataView { return this.inner.view; }
  get shared(): boolean { return this.inner.shared; }

  loadIndex32(offset: number): number { return this.inner.loadIndex32(offset); }
  loadIndex16(offset: number): number { return this.inner.loadIndex16(offset); }
  storeIndex32(offset: number, value: number): void {
    this.log.push({ port: this.id, kind: 'store32', offset, value: value >>> 0 });
    this.inner.storeIndex32(offset, value);
  }
  storeIndex16(offset: number, value: number): void {
    this.log.push({ port: this.id, kind: 'store16', offset, value: value & 0xffff });
    this.inner.storeIndex16(offset, value);
  }
  write(offset: number, src: Uint8Array): void {
    this.log.push({ port: this.id, kind: 'write', offset, bytes: src.slice() });
    this.inner.write(offset, src);
  }
  writeU8(offset: number, value: number): void {
    this.log.push({ port: this.id, kind: 'u8', offset, value, littleEndian: true });
    this.inner.writeU8(offset, value);
  }
  writeU16(offset: number, value: number, littleEndian: boolean): void {
    this.log.push({ port: this.id, kind: 'u16', offset, value, littleEndian });
    this.inner.writeU16(offset, value, littleEndian);
  }
  writeU32(offset: number, value: number, littleEndian: boolean): void {
    this.log.push({ port: this.id, kind: 'u32', offset, value, littleEndian });
    this.inner.writeU32(offset, value, littleEndian);
  }
  writeU64(offset: number, value: bigint, littleEndian: boolean): void {
    this.log.push({ port: this.id, kind: 'u64', offset, value, littleEndian });
    this.inner.writeU64(offset, value, littleEndian);
  }
  fill(offset: number, length: number, value: number): void {
    this.log.push({ port: this.id, kind: 'fill', offset, length, value });
    this.inner.fill(offset, length, value);
  }
  fence(): void {
    this.log.push({ port: this.id, kind: 'fence' });
    this.inner.fence();
  }
  annotate(op: string, args?: Readonly<Record<string, string | number | boolean>>): void {
    this.log.push(args === undefined ? { port: this.id, kind: 'annotate', op } : { port: this.id, kind: 'annotate', op, args });
    this.inner.annotate?.(op, args);
  }
  notify(channel: number, data?: number): void {
    this.log.push(data === undefined ? { port: this.id, kind: 'notify', channel } : { port: this.id, kind: 'notify', channel, data: data >>> 0 });
    this.inner.notify(channel, data);
  }
}

/** Apply the events of one port (`id`) to another port, in order: writes, fences and notifications. */
export function replayPortEvents(log: readonly PortEvent[], target: RingPort, id = 0): void {
  for (const e of log) {
    if (e.port !== id) continue;
    switch (e.kind) {
      case 'store32': target.storeIndex32(e.offset, e.value); break;
      case 'store16': target.storeIndex16(e.offset, e.value); break;
      case 'u8': target.writeU8(e.offset, e.value); break;
      case 'u16': target.writeU16(e.offset, e.value, e.littleEndian); break;
      case 'u32': target.writeU32(e.offset, e.value, e.littleEndian); break;
      case 'u64': target.writeU64(e.offset, e.value, e.littleEndian); break;
      case 'write': target.write(e.offset, e.bytes); break;
      case 'fill': target.fill(e.offset, e.length, e.value); break;
      case 'fence': target.fence(); break;
      case 'notify': target.notify(e.channel, e.data); break;
      case 'annotate': target.annotate?.(e.op, e.args); break;
    }
  }
}

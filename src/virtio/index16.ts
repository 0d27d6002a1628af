/**
 * 16-bit virtqueue index arithmetic, beside Xen's 32-bit RING_IDX helpers (src/xen/ring-index.ts).
 * avail.idx, used.idx, used_event, avail_event and the drivers' and devices' shadows are free-running
 * __virtio16 counters that wrap at 2^16 (virtio 1.2 §2.7.6, §2.7.8); every sum and difference of them is
 * taken modulo 2^16, as C does with `u16`. These helpers are the only place ringwire does that arithmetic.
 */

/** A value as a 16-bit index. */
export function idx16(v: number): number {
  return v & 0xffff;
}

/** `(u16)(a + b)` */
export function idx16Add(a: number, b: number): number {
  return (a + b) & 0xffff;
}

/** `(u16)(a - b)`: how far `a` is ahead of `b`, modulo 2^16. */
export function idx16Sub(a: number, b: number): number {
  return (a - b) & 0xffff;
}

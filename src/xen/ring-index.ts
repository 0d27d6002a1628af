/**
 * RING_IDX arithmetic. ring.h's indices are `unsigned int` counters that run freely and wrap at 2^32; every
 * difference and sum in its macros is unsigned 32-bit arithmetic. These helpers are the only place ringwire
 * does that arithmetic, so a wrap behaves exactly as in C.
 */

/** A value as a RING_IDX (uint32). */
export function ringIdx(v: number): number {
  return v >>> 0;
}

/** `(RING_IDX)(a + b)` */
export function idxAdd(a: number, b: number): number {
  return (a + b) >>> 0;
}

/** `(RING_IDX)(a - b)`: how far `a` is ahead of `b`, modulo 2^32. */
export function idxSub(a: number, b: number): number {
  return (a - b) >>> 0;
}

/**
 * ring.h's __RD32: round a positive count down to a power of two (0 stays 0). __RING_SIZE applies it to the
 * number of entries that fit, so RING_GET_REQUEST can mask with `RING_SIZE - 1`.
 */
export function roundDownPow2(x: number): number {
  return x <= 0 ? 0 : (1 << (31 - Math.clz32(x))) >>> 0;
}

/**
 * Half the RING_IDX space, 2^31. Free-running indices are compared by their modulo-2^32 difference: a
 * difference at or above this is read as a move backwards (`a` is behind `b`), as every ring.h user must.
 */
export const RING_IDX_HALF = 0x8000_0000;

/**
 * PortError: a RingPort was asked for memory it cannot give — a region outside its buffer or misaligned for
 * the atomic index accesses, an index word that is misaligned or out of the region, a write past its end —
 * or the host cannot run ringwire at all (big-endian: Atomics act in host byte order). Nothing is written
 * when one is thrown.
 */
import { RingwireError, type ErrorDetail } from '../errors.js';
import type { PortRuleId } from '../../protocol/catalogue/index.js';

/** Stable codes carried by PortError (never reworded). */
export const portErrorCodes = Object.freeze({
  /** The region (byteOffset, byteLength) does not lie in the buffer, or its start is not 4-aligned. */
  BAD_REGION: 'PORT_BAD_REGION',
  /** An index word's offset is not aligned to its size (Atomics need naturally aligned words). */
  MISALIGNED_INDEX: 'PORT_MISALIGNED_INDEX',
  /** An access reaches outside the port's region. */
  OUT_OF_BOUNDS: 'PORT_OUT_OF_BOUNDS',
  /** The host is big-endian: Atomics would act in the wrong byte order for every Xen ABI and virtio 1.x. */
  BIG_ENDIAN_HOST: 'PORT_BIG_ENDIAN_HOST',
} as const satisfies Record<string, PortRuleId>);

export type PortErrorCode = (typeof portErrorCodes)[keyof typeof portErrorCodes];

export class PortError extends RingwireError {
  declare readonly code: PortErrorCode;
  constructor(code: PortErrorCode, message: string, detail: ErrorDetail = {}) {
    super(code, message, detail);
  }
}

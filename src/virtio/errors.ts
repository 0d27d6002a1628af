/**
 * VirtqError: a virtio peer broke the protocol (or a caller asked a queue to). Every code is stable and
 * every error carries the descriptor index (`index`), the guest-physical address involved when there is one
 * (`offset` holds it when it fits a number; `received` holds it as a decimal string otherwise) and a
 * sentence that names the spec section it enforces (`rule`).
 *
 * Section numbers are those of Virtual I/O Device (VIRTIO) Version 1.2: §2.7 split virtqueues,
 * §2.8 packed virtqueues. A rule the spec does not state as a requirement says "ringwire policy".
 */
import { RingwireError, type ErrorDetail } from '../errors.js';

/** The rule each code enforces, with its section. */
export const virtqRules = {
  VIRTQ_AVAIL_IDX_JUMP: 'virtio 1.2 §2.7.6 / §2.7.13.3: avail.idx counts heads the driver added; it cannot run more than the queue size ahead of the device.',
  VIRTQ_HEAD_OUT_OF_RANGE: 'virtio 1.2 §2.7.6: each avail ring entry is the index of a descriptor chain head in the descriptor table of queue-size entries.',
  VIRTQ_NEXT_OUT_OF_RANGE: 'virtio 1.2 §2.7.5: next names another entry of the same descriptor table (or indirect table, §2.7.5.3).',
  VIRTQ_DESC_LOOP: 'virtio 1.2 §2.7.5.2: a chain is at most as long as the descriptor table; loops are forbidden.',
  VIRTQ_CHAIN_TOO_LONG: 'virtio 1.2 §2.8.5 / §2.8.17: a packed-ring descriptor list MUST NOT be longer than the queue size (or the device\'s limit).',
  VIRTQ_ZERO_LENGTH: 'virtio 1.2 §2.7.5 / §2.8.4: a descriptor describes a buffer of len bytes; the spec has no MUST against len 0, and ringwire policy rejects zero-length elements as carrying nothing.',
  VIRTQ_READ_AFTER_WRITE: 'virtio 1.2 §2.7.4.2 / §2.8.17: the driver places device-writable elements after all device-readable ones.',
  VIRTQ_INDIRECT_BAD_LEN: 'virtio 1.2 §2.7.5.3 / §2.8.7: an indirect descriptor\'s len is the byte size of a table of 16-byte descriptors, so a non-zero multiple of 16.',
  VIRTQ_INDIRECT_NESTED: 'virtio 1.2 §2.7.5.3.1 / §2.8.19: the driver MUST NOT set VIRTQ_DESC_F_INDIRECT within an indirect table.',
  VIRTQ_INDIRECT_WITH_NEXT: 'virtio 1.2 §2.7.5.3.1 / §2.8.19: VIRTQ_DESC_F_INDIRECT MUST NOT be combined with VIRTQ_DESC_F_NEXT (split: not both on one descriptor; packed: no indirect descriptor in a list linked by NEXT).',
  VIRTQ_INDIRECT_NOT_NEGOTIATED: 'virtio 1.2 §2.7.5.3.1 / §2.8.19: VIRTQ_DESC_F_INDIRECT needs VIRTIO_F_INDIRECT_DESC.',
  VIRTQ_INDIRECT_TOO_LARGE: 'virtio 1.2 §2.7.5.3.1 / §2.8.17: a chain (an indirect table\'s entries included) is no longer than the queue size (or the limit the device set).',
  VIRTQ_LENGTH_OVERFLOW: 'virtio 1.2 §2.7.5.2: a split-ring driver MUST keep a descriptor chain\'s total length within 2^32 bytes; ringwire policy applies the same bound to packed chains.',
  VIRTQ_ADDR_UNMAPPED: 'virtio 1.2 §2.7.5: addr is a guest-physical address; the whole buffer must lie in mapped guest memory.',
  VIRTQ_ADDR_WRAP: 'virtio 1.2 §2.7.5: addr + len must not wrap around the 64-bit guest-physical address space.',
  VIRTQ_USED_IDX_JUMP: 'virtio 1.2 §2.7.8: used.idx counts entries the device wrote; it cannot run ahead of the buffers outstanding.',
  VIRTQ_USED_ID_OUT_OF_RANGE: 'virtio 1.2 §2.7.8 / §2.8.22: a used id names a descriptor chain head (split) or buffer id (packed) below the queue size.',
  VIRTQ_USED_ID_NOT_OUTSTANDING: 'virtio 1.2 §2.7.8 / §2.8.22: a used id names a buffer the driver made available and the device has not yet returned.',
  VIRTQ_USED_ID_TWICE: 'virtio 1.2 §2.7.8 / §2.8.22: each available buffer is used exactly once; this id was already completed.',
  VIRTQ_USED_LEN_TOO_LARGE: 'virtio 1.2 §2.7.8 / §2.8.4: len is the number of bytes written into the device-writable part of the buffer, so at most its size.',
  VIRTQ_PACKED_DESC_NOT_AVAIL: 'virtio 1.2 §2.8.1 / §2.8.6: every descriptor of a chain is made available with AVAIL equal to the driver wrap counter and USED its inverse.',
  VIRTQ_PACKED_BAD_ID: 'virtio 1.2 §2.8.6 / §2.8.13: a chain\'s last descriptor carries its buffer id; the spec sets no range for it, and ringwire policy requires it below the queue size (as the spec\'s example driver in §2.8.21.3 / §2.8.22 keeps it).',
  VIRTQ_PACKED_DUPLICATE_ID: 'virtio 1.2 §2.8.21.1 / §2.8.22: the driver takes a free buffer id for each buffer and gets it back in the used descriptor; rejecting an id made available again before the device used it is ringwire policy (the spec states no MUST).',
  VIRTQ_NO_SPACE: 'virtio 1.2 §2.7.13.1 / §2.8.17: a driver adds a buffer only when enough free descriptors remain.',
  VIRTQ_BAD_BUFFER: 'virtio 1.2 §2.7.13.1 / §2.8.21.1: each buffer element goes into a descriptor as a 64-bit guest-physical address and a 32-bit len; ringwire policy also rejects len 0.',
  VIRTQ_BAD_GEOMETRY: 'virtio 1.2 §2.7 / §2.8: queue size is a power of two (split) or at most 2^15 (packed), and each area lies in mapped memory with its alignment.',
  VIRTQ_IN_ORDER_VIOLATION: 'virtio 1.2 §6.2 / §2.7.9 / §2.8.8: "If VIRTIO_F_IN_ORDER has been negotiated, a device MUST use buffers in the same order in which they have been available"; a used entry stands for the batch ending at the buffer it names, so that buffer lies within the entries the device advanced over (split: used.idx).',
  VIRTQ_IN_ORDER_NOT_RING_ORDER: 'virtio 1.2 §2.7.5 / §2.7.5.2 / §2.7.5.3.1: with VIRTIO_F_IN_ORDER the driver uses descriptors in ring order, from offset 0 and wrapping; it "MUST set next to 0 for the last descriptor in the table (where x = queue_size - 1) and to x + 1 for the rest", and indirect descriptors "MUST appear sequentially".',
  VIRTQ_FEATURE_NOT_NEGOTIATED: 'virtio 1.2 §2.2 / §6: a feature\'s behaviour is available only when its bit was negotiated (VIRTIO_F_IN_ORDER for batched used entries, VIRTIO_F_NOTIFICATION_DATA for notification values, VIRTIO_F_RING_RESET for a per-queue reset, §2.6.1).',
  VIRTQ_QUEUE_RESET: 'virtio 1.2 §2.6.1.1.1: "After a queue has been reset by the driver, the device MUST NOT execute any requests from that virtqueue, or notify the driver for it"; the driver uses the queue again only after re-enabling it (§2.6.1.2.2).',
  VIRTQ_QUEUE_ENABLED: 'virtio 1.2 §2.6.1.2 / §4.1.4.3.2: a queue is re-enabled only after a completed queue reset ("The driver MUST NOT write a 0 to queue_enable"; re-enabling follows reading back 0 in queue_reset).',
  VIRTQ_NOTIFICATION_DATA_MISMATCH: 'virtio 1.2 §2.9 / §4.1.5.2: with VIRTIO_F_NOTIFICATION_DATA a notification carries vqn and where the next available entry will be written (split: the avail index; packed: next_off and next_wrap); ringwire policy rejects a value naming another queue or a position outside the queue size ahead of the device (the spec states no MUST for the device).',
  VIRTQ_EVENT_OFFSET_OUT_OF_RANGE: 'virtio 1.2 §2.8.10: bits 0..14 of an event suppression structure\'s off_wrap are a descriptor ring offset, so they lie below the queue size.',
  VIRTQ_INDIRECT_UNREADABLE: 'virtio 1.2 §2.7.5.3 / §2.8.7: an indirect table is read from guest memory; this one lies in memory whose bytes were not supplied, so its chain is not checked (missing input, not a protocol violation).',
} as const;

/**
 * Codes a snapshot reports for a chain it could not check because input is missing, never as a protocol
 * violation.
 */
export const virtqNotCheckedCodes: ReadonlySet<string> = new Set<VirtqErrorCode>(['VIRTQ_INDIRECT_UNREADABLE']);

export type VirtqErrorCode = keyof typeof virtqRules;

export class VirtqError extends RingwireError {
  declare readonly code: VirtqErrorCode;
  /** The guest-physical address involved, when there is one. */
  readonly addr: bigint | undefined;

  constructor(code: VirtqErrorCode, message: string, detail: ErrorDetail & { addr?: bigint } = {}) {
    const { addr, ...rest } = detail;
    const offset = addr !== undefined && addr <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(addr) : rest.offset;
    super(code, `${message} (${virtqRules[code]})`, { ...rest, offset, rule: virtqRules[code] });
    this.addr = addr;
  }

  override toJSON(): Record<string, unknown> {
    const o = super.toJSON();
    if (this.addr !== undefined) o['addr'] = this.addr <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(this.addr) : this.addr.toString();
    return o;
  }
}

/**
 * GuestMemoryError: the GuestMemory API used in a way it cannot serve (not a peer's fault). Codes:
 * GUEST_MEMORY_NO_REGION (no region with that index: a buffer whose address was not checked, or a stale index),
 * GUEST_MEMORY_NO_PORT (a region whose bytes are read on demand has no port to read or write through),
 * GUEST_MEMORY_UNREADABLE (a read-on-demand region cannot supply the bytes asked for: declared by size only).
 */
export class GuestMemoryError extends RingwireError {}

/** 64-bit address from its halves, for error reports only (never on a hot path). */
export function addrOf(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

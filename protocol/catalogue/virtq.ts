/**
 * virtio split and packed virtqueues (VirtqError). Sections are those of Virtual I/O Device (VIRTIO) Version
 * 1.2: §2.7 split virtqueues, §2.8 packed virtqueues; a quote is the spec's own requirement sentence. The
 * statement is what ringwire enforces; where the spec states no requirement it says "ringwire policy".
 * `virtqRules` (src/virtio/errors.ts) is derived from these entries.
 */
import type { RuleEntry } from './types.js';

export const virtqCatalogue = [
  {
    id: 'VIRTQ_AVAIL_IDX_JUMP', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'avail.idx counts heads the driver added; it cannot run more than the queue size ahead of the device.',
    source: { virtio: '2.7.6', also: ['2.7.13.3'],
      quote: 'A driver MUST NOT decrement the available idx on a virtqueue (ie. there is no way to "unexpose" buffers).',
    }, dumps: true,
  },
  {
    id: 'VIRTQ_HEAD_OUT_OF_RANGE', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'each avail ring entry is the index of a descriptor chain head in the descriptor table of queue-size entries.',
    source: { virtio: '2.7.6' }, dumps: true,
  },
  {
    id: 'VIRTQ_NEXT_OUT_OF_RANGE', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'next names another entry of the same descriptor table (or indirect table, §2.7.5.3).',
    source: { virtio: '2.7.5' }, dumps: true,
  },
  {
    id: 'VIRTQ_DESC_LOOP', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'a chain is at most as long as the descriptor table; loops are forbidden.',
    source: { virtio: '2.7.5.2',
      quote: 'Drivers MUST NOT add a descriptor chain longer than 2^32 bytes in total; this implies that loops in the descriptor chain are forbidden!',
    }, dumps: true,
  },
  {
    id: 'VIRTQ_CHAIN_TOO_LONG', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'a packed-ring descriptor list MUST NOT be longer than the queue size (or the device\'s limit).',
    source: { virtio: '2.8.5', also: ['2.8.17'],
      quote: 'A driver MUST NOT create a descriptor list longer than the Queue Size.',
    }, dumps: true,
  },
  {
    id: 'VIRTQ_ZERO_LENGTH', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'a descriptor describes a buffer of len bytes; the spec has no MUST against len 0, and ringwire policy rejects zero-length elements as carrying nothing.',
    source: { virtio: '2.7.5', also: ['2.8.4'] }, dumps: true,
  },
  {
    id: 'VIRTQ_READ_AFTER_WRITE', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'the driver places device-writable elements after all device-readable ones.',
    source: { virtio: '2.7.4.2', also: ['2.8.17'],
      quote: 'The driver MUST place any device-writable descriptor elements after any device-readable descriptor elements.',
    }, dumps: true,
  },
  {
    id: 'VIRTQ_INDIRECT_BAD_LEN', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'an indirect descriptor\'s len is the byte size of a table of 16-byte descriptors, so a non-zero multiple of 16.',
    source: { virtio: '2.7.5.3', also: ['2.8.7'] }, dumps: true,
  },
  {
    id: 'VIRTQ_INDIRECT_NESTED', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'the driver MUST NOT set VIRTQ_DESC_F_INDIRECT within an indirect table.',
    source: { virtio: '2.7.5.3.1', also: ['2.8.19'],
      quote: 'The driver MUST NOT set the VIRTQ_DESC_F_INDIRECT flag within an indirect descriptor (ie. only one table per descriptor).',
    }, dumps: true,
  },
  {
    id: 'VIRTQ_INDIRECT_WITH_NEXT', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'VIRTQ_DESC_F_INDIRECT MUST NOT be combined with VIRTQ_DESC_F_NEXT (split: not both on one descriptor; packed: no indirect descriptor in a list linked by NEXT).',
    source: { virtio: '2.7.5.3.1', also: ['2.8.19'],
      quote: 'A driver MUST NOT set both VIRTQ_DESC_F_INDIRECT and VIRTQ_DESC_F_NEXT in flags.',
    }, dumps: true,
  },
  {
    id: 'VIRTQ_INDIRECT_NOT_NEGOTIATED', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'VIRTQ_DESC_F_INDIRECT needs VIRTIO_F_INDIRECT_DESC.',
    source: { virtio: '2.7.5.3.1', also: ['2.8.19'],
      quote: 'The driver MUST NOT set the VIRTQ_DESC_F_INDIRECT flag unless the VIRTIO_F_INDIRECT_DESC feature was negotiated.',
    },
  },
  {
    id: 'VIRTQ_INDIRECT_TOO_LARGE', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'a chain (an indirect table\'s entries included) is no longer than the queue size (or the limit the device set).',
    source: { virtio: '2.7.5.3.1', also: ['2.8.17'],
      quote: 'A driver MUST NOT create a descriptor chain longer than the Queue Size of the device.',
    }, dumps: true,
  },
  {
    id: 'VIRTQ_LENGTH_OVERFLOW', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'a split-ring driver MUST keep a descriptor chain\'s total length within 2^32 bytes; ringwire policy applies the same bound to packed chains.',
    source: { virtio: '2.7.5.2',
      quote: 'Drivers MUST NOT add a descriptor chain longer than 2^32 bytes in total; this implies that loops in the descriptor chain are forbidden!',
    }, dumps: true,
  },
  {
    id: 'VIRTQ_ADDR_UNMAPPED', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'addr is a guest-physical address; the whole buffer must lie in mapped guest memory.',
    source: { virtio: '2.7.5' }, dumps: true,
  },
  {
    id: 'VIRTQ_ADDR_WRAP', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'addr + len must not wrap around the 64-bit guest-physical address space.',
    source: { virtio: '2.7.5' }, dumps: true,
  },
  {
    id: 'VIRTQ_USED_IDX_JUMP', family: 'virtq', kind: 'protocol', binds: 'device', severity: 'error',
    statement: 'used.idx counts entries the device wrote; it cannot run ahead of the buffers outstanding.',
    source: { virtio: '2.7.8' }, dumps: true,
  },
  {
    id: 'VIRTQ_USED_ID_OUT_OF_RANGE', family: 'virtq', kind: 'protocol', binds: 'device', severity: 'error',
    statement: 'a used id names a descriptor chain head (split) or buffer id (packed) below the queue size.',
    source: { virtio: '2.7.8', also: ['2.8.22'] }, dumps: true,
  },
  {
    id: 'VIRTQ_USED_ID_NOT_OUTSTANDING', family: 'virtq', kind: 'protocol', binds: 'device', severity: 'error',
    statement: 'a used id names a buffer the driver made available and the device has not yet returned.',
    source: { virtio: '2.7.8', also: ['2.8.22'] },
  },
  {
    id: 'VIRTQ_USED_ID_TWICE', family: 'virtq', kind: 'protocol', binds: 'device', severity: 'error',
    statement: 'each available buffer is used exactly once; this id was already completed.',
    source: { virtio: '2.7.8', also: ['2.8.22'] },
  },
  {
    id: 'VIRTQ_USED_LEN_TOO_LARGE', family: 'virtq', kind: 'protocol', binds: 'device', severity: 'error',
    statement: 'len is the number of bytes written into the device-writable part of the buffer, so at most its size.',
    source: { virtio: '2.7.8', also: ['2.8.4'],
      quote: 'The device MUST write at least len bytes to descriptor, beginning at the first device-writable buffer, prior to updating the used idx.',
    },
  },
  {
    id: 'VIRTQ_PACKED_DESC_NOT_AVAIL', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'every descriptor of a chain is made available with AVAIL equal to the driver wrap counter and USED its inverse.',
    source: { virtio: '2.8.1', also: ['2.8.6'] }, dumps: true,
  },
  {
    id: 'VIRTQ_PACKED_BAD_ID', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'a chain\'s last descriptor carries its buffer id; the spec sets no range for it, and ringwire policy requires it below the queue size (as the spec\'s example driver in §2.8.21.3 / §2.8.22 keeps it).',
    source: { virtio: '2.8.6', also: ['2.8.13'] }, dumps: true,
  },
  {
    id: 'VIRTQ_PACKED_DUPLICATE_ID', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'the driver takes a free buffer id for each buffer and gets it back in the used descriptor; rejecting an id made available again before the device used it is ringwire policy (the spec states no MUST).',
    source: { virtio: '2.8.21.1', also: ['2.8.22'] }, dumps: true,
  },
  {
    id: 'VIRTQ_NO_SPACE', family: 'virtq', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'a driver adds a buffer only when enough free descriptors remain.',
    source: { virtio: '2.7.13.1', also: ['2.8.17'],
      quote: 'A driver MUST make sure there\'s enough space in the ring for the whole list before making the first descriptor in the list available to the device.',
    },
  },
  {
    id: 'VIRTQ_BAD_BUFFER', family: 'virtq', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'each buffer element goes into a descriptor as a 64-bit guest-physical address and a 32-bit len; ringwire policy also rejects len 0.',
    source: { virtio: '2.7.13.1', also: ['2.8.21.1'] },
  },
  {
    id: 'VIRTQ_BAD_GEOMETRY', family: 'virtq', kind: 'usage', binds: 'caller', severity: 'error',
    statement: 'queue size is a power of two (split) or at most 2^15 (packed), and each area lies in mapped memory with its alignment.',
    source: { virtio: '2.7', also: ['2.8'],
      quote: 'The driver MUST ensure that the physical address of the first byte of each virtqueue part is a multiple of the specified alignment value in the above table.',
    },
  },
  {
    id: 'VIRTQ_IN_ORDER_VIOLATION', family: 'virtq', kind: 'protocol', binds: 'device', severity: 'error',
    statement: '"If VIRTIO_F_IN_ORDER has been negotiated, a device MUST use buffers in the same order in which they have been available"; a used entry stands for the batch ending at the buffer it names, so that buffer lies within the entries the device advanced over (split: used.idx).',
    source: { virtio: '6.2', also: ['2.7.9', '2.8.8'],
      quote: 'If VIRTIO_F_IN_ORDER has been negotiated, a device MUST use buffers in the same order in which they have been available.',
    },
  },
  {
    id: 'VIRTQ_IN_ORDER_NOT_RING_ORDER', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'with VIRTIO_F_IN_ORDER the driver uses descriptors in ring order, from offset 0 and wrapping; it "MUST set next to 0 for the last descriptor in the table (where x = queue_size - 1) and to x + 1 for the rest", and indirect descriptors "MUST appear sequentially".',
    source: { virtio: '2.7.5', also: ['2.7.5.2', '2.7.5.3.1'],
      quote: 'If VIRTIO_F_IN_ORDER has been negotiated, and when making a descriptor with VRING_DESC_F_NEXT set in flags at offset x in the table available to the device, driver MUST set next to 0 for the last descriptor in the table (where x = queue_size - 1) and to x + 1 for the rest of the descriptors.',
    },
  },
  {
    id: 'VIRTQ_FEATURE_NOT_NEGOTIATED', family: 'virtq', kind: 'protocol', binds: 'either', severity: 'error',
    statement: 'a feature\'s behaviour is available only when its bit was negotiated (VIRTIO_F_IN_ORDER for batched used entries, VIRTIO_F_NOTIFICATION_DATA for notification values, VIRTIO_F_RING_RESET for a per-queue reset, §2.6.1).',
    source: { virtio: '2.2', also: ['6'],
      quote: 'The driver MUST NOT accept a feature which the device did not offer, and MUST NOT accept a feature which requires another feature which was not accepted.',
    },
  },
  {
    id: 'VIRTQ_QUEUE_RESET', family: 'virtq', kind: 'protocol', binds: 'either', severity: 'error',
    statement: '"After a queue has been reset by the driver, the device MUST NOT execute any requests from that virtqueue, or notify the driver for it"; the driver uses the queue again only after re-enabling it (§2.6.1.2.2).',
    source: { virtio: '2.6.1.1.1',
      quote: 'After a queue has been reset by the driver, the device MUST NOT execute any requests from that virtqueue, or notify the driver for it.',
    },
  },
  {
    id: 'VIRTQ_QUEUE_ENABLED', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'a queue is re-enabled only after a completed queue reset ("The driver MUST NOT write a 0 to queue_enable"; re-enabling follows reading back 0 in queue_reset).',
    source: { virtio: '2.6.1.2', also: ['4.1.4.3.2'],
      quote: 'The driver MUST NOT write a 0 to queue_enable.',
    },
  },
  {
    id: 'VIRTQ_NOTIFICATION_DATA_MISMATCH', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'with VIRTIO_F_NOTIFICATION_DATA a notification carries vqn and where the next available entry will be written (split: the avail index; packed: next_off and next_wrap); ringwire policy rejects a value naming another queue or a position outside the queue size ahead of the device (the spec states no MUST for the device).',
    source: { virtio: '2.9', also: ['4.1.5.2'] },
  },
  {
    id: 'VIRTQ_EVENT_OFFSET_OUT_OF_RANGE', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'bits 0..14 of an event suppression structure\'s off_wrap are a descriptor ring offset, so they lie below the queue size.',
    source: { virtio: '2.8.10' }, dumps: true,
  },
  {
    id: 'VIRTQ_INDIRECT_UNREADABLE', family: 'virtq', kind: 'input', binds: 'caller', severity: 'info',
    statement: 'an indirect table is read from guest memory; this one lies in memory whose bytes were not supplied, so its chain is not checked (missing input, not a protocol violation).',
    source: { virtio: '2.7.5.3', also: ['2.8.7'] },
  },
  // ---- Checked on traces by src/check/ (no error class throws these) ----
  {
    id: 'VIRTQ_DEVICE_WROTE_READABLE', family: 'virtq', kind: 'protocol', binds: 'device', severity: 'error',
    statement: 'the device writes only the device-writable buffers of a chain; a device-readable buffer is the driver\'s data for it to read.',
    source: { virtio: '2.7.5.1', quote: 'A device MUST NOT write to a device-readable buffer, and a device SHOULD NOT read a device-writable buffer.' }, checked: 'trace',
  },
  {
    id: 'VIRTQ_DEVICE_WROTE_DESC', family: 'virtq', kind: 'protocol', binds: 'device', severity: 'error',
    statement: 'the device never writes the split descriptor table: the driver owns it, and the device only reads descriptors the driver made available.',
    source: { virtio: '2.7.5', also: ['2.7.13'] }, checked: 'trace',
  },
  {
    id: 'VIRTQ_MISSING_KICK', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'the driver notifies the device after making buffers available unless suppressed: split, with VIRTIO_RING_F_EVENT_IDX when vring_need_event(avail_event, new, old) holds, without it when VRING_USED_F_NO_NOTIFY is clear; packed, when the device event suppression flags are RING_EVENT_FLAGS_ENABLE, or RING_EVENT_FLAGS_DESC and the descriptors just made available pass its off_wrap.',
    source: { virtio: '2.7.10.1', also: ['2.7.13.4', '2.8.10', '2.8.21.3.1'],
      quote: 'If flags is 0, the driver MUST send a notification.',
    }, checked: 'trace',
  },
  {
    id: 'VIRTQ_MISSING_INTERRUPT', family: 'virtq', kind: 'protocol', binds: 'device', severity: 'error',
    statement: 'the device notifies the driver after using buffers unless suppressed: split, with VIRTIO_RING_F_EVENT_IDX when vring_need_event(used_event, new, old) holds, without it when VRING_AVAIL_F_NO_INTERRUPT is clear; packed, when the driver event suppression flags are RING_EVENT_FLAGS_ENABLE, or RING_EVENT_FLAGS_DESC and the descriptors just used pass its off_wrap.',
    source: { virtio: '2.7.7.2', also: ['2.7.8', '2.8.10', '2.8.22'],
      quote: 'If flags is 0, the device MUST send a notification.',
    }, checked: 'trace',
  },
  {
    id: 'VIRTQ_AVAIL_IDX_BACKWARDS', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'avail.idx only moves forward (modulo 2^16): a store that moves it back by 1 to the queue size entries unexposes buffers (a move back by more is VIRTQ_AVAIL_IDX_JUMP, as it reads as a jump forward of more than the queue size).',
    source: { virtio: '2.7.13.3', also: ['2.7.6'],
      quote: 'A driver MUST NOT decrement the available idx on a virtqueue (ie. there is no way to "unexpose" buffers).',
    }, checked: 'trace',
  },
  {
    id: 'VIRTQ_USED_IDX_BACKWARDS', family: 'virtq', kind: 'protocol', binds: 'device', severity: 'error',
    statement: 'used.idx only moves forward (modulo 2^16), as it counts the entries the device added; the spec states no MUST for the device, and ringwire policy reports a store that moves it back by 1 to the queue size entries (a move back by more is VIRTQ_USED_IDX_JUMP).',
    source: { virtio: '2.7.8', also: ['2.7.14'] }, checked: 'trace',
  },
  {
    id: 'VIRTQ_EVENT_IDX_NOT_NEGOTIATED', family: 'virtq', kind: 'protocol', binds: 'either', severity: 'error',
    statement: 'without VIRTIO_RING_F_EVENT_IDX the event indices are ignored: a split driver (device) that withholds a kick (interrupt) the flags ask for because the avail_event (used_event) the other end stored says so, or a packed end that sets RING_EVENT_FLAGS_DESC ("Only valid if VIRTIO_F_RING_EVENT_IDX has been negotiated"), acts on a feature not negotiated.',
    source: { virtio: '2.7.10.1', also: ['2.7.7.2', '2.8.10'],
      quote: 'The driver MUST ignore the avail_event value.',
    }, checked: 'trace',
  },
  {
    id: 'VIRTQ_GEOMETRY_CHANGED', family: 'virtq', kind: 'protocol', binds: 'driver', severity: 'error',
    statement: 'a queue\'s layout, size and area addresses are set up once; a new setup record that changes them while the queue is live (no queue reset recorded since) moves the queue under the device.',
    source: { virtio: '2.6.1.2.2', also: ['3.3.1', '4.1.4.3.2'],
      quote: 'When re-enabling a queue, the driver MUST configure the queue resources as during initial virtqueue discovery, but optionally with different parameters.',
    }, checked: 'trace',
  },
  {
    id: 'VIRTQ_PACKED_WRAP_MISUSE', family: 'virtq', kind: 'protocol', binds: 'either', severity: 'error',
    statement: 'a packed descriptor is marked used with VIRTQ_DESC_F_AVAIL and VIRTQ_DESC_F_USED both equal to the Device Ring Wrap Counter, and made available with AVAIL equal to the Driver Ring Wrap Counter and USED its inverse: a flags store at next_used that is no used descriptor for the device counter, or at next_avail that is available only for the other pass (a counter flipped at the wrong position), breaks it (a descriptor continuing a chain is VIRTQ_PACKED_DESC_NOT_AVAIL).',
    source: { virtio: '2.8.1', also: ['2.8.21.1', '2.8.22'] }, checked: 'trace',
  },
] as const satisfies readonly RuleEntry[];

/**
 * The bodies of ringwire records (the bytes after the record header), by record type. Always little-endian.
 *
 * Binary bodies, for the records a recording is made of (one per shared-memory access):
 *
 *   region    | region (4) | kind (2) | name_len (2) | address (8) | length (8) | name (name_len, UTF-8) | initial bytes |
 *             initial bytes: `length` of them, or none (the region starts zeroed)
 *   write     | region (4) | size (4) | offset (8) | bytes (size) |      a party stored `size` bytes at `offset`
 *   read      | region (4) | size (4) | offset (8) | bytes (size) |      a party loaded them (optional in a recording)
 *   snapshot  | region (4) | size (4) | offset (8) | bytes (size) |      a region's bytes at a point in time
 *   barrier   | kind (4) |                                              RWT_BARRIER_MB / _WMB / _RMB
 *   notify    | channel (4) | flags (4) | data (4) | reserved (4) |     event channel port or virtqueue index;
 *             flags bit 0: `data` holds a notification value (VIRTIO_F_NOTIFICATION_DATA, virtio 1.2 §2.9)
 *   checkpoint  n × | region (4) | reserved (4) | sha256 (32) |           SHA-256 of each region's whole bytes
 *   lost      | count (8) |                                             records the capture dropped here
 *   end       (empty)
 *
 * JSON bodies (one UTF-8 JSON object; rare records where readability and growth matter more than size):
 *   setup       TraceSetup below: what the interface carries
 *   config      TraceConfig below: xenbus keys and states, virtio status / features / queue setup
 *   annotation  TraceAnnotation below: the macro or operation that produced the records that follow; from
 *               party none, {"op":"hostile",...} says what a hostile trace expects of the side under test
 *               (hostile.ts)
 *
 * Which party wrote a record is the record header's `party`; the region a write lands in is named by number,
 * numbers being given by the interface's region records in order from 0.
 */
import { everyAbi, type ConstantDecl, type StructDecl } from '../decl.js';

const HEADER = 'ringwire trace format 1.0 (protocol/trace/bodies.ts)';

export const ringwire_region: StructDecl = {
  name: 'ringwire_region', kind: 'struct', header: HEADER, abiIndependent: true,
  doc: 'Body of a region record: declares region number `region` of the interface; name and initial bytes follow.',
  fields: [
    { name: 'region', type: '__le32', doc: 'the region\'s number within its interface: 0, 1, 2 ... in order of declaration' },
    { name: 'kind', type: '__le16', doc: 'RWT_REGION_*: what the memory is' },
    { name: 'name_len', type: '__le16', doc: 'bytes of the UTF-8 name that follows the fixed part' },
    { name: 'address', type: '__le64', doc: 'guest-physical address (virtio), grant reference (a granted Xen page), else 0' },
    { name: 'length', type: '__le64', doc: 'the region\'s size in bytes' },
  ],
  expect: everyAbi({ size: 24 }),
};

export const ringwire_access: StructDecl = {
  name: 'ringwire_access', kind: 'struct', header: HEADER, abiIndependent: true,
  doc: 'Body of a write, read or snapshot record: `size` bytes at `offset` of a region; the bytes follow.',
  fields: [
    { name: 'region', type: '__le32', doc: 'the region (its number from the interface\'s region records)' },
    { name: 'size', type: '__le32', doc: 'how many bytes follow (equals the body length less this header)' },
    { name: 'offset', type: '__le64', doc: 'byte offset within the region' },
  ],
  expect: everyAbi({ size: 16 }),
};

export const ringwire_barrier: StructDecl = {
  name: 'ringwire_barrier', kind: 'struct', header: HEADER, abiIndependent: true,
  doc: 'Body of a barrier record.',
  fields: [{ name: 'kind', type: '__le32', doc: 'RWT_BARRIER_MB, _WMB or _RMB' }],
  expect: everyAbi({ size: 4 }),
};

export const ringwire_notify: StructDecl = {
  name: 'ringwire_notify', kind: 'struct', header: HEADER, abiIndependent: true,
  doc: 'Body of a notify record; the direction is the record\'s party (front → back, or back → front).',
  fields: [
    { name: 'channel', type: '__le32', doc: 'Xen event channel port, or virtqueue index' },
    { name: 'flags', type: '__le32', doc: 'RWT_NOTIFY_F_DATA: `data` holds the notification value' },
    { name: 'data', type: '__le32', doc: 'virtio 1.2 §2.9 notification value { vqn:16; next_off:15; next_wrap:1 }, when flagged' },
    { name: 'reserved', type: '__le32', doc: 'zero' },
  ],
  expect: everyAbi({ size: 16 }),
};

export const ringwire_checkpoint_entry: StructDecl = {
  name: 'ringwire_checkpoint_entry', kind: 'struct', header: HEADER, abiIndependent: true,
  doc: 'One entry of a checkpoint record\'s body (which is a sequence of them, one per region).',
  fields: [
    { name: 'region', type: '__le32', doc: 'the region' },
    { name: 'reserved', type: '__le32', doc: 'zero' },
    { name: 'sha256', type: '__u8', count: 32, doc: 'SHA-256 (FIPS 180-4) of the region\'s whole bytes at this point' },
  ],
  expect: everyAbi({ size: 40 }),
};

export const ringwire_lost: StructDecl = {
  name: 'ringwire_lost', kind: 'struct', header: HEADER, abiIndependent: true,
  doc: 'Body of a lost record.',
  fields: [{ name: 'count', type: '__le64', doc: 'how many records the capture dropped at this point' }],
  expect: everyAbi({ size: 8 }),
};

/** Region kinds: what a region's memory is. */
export const RWT_REGION_XEN_RING = 1;
export const RWT_REGION_XEN_GRANT = 2;
export const RWT_REGION_VIRTIO_DESC = 3;
export const RWT_REGION_VIRTIO_DRIVER = 4;
export const RWT_REGION_VIRTIO_DEVICE = 5;
export const RWT_REGION_VIRTIO_RAM = 6;

export interface RegionKindDecl {
  readonly value: number;
  readonly word: string;
  readonly doc: string;
}

export const regionKinds: readonly RegionKindDecl[] = [
  { value: RWT_REGION_XEN_RING, word: 'xen-ring', doc: 'the shared ring pages (struct name_sring): address 0, the grant refs are in the setup record' },
  { value: RWT_REGION_XEN_GRANT, word: 'xen-grant', doc: 'a granted data page; address is its grant reference' },
  { value: RWT_REGION_VIRTIO_DESC, word: 'virtio-desc', doc: 'a virtqueue\'s descriptor table (split) or descriptor ring (packed); address is its guest-physical address' },
  { value: RWT_REGION_VIRTIO_DRIVER, word: 'virtio-driver', doc: 'the driver area (split: vring_avail; packed: driver event suppression)' },
  { value: RWT_REGION_VIRTIO_DEVICE, word: 'virtio-device', doc: 'the device area (split: vring_used; packed: device event suppression)' },
  { value: RWT_REGION_VIRTIO_RAM, word: 'virtio-ram', doc: 'guest RAM holding buffers and indirect tables; address is its guest-physical base' },
];

export const RWT_BARRIER_MB = 1;
export const RWT_BARRIER_WMB = 2;
export const RWT_BARRIER_RMB = 3;
export const RWT_NOTIFY_F_DATA = 1;

/** What a setup record says an interface carries (JSON). */
export type TraceSetup = XenTraceSetup | VirtioTraceSetup;

export interface XenTraceSetup {
  readonly transport: 'xen';
  /** A ring name from protocol/xen/rings.ts: blkif, netif_tx, netif_rx, xen_netif_ctrl. */
  readonly ring: string;
  /** x86_64, x86_32 or arm (protocol/abi.ts). */
  readonly abi: string;
  /** Ring-page order: the ring is 4096 << order bytes. */
  readonly order: number;
  /** Grant references of the ring pages (xenstore ring-ref / ring-refN). */
  readonly grefs: readonly number[];
  /** The event channel port both ends notify on. */
  readonly evtchn: number;
}

export interface VirtioTraceSetup {
  readonly transport: 'virtio';
  readonly layout: 'split' | 'packed';
  /** Queue size (number of descriptors). */
  readonly size: number;
  /** The queue's index on its device (the channel its kicks and interrupts carry). */
  readonly queue: number;
  /** Byte order of the split ring's fields: little for virtio 1.x, big for a legacy big-endian guest. */
  readonly byte_order: 'little' | 'big';
  /** Negotiated feature bits, as a 0x-hex string (64 bits). */
  readonly features: string;
  /** Guest-physical addresses of the areas, as 0x-hex strings: split desc/avail/used; packed desc/driver_event/device_event. */
  readonly desc: string;
  readonly avail?: string;
  readonly used?: string;
  readonly driver_event?: string;
  readonly device_event?: string;
  /**
   * Optional: the virtio device type (virtio 1.2 §5 "Device ID": 1 network, 2 block), so a decoder can read
   * the buffers' headers (virtio_blk_outhdr and status, virtio_net_hdr_v1); absent, chains are shown bare.
   */
  readonly device_id?: number;
}

/** A config record (JSON): a xenbus write or state change, or a virtio status / feature / queue step. */
export type TraceConfig =
  | { readonly xenstore: string; readonly value: string }
  | { readonly xenbus_state: { readonly from: number; readonly to: number } }
  | { readonly virtio_status: number }
  | { readonly virtio_features: string }
  | { readonly virtio_queue: { readonly index: number; readonly size: number; readonly enable: boolean } };

/**
 * An annotation record (JSON): the ring.h macro or driver/device operation, and its arguments. From party
 * none with op "hostile" it is a HostileAnnotation (hostile.ts): the rule the trace breaks, the side under
 * test, and whether that side must refuse it or the monitor observes it.
 */
export interface TraceAnnotation {
  readonly op: string;
  readonly [arg: string]: string | number | boolean;
}

export const bodyStructs: readonly StructDecl[] = [
  ringwire_region, ringwire_access, ringwire_barrier, ringwire_notify, ringwire_checkpoint_entry, ringwire_lost,
];

export const bodyConstants: readonly ConstantDecl[] = [
  ...regionKinds.map((k) => ({ name: `RWT_REGION_${k.word.toUpperCase().replace(/-/g, '_')}`, value: k.value, header: HEADER, doc: k.doc })),
  { name: 'RWT_BARRIER_MB', value: RWT_BARRIER_MB, header: HEADER, doc: 'a full barrier: xen_mb() / virtio_mb()' },
  { name: 'RWT_BARRIER_WMB', value: RWT_BARRIER_WMB, header: HEADER, doc: 'a write barrier: xen_wmb() / virtio_wmb()' },
  { name: 'RWT_BARRIER_RMB', value: RWT_BARRIER_RMB, header: HEADER, doc: 'a read barrier: xen_rmb() / virtio_rmb()' },
  { name: 'RWT_NOTIFY_F_DATA', value: RWT_NOTIFY_F_DATA, header: HEADER, doc: 'the notify record carries a notification value' },
];

/**
 * Recording a virtqueue in one call: recordVirtqueue() declares the queue as an interface of a TraceRecorder
 * (its setup record filled from the options), guest RAM as its one region, and gives the driver and the
 * device each their own GuestMemory whose port records what that party does (as each side has its own
 * mapping of the same RAM). The returned configs go straight to SplitDriver / SplitDevice or PackedDriver /
 * PackedDevice; every store, barrier, notification and annotation they make becomes a record.
 */
import { RWT_PARTY_BACK, RWT_PARTY_FRONT, RWT_PARTY_NONE, RWT_REGION_VIRTIO_RAM, RWT_SETUP, type VirtioTraceSetup } from '../../protocol/trace/index.js';
import { encodeJson } from './bodies.js';
import { PlainRingPort, type NotifyHandler } from '../memory/ring-port.js';
import { GuestMemory } from '../virtio/guest-memory.js';
import { virtqFeatures, type VirtqFeatures } from '../virtio/features.js';
import type { SplitQueueConfig } from '../virtio/split-ring.js';
import type { PackedQueueConfig } from '../virtio/packed-ring.js';
import type { TraceRecorder } from './recorder.js';

interface CommonOptions {
  /** Queue size (descriptors). */
  readonly size: number;
  /** The queue's index on its device: the channel its kicks and interrupts carry (default 0). */
  readonly queue?: number;
  /** Negotiated feature bits (EVENT_IDX, INDIRECT_DESC, IN_ORDER, NOTIFICATION_DATA, RING_RESET are acted on). */
  readonly features: bigint;
  /** Guest RAM: the queue's areas, buffers and indirect tables all lie in it. */
  readonly ram: ArrayBuffer | SharedArrayBuffer;
  /** Guest-physical address of the first byte of `ram` (default 0). */
  readonly ramAddress?: number;
  /** Guest-physical address of the descriptor table (split) or ring (packed). */
  readonly desc: number;
  /** virtio 1.2 §5 Device ID (1 network, 2 block), written to the setup so decoders show the headers. */
  readonly deviceId?: number;
  /** Interface name (default `virtio-split/SIZE` or `virtio-packed/SIZE`). */
  readonly name?: string;
  /** Called on each kick the driver sends / each interrupt the device raises (after it is recorded). */
  readonly onKick?: NotifyHandler;
  readonly onInterrupt?: NotifyHandler;
}

export interface SplitRecordingOptions extends CommonOptions {
  readonly layout: 'split';
  /** 'big' for a legacy big-endian guest's split ring (virtio 1.2 §2.7.3); default 'little'. */
  readonly byteOrder?: 'little' | 'big';
  readonly avail: number;
  readonly used: number;
}

export interface PackedRecordingOptions extends CommonOptions {
  readonly layout: 'packed';
  readonly driverEvent: number;
  readonly deviceEvent: number;
}

export interface VirtqueueRecording<C> {
  /** The interface number in the trace. */
  readonly iface: number;
  /** The guest RAM region's number. */
  readonly region: number;
  readonly setup: VirtioTraceSetup;
  /** Guest memory as the driver maps it: what goes through it is recorded as the driver's (front). */
  readonly driverMemory: GuestMemory;
  /** Guest memory as the device maps it: recorded as the device's (back). */
  readonly deviceMemory: GuestMemory;
  /** Ready-made configurations for the queue's two ends (geometry and the features they act on). */
  readonly driverConfig: C & VirtqFeatures;
  readonly deviceConfig: C & VirtqFeatures;
}

const hex = (v: number | bigint): string => `0x${v.toString(16)}`;

export function recordVirtqueue(rec: TraceRecorder, o: SplitRecordingOptions): VirtqueueRecording<SplitQueueConfig>;
export function recordVirtqueue(rec: TraceRecorder, o: PackedRecordingOptions): VirtqueueRecording<PackedQueueConfig>;
export function recordVirtqueue(rec: TraceRecorder, o: SplitRecordingOptions | PackedRecordingOptions): VirtqueueRecording<SplitQueueConfig | PackedQueueConfig> {
  const queue = o.queue ?? 0;
  const ramAddress = o.ramAddress ?? 0;
  const areas = o.layout === 'split'
    ? { desc: hex(o.desc), avail: hex(o.avail), used: hex(o.used) }
    : { desc: hex(o.desc), driver_event: hex(o.driverEvent), device_event: hex(o.deviceEvent) };
  const setup: VirtioTraceSetup = {
    transport: 'virtio', layout: o.layout, size: o.size, queue,
    byte_order: o.layout === 'split' ? (o.byteOrder ?? 'little') : 'little',
    features: hex(o.features), ...areas,
    ...(o.deviceId === undefined ? {} : { device_id: o.deviceId }),
  };
  const iface = rec.addInterface(o.name ?? `virtio-${o.layout}/${o.size}`, setup);
  const region = rec.addRegion(iface, { kind: RWT_REGION_VIRTIO_RAM, name: 'ram', address: ramAddress, bytes: new Uint8Array(o.ram) });
  const mapping = (party: number, onNotify: NotifyHandler | undefined): GuestMemory =>
    new GuestMemory().map(ramAddress, rec.port(iface, region, party, new PlainRingPort(o.ram, 0, o.ram.byteLength, onNotify)));
  const driverMemory = mapping(RWT_PARTY_FRONT, o.onKick);
  const deviceMemory = mapping(RWT_PARTY_BACK, o.onInterrupt);
  const f = virtqFeatures(o.features);
  const common = { size: o.size, queueIndex: queue, eventIdx: f.eventIdx, indirect: f.indirect, inOrder: f.inOrder, notificationData: f.notificationData, ringReset: f.ringReset };
  const config = (memory: GuestMemory): SplitQueueConfig | PackedQueueConfig => o.layout === 'split'
    ? { ...common, memory, desc: o.desc, avail: o.avail, used: o.used, byteOrder: o.byteOrder ?? 'little' }
    : { ...common, memory, desc: o.desc, driverEvent: o.driverEvent, deviceEvent: o.deviceEvent };
  return { iface, region, setup, driverMemory, deviceMemory, driverConfig: config(driverMemory), deviceConfig: config(deviceMemory) };
}

/**
 * A new setup record for a queue already recorded: the driver configured it again (after a queue reset,
 * §2.6.1.2.2, with new geometry), so decoders and the checker take the queue's layout from here on. The
 * record carries `setup` as given; its RAM region and the parties' mappings stay as they were.
 */
export function recordQueueSetup(rec: TraceRecorder, iface: number, setup: VirtioTraceSetup): void {
  rec.writer.write(iface, { rec_type: RWT_SETUP, party: RWT_PARTY_NONE, body: encodeJson(setup) });
}

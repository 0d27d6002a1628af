/**
 * Virtqueue events from trace records: the transport decoder for interfaces whose setup says
 * `transport: 'virtio'`. It maps the replayed regions into a GuestMemory at their guest-physical addresses,
 * builds the queue's SplitRing or PackedRing over it (offsets from the protocol/ layouts, byte order from the
 * setup), and reads each publishing store the way the other end would:
 *
 * - split (virtio 1.2 §2.7): the driver's store to avail.idx makes the heads in the avail ring between the old
 *   and new index available, each chain walked by the device's own walker (chain-walker.ts) in its
 *   'not-checked' policy, indirect tables expanded; the device's store to used.idx returns the used elements
 *   between (with VIRTIO_F_IN_ORDER one element may stand for a batch, §2.7.9); stores to used_event,
 *   avail_event, avail.flags and used.flags are notification suppression (§2.7.7, §2.7.10);
 * - packed (§2.8): the driver's flags store at next_avail that makes a descriptor available for the driver
 *   wrap counter (§2.8.1) publishes the chain there (walked by packed-walker.ts); the device's flags store
 *   at next_used marking a descriptor used returns a buffer; stores to either event suppression structure
 *   (§2.8.10) are shown with off_wrap decoded;
 * - notify records are kicks (driver) and used-buffer interrupts (device), with the notification value
 *   decoded when present (§2.9); annotations are the driver/device operation that follows.
 *
 * Events name the parties as virtio does, driver and device; `party` stays the record's front/back. Every
 * other record (slot writes, barriers, regions, checkpoints) is left to the record-level events. A chain that
 * breaks a rule is one event carrying the walker's error code; the decoder keeps going. A buffer outside
 * every region is VIRTQ_ADDR_UNMAPPED when the trace declares guest RAM, and left unchecked when it declares
 * only the queue's areas. Other stores that break a rule carry its code too: an index moved back or too far
 * (*_IDX_BACKWARDS / *_IDX_JUMP), IN_ORDER ring order and use order, a split used entry standing for a batch
 * without VIRTIO_F_IN_ORDER, a kick's notification value (§2.9), a packed flags store that breaks a wrap
 * counter, an event offset outside the ring and RING_EVENT_FLAGS_DESC without EVENT_IDX (§2.8.10).
 */
import {
  RWT_ANNOTATION, RWT_NOTIFY, RWT_PARTY_BACK, RWT_PARTY_FRONT, RWT_SNAPSHOT, RWT_WRITE,
  RWT_REGION_VIRTIO_DESC, RWT_REGION_VIRTIO_DEVICE, RWT_REGION_VIRTIO_DRIVER, RWT_REGION_VIRTIO_RAM,
  type TraceSetup, type VirtioTraceSetup,
} from '../../protocol/trace/index.js';
import { PlainRingPort, type RingPort } from '../memory/ring-port.js';
import { layoutOf } from '../layout/compile.js';
import { GuestMemory } from '../virtio/guest-memory.js';
import { SplitRing } from '../virtio/split-ring.js';
import { PackedRing } from '../virtio/packed-ring.js';
import { DescChain } from '../virtio/chain.js';
import { walkSplitChain } from '../virtio/chain-walker.js';
import { walkPackedChain } from '../virtio/packed-walker.js';
import type { UnmappedBuffers } from '../virtio/desc-rules.js';
import { sharedIndexOffset } from '../virtio/shared-fields.js';
import { VirtqError } from '../virtio/errors.js';
import { idx16Add, idx16Sub } from '../virtio/index16.js';
import { checkRingOrder, idxBehind } from '../virtio/split-checks.js';
import { virtqFeatures } from '../virtio/features.js';
import { decodeNotificationData, notifiedAvailIdx, type NotificationData } from '../virtio/notification-data.js';
import {
  VRING_AVAIL_F_NO_INTERRUPT, VRING_USED_F_NO_NOTIFY, VRING_PACKED_EVENT_FLAG_DESC, VRING_PACKED_EVENT_FLAG_DISABLE,
  VRING_PACKED_EVENT_FLAG_ENABLE,
} from '../virtio/flags.js';
import type { TraceRecord } from './trace-record.js';
import type { AccessBody } from './bodies.js';
import { decodeAnnotation, decodeNotify } from './bodies.js';
import type { ReplayInterface } from './replayer.js';
import { partyWord, type TraceEvent, type TransportDecoderFactory, type TransportEventDecoder } from './event.js';
import { VirtioPayloadReader, type ChainBuffers, type Payload } from './virtio-payload.js';

/** The decoder factory decode-events.ts tries on every setup record. */
export const virtioEventDecoder: TransportDecoderFactory = (setup: TraceSetup) => {
  if (setup.transport !== 'virtio') return undefined;
  return setup.layout === 'packed' ? new PackedQueueEvents(setup) : new SplitQueueEvents(setup);
};

const virtioRegionKinds = new Set([RWT_REGION_VIRTIO_DESC, RWT_REGION_VIRTIO_DRIVER, RWT_REGION_VIRTIO_DEVICE, RWT_REGION_VIRTIO_RAM]);

/** A chain's buffers as the payload reader needs them, kept from the moment the chain was made available. */
function saveChain(c: DescChain): ChainBuffers {
  return {
    count: c.count, memory: c.memory, flags: c.flags.slice(0, c.count), len: c.len.slice(0, c.count),
    region: c.region.slice(0, c.count), regionOffset: c.regionOffset.slice(0, c.count),
  };
}

/** A 0x-hex setup string as a number (addresses lie below 2^53), or undefined. */
function hexNumber(s: string | undefined): number | undefined {
  if (s === undefined || !/^0x[0-9a-f]{1,16}$/i.test(s)) return undefined;
  const v = BigInt(s);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

function hexBig(s: string): bigint {
  return /^0x[0-9a-f]{1,16}$/i.test(s) ? BigInt(s) : 0n;
}

function who(party: number): string {
  return party === RWT_PARTY_FRONT ? 'driver' : party === RWT_PARTY_BACK ? 'device' : 'capture';
}

type EventBase = Pick<TraceEvent, 'seq' | 'iface' | 'party'>;

/** Half the 16-bit index space: an index less than this far ahead of another is after it. */
const RING_HALF = 0x8000;

/** What both layouts share: memory from the replayed regions, notify and annotation records, access dispatch. */
abstract class QueueEvents implements TransportEventDecoder {
  protected readonly setup: VirtioTraceSetup;
  protected readonly features: bigint;
  protected readonly payload: VirtioPayloadReader;
  /** The port over each replayed region (index = region number), undefined for regions not mapped. */
  protected ports: (RingPort | undefined)[] = [];
  #mapped = -1;
  protected ready = false;
  /**
   * What a walk does with a buffer outside every mapped region: a trace that declares guest RAM (a
   * virtio-ram region) declares all the memory buffers may use, so a descriptor outside it is
   * VIRTQ_ADDR_UNMAPPED (§2.7.5: addr is a guest-physical address); a trace recording only the queue's
   * areas leaves buffers unchecked.
   */
  protected unmapped: UnmappedBuffers = 'not-checked';

  constructor(setup: VirtioTraceSetup) {
    this.setup = setup;
    this.features = hexBig(setup.features);
    this.payload = new VirtioPayloadReader(setup.device_id, setup.queue, this.features, setup.byte_order === 'big' ? 'big' : 'little');
  }

  decode(r: TraceRecord, state: ReplayInterface, access: AccessBody | undefined): readonly TraceEvent[] {
    if (state.regions.length !== this.#mapped) this.#map(state);
    const base: EventBase = { seq: r.seq, iface: r.interface_id, party: partyWord(r.party) };
    switch (r.rec_type) {
      case RWT_NOTIFY: return [this.#notify(r, base)];
      case RWT_ANNOTATION: {
        const a = decodeAnnotation(r.body, r);
        const args = Object.entries(a).filter(([k]) => k !== 'op');
        const words = args.map(([k, v]) => `${k}=${String(v)}`).join(' ');
        return [{ ...base, kind: 'annotation', op: a.op, ...(args.length > 0 ? { args: Object.fromEntries(args) } : {}), text: `${who(r.party)} ${a.op}${words === '' ? '' : ` ${words}`}` }];
      }
      case RWT_WRITE: case RWT_SNAPSHOT: {
        if (!this.ready || access === undefined) return [];
        const port = this.ports[access.region];
        if (port === undefined) return [];
        return this.access(base, r.party, port, access.offset, access.bytes.length, r.rec_type === RWT_WRITE);
      }
      default: return [];
    }
  }

  /** Map every virtio region at its guest-physical address (overlapping ones are left out) and build the ring. */
  #map(state: ReplayInterface): void {
    this.#mapped = state.regions.length;
    this.unmapped = state.regions.some((g) => g.kind === RWT_REGION_VIRTIO_RAM) ? 'reject' : 'not-checked';
    const memory = new GuestMemory();
    this.ports = state.regions.map((g) => {
      if (!virtioRegionKinds.has(g.kind)) return undefined;
      const port = new PlainRingPort(g.bytes.buffer, g.bytes.byteOffset, g.bytes.byteLength);
      try {
        memory.map(g.address, port);
        return port;
      } catch (e) {
        if (e instanceof VirtqError) return undefined;
        throw e;
      }
    });
    try {
      this.ready = this.build(memory);
    } catch (e) {
      // The areas are not (yet) all in declared memory, or the setup's geometry is impossible.
      if (!(e instanceof VirtqError)) throw e;
      this.ready = false;
    }
  }

  #notify(r: TraceRecord, base: EventBase): TraceEvent {
    const n = decodeNotify(r.body, r);
    const kick = r.party === RWT_PARTY_FRONT;
    const head = kick ? `driver kicked queue ${n.channel}` : `device interrupted queue ${n.channel}`;
    if (n.data === undefined) return { ...base, kind: kick ? 'kick' : 'interrupt', queue: n.channel, text: head };
    const d = decodeNotificationData(n.data >>> 0);
    const detail = this.setup.layout === 'split' ? `avail idx ${notifiedAvailIdx(n.data)}` : `next_off ${d.next_off}, next_wrap ${d.next_wrap}`;
    const wrong = kick && this.ready ? this.#notificationDataError(d, n.data >>> 0) : undefined;
    return {
      ...base, kind: kick ? 'kick' : 'interrupt', queue: n.channel, vqn: d.vqn, next_off: d.next_off, next_wrap: d.next_wrap,
      ...(wrong === undefined ? {} : { error: wrong[0] }), text: `${head} (${detail})${wrong === undefined ? '' : `: ${wrong[1]}`}`,
    };
  }

  /**
   * A kick carrying a notification value (§2.9): only with VIRTIO_F_NOTIFICATION_DATA, naming this queue
   * (vqn), and where the next available entry goes as this view of the ring has it (noticeMismatch).
   */
  #notificationDataError(d: NotificationData, value: number): [string, string] | undefined {
    if (virtqFeatures(this.features).notificationData !== true) {
      return ['VIRTQ_FEATURE_NOT_NEGOTIATED', `the kick carries notification data 0x${value.toString(16)}, but VIRTIO_F_NOTIFICATION_DATA was not negotiated`];
    }
    if (d.vqn !== this.setup.queue) return ['VIRTQ_NOTIFICATION_DATA_MISMATCH', `the notification names queue ${d.vqn}, not ${this.setup.queue}`];
    const why = this.noticeMismatch(d, value);
    return why === undefined ? undefined : ['VIRTQ_NOTIFICATION_DATA_MISMATCH', why];
  }

  /** Why a notification value's next_off / next_wrap do not fit this queue as replayed, or undefined. */
  protected abstract noticeMismatch(d: NotificationData, value: number): string | undefined;

  /** Build the ring over `memory` and take the indices it holds; false when the setup lacks an area. */
  protected abstract build(memory: GuestMemory): boolean;
  protected abstract access(base: EventBase, party: number, port: RingPort, offset: number, length: number, isWrite: boolean): TraceEvent[];

  /** The entries of a walked chain: each descriptor's C members, indirect-table entries marked. */
  protected descs(c: DescChain, link: 'next' | 'id'): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (let k = 0; k < c.count; k++) {
      out.push({
        desc: c.index[k], addr: c.addrBig(k).toString(), len: c.len[k], flags: c.flags[k], [link]: c.next[k],
        ...(c.inTable[k] === 1 ? { indirect: true } : {}),
      });
    }
    return out;
  }

  /** `3 -> 4 -> 5`, or `3 [indirect 0 -> 1 -> 2]`. */
  protected chainText(c: DescChain): string {
    const ring: number[] = [];
    for (let k = 0; k < c.count; k++) if (c.inTable[k] !== 1) ring.push(c.index[k] as number);
    return `${ring.join(' -> ')}${this.tableText(c)}`;
  }

  /** ` [indirect 0 -> 1 -> 2]` for a chain through an indirect table, else empty. */
  protected tableText(c: DescChain): string {
    const table: number[] = [];
    for (let k = 0; k < c.count; k++) if (c.inTable[k] === 1) table.push(c.index[k] as number);
    return table.length > 0 ? ` [indirect ${table.join(' -> ')}]` : '';
  }

  /** Merged receive buffers still to come for the packet whose header said num_buffers (§5.1.6.4). */
  #rxLeft = 0;
  #rxOf = 0;

  /** Forget a packet in progress (the used ring was re-initialised). */
  protected resetRx(): void { this.#rxLeft = 0; }

  /** The device's header or status in a used chain; merged receive buffers after a packet's first are counted. */
  protected usedPayload(saved: ChainBuffers | undefined): [Record<string, unknown>, string] {
    if (this.#rxLeft > 0) {
      const n = this.#rxOf - this.#rxLeft + 1;
      this.#rxLeft--;
      return [{ merged_buffer: n }, `; merged rx buffer ${n} of ${this.#rxOf}`];
    }
    const p = saved === undefined ? undefined : this.payload.used(saved);
    if (p?.numBuffers !== undefined && p.numBuffers > 1) {
      this.#rxOf = p.numBuffers;
      this.#rxLeft = p.numBuffers - 1;
    }
    return QueueEvents.with(p);
  }

  /** One event for a chain whose walk failed: the walker's code and sentence. */
  protected broken(base: EventBase, e: unknown, fields: Record<string, unknown>, what: string): TraceEvent {
    if (!(e instanceof VirtqError)) throw e;
    return { ...base, kind: 'available', ...fields, error: e.code, text: `driver made ${what} available: ${e.code}: ${e.message}` };
  }

  /** Payload fields and text, or nothing. */
  protected static with(p: Payload | undefined): [Record<string, unknown>, string] {
    return p === undefined ? [{}, ''] : [p.fields, p.text];
  }
}

/**
 * A split index store that moved by more than the queue size (modulo 2^16): backwards by at most the queue
 * size it is *_IDX_BACKWARDS (the index was decremented, §2.7.6 / §2.7.8), any other move *_IDX_JUMP.
 */
function indexMove(base: EventBase, party: number, which: 'avail' | 'used', from: number, to: number, size: number): TraceEvent {
  const back = idxBehind(from, to, size);
  const area = which === 'avail' ? 'AVAIL' : 'USED';
  if (back !== 0) {
    return { ...base, kind: `${which}-idx`, idx: to, from, error: `VIRTQ_${area}_IDX_BACKWARDS`, text: `${who(party)} moved ${which}.idx back from ${from} to ${to}: ${back} ${back === 1 ? 'entry' : 'entries'}` };
  }
  const n = idx16Sub(to, from);
  return { ...base, kind: `${which}-idx`, idx: to, from, error: `VIRTQ_${area}_IDX_JUMP`, text: `${who(party)} moved ${which}.idx from ${from} to ${to}: ${n} entries, more than the queue's ${size}` };
}

// ---- split ---------------------------------------------------------------------------------------------

class SplitQueueEvents extends QueueEvents {
  #ring: SplitRing | undefined;
  #chain: DescChain | undefined;
  #availIdxAt = 0;
  #availFlagsAt = 0;
  #usedIdxAt = 0;
  #usedFlagsAt = 0;
  #usedEventAt = 0;
  #availEventAt = 0;
  /** The avail and used indices as last seen published. */
  #lastAvail = 0;
  #lastUsed = 0;
  readonly #inOrder: boolean;
  /** IN_ORDER: the descriptor the next chain must start at (ring order, §2.7.5). */
  #nextHead = 0;
  /** Per used ring slot: 1 when the device wrote it since used.idx last moved over it. */
  #usedWritten: Uint8Array = new Uint8Array(0);
  /** The chains made available, by head, for reading what the device wrote when it uses them. */
  readonly #saved = new Map<number, ChainBuffers>();
  constructor(setup: VirtioTraceSetup) {
    super(setup);
    this.#inOrder = virtqFeatures(this.features).inOrder === true;
  }

  protected build(memory: GuestMemory): boolean {
    const s = this.setup;
    const desc = hexNumber(s.desc);
    const avail = hexNumber(s.avail);
    const used = hexNumber(s.used);
    if (desc === undefined || avail === undefined || used === undefined) return false;
    const f = virtqFeatures(this.features);
    const byteOrder = s.byte_order === 'big' ? 'big' : 'little';
    // `legacy` relaxes the area alignment to the 2 bytes index access needs: a decoder shows what a
    // misplaced queue did rather than refusing it (the dumps judge alignment).
    const ring = new SplitRing({ memory, size: s.size, desc, avail, used, byteOrder, eventIdx: f.eventIdx, indirect: f.indirect, queueIndex: s.queue, legacy: true });
    this.#ring = ring;
    this.#chain = new DescChain(ring.size + ring.maxIndirect + 1, memory);
    const availL = layoutOf('vring_avail', { byteOrder });
    const usedL = layoutOf('vring_used', { byteOrder });
    this.#availIdxAt = ring.availBase + sharedIndexOffset(availL, 'idx');
    this.#availFlagsAt = ring.availBase + sharedIndexOffset(availL, 'flags');
    this.#usedIdxAt = ring.usedBase + sharedIndexOffset(usedL, 'idx');
    this.#usedFlagsAt = ring.usedBase + sharedIndexOffset(usedL, 'flags');
    // vring_used_event() / vring_avail_event(): the __virtio16 after each ring (present with EVENT_IDX).
    // Without EVENT_IDX the words lie just past the areas; a store there is still shown (as a party acting on
    // event indices that were not negotiated), where the driver's RAM holds them.
    const usedEvent = ring.availBase + ring.areas.usedEvent;
    const availEvent = ring.usedBase + ring.areas.availEvent;
    this.#usedEventAt = f.eventIdx || !this.#inArea(ring, ring.availPort, usedEvent) ? usedEvent : -1;
    this.#availEventAt = f.eventIdx || !this.#inArea(ring, ring.usedPort, availEvent) ? availEvent : -1;
    this.#lastAvail = ring.availIdx();
    this.#lastUsed = ring.usedIdx();
    // No slot ahead of used.idx has been written yet as far as this view knows: the device writes an element before it publishes it.
    this.#usedWritten = new Uint8Array(ring.size);
    return true;
  }

  /** Note the used ring slots a write or snapshot covers: they hold what the device put there. */
  #markUsedWritten(port: RingPort, offset: number, length: number): void {
    const r = this.#ring as SplitRing;
    if (port !== r.usedPort) return;
    const ring = r.usedBase + r.areas.usedRing;
    const first = Math.max(0, Math.floor((offset - ring) / r.areas.usedStride));
    const end = Math.min(r.size, Math.ceil((offset + length - ring) / r.areas.usedStride));
    for (let slot = first; slot < end; slot++) this.#usedWritten[slot] = 1;
  }

  /** Whether the word at (port, offset) lies in one of the queue's three areas (so it is not a free event word). */
  #inArea(r: SplitRing, port: RingPort, offset: number): boolean {
    const within = (p: RingPort, base: number, size: number): boolean => p === port && offset + 2 > base && offset < base + size;
    return within(r.descPort, r.descBase, r.areas.descSize) || within(r.availPort, r.availBase, r.areas.availSize) || within(r.usedPort, r.usedBase, r.areas.usedSize);
  }

  protected access(base: EventBase, party: number, port: RingPort, offset: number, length: number, isWrite: boolean): TraceEvent[] {
    const r = this.#ring as SplitRing;
    const store = isWrite && length === 2;
    const at = (p: RingPort, word: number): boolean => p === port && store && offset === word;
    const covers = (p: RingPort, word: number): boolean => p === port && offset <= word && word + 2 <= offset + length;
    if (at(r.availPort, this.#availIdxAt)) return this.#available(base, party);
    if (at(r.usedPort, this.#usedIdxAt)) return this.#used(base, party);
    if (at(r.availPort, this.#availFlagsAt)) return [this.#flags(base, party, 'avail', r.availFlags(), VRING_AVAIL_F_NO_INTERRUPT, 'VRING_AVAIL_F_NO_INTERRUPT')];
    if (at(r.usedPort, this.#usedFlagsAt)) return [this.#flags(base, party, 'used', r.usedFlags(), VRING_USED_F_NO_NOTIFY, 'VRING_USED_F_NO_NOTIFY')];
    if (at(r.availPort, this.#usedEventAt)) return [{ ...base, kind: 'used-event', used_event: port.view.getUint16(offset, r.le), text: `${who(party)} set used_event ${port.view.getUint16(offset, r.le)}` }];
    if (at(r.usedPort, this.#availEventAt)) return [{ ...base, kind: 'avail-event', avail_event: port.view.getUint16(offset, r.le), text: `${who(party)} set avail_event ${port.view.getUint16(offset, r.le)}` }];
    this.#markUsedWritten(port, offset, length);
    // A larger write or a snapshot over an index (a ring re-initialised, a captured state): follow it silently.
    if (covers(r.availPort, this.#availIdxAt)) {
      this.#lastAvail = r.availIdx();
      if (this.#lastAvail === 0) this.#nextHead = 0; // a queue re-initialised starts again at descriptor 0
    }
    if (covers(r.usedPort, this.#usedIdxAt)) { this.#lastUsed = r.usedIdx(); this.resetRx(); }
    return [];
  }

  /** Split (§2.9): next_off | next_wrap << 15 is the avail idx the driver published; an index ahead of it names entries not there. */
  protected noticeMismatch(_d: NotificationData, value: number): string | undefined {
    const announced = notifiedAvailIdx(value);
    const ahead = idx16Sub(announced, this.#lastAvail);
    return ahead !== 0 && ahead < RING_HALF ? `it announces avail idx ${announced}, ahead of the avail.idx ${this.#lastAvail} published` : undefined;
  }

  #flags(base: EventBase, party: number, area: 'avail' | 'used', flags: number, bit: number, name: string): TraceEvent {
    const words = (flags & bit) !== 0 ? ` (${name})` : '';
    return { ...base, kind: `${area}-flags`, flags, text: `${who(party)} set ${area}.flags 0x${flags.toString(16)}${words}` };
  }

  /** avail.idx moved: one event per head between the old and the new index (§2.7.13). */
  #available(base: EventBase, party: number): TraceEvent[] {
    const r = this.#ring as SplitRing;
    const c = this.#chain as DescChain;
    const newIdx = r.availIdx();
    const n = idx16Sub(newIdx, this.#lastAvail);
    const old = this.#lastAvail;
    this.#lastAvail = newIdx;
    if (n > r.size) return [indexMove(base, party, 'avail', old, newIdx, r.size)];
    const events: TraceEvent[] = [];
    for (let k = 0; k < n; k++) {
      const idx = idx16Add(old, k);
      const head = r.availRing(idx & (r.size - 1));
      try {
        walkSplitChain(r, head, c, this.unmapped);
        if (this.#inOrder) this.#nextHead = checkRingOrder(c, head, this.#nextHead, r.size, idx);
      } catch (e) {
        this.#saved.delete(head);
        events.push(this.broken(base, e, { idx, head, descs: this.descs(c, 'next') }, `head ${head}`));
        continue;
      }
      this.#saved.set(head, saveChain(c));
      const [fields, text] = QueueEvents.with(this.payload.available(c));
      events.push({ ...base, kind: 'available', idx, head, descs: this.descs(c, 'next'), ...fields, text: `${who(party)} made head ${head} available: desc ${this.chainText(c)}${text}` });
    }
    return events;
  }

  /** used.idx moved: one event per used element between the old and the new index (§2.7.8, §2.7.9). */
  #used(base: EventBase, party: number): TraceEvent[] {
    const r = this.#ring as SplitRing;
    const newIdx = r.usedIdx();
    let left = idx16Sub(newIdx, this.#lastUsed);
    let idx = this.#lastUsed;
    this.#lastUsed = newIdx;
    if (left > r.size) return [indexMove(base, party, 'used', idx, newIdx, r.size)];
    const mask = r.size - 1;
    const events: TraceEvent[] = [];
    while (left > 0) {
      const slot = idx & mask;
      const id = r.usedElemIdAt(slot);
      const len = r.usedElemLenAt(slot);
      // IN_ORDER: the element names the last buffer of a batch that starts at this position (§2.7.9).
      let k = 0;
      let outOfOrder = false;
      let unnegotiated = false;
      if (this.#inOrder) {
        while (k < left && r.availRing((idx + k) & mask) !== id) k++;
        // §6.2: a head beyond the entries used.idx moved over was used before buffers made available ahead of it.
        if (k === left) { k = 0; outOfOrder = true; }
      } else {
        // Without IN_ORDER every entry used.idx moves over is one the device wrote. An entry followed by entries
        // it did not write, naming the head made available at the last of them, is a §2.7.9 batch.
        let j = 1;
        while (j < left && this.#usedWritten[(idx + j) & mask] === 0) j++;
        if (j > 1 && r.availRing((idx + j - 1) & mask) === id) { k = j - 1; unnegotiated = true; }
      }
      this.#usedWritten[slot] = 0;
      const batch: number[] = [];
      for (let j = 0; j <= k; j++) batch.push(r.availRing((idx + j) & mask));
      const [fields, text] = this.usedPayload(this.#saved.get(id));
      const batchText = k > 0 ? ` for a batch of ${k + 1} (heads ${batch.join(', ')})` : '';
      if (outOfOrder) {
        const first = r.availRing(idx & mask);
        events.push({ ...base, kind: 'used', idx, id, len, error: 'VIRTQ_IN_ORDER_VIOLATION', expected_id: first, text: `${who(party)} used head ${id} len ${len} at used.ring[${idx & mask}], but with VIRTIO_F_IN_ORDER that entry stands for a batch starting at head ${first} and head ${id} is not among the ${left === 1 ? 'one entry' : `${left} entries`} used.idx moved over` });
        for (const h of batch) this.#saved.delete(h);
        idx = idx16Add(idx, 1);
        left -= 1;
        continue;
      }
      const notNegotiated = unnegotiated ? { error: 'VIRTQ_FEATURE_NOT_NEGOTIATED' } : {};
      const why = unnegotiated ? ', batched as VIRTIO_F_IN_ORDER allows, but the feature was not negotiated' : '';
      events.push({ ...base, kind: 'used', idx, id, len, ...(k > 0 ? { batch } : {}), ...notNegotiated, ...fields, text: `${who(party)} used head ${id} len ${len}${batchText}${why}${text}` });
      for (let j = 1; j <= k; j++) this.#usedWritten[(idx + j) & mask] = 0;
      for (const h of batch) this.#saved.delete(h);
      idx = idx16Add(idx, k + 1);
      left -= k + 1;
    }
    return events;
  }

}

// ---- packed --------------------------------------------------------------------------------------------

const eventFlagWords = new Map([
  [VRING_PACKED_EVENT_FLAG_ENABLE, 'ENABLE'], [VRING_PACKED_EVENT_FLAG_DISABLE, 'DISABLE'], [VRING_PACKED_EVENT_FLAG_DESC, 'DESC'],
]);

class PackedQueueEvents extends QueueEvents {
  #ring: PackedRing | undefined;
  #chain: DescChain | undefined;
  /** The device's view of the driver ring (§2.8.1): next position to check and the driver wrap counter. */
  #nextAvail = 0;
  #availWrap = 1;
  /** The driver's view of the device ring: next used position and the device wrap counter. */
  #nextUsed = 0;
  #usedWrap = 1;
  #idCount: Uint16Array = new Uint16Array(0);
  readonly #saved = new Map<number, ChainBuffers>();
  /** IN_ORDER: buffer ids in the order made available (a used descriptor may stand for a batch, §2.8.8). */
  readonly #order: number[] = [];
  readonly #inOrder: boolean;
  #offWrapAt = 0;
  #evFlagsAt = 0;

  constructor(setup: VirtioTraceSetup) {
    super(setup);
    this.#inOrder = virtqFeatures(this.features).inOrder === true;
  }

  protected build(memory: GuestMemory): boolean {
    const s = this.setup;
    const desc = hexNumber(s.desc);
    const driverEvent = hexNumber(s.driver_event);
    const deviceEvent = hexNumber(s.device_event);
    if (desc === undefined || driverEvent === undefined || deviceEvent === undefined) return false;
    const f = virtqFeatures(this.features);
    const ring = new PackedRing({ memory, size: s.size, desc, driverEvent, deviceEvent, eventIdx: f.eventIdx, indirect: f.indirect, queueIndex: s.queue });
    this.#ring = ring;
    this.#chain = new DescChain(ring.size + ring.maxIndirect + 1, memory);
    this.#idCount = new Uint16Array(ring.size);
    const e = layoutOf('vring_packed_desc_event');
    this.#offWrapAt = sharedIndexOffset(e, 'off_wrap');
    this.#evFlagsAt = sharedIndexOffset(e, 'flags');
    return true;
  }

  protected access(base: EventBase, party: number, port: RingPort, offset: number, length: number, isWrite: boolean): TraceEvent[] {
    const r = this.#ring as PackedRing;
    const store = isWrite && length === 2;
    const ringBytes = r.size * r.stride;
    if (port === r.descPort && offset >= r.descBase && offset < r.descBase + ringBytes) {
      const rel = offset - r.descBase;
      if (store && rel % r.stride === r.flagsOff) {
        const pos = (rel - r.flagsOff) / r.stride;
        const flags = r.descFlags(pos);
        if (party === RWT_PARTY_FRONT && pos === this.#nextAvail) {
          if (PackedRing.isAvail(flags, this.#availWrap)) return [this.#available(base, party)];
          // Available bits for the other pass at next_avail: the driver's wrap counter flipped at the wrong place.
          if (PackedRing.isAvail(flags, this.#availWrap ^ 1)) return [this.#wrapMisuse(base, party, pos, flags, 'available', this.#availWrap)];
        }
        if (party === RWT_PARTY_BACK && pos === this.#nextUsed) {
          if (PackedRing.isUsed(flags, this.#usedWrap)) return [this.#used(base, party)];
          // §2.8.1: a used descriptor has AVAIL and USED both equal to the device wrap counter; anything else
          // the device stores into the flags at next_used hands back nothing the driver can recognise.
          return [this.#wrapMisuse(base, party, pos, flags, 'used', this.#usedWrap)];
        }
      } else if (rel === 0 && offset + length >= r.descBase + ringBytes) {
        // The whole ring rewritten (virtqueue_reinit_packed zeroes it): a new queue, wrap counters 1 (§2.8.1).
        this.#nextAvail = 0; this.#availWrap = 1; this.#nextUsed = 0; this.#usedWrap = 1;
        this.#order.length = 0; this.#saved.clear(); this.resetRx();
      }
      return [];
    }
    if (!store) return [];
    if (port === r.driverEventPort && offset === r.driverEventBase + this.#offWrapAt) return [this.#offWrap(base, party, 'driver', r.driverEventOffWrap())];
    if (port === r.driverEventPort && offset === r.driverEventBase + this.#evFlagsAt) return [this.#eventFlags(base, party, 'driver', r.driverEventFlags())];
    if (port === r.deviceEventPort && offset === r.deviceEventBase + this.#offWrapAt) return [this.#offWrap(base, party, 'device', r.deviceEventOffWrap())];
    if (port === r.deviceEventPort && offset === r.deviceEventBase + this.#evFlagsAt) return [this.#eventFlags(base, party, 'device', r.deviceEventFlags())];
    return [];
  }

  /**
   * Packed (§2.8.16): "When notifying the device, driver MUST set next_off and next_wrap to match the next
   * descriptor not yet made available to the device" — an offset within the ring, and this view's next_avail.
   */
  protected noticeMismatch(d: NotificationData): string | undefined {
    const r = this.#ring as PackedRing;
    if (d.next_off >= r.size) return `next_off ${d.next_off} is outside the ${r.size}-entry descriptor ring`;
    if (d.next_off !== this.#nextAvail || d.next_wrap !== this.#availWrap) {
      return `next_off ${d.next_off}, next_wrap ${d.next_wrap} do not name the next descriptor to be made available (${this.#nextAvail}, wrap ${this.#availWrap})`;
    }
    return undefined;
  }

  #offWrap(base: EventBase, party: number, which: 'driver' | 'device', offWrap: number): TraceEvent {
    const off = PackedRing.offWrapOffset(offWrap);
    const wrap = PackedRing.offWrapCounter(offWrap);
    const size = (this.#ring as PackedRing).size;
    // §2.8.10: "Descriptor Ring Change Event Offset ... offset within the ring (in units of descriptor size)".
    const bad = off >= size ? { error: 'VIRTQ_EVENT_OFFSET_OUT_OF_RANGE' } : {};
    const why = off >= size ? `: offset ${off} is outside the ring of ${size}` : '';
    return { ...base, kind: `${which}-event`, off_wrap: offWrap, ...bad, text: `${who(party)} set ${which} event off_wrap ${off} wrap ${wrap}${why}` };
  }

  #eventFlags(base: EventBase, party: number, which: 'driver' | 'device', flags: number): TraceEvent {
    // §2.8.10: RING_EVENT_FLAGS_DESC is "Only valid if VIRTIO_F_RING_EVENT_IDX has been negotiated".
    const bad = flags === VRING_PACKED_EVENT_FLAG_DESC && virtqFeatures(this.features).eventIdx !== true;
    return {
      ...base, kind: `${which}-event`, flags, ...(bad ? { error: 'VIRTQ_EVENT_IDX_NOT_NEGOTIATED' } : {}),
      text: `${who(party)} set ${which} event flags ${eventFlagWords.get(flags) ?? `0x${flags.toString(16)}`}${bad ? ' without VIRTIO_RING_F_EVENT_IDX' : ''}`,
    };
  }

  /** A flags store at next_avail (driver) or next_used (device) whose AVAIL/USED bits break the wrap counter (§2.8.1). */
  #wrapMisuse(base: EventBase, party: number, pos: number, flags: number, what: 'available' | 'used', wrap: number): TraceEvent {
    const counter = what === 'available' ? 'avail_wrap_counter' : 'used_wrap_counter';
    return {
      ...base, kind: 'wrap-misuse', head: pos, flags, [counter]: wrap, error: 'VIRTQ_PACKED_WRAP_MISUSE',
      text: `${who(party)} stored flags 0x${flags.toString(16)} at ${what === 'available' ? 'next_avail' : 'next_used'} ${pos}, which do not mark it ${what} for ${what === 'available' ? 'driver' : 'device'} wrap counter ${wrap}`,
    };
  }

  /** The head of a chain became available at next_avail: walk it, then move past it (§2.8.6, §2.8.21). */
  #available(base: EventBase, party: number): TraceEvent {
    const r = this.#ring as PackedRing;
    const c = this.#chain as DescChain;
    const head = this.#nextAvail;
    const wrap = this.#availWrap;
    try {
      walkPackedChain(r, head, wrap, c, this.unmapped);
    } catch (e) {
      // The device would stop here; so does this view of the ring.
      return this.broken(base, e, { head, avail_wrap_counter: wrap, descs: this.descs(c, 'id') }, `the chain at ${head}`);
    }
    const id = c.id;
    this.#idCount[id] = c.ringCount;
    this.#saved.set(id, saveChain(c));
    if (this.#inOrder) this.#order.push(id);
    const last = (head + c.ringCount - 1) % r.size;
    this.#nextAvail = head + c.ringCount;
    if (this.#nextAvail >= r.size) { this.#nextAvail -= r.size; this.#availWrap ^= 1; }
    const table = this.tableText(c);
    const flip = this.#availWrap !== wrap ? `; driver wrap counter now ${this.#availWrap}` : '';
    const [fields, text] = QueueEvents.with(this.payload.available(c));
    return {
      ...base, kind: 'available', id, head, avail_wrap_counter: wrap, descs: this.descs(c, 'id'), ...fields,
      text: `${who(party)} made buffer id ${id} available at ${head === last ? `${head}` : `${head}..${last}`}${table}${text}${flip}`,
    };
  }

  /** A used descriptor at next_used: its buffer comes back and the driver skips the buffer's descriptors (§2.8.22). */
  #used(base: EventBase, party: number): TraceEvent {
    const r = this.#ring as PackedRing;
    const pos = this.#nextUsed;
    const wrap = this.#usedWrap;
    const at = r.descBase + pos * r.stride;
    const id = r.descPort.view.getUint16(at + r.idOff, true);
    const len = r.descPort.view.getUint32(at + r.lenOff, true);
    let skip = id < r.size ? (this.#idCount[id] as number) : 0;
    const batch: number[] = [];
    if (this.#inOrder && this.#order.includes(id)) {
      skip = 0;
      for (;;) {
        const b = this.#order.shift() as number;
        batch.push(b);
        skip += this.#idCount[b] as number;
        if (b === id) break;
      }
    }
    this.#nextUsed += Math.max(skip, 1);
    while (this.#nextUsed >= r.size) { this.#nextUsed -= r.size; this.#usedWrap ^= 1; }
    const [fields, text] = this.usedPayload(this.#saved.get(id));
    for (const b of batch) this.#saved.delete(b);
    this.#saved.delete(id);
    const batchText = batch.length > 1 ? ` for a batch of ${batch.length} (ids ${batch.join(', ')})` : '';
    const flip = this.#usedWrap !== wrap ? `; device wrap counter now ${this.#usedWrap}` : '';
    return {
      ...base, kind: 'used', id, len, head: pos, used_wrap_counter: wrap, ...(batch.length > 1 ? { batch } : {}), ...fields,
      text: `${who(party)} used buffer id ${id} len ${len}${batchText}${text}${flip}`,
    };
  }

}

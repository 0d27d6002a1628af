/**
 * Encoding and decoding of record bodies (formats in protocol/trace/bodies.ts, offsets from layouts.ts).
 * Decoders check every length against the body before reading and throw TraceError TRACE_BAD_RECORD naming
 * the record's packet number and the file offset; the binary decoders fill a caller's reusable object, so a
 * reader of millions of write records allocates nothing per record.
 */
import { RWT_NOTIFY_F_DATA, type TraceAnnotation, type TraceConfig, type TraceSetup } from '../../protocol/trace/index.js';
import { ACCESS, BARRIER, CHECKPOINT_ENTRY, LOST, NOTIFY, REGION } from './layouts.js';
import { TraceError } from './errors.js';

/** Where a body came from, for error messages: the record's packet number and the file offset of its block. */
export interface BodySource {
  readonly packet: number;
  readonly offset: number;
}

const NOWHERE: BodySource = { packet: 0, offset: 0 };

function bad(src: BodySource, what: string, message: string): TraceError {
  return new TraceError('TRACE_BAD_RECORD', `${what} body: ${message}`, { offset: src.offset, record: src.packet, path: what });
}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(view: DataView, at: number, src: BodySource, what: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(src, what, `a 64-bit value ${v} is above 2^53 - 1`);
  return Number(v);
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

// ---- region ----------------------------------------------------------------------------------------------

export interface RegionBody {
  region: number;
  kind: number;
  name: string;
  /** Guest-physical address, grant reference, or 0 (exact up to 2^53). */
  address: number;
  length: number;
  /** The initial bytes (`length` of them), or an empty array when the region starts zeroed. */
  initial: Uint8Array;
}

export function encodeRegion(r: Omit<RegionBody, 'initial'> & { readonly initial?: Uint8Array }): Uint8Array {
  const name = utf8.encode(r.name);
  const initial = r.initial ?? new Uint8Array(0);
  const out = new Uint8Array(REGION.sizeof + name.length + initial.length);
  const v = dv(out);
  v.setUint32(REGION.region.offset, r.region, true);
  v.setUint16(REGION.kind.offset, r.kind, true);
  v.setUint16(REGION.name_len.offset, name.length, true);
  v.setBigUint64(REGION.address.offset, BigInt(r.address), true);
  v.setBigUint64(REGION.length.offset, BigInt(r.length), true);
  out.set(name, REGION.sizeof);
  out.set(initial, REGION.sizeof + name.length);
  return out;
}

export function decodeRegion(body: Uint8Array, src: BodySource = NOWHERE): RegionBody {
  if (body.length < REGION.sizeof) throw bad(src, 'region', `${body.length} bytes, shorter than its ${REGION.sizeof}-byte fixed part`);
  const v = dv(body);
  const nameLen = v.getUint16(REGION.name_len.offset, true);
  const length = u64(v, REGION.length.offset, src, 'region');
  const rest = body.length - REGION.sizeof - nameLen;
  if (rest < 0) throw bad(src, 'region', `name_len ${nameLen} runs past the body`);
  if (rest !== 0 && rest !== length) throw bad(src, 'region', `${rest} initial bytes for a region of ${length} (expected ${length} or none)`);
  let name: string;
  try {
    name = utf8Decoder.decode(body.subarray(REGION.sizeof, REGION.sizeof + nameLen));
  } catch {
    throw bad(src, 'region', 'the name is not UTF-8');
  }
  return {
    region: v.getUint32(REGION.region.offset, true), kind: v.getUint16(REGION.kind.offset, true), name,
    address: u64(v, REGION.address.offset, src, 'region'), length,
    initial: body.subarray(REGION.sizeof + nameLen),
  };
}

// ---- write / read / snapshot -------------------------------------------------------------------------------

/** A write, read or snapshot body; `bytes` is a view of the record's body. */
export class AccessBody {
  region = 0;
  offset = 0;
  bytes: Uint8Array = new Uint8Array(0);
}

/** Write an access body's fixed part into `out` (the `size` bytes follow at ACCESS.sizeof). */
export function writeAccessHeader(out: DataView, region: number, offset: number, size: number): void {
  out.setUint32(ACCESS.region.offset, region, true);
  out.setUint32(ACCESS.size.offset, size, true);
  out.setBigUint64(ACCESS.offset.offset, BigInt(offset), true);
}

export function decodeAccess(body: Uint8Array, into: AccessBody = new AccessBody(), src: BodySource = NOWHERE, what = 'write'): AccessBody {
  if (body.length < ACCESS.sizeof) throw bad(src, what, `${body.length} bytes, shorter than its ${ACCESS.sizeof}-byte fixed part`);
  const v = dv(body);
  const size = v.getUint32(ACCESS.size.offset, true);
  if (size !== body.length - ACCESS.sizeof) throw bad(src, what, `size ${size}, but ${body.length - ACCESS.sizeof} bytes follow`);
  into.region = v.getUint32(ACCESS.region.offset, true);
  into.offset = u64(v, ACCESS.offset.offset, src, what);
  into.bytes = body.subarray(ACCESS.sizeof);
  return into;
}

// ---- barrier, notify, lost ---------------------------------------------------------------------------------

export function encodeBarrier(kind: number): Uint8Array {
  const out = new Uint8Array(BARRIER.sizeof);
  dv(out).setUint32(BARRIER.kind.offset, kind, true);
  return out;
}

export function decodeBarrier(body: Uint8Array, src: BodySource = NOWHERE): number {
  if (body.length !== BARRIER.sizeof) throw bad(src, 'barrier', `${body.length} bytes, not ${BARRIER.sizeof}`);
  return dv(body).getUint32(BARRIER.kind.offset, true);
}

export interface NotifyBody {
  channel: number;
  /** The notification value (VIRTIO_F_NOTIFICATION_DATA), when the record carries one. */
  data: number | undefined;
}

export function writeNotify(out: DataView, channel: number, data: number | undefined): void {
  out.setUint32(NOTIFY.channel.offset, channel >>> 0, true);
  out.setUint32(NOTIFY.flags.offset, data === undefined ? 0 : RWT_NOTIFY_F_DATA, true);
  out.setUint32(NOTIFY.data.offset, data === undefined ? 0 : data >>> 0, true);
  out.setUint32(NOTIFY.reserved.offset, 0, true);
}

export function decodeNotify(body: Uint8Array, src: BodySource = NOWHERE): NotifyBody {
  if (body.length !== NOTIFY.sizeof) throw bad(src, 'notify', `${body.length} bytes, not ${NOTIFY.sizeof}`);
  const v = dv(body);
  const flags = v.getUint32(NOTIFY.flags.offset, true);
  return { channel: v.getUint32(NOTIFY.channel.offset, true), data: (flags & RWT_NOTIFY_F_DATA) !== 0 ? v.getUint32(NOTIFY.data.offset, true) : undefined };
}

export function encodeLost(count: number): Uint8Array {
  const out = new Uint8Array(LOST.sizeof);
  dv(out).setBigUint64(LOST.count.offset, BigInt(count), true);
  return out;
}

export function decodeLost(body: Uint8Array, src: BodySource = NOWHERE): number {
  if (body.length !== LOST.sizeof) throw bad(src, 'lost', `${body.length} bytes, not ${LOST.sizeof}`);
  return u64(dv(body), LOST.count.offset, src, 'lost');
}

// ---- checkpoint --------------------------------------------------------------------------------------------

export interface CheckpointEntry {
  readonly region: number;
  readonly sha256: Uint8Array;
}

export function encodeCheckpoint(entries: readonly CheckpointEntry[]): Uint8Array {
  const out = new Uint8Array(entries.length * CHECKPOINT_ENTRY.sizeof);
  const v = dv(out);
  entries.forEach((e, k) => {
    const at = k * CHECKPOINT_ENTRY.sizeof;
    v.setUint32(at + CHECKPOINT_ENTRY.region.offset, e.region, true);
    out.set(e.sha256, at + CHECKPOINT_ENTRY.sha256.offset);
  });
  return out;
}

export function decodeCheckpoint(body: Uint8Array, src: BodySource = NOWHERE): CheckpointEntry[] {
  if (body.length % CHECKPOINT_ENTRY.sizeof !== 0) throw bad(src, 'checkpoint', `${body.length} bytes, not a multiple of ${CHECKPOINT_ENTRY.sizeof}`);
  const v = dv(body);
  const out: CheckpointEntry[] = [];
  for (let at = 0; at < body.length; at += CHECKPOINT_ENTRY.sizeof) {
    const h = CHECKPOINT_ENTRY.sha256;
    out.push({ region: v.getUint32(at + CHECKPOINT_ENTRY.region.offset, true), sha256: body.subarray(at + h.offset, at + h.offset + h.size) });
  }
  return out;
}

// ---- JSON bodies: setup, config, annotation ----------------------------------------------------------------

export function encodeJson(value: TraceSetup | TraceConfig | TraceAnnotation): Uint8Array {
  return utf8.encode(JSON.stringify(value));
}

function decodeJson(body: Uint8Array, src: BodySource, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(utf8Decoder.decode(body));
  } catch {
    throw bad(src, what, 'not a UTF-8 JSON object');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(src, what, 'not a JSON object');
  return v as Record<string, unknown>;
}

export function decodeSetup(body: Uint8Array, src: BodySource = NOWHERE): TraceSetup {
  const v = decodeJson(body, src, 'setup');
  if (v['transport'] === 'xen') {
    if (typeof v['ring'] !== 'string' || typeof v['abi'] !== 'string' || !Number.isInteger(v['order']) || !Array.isArray(v['grefs']) || !Number.isInteger(v['evtchn'])) {
      throw bad(src, 'setup', 'a xen setup needs ring, abi, order, grefs and evtchn');
    }
  } else if (v['transport'] === 'virtio') {
    if ((v['layout'] !== 'split' && v['layout'] !== 'packed') || !Number.isInteger(v['size']) || !Number.isInteger(v['queue'])
      || (v['byte_order'] !== 'little' && v['byte_order'] !== 'big') || typeof v['features'] !== 'string' || typeof v['desc'] !== 'string') {
      throw bad(src, 'setup', 'a virtio setup needs layout, size, queue, byte_order, features and desc');
    }
  } else {
    throw bad(src, 'setup', `unknown transport ${JSON.stringify(v['transport'])}`);
  }
  return v as unknown as TraceSetup;
}

export function decodeConfig(body: Uint8Array, src: BodySource = NOWHERE): TraceConfig {
  return decodeJson(body, src, 'config') as unknown as TraceConfig;
}

export function decodeAnnotation(body: Uint8Array, src: BodySource = NOWHERE): TraceAnnotation {
  const v = decodeJson(body, src, 'annotation');
  if (typeof v['op'] !== 'string') throw bad(src, 'annotation', 'no "op"');
  return v as TraceAnnotation;
}

/**
 * What a virtqueue chain's buffers say, for the two device types a trace's setup may name (`device_id`,
 * virtio 1.2 §5): a block request's virtio_blk_outhdr and status byte (§5.2.6), a network packet's
 * virtio_net_hdr_v1 (§5.1.6) — num_buffers on a receive queue with merged buffers. Read from the replayed
 * memory through the chain a walker filled; every struct is decoded by its protocol/ declaration, in the
 * queue's byte order. Buffers the walk could not place in memory are skipped, never read.
 */
import { codecFor, type StructCodec } from '../codec/codec.js';
import { toJSONValue } from '../codec/decode.js';
import { virtioConstant } from '../virtio/virtio-constants.js';
import { BUFFER_NOT_CHECKED } from '../virtio/desc-rules.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_WRITE } from '../virtio/flags.js';
import type { DescChain } from '../virtio/chain.js';
import type { VirtioByteOrder } from '../layout/layout.js';

/** linux/virtio_ids.h VIRTIO_ID_NET / VIRTIO_ID_BLOCK (virtio 1.2 §5 Device Types). */
export const VIRTIO_ID_NET = virtioConstant('VIRTIO_ID_NET');
export const VIRTIO_ID_BLOCK = virtioConstant('VIRTIO_ID_BLOCK');
/** linux/virtio_net.h: the device merges receive buffers (num_buffers in the header). */
export const VIRTIO_NET_F_MRG_RXBUF = virtioConstant('VIRTIO_NET_F_MRG_RXBUF');
const VIRTIO_F_VERSION_1 = virtioConstant('VIRTIO_F_VERSION_1');

/** The parts of a walked chain the reader needs (a DescChain, or a copy kept since the walk). */
export type ChainBuffers = Pick<DescChain, 'count' | 'flags' | 'len' | 'region' | 'regionOffset' | 'memory'>;

/** Fields to add to an event (under the struct's C name) and the words to add to its text. */
export interface Payload {
  readonly fields: Record<string, unknown>;
  readonly text: string;
  /** A receive packet's num_buffers (merged rx buffers), when the header has one. */
  readonly numBuffers?: number;
}

const blkTypes = new Map(['VIRTIO_BLK_T_IN', 'VIRTIO_BLK_T_OUT', 'VIRTIO_BLK_T_FLUSH', 'VIRTIO_BLK_T_GET_ID', 'VIRTIO_BLK_T_DISCARD', 'VIRTIO_BLK_T_WRITE_ZEROES', 'VIRTIO_BLK_T_SECURE_ERASE']
  .map((n) => [virtioConstant(n), n.slice('VIRTIO_BLK_T_'.length)]));
const blkStatus = new Map(['VIRTIO_BLK_S_OK', 'VIRTIO_BLK_S_IOERR', 'VIRTIO_BLK_S_UNSUPP'].map((n) => [virtioConstant(n), n.slice('VIRTIO_BLK_S_'.length)]));

/** Reads the device headers of chains on one queue. */
export class VirtioPayloadReader {
  readonly #device: number;
  readonly #rx: boolean;
  readonly #outhdr: StructCodec;
  readonly #netHdr: StructCodec;

  constructor(deviceId: number | undefined, queue: number, features: bigint, byteOrder: VirtioByteOrder) {
    this.#device = deviceId ?? 0;
    // virtio 1.2 §5.1.2: receiveqN is queue 2N, transmitqN is 2N+1 (the control queue is the last, unmarked here).
    this.#rx = queue % 2 === 0;
    this.#outhdr = codecFor('virtio_blk_outhdr', { byteOrder });
    const v1 = ((features >> BigInt(VIRTIO_F_VERSION_1)) & 1n) === 1n || ((features >> BigInt(VIRTIO_NET_F_MRG_RXBUF)) & 1n) === 1n;
    // §5.1.6: without VERSION_1 or MRG_RXBUF the header has no num_buffers (struct virtio_net_hdr).
    this.#netHdr = codecFor(v1 ? 'virtio_net_hdr_v1' : 'virtio_net_hdr', { byteOrder });
  }

  /** The header a driver wrote into a chain it made available (block request header, transmit header). */
  available(c: ChainBuffers): Payload | undefined {
    if (this.#device === VIRTIO_ID_BLOCK) {
      const b = this.#buffer(c, false, 'first', this.#outhdr.layout.size);
      if (b === undefined) return undefined;
      const h = this.#outhdr.decode(b);
      const type = Number(h['type']);
      const word = blkTypes.get(type);
      return { fields: { virtio_blk_outhdr: toJSONValue(h) }, text: `; virtio_blk_outhdr type ${type}${word === undefined ? '' : ` (${word})`} sector ${String(h['sector'])}` };
    }
    if (this.#device === VIRTIO_ID_NET && !this.#rx) return this.#net(c, false);
    return undefined;
  }

  /** What a device wrote into a chain it used (block status byte, receive header). */
  used(c: ChainBuffers): Payload | undefined {
    if (this.#device === VIRTIO_ID_BLOCK) {
      // §5.2.6: the request ends with a one-byte device-writable status.
      const b = this.#buffer(c, true, 'last', 1);
      if (b === undefined) return undefined;
      const status = b[b.length - 1] as number;
      const word = blkStatus.get(status);
      return { fields: { status }, text: `; status ${status}${word === undefined ? '' : ` (${word})`}` };
    }
    if (this.#device === VIRTIO_ID_NET && this.#rx) return this.#net(c, true);
    return undefined;
  }

  #net(c: ChainBuffers, writable: boolean): Payload | undefined {
    const name = this.#netHdr.layout.name;
    const b = this.#buffer(c, writable, 'first', this.#netHdr.layout.size);
    if (b === undefined) return undefined;
    const h = this.#netHdr.decode(b);
    const n = h['num_buffers'];
    const words = `${name} flags ${String(h['flags'])} gso_type ${String(h['gso_type'])}${n === undefined ? '' : ` num_buffers ${String(n)}`}`;
    return { fields: { [name]: toJSONValue(h) }, text: `; ${words}`, ...(n === undefined ? {} : { numBuffers: Number(n) }) };
  }

  /**
   * The bytes of the first or last buffer of the chain that is device-writable (or readable), if it holds
   * at least `min` bytes and lies in the memory the trace declared. A view of the replayed memory.
   */
  #buffer(c: ChainBuffers, writable: boolean, which: 'first' | 'last', min: number): Uint8Array | undefined {
    let found = -1;
    for (let k = 0; k < c.count; k++) {
      const f = c.flags[k] as number;
      if ((f & VRING_DESC_F_INDIRECT) !== 0 || ((f & VRING_DESC_F_WRITE) !== 0) !== writable) continue;
      found = k;
      if (which === 'first') break;
    }
    if (found < 0) return undefined;
    const region = c.region[found] as number;
    const len = c.len[found] as number;
    if (region < 0 || region === BUFFER_NOT_CHECKED || len < min) return undefined;
    const off = c.regionOffset[found] as number;
    return c.memory.region(region).port.bytes.subarray(off, off + len);
  }
}

/**
 * DescChain: the result of walking one descriptor chain, owned and reused by its walker (no allocation per
 * chain). Entry k is the k-th descriptor met, in chain order, including indirect-table entries; the
 * descriptor that refers to an indirect table is recorded too (flagged VRING_DESC_F_INDIRECT) so a dump can
 * show it. After a rejected walk, `count` covers the descriptors read up to and including the bad one.
 */
import type { GuestMemory } from './guest-memory.js';

export class DescChain {
  /** Split: head descriptor index. Packed: ring position of the first descriptor. */
  head = 0;
  /** Packed: buffer id (from the chain's last descriptor); split: equal to head. */
  id = 0;
  /** Entries recorded (ring descriptors, indirect descriptors and table entries). */
  count = 0;
  /** Descriptors this chain occupies in the ring (packed: how far the device's used position advances). */
  ringCount = 0;
  /** Bytes in device-readable / device-writable buffers. */
  readable = 0;
  writable = 0;
  /** Buffer entries whose address was not checked (a 'not-checked' walk: outside the memory supplied). */
  unchecked = 0;

  // The arrays (and capacity and memory below) are `declare`d and set in the constructor: a declared class field
  // would be created holding undefined first (ES2022 [[Define]] semantics), V8 would widen its type, and the
  // devices' walks would check each array's map again at every store.
  /** Descriptor index: in the descriptor table, or in the indirect table when `inTable[k]`. */
  declare readonly index: Uint16Array;
  declare readonly addrLo: Uint32Array;
  declare readonly addrHi: Uint32Array;
  declare readonly len: Uint32Array;
  declare readonly flags: Uint16Array;
  /** split: next field; packed: buffer id field. */
  declare readonly next: Uint16Array;
  declare readonly inTable: Uint8Array;
  /**
   * For buffer entries: the guest-memory region holding it and the offset in that region's port; -1 when the
   * walk did not get as far as resolving it, BUFFER_NOT_CHECKED (-2, desc-rules.ts) when it was not checked.
   */
  declare readonly region: Int32Array;
  declare readonly regionOffset: Float64Array;

  declare readonly capacity: number;
  declare readonly memory: GuestMemory;

  constructor(capacity: number, memory: GuestMemory) {
    this.capacity = capacity;
    this.memory = memory;
    this.index = new Uint16Array(capacity);
    this.addrLo = new Uint32Array(capacity);
    this.addrHi = new Uint32Array(capacity);
    this.len = new Uint32Array(capacity);
    this.flags = new Uint16Array(capacity);
    this.next = new Uint16Array(capacity);
    this.inTable = new Uint8Array(capacity);
    this.region = new Int32Array(capacity);
    this.regionOffset = new Float64Array(capacity);
  }

  reset(head: number): void {
    this.head = head; this.id = head; this.count = 0; this.ringCount = 0; this.readable = 0; this.writable = 0; this.unchecked = 0;
  }

  /**
   * The devices' fast path on a direct ring (SplitDevice / PackedDevice popRecord): take ring descriptor `index`
   * as entry k when it is plainly legal (no indirect table, len > 0, no readable buffer after a writable one,
   * the chain within 2^32 bytes, the buffer inside one mapped region) and return true, adding its bytes to
   * readable / writable. Anything else returns false and the caller hands the chain to the walker
   * (walkSplitChain / walkPackedChain), the one statement of the rules, which resets this chain first.
   */
  acceptPlain(k: number, index: number, lo: number, hi: number, len: number, flags: number, next: number, fIndirect: number, fWrite: number): boolean {
    if ((flags & fIndirect) !== 0 || len === 0) return false;
    if ((flags & fWrite) !== 0) this.writable += len;
    else if (this.writable > 0) return false;
    else this.readable += len;
    if (this.readable + this.writable > 0x1_0000_0000) return false;
    const memory = this.memory;
    const region = memory.resolve(lo, hi, len);
    if (region < 0) return false;
    this.index[k] = index; this.addrLo[k] = lo; this.addrHi[k] = hi; this.len[k] = len; this.flags[k] = flags; this.next[k] = next; this.inTable[k] = 0;
    this.region[k] = region;
    this.regionOffset[k] = memory.offset;
    return true;
  }

  /** Record a descriptor as read (before validating it); returns its entry number. */
  record(index: number, lo: number, hi: number, len: number, flags: number, next: number, inTable: boolean): number {
    const k = this.count++;
    this.index[k] = index; this.addrLo[k] = lo; this.addrHi[k] = hi; this.len[k] = len;
    this.flags[k] = flags; this.next[k] = next; this.inTable[k] = inTable ? 1 : 0; this.region[k] = -1;
    return k;
  }

  /** Entry k's address as a number (exact for mapped buffers, which lie below 2^53). */
  addr(k: number): number {
    return (this.addrHi[k] as number) * 0x1_0000_0000 + (this.addrLo[k] as number);
  }

  /** Entry k's address as a bigint (exact for any address). */
  addrBig(k: number): bigint {
    return (BigInt(this.addrHi[k] as number) << 32n) | BigInt(this.addrLo[k] as number);
  }

  /** Copy buffer entry k's bytes (a device reading a device-readable buffer). */
  readBuffer(k: number, dst: Uint8Array, at = 0): number {
    const port = this.memory.region(this.region[k] as number).port;
    const off = (this.regionOffset[k] as number) + at;
    const n = Math.min(dst.byteLength, (this.len[k] as number) - at);
    if (n <= 0) return 0;
    dst.set(port.bytes.subarray(off, off + n));
    return n;
  }

  /** Write into buffer entry k through its region's port (a device filling a device-writable buffer). */
  writeBuffer(k: number, src: Uint8Array, at = 0): number {
    const port = this.memory.region(this.region[k] as number).port;
    const n = Math.min(src.byteLength, (this.len[k] as number) - at);
    if (n <= 0) return 0;
    port.write((this.regionOffset[k] as number) + at, n === src.byteLength ? src : src.subarray(0, n));
    return n;
  }
}

/**
 * The floor of virtio-bench's split round trip (makeSplitFloor; makePackedFloor below does the packed one): the round trip the record API does on a direct ring
 * (SplitRing.direct) — SplitDriver.addRecord, SplitDevice.popRecord, SplitDevice.pushUsed(head, chain.writable),
 * SplitDriver.getUsedRecord — written by hand as plainly as JavaScript allows: one closure, one DataView over one
 * ArrayBuffer, every offset, size and flag a literal, the queue's state in the closure's variables. It performs
 * the same checks, writes the same ring bytes (test/bench/virtio-floor.test.ts compares them byte for byte with
 * ringwire's after each round trip) and keeps the same bookkeeping, so the time between it and the record API
 * rows is what ringwire's structure costs, not work it does.
 *
 * Specialised to virtio-bench's queue: 256 entries, descriptor table at 0, driver area at 0x2000, device area at
 * 0x3000, little-endian (virtio 1.x), no VIRTIO_F_IN_ORDER / VIRTIO_RING_F_EVENT_IDX / VIRTIO_RING_F_INDIRECT_DESC.
 * Guest memory is one region, [0, 0x11000), holding the areas and the buffers (ringwire's bench maps two, the
 * areas' 64 KiB and the buffers' 4 KiB at 0x10000; the buffers lie in one either way).
 *
 * The checks, in ringwire's order, with the code ringwire throws for each (the floor throws a FloorError of that
 * code; it never continues past a failed check, so the JIT cannot drop one):
 *
 *  driver add (split-driver.ts addRecord, buffers.ts recordCount / checkRecords, guest-memory.ts resolveAt):
 *   1. the queue is not reset (#live: QueueResetState.isReset)                        VIRTQ_QUEUE_RESET
 *   2. nOut and nIn are unsigned 32-bit integers and the records fit both arrays     VIRTQ_BAD_BUFFER
 *      (ringwire also checks `from`, a default parameter 0 here)
 *   3. 1 <= nOut + nIn <= free descriptors                                           VIRTQ_NO_SPACE
 *   per buffer:
 *   4. len is not 0 and addr is an integer in 0..2^53-1                               VIRTQ_BAD_BUFFER
 *   5. the buffers' total stays within 2^32 bytes                                    VIRTQ_LENGTH_OVERFLOW
 *   6. [addr, addr + len) lies in mapped guest memory                                VIRTQ_ADDR_UNMAPPED
 *  device pop (split-device.ts popRecord / #take, split-checks.ts idxBehind / availAhead, chain.ts acceptPlain,
 *  guest-memory.ts resolve; the codes are those walkSplitChain / desc-rules.ts give for the same chain):
 *   7. the queue is not reset (#live)                                                 VIRTQ_QUEUE_RESET
 *   8. avail.idx did not go back 1..size entries from the value read before          VIRTQ_AVAIL_IDX_BACKWARDS
 *   9. avail.idx is at most size ahead of last_avail_idx                             VIRTQ_AVAIL_IDX_JUMP
 *  10. something is available (ringwire returns -1; the bench throws)                nothing available
 *  11. the head is < size                                                             VIRTQ_HEAD_OUT_OF_RANGE
 *   per descriptor (each field read once into a local, then judged):
 *  12. at most size descriptors                                                       VIRTQ_DESC_LOOP
 *  13. not VRING_DESC_F_INDIRECT (not negotiated)                                     VIRTQ_INDIRECT_NOT_NEGOTIATED
 *  14. len is not 0                                                                   VIRTQ_ZERO_LENGTH
 *  15. no device-readable buffer after a device-writable one                         VIRTQ_READ_AFTER_WRITE
 *  16. the chain's total stays within 2^32 bytes                                     VIRTQ_LENGTH_OVERFLOW
 *  17. addr + len does not wrap 2^64                                                  VIRTQ_ADDR_WRAP
 *  18. [addr, addr + len) lies in mapped guest memory (below 2^53, in the region)    VIRTQ_ADDR_UNMAPPED
 *  19. next is < size when VRING_DESC_F_NEXT is set                                   VIRTQ_NEXT_OUT_OF_RANGE
 *  device push used (split-device.ts pushUsed):
 *  20. the queue is not reset (#live)                                                 VIRTQ_QUEUE_RESET
 *  21. id is an integer < size that this device popped and has not returned          VIRTQ_USED_ID_NOT_OUTSTANDING
 *  driver reclaim (split-driver.ts getUsedRecord / #reclaim / #reclaimChecked / #detach):
 *  22. the queue is not reset (#live)                                                 VIRTQ_QUEUE_RESET
 *  23. used.idx did not go back 1..size entries from the value read before           VIRTQ_USED_IDX_BACKWARDS
 *  24. something is used (ringwire returns -1; the bench throws)                     nothing used
 *  25. used.idx is at most the chains in flight ahead of last_used                   VIRTQ_USED_IDX_JUMP
 *  26. the used id is < size                                                          VIRTQ_USED_ID_OUT_OF_RANGE
 *  27. the used id is the head of an outstanding chain                                VIRTQ_USED_ID_TWICE / VIRTQ_USED_ID_NOT_OUTSTANDING
 *  28. the used len is at most the chain's device-writable bytes                     VIRTQ_USED_LEN_TOO_LARGE
 *
 * The work besides: the driver's free list (freeNext, head, count), per-head chain length, writable bytes and
 * state (none / outstanding / completed), the avail slot's head, avail_idx_shadow, num_added, in-flight count,
 * used.idx seen, last_used and the used len; the device's last_avail_idx, avail.idx seen, outstanding and popped
 * heads, used_idx shadow, and the chain it walked (per descriptor: index, addr halves, len, flags, next, whether
 * in an indirect table, region, offset in the region; the head, count, readable and writable bytes), as
 * DescChain holds it.
 */

/** A check failed: `code` is the VirtqError code ringwire throws for it. */
export class FloorError extends Error {
  constructor(readonly code: string) {
    super(`floor: ${code}`);
  }
}

function fail(code: string): never {
  throw new FloorError(code);
}

/** The chain the device walked last, as DescChain holds it (entries: ENTRY words each). */
export interface FloorChain {
  readonly head: number;
  readonly count: number;
  readonly readable: number;
  readonly writable: number;
}

export interface FloorState {
  readonly numFree: number;
  readonly availIdxShadow: number;
  readonly numAdded: number;
  readonly lastUsed: number;
  readonly inFlight: number;
  readonly lastAvail: number;
  readonly usedIdxShadow: number;
}

/** Words per walked descriptor in `entries`: index, addr lo, addr hi, len, flags, next, inTable, region, offset. */
export const ENTRY = 9;

export interface SplitFloor {
  /**
   * One round trip of the buffers addr[k], len[k], k = 0 .. nOut + nIn - 1 (the first nOut device-readable):
   * add, pop and walk, push used with the chain's writable bytes, reclaim. Returns the reclaimed head.
   */
  readonly round: (addr: Float64Array, len: Uint32Array, nOut: number, nIn: number) => number;
  /** round() of these records as a closure of no arguments (what virtio-bench times). */
  readonly roundOf: (addr: Float64Array, len: Uint32Array, nOut: number, nIn: number) => () => number;
  /** Guest memory [0, 0x11000): the descriptor table at 0, driver area at 0x2000, device area at 0x3000. */
  readonly bytes: Uint8Array;
  /** The walked chain's descriptors, ENTRY words each. */
  readonly entries: Float64Array;
  chain(): FloorChain;
  /** The len of the buffer reclaimed last (SplitDriver.usedLen). */
  usedLen(): number;
  /** The bookkeeping SplitDriver and SplitDevice expose through getters, under their names. */
  state(): FloorState;
  /** Mark the queue reset (or live again): every part of the round trip then refuses with VIRTQ_QUEUE_RESET. */
  setReset(driver: boolean, device: boolean): void;
}

/**
 * The driver's checks on the buffer records of an add, the same for both rings (addRecord: recordCount,
 * checkRecords): the counts, free descriptors, each address an integer below 2^53 with len > 0, the chain within
 * 2^32 bytes, each buffer inside the bench's memory (0 .. 0x11000). Returns the device-writable bytes.
 */
function checkBuffers(addr: Float64Array, len: Uint32Array, nOut: number, nIn: number, numFree: number): number {
  const n = nOut + nIn;
  if (nOut >>> 0 !== nOut || nIn >>> 0 !== nIn || n > addr.length || n > len.length) fail('VIRTQ_BAD_BUFFER');
  if (n === 0 || n > numFree) fail('VIRTQ_NO_SPACE');
  let total = 0;
  let writable = 0;
  for (let k = 0; k < n; k++) {
    const a = addr[k] as number;
    const l = len[k] as number;
    if (l === 0 || !(a >= 0 && a <= 9007199254740991 && Math.floor(a) === a)) fail('VIRTQ_BAD_BUFFER');
    if (k >= nOut) writable += l;
    total += l;
    if (total > 0x1_0000_0000) fail('VIRTQ_LENGTH_OVERFLOW');
    if (a + l > 0x11000) fail('VIRTQ_ADDR_UNMAPPED');
  }
  return writable;
}

/** A fresh 256-entry split queue and its hand-written round trip. */
export function makeSplitFloor(): SplitFloor {
  const buffer = new ArrayBuffer(0x11000);
  const dv = new DataView(buffer);
  // Driver state (SplitDriver).
  let driverReset = false;
  const freeNext = new Uint16Array(256);
  for (let i = 0; i < 256; i++) freeNext[i] = (i + 1) & 255;
  let freeHead = 0;
  let numFree = 256;
  let availIdxShadow = 0;
  let numAdded = 0;
  let lastUsed = 0;
  let usedSeen = 0;
  let inFlight = 0;
  let usedLen = 0;
  const chainLen = new Uint16Array(256);
  const chainWritable = new Float64Array(256);
  const headState = new Uint8Array(256); // 0 none, 1 outstanding, 2 completed
  const availHead = new Uint16Array(256);
  // Device state (SplitDevice, DescChain).
  let deviceReset = false;
  let lastAvail = 0;
  let availSeen = 0;
  let usedIdxShadow = 0;
  const outstanding = new Uint8Array(256);
  const popped = new Uint16Array(256);
  const entries = new Float64Array(513 * ENTRY);
  let chainHead = 0;
  let chainCount = 0;
  let chainReadable = 0;
  let chainWritableBytes = 0;

  function round(addr: Float64Array, len: Uint32Array, nOut: number, nIn: number): number {
    // ---- driver: add (checks 1-6, then the descriptors, then the avail entry and idx) ----
    if (driverReset) fail('VIRTQ_QUEUE_RESET');
    const n = nOut + nIn;
    const writable = checkBuffers(addr, len, nOut, nIn, numFree);
    const head = freeHead;
    let i = head;
    for (let k = 0; k < n; k++) {
      const a = addr[k] as number;
      const more = k < n - 1;
      const at = i * 16;
      dv.setUint32(at, a >>> 0, true);
      dv.setUint32(at + 4, (a / 0x1_0000_0000) >>> 0, true);
      dv.setUint32(at + 8, len[k] as number, true);
      dv.setUint16(at + 12, (k >= nOut ? 2 : 0) | (more ? 1 : 0), true); // VRING_DESC_F_WRITE, VRING_DESC_F_NEXT
      dv.setUint16(at + 14, more ? (freeNext[i] as number) : 0, true);
      if (k > 0) headState[i] = 0;
      i = freeNext[i] as number;
    }
    freeHead = i;
    numFree -= n;
    chainLen[head] = n;
    chainWritable[head] = writable;
    headState[head] = 1;
    inFlight++;
    const aslot = availIdxShadow & 255;
    availHead[aslot] = head;
    availIdxShadow = (availIdxShadow + 1) & 0xffff;
    dv.setUint16(0x2004 + aslot * 2, head, true);
    dv.setUint16(0x2002, availIdxShadow, true);
    numAdded++;

    // ---- device: pop and walk (checks 7-19), then take the chain ----
    if (deviceReset) fail('VIRTQ_QUEUE_RESET');
    const aidx = dv.getUint16(0x2002, true);
    if (aidx !== availSeen && ((availSeen - aidx) & 0xffff) <= 256) fail('VIRTQ_AVAIL_IDX_BACKWARDS');
    const ahead = (aidx - lastAvail) & 0xffff;
    if (ahead > 256) fail('VIRTQ_AVAIL_IDX_JUMP');
    availSeen = aidx;
    if (ahead === 0) fail('nothing available');
    const slot = lastAvail & 255;
    const h = dv.getUint16(0x2004 + slot * 2, true);
    if (h >= 256) fail('VIRTQ_HEAD_OUT_OF_RANGE');
    let readable = 0;
    let wr = 0;
    let count = 0;
    let d = h;
    for (let k = 0; ; k++) {
      if (k >= 256) fail('VIRTQ_DESC_LOOP');
      const at = d * 16;
      const lo = dv.getUint32(at, true);
      const hi = dv.getUint32(at + 4, true);
      const l = dv.getUint32(at + 8, true);
      const flags = dv.getUint16(at + 12, true);
      const next = dv.getUint16(at + 14, true);
      if ((flags & 4) !== 0) fail('VIRTQ_INDIRECT_NOT_NEGOTIATED');
      if (l === 0) fail('VIRTQ_ZERO_LENGTH');
      if ((flags & 2) !== 0) wr += l;
      else if (wr > 0) fail('VIRTQ_READ_AFTER_WRITE');
      else readable += l;
      if (readable + wr > 0x1_0000_0000) fail('VIRTQ_LENGTH_OVERFLOW');
      if (hi === 0xffffffff && lo + l > 0x1_0000_0000) fail('VIRTQ_ADDR_WRAP');
      if (hi >= 0x200000) fail('VIRTQ_ADDR_UNMAPPED');
      const ga = hi * 0x1_0000_0000 + lo;
      if (ga + l > 0x11000) fail('VIRTQ_ADDR_UNMAPPED');
      const e = k * 9;
      entries[e] = d;
      entries[e + 1] = lo;
      entries[e + 2] = hi;
      entries[e + 3] = l;
      entries[e + 4] = flags;
      entries[e + 5] = next;
      entries[e + 6] = 0; // not in an indirect table
      entries[e + 7] = 0; // region 0
      entries[e + 8] = ga; // offset in region 0
      if ((flags & 1) === 0) {
        count = k + 1;
        break;
      }
      if (next >= 256) fail('VIRTQ_NEXT_OUT_OF_RANGE');
      d = next;
    }
    chainHead = h;
    chainCount = count;
    chainReadable = readable;
    chainWritableBytes = wr;
    lastAvail = (lastAvail + 1) & 0xffff;
    outstanding[h] = 1;
    popped[slot] = h;

    // ---- device: push used (checks 20-21): the element, then used.idx (virtio 1.2 §2.7.8.2) ----
    if (deviceReset) fail('VIRTQ_QUEUE_RESET');
    const id = chainHead;
    const ulen = chainWritableBytes;
    if (id >>> 0 !== id || id >= 256 || outstanding[id] !== 1) fail('VIRTQ_USED_ID_NOT_OUTSTANDING');
    const uslot = usedIdxShadow & 255;
    outstanding[id] = 0;
    usedIdxShadow = (usedIdxShadow + 1) & 0xffff;
    dv.setUint32(0x3004 + uslot * 8, id, true);
    dv.setUint32(0x3008 + uslot * 8, ulen >>> 0, true);
    dv.setUint16(0x3002, usedIdxShadow, true);

    // ---- driver: reclaim (checks 22-28), then detach the chain ----
    if (driverReset) fail('VIRTQ_QUEUE_RESET');
    const uidx = dv.getUint16(0x3002, true);
    if (uidx !== usedSeen && ((usedSeen - uidx) & 0xffff) <= 256) fail('VIRTQ_USED_IDX_BACKWARDS');
    const pending = (uidx - lastUsed) & 0xffff;
    if (pending === 0) fail('nothing used');
    if (pending > inFlight) fail('VIRTQ_USED_IDX_JUMP');
    const uat = 0x3004 + (lastUsed & 255) * 8;
    const rid = dv.getUint32(uat, true);
    const rlen = dv.getUint32(uat + 4, true);
    if (rid >= 256) fail('VIRTQ_USED_ID_OUT_OF_RANGE');
    const state = headState[rid] as number;
    if (state !== 1) fail(state === 2 ? 'VIRTQ_USED_ID_TWICE' : 'VIRTQ_USED_ID_NOT_OUTSTANDING');
    if (rlen > (chainWritable[rid] as number)) fail('VIRTQ_USED_LEN_TOO_LARGE');
    usedSeen = uidx;
    const cn = chainLen[rid] as number;
    let last = rid;
    for (let k = 1; k < cn; k++) last = freeNext[last] as number;
    freeNext[last] = freeHead;
    freeHead = rid;
    numFree += cn;
    headState[rid] = 2;
    inFlight--;
    lastUsed = (lastUsed + 1) & 0xffff;
    usedLen = rlen;
    return rid;
  }

  return {
    round,
    roundOf: (addr, len, nOut, nIn) => () => round(addr, len, nOut, nIn),
    bytes: new Uint8Array(buffer),
    entries,
    chain: () => ({ head: chainHead, count: chainCount, readable: chainReadable, writable: chainWritableBytes }),
    usedLen: () => usedLen,
    state: () => ({ numFree, availIdxShadow, numAdded, lastUsed, inFlight, lastAvail, usedIdxShadow }),
    setReset: (driver, device) => { driverReset = driver; deviceReset = device; },
  };
}

/** The packed queue's counters PackedDriver and PackedDevice expose through getters, under their names. */
export interface PackedFloorState {
  readonly numFree: number;
  readonly numAdded: number;
  readonly inFlight: number;
  readonly nextAvail: number;
  readonly availWrap: number;
  readonly lastUsed: number;
  readonly usedWrap: number;
  readonly deviceNextAvail: number;
  readonly deviceAvailWrap: number;
  readonly nextUsed: number;
  readonly deviceUsedWrap: number;
}

export interface PackedFloor {
  /** One packed round trip of the records, as SplitFloor.round; returns the reclaimed buffer id. */
  readonly round: (addr: Float64Array, len: Uint32Array, nOut: number, nIn: number) => number;
  /** round() of these records as a closure of no arguments (what virtio-bench times). */
  readonly roundOf: (addr: Float64Array, len: Uint32Array, nOut: number, nIn: number) => () => number;
  /** Guest memory [0, 0x11000): the descriptor ring at 0 (the event structures at 0x2000 / 0x2004 stay 0). */
  readonly bytes: Uint8Array;
  /** The walked chain's descriptors, ENTRY words each (index: ring position; next: the id field). */
  readonly entries: Float64Array;
  /** head: ring position of the first descriptor; id: the buffer id. */
  chain(): FloorChain & { readonly id: number };
  usedLen(): number;
  state(): PackedFloorState;
  setReset(driver: boolean, device: boolean): void;
}

/**
 * The packed round trip by hand, as makeSplitFloor() does the split one: PackedDriver.addRecord (#commit),
 * PackedDevice.popRecord (#take), PackedDevice.pushUsed, PackedDriver.getUsedRecord (#reclaim, #detach) on
 * virtio-bench's packed queue (256 entries, ring at 0, little-endian, no IN_ORDER / EVENT_IDX / INDIRECT_DESC).
 * Descriptor: addr at 0, len at 8, id at 12, flags at 14 (vring_packed_desc); AVAIL is flag bit 7 (0x80), USED
 * bit 15 (0x8000). Checks besides the split floor's 1-6 (driver add), 7, 13-18 (per descriptor) and 20-21, 26-28
 * (push used, reclaim), with the same codes, and the packed ones:
 *
 *  P1. device pop: the descriptor at next_avail is available for the device's wrap counter (AVAIL equal to it,
 *      USED not), else nothing is available (ringwire returns -1; the bench throws)       nothing available
 *  P2. at most size descriptors in a chain                                              VIRTQ_CHAIN_TOO_LONG
 *  P3. each later descriptor of the chain is available too                              VIRTQ_PACKED_DESC_NOT_AVAIL
 *  P4. the buffer id (the last descriptor's) is < size                                  VIRTQ_PACKED_BAD_ID
 *  P5. the buffer id is not still outstanding at the device                            VIRTQ_PACKED_DUPLICATE_ID
 *  P6. driver reclaim: the descriptor at last_used is used for the driver's used wrap counter (AVAIL and USED
 *      both equal to it), else nothing is used (ringwire returns -1; the bench throws)  nothing used
 */
export function makePackedFloor(): PackedFloor {
  const buffer = new ArrayBuffer(0x11000);
  const dv = new DataView(buffer);
  // Driver state (PackedDriver).
  let driverReset = false;
  const freeIdNext = new Uint16Array(256);
  for (let i = 0; i < 256; i++) freeIdNext[i] = i + 1;
  let freeIdHead = 0;
  let numFree = 256;
  let nextAvail = 0;
  let availWrap = 1;
  let lastUsed = 0;
  let usedWrap = 1;
  let numAdded = 0;
  let inFlight = 0;
  const orderHead = 0; // IN_ORDER only: never moves here
  let usedLen = 0;
  const idCount = new Uint16Array(256);
  const idWritable = new Float64Array(256);
  const idState = new Uint8Array(256); // 0 none, 1 outstanding, 2 completed
  const order = new Uint16Array(256);
  // Device state (PackedDevice, DescChain).
  let deviceReset = false;
  let dNextAvail = 0;
  let dAvailWrap = 1;
  let nextUsed = 0;
  let dUsedWrap = 1;
  let usedAdded = 0;
  const outstanding = new Uint8Array(256);
  const dIdCount = new Uint16Array(256);
  const entries = new Float64Array(513 * ENTRY);
  let chainHead = 0;
  let chainId = 0;
  let chainCount = 0;
  let chainReadable = 0;
  let chainWritableBytes = 0;

  function round(addr: Float64Array, len: Uint32Array, nOut: number, nIn: number): number {
    // ---- driver: add (checks 1-6), the descriptors, the head's flags last (§2.8.21), then the bookkeeping ----
    if (driverReset) fail('VIRTQ_QUEUE_RESET');
    const n = nOut + nIn;
    const writable = checkBuffers(addr, len, nOut, nIn, numFree);
    const id = freeIdHead;
    const head = nextAvail;
    let headFlags = 0;
    let p = head;
    let w = availWrap;
    for (let k = 0; k < n; k++) {
      const a = addr[k] as number;
      // VRING_DESC_F_WRITE, VRING_DESC_F_NEXT; AVAIL equal to the wrap counter, USED its inverse (§2.8.1).
      const flags = (k >= nOut ? 2 : 0) | (k < n - 1 ? 1 : 0) | (w === 1 ? 0x80 : 0x8000);
      const at = p * 16;
      dv.setUint32(at, a >>> 0, true);
      dv.setUint32(at + 4, (a / 0x1_0000_0000) >>> 0, true);
      dv.setUint32(at + 8, len[k] as number, true);
      dv.setUint16(at + 12, id, true);
      if (k === 0) headFlags = flags; else dv.setUint16(at + 14, flags, true);
      p++;
      if (p === 256) { p = 0; w ^= 1; }
    }
    dv.setUint16(head * 16 + 14, headFlags, true);
    freeIdHead = freeIdNext[id] as number;
    idCount[id] = n;
    idWritable[id] = writable;
    idState[id] = 1;
    order[(orderHead + inFlight) & 255] = id;
    inFlight++;
    numFree -= n;
    numAdded += n;
    nextAvail = p;
    availWrap = w;

    // ---- device: pop and walk (checks 7, P1-P5, 13-18), then take the buffer ----
    if (deviceReset) fail('VIRTQ_QUEUE_RESET');
    const pos = dNextAvail;
    const wrap = dAvailWrap;
    let flags = dv.getUint16(pos * 16 + 14, true);
    if (((flags & 0x80) !== 0 ? 1 : 0) !== wrap || ((flags & 0x8000) !== 0 ? 1 : 0) === wrap) fail('nothing available');
    let readable = 0;
    let wr = 0;
    let count = 0;
    let bid = 0;
    let q = pos;
    let qw = wrap;
    for (let k = 0; ; k++) {
      if (k >= 256) fail('VIRTQ_CHAIN_TOO_LONG');
      const at = q * 16;
      if (k > 0) {
        flags = dv.getUint16(at + 14, true);
        if (((flags & 0x80) !== 0 ? 1 : 0) !== qw || ((flags & 0x8000) !== 0 ? 1 : 0) === qw) fail('VIRTQ_PACKED_DESC_NOT_AVAIL');
      }
      const lo = dv.getUint32(at, true);
      const hi = dv.getUint32(at + 4, true);
      const l = dv.getUint32(at + 8, true);
      const did = dv.getUint16(at + 12, true);
      if ((flags & 4) !== 0) fail('VIRTQ_INDIRECT_NOT_NEGOTIATED');
      if (l === 0) fail('VIRTQ_ZERO_LENGTH');
      if ((flags & 2) !== 0) wr += l;
      else if (wr > 0) fail('VIRTQ_READ_AFTER_WRITE');
      else readable += l;
      if (readable + wr > 0x1_0000_0000) fail('VIRTQ_LENGTH_OVERFLOW');
      if (hi === 0xffffffff && lo + l > 0x1_0000_0000) fail('VIRTQ_ADDR_WRAP');
      if (hi >= 0x200000) fail('VIRTQ_ADDR_UNMAPPED');
      const ga = hi * 0x1_0000_0000 + lo;
      if (ga + l > 0x11000) fail('VIRTQ_ADDR_UNMAPPED');
      const e = k * 9;
      entries[e] = q;
      entries[e + 1] = lo;
      entries[e + 2] = hi;
      entries[e + 3] = l;
      entries[e + 4] = flags;
      entries[e + 5] = did;
      entries[e + 6] = 0; // not in an indirect table
      entries[e + 7] = 0; // region 0
      entries[e + 8] = ga; // offset in region 0
      q++;
      if (q === 256) { q = 0; qw ^= 1; }
      if ((flags & 1) === 0) {
        if (did >= 256) fail('VIRTQ_PACKED_BAD_ID');
        count = k + 1;
        bid = did;
        break;
      }
    }
    chainHead = pos;
    chainId = bid;
    chainCount = count;
    chainReadable = readable;
    chainWritableBytes = wr;
    if (outstanding[bid] === 1) fail('VIRTQ_PACKED_DUPLICATE_ID');
    outstanding[bid] = 1;
    dIdCount[bid] = count;
    dNextAvail = pos + count;
    if (dNextAvail >= 256) { dNextAvail -= 256; dAvailWrap ^= 1; }

    // ---- device: push used (checks 20-21): id and len, then the flags (§2.8.22) ----
    if (deviceReset) fail('VIRTQ_QUEUE_RESET');
    const uid = chainId;
    const ulen = chainWritableBytes;
    if (uid >>> 0 !== uid || uid >= 256 || outstanding[uid] !== 1) fail('VIRTQ_USED_ID_NOT_OUTSTANDING');
    const upos = nextUsed;
    const at = upos * 16;
    dv.setUint32(at, 0, true);
    dv.setUint32(at + 4, 0, true);
    dv.setUint32(at + 8, ulen >>> 0, true);
    dv.setUint16(at + 12, uid, true);
    dv.setUint16(at + 14, (dUsedWrap === 1 ? 0x8080 : 0) | (ulen > 0 ? 2 : 0), true);
    outstanding[uid] = 0;
    const un = dIdCount[uid] as number;
    let next = upos + un;
    if (next >= 256) { next -= 256; dUsedWrap ^= 1; }
    nextUsed = next;
    usedAdded += un;

    // ---- driver: reclaim (checks P6, 26-28), then detach the buffer ----
    if (driverReset) fail('VIRTQ_QUEUE_RESET');
    const rat = lastUsed * 16;
    const rflags = dv.getUint16(rat + 14, true);
    const ra = (rflags & 0x80) !== 0 ? 1 : 0;
    const ru = (rflags & 0x8000) !== 0 ? 1 : 0;
    if (ra !== ru || ru !== usedWrap) fail('nothing used');
    const rid = dv.getUint16(rat + 12, true);
    const rlen = dv.getUint32(rat + 8, true);
    if (rid >= 256) fail('VIRTQ_USED_ID_OUT_OF_RANGE');
    const state = idState[rid] as number;
    if (state !== 1) fail(state === 2 ? 'VIRTQ_USED_ID_TWICE' : 'VIRTQ_USED_ID_NOT_OUTSTANDING');
    if (rlen > (idWritable[rid] as number)) fail('VIRTQ_USED_LEN_TOO_LARGE');
    const cn = idCount[rid] as number;
    lastUsed += cn;
    if (lastUsed >= 256) { lastUsed -= 256; usedWrap ^= 1; }
    numFree += cn;
    idState[rid] = 2;
    freeIdNext[rid] = freeIdHead;
    freeIdHead = rid;
    inFlight--;
    usedLen = rlen;
    return rid;
  }

  return {
    round,
    roundOf: (addr, len, nOut, nIn) => () => round(addr, len, nOut, nIn),
    bytes: new Uint8Array(buffer),
    entries,
    chain: () => ({ head: chainHead, id: chainId, count: chainCount, readable: chainReadable, writable: chainWritableBytes }),
    usedLen: () => usedLen,
    state: () => ({
      numFree, numAdded, inFlight, nextAvail, availWrap, lastUsed, usedWrap,
      deviceNextAvail: dNextAvail, deviceAvailWrap: dAvailWrap, nextUsed, deviceUsedWrap: dUsedWrap,
    }),
    setReset: (driver, device) => { driverReset = driver; deviceReset = device; },
  };
}

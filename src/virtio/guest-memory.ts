/**
 * Guest memory: guest-physical address ranges mapped onto RingPorts (each port an ArrayBuffer or
 * SharedArrayBuffer region). Descriptor addresses resolve through it; every access is bounds-checked with
 * addr + len overflow included, so a walk can never touch bytes outside a mapped region.
 *
 * Design: one RingPort per mapped region. Rings resolve their areas once to (port, offset) and then do every
 * shared-memory read, write and notification through that port, which is what a trace recorder wraps.
 * Addresses are 64-bit on the wire; mapped regions lie below 2^53, so a resolved address is a plain number
 * and the hot path reads the two 32-bit halves of a descriptor's addr without making a bigint.
 *
 * A region can also be a read-on-demand source (mapSource): memory that is declared (addresses in it resolve)
 * but whose bytes are fetched only when a walker needs them, such as an indirect table inside a guest RAM
 * image file far too large to load. A source is an interface, so this module stays free of I/O.
 */
import { PlainRingPort, type RingPort, type NotifyHandler } from '../memory/ring-port.js';
import { GuestMemoryError, VirtqError } from './errors.js';

export interface GuestRegion {
  /** Guest-physical address of the first byte. */
  readonly gpa: number;
  readonly port: RingPort;
}

/**
 * Guest memory whose bytes are read on demand. `read(offset, len)` returns a copy of `len` bytes starting
 * `offset` bytes into the source (the guest-physical address when the source is mapped at 0), or undefined
 * when those bytes are not available (memory declared by size only, or a short file).
 */
export interface GuestMemorySource {
  readonly size: bigint;
  read(offset: bigint, len: number): Uint8Array | undefined;
}

/** A mapped range: a port region, or a source region (port undefined). */
interface Mapping {
  readonly gpa: number;
  readonly len: number;
  readonly port: RingPort | undefined;
  readonly source: GuestMemorySource | undefined;
}

/** What resolve() reports instead of a region index. */
export const UNMAPPED = -1;
export const WRAPS = -2;

const TWO32 = 0x1_0000_0000;

export class GuestMemory {
  private readonly regions: Mapping[] = [];
  /** Region bounds as plain numbers, so resolve() touches no port or typed-array getter. */
  private starts = new Float64Array(0);
  private ends = new Float64Array(0);
  /** Offset within the resolved region's port, set by resolve(). */
  offset = 0;
  /** The region resolve() found last: tried first, as a queue's buffers usually sit in one region. */
  private last = 0;
  /** Its bounds (an empty range before any region is found), so the first try is two compares. */
  private lastStart = 0;
  private lastEnd = 0;

  constructor(regions: readonly GuestRegion[] = []) {
    for (const r of regions) this.map(r.gpa, r.port);
  }

  /** Map `port`'s bytes at guest-physical `gpa`. Regions may not overlap or reach 2^53. */
  map(gpa: number | bigint, port: RingPort): this {
    return this.add(gpa, port.bytes.byteLength, port, undefined);
  }

  /**
   * Declare `source.size` bytes at guest-physical `gpa` whose contents are read on demand (an image file read
   * at offsets, or memory known only by its size). Addresses in it resolve; load() fetches table bytes.
   */
  mapSource(gpa: number | bigint, source: GuestMemorySource): this {
    const len = source.size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(source.size) : Number.MAX_SAFE_INTEGER + 1;
    return this.add(gpa, len, undefined, source);
  }

  private add(gpa: number | bigint, len: number, port: RingPort | undefined, source: GuestMemorySource | undefined): this {
    const base = typeof gpa === 'bigint' ? Number(gpa) : gpa;
    if (!Number.isSafeInteger(base) || base < 0 || !Number.isSafeInteger(base + len)) {
      throw new VirtqError('VIRTQ_BAD_GEOMETRY', `region at ${String(gpa)} (+${len}) must lie below 2^53`, { received: String(gpa) });
    }
    for (const r of this.regions) {
      if (base < r.gpa + r.len && r.gpa < base + len) {
        throw new VirtqError('VIRTQ_BAD_GEOMETRY', `region at 0x${base.toString(16)} overlaps the region at 0x${r.gpa.toString(16)}`, { received: base });
      }
    }
    this.regions.push({ gpa: base, len, port, source });
    this.starts = Float64Array.from(this.regions, (r) => r.gpa);
    this.ends = Float64Array.from(this.regions, (r) => r.gpa + r.len);
    return this;
  }

  /** Map a fresh zeroed buffer at `gpa` and return its port. */
  mapNew(gpa: number, length: number, options: { shared?: boolean; onNotify?: NotifyHandler } = {}): RingPort {
    const buf = options.shared === true ? new SharedArrayBuffer(length) : new ArrayBuffer(length);
    const port = new PlainRingPort(buf, 0, length, options.onNotify);
    this.map(gpa, port);
    return port;
  }

  get regionCount(): number { return this.regions.length; }

  /** Region i with its port; a read-on-demand region has none (GUEST_MEMORY_NO_PORT). */
  region(i: number): GuestRegion {
    const r = this.mapping(i);
    if (r.port === undefined) {
      throw new GuestMemoryError('GUEST_MEMORY_NO_PORT', `region ${i} at 0x${r.gpa.toString(16)} is read on demand and has no port`, { index: i });
    }
    return { gpa: r.gpa, port: r.port };
  }

  private mapping(i: number): Mapping {
    const r = this.regions[i];
    if (r === undefined) throw new GuestMemoryError('GUEST_MEMORY_NO_REGION', `no region ${i} (${this.regions.length} mapped)`, { index: i, expected: `< ${this.regions.length}`, received: i });
    return r;
  }

  /**
   * The bytes [offset, offset + len) of region r, after resolve() returned r and set `offset`: a port region
   * gives its own port (no copy, no allocation) and leaves `offset` as it is; a source region gives a private
   * copy in a new port and sets `offset` to 0. Undefined when a source cannot supply the bytes.
   */
  load(r: number, len: number): RingPort | undefined {
    const m = this.mapping(r);
    if (m.port !== undefined) return m.port;
    const src = (m.source as GuestMemorySource).read(BigInt(this.offset), len);
    if (src === undefined || src.byteLength !== len) return undefined;
    const buf = new ArrayBuffer(Math.ceil(len / 4) * 4);
    new Uint8Array(buf).set(src);
    this.offset = 0;
    return new PlainRingPort(buf, 0, len);
  }

  /**
   * Find the region holding [addr, addr + len) where addr = hi·2^32 + lo. Returns its index and sets
   * `this.offset`, or a negative value: UNMAPPED (-1) or WRAPS (-2). len is 0..2^32-1; len 0 asks whether addr itself is mapped.
   * Allocates nothing.
   */
  resolve(lo: number, hi: number, len: number): number {
    lo >>>= 0; hi >>>= 0;
    if (hi === 0xffffffff && lo + len > TWO32) return WRAPS;
    if (hi >= 0x200000) return UNMAPPED; // at or above 2^53: nothing is mapped there
    const addr = hi * TWO32 + lo;
    if (addr >= this.lastStart && addr + len <= this.lastEnd && (len > 0 || addr < this.lastEnd)) {
      this.offset = addr - this.lastStart;
      return this.last;
    }
    return this.search(addr, len);
  }

  /** resolve() past the region found last: every region in turn (out of line, so resolve() stays small). */
  private search(addr: number, len: number): number {
    const end = addr + len;
    const starts = this.starts;
    const ends = this.ends;
    for (let i = 0; i < starts.length; i++) {
      const start = starts[i] as number;
      const stop = ends[i] as number;
      if (addr >= start && end <= stop && (len > 0 || addr < stop)) {
        this.offset = addr - start;
        this.last = i;
        this.lastStart = start;
        this.lastEnd = stop;
        return i;
      }
    }
    return UNMAPPED;
  }

  /**
   * resolve() for an address already checked to be an integer in 0..2^53-1 and len 1..2^32-1 (the record
   * paths check both first): the region or UNMAPPED (nothing below 2^53 wraps 2^64), and `offset`. The
   * region found last is tried first with two compares; anything else goes through search().
   */
  resolveAt(addr: number, len: number): number {
    if (addr >= this.lastStart && addr + len <= this.lastEnd) {
      this.offset = addr - this.lastStart;
      return this.last;
    }
    return this.search(addr, len);
  }

  /** resolve() for a number address. */
  resolveNumber(addr: number, len: number): number {
    if (!Number.isSafeInteger(addr) || addr < 0) return UNMAPPED;
    return this.resolve(addr >>> 0, Math.floor(addr / TWO32), len);
  }

  /** Resolve or throw VIRTQ_ADDR_UNMAPPED / VIRTQ_ADDR_WRAP; returns the region index and sets `offset`. */
  private resolveOrThrow(addr: number | bigint, len: number, what: string): number {
    const a = BigInt(addr);
    const r = a < 0n || a >= 1n << 64n ? UNMAPPED : this.resolve(Number(a & 0xffffffffn), Number(a >> 32n), len);
    if (r === WRAPS) throw new VirtqError('VIRTQ_ADDR_WRAP', `${what} at 0x${a.toString(16)} + ${len} wraps the address space`, { addr: a });
    if (r < 0) throw new VirtqError('VIRTQ_ADDR_UNMAPPED', `${what} at 0x${a.toString(16)} (+${len}) is not in mapped guest memory`, { addr: a });
    return r;
  }

  /** Resolve or throw VIRTQ_ADDR_UNMAPPED / VIRTQ_ADDR_WRAP; returns the port and sets `offset`. */
  portFor(addr: number | bigint, len: number, what: string): RingPort {
    return this.region(this.resolveOrThrow(addr, len, what)).port;
  }

  /** Copy guest bytes into `dst` (bounds-checked; from a read-on-demand region too). */
  read(addr: number | bigint, dst: Uint8Array): void {
    const r = this.resolveOrThrow(addr, dst.byteLength, 'read');
    const port = this.load(r, dst.byteLength);
    if (port === undefined) {
      throw new GuestMemoryError('GUEST_MEMORY_UNREADABLE', `read at 0x${BigInt(addr).toString(16)} (+${dst.byteLength}): region ${r} cannot supply those bytes`, { index: r });
    }
    dst.set(port.bytes.subarray(this.offset, this.offset + dst.byteLength));
  }

  /** Write bytes into guest memory through the region's port (bounds-checked). */
  write(addr: number | bigint, src: Uint8Array): void {
    const port = this.portFor(addr, src.byteLength, 'write');
    port.write(this.offset, src);
  }
}

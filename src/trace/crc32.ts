/**
 * CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF), the checksum of
 * zlib's crc32() and of gzip / PNG, and of pcapng's epb_hash algorithm 2. Core code: runs in a browser too.
 *
 * Slice-by-8: eight 256-entry tables, where table k gives the CRC of a byte followed by k zero bytes, so
 * eight input bytes are folded in with eight independent lookups instead of eight dependent steps (every
 * trace record's bytes pass through here on read, so this is the trace reader's inner loop).
 */
const TABLES = /* @__PURE__ */ (() => {
  // Int32Array: entries stay 32-bit integers in V8's registers (a Uint32Array above 2^31 reads as a double).
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  // Table k from table k - 1: one more zero byte shifted through.
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const p = t[(k - 1) * 256 + n] as number;
      t[k * 256 + n] = (t[p & 0xff] as number) ^ (p >>> 8);
    }
  }
  return t;
})();

/**
 * The CRC-32 of bytes[start, end), continuing from `crc` (the value returned for the bytes before them;
 * 0 to start), as zlib's crc32(crc, buf).
 */
export function crc32(bytes: Uint8Array, crc = 0, start = 0, end = bytes.length): number {
  return crc32Int32(bytes, crc, start, end) >>> 0;
}

/**
 * crc32 as a signed 32-bit integer (`crc32(...) | 0`). The trace reader compares this form: a result at or
 * above 2^31 returned as unsigned would be a heap number, an allocation per record.
 */
export function crc32Int32(bytes: Uint8Array, crc: number, start: number, end: number): number {
  const t = TABLES;
  let c = ~crc;
  let i = start;
  // Eight bytes a step: the first four XORed into the CRC (little-endian, as the reflected CRC consumes
  // them), the last four looked up on their own.
  for (const last8 = end - 7; i < last8; i += 8) {
    const a = c ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
    c = (t[0x700 + (a & 0xff)] as number) ^ (t[0x600 + ((a >>> 8) & 0xff)] as number)
      ^ (t[0x500 + ((a >>> 16) & 0xff)] as number) ^ (t[0x400 + (a >>> 24)] as number)
      ^ (t[0x300 + (bytes[i + 4] as number)] as number) ^ (t[0x200 + (bytes[i + 5] as number)] as number)
      ^ (t[0x100 + (bytes[i + 6] as number)] as number) ^ (t[bytes[i + 7] as number] as number);
  }
  for (; i < end; i++) c = (t[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c;
}

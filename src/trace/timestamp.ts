/**
 * pcapng timestamps (draft-ietf-opsawg-pcapng §4.2, if_tsresol): an Enhanced Packet Block's 64-bit
 * timestamp counts units of the interface's resolution since 1970-01-01 00:00:00 UTC. if_tsresol bit 7
 * clear: units of 10^-n seconds; set: units of 2^-n seconds (n the low 7 bits). Absent, it is 6
 * (microseconds); ringwire always writes it.
 */

const TEN = 10n;

/** A timestamp in nanoseconds since the epoch (rounded down when the unit is finer than 1 ns). */
export function timestampNanoseconds(ts: bigint, tsresol: number): bigint {
  const n = BigInt(tsresol & 0x7f);
  if (tsresol & 0x80) return (ts * 1_000_000_000n) >> n;
  return n <= 9n ? ts * TEN ** (9n - n) : ts / TEN ** (n - 9n);
}

/** Nanoseconds since the epoch as decimal seconds with nine decimals, `1700000000.000000042`. */
export function formatSeconds(ns: bigint): string {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  return `${neg ? '-' : ''}${a / 1_000_000_000n}.${(a % 1_000_000_000n).toString().padStart(9, '0')}`;
}

/** The two 32-bit halves of a 64-bit timestamp as a decimal string (no bigint while the value is below 2^53). */
export function timestampText(high: number, low: number): string {
  return high < 0x20_0000 ? String(high * 0x1_0000_0000 + low) : ((BigInt(high) << 32n) | BigInt(low)).toString();
}

/** if_tsresol as words: `9 (1 ns)`, `6 (1 us)`, `0x8a (2^-10 s)`. */
export function describeTsresol(tsresol: number): string {
  if (tsresol & 0x80) return `0x${tsresol.toString(16)} (2^-${tsresol & 0x7f} s)`;
  const unit: Record<number, string> = { 0: '1 s', 3: '1 ms', 6: '1 us', 9: '1 ns', 12: '1 ps' };
  return `${tsresol} (${unit[tsresol] ?? `10^-${tsresol} s`})`;
}

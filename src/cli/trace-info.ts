/**
 * `ringwire trace info FILE [--json]`: what a trace holds (interfaces, records by type, packets, bytes,
 * time span, lost records, what was skipped) and whether it is complete, read in one streaming pass in
 * constant memory. Exit 0 for a complete, valid trace; 2 for input that is not pcapng, corrupt or cut
 * (one stderr line with the TraceError code, byte offset and packet number).
 */
import { LINKTYPE_RINGWIRE, RWT_LOST, recordTypes } from '../../protocol/trace/index.js';
import type { TraceInterface } from '../trace/trace-decoder.js';
import { describeTsresol, formatSeconds, timestampNanoseconds } from '../trace/timestamp.js';
import { recordTypeWord } from '../trace/event.js';
import { flag, parseVerbArgs } from './args.js';
import { jsonText, UsageError, type CliIo } from './io.js';
import { openTrace, placed } from './trace-input.js';

/** One interface as seen by the pass: its declaration, and its records' count and timestamp range. */
interface InterfaceTally {
  readonly section: number;
  readonly id: number;
  readonly decl: TraceInterface;
  records: number;
  /** Smallest and largest timestamp, as 32-bit halves (mergecap may reorder, so not first and last). */
  minHigh: number;
  minLow: number;
  maxHigh: number;
  maxLow: number;
}

export interface TraceInfo {
  readonly file: string;
  readonly bytes: number;
  readonly complete: boolean;
  readonly sections: number;
  readonly interfaces: {
    readonly section: number; readonly id: number; readonly if_name: string | null; readonly linktype: number;
    readonly ringwire: boolean; readonly if_tsresol: number; readonly records: number; readonly ended: boolean;
    readonly first_ns: string | null; readonly last_ns: string | null;
  }[];
  readonly records: number;
  readonly records_by_type: Record<string, number>;
  readonly packets: number;
  readonly fragments: number;
  readonly body_bytes: number;
  readonly time: { readonly first_ns: string; readonly last_ns: string; readonly span_ns: string } | null;
  readonly lost_records: number;
  readonly skipped: {
    readonly blocks: number; readonly records: number; readonly record_types: Record<string, number>;
    readonly options: number; readonly foreign_packets: number;
  };
}

/** Reads the whole trace once; throws the reader's TraceError (placed) on bad input. */
export async function traceInfo(path: string, io: CliIo): Promise<TraceInfo> {
  const input = openTrace(path, io);
  const reader = input.reader;
  const stats = reader.stats;
  const tallies: InterfaceTally[] = [];
  const byType = new Float64Array(0x10000);
  let bodyBytes = 0;
  let section = 0;
  /** Where the current section's interfaces start in `tallies`, and how many of them are there. */
  let base = 0;
  let known = 0;
  const learn = (): void => {
    if (stats.sections !== section) {
      section = stats.sections;
      base = tallies.length;
      known = 0;
    }
    const decl = reader.interfaces;
    while (known < decl.length) {
      tallies.push({ section, id: known, decl: decl[known] as TraceInterface, records: 0, minHigh: 0xffff_ffff, minLow: 0xffff_ffff, maxHigh: 0, maxLow: 0 });
      known++;
    }
  };
  try {
    // forEach: the records of each chunk in one synchronous loop (no promise per record).
    await reader.forEach((r) => {
      if (stats.sections !== section || reader.interfaces.length !== known) learn();
      const t = tallies[base + r.interface_id] as InterfaceTally;
      t.records++;
      byType[r.rec_type] = (byType[r.rec_type] as number) + 1;
      bodyBytes += r.body_len;
      const hi = r.timestamp_high;
      const lo = r.timestamp_low;
      if (hi < t.minHigh || (hi === t.minHigh && lo < t.minLow)) { t.minHigh = hi; t.minLow = lo; }
      if (hi > t.maxHigh || (hi === t.maxHigh && lo >= t.maxLow)) { t.maxHigh = hi; t.maxLow = lo; }
    });
    learn();
  } catch (e) {
    throw placed(e);
  } finally {
    await input.close();
  }

  const ns = (hi: number, lo: number, tsresol: number): bigint => timestampNanoseconds((BigInt(hi) << 32n) | BigInt(lo), tsresol);
  let first: bigint | undefined;
  let last: bigint | undefined;
  const interfaces = tallies.map((t) => {
    const has = t.records > 0;
    const lo = has ? ns(t.minHigh, t.minLow, t.decl.if_tsresol) : undefined;
    const hi = has ? ns(t.maxHigh, t.maxLow, t.decl.if_tsresol) : undefined;
    if (lo !== undefined && (first === undefined || lo < first)) first = lo;
    if (hi !== undefined && (last === undefined || hi > last)) last = hi;
    return {
      section: t.section, id: t.id, if_name: t.decl.if_name ?? null, linktype: t.decl.linktype, ringwire: t.decl.ringwire,
      if_tsresol: t.decl.if_tsresol, records: t.records, ended: t.decl.ended,
      first_ns: lo?.toString() ?? null, last_ns: hi?.toString() ?? null,
    };
  });
  const recordsByType: Record<string, number> = {};
  for (const t of recordTypes) recordsByType[t.word] = byType[t.value] as number;
  const skippedTypes: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats.skippedRecordTypes)) skippedTypes[recordTypeWord(Number(k))] = v;
  return {
    file: path,
    bytes: input.bytesRead(),
    // The reader refuses a trace one of whose interfaces has not ended (TRACE_TRUNCATED), so a trace
    // read to its end is complete.
    complete: interfaces.every((f) => !f.ringwire || f.ended),
    sections: stats.sections,
    interfaces,
    records: stats.records,
    records_by_type: recordsByType,
    packets: stats.packets,
    fragments: stats.fragments,
    body_bytes: bodyBytes,
    time: first === undefined || last === undefined ? null : { first_ns: first.toString(), last_ns: last.toString(), span_ns: (last - first).toString() },
    lost_records: byType[RWT_LOST] as number,
    skipped: {
      blocks: stats.skippedBlocks, records: stats.skippedRecords, record_types: skippedTypes,
      options: stats.skippedOptions, foreign_packets: stats.foreignPackets,
    },
  };
}

/** The text report. */
export function infoText(t: TraceInfo): string {
  const lines: string[] = [];
  const kv = (k: string, v: string): void => { lines.push(`${k.padEnd(12)} ${v}`); };
  kv('file', `${t.file} (${t.bytes} bytes)`);
  kv('complete', t.complete ? 'yes: every interface wrote its end record' : 'no');
  kv('sections', String(t.sections));
  kv('interfaces', String(t.interfaces.length));
  const multi = t.sections > 1;
  for (const f of t.interfaces) {
    const link = f.linktype === LINKTYPE_RINGWIRE ? `linktype ${f.linktype} (ringwire)` : `linktype ${f.linktype} (not ringwire: skipped)`;
    const name = f.if_name ?? '(unnamed)';
    lines.push(`  ${multi ? `${f.section}.` : ''}${f.id}  ${name.padEnd(24)} ${link}  if_tsresol ${describeTsresol(f.if_tsresol)}  ${f.records} records${f.ended ? '  ended' : ''}`);
  }
  kv('records', `${t.records} in ${t.packets} packets${t.fragments > 0 ? ` (${t.fragments} packets are fragments of split records)` : ''}`);
  lines.push(`  ${Object.entries(t.records_by_type).map(([w, n]) => `${w} ${n}`).join(', ')}`);
  kv('body bytes', String(t.body_bytes));
  kv('time span', t.time === null ? 'none'
    : `${formatSeconds(BigInt(t.time.first_ns))} .. ${formatSeconds(BigInt(t.time.last_ns))} s (${formatSeconds(BigInt(t.time.span_ns))} s)`);
  kv('lost', `${t.lost_records} lost records`);
  const s = t.skipped;
  const types = Object.entries(s.record_types).map(([w, n]) => `${w} ${n}`).join(', ');
  kv('skipped', `${s.blocks} blocks, ${s.records} records${types === '' ? '' : ` (${types})`}, ${s.options} options, ${s.foreign_packets} packets of other link types`);
  return lines.join('\n');
}

export async function traceInfoVerb(args: string[], io: CliIo): Promise<number> {
  const p = parseVerbArgs('trace info', args, { json: { type: 'boolean' } }, 1);
  const path = p.positionals[0];
  if (path === undefined) throw new UsageError('trace info: name a trace file (or - for standard input)', 'CLI_USAGE');
  const info = await traceInfo(path, io);
  io.out(flag(p, 'json') ? jsonText(info) : infoText(info));
  return 0;
}

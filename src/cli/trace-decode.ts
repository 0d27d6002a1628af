/**
 * `ringwire trace decode FILE [--json] [--iface N] [--from SEQ] [--to SEQ]`: the trace as a timeline, one
 * line per event (`seq iface party kind text`), or with --json one JSON object per line (JSON Lines).
 * Streams both ways: records are read in constant memory and lines go out in 64 KiB chunks as the output
 * takes them. Events come from TraceEventDecoders (src/trace/event.ts): transport decoders plug in there,
 * (ReplayEventDecoder: the Xen and virtio transports over replayed memory), and records no decoder explains
 * are shown record by record.
 */
import type { TraceInterface } from '../trace/trace-decoder.js';
import { TraceEventDecoders, type TraceEvent } from '../trace/event.js';
import { ReplayEventDecoder } from '../trace/decode-events.js';
import { flag, parseInteger, parseVerbArgs, stringOption } from './args.js';
import { UsageError, type CliIo } from './io.js';
import { openTrace, placed } from './trace-input.js';
import { LineWriter } from './trace-output.js';

export function eventLine(e: TraceEvent): string {
  return `${String(e.seq).padStart(8)} ${String(e.iface).padStart(3)} ${e.party.padEnd(5)} ${e.kind.padEnd(19)} ${e.text}`;
}

export async function traceDecodeVerb(args: string[], io: CliIo): Promise<number> {
  const p = parseVerbArgs('trace decode', args, {
    json: { type: 'boolean' }, records: { type: 'boolean' }, iface: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
  }, 1);
  const path = p.positionals[0];
  if (path === undefined) throw new UsageError('trace decode: name a trace file (or - for standard input)', 'CLI_USAGE');
  const num = (name: string, max?: number): number | undefined => {
    const v = stringOption(p, name);
    return v === undefined ? undefined : parseInteger(`--${name}`, v, max === undefined ? {} : { max });
  };
  const iface = num('iface', 0xffff_ffff);
  const from = num('from') ?? 0;
  const to = num('to') ?? Number.MAX_SAFE_INTEGER;
  if (from > to) throw new UsageError(`trace decode: --from ${from} is after --to ${to}`, 'CLI_USAGE');
  const json = flag(p, 'json');

  // The Xen and virtio decoders replay memory, so every record goes through them; the filters apply to output.
  // --records shows each record as it is (type, party, first bytes), without replaying memory: for traces
  // whose bodies do not decode, or to see every store.
  const replay = flag(p, 'records') ? undefined : new ReplayEventDecoder();
  const decoders = new TraceEventDecoders(replay === undefined ? [] : [replay]);
  const out = new LineWriter(io);
  const input = openTrace(path, io);
  const reader = input.reader;
  try {
    for await (const r of reader) {
      const events = decoders.accept(r, reader.interfaces[r.interface_id] as TraceInterface);
      if (r.seq < from || r.seq > to || (iface !== undefined && r.interface_id !== iface)) continue;
      for (const e of events) {
        const wait = out.line(json ? JSON.stringify(e) : eventLine(e));
        if (wait !== undefined) await wait;
      }
    }
  } catch (e) {
    // Every whole record before the error has been shown; then the one stderr line.
    await out.flush();
    throw placed(e);
  } finally {
    await input.close();
  }
  await out.flush();
  // Exit 1: the trace was read whole, but a record broke the body format or a checkpoint was not met (shown as an `error` event).
  return (replay?.errors.length ?? 0) > 0 ? 1 : 0;
}

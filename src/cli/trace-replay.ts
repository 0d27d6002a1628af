/**
 * `ringwire trace replay FILE --side front|back --impl MODULE [--iface N] [--json]`: play the recorded other
 * side of a trace on fresh memory and let the implementation under test (MODULE's default export, a
 * ReplayImplementationFactory) act as `--side`; report the first divergence with its record number, region,
 * offset and field path. Exit 0 when the implementation reproduced every run, 1 at a divergence (or when the
 * implementation threw), 2 for bad usage, an unreadable module or a corrupt trace.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImplementationReplay, TraceStreamReader, type ReplayImplementationFactory, type ReplaySide } from '../trace/index.js';
import { fileChunks } from '../trace/file-io.js';
import { RingwireError } from '../errors.js';
import { UsageError, jsonText, type CliIo } from './io.js';
import { flag, parseInteger, parseVerbArgs, stringOption } from './args.js';

export async function traceReplay(args: string[], io: CliIo): Promise<number> {
  const p = parseVerbArgs('trace replay', args, { side: { type: 'string' }, impl: { type: 'string' }, iface: { type: 'string' }, json: { type: 'boolean' } }, 1);
  const file = p.positionals[0];
  if (file === undefined) throw new UsageError('trace replay: give the trace FILE (or - for standard input)');
  const side = stringOption(p, 'side');
  if (side !== 'front' && side !== 'back') throw new UsageError('trace replay: --side must be front (Xen frontend, virtio driver) or back (Xen backend, virtio device)');
  const implPath = stringOption(p, 'impl');
  if (implPath === undefined) throw new UsageError('trace replay: --impl MODULE names the implementation under test');
  const ifaceText = stringOption(p, 'iface');
  const iface = ifaceText === undefined ? 0 : parseInteger('--iface', ifaceText);
  const factory = await loadImplementation(implPath);
  const replay = new ImplementationReplay(iface, side as ReplaySide, factory);
  let threw: unknown;
  try {
    for await (const r of new TraceStreamReader(fileChunks(file === '-' ? 0 : file))) if (replay.accept(r) !== undefined) break;
  } catch (e) {
    if (e instanceof RingwireError) throw e;
    threw = e;
  }
  const result = replay.finish();
  const d = result.divergence;
  const role = side === 'back' ? 'backend/device' : 'frontend/driver';
  if (flag(p, 'json')) {
    io.out(jsonText({ file, iface, side, runs: result.runs, divergence: d ?? null, ...(threw === undefined ? {} : { threw: String(threw) }) }));
  } else if (threw !== undefined) {
    io.out(`${file}: the ${role} under test threw after ${result.runs} run(s): ${threw instanceof Error ? threw.message : String(threw)}`);
  } else if (d === undefined) {
    io.out(`${file}: interface ${iface}: the ${role} under test reproduced all ${result.runs} recorded run(s)`);
  } else {
    io.out([
      `${file}: interface ${iface}: divergence in run ${result.runs}, at record ${d.record} (seq ${d.seq})`,
      `  ${d.region} offset ${d.offset}: ${d.path}: trace ${d.trace}, implementation ${d.implementation}`,
    ].join('\n'));
  }
  return threw !== undefined || d !== undefined ? 1 : 0;
}

async function loadImplementation(path: string): Promise<ReplayImplementationFactory> {
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(resolve(process.cwd(), path)).href) as { default?: unknown };
  } catch (e) {
    throw new UsageError(`trace replay: cannot load --impl ${path}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, 'CLI_READ');
  }
  if (typeof mod.default !== 'function') throw new UsageError(`trace replay: ${path} must export default a function (ctx) => ({ run() })`);
  return mod.default as ReplayImplementationFactory;
}

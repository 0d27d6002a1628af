/**
 * `ringwire trace replay FILE --side front|back (--impl MODULE | --impl-cmd "COMMAND") [--iface N] [--timeout-ms MS] [--json]`:
 * play the recorded other side of a trace on fresh memory and let the implementation under test (MODULE's
 * default export, a ReplayImplementationFactory, or a child process speaking protocol/trace/impl-protocol.md)
 * act as `--side`; report the first divergence with its record number, region, offset and field path. A
 * hostile trace (`ringwire hostile`) says what the implementation must do with it, and the replay judges
 * that instead (src/hostile/outcome.ts): refused as expected, observed as expected, or why not.
 * Exit 0 when the implementation reproduced every run (or met the hostile trace's expectation), 1 at a
 * divergence (or when the implementation threw, failed the expectation, or broke the line protocol), 2 for
 * bad usage, an unreadable module, a command that cannot be started, or a corrupt trace.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImplementationReplay, TraceStreamReader, type ReplayImplementationFactory, type ReplaySide } from '../trace/index.js';
import { fileChunks } from '../trace/file-io.js';
import { judgeHostile } from '../hostile/outcome.js';
import { RingwireError } from '../errors.js';
import { UsageError, jsonText, type CliIo } from './io.js';
import { flag, parseInteger, parseVerbArgs, stringOption } from './args.js';
import { implCommand, type ImplCommand } from './impl-cmd.js';
import { roleWord } from './hostile.js';

export async function traceReplay(args: string[], io: CliIo): Promise<number> {
  const p = parseVerbArgs('trace replay', args, {
    side: { type: 'string' }, impl: { type: 'string' }, 'impl-cmd': { type: 'string' }, iface: { type: 'string' }, 'timeout-ms': { type: 'string' }, json: { type: 'boolean' },
  }, 1);
  const file = p.positionals[0];
  if (file === undefined) throw new UsageError('trace replay: give the trace FILE (or - for standard input)');
  const side = stringOption(p, 'side');
  if (side !== 'front' && side !== 'back') throw new UsageError('trace replay: --side must be front (Xen frontend, virtio driver) or back (Xen backend, virtio device)');
  const implPath = stringOption(p, 'impl');
  const cmdText = stringOption(p, 'impl-cmd');
  if ((implPath === undefined) === (cmdText === undefined)) throw new UsageError('trace replay: name the implementation under test with --impl MODULE or --impl-cmd "COMMAND" (one of them)');
  const ifaceText = stringOption(p, 'iface');
  const iface = ifaceText === undefined ? 0 : parseInteger('--iface', ifaceText);
  const timeoutText = stringOption(p, 'timeout-ms');
  const timeoutMs = timeoutText === undefined ? 10_000 : parseInteger('--timeout-ms', timeoutText, { min: 1, max: 3_600_000 });
  const cmd: ImplCommand | undefined = cmdText === undefined ? undefined : implCommand(cmdText, timeoutMs);
  const factory = cmd !== undefined ? cmd.factory : await loadImplementation(implPath as string);
  const replay = new ImplementationReplay(iface, side as ReplaySide, factory);
  let threw: unknown;
  let result;
  try {
    try {
      for await (const r of new TraceStreamReader(fileChunks(file === '-' ? 0 : file))) await replay.acceptAsync(r);
    } catch (e) {
      if (e instanceof RingwireError) throw e;
      threw = e;
    }
    result = await replay.finishAsync();
  } finally {
    await cmd?.close();
  }
  const failure = cmd?.failure();
  if (failure !== undefined) {
    // The implementation broke the line protocol, hung or died: one line, exit 1 (2 when it never started).
    if (failure.cliCode === 'CLI_IMPL_SPAWN') throw new UsageError(`trace replay: --impl-cmd could not be run: ${failure.message}`, 'CLI_IMPL_SPAWN');
    io.err(`ringwire: ${failure.cliCode}: trace replay: ${failure.message}`);
    return 1;
  }
  const d = result.divergence;
  const role = side === 'back' ? 'backend/device' : 'frontend/driver';
  const h = result.hostile;
  if (h !== undefined && threw === undefined) {
    if (h.side !== side) throw new UsageError(`trace replay: ${file} is a hostile trace for the ${h.side} side (${h.rule}); replay it with --side ${h.side}`);
    const o = judgeHostile(h, result);
    if (flag(p, 'json')) {
      io.out(jsonText({ file, iface, side, runs: result.runs, divergence: d ?? null, refusal: result.refusal ?? null, hostile: { rule: o.rule, expect: o.expect, ok: o.ok, verdict: o.verdict, text: o.text, finding: o.finding ?? null } }));
    } else {
      const who = result.setup === undefined ? role : roleWord(result.setup.transport, h.side);
      io.out(`${file}: interface ${iface}: ${who} under test: ${o.text}`);
    }
    return o.ok ? 0 : 1;
  }
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

#!/usr/bin/env node
/**
 * The ringwire command line. Exit status: 0 success (or a consistent ring), 1 a protocol violation shown,
 * 2 bad usage or bad input, with one line on stderr that names the problem.
 */
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import '../layout/registry.js';
import { RingwireError } from '../errors.js';
import { processIo, UsageError, type CliIo, type VerbMain } from './io.js';
import { decodeVerb, encodeVerb, layoutVerb } from './codec-verbs.js';
import { dumpVerb } from './dump-verb.js';

const usage = `usage: ringwire <verb> ...
  layout [STRUCT] [--abi x86_64|x86_32|arm] [--json]
  encode STRUCT [--abi A] [--legacy-be] JSON
  decode STRUCT [--abi A] [--legacy-be] HEX [--json]
  dump xen --ring blkif|netif_tx|netif_rx|xen_netif_ctrl [--abi A] [--order N] FILE [--json]
  dump virtio-split --size N --desc FILE --avail FILE --used FILE [--mem GPA:FILE ...] [--event-idx] [--legacy-be] [--json]
  dump virtio-packed --size N --desc FILE [--driver-event FILE] [--device-event FILE] [--mem GPA:FILE ...] [--json]`;

const verbs: Record<string, VerbMain> = { layout: layoutVerb, encode: encodeVerb, decode: decodeVerb, dump: dumpVerb };

/** Run one command line; never throws: errors become exit status 2 and one line on stderr. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    (verb === undefined ? io.err : io.out)(usage);
    return verb === undefined ? 2 : 0;
  }
  const main = verbs[verb];
  if (main === undefined) {
    io.err(`ringwire: unknown verb "${verb}" (layout, encode, decode, dump)`);
    return 2;
  }
  try {
    return await main(rest, io);
  } catch (e) {
    if (e instanceof UsageError) io.err(`ringwire ${e.message}`);
    else if (e instanceof RingwireError) io.err(`ringwire ${verb}: ${e.code}: ${e.message}`);
    else io.err(`ringwire ${verb}: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return 2;
  }
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(realpathSync(invokedPath)).href) {
  process.exitCode = await run(process.argv.slice(2));
}

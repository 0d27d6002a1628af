#!/usr/bin/env node
/**
 * The ringwire command line. Exit status: 0 success (or a consistent ring), 1 a protocol violation shown,
 * 2 bad usage or bad input, with exactly one line on stderr: `ringwire: CODE: message`.
 * `ringwire VERB --help` (and `ringwire dump KIND --help`) prints that verb's usage on stdout and exits 0.
 */
import { pathToFileURL } from 'node:url';
import { readFileSync, realpathSync } from 'node:fs';
import '../layout/registry.js';
import { RingwireError } from '../errors.js';
import { processIo, UsageError, type CliIo, type Verb } from './io.js';
import { verbs } from './verbs.js';

function topUsage(): string {
  const lines = ['usage: ringwire VERB [options]   (ringwire VERB --help for one verb)'];
  for (const [name, v] of Object.entries(verbs)) {
    if (v.kinds === undefined) lines.push(`  ${name.padEnd(20)} ${v.summary}`);
    else for (const [kind, k] of Object.entries(v.kinds)) lines.push(`  ${`${name} ${kind}`.padEnd(20)} ${k.summary}`);
  }
  lines.push(`  ${'--version'.padEnd(20)} print the version`);
  return lines.join('\n');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `ringwire ${pkg.version}`;
}

/** Fold an error into the one stderr line every failure gets. */
export function errorLine(e: unknown): string {
  const code = e instanceof RingwireError ? e.code : 'INTERNAL';
  const message = e instanceof Error ? e.message : String(e);
  return `ringwire: ${code}: ${message.replace(/\s*\n\s*/g, '; ')}`;
}

/** Run one command line; never throws: errors become exit status 2 and one line on stderr. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(topUsage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.out(version());
    return 0;
  }
  try {
    let verb: Verb | undefined = verbs[name];
    if (verb === undefined) throw new UsageError(`unknown verb "${name}" (${Object.keys(verbs).join(', ')}; ringwire --help)`, 'CLI_UNKNOWN_VERB');
    let args = rest;
    let path = name;
    while (verb.kinds !== undefined) {
      const [kind, ...more] = args;
      if (kind === '--help' || kind === '-h') break;
      const sub: Verb | undefined = kind === undefined ? undefined : verb.kinds[kind];
      if (sub === undefined) {
        throw new UsageError(`${path}: ${kind === undefined ? 'name' : `unknown kind "${kind}"; name`} one of ${Object.keys(verb.kinds).join(', ')}`, 'CLI_USAGE');
      }
      verb = sub;
      args = more;
      path = `${path} ${kind as string}`;
    }
    if (args.includes('--help') || args.includes('-h')) {
      io.out(verb.usage);
      return 0;
    }
    return await verb.run(args, io);
  } catch (e) {
    io.err(errorLine(e));
    return 2;
  }
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(realpathSync(invokedPath)).href) {
  // Output into a closed pipe (`ringwire layout --json | head -1`) ends quietly with 141, as SIGPIPE would.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(141);
    process.stderr.write(`${errorLine(e)}\n`);
    process.exit(2);
  });
  process.exitCode = await run(process.argv.slice(2));
}

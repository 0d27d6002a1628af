/**
 * `ringwire trace replay --impl-cmd "COMMAND ARGS"`: an implementation under test in another language, run as
 * a child process speaking the JSON-lines protocol of protocol/trace/impl-protocol.md on its stdin / stdout,
 * with the interface's memory in a shared file (every region's bytes back to back). ringwire writes the
 * current bytes into the file before each run and reads them back after the answer. A child that exits,
 * closes its output, answers with a line that is not the protocol's, or does not answer in time is a fatal
 * error of the replay (CLI_IMPL_PROTOCOL / CLI_IMPL_TIMEOUT, exit 1; CLI_IMPL_SPAWN, exit 2, when the
 * command cannot be started at all); the child is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { regionKinds } from '../../protocol/trace/index.js';
import type { ReplayContext, ReplayImplementation, ReplayImplementationFactory } from '../trace/index.js';
import type { RingPort } from '../memory/ring-port.js';

export const IMPL_PROTOCOL_VERSION = 1;

/** A fatal failure of the child or of its protocol: the replay stops, ringwire prints one line. */
export class ImplCommandFailure extends Error {
  constructor(readonly cliCode: 'CLI_IMPL_PROTOCOL' | 'CLI_IMPL_TIMEOUT' | 'CLI_IMPL_SPAWN', message: string) {
    super(message);
    this.name = 'ImplCommandFailure';
  }
}

/** The implementation refused what it was given: `{"refused": "CODE", "message": "..."}`. */
export class ImplCommandRefusal extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ImplCommandRefusal';
  }
}

/** Lines from a stream, one at a time, with a timeout; EOF and child exit end the wait. */
class LineQueue {
  readonly #lines: string[] = [];
  #buffer = '';
  #ended: string | undefined;
  /** Its output closed; its exit (and status) usually follows at once. */
  #closed = false;
  #closedAt: number | undefined;
  #tail = '';
  #wake: (() => void) | undefined;

  constructor(child: ChildProcess, stderrTail: () => string) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      this.#buffer += chunk;
      for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
        this.#lines.push(this.#buffer.slice(0, nl).replace(/\r$/, ''));
        this.#buffer = this.#buffer.slice(nl + 1);
      }
      this.#wake?.();
    });
    child.stdout?.on('end', () => { this.#closed = true; this.#wake?.(); });
    child.on('exit', (code, signal) => {
      const tail = stderrTail();
      this.#tail = tail === '' ? '' : ` (its last stderr line: ${tail})`;
      this.#end(`exited (${signal ?? `status ${String(code)}`})`, code ?? undefined);
    });
    child.on('error', (e) => { this.#end(`could not be started: ${e.message}`, 127); });
  }

  exitStatus: number | undefined;

  #end(why: string, status?: number): void {
    this.#ended ??= why;
    if (status !== undefined) this.exitStatus ??= status;
    this.#wake?.();
  }

  /** The next line; rejects with the reason when the child is gone, or after `ms`. */
  async next(ms: number, what: string): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) return line;
      if (this.#ended !== undefined) {
        // A shell reports a command it cannot find or run with status 127 / 126.
        const code = this.exitStatus === 127 || this.exitStatus === 126 ? 'CLI_IMPL_SPAWN' : 'CLI_IMPL_PROTOCOL';
        throw new ImplCommandFailure(code, `the implementation ${this.#ended} before answering ${what}${this.#tail}`);
      }
      if (this.#closed) {
        // Wait a moment for the exit status, which tells a command that could not run from one that quit.
        if (this.#closedAt === undefined) this.#closedAt = Date.now();
        else if (Date.now() - this.#closedAt >= 1000) this.#end('closed its output');
        if (this.#ended === undefined) await new Promise<void>((resolve) => { setTimeout(resolve, 20); });
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new ImplCommandFailure('CLI_IMPL_TIMEOUT', `the implementation did not answer ${what} within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => { clearTimeout(t); resolve(); };
      });
      this.#wake = undefined;
    }
  }
}

/** JSON.stringify replacer: a bigint as a number when exact, else its decimal string. */
function jsonBigint(_key: string, v: unknown): unknown {
  if (typeof v !== 'bigint') return v;
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

export interface ImplCommand {
  readonly factory: ReplayImplementationFactory;
  /** The fatal failure that stopped the replay, if one did. */
  failure(): ImplCommandFailure | undefined;
  /** Send `end`, close the child's input, wait a little for it to exit, kill it otherwise; remove the files. */
  close(): Promise<void>;
}

/** An implementation under test run as `command` (through the shell), answering within `timeoutMs` per line. */
export function implCommand(command: string, timeoutMs: number): ImplCommand {
  let child: ChildProcess | undefined;
  let failure: ImplCommandFailure | undefined;
  let dir: string | undefined;
  const fds: number[] = [];
  /** Kill the child's whole process group (the shell and what it started) and let go of its pipes. */
  const kill = (): void => {
    const c = child;
    if (c === undefined) return;
    try {
      if (c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
    } catch {
      c.kill('SIGKILL');
    }
    c.stdout?.destroy();
    c.stderr?.destroy();
    c.stdin?.destroy();
  };
  const fatal = (e: unknown): never => {
    failure ??= e instanceof ImplCommandFailure ? e : new ImplCommandFailure('CLI_IMPL_PROTOCOL', e instanceof Error ? e.message : String(e));
    kill();
    throw failure;
  };
  const factory: ReplayImplementationFactory = (ctx: ReplayContext): ReplayImplementation => {
    dir = mkdtempSync(join(tmpdir(), 'ringwire-impl-'));
    const file = join(dir, 'memory.bin');
    const recordedFile = join(dir, 'recorded.bin');
    const offsets: number[] = [];
    let total = 0;
    for (const g of ctx.regions) { offsets.push(total); total += g.length; }
    const fd = openSync(file, 'w+');
    const rfd = openSync(recordedFile, 'w+');
    fds.push(fd, rfd);
    const put = (to: number, ports: readonly RingPort[]): void => {
      ports.forEach((p, i) => { writeSync(to, p.bytes, 0, p.bytes.length, offsets[i] as number); });
    };
    put(fd, ctx.ports);
    put(rfd, ctx.recorded);
    let stderr = '';
    // Its own process group, so a hung implementation is killed with everything the shell started.
    child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (t: string) => { stderr = (stderr + t).slice(-2000); });
    child.stdin?.on('error', () => undefined); // a child gone is reported by the line queue
    const lines = new LineQueue(child, () => stderr.trim().split('\n').pop() ?? '');
    // 64-bit values (virtio feature words) go as numbers when exact, as decimal strings otherwise.
    const send = (msg: object): void => { child?.stdin?.write(`${JSON.stringify(msg, jsonBigint)}\n`); };
    const answer = async (what: string): Promise<Record<string, unknown>> => {
      const line = await lines.next(timeoutMs, what);
      let v: unknown;
      try { v = JSON.parse(line); } catch { v = undefined; }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        throw new ImplCommandFailure('CLI_IMPL_PROTOCOL', `the implementation answered ${what} with a line that is not a JSON object: ${JSON.stringify(line.slice(0, 80))}`);
      }
      return v as Record<string, unknown>;
    };
    const hello = {
      type: 'hello', version: IMPL_PROTOCOL_VERSION, side: ctx.side, setup: ctx.setup, file, recorded: recordedFile,
      regions: ctx.regions.map((g, i) => ({ name: g.name, kind: regionKinds.find((k) => k.value === g.kind)?.word ?? String(g.kind), address: g.address, length: g.length, offset: offsets[i] })),
    };
    let greeted = false;
    let runs = 0;
    return {
      async run() {
        try {
          if (!greeted) {
            send(hello);
            const a = await answer('hello');
            if (a['ready'] !== true) throw new ImplCommandFailure('CLI_IMPL_PROTOCOL', `the implementation answered hello without "ready": true: ${JSON.stringify(a).slice(0, 120)}`);
            greeted = true;
          }
          put(fd, ctx.ports);
          put(rfd, ctx.recorded);
          // What happened besides memory since the last run (notifications, xenbus and virtio config, annotations).
          send({ type: 'run', run: ++runs, events: ctx.events ?? [] });
          const a = await answer(`run ${runs}`);
          if (typeof a['refused'] === 'string') throw new ImplCommandRefusal(a['refused'], typeof a['message'] === 'string' ? a['message'] : '');
          const notify = a['notify'] ?? [];
          if (a['done'] !== true || !Array.isArray(notify) || !notify.every((c) => Number.isInteger(c) && (c as number) >= 0)) {
            throw new ImplCommandFailure('CLI_IMPL_PROTOCOL', `the implementation answered run ${runs} with neither {"done":true,"notify":[channels]} nor {"refused":"CODE"}: ${JSON.stringify(a).slice(0, 120)}`);
          }
          ctx.ports.forEach((p, i) => {
            const n = readSync(fd, p.bytes, 0, p.bytes.length, offsets[i] as number);
            if (n !== p.bytes.length) throw new ImplCommandFailure('CLI_IMPL_PROTOCOL', `the memory file ${file} is shorter than the ${total} bytes of the regions`);
          });
          for (const c of notify as number[]) (ctx.ports[0] as RingPort).notify(c);
        } catch (e) {
          if (e instanceof ImplCommandRefusal) throw e;
          fatal(e);
        }
      },
    };
  };
  return {
    factory,
    failure: () => failure,
    async close() {
      const c = child;
      if (c !== undefined && failure === undefined && c.exitCode === null && c.signalCode === null) {
        const exited = new Promise<void>((resolve) => { c.once('exit', () => { resolve(); }); });
        c.stdin?.write(`${JSON.stringify({ type: 'end' })}\n`);
        c.stdin?.end();
        const t = setTimeout(kill, Math.min(timeoutMs, 2000));
        await exited;
        clearTimeout(t);
      }
      kill();
      for (const fd of fds.splice(0)) closeSync(fd);
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

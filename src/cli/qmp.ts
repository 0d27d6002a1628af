/**
 * A minimal QMP client (QEMU Machine Protocol: one JSON object per line over a unix socket): read the greeting,
 * enter command mode with qmp_capabilities, then run commands one at a time. Asynchronous events are skipped.
 * Failures are UsageErrors with their own codes: CLI_QMP_CONNECT (no QEMU at the socket, or it went away),
 * CLI_QMP_MISSING (a command this QEMU does not have), CLI_QMP_ERROR (a command QEMU refused).
 */
import { createConnection, type Socket } from 'node:net';
import { UsageError } from './io.js';

export type QmpValue = unknown;

interface Pending {
  readonly command: string;
  readonly resolve: (v: QmpValue) => void;
  readonly reject: (e: Error) => void;
}

export class QmpClient {
  readonly #socket: Socket;
  readonly #path: string;
  #buffer = '';
  #pending: Pending | undefined;
  #greeted: ((v: QmpValue) => void) | undefined;
  #failed: Error | undefined;
  #onFail: ((e: Error) => void) | undefined;

  private constructor(socket: Socket, path: string) {
    this.#socket = socket;
    this.#path = path;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.#data(d));
    socket.on('error', (e) => this.#fail(new UsageError(`QMP socket ${path}: ${e.message}`, 'CLI_QMP_CONNECT')));
    socket.on('close', () => this.#fail(new UsageError(`QMP socket ${path}: QEMU closed the connection`, 'CLI_QMP_CONNECT')));
  }

  /** Connect, read the greeting and negotiate capabilities; rejects within `timeoutMs`. */
  static async connect(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    const socket = createConnection({ path });
    const client = new QmpClient(socket, path);
    const timer = setTimeout(() => client.#fail(new UsageError(`QMP socket ${path}: no greeting from QEMU within ${timeoutMs} ms`, 'CLI_QMP_CONNECT')), timeoutMs);
    try {
      await new Promise<QmpValue>((resolve, reject) => {
        client.#greeted = resolve;
        client.#onFail = reject;
      });
      await client.execute('qmp_capabilities');
    } catch (e) {
      socket.destroy();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return client;
  }

  /** Run one command; resolves with its `return` value. */
  execute(command: string, args?: Record<string, unknown>): Promise<QmpValue> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    if (this.#pending !== undefined) return Promise.reject(new Error(`QMP: ${command} while ${this.#pending.command} is pending`));
    return new Promise((resolve, reject) => {
      this.#pending = { command, resolve, reject };
      this.#onFail = reject;
      this.#socket.write(`${JSON.stringify(args === undefined ? { execute: command } : { execute: command, arguments: args })}\n`);
    });
  }

  close(): void {
    this.#failed ??= new UsageError(`QMP socket ${this.#path}: closed`, 'CLI_QMP_CONNECT');
    this.#socket.destroy();
  }

  #fail(e: Error): void {
    if (this.#failed !== undefined) return;
    this.#failed = e;
    this.#pending = undefined;
    this.#onFail?.(e);
  }

  #data(d: string): void {
    this.#buffer += d;
    for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, nl).trim();
      this.#buffer = this.#buffer.slice(nl + 1);
      if (line === '') continue;
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(line) as Record<string, unknown>;
      } catch {
        this.#fail(new UsageError(`QMP socket ${this.#path}: not a QMP message: ${line.slice(0, 80)}`, 'CLI_QMP_CONNECT'));
        return;
      }
      if ('QMP' in m) { this.#greeted?.(m['QMP']); this.#greeted = undefined; continue; }
      if ('event' in m) continue;
      const p = this.#pending;
      if (p === undefined) continue;
      this.#pending = undefined;
      if ('return' in m) { p.resolve(m['return']); continue; }
      const err = (m['error'] ?? {}) as { class?: string; desc?: string };
      const missing = err.class === 'CommandNotFound';
      p.reject(new UsageError(missing
        ? `QEMU has no QMP command ${p.command} (QEMU 7.2 or later has the x-query-virtio commands)`
        : `QMP ${p.command}: ${err.desc ?? 'failed'}`, missing ? 'CLI_QMP_MISSING' : 'CLI_QMP_ERROR'));
    }
  }
}

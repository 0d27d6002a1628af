/** Shared test helpers for virtio tests: a guest with one RAM region, hex, and error matching. */
import assert from 'node:assert/strict';
import { GuestMemory } from '../../src/virtio/index.js';
import type { VirtqError } from '../../src/virtio/index.js';

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** A guest with `length` bytes of RAM at guest-physical 0. */
export function ram(length = 0x10000, shared = false): { memory: GuestMemory; bytes: Uint8Array; view: DataView } {
  const memory = new GuestMemory();
  const port = memory.mapNew(0, length, { shared });
  return { memory, bytes: port.bytes, view: port.view };
}

/** Assert that fn throws a VirtqError with exactly this code; returns it. */
export function throwsCode(fn: () => unknown, code: string): VirtqError {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  assert.ok(err instanceof Error, `expected ${code}, nothing thrown`);
  assert.equal((err as VirtqError).code, code, (err as Error).message);
  assert.equal((err as Error).name, 'VirtqError');
  assert.match((err as Error).message, /virtio 1\.2 §/);
  return err as VirtqError;
}

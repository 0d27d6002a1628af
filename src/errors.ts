/**
 * Typed errors. Every rejection carries a stable `code` (never reworded), where it happened (byte `offset`,
 * ring `index`, field `path`), what was expected and what was seen, and one sentence.
 *
 * Classes are split by consequence, as Go's x/net/http2 does: a LayoutError is a programming or usage error,
 * a CodecError means the bytes or values given do not fit the C types, a RingError / VirtqError means a peer
 * broke the protocol. Every code is an entry of the catalogue (protocol/catalogue/), which gives its citation.
 */
import type { CodecRuleId, LayoutRuleId } from '../protocol/catalogue/index.js';
import { ruleText } from './rule-catalogue.js';

export interface ErrorDetail {
  /** Byte offset into the buffer or memory region the error refers to. */
  readonly offset?: number;
  /** Ring slot, ring index or descriptor index. */
  readonly index?: number;
  /** Field path, such as `blkif_request.seg[3].last_sect`. */
  readonly path?: string;
  readonly expected?: unknown;
  readonly received?: unknown;
  /**
   * The header line or spec section the rule comes from. When not given, the catalogue's entry for the code
   * fills it (`citation: statement`, see src/rule-catalogue.ts).
   */
  readonly rule?: string;
}

export class RingwireError extends Error {
  readonly code: string;
  readonly offset: number | undefined;
  readonly index: number | undefined;
  readonly path: string | undefined;
  readonly expected: unknown;
  readonly received: unknown;
  readonly rule: string | undefined;

  constructor(code: string, message: string, detail: ErrorDetail = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.offset = detail.offset;
    this.index = detail.index;
    this.path = detail.path;
    this.expected = detail.expected;
    this.received = detail.received;
    this.rule = detail.rule ?? ruleText(code);
  }

  /** A plain object for JSON output (CLI, dumps, checker reports). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.offset !== undefined) out['offset'] = this.offset;
    if (this.index !== undefined) out['index'] = this.index;
    if (this.path !== undefined) out['path'] = this.path;
    if (this.expected !== undefined) out['expected'] = jsonSafe(this.expected);
    if (this.received !== undefined) out['received'] = jsonSafe(this.received);
    if (this.rule !== undefined) out['rule'] = this.rule;
    return out;
  }
}

function jsonSafe(v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** Unknown struct, ABI or field path; a declaration that fails its load-time self-check. */
export class LayoutError extends RingwireError {
  declare readonly code: LayoutRuleId;
  constructor(code: LayoutRuleId, message: string, detail: ErrorDetail = {}) {
    super(code, message, detail);
  }
}

/** Bytes or values that do not fit the C types: short buffer, out-of-range value, unknown or missing field. */
export class CodecError extends RingwireError {
  declare readonly code: CodecRuleId;
  constructor(code: CodecRuleId, message: string, detail: ErrorDetail = {}) {
    super(code, message, detail);
  }
}

export function describeValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return v === null ? 'null' : Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}

/**
 * The capture log: what the real-Xen harness (run.sh) got out of the VM on its serial console, reduced to the
 * lines dom0 printed for us. `@rw ...` lines are the dom0 script's progress notes (and the guest console it
 * relays); `@rg ...` lines are ringgrab's output (ringgrab.c documents the grammar): per capture, the xenstore
 * tree of the frontend and backend directories and each ring page as base64 with its CRC-32.
 *
 * `extractCaptureLog` keeps only those lines of a raw serial log (dropping carriage returns and everything Xen
 * and the kernels printed); `parseCaptureLog` reads them back, checking every page's length and CRC so a byte
 * lost or changed on the console is an error here, never a wrong fixture.
 */
import { crc32 } from '../../src/trace/crc32.js';

export class CaptureLogError extends Error {
  readonly code = 'REALXEN_BAD_CAPTURE_LOG';
  /** 1-based line of the capture log. */
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'CaptureLogError';
    this.line = line;
  }
}

export interface RingPage {
  /** The frontend's key relative to its device directory: ring-ref, ring-ref1, queue-0/tx-ring-ref ... */
  readonly key: string;
  readonly gref: number;
  readonly bytes: Uint8Array;
}

export interface Capture {
  readonly label: string;
  readonly domid: number;
  /** The frontend's device directory, /local/domain/D/device/vbd/51712. */
  readonly front: string;
  /** dom0's CLOCK_MONOTONIC when the pages were copied, in nanoseconds. */
  readonly ns: bigint;
  /** Every xenstore node under the frontend and backend directories, in the order xenstored listed them. */
  readonly xs: ReadonlyMap<string, string>;
  readonly pages: readonly RingPage[];
}

export interface CaptureLog {
  readonly captures: readonly Capture[];
  /** The @rw lines, without the prefix. */
  readonly notes: readonly string[];
}

const PAGE = 4096;

/** Keep the @rw / @rg lines of a raw serial log. */
export function extractCaptureLog(serial: string): string {
  return serial.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.startsWith('@rw ') || l.startsWith('@rg ')).join('\n') + '\n';
}

function unescapeValue(v: string): string {
  return v.replace(/\\x([0-9a-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function parseCaptureLog(text: string): CaptureLog {
  const captures: Capture[] = [];
  const notes: string[] = [];
  let open: { label: string; domid: number; front: string; ns: bigint; xs: Map<string, string>; pages: RingPage[] } | undefined;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const n = i + 1;
    const line = raw.replace(/\r$/, '');
    if (line === '') return;
    if (line.startsWith('@rw ')) { notes.push(line.slice(4)); return; }
    if (!line.startsWith('@rg ')) throw new CaptureLogError(n, 'neither an @rw nor an @rg line.');
    const [word = '', ...rest] = line.slice(4).split(' ');
    if (word === 'begin') {
      if (open !== undefined) throw new CaptureLogError(n, `capture ${open.label} has no end before the next begin.`);
      const [label, domid, front, ns] = rest;
      if (label === undefined || front === undefined || !/^\d+$/.test(domid ?? '') || !/^\d+$/.test(ns ?? '')) throw new CaptureLogError(n, 'a begin line needs LABEL DOMID FRONTEND_PATH NS.');
      open = { label, domid: Number(domid), front, ns: BigInt(ns as string), xs: new Map(), pages: [] };
      return;
    }
    if (open === undefined) throw new CaptureLogError(n, `an @rg ${word} line outside a capture.`);
    if (word === 'xs') {
      const [path, ...value] = rest;
      if (path === undefined || !path.startsWith('/')) throw new CaptureLogError(n, 'an xs line needs an absolute path.');
      open.xs.set(path, unescapeValue(value.join(' ')));
    } else if (word === 'page') {
      const [key, gref, crc, b64] = rest;
      if (key === undefined || !/^\d+$/.test(gref ?? '') || !/^[0-9a-f]{8}$/.test(crc ?? '') || b64 === undefined) throw new CaptureLogError(n, 'a page line needs KEY GREF CRC32 BASE64.');
      const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
      if (bytes.length !== PAGE || Buffer.from(bytes).toString('base64') !== b64) throw new CaptureLogError(n, `page ${key} decodes to ${bytes.length} bytes, not a clean ${PAGE}-byte base64 page.`);
      const got = crc32(bytes).toString(16).padStart(8, '0');
      if (got !== crc) throw new CaptureLogError(n, `page ${key} has CRC-32 ${got}; ringgrab printed ${crc as string} (the console changed it).`);
      open.pages.push({ key, gref: Number(gref), bytes });
    } else if (word === 'end') {
      if (rest[0] !== open.label) throw new CaptureLogError(n, `end ${rest[0] ?? ''} closes capture ${open.label}.`);
      captures.push(open);
      open = undefined;
    } else {
      throw new CaptureLogError(n, `unknown @rg line ${word}.`);
    }
  });
  if (open !== undefined) throw new CaptureLogError(lines.length, `capture ${open.label} has no end.`);
  return { captures, notes };
}

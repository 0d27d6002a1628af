/**
 * Writes the real-Xen fixtures under fixtures/xen/real/ or $REALXEN_FIXTURES (run by fixtures.sh, after gcc built
 * ref-decode):
 *
 *   node dist/test/real-xen/make-real-fixtures.js REF_DECODE [VARIANT=SERIAL_LOG ...]
 *
 * For each VARIANT=SERIAL_LOG given, VARIANT.capture.log is first written from the serial log (only the lines
 * dom0 printed for us: capture-log.ts). Then, for every fixtures/xen/real/*.capture.log:
 *   VARIANT-vbd.pcapng, VARIANT-vif.pcapng   one trace per device (real-trace.ts)
 *   VARIANT.ref.json                          per snapshot record of those traces, in order, what the C
 *                                             reference decoder (ref-decode.c, real Xen headers) reads in the
 *                                             same ring bytes; npm test compares ringwire's decode with it
 * Deterministic: the traces and the JSON are functions of the capture log (real-xen.test.ts regenerates the
 * traces and compares bytes).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { extractCaptureLog, parseCaptureLog } from './capture-log.js';
import { capturesByDevice, deviceTrace, planRings } from './real-trace.js';

/** fixtures/xen/real/, or the directory REALXEN_FIXTURES names (npm run test:xen without --update writes there). */
export const realRoot = process.env['REALXEN_FIXTURES'] ? `${process.env['REALXEN_FIXTURES'].replace(/\/$/, '')}/` : fileURLToPath(new URL('../../../fixtures/xen/real/', import.meta.url));

/** The device part of a trace's file name. */
export function deviceWord(front: string): string {
  return /\/device\/(vbd|vif)\//.exec(front)?.[1] ?? 'dev';
}

/** What make-real-fixtures writes for one capture log: file name -> bytes, and the C reference entries. */
export function realTraces(captureLogText: string, variant: string): { name: string; front: string; bytes: Uint8Array }[] {
  const log = parseCaptureLog(captureLogText);
  return [...capturesByDevice(log.captures)].map(([front, caps]) => ({ name: `${variant}-${deviceWord(front)}.pcapng`, front, bytes: deviceTrace(caps) }));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [refDecode, ...pairs] = process.argv.slice(2);
  if (refDecode === undefined) {
    console.error('usage: make-real-fixtures REF_DECODE [VARIANT=SERIAL_LOG ...]');
    process.exit(2);
  }
  for (const p of pairs) {
    const [variant, path] = p.split('=');
    if (variant === undefined || path === undefined) throw new Error(`${p}: want VARIANT=SERIAL_LOG`);
    const text = extractCaptureLog(readFileSync(path, 'latin1'));
    parseCaptureLog(text); // refuse a damaged log before it replaces a good one
    writeFileSync(`${realRoot}${variant}.capture.log`, text);
  }
  for (const f of readdirSync(realRoot).filter((n) => n.endsWith('.capture.log')).sort()) {
    const variant = f.slice(0, -'.capture.log'.length);
    const text = readFileSync(`${realRoot}${f}`, 'latin1');
    const log = parseCaptureLog(text);
    const snapshots: unknown[] = [];
    for (const t of realTraces(text, variant)) {
      writeFileSync(`${realRoot}${t.name}`, t.bytes);
      const caps = log.captures.filter((c) => c.front === t.front);
      planRings(caps[0] as (typeof caps)[number]).forEach((plan, iface) => {
        for (const c of caps) {
          const image = Buffer.concat(plan.pageKeys.map((k) => Buffer.from((c.pages.find((p) => p.key === k) as { bytes: Uint8Array }).bytes)));
          const out = execFileSync(refDecode, [plan.setup.ring, String(plan.setup.order)], { input: image });
          snapshots.push({ trace: t.name, iface, interface: plan.name, capture: c.label, decode: JSON.parse(out.toString('utf8')) as unknown });
        }
      });
      console.log(`fixtures/xen/real/${t.name}: ${t.bytes.length} bytes`);
    }
    const about = 'C reference decode (test/real-xen/ref-decode.c, built from the real xen/io headers) of every ring snapshot in the traces of this capture, in trace order per interface.';
    // One snapshot per line: diffs stay readable, the file small.
    writeFileSync(`${realRoot}${variant}.ref.json`, `{"about": ${JSON.stringify(about)},\n "variant": ${JSON.stringify(variant)},\n "snapshots": [\n${snapshots.map((x) => JSON.stringify(x)).join(',\n')}\n]}\n`);
    console.log(`fixtures/xen/real/${variant}.ref.json: ${snapshots.length} snapshots`);
  }
}

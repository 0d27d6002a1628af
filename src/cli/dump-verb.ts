/**
 * `ringwire dump xen|virtio-split|virtio-packed`: decode a snapshot of ring memory. Each transport's verb
 * lives in its own module and is loaded only when asked for.
 */
import { UsageError, type CliIo, type VerbMain } from './io.js';

const kinds: Record<string, () => Promise<VerbMain>> = {
  xen: async () => (await import('./dump-xen.js')).dumpXen,
  'virtio-split': async () => (await import('./dump-virtio.js')).dumpVirtioSplit,
  'virtio-packed': async () => (await import('./dump-virtio.js')).dumpVirtioPacked,
};

export async function dumpVerb(args: string[], io: CliIo): Promise<number> {
  const [kind, ...rest] = args;
  const load = kind === undefined ? undefined : kinds[kind];
  if (load === undefined) throw new UsageError(`dump: name what to dump: ${Object.keys(kinds).join(', ') || '(none available yet)'}`);
  return (await load())(rest, io);
}

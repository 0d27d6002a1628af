/**
 * Looking codes up in the catalogue (protocol/catalogue/): one entry by id, its citation in words, and the
 * closest ids to a code that is not there. Core code: no node: imports.
 */
import { catalogue, type RuleEntry, type RuleSource } from '../protocol/catalogue/index.js';

const byId: ReadonlyMap<string, RuleEntry> = new Map(catalogue.map((e) => [e.id, e]));

/** The entry for `id`, or undefined. */
export function ruleEntry(id: string): RuleEntry | undefined {
  return byId.get(id);
}

/**
 * Where a rule comes from, in words: `xen/io/ring.h RING_FULL`, `Linux drivers/block/xen-blkfront.c
 * blkif_interrupt()`, `virtio 1.2 §2.7.6 / §2.7.13.3`, or `ringwire policy`.
 */
export function citation(source: RuleSource): string {
  if ('header' in source) return `${source.header} ${source.macro}`;
  if ('linux' in source) return `Linux ${source.linux} ${source.function}()`;
  if ('virtio' in source) return `virtio 1.2 ${[source.virtio, ...(source.also ?? [])].map((s) => `§${s}`).join(' / ')}`;
  return 'ringwire policy';
}

/** The rule an error with this code enforces: `citation: statement` (the text RingwireError.rule carries). */
export function ruleText(id: string): string | undefined {
  const e = byId.get(id);
  return e === undefined ? undefined : `${citation(e.source)}: ${e.statement}`;
}

/** Edit distance between two ids (insert, delete, substitute: each 1). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * Up to `n` catalogue ids closest to `code` (case and `-`/`_` ignored): ids containing it or contained in it
 * first, then by edit distance; ties in catalogue order.
 */
export function closestIds(code: string, n = 3): string[] {
  const want = code.toUpperCase().replace(/-/g, '_');
  const scored = catalogue.map((e, k) => {
    const contains = want.length >= 3 && (e.id.includes(want) || want.includes(e.id));
    return { id: e.id, k, score: (contains ? 0 : 1000) + distance(want, e.id) };
  });
  scored.sort((x, y) => x.score - y.score || x.k - y.k);
  return scored.slice(0, n).map((s) => s.id);
}

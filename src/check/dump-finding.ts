/**
 * Collecting the findings of one ring dump: each rule a dump check reports goes through `DumpFindings`,
 * which adds the catalogue's severity and citation, applies the `rules` / `severity` filters (as
 * `ringwire check` does) and counts by severity. Core code: no node: imports.
 */
import type { CatalogueId, RuleSeverity } from '../../protocol/catalogue/index.js';
import { citation, ruleEntry } from '../rule-catalogue.js';
import { severityRank, type DumpArea, type DumpFinding, type DumpKind, type FindingDetail } from './finding.js';

export interface DumpCheckOptions {
  /** Report only these catalogue ids (default: all). */
  readonly rules?: readonly string[];
  /** Report findings of this severity or more severe (default 'info': all). */
  readonly severity?: RuleSeverity;
}

/** Where in a dump: the area, the byte offset in it and, when the finding is about one, the ring index and slot. */
export interface DumpPlace {
  readonly area: DumpArea;
  readonly offset: number;
  readonly index?: number;
  readonly slot?: number;
}

export class DumpFindings {
  readonly list: DumpFinding[] = [];
  readonly counts: Record<RuleSeverity, number> = { error: 0, warning: 0, info: 0 };
  readonly #dump: DumpKind;
  readonly #only: ReadonlySet<string> | undefined;
  readonly #worst: number;

  constructor(dump: DumpKind, options: DumpCheckOptions = {}) {
    this.#dump = dump;
    this.#only = options.rules === undefined ? undefined : new Set(options.rules);
    this.#worst = severityRank[options.severity ?? 'info'];
  }

  report(rule: CatalogueId, party: string, at: DumpPlace, d: FindingDetail): void {
    const entry = ruleEntry(rule);
    /* c8 ignore next */
    const severity = entry?.severity ?? 'error';
    if (severityRank[severity] > this.#worst || (this.#only !== undefined && !this.#only.has(rule))) return;
    this.counts[severity]++;
    this.list.push({
      rule, severity, party, dump: this.#dump, area: at.area, offset: at.offset,
      ...(at.index === undefined ? {} : { index: at.index }), ...(at.slot === undefined ? {} : { slot: at.slot }),
      ...(d.region === undefined ? {} : { region: d.region }), ...(d.path === undefined ? {} : { path: d.path }),
      /* c8 ignore next */
      expected: d.expected, actual: d.actual, message: d.message, source: entry === undefined ? 'ringwire policy' : citation(entry.source),
    });
  }
}

/**
 * The catalogue: every error code ringwire throws and every protocol rule it checks, one entry each, with
 * the party it binds, its severity, one sentence and its source. Ordered by family; within a family as the
 * family file lists them. protocol/catalogue.md is generated from it (test/catalogue/make-catalogue-doc.ts).
 */
import type { RuleEntry, RuleFamily } from './types.js';
import { xenRingCatalogue } from './xen-ring.js';
import { xenbusCatalogue } from './xenbus.js';
import { virtqCatalogue } from './virtq.js';
import { guestMemoryCatalogue } from './guest-memory.js';
import { codecCatalogue } from './codec.js';
import { layoutCatalogue } from './layout.js';
import { portCatalogue } from './port.js';
import { traceCatalogue } from './trace.js';
import { cliCatalogue } from './cli.js';

export type * from './types.js';
export { xenRingCatalogue, xenbusCatalogue, virtqCatalogue, guestMemoryCatalogue, codecCatalogue, layoutCatalogue, portCatalogue, traceCatalogue, cliCatalogue };

/** Every entry, family by family. */
export const catalogue = [
  ...xenRingCatalogue, ...xenbusCatalogue, ...virtqCatalogue, ...guestMemoryCatalogue,
  ...codecCatalogue, ...layoutCatalogue, ...portCatalogue, ...traceCatalogue, ...cliCatalogue,
] as const satisfies readonly RuleEntry[];

/** Every id the catalogue holds: a code outside this union is a compile error where a class is typed with it. */
export type CatalogueId = (typeof catalogue)[number]['id'];
export type VirtqRuleId = (typeof virtqCatalogue)[number]['id'];
export type XenRingRuleId = (typeof xenRingCatalogue)[number]['id'];
export type XenbusRuleId = (typeof xenbusCatalogue)[number]['id'];
export type GuestMemoryRuleId = (typeof guestMemoryCatalogue)[number]['id'];
export type CodecRuleId = (typeof codecCatalogue)[number]['id'];
export type LayoutRuleId = (typeof layoutCatalogue)[number]['id'];
export type PortRuleId = (typeof portCatalogue)[number]['id'];
export type TraceRuleId = (typeof traceCatalogue)[number]['id'];
export type CliRuleId = (typeof cliCatalogue)[number]['id'];
/** The rules only the conformance checker enforces (on traces): no error class throws them. */
export type TraceCheckedId = Extract<(typeof catalogue)[number], { readonly checked: 'trace' }>['id'];

/** The families, in catalogue order. */
export const ruleFamilies: readonly RuleFamily[] = ['xen-ring', 'xenbus', 'virtq', 'guest-memory', 'codec', 'layout', 'port', 'trace', 'cli'];

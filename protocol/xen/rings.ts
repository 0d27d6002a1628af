/**
 * Every Xen ring ringwire knows, each declared once beside its structs (blkif.ts, netif.ts). The ring names
 * (`XenRingName`), the CLI's `--ring` list, `dump xen` and the typed ends derive from this list; to add a
 * ring, declare it (structs, constants, a RingTypeDecl) and append it here, then give it an oracle entry.
 */
import { blkifRing } from './blkif.js';
import { netifTxRing, netifRxRing, netifCtrlRing } from './netif.js';

export const xenRingTypes = [blkifRing, netifTxRing, netifRxRing, netifCtrlRing] as const;

/** The name of a declared Xen ring. */
export type XenRingName = (typeof xenRingTypes)[number]['name'];

/** Look up an integer constant of the Xen I/O headers by its C name (declared once in protocol/xen/constants.ts). */
import { xenConstants } from '../../protocol/index.js';

const byName = new Map(xenConstants.map((c) => [c.name, c.value]));

export function xenConstant(name: string): number {
  const v = byName.get(name);
  /* c8 ignore next */
  if (v === undefined) throw new Error(`unknown Xen constant ${name}`);
  return v;
}

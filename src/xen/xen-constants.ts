/** Look up an integer constant of the Xen I/O headers by its C name (declared once in protocol/xen/constants.ts). */
import { xenConstants } from '../../protocol/index.js';
import { LayoutError } from '../errors.js';

const byName = new Map(xenConstants.map((c) => [c.name, c.value]));

/** The value of a Xen constant; a name protocol/ does not declare is LayoutError UNKNOWN_CONSTANT. */
export function xenConstant(name: string): number {
  const v = byName.get(name);
  if (v === undefined) {
    throw new LayoutError('UNKNOWN_CONSTANT', `"${name}" is not a constant of the Xen I/O headers ringwire declares.`, {
      path: name, received: name, expected: 'a name from protocol/xen/constants.ts',
    });
  }
  return v;
}

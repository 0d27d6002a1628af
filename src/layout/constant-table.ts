/**
 * Name → value lookup over a table of protocol/ constant declarations. A name the table does not declare is
 * LayoutError UNKNOWN_CONSTANT, so a typo in src/ fails when its module loads, not later with NaN.
 */
import type { ConstantDecl } from '../../protocol/index.js';
import { LayoutError } from '../errors.js';

export function constantTable(table: readonly ConstantDecl[], where: string): (name: string) => number {
  // `| 0` gives V8 a small integer where the declarations' `value` field is stored as a double (one of
  // them is 2^31, VIRTIO_BLK_T_BARRIER): flags the hot paths OR together then stay integer constants.
  const byName = new Map(table.map((c) => [c.name, Number.isInteger(c.value) && Math.abs(c.value) < 0x40000000 ? c.value | 0 : c.value]));
  return (name: string): number => {
    const v = byName.get(name);
    if (v === undefined) {
      throw new LayoutError('UNKNOWN_CONSTANT', `"${name}" is not a constant ringwire declares for ${where}.`, {
        path: name, received: name, expected: `a name from ${where}`,
      });
    }
    return v;
  };
}

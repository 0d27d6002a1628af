/** Look up an integer constant of the Xen I/O headers by its C name (declared once in protocol/xen/constants.ts). */
import { xenConstants } from '../../protocol/index.js';
import { constantTable } from '../layout/constant-table.js';

/** The value of a Xen constant; a name protocol/ does not declare is LayoutError UNKNOWN_CONSTANT. */
export const xenConstant = constantTable(xenConstants, 'the Xen I/O headers (protocol/xen/constants.ts)');

/** Look up an integer constant of the Linux virtio UAPI headers by its C name (declared once in protocol/virtio/constants.ts). */
import { virtioConstants } from '../../protocol/index.js';
import { constantTable } from '../layout/constant-table.js';

/** The value of a virtio constant; a name protocol/ does not declare is LayoutError UNKNOWN_CONSTANT. */
export const virtioConstant = constantTable(virtioConstants, 'linux/virtio_*.h (protocol/virtio/constants.ts)');

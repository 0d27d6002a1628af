/**
 * QEMU's x-query-virtio-status reports negotiated features as words ("VIRTIO_RING_F_EVENT_IDX: Used & avail.
 * event fields enabled"), by group (transports, dev-features) plus the bits it has no name for
 * (unknown-dev-features, a number). This turns them back into feature bits, by the C names protocol/ declares
 * (protocol/virtio/constants.ts); a name protocol/ does not declare is returned as not mapped.
 */
import { virtioConstants } from '../../protocol/index.js';

/** Feature-bit constants by C name: VIRTIO_F_*, VIRTIO_RING_F_*, VIRTIO_NET_F_*, VIRTIO_BLK_F_*. */
const featureBits = new Map(virtioConstants.filter((c) => /^VIRTIO_(RING_|NET_|BLK_)?F_/.test(c.name)).map((c) => [c.name, c.value]));

export interface QemuFeatureWords {
  readonly transports?: readonly string[];
  readonly 'dev-features'?: readonly string[];
  readonly 'unknown-dev-features'?: number;
}

export interface DecodedFeatures {
  /** The bits named (and declared) plus the bits QEMU reported without a name. */
  readonly bits: bigint;
  /** Every feature name QEMU reported, in its order. */
  readonly names: readonly string[];
  /** Names protocol/ declares no bit for: not in `bits`. */
  readonly unmapped: readonly string[];
}

export function decodeQemuFeatures(f: QemuFeatureWords | undefined): DecodedFeatures {
  let bits = 0n;
  const names: string[] = [];
  const unmapped: string[] = [];
  for (const word of [...(f?.transports ?? []), ...(f?.['dev-features'] ?? [])]) {
    const name = word.split(':')[0]?.trim() ?? '';
    names.push(name);
    const bit = featureBits.get(name);
    if (bit === undefined) unmapped.push(name);
    else bits |= 1n << BigInt(bit);
  }
  const unknown = f?.['unknown-dev-features'];
  if (typeof unknown === 'number' && Number.isSafeInteger(unknown) && unknown > 0) bits |= BigInt(unknown);
  return { bits, names, unmapped };
}

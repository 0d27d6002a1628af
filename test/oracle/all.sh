#!/usr/bin/env bash
# Regenerate every golden file from the real C headers (or, with --check, regenerate into a temporary
# directory and fail on any difference from the committed goldens).
#   build-goldens.sh  Xen layouts, constants and codec instances (x86_64, x86_32 under qemu-i386, arm via clang)
#   xen-rings.sh      ring.h's macros driven through seeded operation sequences
#   virtio.sh         linux/virtio_ring.h layouts, vring_size, vring_need_event, a scripted vring image
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
status=0
for script in build-goldens.sh xen-rings.sh virtio.sh; do
  if [ -f "$here/$script" ]; then
    echo "== $script $*"
    bash "$here/$script" "$@" || status=1
  fi
done
exit $status

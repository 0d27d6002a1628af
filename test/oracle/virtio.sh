#!/usr/bin/env bash
# Build the virtio differential oracle (virtio.c) against the installed Linux UAPI headers and write
# test/golden/virtio-layout.json. With --check, regenerate into a temp dir and diff against the committed
# golden; exit non-zero on any difference.
#
# The constant list is taken from the headers themselves (every #define of the families ringwire declares),
# so a constant missing from protocol/virtio/constants.ts shows up in the golden and fails the layout test.
# When gcc -m32 and qemu-i386 are available, the i386 build must print exactly the same document (virtio
# sizes and offsets are ABI-independent; only the _Alignof line differs); otherwise that cross-check is reported as skipped.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
golden_dir="$root/test/golden"
check=0
if [[ "${1:-}" == "--check" ]]; then check=1; elif [[ $# -gt 0 ]]; then echo "usage: $0 [--check]" >&2; exit 2; fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
inc=/usr/include/linux

grep -hoE '^#define[[:space:]]+(VRING_[A-Z_]+|VIRTIO_F_[A-Z_0-9]+|VIRTIO_RING_F_[A-Z_]+|VIRTIO_BLK_T_[A-Z_]+|VIRTIO_BLK_S_[A-Z_]+|VIRTIO_BLK_WRITE_ZEROES_FLAG_[A-Z]+|VIRTIO_NET_HDR_[A-Z_0-9]+|VIRTIO_NET_HASH_REPORT_[A-Za-z0-9_]+|VIRTIO_TRANSPORT_F_[A-Z]+|VIRTIO_NET_F_MRG_RXBUF|VIRTIO_ID_NET|VIRTIO_ID_BLOCK)[[:space:]]' \
  "$inc/virtio_ring.h" "$inc/virtio_config.h" "$inc/virtio_blk.h" "$inc/virtio_net.h" "$inc/virtio_ids.h" \
  | awk '{ print "C(" $2 ");" }' > "$tmp/virtio-constants.inc"

cflags=(-std=gnu11 -Wall -Wextra -Werror -O1 -I "$tmp")
gcc "${cflags[@]}" -o "$tmp/virtio-oracle" "$here/virtio.c"
"$tmp/virtio-oracle" > "$tmp/virtio-layout.json"

if gcc "${cflags[@]}" -m32 -o "$tmp/virtio-oracle-32" "$here/virtio.c" 2>/dev/null && command -v qemu-i386 >/dev/null; then
  qemu-i386 "$tmp/virtio-oracle-32" > "$tmp/virtio-layout-32.json"
  grep '"align_x86_32"' "$tmp/virtio-layout-32.json" | sed 's/^ */virtio oracle: i386 /' >&2
  if ! diff -u <(grep -v '"align_' "$tmp/virtio-layout.json") <(grep -v '"align_' "$tmp/virtio-layout-32.json"); then
    echo "virtio oracle: the i386 build disagrees with x86_64" >&2
    exit 1
  fi
  echo "virtio oracle: x86_32 (gcc -m32, qemu-i386) agrees with x86_64" >&2
else
  echo "virtio oracle: x86_32 cross-check skipped (needs gcc-multilib and qemu-user)" >&2
fi

if [[ $check -eq 1 ]]; then
  diff -u "$golden_dir/virtio-layout.json" "$tmp/virtio-layout.json"
  echo "virtio oracle: test/golden/virtio-layout.json is up to date" >&2
else
  mkdir -p "$golden_dir"
  cp "$tmp/virtio-layout.json" "$golden_dir/virtio-layout.json"
  echo "virtio oracle: wrote test/golden/virtio-layout.json" >&2
fi

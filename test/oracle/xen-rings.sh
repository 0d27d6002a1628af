#!/usr/bin/env bash
# Regenerate the Xen ring-state goldens from the real ring.h macros (test/oracle/xen-rings.c).
#   bash test/oracle/xen-rings.sh           write test/golden/xen-rings/*.json
#   bash test/oracle/xen-rings.sh --check   regenerate into a temp dir and diff against the committed goldens
# x86_64 scenarios run natively; x86_32 ones are built with gcc -m32 and run under qemu-i386.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
golden="$root/test/golden/xen-rings"
check=0
if [[ "${1:-}" == "--check" ]]; then check=1; elif [[ $# -gt 0 ]]; then echo "usage: $0 [--check]" >&2; exit 2; fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
CFLAGS=(-std=gnu11 -O2 -Wall -Wextra -Werror)
gcc "${CFLAGS[@]}" -o "$tmp/xen-rings-x86_64" "$here/xen-rings.c"
gcc "${CFLAGS[@]}" -m32 -o "$tmp/xen-rings-x86_32" "$here/xen-rings.c"

run() { # abi ring order start seed steps
  local abi="$1"; shift
  local name="$1-$abi-order$2-start$(printf '%08x' "$3").json"
  if [[ "$abi" == x86_32 ]]; then
    qemu-i386 "$tmp/xen-rings-x86_32" "$@" > "$tmp/out/$name"
  else
    "$tmp/xen-rings-x86_64" "$@" > "$tmp/out/$name"
  fi
}

mkdir -p "$tmp/out"
STEPS=200
run x86_64 blkif 0 0x00000000 1 $STEPS
run x86_64 blkif 0 0xfffffff0 2 $STEPS
run x86_64 blkif 2 0xfffffff0 3 $STEPS
run x86_32 blkif 0 0xfffffff0 4 $STEPS
run x86_32 blkif 2 0xffffffc0 5 $STEPS
run x86_64 netif_tx 0 0xfffffff0 6 $STEPS
run x86_64 netif_tx 2 0xffffff80 7 $STEPS
run x86_64 netif_rx 0 0xfffffff0 8 $STEPS
run x86_64 xen_netif_ctrl 0 0xfffffff8 9 $STEPS

if [[ $check -eq 1 ]]; then
  diff -r "$golden" "$tmp/out"
  echo "xen-rings goldens match ring.h ($(ls "$tmp/out" | wc -l) scenarios)"
else
  mkdir -p "$golden"
  rm -f "$golden"/*.json
  cp "$tmp/out"/*.json "$golden/"
  echo "wrote $(ls "$golden" | wc -l) goldens to test/golden/xen-rings/"
fi

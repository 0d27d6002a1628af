#!/usr/bin/env bash
# build-goldens.sh - regenerate test/golden/xen-{x86_64,x86_32,arm}.json from
# the real Xen headers, or with --check verify that the committed files match.
#
#   x86_64  gcc, run natively          x86_32  gcc -m32, run under qemu-i386
#   arm     clang --target=armv7a-linux-gnueabihf, compiled only; the golden
#           is read from the object file (see README.md)
#
# Needs: apt-get install libxen-dev gcc-multilib qemu-user clang (and node).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
golden=$(cd "$here/../golden" 2>/dev/null && pwd) || golden="$here/../golden"
xen_io=/usr/include/xen/io

die() { echo "build-goldens: $*" >&2; exit 1; }

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# ---- prerequisites: fail loudly ------------------------------------------
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found (apt-get install -y $2)"; }
need gcc gcc
need clang clang
need qemu-i386 qemu-user
need node nodejs
need dpkg-query dpkg
for h in ring.h blkif.h netif.h xenbus.h protocols.h; do
  [[ -f "$xen_io/$h" ]] || die "$xen_io/$h missing (apt-get install -y libxen-dev)"
done
xen_pkg=$(dpkg-query -W -f='${Version}' libxen-dev 2>/dev/null) \
  || die "libxen-dev is not installed (apt-get install -y libxen-dev)"
xen_ver=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$xen_pkg")
headers="xen $xen_ver (libxen-dev $xen_pkg)"
gcc_id=$(gcc --version | head -n1)
clang_id=$(clang --version | head -n1)
clang_inc="$(clang -print-resource-dir)/include"
[[ -f "$clang_inc/stdint.h" && -f "$clang_inc/stddef.h" ]] \
  || die "clang's own stdint.h/stddef.h not found in $clang_inc"
for s in "$headers" "$gcc_id" "$clang_id"; do
  [[ "$s" != *[\"\\]* ]] || die "unexpected quote or backslash in: $s"
done

build=$(mktemp -d "${TMPDIR:-/tmp}/ringwire-oracle.XXXXXX")
trap 'rm -rf "$build"' EXIT

echo 'int main(void) { return 0; }' >"$build/probe.c"
gcc -m32 -o "$build/probe" "$build/probe.c" 2>/dev/null \
  || die "gcc -m32 cannot link (apt-get install -y gcc-multilib)"
qemu-i386 "$build/probe" || die "qemu-i386 cannot run an i386 binary"

cflags=(-std=c11 -O0 -Wall -Wextra -Werror)
meta() { # abi compiler
  printf '{"abi":"%s","compiler":"%s","headers":"%s"}\n' "$1" "$2" "$headers" \
    >"$build/$1/meta.json"
}

# ---- runnable ABIs: run the oracle, then compile its instances statically --
runnable() { # abi runner gcc-flags...
  local abi=$1 runner=$2 d="$build/$1"
  shift 2
  mkdir -p "$d"
  echo "== $abi: $gcc_id $*" >&2
  gcc "$@" "${cflags[@]}" -DORACLE_COMPILER="\"$gcc_id\"" \
    -DORACLE_HEADERS="\"$headers\"" -o "$d/oracle" \
    "$here/main.c" "$here/visit.c" "$here/layout.c"
  $runner "$d/oracle" json >"$d/runtime.json"
  $runner "$d/oracle" emit-c >"$d/instances.inc"
  gcc "$@" "${cflags[@]}" -c -o "$d/layout.o" "$here/layout.c"
  gcc "$@" "${cflags[@]}" -I"$d" -c -o "$d/instances.o" "$here/instances.c"
  meta "$abi" "$gcc_id"
}
runnable x86_64 "" -m64
runnable x86_32 qemu-i386 -m32

# ---- arm: compile only.  -nostdinc plus a private xen/ symlink means only
# clang's freestanding headers and the Xen headers can be seen. -------------
d="$build/arm"
mkdir -p "$d/include"
ln -s "$(cd "$xen_io/.." && pwd)" "$d/include/xen"
cp "$build/x86_64/instances.inc" "$d/instances.inc" # same seeded values
arm=(--target=armv7a-linux-gnueabihf -ffreestanding -nostdinc
     -isystem "$clang_inc" -isystem "$d/include" "${cflags[@]}")
echo "== arm: $clang_id ${arm[0]}" >&2
defs=$(clang "${arm[@]}" -dM -E "$here/layout.c")
for m in __arm__ __ARMEL__ __ARM_EABI__ __XEN_PUBLIC_ARCH_ARM_H__; do
  grep -q "^#define $m\b" <<<"$defs" || die "arm build: $m is not defined"
done
! grep -q '^#define __aarch64__\b' <<<"$defs" || die "arm build is aarch64"
clang "${arm[@]}" -c -o "$d/layout.o" "$here/layout.c"
clang "${arm[@]}" -I"$d" -c -o "$d/instances.o" "$here/instances.c"
meta arm "$clang_id"

# ---- assemble, cross-check, write ------------------------------------------
if (( check )); then
  node "$here/assemble.mjs" "$build" "$xen_io" "$build/golden"
  status=0
  for abi in x86_64 x86_32 arm; do
    # The provenance lines (package and compiler versions) may move with a Debian point release without any
    # layout changing: they are reported, not failed on. Every other line must be identical.
    if diff -u -I '^  "headers": ' -I '^  "compiler": ' "$golden/xen-$abi.json" "$build/golden/xen-$abi.json"; then
      cmp -s "$golden/xen-$abi.json" "$build/golden/xen-$abi.json" \
        || echo "build-goldens: note: xen-$abi.json provenance differs (headers or compiler version); content is identical" >&2
    else
      status=1
    fi
  done
  (( status == 0 )) || die "goldens are out of date; run $0 and review the diff"
  echo "build-goldens: test/golden/xen-*.json are up to date" >&2
else
  mkdir -p "$golden"
  node "$here/assemble.mjs" "$build" "$xen_io" "$golden"
  echo "build-goldens: wrote $golden/xen-{x86_64,x86_32,arm}.json" >&2
fi

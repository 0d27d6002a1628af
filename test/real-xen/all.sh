#!/usr/bin/env bash
# npm run test:xen: the real-Xen harness end to end, from scratch but for the package cache. Fetches the Debian
# packages (once; cached in .real-xen-cache/, gitignored), then for each variant builds the images, boots Xen +
# dom0 under QEMU TCG, runs the PV guest and captures its rings; writes fixtures from what the serial logs
# carried (traces, C reference decode) and runs the fixture tests (test/real-xen/real-xen.test.ts) on them.
# Exit 0 only when every variant ran and the tests pass.
# Usage: all.sh [--update] [VARIANT ...]   (default: every variant in variants.sh)
#   without --update the fixtures go to .real-xen-cache/fixtures/ and the committed ones are untouched;
#   with --update they replace fixtures/xen/real/ (then commit them, and re-check the README excerpt).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export XEN_CACHE=${XEN_CACHE:-$repo/.real-xen-cache}
if [ "${1:-}" = --update ]; then
  shift
  export REALXEN_FIXTURES=$repo/fixtures/xen/real
else
  export REALXEN_FIXTURES=$XEN_CACHE/fixtures
  rm -rf "$REALXEN_FIXTURES"
fi
. "$here/variants.sh"
[ $# -gt 0 ] || set -- $XEN_VARIANTS
start=$SECONDS
for tool in qemu-system-x86_64 gcc apt-get dpkg-deb cpio gzip node; do
  command -v "$tool" >/dev/null || { echo "test:xen: $tool not found (Debian: apt-get install qemu-system-x86 gcc cpio)" >&2; exit 2; }
done
"$here/fetch.sh"
pairs=()
for v in "$@"; do
  "$here/build.sh" "$v"
  "$here/run.sh" "$v"
  pairs+=("$v=$XEN_CACHE/out/$v/serial.log")
done
"$here/fixtures.sh" "${pairs[@]}"
cd "$repo" && node --test dist/test/real-xen/
echo "test:xen: $# variant(s) captured and checked in $((SECONDS - start))s (fixtures in $REALXEN_FIXTURES)"

#!/usr/bin/env bash
# npm run test:xen: the real-Xen harness end to end, from scratch but for the package cache. Fetches the Debian
# packages (once; cached in .real-xen-cache/, gitignored), then for each variant builds the images, boots Xen +
# dom0 under QEMU TCG, runs the PV guest and captures its rings; rewrites fixtures/xen/real/ from what the
# serial logs carried (C reference decode included) and runs the fixture tests on them. Exit 0 only when every
# variant ran, and the tests pass. `git diff fixtures/xen/real` then shows what changed from the committed run.
# Usage: all.sh [VARIANT ...]   (default: every variant in variants.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export XEN_CACHE=${XEN_CACHE:-$repo/.real-xen-cache}
. "$here/variants.sh"
[ $# -gt 0 ] || set -- $XEN_VARIANTS
start=$SECONDS
"$here/fetch.sh"
pairs=()
for v in "$@"; do
  "$here/build.sh" "$v"
  "$here/run.sh" "$v"
  pairs+=("$v=$XEN_CACHE/out/$v/serial.log")
done
"$here/fixtures.sh" "${pairs[@]}"
cd "$repo" && node --test dist/test/real-xen/
echo "test:xen: $# variant(s) captured and checked in $((SECONDS - start))s"

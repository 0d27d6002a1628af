#!/usr/bin/env bash
# Builds the C reference decoder against the real Xen headers (Debian's libxen-dev, unpacked by fetch.sh, or
# installed) and writes fixtures/xen/real/ (or $REALXEN_FIXTURES) from the given serial logs and the capture
# logs already there.
# Usage: fixtures.sh [VARIANT=SERIAL_LOG ...]   (run from anywhere; builds with tsc first)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
XEN_CACHE=${XEN_CACHE:-$repo/.real-xen-cache}
inc=$XEN_CACHE/root/usr/include
[ -e "$inc/xen/io/blkif.h" ] || inc=/usr/include
[ -e "$inc/xen/io/blkif.h" ] || { echo "fixtures: no xen/io/blkif.h: run fetch.sh (or apt-get install libxen-dev)" >&2; exit 2; }
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
gcc -std=c11 -O1 -Wall -Wextra -Werror -I"$inc" -o "$bin/ref-decode" "$here/ref-decode.c"
mkdir -p "${REALXEN_FIXTURES:-$repo/fixtures/xen/real}"
cd "$repo" && node_modules/.bin/tsc -p . && node dist/test/real-xen/make-real-fixtures.js "$bin/ref-decode" "$@"

#!/usr/bin/env bash
# npm run test:xen: the real-Xen harness end to end, from scratch but for the package cache. Fetches the Debian
# packages (once; cached in .real-xen-cache/, gitignored), then for each variant builds the images, boots Xen +
# dom0 under QEMU TCG, runs the PV guest and captures its rings; writes fixtures from what the serial logs
# carried (traces, C reference decode) and runs the fixture tests (test/real-xen/real-xen.test.ts) on them.
# Exit 0 only when every variant ran and the tests pass.
# Usage: all.sh [--update] [--boot-only | --check-only] [VARIANT ...]   (default: every variant in variants.sh)
#   without --update the fixtures go to .real-xen-cache/fixtures/ and the committed ones are untouched;
#   with --update they replace fixtures/xen/real/ (then commit them, and re-check the README excerpt).
#   --boot-only: fetch, build and boot only (needs the apt packages and gcc, not node or npm), leaving the serial
#     logs and each variant's outcome in .real-xen-cache/out/; --check-only: fixtures and tests from those logs.
#     .ci/run starts --boot-only in the background before `npm ci` and runs --check-only after the other tests.
# Environment: XEN_JOBS variants booted at once (default 3), XEN_RETRIES boots more for a variant whose boot
#   failed in a retryable way (run.sh exit 3: stalled, over time, or dom0 gave up waiting; default 1), and
#   run.sh's XEN_STALL / XEN_TIMEOUT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export XEN_CACHE=${XEN_CACHE:-$repo/.real-xen-cache}
jobs=${XEN_JOBS:-3}
retries=${XEN_RETRIES:-1}
update=0 boot=1 check=1
while [ $# -gt 0 ]; do
  case "$1" in
    --update) update=1 ;;
    --boot-only) check=0 ;;
    --check-only) boot=0 ;;
    --*) echo "test:xen: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
if [ $update = 1 ]; then export REALXEN_FIXTURES=$repo/fixtures/xen/real; else export REALXEN_FIXTURES=$XEN_CACHE/fixtures; fi
. "$here/variants.sh"
[ $# -gt 0 ] || set -- $XEN_VARIANTS
for v in "$@"; do variant_settings "$v" >/dev/null; done
start=$SECONDS
need=(gcc)
[ $boot = 0 ] || need+=(qemu-system-x86_64 apt-get dpkg-deb cpio gzip)
[ $check = 0 ] || need+=(node)
for tool in "${need[@]}"; do
  command -v "$tool" >/dev/null || { echo "test:xen: $tool not found (Debian: apt-get install qemu-system-x86 gcc cpio)" >&2; exit 2; }
done
status=$XEN_CACHE/status   # per variant: VARIANT.log (build + boots), VARIANT.rc (0 when a boot reached DONE)

# One variant: build, boot; a retryable failure (exit 3) boots again, up to $retries more times. The failed
# attempt's serial log is kept as serial.log.N.
boot_variant() {
  local v=$1 try=0 rc=0 t0=$SECONDS
  "$here/build.sh" "$v" || return 1
  while :; do
    rc=0
    "$here/run.sh" "$v" || rc=$?
    [ $rc = 3 ] && [ $try -lt "$retries" ] || break
    try=$((try + 1))
    mv "$XEN_CACHE/out/$v/serial.log" "$XEN_CACHE/out/$v/serial.log.$try"
    echo "test:xen: $v: retryable failure, booting again (retry $try of $retries)"
  done
  echo "test:xen: $v: $([ $rc = 0 ] && echo ok || echo "FAILED (exit $rc)") after $try retries, $((SECONDS - t0))s with the build"
  return $rc
}

if [ $boot = 1 ]; then
  "$here/fetch.sh"
  mkdir -p "$status"
  for v in "$@"; do rm -f "$status/$v.rc" "$status/$v.log"; done
  declare -A pids=()
  for v in "$@"; do
    while [ "$(jobs -pr | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    ( rc=0; boot_variant "$v" > "$status/$v.log" 2>&1 || rc=$?; echo $rc > "$status/$v.rc" ) &
    pids[$v]=$!
    echo "test:xen: $v: building and booting (log: $status/$v.log)"
  done
  for v in "$@"; do wait "${pids[$v]}" || true; done
  failed=0
  for v in "$@"; do
    tail -n 1 "$status/$v.log"
    [ "$(cat "$status/$v.rc" 2>/dev/null)" = 0 ] || { failed=1; echo "--- $status/$v.log:"; tail -n 40 "$status/$v.log"; }
  done >&2
  [ $failed = 0 ] || { echo "test:xen: boots failed after $((SECONDS - start))s" >&2; exit 1; }
  echo "test:xen: $# variant(s) booted and captured in $((SECONDS - start))s"
fi

if [ $check = 1 ]; then
  pairs=()
  for v in "$@"; do
    [ "$(cat "$status/$v.rc" 2>/dev/null)" = 0 ] || { echo "test:xen: $v has no finished boot (run all.sh --boot-only $v first)" >&2; exit 1; }
    pairs+=("$v=$XEN_CACHE/out/$v/serial.log")
  done
  [ $update = 1 ] || { rm -rf "$REALXEN_FIXTURES"; mkdir -p "$REALXEN_FIXTURES"; }
  "$here/fixtures.sh" "${pairs[@]}"
  cd "$repo" && node --test dist/test/real-xen/
  echo "test:xen: $# variant(s) checked in $((SECONDS - start))s (fixtures in $REALXEN_FIXTURES)"
fi

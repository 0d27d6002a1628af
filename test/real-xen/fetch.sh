#!/usr/bin/env bash
# Downloads (apt-get download, no install) the Debian bookworm packages the real-Xen harness needs into
# $XEN_CACHE/debs and unpacks each into $XEN_CACHE/root (one merged tree). Idempotent: a package already
# downloaded is not fetched again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
XEN_CACHE=${XEN_CACHE:-$here/../../.real-xen-cache}
mkdir -p "$XEN_CACHE/debs" "$XEN_CACHE/root"
cd "$XEN_CACHE/debs"
kver=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-6\.1\.[0-9]*-[0-9]*-amd64\)$/\1/p' | head -1)
[ -n "$kver" ] || { echo "fetch: apt-cache knows no linux-image-amd64 -> linux-image-6.1.*-amd64 (run apt-get update; Debian bookworm lists)" >&2; exit 2; }
pkgs=(
  xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils libxen-dev
  libxencall1 libxendevicemodel1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenhypfs1
  libxenmisc4.17 libxenstore4 libxentoolcore1 libxentoollog1 libyajl2
  libc6 libgcc-s1 libncurses6 libtinfo6 libuuid1 liblzma5 libzstd1 zlib1g libext2fs2 libbz2-1.0 liblzo2-2
  dmsetup libdevmapper1.02.1 libselinux1 libpcre2-8-0 libudev1 busybox-static
  "$kver"
)
for p in "${pkgs[@]}"; do
  ls "${p}"_*.deb >/dev/null 2>&1 || apt-get download -q "$p"
done
for d in *.deb; do
  stamp="$XEN_CACHE/root/.unpacked-$d"
  [ -e "$stamp" ] || { dpkg-deb -x "$d" "$XEN_CACHE/root"; touch "$stamp"; }
done
echo "$kver" | sed 's/^linux-image-//' > "$XEN_CACHE/kver"
echo "fetch: $(ls *.deb | wc -l) packages in $XEN_CACHE/debs, kernel $(cat "$XEN_CACHE/kver")"

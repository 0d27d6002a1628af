#!/usr/bin/env bash
# Builds, from the packages fetch.sh unpacked, the dom0 and domU initramfs images for one variant and the ringgrab
# helper (gcc against Debian's libxen-dev). Usage: build.sh VARIANT   (variants: see variants.sh)
# Output: $XEN_CACHE/out/VARIANT/{xen,vmlinuz,dom0.cpio.gz}
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
XEN_CACHE=${XEN_CACHE:-$here/../../.real-xen-cache}
variant=${1:?usage: build.sh VARIANT}
. "$here/variants.sh"
variant_settings "$variant"   # sets DOMU_VCPUS BLKBACK_ORDER BLKFRONT_ORDER PERSISTENT BLK_QUEUES NET_QUEUES HOLD_MS
R=$XEN_CACHE/root
kver=$(cat "$XEN_CACHE/kver")
out=$XEN_CACHE/out/$variant
rm -rf "$out" && mkdir -p "$out"
libdirs=(usr/lib/x86_64-linux-gnu lib/x86_64-linux-gnu)

gcc -O2 -Wall -Wextra -Werror -o "$out/ringgrab" "$here/ringgrab.c" -I"$R/usr/include" \
  -L"$R/usr/lib/x86_64-linux-gnu" -Wl,-rpath-link,"$R/usr/lib/x86_64-linux-gnu" -lxengnttab -lxenstore

# Copies shared libraries (not static archives, not gconv) of the unpacked packages into an image root.
copy_libs() {
  local dst=$1 d
  mkdir -p "$dst/lib64"
  cp -a "$R/lib64/ld-linux-x86-64.so.2" "$dst/lib64/"
  for d in "${libdirs[@]}"; do
    mkdir -p "$dst/$d"
    find "$R/$d" -maxdepth 1 -name '*.so*' -exec cp -a {} "$dst/$d/" \;
  done
}
copy_modules() {
  local dst=$1 m f
  shift
  for m in "$@"; do
    f=$(find "$R/lib/modules/$kver/kernel" -name "$m.ko" | head -1)
    [ -n "$f" ] || { echo "build: module $m not found" >&2; exit 1; }
    mkdir -p "$dst/lib/modules/$kver/$(dirname "${f#$R/lib/modules/$kver/}")"
    cp "$f" "$dst/lib/modules/$kver/${f#$R/lib/modules/$kver/}"
  done
}
mkcpio() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -6n > "$2"; }

# domU image: busybox, xenstore-read/-write, blkfront + netfront.
u=$out/domu-root
mkdir -p "$u/bin" "$u/usr/bin"
cp "$R/bin/busybox" "$u/bin/busybox" && ln -s busybox "$u/bin/sh"
cp -a "$R/usr/bin/xenstore" "$R/usr/bin/xenstore-read" "$R/usr/bin/xenstore-write" "$u/usr/bin/"
copy_libs "$u"
find "$u" -name 'libxen*' ! -name 'libxenstore.so*' ! -name 'libxentoolcore.so*' -delete
copy_modules "$u" xen-blkfront xen-netfront
install -m 755 "$here/domu-init.sh" "$u/init"

# dom0 image: busybox, the Xen tools, dmsetup, backend modules, the domU kernel + image, ringgrab.
d=$out/dom0-root
mkdir -p "$d/bin" "$d/sbin" "$d/usr/bin" "$d/usr/sbin" "$d/usr/lib" "$d/etc/xen/scripts" "$d/var/lib" "$d/var/log" "$d/domu"
cp "$R/bin/busybox" "$d/bin/busybox" && ln -s busybox "$d/bin/sh"
cp -a "$R/usr/lib/xen-4.17" "$d/usr/lib/"
rm -rf "$d/usr/lib/xen-4.17/lib/python" "$d/usr/lib/xen-4.17/boot"
cp -a "$R/usr/bin/xenstore"* "$d/usr/bin/"
cp -a "$R/sbin/dmsetup" "$d/sbin/"
copy_libs "$d"
copy_modules "$d" xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc llc stp bridge loop dm-mod dm-delay \
  xen-blkback xen-netback
: > "$d/etc/xen/xl.conf"   # defaults (run_hotplug_scripts=1: libxl runs /etc/xen/scripts itself)
install -m 755 "$here/hotplug/block" "$here/hotplug/vif-bridge" "$d/etc/xen/scripts/"
install -m 755 "$here/dom0-init.sh" "$d/init"
install -m 755 "$out/ringgrab" "$d/usr/bin/ringgrab"
{ echo "VARIANT=$variant"; for k in DOMU_VCPUS BLKBACK_ORDER BLKFRONT_ORDER PERSISTENT BLK_QUEUES NET_QUEUES HOLD_MS; do
    echo "$k=${!k}"; done; } > "$d/etc/ringwire-variant"
cp "$R/boot/vmlinuz-$kver" "$d/domu/vmlinuz"
mkcpio "$u" "$d/domu/initramfs.cpio.gz"
mkcpio "$d" "$out/dom0.cpio.gz"
cp "$R/boot/vmlinuz-$kver" "$out/vmlinuz"
gzip -dc "$R/boot/xen-4.17-amd64.gz" > "$out/xen"
rm -rf "$u" "$d"
echo "build: $variant: dom0.cpio.gz $(du -h "$out/dom0.cpio.gz" | cut -f1)"

#!/bin/bash
# Prepares what the real-guest harness boots (test/real/): QEMU, busybox and cpio from Debian, a Debian cloud
# kernel package fetched with `apt-get download` and unpacked (never installed), and an initramfs of busybox,
# the virtio modules and guest-init.sh. Everything lands in test/real/.cache/ (gitignored) and is reused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="$here/.cache"
mkdir -p "$cache"
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] && /bin/busybox --help 2>&1 | grep -q 'static' || dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ! -f "$cache/vmlinuz" ]; then
  # linux-image-cloud-amd64 is a metapackage: its dependency is the real kernel package.
  pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  if [ -z "$pkg" ]; then apt-get update -qq; pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ {print $2; exit}'); fi
  echo "setup: fetching $pkg"
  rm -rf "$cache/deb" && mkdir -p "$cache/deb"
  (cd "$cache/deb" && apt-get download "$pkg" >/dev/null 2>&1)
  dpkg-deb -x "$cache"/deb/*.deb "$cache/deb/x"
  kver=$(ls "$cache/deb/x/lib/modules")
  mkdir -p "$cache/modules"
  for ko in virtio/virtio.ko virtio/virtio_ring.ko virtio/virtio_pci_legacy_dev.ko virtio/virtio_pci_modern_dev.ko \
            virtio/virtio_pci.ko block/virtio_blk.ko net/failover.ko net/net_failover.ko net/virtio_net.ko; do
    f=$(find "$cache/deb/x/lib/modules/$kver" \( -path "*/drivers/$ko" -o -path "*/drivers/$ko.xz" -o -path "*/net/core/$(basename "$ko")" -o -path "*/net/core/$(basename "$ko").xz" \) | head -1)
    [ -n "$f" ] || { echo "setup: $ko not in $pkg" >&2; exit 1; }
    case "$f" in *.xz) xz -dc "$f" > "$cache/modules/$(basename "$f" .xz)";; *) cp "$f" "$cache/modules/";; esac
  done
  echo "$pkg" > "$cache/kernel-package"
  cp "$cache"/deb/x/boot/vmlinuz-* "$cache/vmlinuz"
  rm -rf "$cache/deb"
fi
if [ ! -f "$cache/initrd.cpio.gz" ] || [ "$here/guest-init.sh" -nt "$cache/initrd.cpio.gz" ]; then
  root="$cache/initrd-root"
  rm -rf "$root" && mkdir -p "$root/bin" "$root/lib/modules"
  cp /bin/busybox "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  cp "$cache"/modules/*.ko "$root/lib/modules/"
  cp "$here/guest-init.sh" "$root/init" && chmod 755 "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1 > "$cache/initrd.cpio.gz")
  rm -rf "$root"
fi
echo "setup: kernel $(cat "$cache/kernel-package"), initramfs ready in $cache"

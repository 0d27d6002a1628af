#!/bin/sh
# /init of the dom0 initramfs built by build.sh. Boots the Xen toolstack by hand (no udev, no systemd), creates
# one PV domU with a disk on device-mapper and a vif on a bridge, captures its ring pages with ringgrab at chosen
# moments and prints everything on the console (hvc0 -> Xen -> com1 -> QEMU serial log), then powers off.
# Settings come from /etc/ringwire-variant (written by build.sh): DOMU_VCPUS, BLKBACK_ORDER, BLKFRONT_ORDER,
# PERSISTENT (0|1), BLK_QUEUES, NET_QUEUES, DELAY_MS.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:/usr/lib/xen-4.17/lib/x86_64-linux-gnu
/bin/busybox mkdir -p /proc /sys /dev /tmp /run
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts   # xenconsoled gives each guest console a pty
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
ln -s /run /var/run
. /etc/ringwire-variant
dmesg -n 4   # errors and worse only (a hung-task or lockup report), so the console mostly carries the capture
say() { echo "@rw $*"; }
fail() { say "FAIL $*"; poweroff -f; }
say "dom0 up: $(uname -r) variant=$VARIANT"
M=/lib/modules/$(uname -r)
for m in xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc llc stp bridge loop dm-mod dm-delay; do
  insmod $(find $M -name "$m.ko") || fail "insmod $m"
done
insmod $(find $M -name xen-blkback.ko) max_ring_page_order=$BLKBACK_ORDER feature_persistent=$PERSISTENT max_queues=$BLK_QUEUES || fail "insmod xen-blkback"
insmod $(find $M -name xen-netback.ko) max_queues=$NET_QUEUES || fail "insmod xen-netback"
mount -t xenfs xenfs /proc/xen || fail "mount xenfs"
mkdir -p /var/lib/xenstored /var/lib/xen /var/log/xen/console /run/xen /run/xenstored /var/run/xen
xenstored --pid-file /run/xenstored.pid || fail xenstored
xen-init-dom0 || fail xen-init-dom0
xenconsoled --log=guest --log-dir=/var/log/xen/console || fail xenconsoled
say "toolstack up"
xl info | grep -E '^(xen_version|nr_cpus|total_memory|free_memory|xen_commandline)' | sed 's/^/@rw xl-info /'

# Network: a bridge with a link-local address; the vif joins it in /etc/xen/scripts/vif-bridge. QEMU runs with
# -nic none, so nothing on it can leave the emulated machine.
brctl addbr xenbr0 && ip addr add 169.254.7.1/24 dev xenbr0 && ip link set xenbr0 up || fail bridge

# Disk: a sparse file on tmpfs behind a loop device (loop passes discard on), under a device-mapper target that
# starts linear and is switched to dm-delay while the guest's I/O is meant to stay in flight.
truncate -s 64M /tmp/disk.img
losetup /dev/loop0 /tmp/disk.img || fail losetup
SECTORS=$(blockdev --getsz /dev/loop0)
dmsetup create --noudevsync xdisk --table "0 $SECTORS linear /dev/loop0 0" || fail "dmsetup create"
dmsetup mknodes
say "disk /dev/mapper/xdisk $SECTORS sectors"

cat > /tmp/domu.cfg <<CFG
name = "rwguest"
type = "pv"
kernel = "/domu/vmlinuz"
ramdisk = "/domu/initramfs.cpio.gz"
extra = "console=hvc0 quiet xen_blkfront.max_ring_page_order=$BLKFRONT_ORDER xen_blkfront.feature_persistent=$PERSISTENT xen_blkfront.max_queues=$BLK_QUEUES xen_netfront.max_queues=$NET_QUEUES"
memory = 256
vcpus = $DOMU_VCPUS
disk = [ "phy:/dev/mapper/xdisk,xvda,w" ]
vif = [ "bridge=xenbr0,mac=00:16:3e:52:57:01" ]
on_poweroff = "destroy"
CFG
xl create /tmp/domu.cfg || fail "xl create"
DOMID=$(xl domid rwguest)
say "domU domid=$DOMID"
VBD=/local/domain/$DOMID/device/vbd/51712
VIF=/local/domain/$DOMID/device/vif/0

# Waits until the guest writes data/phase = $1 (or gives up after $2 seconds).
wait_phase() {
  i=0
  while [ "$(xenstore-read /local/domain/$DOMID/data/phase 2>/dev/null)" != "$1" ]; do
    i=$((i + 1)); [ $i -gt $(($2 * 5)) ] && fail "timeout waiting for guest phase $1"
    sleep 0.2
  done
  say "guest phase $1"
}
grab() { ringgrab "$1" "$2" || fail "ringgrab $1"; }

wait_phase connected 600
grab blk-connected $VBD
grab net-connected $VIF

# Hold the guest's next block I/O in flight: same disk, now behind dm-delay.
dmsetup suspend --noudevsync xdisk && \
dmsetup reload --noudevsync xdisk --table "0 $SECTORS delay /dev/loop0 0 $DELAY_MS" && \
dmsetup resume --noudevsync xdisk || fail "dm-delay switch"
say "disk delayed by ${DELAY_MS}ms"
xenstore-write /local/domain/$DOMID/data/go 1
wait_phase submitted 300
grab blk-inflight $VBD
# The fsync'd 4 KiB write completes after one delay; the flush blkfront sends after it is held for another.
sleep $((DELAY_MS / 1000 + 3))
grab blk-flush $VBD
wait_phase io-done 600
grab blk-completed $VBD
wait_phase net-done 300
grab net-traffic $VIF
xenstore-write /local/domain/$DOMID/data/finish 1
wait_phase finished 120
sleep 1
say "guest console follows"
sed 's/^/@rw guest: /' /var/log/xen/console/guest-rwguest.log
xl destroy rwguest 2>/dev/null
say "DONE"
poweroff -f

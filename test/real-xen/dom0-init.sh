#!/bin/sh
# /init of the dom0 initramfs built by build.sh. Boots the Xen toolstack by hand (no udev, no systemd), creates
# one PV domU with a disk on device-mapper and a vif on a bridge, captures its ring pages with ringgrab at chosen
# moments and prints everything on the console (hvc0 -> Xen -> com1 -> QEMU serial log), then powers off.
# Settings come from /etc/ringwire-variant (written by build.sh): DOMU_VCPUS, BLKBACK_ORDER, BLKFRONT_ORDER,
# PERSISTENT (0|1), BLK_QUEUES, NET_QUEUES, HOLD_MS.
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
# The guest's console (xenconsoled's log), on the serial console for the host.
guest_console() { [ -e /var/log/xen/console/guest-rwguest.log ] && sed 's/^/@rw guest: /' /var/log/xen/console/guest-rwguest.log; }
fail() { guest_console; say "FAIL $*"; poweroff -f; }
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
for d in /sys/block/dm-*; do [ "$(cat $d/dm/name)" = xdisk ] && DMSYS=$d; done
[ -n "$DMSYS" ] || fail "no /sys/block/dm-N for xdisk"
say "disk /dev/mapper/xdisk $SECTORS sectors ($DMSYS)"

# hold READ_MS WRITE_MS FLUSH_MS: puts xdisk behind dm-delay with one delay per bio class (dm-delay's 9-argument
# table; a PREFLUSH bio is of the flush class, a discard of the write class; 0 passes a class straight through).
# The suspend releases every bio the old table held (dm-delay's presuspend flushes its queue).
hold() {
  dmsetup suspend --noudevsync xdisk && \
  dmsetup reload --noudevsync xdisk --table "0 $SECTORS delay /dev/loop0 0 $1 /dev/loop0 0 $2 /dev/loop0 0 $3" && \
  dmsetup resume --noudevsync xdisk || fail "dm-delay table $*"
  say "disk delays reads ${1}ms, writes ${2}ms, flushes ${3}ms"
}
# Bios of the device completed so far: reads + writes + discards + flushes of /sys/block/dm-N/stat, counted at
# completion (Documentation/block/stat.rst), so an unchanged sum means nothing the guest sent has completed.
completed() { awk '{ print $1 + $5 + $12 + $16 }' $DMSYS/stat; }
# Flush-class bios dm-delay holds right now (the third of its status counters: reads, writes, flushes held).
flushes_held() { [ "$(dmsetup status xdisk | awk '{ print $6 }')" -ge 1 ]; }

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

# Every wait has a wall-clock limit and prints a heartbeat (@hb, not kept in capture logs) every 10 s, so that
# run.sh can tell a slow run from a stalled one: no serial output for XEN_STALL seconds means a stall. Heartbeats
# come from this one shell only, never concurrently with ringgrab, so they cannot split a page line. A timeout
# is retryable (FAIL retryable: run.sh exits 3); a broken setup is not.
now() { cut -d. -f1 /proc/uptime; }
next_beat=0
beat() { t=$(now); [ "$t" -ge $next_beat ] || return 0; next_beat=$((t + 10)); echo "@hb $t $*"; }
retry() { guest_console; say "FAIL retryable: $*"; poweroff -f; }
# wait_for WHAT SECONDS COMMAND...: until COMMAND succeeds, polled every 0.2 s.
wait_for() {
  what=$1 end=$(($(now) + $2)); shift 2
  until "$@"; do
    [ "$(now)" -lt $end ] || retry "timeout waiting for $what"
    beat "waiting for $what"
    sleep 0.2
  done
}
# The guest says it reached a phase by writing data/reached-PHASE once (its value: a detail), and a failure by
# writing data/failed. One key per phase: a single phase key could be overwritten with the next phase before
# this side read it, and the wait for the missed value would never end (the stalls of earlier runs).
DATA=/local/domain/$DOMID/data
reached() {
  if r=$(xenstore-read $DATA/failed 2>/dev/null); then say "guest failed: $r"; retry "guest: $r"; fi
  xenstore-read $DATA/reached-$1 >/dev/null 2>&1
}
wait_phase() { wait_for "guest phase $1" $2 reached $1; say "guest phase $1 $(xenstore-read $DATA/reached-$1)"; }
grab() { ringgrab "$1" "$2" || fail "ringgrab $1"; }

wait_phase connected 300
grab blk-connected $VBD
grab net-connected $VIF

# Hold every bio of the guest's next block I/O in dm-delay (HOLD_MS is far longer than any capture needs), so
# the captures no longer race a timer: what the guest sends stays outstanding until this script releases it.
hold $HOLD_MS $HOLD_MS $HOLD_MS
base=$(completed)
xenstore-write $DATA/go 1
# The guest reports how many requests its block layer has in flight (/sys/block/xvda/inflight): all five must
# be on the rings. blkback may still be blocked in the discard (it issues discards synchronously), with writes
# behind it not yet taken off the ring; they are outstanding on the ring all the same.
wait_phase submitted 180
n=$(xenstore-read $DATA/reached-submitted)
say "guest reports $(xenstore-read $DATA/diag); dm-delay holds (reads writes flushes): $(dmsetup status xdisk | cut -d' ' -f4-)"
[ "$n" -ge 5 ] || retry "guest had $n requests in flight, not 5"
grab blk-inflight $VBD
[ "$(completed)" = "$base" ] || retry "a held bio completed before blk-inflight was taken ($base -> $(completed))"
say "verified: no bio completed since go (completed $base)"

# Let reads, writes and discards through; the fsync's flush, which blkfront sends once the 4 KiB write it
# follows has completed, is then held alone. The guest sends one flush only, so a flush held both before and
# after the capture was held during it.
hold 0 0 $HOLD_MS
wait_for "the flush held by dm-delay" 120 flushes_held
grab blk-flush $VBD
flushes_held || retry "the flush was released during blk-flush"
say "verified: the flush was held before and after blk-flush"
hold 0 0 0
wait_phase io-done 180
grab blk-completed $VBD
wait_phase net-done 180
grab net-traffic $VIF
xenstore-write $DATA/finish 1
wait_phase finished 120
sleep 1
say "guest console follows"
guest_console
xl destroy rwguest 2>/dev/null
say "DONE"
poweroff -f

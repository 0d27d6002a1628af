#!/bin/sh
# /init of the PV domU initramfs built by build.sh: brings up blkfront and netfront and does I/O in steps that the
# dom0 script (dom0-init.sh) captures between. Each phase is reported once, as its own xenstore key
# data/reached-PHASE in the guest's tree (a failure as data/failed); dom0 answers with data/go and data/finish.
export PATH=/bin:/usr/bin
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
dmesg -n 1
M=/lib/modules/$(uname -r)
# insmod, unlike modprobe, does not read MODULE.PARAM=VALUE from the kernel command line: pass them on.
params() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1\.//p" | tr '\n' ' '; }
insmod $(find $M -name xen-blkfront.ko) $(params xen_blkfront)
insmod $(find $M -name xen-netfront.ko) $(params xen_netfront)
echo "domU blkfront: $(params xen_blkfront) netfront: $(params xen_netfront)"
phase() { xenstore-write "data/reached-$1" "${2:-1}"; echo "domU phase $1 ${2:-}"; }
failed() { xenstore-write data/failed "$1"; echo "domU failed: $1"; poweroff -f; }
now() { cut -d. -f1 /proc/uptime; }
# Waits (wall clock, at most $2 s) for dom0 to write data/$1 = 1.
waitkey() {
  end=$(($(now) + $2))
  while [ "$(xenstore-read "data/$1" 2>/dev/null)" != 1 ]; do
    [ "$(now)" -lt $end ] || failed "no data/$1 from dom0 within $2 s"
    sleep 0.2
  done
}
end=$(($(now) + 120)); while [ ! -b /dev/xvda ]; do [ "$(now)" -lt $end ] || failed "no /dev/xvda"; sleep 0.2; done
ip link set eth0 up
ip addr add 169.254.7.2/24 dev eth0
dd if=/dev/xvda of=/dev/null bs=4096 count=8 iflag=direct 2>/dev/null
phase connected
waitkey go 600
# With the disk now behind dm-delay: reads, 64 KiB writes (indirect segments), a flush, a discard.
# The discard goes last, once the other four are in flight (/sys/block/xvda/inflight: reads, writes; a discard
# counts as a write): a dd that seeks (blkdev_llseek takes the device inode's lock) after the BLKDISCARD ioctl
# started was seen waiting until the held discard completed, so only four were ever in flight at once.
inflight() { echo $(( $(sed 's/  */+/g; s/^+//' /sys/block/xvda/inflight) )); }
until_inflight() { end=$(($(now) + 60)); while [ "$(inflight)" -lt "$1" ] && [ "$(now)" -lt $end ]; do sleep 0.2; done; }
dd if=/dev/xvda of=/dev/null bs=65536 count=1 skip=16 iflag=direct 2>/dev/null &
dd if=/dev/zero of=/dev/xvda bs=65536 count=1 seek=32 oflag=direct 2>/dev/null &
dd if=/dev/zero of=/dev/xvda bs=65536 count=1 seek=48 oflag=direct 2>/dev/null &
dd if=/dev/zero of=/dev/xvda bs=4096 count=1 seek=2048 oflag=direct conv=fsync 2>/dev/null &
until_inflight 4
blkdiscard -o 8388608 -l 1048576 /dev/xvda &
# Say "submitted" once all five are in flight, i.e. on the rings; dom0 holds them there (dm-delay) and captures.
# The value written is the count: dom0 retries the run if it is short.
until_inflight 5
echo "domU in flight (reads writes): $(cat /sys/block/xvda/inflight)"
# For dom0's log: the block layer's count and where each I/O process waits (its wchan).
waits=$(for p in /proc/[0-9]*; do case "$(cat $p/comm 2>/dev/null)" in dd|blkdiscard) echo "$(cat $p/comm):$(cat $p/wchan 2>/dev/null)";; esac; done | tr '\n' ' ')
xenstore-write data/diag "in flight (reads writes): $(cat /sys/block/xvda/inflight | tr -s ' '); waiting: $waits"
phase submitted "$(inflight)"
wait
phase io-done
ping -c 3 -W 2 169.254.7.1 > /dev/null 2>&1
phase net-done
waitkey finish 600
phase finished
cat /sys/block/xvda/queue/max_segments /sys/block/xvda/mq/*/nr_tags 2>/dev/null | tr '\n' ' '; echo
ls /sys/class/net/eth0/queues/
poweroff -f

#!/bin/sh
# /init of the PV domU initramfs built by build.sh: brings up blkfront and netfront and does I/O in steps that the
# dom0 script (dom0-init.sh) captures between. Phases are reported in xenstore data/phase (the guest's own tree).
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
phase() { xenstore-write data/phase "$1"; echo "domU phase $1"; }
waitkey() { while [ "$(xenstore-read "data/$1" 2>/dev/null)" != 1 ]; do sleep 0.2; done; }
i=0; while [ ! -b /dev/xvda ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
ip link set eth0 up
ip addr add 169.254.7.2/24 dev eth0
dd if=/dev/xvda of=/dev/null bs=4096 count=8 iflag=direct 2>/dev/null
phase connected
waitkey go
# With the disk now behind dm-delay: reads, 64 KiB writes (indirect segments), a flush, a discard.
dd if=/dev/xvda of=/dev/null bs=65536 count=1 skip=16 iflag=direct 2>/dev/null &
dd if=/dev/zero of=/dev/xvda bs=65536 count=1 seek=32 oflag=direct 2>/dev/null &
dd if=/dev/zero of=/dev/xvda bs=65536 count=1 seek=48 oflag=direct 2>/dev/null &
dd if=/dev/zero of=/dev/xvda bs=4096 count=1 seek=2048 oflag=direct conv=fsync 2>/dev/null &
blkdiscard -o 8388608 -l 1048576 /dev/xvda &
# Say "submitted" only once all five are in flight (/sys/block/xvda/inflight: reads, writes; discard counts as
# a write), so dom0's captures are timed from when the requests really reached the ring. At most 30 s.
i=0; while [ $(( $(sed 's/  */+/g; s/^+//' /sys/block/xvda/inflight) )) -lt 5 ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
echo "domU in flight (reads writes): $(cat /sys/block/xvda/inflight)"
phase submitted
wait
phase io-done
ping -c 3 -W 2 169.254.7.1 > /dev/null 2>&1
phase net-done
waitkey finish
phase finished
cat /sys/block/xvda/queue/max_segments /sys/block/xvda/mq/*/nr_tags 2>/dev/null | tr '\n' ' '; echo
ls /sys/class/net/eth0/queues/
poweroff -f

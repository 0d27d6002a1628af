#!/bin/sh
# /init of the ringwire real-guest initramfs (test/real/): loads the virtio modules, drives block and network
# I/O so the virtqueues hold real chains, and tells the host on the serial console when a capture may start.
# Kernel command line: rw.work=SECONDS (how long to keep I/O going), rw.wrap=N (extra O_DIRECT reads first).
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox --install -s /bin
work=20; wrap=0
for a in $(cat /proc/cmdline); do
  case "$a" in rw.work=*) work=${a#rw.work=};; rw.wrap=*) wrap=${a#rw.wrap=};; esac
done
m=/lib/modules
for mod in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk failover net_failover virtio_net; do
  [ -f $m/$mod.ko ] && insmod $m/$mod.ko
done
i=0; while [ ! -b /dev/vdb ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
echo "RINGWIRE-GUEST: modules loaded: $(ls /sys/bus/virtio/devices | tr '\n' ' ')"
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up
# O_DIRECT writes then reads on the first disk: each dd block is one request.
dd if=/dev/urandom of=/dev/vda bs=4096 count=64 oflag=direct 2>/dev/null
dd if=/dev/vda of=/dev/null bs=4096 count=64 iflag=direct 2>/dev/null
# A run long enough for the 16-bit indices to wrap: at least $wrap O_DIRECT reads of one block each, one request
# each (the disk holds 16384 blocks of 4 KiB, so dd goes round it).
n=0; while [ $n -lt $wrap ]; do dd if=/dev/vda of=/dev/null bs=4096 count=16384 iflag=direct 2>/dev/null; n=$((n+16384)); done
ping -c 3 -W 1 10.0.2.2 >/dev/null 2>&1
echo "RINGWIRE-GUEST: first I/O done"
# Keep requests in flight: several O_DIRECT readers and writers on the throttled second disk, a writer on the
# first, and pings over user-mode networking (answered by QEMU itself).
for k in 0 1 2 3; do dd if=/dev/vdb of=/dev/null bs=4096 count=100000 skip=$((k*64)) iflag=direct 2>/dev/null & done
for k in 0 1; do dd if=/dev/zero of=/dev/vdb bs=8192 count=100000 seek=$((1024+k*64)) oflag=direct 2>/dev/null & done
(while :; do dd if=/dev/urandom of=/dev/vda bs=65536 count=8 seek=16 oflag=direct 2>/dev/null; done) &
ping -i 0.2 10.0.2.2 >/dev/null 2>&1 &
sleep 2
# Requests completed so far on the first disk (reads, writes): more than 65535 means its indices wrapped.
set -- $(cat /sys/block/vda/stat)
echo "RINGWIRE-GUEST: vda-ios $1 $5"
echo "RINGWIRE-GUEST: READY"
sleep "$work"
echo "RINGWIRE-GUEST: DONE"
poweroff -f

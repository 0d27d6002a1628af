#!/usr/bin/env bash
# Boots Xen 4.17 + the dom0 image of one variant under QEMU TCG and writes the serial log.
# Usage: run.sh VARIANT [LOG]   (default LOG: $XEN_CACHE/out/VARIANT/serial.log). Exit 0 when dom0 printed DONE;
# stops QEMU early when the log shows a failure (dom0's FAIL line, a panic, Xen's crash message).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
XEN_CACHE=${XEN_CACHE:-$here/../../.real-xen-cache}
variant=${1:?usage: run.sh VARIANT [LOG]}
out=$XEN_CACHE/out/$variant
log=${2:-$out/serial.log}
limit=${XEN_TIMEOUT:-600}
: > "$log"
# -cpu max crashes a PV dom0 under TCG; a named model works. No NIC: the guest network stays inside the VM.
qemu-system-x86_64 -machine pc -accel tcg -cpu Haswell-noTSX -smp 2 -m 2048 \
  -nographic -no-reboot -nic none -serial "file:$log" -monitor none -display none \
  -kernel "$out/xen" \
  -append "console=com1 com1=115200,8n1 dom0_mem=768M,max:768M dom0_max_vcpus=1 loglvl=all guest_loglvl=all serial_tx_buffer=1M noreboot" \
  -initrd "$out/vmlinuz console=hvc0 earlyprintk=xen,$out/dom0.cpio.gz" </dev/null >/dev/null 2>&1 &
qpid=$!
start=$SECONDS
while kill -0 "$qpid" 2>/dev/null; do
  if grep -qE '^@rw (DONE|FAIL)|Kernel panic|Dom0 crashed|Panic on CPU' "$log" || [ $((SECONDS - start)) -gt "$limit" ]; then
    sleep 1
    kill "$qpid" 2>/dev/null || true
    break
  fi
  sleep 1
done
wait "$qpid" 2>/dev/null || true
if ! grep -q '^@rw DONE' "$log"; then
  echo "run: $variant: dom0 did not finish after $((SECONDS - start))s; last lines of $log:" >&2
  grep -E '^@rw|panic|Panic|crash' "$log" | tail -n 5 >&2
  tail -n 25 "$log" >&2
  exit 1
fi
echo "run: $variant: ok in $((SECONDS - start))s ($log)"

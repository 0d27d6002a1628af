#!/usr/bin/env bash
# Boots Xen 4.17 + the dom0 image of one variant under QEMU TCG and writes the serial log.
# Usage: run.sh VARIANT [LOG]   (default LOG: $XEN_CACHE/out/VARIANT/serial.log)
# Exit 0 when dom0 printed DONE; 3 (retryable: a rerun may pass) when the run stalled (no serial output for
# XEN_STALL s, default 180; dom0 prints a heartbeat every 10 s while it waits), ran over XEN_TIMEOUT s (default
# 900) or dom0 gave up with `FAIL retryable`; 1 on any other failure (dom0's FAIL line, a panic, Xen's crash
# message). QEMU is stopped as soon as the outcome is known.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
XEN_CACHE=${XEN_CACHE:-$here/../../.real-xen-cache}
variant=${1:?usage: run.sh VARIANT [LOG]}
out=$XEN_CACHE/out/$variant
log=${2:-$out/serial.log}
limit=${XEN_TIMEOUT:-900}
stall=${XEN_STALL:-180}
: > "$log"
# -cpu max crashes a PV dom0 under TCG; a named model works. No NIC: the guest network stays inside the VM.
qemu-system-x86_64 -machine pc -accel tcg -cpu Haswell-noTSX -smp 2 -m 2048 \
  -nographic -no-reboot -nic none -serial "file:$log" -monitor none -display none \
  -kernel "$out/xen" \
  -append "console=com1 com1=115200,8n1 dom0_mem=768M,max:768M dom0_max_vcpus=1 loglvl=all guest_loglvl=all serial_tx_buffer=1M noreboot" \
  -initrd "$out/vmlinuz console=hvc0 earlyprintk=xen,$out/dom0.cpio.gz" </dev/null >/dev/null 2>&1 &
qpid=$!
start=$SECONDS
size=0 quiet_since=$SECONDS longest=0 why=
while kill -0 "$qpid" 2>/dev/null; do
  now=$SECONDS
  s=$(stat -c %s "$log")
  if [ "$s" != "$size" ]; then size=$s quiet_since=$now; fi
  [ $((now - quiet_since)) -le "$longest" ] || longest=$((now - quiet_since))
  if grep -qE '^@rw (DONE|FAIL)|Kernel panic|Dom0 crashed|Panic on CPU' "$log"; then why="dom0 FAIL, a panic or a crash in the log"
  elif [ $((now - quiet_since)) -gt "$stall" ]; then why="stalled: no serial output for ${stall}s"
  elif [ $((now - start)) -gt "$limit" ]; then why="over XEN_TIMEOUT=${limit}s"
  fi
  if [ -n "$why" ]; then
    sleep 1
    kill "$qpid" 2>/dev/null || true
    break
  fi
  sleep 1
done
wait "$qpid" 2>/dev/null || true
took=$((SECONDS - start))
if grep -q '^@rw DONE' "$log"; then
  echo "run: $variant: ok in ${took}s, longest serial silence ${longest}s ($log)"
  exit 0
fi
rc=1
if [ -n "$why" ] && [ "${why#dom0 FAIL}" = "$why" ]; then rc=3
elif grep -q '^@rw FAIL retryable' "$log"; then rc=3 why="dom0 gave up"
else why=${why:-"QEMU exited"}
fi
echo "run: $variant: failed after ${took}s ($why; exit $rc); last lines of $log:" >&2
{ grep -aE '^@rw|panic|Panic|crash' "$log" | tail -n 5; grep -avE '^@rg page' "$log" | tail -n 25; } >&2 || true
exit $rc

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the devmem LAVA initramfs (busybox sh; vm/lava-job.sh puts it
# in place of vm/guest-init.sh).  Mounts the pseudo filesystems, loads the
# nvdimm/dax modules, initialises the NVDIMM labels like the vm/run.sh
# guest, mounts a 9p share "devmem_out" on /out when the worker offers one
# (vm/lava-try.sh does), then gives LAVA what its QEMU boot method waits
# for: a root shell on the serial console (prompt "devmem-lava# ").  LAVA
# types the test shell's commands into it and powers the machine off.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH HOME=/root

if [ "$$" != 1 ]; then
	echo "lava/init.sh: error: this is the /init of a devmem LAVA guest, not a program to run: refusing (PID $$, not 1)" >&2
	exit 1
fi
[ -r /proc/cmdline ] || mount -t proc proc /proc
case " $(cat /proc/cmdline 2>/dev/null) " in
*" devmem.lava=1 "*) ;;
*)
	echo "lava/init.sh: error: no devmem.lava=1 on the kernel command line: not a devmem LAVA guest, refusing" >&2
	exit 1
	;;
esac

say()
{
	echo "devmem-lava-init: $*" > /dev/console
}

mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
ln -sf /proc/mounts /etc/mtab
say "start $(uname -r)"

while read -r m; do
	modprobe "$m" || say "modprobe $m failed"
done < /etc/devmem/modules

# The results share is optional here: a farm's worker has none.
mkdir -p /out
if grep -qw devmem_out /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag 2>/dev/null; then
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 \
		devmem_out /out 2>/dev/null && say "results share on /out"
fi

if [ -d /sys/bus/nd/devices ]; then
	ndctl disable-region all >/dev/null 2>&1
	ndctl init-labels -f all >/dev/null 2>&1 || say "init-labels failed"
	ndctl enable-region all >/dev/null 2>&1
fi

# The run's environment (accel, QEMU, kernel identity) for devmem-bench,
# in every shell LAVA starts.
cat > /etc/profile <<'EOP'
[ -f /etc/devmem/env ] && . /etc/devmem/env
PS1='devmem-lava# '
export PS1
EOP
say "ready"
cd /
# cttyhack gives the shell the console's real tty (ttyS0) as its
# controlling terminal; LAVA talks to it through QEMU's stdio serial.
while :; do
	setsid cttyhack /bin/sh -l
	say "shell exited, restarting it"
done

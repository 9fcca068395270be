#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the devmem guest (busybox sh).  Mounts the pseudo filesystems,
# loads the nvdimm/dax modules, mounts the host's results share on /out,
# prepares the NVDIMM labels, runs /etc/devmem/cmd with its output on the
# second serial port (the host streams it), and reports the exit status to
# the host through /out/exit-status and a console marker.  Kernel messages
# stay on the first serial port (console.log on the host).

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH HOME=/root

# Only as PID 1 of a devmem guest: vm/run.sh puts devmem.guest=1 on the
# kernel command line.  Run anywhere else (by mistake, on a host, as root)
# this would mount over /tmp and /run and power the machine off: refuse
# before touching anything.  As PID 1, /proc may still need mounting to
# read the command line.
if [ "$$" != 1 ]; then
	echo "guest-init.sh: error: this is the /init of a devmem guest (vm/run.sh), not a program to run: refusing (PID $$, not 1)" >&2
	exit 1
fi
[ -r /proc/cmdline ] || mount -t proc proc /proc
case " $(cat /proc/cmdline 2>/dev/null) " in
*" devmem.guest=1 "*) ;;
*)
	echo "guest-init.sh: error: PID 1 but no devmem.guest=1 on the kernel command line: not a devmem guest, refusing" >&2
	exit 1
	;;
esac

say()
{
	echo "devmem-init: $*" > /dev/console
}

finish()
{
	echo "$1" > /out/exit-status 2>/dev/null
	say "exit status $1"
	echo "DEVMEM-EXIT=$1" > /dev/console
	sync
	poweroff -f
	sleep 60
}

[ -r /proc/cmdline ] || mount -t proc proc /proc
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
	modprobe "$m" || { say "modprobe $m failed"; finish 125; }
done < /etc/devmem/modules

# The virtio transport may still be probing its device: retry briefly.
tries=0
until mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 \
		devmem_out /out 2>/dev/null; do
	tries=$((tries + 1))
	if [ $tries -ge 20 ]; then
		say "cannot mount the results share"
		finish 125
	fi
	sleep 0.5
done

# shellcheck source=/dev/null # written into the initramfs by mkinitramfs.sh
[ -f /etc/devmem/env ] && . /etc/devmem/env

# Fresh backing files carry no labels: initialise them so that namespaces
# can be created.  Kept backing files (DEVMEM_INIT_LABELS=0) are left as is.
if [ "${DEVMEM_INIT_LABELS:-1}" = 1 ] && [ -d /sys/bus/nd/devices ]; then
	ndctl disable-region all >/dev/null 2>&1
	ndctl init-labels -f all >/dev/null 2>&1 || say "init-labels failed"
	ndctl enable-region all >/dev/null 2>&1
fi

# CXL type-3 devices (vm/run.sh --cxl-pmem N / --cxl-ram N): load the CXL
# drivers, wait for the memory devices, and create one region per device
# under whichever root decoder (one fixed memory window per host bridge)
# reaches it.  A pmem region becomes an nd region on the "CXL" nvdimm bus:
# the suite's tools then use it like an NVDIMM region; their names go to
# COMMAND as DEVMEM_CXL_REGIONS.  A ram region becomes a dax device
# (dax_cxl).
# endpoint_of MEM: MEM's endpoint port (endpointN, whose uport is MEM).
endpoint_of()
{
	for _e in /sys/bus/cxl/devices/endpoint[0-9]*; do
		[ "$(readlink -f "$_e/uport")" = "$(readlink -f "/sys/bus/cxl/devices/$1")" ] &&
			{ echo "${_e##*/}"; return 0; }
	done
	return 1
}

# mem_region MEM: the region MEM's endpoint decoder is bound to, if any.
mem_region()
{
	_ep=$(endpoint_of "$1") || return 1
	for _d in /sys/bus/cxl/devices/"$_ep"/decoder*; do
		[ -r "$_d/region" ] && [ -n "$(cat "$_d/region")" ] &&
			{ cat "$_d/region"; return 0; }
	done
	return 1
}

# ram_region_sysfs MEM: a ram region for MEM through the kernel's sysfs
# (Documentation/ABI/testing/sysfs-bus-cxl), the steps cxl create-region
# takes: for cxl-cli releases that refuse "-t ram" (Debian 12's 76.1:
# "region type 'ram' not supported yet").  Tries each root decoder.
ram_region_sysfs()
{
	_rC=/sys/bus/cxl/devices
	_rep=$(endpoint_of "$1") || return 1
	_red=decoder${_rep#endpoint}.0
	_rsize=$(cat "$_rC/$1/ram/size")
	for _rd in $(cd "$_rC" && ls -d decoder0.[0-9]*); do
		[ -w "$_rC/$_rd/create_ram_region" ] || continue
		_rr=$(cat "$_rC/$_rd/create_ram_region") || continue
		echo "$_rr" > "$_rC/$_rd/create_ram_region" 2>/dev/null || continue
		# (a window that does not reach the device refuses target0)
		if { cat "$_rC/$_rd/interleave_granularity" > "$_rC/$_rr/interleave_granularity" &&
		     echo 1 > "$_rC/$_rr/interleave_ways" &&
		     echo ram > "$_rC/$_red/mode" && echo "$_rsize" > "$_rC/$_red/dpa_size" &&
		     echo "$_rsize" > "$_rC/$_rr/size" && echo "$_red" > "$_rC/$_rr/target0" &&
		     echo 1 > "$_rC/$_rr/commit"; } 2>/dev/null; then
			[ -e "/sys/bus/cxl/drivers/cxl_region/$_rr" ] ||
				echo "$_rr" > /sys/bus/cxl/drivers/cxl_region/bind 2>/dev/null
			return 0
		fi
		# undo this window's attempt, try the next
		echo 0 > "$_rC/$_rr/commit" 2>/dev/null
		echo "$_rr" > "$_rC/$_rd/delete_region" 2>/dev/null
		echo 0 > "$_rC/$_red/dpa_size" 2>/dev/null
	done
	return 1
}

cxl_regions()
{
	want=$((DEVMEM_CXL_PMEM + ${DEVMEM_CXL_RAM:-0}))
	# A ram region's memory stays offline (dax kmem adds it, nothing
	# onlines it): QEMU's TCG cannot run from the emulated CXL window
	# (10.0.2 segfaulted once the kernel had onlined it).  kmem and the
	# stress workloads online it themselves.
	[ "${DEVMEM_CXL_RAM:-0}" = 0 ] ||
		echo offline > /sys/devices/system/memory/auto_online_blocks
	tries=0
	while read -r m; do
		modprobe "$m" || { say "modprobe $m failed"; return 1; }
	done < /etc/devmem/modules-cxl
	[ -d /sys/bus/cxl/devices ] || { say "the kernel has no CXL bus (CONFIG_CXL_BUS)"; return 1; }
	until [ "$(find /sys/bus/cxl/devices -maxdepth 1 -name 'mem[0-9]*' | wc -l)" -ge "$want" ]; do
		tries=$((tries + 1))
		[ $tries -lt 60 ] || { say "only $(find /sys/bus/cxl/devices -maxdepth 1 -name 'mem[0-9]*' | wc -l) of $want CXL memory devices appeared"; return 1; }
		sleep 0.5
	done
	for mem in $(cd /sys/bus/cxl/devices && ls -d mem[0-9]*); do
		# the device's capacity says which it is
		type=ram
		[ "$(cat "/sys/bus/cxl/devices/$mem/pmem/size" 2>/dev/null)" != 0x0 ] && type=pmem
		made=
		# (cxl-cli may exit 0 having "created 0 regions": the
		# endpoint decoder's region says)
		for d in $(cd /sys/bus/cxl/devices && ls -d decoder0.[0-9]*); do
			if cxl create-region -m -t "$type" -d "$d" -w 1 "$mem" >/dev/null 2>&1 &&
			   mem_region "$mem" > /dev/null; then
				made="$d (cxl create-region)"
				break
			fi
		done
		if [ -z "$made" ] && [ "$type" = ram ] && ram_region_sysfs "$mem"; then
			made="$(mem_region "$mem") (sysfs: this cxl-cli cannot make ram regions)"
		fi
		[ -n "$made" ] || { say "cxl create-region -t $type for $mem failed under every root decoder"; cxl create-region -m -t "$type" -w 1 "$mem" 2>&1 | head -n 3 > /dev/console; return 1; }
		say "CXL $type region for $mem under $made"
	done
	# the nd regions on the CXL bus (nd_pmem may still be probing)
	tries=0
	while :; do
		DEVMEM_CXL_REGIONS=
		for r in /sys/bus/nd/devices/region*; do
			[ -e "$r" ] || continue
			[ "$(cat "$(dirname "$(readlink -f "$r")")/provider" 2>/dev/null)" = CXL ] &&
				DEVMEM_CXL_REGIONS="$DEVMEM_CXL_REGIONS${DEVMEM_CXL_REGIONS:+ }${r##*/}"
		done
		[ "$(echo "$DEVMEM_CXL_REGIONS" | wc -w)" -ge "$DEVMEM_CXL_PMEM" ] && break
		tries=$((tries + 1))
		[ $tries -lt 40 ] || { say "only '$DEVMEM_CXL_REGIONS' of $DEVMEM_CXL_PMEM CXL pmem regions appeared on the nvdimm bus"; return 1; }
		sleep 0.5
	done
	export DEVMEM_CXL_REGIONS
	say "CXL pmem regions: ${DEVMEM_CXL_REGIONS:-none}"
}
if [ $((${DEVMEM_CXL_PMEM:-0} + ${DEVMEM_CXL_RAM:-0})) -gt 0 ]; then
	cxl_regions || finish 125
fi

out=/dev/ttyS1
[ -c "$out" ] || out=/dev/console
cd /devmem 2>/dev/null || cd /
if [ -f /etc/devmem/cmd ]; then
	sh /etc/devmem/cmd > "$out" 2>&1
	rc=$?
else
	say "no command given"
	rc=125
fi
finish $rc

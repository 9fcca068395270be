#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel in QEMU with emulated NVDIMMs, run one command in it, bring
# the results and the command's exit status back.  See usage() or --help.
#
# KVM is used only where a probe proves a guest boots with it; otherwise
# TCG, plain or with QEMU's instruction counter (tcg-icount: the guest's
# clock counts executed instructions, so timings repeat boot to boot).
# The choice is recorded for the guest (/etc/devmem/env) and on the host
# (OUT/vm.env).  A panic, an oops or WARN on the console, a hang or a
# timeout is a failure with the console log kept, never a hang of the host.
set -eu
. "$(dirname "$0")/lib.sh"

usage()
{
	cat <<EOT
usage: vm/run.sh [options] [--] COMMAND...

Boot a kernel with emulated NVDIMMs and run COMMAND (a shell command line)
as root in the guest, in /devmem (the payload).  Exits with COMMAND's status,
or 1 when the guest crashed, hung, timed out or logged a kernel problem.

  --kernel SPEC       kernel dir, debian-6.12, debian-6.1, a name under
                      $KERNELS_DIR, or a bzImage        [debian-6.12]
  --modules DIR       modules root (DIR/lib/modules/<release>) to use with a
                      bzImage; none when everything is built in
  --payload DIR       files the guest gets under /devmem
  --out DIR           host folder the guest sees as /out   [run dir/out]
  --mem SIZE          guest memory, 512M..16G               [2G]
  --cpus N            guest CPUs, 1..16                     [2]
  --nvdimms N         emulated NVDIMMs, 0..4                [2]
  --nvdimm-size SIZE  size of each, 1G..64G, multiple of 1G [4G]
  --cxl-pmem N        emulated CXL type-3 persistent memory devices, 0..4,
                      2G each, each behind its own host bridge and window;
                      the guest creates one CXL pmem region per device
                      (cxl create-region), exported to COMMAND as
                      DEVMEM_CXL_REGIONS ("regionN ...").  A q35 machine;
                      the NVDIMMs stay (--nvdimms 0: the CXL regions are
                      the only pmem, so everything runs on them)  [0]
  --cxl-ram N         volatile CXL devices (ram regions for dax kmem);
                      needs QEMU >= 8.0: exits 4 saying so on an older
                      QEMU                                  [0]
  --accel MODE        auto, kvm, tcg or tcg-icount          [auto]
  --fallback MODE     what auto picks where KVM does not work: tcg or
                      tcg-icount                            [tcg]
  --timeout SEC       wall-clock limit for the guest        [1800]
  --append ARGS       extra kernel command line (tcg-icount adds nokaslr
                      unless ARGS says kaslr or nokaslr)
  --allow-warn        a WARNING on the console is not a failure
  --keep              keep the run folder (backing files, initramfs)
  --host-env FILE     also write the run's environment (what the guest gets
                      as /out/vm.env) to FILE: callers read that, never the
                      guest-writable share
  -h, --help          this text

tcg-icount runs TCG with -icount shift=0,sleep=off,align=off and the RTC
on the virtual clock: guest time advances 1 ns per executed instruction,
so durations measured in the guest are instruction counts (1.5-2.3x the
wall time of plain TCG).  make bench and make compare pass
--fallback tcg-icount; the kselftest keeps plain TCG (it judges no
timings and boots faster).

The run folder is under $DEVMEM_CACHE/vm/runs/; console.log (kernel) and
guest.log (COMMAND's output) are kept there after a failure.
EOT
}

# parse_size STR: bytes for STR (K, M, G, T suffixes, binary).
parse_size()
{
	local s=$1 n unit

	[[ $s =~ ^([0-9]+)([KkMmGgTt]?)$ ]] || return 1
	n=${BASH_REMATCH[1]}
	unit=${BASH_REMATCH[2]}
	case $unit in
	k|K) n=$((n << 10)) ;;
	m|M) n=$((n << 20)) ;;
	g|G) n=$((n << 30)) ;;
	t|T) n=$((n << 40)) ;;
	esac
	echo "$n"
}

# in_range NAME VALUE MIN MAX: die unless MIN <= VALUE <= MAX (integers).
in_range()
{
	[[ $2 =~ ^[0-9]+$ ]] || die "$1: '$2' is not a number"
	if [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
		die "$1: $2 is out of range ($3..$4)"
	fi
}

kernel=debian-6.12 modules='' payload='' out='' mem=2G cpus=2 nvdimms=2
nvsize=4G accel=auto fallback=tcg timeout_s=1800 append='' keep=0 allow_warn=0
host_env='' cxl_pmem=0 cxl_ram=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernel=${2?--kernel needs a value}; shift ;;
	--modules)	modules=${2?--modules needs a value}; shift ;;
	--payload)	payload=${2?--payload needs a value}; shift ;;
	--out)		out=${2?--out needs a value}; shift ;;
	--mem)		mem=${2?--mem needs a value}; shift ;;
	--cpus)		cpus=${2?--cpus needs a value}; shift ;;
	--nvdimms)	nvdimms=${2?--nvdimms needs a value}; shift ;;
	--nvdimm-size)	nvsize=${2?--nvdimm-size needs a value}; shift ;;
	--cxl-pmem)	cxl_pmem=${2?--cxl-pmem needs a value}; shift ;;
	--cxl-ram)	cxl_ram=${2?--cxl-ram needs a value}; shift ;;
	--accel)	accel=${2?--accel needs a value}; shift ;;
	--fallback)	fallback=${2?--fallback needs a value}; shift ;;
	--timeout)	timeout_s=${2?--timeout needs a value}; shift ;;
	--append)	append=${2?--append needs a value}; shift ;;
	--allow-warn)	allow_warn=1 ;;
	--keep)		keep=1 ;;
	--host-env)	host_env=${2?--host-env needs a value}; shift ;;
	-h|--help)	usage; exit 0 ;;
	--)		shift; break ;;
	-*)		usage >&2; die "unknown option '$1'" ;;
	*)		break ;;
	esac
	shift
done
[ $# -gt 0 ] || { usage >&2; die "no command given"; }

mem_b=$(parse_size "$mem") || die "--mem: '$mem' is not a size (e.g. 2G)"
in_range --mem "$((mem_b >> 20))" 512 16384
in_range --cpus "$cpus" 1 16
in_range --nvdimms "$nvdimms" 0 4
nv_b=$(parse_size "$nvsize") || die "--nvdimm-size: '$nvsize' is not a size (e.g. 4G)"
in_range --nvdimm-size "$((nv_b >> 20))" 1024 65536
[ $((nv_b % (1 << 30))) -eq 0 ] || die "--nvdimm-size: $nvsize is not a multiple of 1G"
in_range --timeout "$timeout_s" 10 86400
in_range --cxl-pmem "$cxl_pmem" 0 4
in_range --cxl-ram "$cxl_ram" 0 4
[ $((cxl_pmem + cxl_ram)) -le 4 ] ||
	die "--cxl-pmem $cxl_pmem and --cxl-ram $cxl_ram: at most 4 CXL devices in all"
case $accel in
auto|kvm|tcg|tcg-icount) ;;
*) die "--accel: '$accel' is not auto, kvm, tcg or tcg-icount" ;;
esac
case $fallback in
tcg|tcg-icount) ;;
*) die "--fallback: '$fallback' is not tcg or tcg-icount" ;;
esac
[ -z "$payload" ] || [ -d "$payload" ] || die "--payload: no such folder: $payload"
[ -z "$modules" ] || [ -d "$modules" ] || die "--modules: no such folder: $modules"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 not found (make deps installs qemu-system-x86)"
# Volatile CXL memory (cxl-type3 volatile-memdev) came with QEMU 8.0;
# 7.2's type-3 device is persistent only.
if [ "$cxl_ram" -gt 0 ]; then
	qv=$(qemu-system-x86_64 --version | sed -n '1s/.*version \([0-9]*\)\..*/\1/p')
	if [ "${qv:-0}" -lt 8 ]; then
		echo "vm/run.sh: SKIP: --cxl-ram needs QEMU >= 8.0 (volatile-memdev); this is QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')" >&2
		exit 4
	fi
fi

# The kernel: a kernel dir (with release, meta, maybe modules) or a bzImage.
kpath=$(resolve_kernel "$kernel") || exit 1
meta_name='' meta_series='' meta_revision='' meta_config_hash=''
if [ -d "$kpath" ]; then
	vmlinuz=$kpath/vmlinuz
	release=$(cat "$kpath/release")
	[ -n "$modules" ] || { [ -d "$kpath/modules" ] && modules=$kpath/modules; }
	if [ -f "$kpath/meta" ]; then
		meta_name=$(sed -n 's/^name=//p' "$kpath/meta")
		meta_series=$(sed -n 's/^series=//p' "$kpath/meta")
		meta_revision=$(sed -n 's/^revision=//p' "$kpath/meta")
		meta_config_hash=$(sed -n 's/^config_hash=//p' "$kpath/meta")
	fi
else
	vmlinuz=$kpath
	file -L "$vmlinuz" 2>/dev/null | grep -q 'Linux kernel' ||
		die "--kernel: $vmlinuz is not a Linux kernel image"
	release=$(file -L "$vmlinuz" | sed -n 's/.*version \([^ ]*\).*/\1/p')
	[ -n "$release" ] || die "--kernel: cannot read the release of $vmlinuz"
	if [ -n "$modules" ] && [ ! -d "$modules/lib/modules/$release" ]; then
		die "--modules: $modules has no lib/modules/$release"
	fi
	meta_name=$(basename "$vmlinuz")
fi

# probe_kvm: 0 when a KVM guest provably boots here.  The answer is cached
# per host boot, since a failed probe costs its whole deadline.
probe_kvm()
{
	local cache=$DEVMEM_CACHE/kvm-probe boot_id tmp rc

	[ -w /dev/kvm ] || return 1
	grep -qwE 'vmx|svm' /proc/cpuinfo || return 1
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	if [ -f "$cache" ] && [ "$(cut -d' ' -f1 "$cache")" = "$boot_id" ]; then
		[ "$(cut -d' ' -f2 "$cache")" = kvm ]
		return
	fi
	tmp=$(mktemp -d)
	mkdir -p "$tmp/r/bin"
	cp "$(command -v busybox)" "$tmp/r/bin/busybox"
	printf '#!/bin/busybox sh\n/bin/busybox echo DEVMEM-KVM-OK > /dev/console\n/bin/busybox poweroff -f\n' > "$tmp/r/init"
	chmod +x "$tmp/r/init"
	(cd "$tmp/r" && find . | cpio -o -H newc --quiet) > "$tmp/i.cpio"
	timeout -k 5 60 qemu-system-x86_64 -accel kvm -cpu host -m 256M \
		-nodefaults -display none -no-reboot -serial "file:$tmp/c.log" \
		-kernel "$vmlinuz" -initrd "$tmp/i.cpio" \
		-append "console=ttyS0 panic=-1" >/dev/null 2>&1 || true
	grep -q DEVMEM-KVM-OK "$tmp/c.log" 2>/dev/null && rc=0 || rc=1
	rm -rf "$tmp"
	mkdir -p "$DEVMEM_CACHE"
	echo "$boot_id $([ $rc = 0 ] && echo kvm || echo tcg)" > "$cache"
	return $rc
}

case $accel in
kvm)	probe_kvm || die "--accel kvm: KVM does not boot a guest on this host" ;;
auto)	if probe_kvm; then accel=kvm; else accel=$fallback; fi ;;
esac
# icount: shift 0 is 1 ns of guest time per instruction, the only shift
# the results accept (their durations are then instruction counts);
# sleep=off warps idle time to the next timer instead of letting host
# time pass; align=off never stalls the guest to the host clock.  The
# RTC follows the virtual clock too (-rtc clock=vm below).
icount_shift=
rtc_arg=base=utc
if [ "$accel" = kvm ]; then
	accel_args=(-accel kvm -cpu host)
elif [ "$accel" = tcg-icount ]; then
	icount_shift=0
	# shellcheck disable=SC2054 # QEMU options are comma-separated lists
	accel_args=(-accel tcg,thread=single -cpu max,la57=off
		    -icount "shift=$icount_shift,sleep=off,align=off")
	rtc_arg=base=utc,clock=vm
	# A randomised layout makes arch_add_memory() zero one page-table
	# page more in some boots than in others (+4160 insn, exact within a
	# boot, 9-14% of the row): icount boots run without KASLR unless the
	# command line says otherwise (--append kaslr keeps it).
	case " $append " in
	*[\ ]kaslr[\ ]*|*nokaslr*) ;;
	*)	append="${append:+$append }nokaslr" ;;
	esac
else
	# TCG: "max" minus 5-level paging, so the guest's memory layout is
	# the common 4-level one.  One host thread for all vCPUs: with
	# multi-threaded TCG, the kernel's live text patching (int3 then the
	# new bytes) raced with another vCPU executing it and oopsed in
	# sched_clock_cpu in about 1 boot in 15 here.
	# shellcheck disable=SC2054 # QEMU options are comma-separated lists
	accel_args=(-accel tcg,thread=single -cpu max,la57=off)
	# On a loaded host the guest's check that the IO-APIC timer ticks
	# can time out in wall-clock TCG and panic the boot ("IO-APIC +
	# timer doesn't work"); it proves nothing about the code under test.
	case " $append " in
	*[\ ]no_timer_check[\ ]*) ;;
	*)	append="${append:+$append }no_timer_check" ;;
	esac
fi

runs=$DEVMEM_CACHE/vm/runs
mkdir -p "$runs"
# Failed runs are kept for their logs; the initramfs of all but the newest
# few goes, so that the cache does not grow without bound.  ls sorts by
# time; the run dirs are named by date-XXXX, nothing odd in them.
# shellcheck disable=SC2012
ls -1dt "$runs"/*/ 2>/dev/null | tail -n +6 |
	while read -r old; do rm -f "$old/initramfs.cpio"; done
# shellcheck disable=SC2012
ls -1dt "$runs"/*/ 2>/dev/null | tail -n +51 |
	while read -r old; do rm -rf "$old"; done
run=$(mktemp -d "$runs/$(date -u +%Y%m%dT%H%M%S)-XXXX")
[ -n "$out" ] || out=$run/out
mkdir -p "$out" || die "--out: cannot create $out"
out=$(cd "$out" && pwd)
rm -f "$out/exit-status"

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup()
{
	[ -n "${qpid:-}" ] && kill "$qpid" 2>/dev/null
	[ -n "${tpid:-}" ] && kill "$tpid" 2>/dev/null
	rm -f "$run"/nv*.img "$run"/cxl*.img "$run"/lsa*.img
	if [ "$keep" = 0 ] && [ "${failed:-1}" = 0 ]; then
		rm -rf "$run"
	fi
	return 0
}
trap cleanup EXIT
trap 'failed=1; exit 130' INT TERM

# Memory: slots for the NVDIMMs, maxmem covering RAM plus all of them.
# Each backend is 1G-aligned, so each region starts 1G-aligned (QEMU packs
# DIMMs back to back, and the 128K label area would misalign the next
# one).  The label area comes off the end and the rest is rounded down to
# the alignment, so the (sparse) backing file is 1G larger than the region.
nv_file_b=$((nv_b + (1 << 30)))
nv_args=()
for ((i = 0; i < nvdimms; i++)); do
	img=$run/nv$i.img
	truncate -s "$nv_file_b" "$img" 2>/dev/null ||
		die "cannot create the NVDIMM backing file $img ($nvsize)"
	nv_args+=(-object "memory-backend-file,id=mem$i,share=on,mem-path=$img,size=$nv_file_b,align=1G"
		  -device "nvdimm,id=nv$i,memdev=mem$i,label-size=128K")
done
slots=$((nvdimms > 0 ? nvdimms : 1))
maxmem=$(((mem_b + nvdimms * nv_file_b) >> 20))M
[ "$nvdimms" -gt 0 ] && machine=pc,nvdimm=on || machine=pc

# CXL type-3 devices: the QEMU 7.2 setup of reference
# emulation-cxl-faults.md section 2.  q35 with cxl=on; per device a CXL host
# bridge (pxb-cxl) on pcie.0, one root port, the type-3 device (with a
# label storage area when persistent) and a fixed memory window of 4G
# targeting that host bridge.  QEMU puts a PCI device that names no bus
# after a pxb-cxl on the CXL bus and refuses it there, so the 9p share
# becomes -fsdev plus a virtio-9p-pci on bus=pcie.0.  The guest needs
# pcie_ports=compat (no _OSC: 6.12's cxl_pci then asks for no event-log
# interrupts, which 7.2's device cannot give) and a CPU without the
# hypervisor flag (cxl_region_invalidate_memregion() refuses under a
# hypervisor unless the kernel has CONFIG_CXL_REGION_INVALIDATION_TEST).
ncxl=$((cxl_pmem + cxl_ram))
cxl_b=$((2 << 30))
cxl_args=() fmw=
share_args=(-virtfs "local,path=$out,mount_tag=devmem_out,security_model=none,id=out")
if [ "$ncxl" -gt 0 ]; then
	for ((i = 0; i < ncxl; i++)); do
		cxl_args+=(-device "pxb-cxl,bus_nr=$((12 + 10 * i)),bus=pcie.0,id=cxl.$i"
			   -device "cxl-rp,port=0,bus=cxl.$i,id=cxl-rp$i,chassis=0,slot=$((2 + i))")
		if [ "$i" -lt "$cxl_pmem" ]; then
			{ truncate -s "$cxl_b" "$run/cxl$i.img" &&
				truncate -s 256M "$run/lsa$i.img"; } ||
				die "cannot create the CXL backing files in $run"
			cxl_args+=(-object "memory-backend-file,id=cxl-mem$i,share=on,mem-path=$run/cxl$i.img,size=$cxl_b"
				   -object "memory-backend-file,id=cxl-lsa$i,share=on,mem-path=$run/lsa$i.img,size=256M"
				   -device "cxl-type3,bus=cxl-rp$i,memdev=cxl-mem$i,lsa=cxl-lsa$i,id=cxl-pmem$i")
		else
			cxl_args+=(-object "memory-backend-ram,id=cxl-vmem$i,size=$cxl_b"
				   -device "cxl-type3,bus=cxl-rp$i,volatile-memdev=cxl-vmem$i,id=cxl-vmem$i")
		fi
		fmw="${fmw}${fmw:+,}cxl-fmw.$i.targets.0=cxl.$i,cxl-fmw.$i.size=4G"
	done
	# One fixed memory window per host bridge, all in the -machine
	# option: QEMU refuses a cxl-fmw list split over several -M.
	[ "$nvdimms" -gt 0 ] && machine=q35,nvdimm=on,cxl=on || machine=q35,cxl=on
	machine=$machine,$fmw
	for ((i = 0; i < ${#accel_args[@]}; i++)); do
		[ "${accel_args[$i]}" = -cpu ] &&
			accel_args[i + 1]=${accel_args[i + 1]},hypervisor=off
	done
	share_args=(-fsdev "local,path=$out,security_model=none,id=out"
		    -device "virtio-9p-pci,fsdev=out,mount_tag=devmem_out,bus=pcie.0")
	append="${append:+$append }pcie_ports=compat"
fi

cxl_desc=
[ "$ncxl" -gt 0 ] && cxl_desc=", CXL $cxl_pmem pmem + $cxl_ram ram x 2G"

mem_arg=$((mem_b >> 20))M
[ "$nvdimms" -gt 0 ] && mem_arg=$mem_arg,slots=$slots,maxmem=$maxmem
qemu_args=(-machine "$machine" "${accel_args[@]}" -smp "$cpus"
	-m "$mem_arg" "${nv_args[@]}" "${cxl_args[@]}"
	-nodefaults -display none -no-reboot -rtc "$rtc_arg"
	-serial "file:$run/console.log" -serial "file:$run/guest.log"
	"${share_args[@]}"
	-kernel "$vmlinuz" -initrd "$run/initramfs.cpio"
	-append "console=ttyS0 panic=-1 devmem.guest=1 $append")

# What the guest (and the results) should know about how it was run.
qemu_version=$(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
	printf "DEVMEM_ACCEL='%s'\n" "$accel"
	printf "DEVMEM_ICOUNT_SHIFT='%s'\n" "$icount_shift"
	printf "DEVMEM_QEMU_VERSION='%s'\n" "$qemu_version"
	printf "DEVMEM_QEMU_ARGS='%s'\n" "$(echo "${qemu_args[*]}" | sed "s|$run|RUN|g; s|$out|OUT|g; s/'//g")"
	printf "DEVMEM_HOST_CPU='%s'\n" "${host_cpu//\'/}"
	printf "DEVMEM_HOST_CPUS='%s'\n" "$(nproc)"
	printf "DEVMEM_KERNEL_NAME='%s'\n" "$meta_name"
	printf "DEVMEM_KERNEL_SERIES='%s'\n" "$meta_series"
	printf "DEVMEM_KERNEL_REVISION='%s'\n" "$meta_revision"
	printf "DEVMEM_KERNEL_CONFIG_HASH='%s'\n" "$meta_config_hash"
	printf "DEVMEM_GUEST_MEM_BYTES='%s'\n" "$mem_b"
	printf "DEVMEM_NVDIMMS='%s'\n" "$nvdimms"
	printf "DEVMEM_NVDIMM_BYTES='%s'\n" "$nv_b"
	printf "DEVMEM_CXL_PMEM='%s'\n" "$cxl_pmem"
	printf "DEVMEM_CXL_RAM='%s'\n" "$cxl_ram"
	printf "DEVMEM_CXL_BYTES='%s'\n" "$cxl_b"
	echo "export DEVMEM_ACCEL DEVMEM_ICOUNT_SHIFT DEVMEM_QEMU_VERSION DEVMEM_QEMU_ARGS DEVMEM_HOST_CPU DEVMEM_HOST_CPUS DEVMEM_KERNEL_NAME DEVMEM_KERNEL_SERIES DEVMEM_KERNEL_REVISION DEVMEM_KERNEL_CONFIG_HASH DEVMEM_GUEST_MEM_BYTES DEVMEM_NVDIMMS DEVMEM_NVDIMM_BYTES DEVMEM_CXL_PMEM DEVMEM_CXL_RAM DEVMEM_CXL_BYTES"
} > "$run/env"
rm -f "$out/vm.env"
cp "$run/env" "$out/vm.env"
[ -z "$host_env" ] || cp "$run/env" "$host_env" ||
	die "--host-env: cannot write $host_env"
printf '%s\n' "$*" > "$run/cmd"

mk_args=(-r "$release" -o "$run/initramfs.cpio" -e "$run/env" -c "$run/cmd")
[ -n "$modules" ] && mk_args+=(-m "$modules")
[ -n "$payload" ] && mk_args+=(-p "$payload")
"$DEVMEM_TOP/vm/mkinitramfs.sh" "${mk_args[@]}" || die "building the initramfs failed"

echo "vm: $meta_name ($release), $accel, ${cpus} CPUs, $mem RAM, $nvdimms x $nvsize NVDIMM$cxl_desc; run folder $run" >&2
: > "$run/guest.log"
start=$(date +%s)
timeout -k 10 "$timeout_s" qemu-system-x86_64 "${qemu_args[@]}" \
	> "$run/qemu.log" 2>&1 &
qpid=$!
tail -n +1 -F --pid=$qpid "$run/guest.log" 2>/dev/null &
tpid=$!
set +e
wait $qpid
qrc=$?
set -e
qpid=
wait $tpid 2>/dev/null
tpid=
elapsed=$(($(date +%s) - start))

failed=1
problems=$(grep -nE 'Kernel panic|BUG:|Oops|general protection fault|Call Trace|WARNING:|watchdog: .*(hard|soft) lockup|hung_task' \
	"$run/console.log" 2>/dev/null | head -n 40 || true)
if [ "$allow_warn" = 1 ]; then
	problems=$(echo "$problems" | grep -vE 'WARNING:|Call Trace' || true)
fi
# The share is written by the guest: never follow a symlink or read a
# special file in it, read a few bytes at most, and take only a number
# 0..255 (bash would exit 256 as 0).
es=$out/exit-status
status=
if [ -L "$es" ] || { [ -e "$es" ] && [ ! -f "$es" ]; }; then
	bad_status="$es is a symlink or not a regular file"
elif [ -f "$es" ]; then
	status=$(head -c 8 "$es" | tr -d '\n')
	[[ $status =~ ^[0-9]{1,3}$ ]] && [ "$status" -le 255 ] ||
		bad_status="$es does not hold an exit status 0..255 (first bytes: $(printf '%s' "$status" | tr -c 'A-Za-z0-9_.,:=+-' '?'))"
elif grep -q 'DEVMEM-EXIT=' "$run/console.log" 2>/dev/null; then
	status=$(sed -n 's/.*DEVMEM-EXIT=\([0-9]*\).*/\1/p' "$run/console.log" | tail -n 1)
	[ -z "$status" ] || { [[ $status =~ ^[0-9]{1,3}$ ]] && [ "$status" -le 255 ]; } ||
		bad_status="the console marker DEVMEM-EXIT=$status is not an exit status 0..255"
fi
if [ -n "${bad_status:-}" ]; then
	warn "refusing the guest's exit status: $bad_status; run folder: $run"
	exit 1
fi

if [ -z "$status" ]; then
	if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
		reason="timed out after ${timeout_s}s"
	elif grep -q 'Kernel panic' "$run/console.log" 2>/dev/null; then
		reason="kernel panic"
	elif ! grep -q 'devmem-init: start' "$run/console.log" 2>/dev/null; then
		reason="never reached userspace (qemu exit $qrc: $(tail -n 3 "$run/qemu.log" | tr '\n' ' '))"
	else
		reason="stopped without an exit status (qemu exit $qrc)"
	fi
	warn "guest failed: $reason; console log: $run/console.log"
	# The console is the guest's: control characters are shown, not sent.
	tail -n 30 "$run/console.log" 2>/dev/null | tr -d '\r' | cat -v >&2 || true
	exit 1
fi
if [ -n "$problems" ]; then
	warn "the kernel reported problems (console log: $run/console.log):"
	echo "$problems" | cat -v >&2
	exit 1
fi
[ "$status" = 125 ] && { warn "guest set-up failed; console log: $run/console.log"; tail -n 20 "$run/console.log" | tr -d '\r' | cat -v >&2; exit 1; }
echo "vm: guest exit status $status after ${elapsed}s ($accel)" >&2
failed=0
[ "$status" = 0 ] || [ "$keep" = 1 ] || keep=1
[ "$status" = 0 ] || failed=1
exit "$status"

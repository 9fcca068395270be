#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make stress: the stress workloads of devmem-bench in the VM, each sized
# for its purpose, then their positive controls; a verdict table; the
# JSON of every run in results/stress/; exit 1 on any violation, leak or
# control that did not trip.
#
#   vm/run-stress.sh [--kernel SPEC]... [--debug] [--workloads LIST]
#                    [--short] [--no-controls] [--cxl|--no-cxl]
#                    [--cxl-workloads LIST] [--jobs N] [--out-dir DIR]
#                    [--ktap FILE]
#                    [vm/run.sh options] [-- devmem-bench options]
#
#   --kernel SPEC   a kernel (as make bench KERNEL=); repeatable
#                   [debian-6.12 and, if built, the add-del-device-memory
#                   v2 kernel: make kernel SERIES=add-del-device-memory REV=v2]
#   --debug         also build (kernel/build.sh --debug: KASAN, DEBUG_VM,
#                   kmemleak, lockdep; the add-del-device-memory v2 series)
#                   and run on that kernel; slow: a cold build took about
#                   an hour here (2 cores), a soak cycle ~3 s under TCG
#   --workloads L   a comma list of workloads
#                   [soak,concurrent,subsection,fault,kmem,data]
#   --short         tens of cycles per workload (make check's version)
#   --no-controls   skip the positive controls
#   --cxl           also run the CXL configurations: each workload of
#                   --cxl-workloads again with its regions on emulated CXL
#                   type-3 pmem instead of NVDIMMs (vm/run.sh --nvdimms 0
#                   --cxl-pmem 2: two CXL pmem regions of 2 GiB), its row's
#                   kernel named KERNEL+cxl [on without --short]; a kernel
#                   without CONFIG_CXL_REGION and CONFIG_CXL_PMEM is a SKIP
#   --no-cxl        leave them out [with --short]
#   --cxl-workloads L  the workloads of the CXL pass [soak,concurrent,kmem,data]
#   --jobs N        run N jobs side by side: each kernel's NVDIMM pass
#                   (with the controls) and its CXL pass are one job each;
#                   with N > 1 each job writes its output to a .log beside
#                   the JSON.  A TCG guest keeps one host core busy
#                   [the host's CPU count; 1: one after another]
#   --out-dir DIR   where the JSON goes [results/stress]
#   --ktap FILE     also write the verdicts as KTAP (make check)
#   --xfail-known   a run whose only violations are reports of known
#                   kernel bugs (check known_kernel_bug, e.g. the x86
#                   add_pages() WARN the fault workload found) is XFAIL,
#                   not FAIL (make check); make stress reports them
#
# Workloads that cannot run on a kernel (fault injection on Debian's, two
# regions for concurrent) report SKIP with the reason; a kernel where
# every workload skipped fails.  devmem_test.ko is built for each kernel
# and loaded where it builds (exact spans, DEVICE_PRIVATE, the leak
# control).  Runs are wall-clock TCG (or KVM where it works): stress finds
# breakage, not timings.
set -u
. "$(dirname "$0")/lib.sh"
cd "$DEVMEM_TOP" || exit 1

kernels=() workloads=soak,concurrent,subsection,fault,kmem,data short=0 controls=1 debug=0
jobs=$(nproc)
cxl='' cxl_workloads=soak,concurrent,kmem,data
out_dir=$DEVMEM_TOP/results/stress ktap='' xfail_known=0 vm_args=() extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernels+=("${2?--kernel needs a value}"); shift ;;
	--workloads)	workloads=${2?--workloads needs a value}; shift ;;
	--short)	short=1 ;;
	--debug)	debug=1 ;;
	--no-controls)	controls=0 ;;
	--cxl)		cxl=1 ;;
	--no-cxl)	cxl=0 ;;
	--cxl-workloads) cxl_workloads=${2?--cxl-workloads needs a value}; shift ;;
	--jobs)		jobs=${2?--jobs needs a value}; shift ;;
	--out-dir)	out_dir=${2?--out-dir needs a value}; shift ;;
	--ktap)		ktap=${2?--ktap needs a value}; shift ;;
	--xfail-known)	xfail_known=1 ;;
	-h|--help)	sed -n '4,50p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--)		shift; extra=("$@"); break ;;
	*)		vm_args+=("$1") ;;
	esac
	shift
done

bench=${BUILD:-$DEVMEM_CACHE/build}/bench/devmem-bench
[ -x "$bench" ] || die "no $bench; run: make"
known=$("$bench" --list | awk '/^[a-z]/ { print $1 }')
# check_list OPTION LIST: every name in the comma LIST is a workload.
check_list()
{
	local w list

	IFS=, read -r -a list <<< "$2"
	[ ${#list[@]} -gt 0 ] || die "$1: empty list"
	for w in "${list[@]}"; do
		grep -qx -- "$w" <<< "$known" ||
			die "$1: '$w' is not a workload (devmem-bench --list: ${known//$'\n'/ })"
	done
}
check_list --workloads "$workloads"
check_list --cxl-workloads "$cxl_workloads"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs: '$jobs' is not a positive number"
IFS=, read -r -a wl_list <<< "$workloads"
IFS=, read -r -a cxl_list <<< "$cxl_workloads"
[ -n "$cxl" ] || { [ "$short" = 1 ] && cxl=0 || cxl=1; }
if [ ${#kernels[@]} = 0 ]; then
	kernels=(debian-6.12)
	for v2 in "$DEVMEM_CACHE"/kernels/*-devmem-add-del-device-memory-v2; do
		[ -d "$v2" ] && kernels+=("$v2") && break
	done
fi
if [ "$debug" = 1 ]; then
	echo "==== stress: building the debug kernel (kernel/build.sh --debug)" >&2
	kdebug=$("$DEVMEM_TOP/kernel/build.sh" --series add-del-device-memory \
		--rev v2 --debug=1 | tail -n 1) ||
		die "the debug kernel did not build (kernel/build.sh --debug)"
	kernels+=("$kdebug")
fi
command -v jq > /dev/null || die "jq is missing; run: make deps"
mkdir -p "$out_dir" || die "cannot create $out_dir"

# workload_args WORKLOAD [cxl]: its devmem-bench arguments, long (make
# stress) or --short; cxl: for the CXL pass.
workload_args()
{
	local w=$1 cxl=${2:-}

	if [ "$short" = 1 ]; then
		case $w in
		soak)		echo "-W soak -n 30 -m devdax,fsdax -M mem -s 256M" ;;
		concurrent)	echo "-W concurrent -n 20" ;;
		subsection)	echo "-W subsection -n 1 -O layouts=packed-16M,steps-2M" ;;
		kmem)		echo "-W kmem -n 2 -O zones=movable -O touch=16M" ;;
		fault)		echo "-W fault -O injectors=failslab -O configs=fsdax-mem-2M-128M -O max-points=20" ;;
		data)		echo "-W data -n 1 -O variants=devdax,fio -O size=128M -O fio-seconds=3" ;;
		*)		echo "-W $w -n 3" ;;
		esac
	else
		# Each workload's own defaults (soak: 1000 cycles per mode and
		# placement; concurrent: 1000 steps per variant; fault: every
		# point of both injectors), except where noted.
		case $w in
		# On CXL a kmem cycle takes about 14 s under TCG (QEMU serves
		# the window by MMIO callbacks and offlining migrates the
		# touched pages out of it) against 0.6 s on an NVDIMM: 20
		# cycles there, 100 on the NVDIMMs.
		# ZONE_NORMAL offlining fails on Debian 6.12 when a slab page
		# lands in the block (an XFAIL in the kselftest): Movable here.
		kmem)		if [ "$cxl" = cxl ]; then
					echo "-W kmem -n 20 -O zones=movable -O touch=16M"
				else
					echo "-W kmem -n 100 -O zones=movable -O touch=16M"
				fi ;;
		# >= 1 GiB through 100 cycles per mode (fsdax loses some
		# to ext4); the load variants: make bench BENCH_ARGS=
		# "-W data -n 30 -O variants=idle,fio,fio-hog".
		data)		echo "-W data -n 100 -O variants=devdax,fsdax -O size=1536M -O data-size=1G" ;;
		*)		echo "-W $w" ;;
		esac
	fi
}

# vm/run.sh options a workload needs: kmem's memmap_on_memory variant.
workload_vm_args()
{
	case $1 in
	kmem)	echo "--append memory_hotplug.memmap_on_memory=1" ;;
	esac
}

# The positive controls on the kernel in KERNEL_DIR: NAME|WORKLOAD|CHECK|
# devmem-bench arguments.  Each must exit 1 with a violation named CHECK
# (and none named control_missed): a detector that cannot fire proves
# nothing.  The soak's slab leak is not judged on a KASAN kernel (its
# quarantine); a kernel with kmemleak gets kmemleak's own control, a leak
# only its scan can see.
controls_for()
{
	local k=$1 w

	for w in "${wl_list[@]}"; do
		case $w in
		soak)		grep -qx 'CONFIG_KASAN=y' "$k/config" 2>/dev/null ||
				echo "soak leak control|soak|leak|-W soak -n 200 -m devdax -M mem -s 256M -O leak-bytes=16K"
				if grep -qx 'CONFIG_DEBUG_KMEMLEAK=y' "$k/config" 2>/dev/null; then
					echo "kmemleak control|soak|kmemleak|-W soak -n 20 -m devdax -M mem -s 256M -O leak-bytes=4K -O leak-hidden=1"
				fi ;;
		concurrent)	echo "concurrent control|concurrent|control|-W concurrent -n 2 -O control=1" ;;
		subsection)	echo "subsection control|subsection|control|-W subsection -n 1 -O layouts=packed-16M -O control=1" ;;
		data)		echo "data corruption control|data|data|-W data -n 1 -O variants=devdax,fsdax -O size=64M -O corrupt=1" ;;
		esac
	done
}

# module_for KERNEL_DIR: build devmem_test.ko for it; prints "--module"
# when it is there to load.
module_for()
{
	local k=$1 log

	log=$(mktemp "${TMPDIR:-/tmp}/devmem-module.XXXXXX")
	if make --no-print-directory -C "$DEVMEM_TOP/kernel/module" KDIR="$k" \
		> "$log" 2>&1; then
		echo --module
	else
		warn "devmem_test.ko does not build for $(basename "$k") (log: $log): its checks are left out"
		return 0
	fi
	rm -f "$log"
}

rows=() failed=0
# row KERNEL WORKLOAD JSON RC EXPECT: one verdict line from a run's JSON.
# EXPECT is "clean" (no violation, rc 0) or, for a positive control, the
# check its violation must name (and rc 1).
row()
{
	local kname=$1 w=$2 json=$3 rc=$4 expect=$5 s verdict
	local ran skipped cycles viol checks reason

	if [ ! -f "$json" ]; then
		rows+=("$w|$kname|-|-|-|FAIL: no results (exit $rc)")
		failed=1
		return
	fi
	s=$(jq -r '[ ([.results[] | select(.skipped == null)] | length),
		     ([.results[] | select(.skipped != null)] | length),
		     ([.results[].metrics.cycles_run.samples[0] // 0] | add // 0),
		     ([.results[].invariant_violations | length] | add // 0),
		     ([.results[].invariant_violations[].check] | unique | join(",")),
		     ([.results[] | select(.skipped != null) | .skipped][0] // "")
		   ] | map(tostring) | join("\u001f")' "$json") ||
		{ rows+=("$w|$kname|-|-|-|FAIL: unreadable $json"); failed=1; return; }
	# Not tabs: read merges runs of a whitespace IFS, and an empty
	# field (no checks) would shift the reason out of its place.
	IFS=$'\x1f' read -r ran skipped cycles viol checks reason <<< "$s"
	if [ "$expect" != clean ]; then
		if [ "$rc" = 1 ] && [[ ,$checks, == *,$expect,* ]] &&
		   [[ ,$checks, != *,control_missed,* ]]; then
			verdict="PASS (control tripped: $checks)"
		else
			verdict="FAIL: the control did not trip (exit $rc, checks '${checks:-none}')"
			failed=1
		fi
	elif [ "$rc" = 4 ] || { [ "$ran" = 0 ] && [ "$rc" = 0 ]; }; then
		verdict="SKIP: ${reason:-nothing ran}"
	elif [ "$rc" = 0 ] && [ "$viol" = 0 ]; then
		verdict=PASS
	elif [ "$xfail_known" = 1 ] && [ "$rc" = 1 ] &&
	     [ "$checks" = known_kernel_bug ]; then
		verdict="XFAIL: $viol report(s) of a known kernel bug (see $json)"
	else
		verdict="FAIL (exit $rc${checks:+: $checks})"
		failed=1
	fi
	rows+=("$w|$kname|$ran/$((ran + skipped))|$cycles|$viol|$verdict")
}

# cxl_kernel KERNEL_DIR: the kernel can make CXL pmem regions.
cxl_kernel()
{
	grep -qE '^CONFIG_CXL_REGION=y' "$1/config" 2>/dev/null &&
		grep -qE '^CONFIG_CXL_PMEM=[ym]' "$1/config" 2>/dev/null
}

# run_workload KERNEL_DIR ROW_KERNEL WORKLOAD [vm/run.sh options]: one
# workload's run with its long or short arguments, and its verdict row
# (ROW_KERNEL ending in +cxl: the CXL pass).
run_workload()
{
	local kpath=$1 kname=$2 w=$3 json args wvm rc pass=nvdimm

	shift 3
	json=$out_dir/$stamp-$kname-$w.json
	[[ $kname == *+cxl ]] && pass=cxl
	read -r -a args <<< "$(workload_args "$w" "$pass")"
	read -r -a wvm <<< "$(workload_vm_args "$w")"
	echo "==== stress: $w on $kname: devmem-bench ${args[*]} ${extra[*]}" >&2
	"$DEVMEM_TOP/vm/run-bench.sh" --kernel "$kpath" ${mod:+"$mod"} \
		--accel tcg --timeout "$timeout" --out "$json" \
		"${wvm[@]}" "$@" "${vm_args[@]}" -- "${args[@]}" "${extra[@]}"
	rc=$?
	row "$kname" "$w" "$json" "$rc" clean
}

# run_unit KERNEL_DIR KNAME MOD PASS ROWS: one job of the run, its rows
# (local: row() appends to these) written to the file ROWS ("failed=1" as
# its last line on a failure).
# PASS nvdimm: the workloads on the NVDIMMs, then the positive controls;
# cxl: the CXL workloads, their regions on CXL.
run_unit()
{
	local kpath=$1 kname=$2 mod=$3 pass=$4 out=$5 ran_any=0 w json
	local cname cw ccheck cargs args rows=() failed=0

	if [ "$pass" = cxl ]; then
		if cxl_kernel "$kpath"; then
			for w in "${cxl_list[@]}"; do
				run_workload "$kpath" "$kname+cxl" "$w" \
					--nvdimms 0 --cxl-pmem 2
			done
		else
			rows+=("cxl|$kname|-|-|-|SKIP: the kernel has no CONFIG_CXL_REGION and CONFIG_CXL_PMEM (its config: $kpath/config)")
		fi
	else
		for w in "${wl_list[@]}"; do
			run_workload "$kpath" "$kname" "$w"
			[[ ${rows[-1]} == *"|SKIP"* ]] || ran_any=1
		done
		if [ "$ran_any" = 0 ]; then
			rows+=("all|$kname|-|-|-|FAIL: every workload skipped")
			failed=1
		fi
		# The positive controls (module needed where the control uses it).
		[ "$controls" = 1 ] || pass=none
	fi
	[ "$pass" = nvdimm ] &&
	while IFS='|' read -r cname cw ccheck cargs; do
		[ -n "$cname" ] || continue
		json=$out_dir/$stamp-$kname-${cname// /-}.json
		if [ "$cw" = soak ] && [ -z "$mod" ]; then
			rows+=("$cname|$kname|-|-|-|SKIP: no devmem_test.ko for this kernel")
			continue
		fi
		read -r -a args <<< "$cargs"
		echo "==== stress: $cname on $kname: devmem-bench ${args[*]}" >&2
		"$DEVMEM_TOP/vm/run-bench.sh" --kernel "$kpath" ${mod:+"$mod"} \
			--accel tcg --out "$json" "${vm_args[@]}" \
			-- "${args[@]}" "${extra[@]}"
		row "$kname" "$cname" "$json" "$?" "$ccheck"
	done <<< "$(controls_for "$kpath")"
	{ printf '%s\n' "${rows[@]}"; [ "$failed" = 0 ] || echo failed=1; } > "$out"
}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
start=$SECONDS
# A guest's wall-clock limit: the long versions run for tens of minutes
# each on TCG (a 1000-cycle soak of four configurations, ~20 min).
[ "$short" = 1 ] && timeout=1800 || timeout=14400
# The jobs: each kernel's NVDIMM pass (with the controls) and its CXL
# pass.  Each module is built here, before any job starts.
units=()
for spec in "${kernels[@]}"; do
	kpath=$(resolve_kernel "$spec") || { failed=1; continue; }
	mod=$(module_for "$kpath")
	units+=("$kpath|$(basename "$kpath")|$mod|nvdimm")
	[ "$cxl" = 1 ] && units+=("$kpath|$(basename "$kpath")|$mod|cxl")
done
[ "$jobs" -le ${#units[@]} ] || jobs=${#units[@]}
tmpd=$(mktemp -d "${TMPDIR:-/tmp}/devmem-stress.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmpd"' EXIT
# Stopped, stop every job: the whole process group (each vm/run.sh tears
# its guest down on TERM).
trap 'trap "" INT TERM; kill -TERM 0; wait; exit 130' INT TERM
echo "==== stress: ${#units[@]} jobs, $jobs at a time" >&2
running=0
for i in "${!units[@]}"; do
	IFS='|' read -r kpath kname mod pass <<< "${units[$i]}"
	if [ "$jobs" -le 1 ]; then
		run_unit "$kpath" "$kname" "$mod" "$pass" "$tmpd/$i"
		continue
	fi
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	# Side by side, each job's output goes to its own log.
	log=$out_dir/$stamp-$kname-$pass.log
	echo "==== stress: $kname $pass pass started at $(date -u +%H:%M:%S) (log: $log)" >&2
	( run_unit "$kpath" "$kname" "$mod" "$pass" "$tmpd/$i" > "$log" 2>&1
	  echo "==== stress: $kname $pass pass finished at $(date -u +%H:%M:%S)" >&2
	) &
	running=$((running + 1))
done
wait
for i in "${!units[@]}"; do
	if [ ! -s "$tmpd/$i" ]; then
		IFS='|' read -r kpath kname mod pass <<< "${units[$i]}"
		rows+=("$pass|$kname|-|-|-|FAIL: the job ended without its verdicts")
		failed=1
		continue
	fi
	while IFS= read -r r; do
		case $r in
		failed=1) failed=1 ;;
		'') ;;
		*) rows+=("$r") ;;
		esac
	done < "$tmpd/$i"
done

echo
printf '%-20s %-46s %8s %8s %10s  %s\n' workload kernel configs cycles violations verdict
for r in "${rows[@]}"; do
	IFS='|' read -r w k c n v verdict <<< "$r"
	printf '%-20s %-46s %8s %8s %10s  %s\n' "$w" "$k" "$c" "$n" "$v" "$verdict"
done
echo "stress: $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s; JSON in $out_dir/$stamp-*"
if [ -n "$ktap" ]; then
	: > "$ktap"
	ktap_init "$ktap" stress
	for r in "${rows[@]}"; do
		IFS='|' read -r w k c n v verdict <<< "$r"
		name=${w// /_}.${k//[^A-Za-z0-9_.+-]/_}
		case $verdict in
		PASS*)	ktap_result 0 "$name" "$c configurations, $n cycles, $v violations${verdict#PASS}" ;;
		SKIP*)	ktap_skip "$name" "${verdict#SKIP: }" ;;
		XFAIL*)	ktap_result 0 "$name" "XFAIL ${verdict#XFAIL: }" ;;
		*)	ktap_result 1 "$name" "$verdict" ;;
		esac
	done
fi
exit "$failed"

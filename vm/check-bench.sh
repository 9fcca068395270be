#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark part of make check:  vm/check-bench.sh LOGDIR
#
# Runs a short devmem-bench matrix in a VM on Debian 6.12, then checks
# what it produced: the run succeeded with no invariant violation, the
# JSON is valid against the schema (devmem-compare's reader), and it holds
# the phase breakdown, memmap ns/page, the bandwidth ratio and the memmap
# accounting for every configuration.  Without KVM the run is under
# tcg-icount: then its durations must be in insn and the bandwidth
# figures absent (meaningless there).  Writes KTAP to LOGDIR/bench.log;
# the JSON stays in LOGDIR for the comparison checks.
set -u
. "$(dirname "$0")/lib.sh"

logs=${1:?usage: $0 LOGDIR}
BUILD=${BUILD:-$DEVMEM_CACHE/build}
compare=$BUILD/bench/devmem-compare
json=$logs/bench-a.json
ktap=$logs/bench.log
ktap_init "$ktap" bench check-bench


: > "$ktap"
# shellcheck disable=SC2054 # devmem-bench takes comma-separated lists
short=(-m devdax,fsdax -M mem,dev -a 4K,2M -s 256M -n 8 -w 1 -b 2)
"$DEVMEM_TOP/vm/run-bench.sh" --kernel debian-6.12 --out "$json" -- \
	"${short[@]}" > "$logs/bench-a.out"
rc=$?
cat "$logs/bench-a.out"
ktap_result $rc runs_without_violations "exit $rc"
if [ ! -s "$json" ]; then
	ktap_result 1 json_valid "no JSON produced"
	exit 1
fi
"$compare" --format json "$json" "$json" > /dev/null 2> "$logs/validate.err"
rc=$?
ktap_result $rc json_valid "$(head -n 1 "$logs/validate.err")"

ids=$(grep -o '"id": *"[^"]*"' "$json" | sed 's/.*"\([^"]*\)"$/\1/' | sort -u)
nids=$(echo "$ids" | grep -c .)
[ "$nids" -ge 6 ]
ktap_result $? all_configurations_ran "$nids ids"
accel=$(sed -n 's/^ *"accel": *"\([^"]*\)".*/\1/p' "$json" | head -n 1)
ratio=memmap_bw_ratio
overhead=suite_overhead_ns
# Phases traced without the time slept in them (ftrace sleep-time off,
# devmem-bench's choice under icount) cannot be subtracted from the
# add/remove latency: no suite overhead row then.
grep -qE '"trace_sleep_time": *"off"' "$json" && overhead=
if [ "$accel" = tcg-icount ]; then
	ratio=
	! grep -q '"unit": *"ns' "$json"
	ktap_result $? icount_durations_in_insn "a unit ns in a tcg-icount run"
	! grep -qE '"(memmap_bw_ratio|memset_bytes_per_sec|memmap_bytes_per_sec)"' "$json"
	ktap_result $? icount_no_bandwidth "bandwidth figures in a tcg-icount run"
fi
for m in add_ns remove_ns phase.memremap_pages_ns phase.memunmap_pages_ns \
	 phase.memmap_init_zone_device_ns phase.arch_add_memory_ns \
	 memmap_init_ns_per_page $ratio memmap_pages $overhead; do
	c=$(grep -c "\"$m\"" "$json")
	# Every sysfs configuration (4 devdax + 2 fsdax) has it.
	[ "$c" -ge 6 ]
	ktap_result $? "metric_${m//./_}_present" "in $c results"
done
exit "$KTAP_FAIL"

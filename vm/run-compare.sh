#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make compare: benchmark two kernels in alternate boots, compare them.
#
#   vm/run-compare.sh --kernel-a SPEC --kernel-b SPEC [--rounds K]
#                     [--out DIR] [--reuse-a FILE] [--compare-arg ARG]...
#                     [vm/run.sh options] [-- devmem-bench options]
#
# Boots A, B, A, B, ... (K rounds, one devmem-bench run per boot, the
# same matrix each time) so that drift of a shared machine falls on both
# sides alike, keeps every round's JSON, merges each side's rounds into
# one file (devmem-compare --merge), then compares the sides run by run
# (devmem-compare A1,A2,... B1,B2,...: Welch's t on per-boot medians) and
# prints the table.  Everything lands in DIR, by default
# results/compare/<UTC time>-<A>-vs-<B>/:
#   rounds/a-1.json b-1.json ...   one run per boot
#   a.json b.json                  each side merged (a results file)
#   report.txt report.md report.json   the comparison, three formats
#
# Without KVM the boots run under tcg-icount (vm/run-bench.sh): durations
# are instruction counts, devmem-compare's default threshold is then 1%,
# and its exact and near-exact rows can be judged with one round a side
# (--rounds 1) given a calibration of how far they move between boots
# (make calibrate; --compare-arg --calibration=R1,R2,...); more rounds are
# for the rows that sleep and stay noisy.  A boot's accelerator is in its
# JSON; rounds under different ones are refused.
#
# --reuse-a FILE takes FILE (an earlier run of A with the same matrix) as
# A's first round instead of booting.  --compare-arg passes one option to
# devmem-compare (e.g. --compare-arg --threshold=3).  A boot that brings
# back no results is tried again --retries times (default 1; Debian 6.12
# under multi-threaded TCG here now and then dies at boot, an int3 oops in
# sched_clock_cpu while jump labels are patched), with a
# warning and the failed boot's log kept as rounds/<side>-<n>.failed-<k>.
#
# Exit status: devmem-compare's, so that git bisect run can use it:
# 0 no regression of B against A, 1 a regression, 2 unusable (a boot or
# the benchmark failed, bad arguments, results that cannot be compared).
set -eu
. "$(dirname "$0")/lib.sh"

# Without BENCH_ARGS: every mode, map and align on two sizes, 10 cycles a
# boot and no ndctl-CLI baseline: run-level tests gain more from another
# round than from more cycles in one boot.
DEFAULT_BENCH_ARGS=(-s "256M,1G" -n 10 -w 2 -b 0)

usage()
{
	sed -n '4,39p' "$0" | sed 's/^# \{0,1\}//'
}

fail()
{
	echo "${0##*/}: error: $*" >&2
	exit 2
}

kernel_a='' kernel_b='' rounds=3 out='' reuse_a='' retries=1
vm_args=() bench_args=() compare_args=() have_bench_args=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel-a)	kernel_a=${2:-}; shift ;;
	--kernel-b)	kernel_b=${2:-}; shift ;;
	--rounds)	rounds=${2:-}; shift ;;
	--out)		out=${2:-}; shift ;;
	--reuse-a)	reuse_a=${2:-}; shift ;;
	--retries)	retries=${2:-}; shift ;;
	--compare-arg)	compare_args+=("${2:-}"); shift ;;
	-h|--help)	usage; exit 0 ;;
	--)		shift; bench_args=("$@"); have_bench_args=1; break ;;
	*)		vm_args+=("$1") ;;
	esac
	shift
done

[ -n "$kernel_a" ] || fail "no --kernel-a (make compare KERNEL_A=...)"
[ -n "$kernel_b" ] || fail "no --kernel-b (make compare KERNEL_B=...)"
if ! [[ $rounds =~ ^[1-9][0-9]{0,2}$ ]] || [ "$rounds" -gt 100 ]; then
	fail "--rounds '$rounds' is not a number from 1 to 100 (ROUNDS=)"
fi
if ! [[ $retries =~ ^[0-9]$ ]]; then
	fail "--retries '$retries' is not a number from 0 to 9"
fi
if [ -n "$reuse_a" ]; then
	[ -s "$reuse_a" ] || fail "--reuse-a: no results file '$reuse_a'"
fi
if [ $have_bench_args = 0 ] || [ ${#bench_args[@]} = 0 ]; then
	bench_args=("${DEFAULT_BENCH_ARGS[@]}")
fi

BUILD=${BUILD:-$DEVMEM_CACHE/build}
compare=$BUILD/bench/devmem-compare
[ -x "$compare" ] || fail "no $compare; run: make"
# Resolve both now, so a typo fails before the first boot; resolve_kernel
# names the bad one.
kpath_a=$( (resolve_kernel "$kernel_a") 2>&1) || fail "KERNEL_A: ${kpath_a#*error: }"
kpath_b=$( (resolve_kernel "$kernel_b") 2>&1) || fail "KERNEL_B: ${kpath_b#*error: }"

# A short name for labels and the folder: the name given, or the last
# part of a path (kernel dir or bzImage).
kname()
{
	local n=${1%/}

	n=${n##*/}
	echo "${n//[^A-Za-z0-9_.+-]/_}"
}
name_a=$(kname "$kernel_a")
name_b=$(kname "$kernel_b")
if [ -z "$out" ]; then
	out=$DEVMEM_TOP/results/compare/$(date -u +%Y%m%dT%H%M%SZ)-$name_a-vs-$name_b
fi
mkdir -p "$out/rounds" || fail "cannot create $out"
echo "compare: A = $kpath_a, B = $kpath_b, $rounds round(s), into $out" >&2

# boot SIDE ROUND KPATH: one devmem-bench run; the JSON must come back.
boot()
{
	local side=$1 round=$2 kpath=$3 json=$out/rounds/$1-$2.json rc try=0

	echo "==== round $round/$rounds: ${side^^} ($kpath)" >&2
	while :; do
		set +e
		"$DEVMEM_TOP/vm/run-bench.sh" --kernel "$kpath" --out "$json" \
			"${vm_args[@]}" -- "${bench_args[@]}" \
			> "$out/rounds/$side-$round.out" 2>&1
		rc=$?
		set -e
		if [ -s "$json" ] || [ "$try" -ge "$retries" ]; then
			break
		fi
		try=$((try + 1))
		mv "$out/rounds/$side-$round.out" \
			"$out/rounds/$side-$round.failed-$try"
		warn "round $round of ${side^^} brought back no results (exit $rc), retrying; log: $out/rounds/$side-$round.failed-$try"
	done
	if [ ! -s "$json" ]; then
		tail -n 20 "$out/rounds/$side-$round.out" >&2
		fail "round $round of ${side^^} ($kpath) produced no results (exit $rc); log: $out/rounds/$side-$round.out"
	fi
	# Exit 1 with a JSON: invariant violations, shown by devmem-compare.
	[ $rc = 0 ] || warn "round $round of ${side^^} exited $rc (invariant violations?); see $out/rounds/$side-$round.out"
}

list_a='' list_b=''
for ((i = 1; i <= rounds; i++)); do
	if [ "$i" = 1 ] && [ -n "$reuse_a" ]; then
		cp "$reuse_a" "$out/rounds/a-1.json"
		echo "==== round 1/$rounds: A from $reuse_a" >&2
	else
		boot a "$i" "$kpath_a"
	fi
	boot b "$i" "$kpath_b"
	list_a=$list_a${list_a:+,}$out/rounds/a-$i.json
	list_b=$list_b${list_b:+,}$out/rounds/b-$i.json
done

IFS=, read -r -a files_a <<< "$list_a"
IFS=, read -r -a files_b <<< "$list_b"
"$compare" --merge="$out/a.json" "${files_a[@]}" ||
	fail "cannot merge the rounds of A (above)"
"$compare" --merge="$out/b.json" "${files_b[@]}" ||
	fail "cannot merge the rounds of B (above)"

labels=A:$name_a,B:$name_b
set +e
"$compare" --labels="$labels" "${compare_args[@]}" --format=json \
	"$list_a" "$list_b" > "$out/report.json"
"$compare" --labels="$labels" "${compare_args[@]}" --format=markdown \
	"$list_a" "$list_b" > "$out/report.md"
"$compare" --labels="$labels" "${compare_args[@]}" \
	"$list_a" "$list_b" > "$out/report.txt"
rc=$?
set -e
cat "$out/report.txt"
echo "compare: rounds, merged sides and reports in $out" >&2
exit $rc

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make calibrate: how repeatable each metric is, measured on perturbed boots.
#
#   vm/calibrate.sh --kernel SPEC [--boots K] [--seed S] [--out FILE]
#                   [--runs DIR] [vm/run.sh options] [-- devmem-bench options]
#   vm/calibrate.sh --reuse --runs DIR --kernel NAME [--out FILE]
#
# Boots the kernel K times (default 3) under tcg-icount, each boot
# perturbed in ways that must not matter: devmem-bench --perturb-seed
# S+i (the configurations in a shuffled order, a 0-5 ms busy or sleeping
# delay before every cycle) and an unused kernel command-line word
# devmem.perturb=S+i.  Background work (kworkers, RCU, timers) then lands
# at other points of the cycles in every boot.  For every configuration
# and metric it writes to FILE (default results/calibration/<kernel>.json):
#   medians        the per-boot medians
#   between_pct    their range, in percent of their mean (the spread
#                  devmem-compare --calibration judges a row with)
#   within_pct     the largest interquartile range of the cycles of one
#                  boot, in percent of that boot's median
#   exact          between_pct and within_pct both at most 0.1
# and `runs`, the boots' result files: `devmem-compare
# --calibration=RUN1,RUN2,...` (printed at the end) flags a row only when
# its change is beyond both the threshold and that row's spread, and says
# which rows are exact.  The boots' results stay in DIR (default: next to
# FILE, <FILE without .json>.runs/); --reuse computes the calibration
# from the boot-*.json already there without booting.
#
# Exit: 0 written, 1 a boot failed or brought back no results, 2 bad usage.
set -eu
. "$(dirname "$0")/lib.sh"

# The matrix make compare uses, at one size and fewer cycles: the spread
# of a metric depends on the configuration, not on the count of them.
DEFAULT_BENCH_ARGS=(-s 256M -n 10 -w 2 -b 0)

usage()
{
	sed -n '4,30p' "$0" | sed 's/^# \{0,1\}//'
}

fail()
{
	echo "${0##*/}: error: $*" >&2
	exit 2
}

kernel='' boots=3 seed=1 out='' runs='' reuse=0
vm_args=() bench_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernel=${2:-}; shift ;;
	--boots)	boots=${2:-}; shift ;;
	--seed)		seed=${2:-}; shift ;;
	--out)		out=${2:-}; shift ;;
	--runs)		runs=${2:-}; shift ;;
	--reuse)	reuse=1 ;;
	-h|--help)	usage; exit 0 ;;
	--)		shift; bench_args=("$@"); break ;;
	--accel|--accel=*)
		fail "calibration runs under tcg-icount only; drop $1" ;;
	*)		vm_args+=("$1") ;;
	esac
	shift
done

[ -n "$kernel" ] || fail "no --kernel (make calibrate KERNEL=...)"
if ! [[ $boots =~ ^[0-9]+$ ]] || [ "$boots" -lt 2 ] || [ "$boots" -gt 10 ]; then
	fail "--boots '$boots' is not a number from 2 to 10 (BOOTS=)"
fi
if ! [[ $seed =~ ^[0-9]{1,9}$ ]]; then
	fail "--seed '$seed' is not a number from 0 to 999999999 (SEED=)"
fi
[ ${#bench_args[@]} -gt 0 ] || bench_args=("${DEFAULT_BENCH_ARGS[@]}")
for a in "${bench_args[@]}"; do
	case $a in
	--perturb-seed*|-o|--output*)
		fail "devmem-bench option '$a' is set by calibrate.sh" ;;
	esac
done
command -v jq >/dev/null || fail "jq is missing; run: make deps"
if [ $reuse = 1 ]; then
	[ -n "$runs" ] || fail "--reuse needs --runs DIR"
	kpath=$kernel
else
	kpath=$( (resolve_kernel "$kernel") 2>&1) ||
		fail "KERNEL: ${kpath#*error: }"
fi

kname=$(basename "${kpath%/}")
kname=${kname%/vmlinuz}
kname=${kname//[^A-Za-z0-9_.+-]/_}
[ -n "$out" ] || out=$DEVMEM_TOP/results/calibration/$kname.json
case $out in *.json) ;; *) fail "--out '$out' must end in .json" ;; esac
[ -n "$runs" ] || runs=${out%.json}.runs
mkdir -p "$(dirname "$out")" "$runs" || fail "cannot create $runs"

files=()
if [ $reuse = 1 ]; then
	for f in "$runs"/boot-*.json; do
		[ -s "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -ge 2 ] ||
		fail "--reuse: fewer than 2 boot-*.json in $runs"
	[ ${#files[@]} -le 10 ] || fail "--reuse: more than 10 boot-*.json in $runs"
	boots=${#files[@]}
	seed=$(jq -r '.parameters.perturb_seed // 0' "${files[0]}")
else
	rm -f "$runs"/boot-*.json
fi
for ((i = 1; reuse == 0 && i <= boots; i++)); do
	s=$((seed + i - 1))
	f=$runs/boot-$i.json
	echo "==== calibration boot $i/$boots of $kname (perturb seed $s)" >&2
	set +e
	"$DEVMEM_TOP/vm/run-bench.sh" --kernel "$kpath" --out "$f" \
		--accel tcg-icount --append "devmem.perturb=$s" \
		"${vm_args[@]}" -- "${bench_args[@]}" --perturb-seed "$s" \
		> "$runs/boot-$i.out" 2>&1
	rc=$?
	set -e
	if [ ! -s "$f" ]; then
		tail -n 20 "$runs/boot-$i.out" >&2
		echo "${0##*/}: error: boot $i produced no results (exit $rc); log: $runs/boot-$i.out" >&2
		exit 1
	fi
	[ $rc = 0 ] || warn "boot $i exited $rc (invariant violations?); see $runs/boot-$i.out"
	files+=("$f")
done

abs=()
for f in "${files[@]}"; do
	abs+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
runs_list=$(IFS=,; echo "${abs[*]}")

tmp=$out.tmp
jq -n --arg kernel "$kname" --arg seed "$seed" --arg runlist "$runs_list" '
def median: sort | if length == 0 then null
	elif length % 2 == 1 then .[(length - 1) / 2]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def quant(q): sort | .[((length - 1) * q) | floor];
def pct(a; b): if b == 0 then (if a == 0 then 0 else null end)
	else 100 * a / b end;
[inputs] as $runs
| ($runs | map(.environment.accel) | unique) as $accels
| if ($accels | length) != 1 or $accels[0] != "tcg-icount" then
	error("the boots did not all run under tcg-icount: \($accels)")
  else . end
| {
	schema: "devmem-calibration/1",
	kernel: $kernel,
	release: $runs[0].environment.kernel.release,
	accel: $runs[0].environment.accel,
	icount_shift: $runs[0].environment.icount_shift,
	tracing: $runs[0].environment.tracing,
	sleep_time: ($runs[0].environment.trace_sleep_time //
		     $runs[0].parameters.sleep_time // null),
	boots: ($runs | length),
	seeds: [range($runs | length) | . + ($seed | tonumber)],
	parameters: ($runs[0].parameters | del(.perturb_seed)),
	exact_pct: 0.1,
	runs: ($runlist | split(",")),
	rows: [
		$runs[0].results[] | select(.metrics != null) | .id as $id
		| .metrics | to_entries[] | .key as $m | .value.unit as $u
		| [$runs[] | .results[] | select(.id == $id)
		   | .metrics[$m].samples // empty
		   | select(length > 0)] as $s
		| select(($s | length) == ($runs | length))
		| ($s | map(median)) as $med
		| pct(($med | max) - ($med | min); ($med | add) / ($med | length))
			as $between
		| ([$s[] | pct(quant(0.75) - quant(0.25); median)]
		   | if any(. == null) then null else max end) as $within
		| {
			config: $id, metric: $m, unit: $u,
			medians: $med,
			between_pct: $between,
			within_pct: $within,
			exact: ($between != null and $within != null and
				$between <= 0.1 and $within <= 0.1)
		}
	]
}' "${files[@]}" > "$tmp" || { rm -f "$tmp"; echo "${0##*/}: error: cannot compute the calibration from $runs" >&2; exit 1; }
mv "$tmp" "$out"

jq -r '"calibration of \(.kernel) (\(.boots) perturbed boots, \(.accel)):",
	(.rows | map(select(.exact)) | "  exact (spread <= 0.1%): \(length) rows"),
	(.rows | map(select(.exact | not))
	 | "  moving under perturbation: \(length) rows",
	   (sort_by(-(.between_pct // 1e9))[]
	    | "    \(.config) \(.metric): between boots \(.between_pct // "n/a" | tostring | .[0:6])%, within a boot \(.within_pct // "n/a" | tostring | .[0:6])%"))' "$out"
echo "calibration: $out (boots in $runs)" >&2
echo "compare with: devmem-compare --calibration=$runs_list ..." >&2

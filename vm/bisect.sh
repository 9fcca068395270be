#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bisect: find the commit that made a metric slower, one icount boot
# a step.
#
#   vm/bisect.sh --ksrc TREE --good REV --bad REV [--metric GLOB]
#                [--config GLOB] [--calibration FILE] [--out DIR]
#                [--compare-arg ARG]... [vm/run.sh options]
#                [-- devmem-bench options]
#
# TREE is a git work tree of Linux (clean: no .config, nothing
# uncommitted).  bisect.sh builds GOOD (kernel/build.sh --ksrc) and
# benchmarks it in one tcg-icount boot, then builds and boots BAD and
# requires devmem-compare to call it a regression against GOOD (else
# there is nothing to bisect: exit 2).  Then `git bisect run` in TREE
# runs this script's --step mode on every commit it picks: build, one
# boot, devmem-compare against GOOD's run restricted to --metric (default
# phase.memmap_init_zone_device_ns) and --config: no regression = good
# (0), a regression = bad (1), anything unusable - a build that fails, a
# boot that brings nothing back, results that cannot be compared - is
# skipped (125).  Prints the first bad commit and leaves TREE where it
# was (git bisect reset).  Under icount the rows that matter repeat to
# ~0.02% boot to boot, so one boot a step is enough; --calibration FILE
# (make calibrate on GOOD) is passed to devmem-compare for the others.
#
# Everything lands in DIR (default results/bisect/<UTC time>/): good.json,
# bad.json, step-<commit>.json and .log, bisect.log, first-bad.
# Exit: 0 a first bad commit found, 1 bisect found none (all skipped),
# 2 bad usage or GOOD/BAD unusable.
set -eu
. "$(dirname "$0")/lib.sh"

DEFAULT_BENCH_ARGS=(-m devdax -M mem -a 4K -s 256M -n 8 -w 1 -b 0)
DEFAULT_METRIC=phase.memmap_init_zone_device_ns

usage()
{
	sed -n '4,29p' "$0" | sed 's/^# \{0,1\}//'
}

fail()
{
	echo "${0##*/}: error: $*" >&2
	exit 2
}

BUILD=${BUILD:-$DEVMEM_CACHE/build}
compare=$BUILD/bench/devmem-compare

# --- one step, run by git bisect run inside TREE --------------------------

# step_main OUT: build HEAD of the current directory's tree, boot it once,
# compare with OUT/good.json.  The settings come from OUT/settings.
step_main()
{
	local out=$1 rev kdir json log rc

	# shellcheck source=/dev/null
	. "$out/settings"
	rev=$(git rev-parse --short=12 HEAD) || exit 125
	log=$out/step-$rev.log
	json=$out/step-$rev.json
	echo "bisect: step $rev: $(git log -1 --format=%s HEAD)" >&2
	if ! kdir=$(run_build "$ksrc" > "$log.build" 2>&1 &&
		    tail -n 1 "$log.build"); then
		tail -n 15 "$log.build" >&2
		echo "bisect: $rev does not build: skipped (125)" >&2
		exit 125
	fi
	if ! run_boot "$kdir" "$json" "$log"; then
		drop_source "$kdir"
		echo "bisect: $rev: no results from the boot: skipped (125); log: $log" >&2
		exit 125
	fi
	drop_source "$kdir"
	set +e
	run_compare "$out/good.json" "$json" > "$out/step-$rev.report" 2>&1
	rc=$?
	set -e
	case $rc in
	0)	echo "bisect: $rev is good" >&2 ;;
	1)	echo "bisect: $rev is bad" >&2
		grep -E 'regressed' "$out/step-$rev.report" >&2 || true ;;
	*)	echo "bisect: $rev: devmem-compare exit $rc: skipped (125)" >&2
		tail -n 5 "$out/step-$rev.report" >&2
		rc=125 ;;
	esac
	exit $rc
}

# drop_source KDIR: a step's kernel is booted once; its source copy and
# objects (2-3 GB in .cache/kbuild/tree-*) go, the kernel dir stays.
# BISECT_KEEP_BUILDS=1 keeps them.
drop_source()
{
	local obj src

	[ "${BISECT_KEEP_BUILDS:-0}" != 1 ] || return 0
	obj=$(readlink -f "$1/build" 2>/dev/null) || return 0
	src=${obj%/obj-*}
	case $src in
	"$DEVMEM_CACHE"/kbuild/tree-*)
		rm -rf "$src"
		rm -f "$1/build" ;;
	esac
}

run_build()
{
	env -u BUILD "$DEVMEM_TOP/kernel/build.sh" --ksrc "$1"
}

# run_boot KDIR JSON LOG: one tcg-icount boot of devmem-bench.
# shellcheck disable=SC2154 # bench_args_s comes from OUT/settings
run_boot()
{
	local vm=() bench=()

	[ -z "${vm_args_s:-}" ] || read -r -a vm <<< "$vm_args_s"
	read -r -a bench <<< "$bench_args_s"
	"$DEVMEM_TOP/vm/run-bench.sh" --kernel "$1" --out "$2" \
		--accel tcg-icount "${vm[@]}" -- "${bench[@]}" > "$3" 2>&1
	[ -s "$2" ]
}

# run_compare GOOD.json NEW.json: devmem-compare's exit status.
run_compare()
{
	local args=() extra=()

	[ -z "${compare_args_s:-}" ] || read -r -a extra <<< "$compare_args_s"
	args=(--metric "$metric")
	[ -z "$config" ] || args+=(--config "$config")
	[ -z "$calibration" ] || args+=(--calibration "$calibration")
	"$compare" "${args[@]}" "${extra[@]}" --labels good,new "$1" "$2"
}

if [ "${1:-}" = --step ]; then
	step_main "${2:?--step needs the output folder}"
fi

# --- the driver ---------------------------------------------------------------

ksrc='' good='' bad='' metric=$DEFAULT_METRIC config='' calibration='' out=''
vm_args=() bench_args=() compare_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--ksrc)		ksrc=${2:-}; shift ;;
	--good)		good=${2:-}; shift ;;
	--bad)		bad=${2:-}; shift ;;
	--metric)	metric=${2:-}; shift ;;
	--config)	config=${2:-}; shift ;;
	--calibration)	calibration=${2:-}; shift ;;
	--out)		out=${2:-}; shift ;;
	--compare-arg)	compare_args+=("${2:-}"); shift ;;
	-h|--help)	usage; exit 0 ;;
	--accel|--accel=*)
		fail "bisect boots under tcg-icount only; drop $1" ;;
	--)		shift; bench_args=("$@"); break ;;
	*)		vm_args+=("$1") ;;
	esac
	shift
done

[ -n "$ksrc" ] || fail "no --ksrc (make bisect KSRC=<git tree> GOOD=<rev> BAD=<rev>)"
[ -n "$good" ] || fail "no --good (GOOD=<rev>)"
[ -n "$bad" ] || fail "no --bad (BAD=<rev>)"
[ -n "$metric" ] || fail "--metric is empty (METRIC=)"
[ -d "$ksrc" ] || fail "KSRC=$ksrc is not a directory"
ksrc=$(cd "$ksrc" && pwd)
git -C "$ksrc" rev-parse --is-inside-work-tree > /dev/null 2>&1 ||
	fail "KSRC=$ksrc is not a git work tree"
[ "$(git -C "$ksrc" rev-parse --show-toplevel)" = "$ksrc" ] ||
	fail "KSRC=$ksrc is not the top of its git work tree"
good_c=$(git -C "$ksrc" rev-parse --verify -q "$good^{commit}") ||
	fail "GOOD=$good is not a commit in $ksrc"
bad_c=$(git -C "$ksrc" rev-parse --verify -q "$bad^{commit}") ||
	fail "BAD=$bad is not a commit in $ksrc"
[ "$good_c" != "$bad_c" ] || fail "GOOD and BAD are the same commit"
git -C "$ksrc" merge-base --is-ancestor "$good_c" "$bad_c" ||
	fail "GOOD=$good is not an ancestor of BAD=$bad"
[ -z "$(git -C "$ksrc" status --porcelain --untracked-files=no)" ] ||
	fail "KSRC=$ksrc has uncommitted changes; commit or stash them first"
[ ! -e "$(git -C "$ksrc" rev-parse --git-path BISECT_LOG)" ] ||
	fail "KSRC=$ksrc is already bisecting; run 'git bisect reset' there"
[ -x "$compare" ] || fail "no $compare; run: make"
# --calibration: make calibrate's JSON (its runs go to devmem-compare), or
# devmem-compare's own comma-separated list of runs.
if [ -n "$calibration" ]; then
	case $calibration in
	*,*)	;;
	*)	[ -s "$calibration" ] ||
			fail "--calibration: no file '$calibration'"
		list=$(jq -r 'if .schema == "devmem-calibration/1"
			then .runs | join(",") else error("not one") end' \
			"$calibration" 2>/dev/null) ||
			fail "--calibration: '$calibration' is not a make calibrate file (vm/calibrate.sh)"
		calibration=$list
		;;
	esac
fi
[ ${#bench_args[@]} -gt 0 ] || bench_args=("${DEFAULT_BENCH_ARGS[@]}")
for a in "${vm_args[@]}" "${bench_args[@]}" "${compare_args[@]}"; do
	case $a in
	*[[:space:]]*) fail "argument '$a' has white space; not supported here" ;;
	esac
done

[ -n "$out" ] || out=$DEVMEM_TOP/results/bisect/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out" || fail "cannot create $out"
out=$(cd "$out" && pwd)
{
	printf 'ksrc=%q\n' "$ksrc"
	printf 'metric=%q\n' "$metric"
	printf 'config=%q\n' "$config"
	printf 'calibration=%q\n' "$calibration"
	printf 'vm_args_s=%q\n' "${vm_args[*]}"
	printf 'bench_args_s=%q\n' "${bench_args[*]}"
	printf 'compare_args_s=%q\n' "${compare_args[*]}"
} > "$out/settings"
# shellcheck source=/dev/null
. "$out/settings"

start=$(date +%s)
orig=$(git -C "$ksrc" symbolic-ref -q --short HEAD ||
       git -C "$ksrc" rev-parse HEAD)

# build_boot REV NAME: check REV out, build it, one boot into OUT/NAME.json.
build_boot()
{
	local kdir rc

	git -C "$ksrc" checkout -q --detach "$1" ||
		fail "cannot check out $1 in $ksrc"
	echo "bisect: building and booting ${2^^} ($(git -C "$ksrc" log -1 --format='%h %s' "$1"))" >&2
	if ! kdir=$(run_build "$ksrc" > "$out/$2.build" 2>&1 &&
		    tail -n 1 "$out/$2.build"); then
		tail -n 15 "$out/$2.build" >&2
		git -C "$ksrc" checkout -q "$orig"
		fail "${2^^}=$1 does not build; see $out/$2.build"
	fi
	rc=0
	run_boot "$kdir" "$out/$2.json" "$out/$2.log" || rc=$?
	drop_source "$kdir"
	if [ $rc != 0 ]; then
		tail -n 15 "$out/$2.log" >&2
		git -C "$ksrc" checkout -q "$orig"
		fail "${2^^}=$1 brought back no results; see $out/$2.log"
	fi
}

build_boot "$good_c" good
build_boot "$bad_c" bad
git -C "$ksrc" checkout -q "$orig"
set +e
run_compare "$out/good.json" "$out/bad.json" > "$out/bad.report" 2>&1
rc=$?
set -e
cat "$out/bad.report" >&2
case $rc in
1)	;;
0)	fail "BAD=$bad is not slower than GOOD=$good by $metric${config:+ in $config}: nothing to bisect" ;;
*)	fail "devmem-compare cannot compare GOOD and BAD (exit $rc; above)" ;;
esac

echo "bisect: BAD is slower; bisecting $(git -C "$ksrc" rev-list --count "$good_c..$bad_c") commits" >&2
# shellcheck disable=SC2317 # called by the trap
cleanup()
{
	git -C "$ksrc" bisect log > "$out/bisect.log" 2>/dev/null || true
	git -C "$ksrc" bisect reset "$orig" > /dev/null 2>&1 || true
}
trap cleanup EXIT
git -C "$ksrc" bisect start "$bad_c" "$good_c" > /dev/null
set +e
(cd "$ksrc" && git bisect run "$DEVMEM_TOP/vm/bisect.sh" --step "$out") \
	> "$out/bisect-run.log" 2>&1
rc=$?
set -e
first=$(git -C "$ksrc" rev-parse -q --verify refs/bisect/bad || true)
if [ $rc != 0 ] || [ -z "$first" ] ||
   ! grep -q "is the first bad commit" "$out/bisect-run.log"; then
	tail -n 20 "$out/bisect-run.log" >&2
	echo "bisect: no first bad commit found (git bisect run exit $rc); log: $out/bisect-run.log" >&2
	exit 1
fi
git -C "$ksrc" log -1 --format='%H %s' "$first" | tee "$out/first-bad"
echo "bisect: first bad commit found in $(( $(date +%s) - start )) s; everything in $out" >&2
exit 0

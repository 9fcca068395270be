#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: run devmem-bench in a VM and store its results on the host.
#
#   vm/run-bench.sh [--kernel SPEC] [--out FILE] [--module]
#                   [vm/run.sh options] [-- devmem-bench options]
#
# --module loads devmem_test.ko (make module KERNEL=...) in the guest
# first: exact node and zone spans, DEVICE_PRIVATE, the leak control.
# Without it no module is loaded, so ns-cycle's instruction counts do not
# depend on whether one was built.
#
# The table streams to stdout; the JSON lands in FILE, by default
# results/runs/<UTC time>-<kernel>-<accel>.json (results/README.md).
# Without KVM the guest runs under tcg-icount (vm/run.sh --accel auto
# --fallback tcg-icount): durations are instruction counts that repeat
# boot to boot.  --accel tcg gives wall-clock TCG (smoke tests only).
# Exits with devmem-bench's status (1 when an invariant was violated), or
# 1 when the guest failed.
set -eu
. "$(dirname "$0")/lib.sh"

kernel=debian-6.12 out='' module=0 vm_args=() bench_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernel=${2?--kernel needs a value}; shift ;;
	--out)		out=${2?--out needs a value}; shift ;;
	--module)	module=1 ;;
	-h|--help)	sed -n '4,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--)		shift; bench_args=("$@"); break ;;
	*)		vm_args+=("$1") ;;
	esac
	shift
done

# At most this much JSON is taken from the guest.
BENCH_JSON_MAX=$((64 << 20))

# store_results SHARE HOSTENV KPATH OUT RC: copy SHARE/bench.json to OUT
# (or to results/runs/<UTC time>-<kernel>-<accel>.json), then exit RC.
# SHARE is written by the guest, so nothing in it is trusted: bench.json
# must be a regular file (a symlink or a FIFO is refused, never followed
# or opened) of at most BENCH_JSON_MAX bytes, and the file name is made
# only of what the host knows: the time, the kernel it booted (KPATH) and
# the accel run.sh chose (HOSTENV, the host's copy of vm.env), never of
# the guest's vm.env.  Refusals exit 1 with the reason.
store_results()
{
	local share=$1 hostenv=$2 kpath=$3 out=$4 rc=$5
	local json=$1/bench.json size accel name

	if [ -L "$json" ]; then
		warn "refusing the guest's results: bench.json in the share is a symlink (not followed)"
		exit 1
	fi
	if [ ! -e "$json" ]; then
		warn "the guest wrote no results (exit status $rc)"
		exit $((rc ? rc : 1))
	fi
	if [ ! -f "$json" ]; then
		warn "refusing the guest's results: bench.json in the share is not a regular file"
		exit 1
	fi
	size=$(stat -c %s -- "$json")
	if [ "$size" -gt "$BENCH_JSON_MAX" ]; then
		warn "refusing the guest's results: bench.json is $size bytes, more than the limit of $BENCH_JSON_MAX"
		exit 1
	fi
	# vm.env is the host's, written before the boot; nothing in the
	# guest writes it.  Changed, it is a guest that tampers with what
	# it reports: nothing it left is taken.
	if [ -L "$share/vm.env" ] || [ ! -f "$share/vm.env" ] ||
	   [ "$(stat -c %s -- "$share/vm.env")" -gt 65536 ] ||
	   ! cmp -s -- "$hostenv" "$share/vm.env"; then
		warn "refusing the guest's results: vm.env in the share is not the one the host wrote (changed, replaced or removed by the guest)"
		exit 1
	fi
	if [ "$size" = 0 ]; then
		warn "the guest wrote an empty bench.json (exit status $rc)"
		exit $((rc ? rc : 1))
	fi
	if [ -z "$out" ]; then
		accel=$(sed -n "s/^DEVMEM_ACCEL='\(.*\)'$/\1/p" "$hostenv")
		[[ $accel =~ ^[a-z][a-z-]{0,15}$ ]] ||
			die "the run's accel '${accel//[^a-z-]/?}' (from run.sh) is not a name"
		name=$(basename "$kpath")
		name=${name//[^A-Za-z0-9_.+~-]/_}
		mkdir -p "$DEVMEM_TOP/results/runs"
		out=$DEVMEM_TOP/results/runs/$(date -u +%Y%m%dT%H%M%SZ)-$name-$accel.json
	fi
	mkdir -p "$(dirname "$out")"
	# No symlink is followed on the way out either, and at most the
	# size checked above is copied.
	rm -f "$out"
	head -c "$BENCH_JSON_MAX" < "$json" > "$out" ||
		die "cannot write $out"
	echo "results: $out" >&2
	exit "$rc"
}

bench=${BUILD:-$DEVMEM_CACHE/build}/bench/devmem-bench
[ -x "$bench" ] || die "no $bench; run: make"
kpath=$(resolve_kernel "$kernel")

payload=$(mktemp -d "${TMPDIR:-/tmp}/devmem-bench.XXXXXX")
share=$(mktemp -d "${TMPDIR:-/tmp}/devmem-out.XXXXXX")
hostenv=$(mktemp "${TMPDIR:-/tmp}/devmem-env.XXXXXX")
trap 'rm -rf "$payload" "$share" "$hostenv"' EXIT
cp "$bench" "$payload/"
load=
if [ "$module" = 1 ]; then
	mod=${BUILD:-$DEVMEM_CACHE/build}/module/$(cat "$kpath/release" 2>/dev/null || echo unknown)/devmem_test.ko
	{ [ -d "$kpath" ] && [ -f "$mod" ]; } ||
		die "--module: no devmem_test.ko for $kernel ($mod); run: make module KERNEL=$kernel"
	cp "$mod" "$payload/devmem_test.ko"
	load="insmod devmem_test.ko && "
fi

quoted=
for a in "${bench_args[@]}"; do
	quoted="$quoted '${a//\'/\'\\\'\'}'"
done
set +e
"$DEVMEM_TOP/vm/run.sh" --kernel "$kpath" --payload "$payload" \
	--out "$share" --host-env "$hostenv" --fallback tcg-icount \
	"${vm_args[@]}" -- "$load./devmem-bench -o /out/bench.json $quoted"
rc=$?
set -e
store_results "$share" "$hostenv" "$kpath" "$out" "$rc"

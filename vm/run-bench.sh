#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: run devmem-bench in a VM and store its results on the host.
#
#   vm/run-bench.sh [--kernel SPEC] [--out FILE] [vm/run.sh options]
#                   [-- devmem-bench options]
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

kernel=debian-6.12 out= vm_args=() bench_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernel=${2?--kernel needs a value}; shift ;;
	--out)		out=${2?--out needs a value}; shift ;;
	-h|--help)	sed -n '4,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--)		shift; bench_args=("$@"); break ;;
	*)		vm_args+=("$1") ;;
	esac
	shift
done

bench=${BUILD:-$DEVMEM_CACHE/build}/bench/devmem-bench
[ -x "$bench" ] || die "no $bench; run: make"
kpath=$(resolve_kernel "$kernel")

payload=$(mktemp -d "${TMPDIR:-/tmp}/devmem-bench.XXXXXX")
share=$(mktemp -d "${TMPDIR:-/tmp}/devmem-out.XXXXXX")
trap 'rm -rf "$payload" "$share"' EXIT
cp "$bench" "$payload/"

quoted=
for a in "${bench_args[@]}"; do
	quoted="$quoted '${a//\'/\'\\\'\'}'"
done
set +e
"$DEVMEM_TOP/vm/run.sh" --kernel "$kpath" --payload "$payload" \
	--out "$share" --fallback tcg-icount "${vm_args[@]}" -- \
	"./devmem-bench -o /out/bench.json $quoted"
rc=$?
set -e
if [ ! -s "$share/bench.json" ]; then
	warn "the guest wrote no results (exit status $rc)"
	exit $((rc ? rc : 1))
fi
if [ -z "$out" ]; then
	accel=$(sed -n "s/^DEVMEM_ACCEL='\(.*\)'$/\1/p" "$share/vm.env")
	name=$(basename "$kpath")
	mkdir -p "$DEVMEM_TOP/results/runs"
	out=$DEVMEM_TOP/results/runs/$(date -u +%Y%m%dT%H%M%SZ)-$name-$accel.json
fi
mkdir -p "$(dirname "$out")"
cp "$share/bench.json" "$out"
echo "results: $out" >&2
exit $rc

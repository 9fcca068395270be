#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the installed devmem kselftest (make selftest) in a VM and print its
# KTAP:  vm/run-kselftest.sh [--kernel SPEC] [--cycles N] [--log FILE]
#                            [vm/run.sh options...]
#
# The payload is the kselftest install folder plus, when one was built for
# the guest's kernel, the devmem_test module, which the guest loads first.
set -eu
. "$(dirname "$0")/lib.sh"

kernel=debian-6.12 cycles=3 log= vm_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernel=${2?--kernel needs a value}; shift ;;
	--cycles)	cycles=${2?--cycles needs a value}; shift ;;
	--log)		log=${2?--log needs a value}; shift ;;
	-h|--help)	sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*)		vm_args+=("$1") ;;
	esac
	shift
done
[[ $cycles =~ ^[0-9]+$ ]] && [ "$cycles" -ge 1 ] ||
	die "--cycles: '$cycles' is not a positive number"

ksft=${BUILD:-$DEVMEM_CACHE/build}/kselftest
[ -x "$ksft/run_kselftest.sh" ] && [ -x "$ksft/devmem/devmem_cycle_test" ] ||
	die "no installed kselftest in $ksft; run: make selftest"

kpath=$(resolve_kernel "$kernel")
payload=$(mktemp -d "${TMPDIR:-/tmp}/devmem-payload.XXXXXX")
trap 'rm -rf "$payload"' EXIT
cp -a "$ksft/." "$payload/"
if [ -d "$kpath" ]; then
	mod=${BUILD:-$DEVMEM_CACHE/build}/module/$(cat "$kpath/release")/devmem_test.ko
	[ -f "$mod" ] && cp "$mod" "$payload/devmem_test.ko"
fi

cmd="[ -f devmem_test.ko ] && insmod devmem_test.ko; DEVMEM_CYCLES=$cycles ./run_kselftest.sh"
if [ -n "$log" ]; then
	"$DEVMEM_TOP/vm/run.sh" --kernel "$kpath" --payload "$payload" \
		"${vm_args[@]}" -- "$cmd" | tee "$log"
	exit "${PIPESTATUS[0]}"
fi
exec "$DEVMEM_TOP/vm/run.sh" --kernel "$kpath" --payload "$payload" \
	"${vm_args[@]}" -- "$cmd"

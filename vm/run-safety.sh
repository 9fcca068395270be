#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The safety scenario in a VM (vm/guest-safety.sh): a user's namespace named
# devmem-user-<pid> with 8 MiB of data in every region, then the kselftest
# (plain and DEVMEM_ALLOW_FOREIGN=1), devmem-bench --allow-foreign, runs
# stopped by SIGINT/SIGTERM/SIGHUP and killed by SIGKILL, devmem-bench
# --cleanup; the user's namespaces must come out identical.
#
#   vm/run-safety.sh [--kernel SPEC] [--quick] [vm/run.sh options...]
#
# --quick runs devmem_safety_test and one cycle variant next to the user's
# namespaces instead of the whole kselftest (about 5 minutes less in TCG).
# Prints KTAP; exits non-zero when a check failed or the guest did.
set -eu
. "$(dirname "$0")/lib.sh"

kernel=debian-6.12 quick=0 vm_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernel=${2?--kernel needs a value}; shift ;;
	--quick)	quick=1 ;;
	-h|--help)	sed -n '4,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*)		vm_args+=("$1") ;;
	esac
	shift
done

build=${BUILD:-$DEVMEM_CACHE/build}
ksft=$build/kselftest
bench=$build/bench/devmem-bench
if [ ! -x "$ksft/run_kselftest.sh" ] ||
   [ ! -x "$ksft/devmem/devmem_safety_test" ]; then
	die "no installed kselftest in $ksft; run: make selftest"
fi
[ -x "$bench" ] || die "no $bench; run: make"

kpath=$(resolve_kernel "$kernel")
payload=$(mktemp -d "${TMPDIR:-/tmp}/devmem-safety.XXXXXX")
trap 'rm -rf "$payload"' EXIT
cp -a "$ksft/." "$payload/"
cp "$bench" "$DEVMEM_TOP/vm/guest-safety.sh" "$payload/"
exec "$DEVMEM_TOP/vm/run.sh" --kernel "$kpath" --payload "$payload" \
	"${vm_args[@]}" -- "DEVMEM_SAFETY_QUICK=$quick sh ./guest-safety.sh"

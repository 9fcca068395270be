#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CXL region create/destroy cycles in a VM with one emulated CXL type-3
# pmem device (vm/run.sh --cxl-pmem 1; the guest side is
# vm/guest-cxl-cycle.sh): decoders, region devices, DPA, /proc/iomem and
# the nd region torn down after every destroy and back after every create,
# a namespace on the re-created region, no kernel warning; volatile CXL is
# a SKIP with the reason on QEMU < 8.0.
#
#   vm/check-cxl.sh [--kernel SPEC] [--cycles N] [vm/run.sh options...]
#
# Prints KTAP and its summary; exits non-zero when a check failed or the
# guest did.
set -eu
. "$(dirname "$0")/lib.sh"

kernel=debian-6.12 cycles=10 vm_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernel=${2?--kernel needs a value}; shift ;;
	--cycles)	cycles=${2?--cycles needs a value}; shift ;;
	-h|--help)	sed -n '4,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*)		vm_args+=("$1") ;;
	esac
	shift
done
{ [[ $cycles =~ ^[0-9]+$ ]] && [ "$cycles" -ge 1 ]; } ||
	die "--cycles: '$cycles' is not a number >= 1"

kpath=$(resolve_kernel "$kernel")
payload=$(mktemp -d "${TMPDIR:-/tmp}/devmem-cxl.XXXXXX")
log=$payload.log
trap 'rm -rf "$payload" "$log"' EXIT
cp "$DEVMEM_TOP/vm/guest-cxl-cycle.sh" "$payload/"
rc=0
"$DEVMEM_TOP/vm/run.sh" --kernel "$kpath" --payload "$payload" \
	--nvdimms 0 --cxl-pmem 1 "${vm_args[@]}" -- \
	"sh ./guest-cxl-cycle.sh $cycles" | tee "$log" || rc=$?
"$DEVMEM_TOP/vm/ktap-summary.sh" "$log" || rc=1
exit "$rc"

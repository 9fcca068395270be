#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tracefs without harm to others, in a VM (vm/guest-tracefs.sh): a user's
# event tracing at the top level survives devmem-bench (it traces in its
# own instance where the kernel offers function_graph there, else runs
# with "tracing none"), an idle tracefs is put back as found, and a run
# killed by SIGKILL is undone by devmem-bench --cleanup.
#
#   vm/run-tracefs.sh [--kernel SPEC] [vm/run.sh options...]
#
# Prints KTAP; exits non-zero when a check failed or the guest did.
set -eu
. "$(dirname "$0")/lib.sh"

kernel=debian-6.12 vm_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernel=${2?--kernel needs a value}; shift ;;
	-h|--help)	sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*)		vm_args+=("$1") ;;
	esac
	shift
done

bench=${BUILD:-$DEVMEM_CACHE/build}/bench/devmem-bench
[ -x "$bench" ] || die "no $bench; run: make"

kpath=$(resolve_kernel "$kernel")
payload=$(mktemp -d "${TMPDIR:-/tmp}/devmem-tracefs.XXXXXX")
trap 'rm -rf "$payload"' EXIT
cp "$bench" "$DEVMEM_TOP/vm/guest-tracefs.sh" "$payload/"
"$DEVMEM_TOP/vm/run.sh" --kernel "$kpath" --payload "$payload" \
	"${vm_args[@]}" -- "sh ./guest-tracefs.sh"

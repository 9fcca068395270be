#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the installed devmem kselftest (make selftest) in a VM and print its
# KTAP, then its summary:
#   vm/run-kselftest.sh [--kernel SPEC] [--cycles N] [--log FILE]
#                       [--test NAME]... [--ksft-timeout SEC]
#                       [--env VAR=VALUE]... [--features LIST]
#                       [vm/run.sh options...]
#
# The payload is the kselftest install folder plus, when one was built for
# the guest's kernel, the devmem_test module, which the guest loads first.
# --test runs only that binary (e.g. devmem_safety_test; repeatable),
# --ksft-timeout overrides the per-binary timeout of the settings file,
# --env sets a DEVMEM_* variable for the tests (DEVMEM_SOAK_CYCLES=30).
# The exit status comes from the KTAP, not from run_kselftest.sh (which
# exits 0 whatever failed): vm/ktap-summary.sh counts it, and any failure,
# timeout, crash or missing result is exit 1, as is a guest that failed.
# The kernel's features (features= in its meta, or --features) go to the
# summariser: on a kernel that shrinks the Device span, an XFAIL of a span
# test is a failure.
set -eu
. "$(dirname "$0")/lib.sh"

kernel=debian-6.12 cycles=3 log='' ksft_timeout='' features='' have_features=0
tests=() envs=() vm_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernel=${2?--kernel needs a value}; shift ;;
	--cycles)	cycles=${2?--cycles needs a value}; shift ;;
	--log)		log=${2?--log needs a value}; shift ;;
	--test)		tests+=("${2?--test needs a value}"); shift ;;
	--ksft-timeout)	ksft_timeout=${2?--ksft-timeout needs a value}; shift ;;
	--env)		[[ ${2?--env needs a value} =~ ^DEVMEM_[A-Z0-9_]+=[A-Za-z0-9_.,:/=+-]*$ ]] ||
				die "--env: '$2' is not DEVMEM_NAME=VALUE (letters, digits, _.,:/=+-)"
			envs+=("$2"); shift ;;
	--features)	features=${2?--features needs a value}; have_features=1; shift ;;
	-h|--help)	sed -n '4,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*)		vm_args+=("$1") ;;
	esac
	shift
done
if ! [[ $cycles =~ ^[0-9]+$ ]] || [ "$cycles" -lt 1 ]; then
	die "--cycles: '$cycles' is not a positive number"
fi
[ -z "$ksft_timeout" ] || [[ $ksft_timeout =~ ^[1-9][0-9]{0,4}$ ]] ||
	die "--ksft-timeout: '$ksft_timeout' is not a number of seconds (1..99999)"
for t in "${tests[@]}"; do
	[[ $t =~ ^[A-Za-z0-9_.-]+$ ]] || die "--test: '$t' is not a test name"
done

ksft=${BUILD:-$DEVMEM_CACHE/build}/kselftest
if [ ! -x "$ksft/run_kselftest.sh" ] || [ ! -x "$ksft/devmem/devmem_cycle_test" ]; then
	die "no installed kselftest in $ksft; run: make selftest"
fi
for t in "${tests[@]}"; do
	[ -x "$ksft/devmem/$t" ] || die "--test: no test '$t' in $ksft/devmem"
done

kpath=$(resolve_kernel "$kernel")
if [ "$have_features" = 0 ] && [ -f "$kpath/meta" ]; then
	features=$(sed -n 's/^features=//p' "$kpath/meta" | tail -n 1)
fi
[[ $features =~ ^[a-z0-9,-]*$ ]] ||
	die "the kernel's features '$features' are not a comma list of [a-z0-9-] words"

payload=$(mktemp -d "${TMPDIR:-/tmp}/devmem-payload.XXXXXX")
tmplog=
trap 'rm -rf "$payload" ${tmplog:+"$tmplog"}' EXIT
if [ -z "$log" ]; then
	tmplog=$(mktemp "${TMPDIR:-/tmp}/devmem-ktap.XXXXXX")
	log=$tmplog
fi
cp -a "$ksft/." "$payload/"
if [ -d "$kpath" ]; then
	mod=${BUILD:-$DEVMEM_CACHE/build}/module/$(cat "$kpath/release")/devmem_test.ko
	[ -f "$mod" ] && cp "$mod" "$payload/devmem_test.ko"
fi

args=
for t in "${tests[@]}"; do
	args="$args -t devmem:$t"
done
[ -z "$ksft_timeout" ] || args="$args -o $ksft_timeout"
cmd="[ -f devmem_test.ko ] && insmod devmem_test.ko; ${envs[*]} DEVMEM_CYCLES=$cycles ./run_kselftest.sh$args"

set +e
"$DEVMEM_TOP/vm/run.sh" --kernel "$kpath" --payload "$payload" \
	"${vm_args[@]}" -- "$cmd" | tee "$log"
rc=${PIPESTATUS[0]}
"$DEVMEM_TOP/vm/ktap-summary.sh" --features "$features" "$log"
src=$?
set -e
if [ "$rc" != 0 ]; then
	warn "the VM run failed (exit status $rc): the summary above is not the whole run"
	exit "$rc"
fi
[ "$src" = 0 ] || warn "failures in the KTAP above (kernel features: ${features:-none})"
exit "$src"

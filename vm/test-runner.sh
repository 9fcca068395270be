#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the VM runner's handling of bad input and broken guests, on the
# host, in KTAP:  vm/test-runner.sh
#
# Each case runs vm/run.sh (or vm/run-bench.sh) the wrong way and checks
# that it exits non-zero with a message naming what was wrong, and that a
# panicking or hanging guest fails with its console log kept rather than
# hanging the host.
set -u
. "$(dirname "$0")/lib.sh"
cd "$DEVMEM_TOP" || exit 1

run=vm/run.sh
n=0 failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/devmem-test-runner.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
k612=$(resolve_kernel debian-6.12) || exit 1

# expect_fail NAME PATTERN CMD...: CMD exits non-zero and says PATTERN.
expect_fail()
{
	local name=$1 pattern=$2 rc

	shift 2
	n=$((n + 1))
	"$@" > "$tmp/out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && grep -qE -e "$pattern" "$tmp/out"; then
		echo "ok $n runner.$name"
	else
		echo "# exit $rc, output:"
		sed 's/^/#   /' "$tmp/out" | tail -n 15
		echo "not ok $n runner.$name # expected a failure saying /$pattern/"
		failed=1
	fi
}

echo "TAP version 13"
echo "1..15"
expect_fail unknown_kernel "unknown kernel '/no/such/kernel'" \
	$run --kernel /no/such/kernel -- true
expect_fail not_a_kernel_image "is not a Linux kernel image" \
	$run --kernel /etc/hostname -- true
expect_fail mem_out_of_range "--mem: 256 is out of range" \
	$run --mem 256M -- true
expect_fail mem_not_a_size "--mem: 'lots' is not a size" \
	$run --mem lots -- true
expect_fail cpus_out_of_range "--cpus: 99 is out of range" \
	$run --cpus 99 -- true
expect_fail nvdimms_out_of_range "--nvdimms: 9 is out of range" \
	$run --nvdimms 9 -- true
expect_fail nvdimm_size_misaligned "--nvdimm-size: 1536M is not a multiple of 1G" \
	$run --nvdimm-size 1536M -- true
expect_fail bad_accel "--accel: 'hvf' is not auto, kvm, tcg or tcg-icount" \
	$run --accel hvf -- true
expect_fail bad_fallback "--fallback: 'kvm' is not tcg or tcg-icount" \
	$run --fallback kvm -- true
expect_fail unknown_option "unknown option '--frobnicate'" \
	$run --frobnicate -- true
expect_fail no_command "no command given" $run

mkdir -p "$tmp/mods/lib/modules/$(cat "$k612/release")"
: > "$tmp/mods/lib/modules/$(cat "$k612/release")/modules.dep"
expect_fail missing_modules "has module '[a-z_0-9]+' neither as a module nor built in" \
	$run --kernel "$k612/vmlinuz" --modules "$tmp/mods" -- true

# A file size limit makes the sparse backing file impossible to create.
expect_fail backing_file_cannot_be_created "cannot create the NVDIMM backing file" \
	bash -c "ulimit -f 1024; exec $run --kernel '$k612' -- true"

# The kernel finds no init, panics and reboots: QEMU must exit, the run
# fail, and the console log be kept.
expect_fail guest_panics "guest failed: kernel panic; console log: .*console.log" \
	$run --kernel "$k612" --append "rdinit=/no/such/init" --timeout 120 -- true

expect_fail guest_times_out "guest failed: timed out after 20s" \
	$run --kernel "$k612" --timeout 20 -- sleep 600

exit $failed

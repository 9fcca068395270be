#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: everything CI runs, on a fresh machine, end to end.
#   1. vm/deps.sh: packages, Debian 6.12 and 6.1 kernels, the kernel tree;
#   2. build the kselftest, the benchmark and the test module;
#   3. host unit tests (statistics, parsers, results files, compare, the
#      package resolver) and lint (shellcheck, checkpatch: make lint);
#   4. the devmem kselftest in a VM on Debian 6.12 (with devmem_test.ko),
#      tracefs and the safety scenario; beside them (one host core each),
#      the stress workloads short with their positive controls and the
#      CXL region cycles;
#   5. a short benchmark run in the VM whose JSON is validated, and the
#      known-effect comparisons and the dashboard (alone: they time);
#   6. make nightly's tests that boot nothing;
#   7. a kernel built from source with the add-del-device-memory v2
#      series, the kselftest, the icount checks and fault injection on it
#      (CHECK_KERNEL_BUILD=0: skipped);
# then one line "N passed, N failed, N skipped" over all of it.  Exits
# non-zero on any failure.  CHECK_CYCLES sets the kselftest cycle count.
#
# CHECK_FULL=1 (make check-full) adds what does not fit make check's 30
# minutes: the kselftest and the tracefs run on Debian 6.1, the whole
# kselftest (not --quick) in the safety scenario on both kernels, and two
# nights of make nightly in VMs.  Every step's wall time is printed at the
# end.
set -u
. "$(dirname "$0")/lib.sh"
cd "$DEVMEM_TOP" || exit 1

BUILD=${BUILD:-$DEVMEM_CACHE/build}
logs=$BUILD/check
cycles=${CHECK_CYCLES:-3}
rm -rf "$logs"
mkdir -p "$logs"
full=${CHECK_FULL:-0}
fatal=0

# step TITLE: a new step; its wall time (and every earlier one's) is
# printed at the end by step_times.
step_names=() step_starts=()
step()
{
	echo "==== $*" >&2
	step_names+=("$*")
	step_starts+=("$SECONDS")
}

step_times()
{
	local i j n=${#step_names[@]} end

	echo "check: wall time per step (CHECK_FULL=$full)" >&2
	for ((i = 0; i < n; i++)); do
		# a step run beside the others: its duration, negated
		if [ "${step_starts[i]}" -lt 0 ]; then
			printf '  %5d s  %s\n' $((-step_starts[i])) "${step_names[i]}" >&2
			continue
		fi
		end=$SECONDS
		for ((j = i + 1; j < n; j++)); do
			[ "${step_starts[j]}" -lt 0 ] || { end=${step_starts[j]}; break; }
		done
		printf '  %5d s  %s\n' $((end - step_starts[i])) "${step_names[i]}" >&2
	done
	printf '  %5d s  in all\n' "$SECONDS" >&2
}

# ktap_line NAME STATUS: one top-level KTAP result for a step that is not
# itself a test binary (a build, a VM run that produced no KTAP).
ktap_step()
{
	local name=$1 rc=$2 f=$logs/step-$1.log

	if [ "$rc" = 0 ]; then
		echo "ok 1 $name" > "$f"
	else
		echo "not ok 1 $name # exit=$rc" > "$f"
		fatal=1
	fi
}

step "dependencies"
vm/deps.sh || { echo "check: vm/deps.sh failed" >&2; exit 1; }

step "build"
make --no-print-directory all > "$logs/build.out" 2>&1
rc=$?
[ $rc = 0 ] || tail -n 40 "$logs/build.out" >&2
ktap_step build $rc

k612=$(resolve_kernel debian-6.12)
k61=$(resolve_kernel debian-6.1)
for k in "$k612" "$k61"; do
	name=module-$(basename "$k")
	make --no-print-directory -C kernel/module KDIR="$k" \
		> "$logs/$name.out" 2>&1
	rc=$?
	[ $rc = 0 ] || tail -n 20 "$logs/$name.out" >&2
	ktap_step "$name" $rc
done

# host NAME COMMAND...: a host test whose KTAP goes to $logs/NAME.log (and
# the terminal); a failing exit status with no "not ok" line in the log
# (a build that broke, a crash) still counts, as the step NAME.
host()
{
	local name=$1 rc

	shift
	"$@" 2>&1 | tee "$logs/$name.log"
	rc=${PIPESTATUS[0]}
	[ "$rc" = 0 ] || grep -q '^ *not ok' "$logs/$name.log" ||
		ktap_step "host-$name" "$rc"
}

step "host unit tests"
host unit make --no-print-directory -C bench check

step "VM runner: bad input and broken guests"
host runner vm/test-runner.sh

step "host tests: package resolver, KTAP summariser, results share; lint"
host resolver vm/tests/test-resolver.sh
host ktap-summary vm/tests/test-ktap-summary.sh
host share vm/tests/test-share.sh
host lint-test vm/tests/test-lint.sh
host lint vm/check-lint.sh

step "host test: make calibrate's spreads (vm/calibrate.sh --reuse)"
host calibrate vm/test-calibrate.sh

step "host tests: KCIDB export and schema, LAVA job (lava-common, lava-run --validate)"
host kcidb vm/tests/test-kcidb.sh
host lava vm/tests/test-lava.sh

# v2_steps: the project's own kernel with the add-del-device-memory v2
# series, the only kernel here with CONFIG_DEVICE_PRIVATE and a Device span
# that shrinks: built (about 9 minutes from a cold ccache on 2 cores, 1
# warm) with devmem_test.ko, then its kselftest (the DEVICE_PRIVATE tests
# run and the span checks must PASS rather than XFAIL; fault injection;
# concurrent) and make stress's fault workload short.
v2_steps()
{
	local t0=$SECONDS rc kv2

	kernel/build.sh --series add-del-device-memory --rev v2 \
		> "$logs/kernel-v2.out" 2>&1
	rc=$?
	[ $rc = 0 ] || tail -n 30 "$logs/kernel-v2.out" >&2
	ktap_step kernel-build-v2 $rc
	echo "$((SECONDS - t0)) kernel build: add-del-device-memory v2" >> "$logs/side.times"
	[ $rc = 0 ] || return 0
	t0=$SECONDS
	kv2=$(tail -n 1 "$logs/kernel-v2.out")
	make --no-print-directory -C kernel/module KDIR="$kv2" \
		> "$logs/module-v2.out" 2>&1
	ktap_step module-v2 $?
	vm/run-kselftest.sh --kernel "$kv2" --cycles "$cycles" \
		"${ORIGINAL_TESTS[@]}" --test devmem_fault_test \
		--test devmem_concurrent_test --log "$logs/kselftest-v2.log" \
		> "$logs/kselftest-v2.out" 2>&1
	rc=$?
	[ $rc = 0 ] || ktap_step vm-v2 $rc
	echo "$((SECONDS - t0)) kselftest on the v2 kernel" >> "$logs/side.times"
	t0=$SECONDS
	# Fault injection (the guest config has it): the N-th allocation of
	# a hot-add failed, N = 1, 2, ...; every failure must unwind.  The
	# x86 add_pages() WARN on an injected -ENOMEM is a known kernel bug:
	# XFAIL here, a failure in make stress.
	vm/run-stress.sh --short --kernel "$kv2" --no-controls \
		--workloads fault --xfail-known \
		--ktap "$logs/stress-v2.log" --out-dir "$logs/stress" \
		> "$logs/stress-v2.out" 2>&1
	rc=$?
	[ $rc = 0 ] || grep -q '^not ok' "$logs/stress-v2.log" ||
		ktap_step vm-stress-v2 $rc
	echo "$((SECONDS - t0)) stress on the v2 kernel: fault injection" >> "$logs/side.times"
}

# The functional VM steps that follow run on one host core each (TCG is
# single-threaded here): the stress workloads short with their positive
# controls, the CXL check and the v2 kernel's build, kselftest and fault
# injection go beside the kselftest, tracefs and safety runs, on the other
# core; the benchmark, the comparisons and the icount checks, which
# measure, wait until they are done.  CHECK_PARALLEL=0 runs them in turn.
side_steps()
{
	local t0=$SECONDS rc

	# The stress workloads, short (tens of cycles), and the positive
	# controls (the soak's 16 KiB/cycle leak through devmem_test.ko, the
	# unbinds behind concurrent's and subsection's backs, data's
	# corrupted block); make stress runs the long versions.  Fault
	# injection needs the kernel built from source (v2_steps).
	vm/run-stress.sh --short --kernel "$k612" \
		--workloads soak,concurrent,subsection,kmem,data \
		--ktap "$logs/stress-debian-6.12.log" --out-dir "$logs/stress" \
		> "$logs/stress-debian-6.12.out" 2>&1
	rc=$?
	[ $rc = 0 ] || grep -q '^not ok' "$logs/stress-debian-6.12.log" ||
		ktap_step vm-stress-debian-6.12 $rc
	echo "$((SECONDS - t0)) stress workloads short, their controls" > "$logs/side.times"
	t0=$SECONDS
	# CXL: a CXL pmem region destroyed and re-created (--cxl-pmem 1)
	vm/check-cxl.sh --kernel "$k612" > "$logs/cxl.log" 2> "$logs/cxl.err"
	rc=$?
	[ $rc = 0 ] || grep -q '^not ok' "$logs/cxl.log" || ktap_step vm-cxl $rc
	echo "$((SECONDS - t0)) the CXL check" >> "$logs/side.times"
	if [ "${CHECK_KERNEL_BUILD:-1}" = 1 ]; then
		v2_steps
	fi
}

# side_report: what the side steps printed, after they are done.
side_report()
{
	local what secs

	tail -n 12 "$logs/stress-debian-6.12.out" >&2
	grep -q '^not ok' "$logs/cxl.log" 2>/dev/null && tail -n 20 "$logs/cxl.err" >&2
	[ -f "$logs/kselftest-v2.out" ] && tail -n 3 "$logs/kselftest-v2.out" >&2
	[ -f "$logs/stress-v2.out" ] && tail -n 6 "$logs/stress-v2.out" >&2
	[ -n "$side_pid" ] || return 0
	while read -r secs what; do
		step_names+=("(beside) $what")
		step_starts+=("-$secs")
	done < "$logs/side.times"
}

# The tests that run on every kernel (the v2 kernel's in side_steps).
ORIGINAL_TESTS=(--test devmem_cycle_test --test devmem_safety_test
		--test devmem_private_test)
side_pid=''
if [ "${CHECK_PARALLEL:-1}" = 1 ]; then
	echo "==== stress workloads short, the CXL check and the v2 kernel (build, kselftest, fault injection), beside the next steps (logs: $logs/stress-debian-6.12.out, $logs/cxl.log, $logs/kernel-v2.out, $logs/kselftest-v2.out)" >&2
	side_steps &
	side_pid=$!
fi

# Every kselftest on Debian 6.12 (the stress ones short: a 30-cycle soak;
# kmem with its memmap_on_memory variant); on 6.1 (check-full) the
# namespace cycle, the safety and the module tests (the stress ones add 10
# minutes a kernel).
old_kernels=()
[ "$full" = 1 ] && old_kernels=("$k61")
for k in "$k612" "${old_kernels[@]}"; do
	name=$(basename "$k")
	step "kselftest on $name"
	if [ "$k" = "$k612" ]; then
		sel=(--env DEVMEM_SOAK_CYCLES=30
		     --append memory_hotplug.memmap_on_memory=1)
	else
		sel=("${ORIGINAL_TESTS[@]}")
	fi
	vm/run-kselftest.sh --kernel "$k" --cycles "$cycles" "${sel[@]}" \
		--log "$logs/kselftest-$name.log"
	rc=$?
	[ $rc = 0 ] || ktap_step "vm-$name" $rc
done

step "tracefs: a user's tracing survives the bench"
for k in "$k612" "${old_kernels[@]}"; do
	vm/run-tracefs.sh --kernel "$k" \
		> "$logs/tracefs-$(basename "$k").log" 2> "$logs/tracefs-$(basename "$k").err"
	rc=$?
	[ $rc = 0 ] || { tail -n 20 "$logs/tracefs-$(basename "$k").err" >&2; ktap_step "vm-tracefs-$(basename "$k")" $rc; }
done

# The safety scenario (issue 8): a user's devmem-user-<pid> namespace with
# data in each region survives the kselftest, the bench, signals, a
# SIGKILLed run and --cleanup.  make check runs the safety test and one
# cycle variant next to the user's namespaces (--quick, 5 minutes less);
# check-full the whole kselftest there, on Debian 6.12 and 6.1.
step "safety: a user's namespaces and data survive the suite"
safety=(--quick)
[ "$full" = 1 ] && safety=()
for k in "$k612" "${old_kernels[@]}"; do
	name=$(basename "$k")
	vm/run-safety.sh --kernel "$k" "${safety[@]}" \
		> "$logs/safety-$name.log" 2> "$logs/safety-$name.err"
	rc=$?
	[ $rc = 0 ] || { tail -n 20 "$logs/safety-$name.err" >&2; ktap_step "vm-safety-$name" $rc; }
done

if [ -n "$side_pid" ]; then
	step "waiting for the stress workloads, the CXL check and the v2 kernel"
	wait "$side_pid"
else
	step "stress workloads short, the CXL check, the v2 kernel"
	side_steps
fi
side_report

step "benchmark"
vm/check-bench.sh "$logs"

step "comparisons: A/A, 4K against 2M, the dashboard"
vm/check-compare.sh "$logs"

nightly=(--no-vm)
[ "$full" = 1 ] && nightly=()
step "make nightly: ${nightly[*]:-two nights on a tiny matrix}"
vm/tests/test-nightly.sh "${nightly[@]}" > "$logs/nightly.log" 2> "$logs/nightly.err"
rc=$?
[ $rc = 0 ] || { tail -n 20 "$logs/nightly.err" >&2; grep -q '^not ok' "$logs/nightly.log" || ktap_step vm-nightly $rc; }

# CHECK_KERNEL_BUILD=0 leaves the v2 kernel out (reported as skipped).
# Issue 9's known answers under tcg-icount, one boot a side: an A/A of
# perturbed boots stays silent and the shipped positive control
# (kernel/patches/memmap-slowdown, the second kernel build: one file on
# top of v2, a few minutes with ccache) is called regressed in exactly its
# rows.  Alone: instruction counts barely move with the host's load, but
# they do move (a 1.5% "improvement" outside the control's path with four
# guests on two cores).
kv2=''
if [ "${CHECK_KERNEL_BUILD:-1}" != 1 ]; then
	echo "ok 1 kernel-build-v2 # SKIP CHECK_KERNEL_BUILD=0" \
		> "$logs/step-kernel-build-v2.log"
elif grep -q '^ok' "$logs/step-kernel-build-v2.log" 2>/dev/null; then
	kv2=$(tail -n 1 "$logs/kernel-v2.out")
	step "icount: A/A on perturbed boots, the memmap-slowdown positive control"
	vm/check-icount.sh "$logs"
fi

step "summary"
step_times
# The v2 kernel's log is judged with its features (a span XFAIL is a
# failure on a kernel that shrinks spans).
v2log=$logs/kselftest-v2.log
if [ -f "$v2log" ]; then
	others=()
	for f in "$logs"/*.log; do
		[ "$f" = "$v2log" ] || others+=("$f")
	done
	vm/ktap-summary.sh "${others[@]}" \
		--features "$(sed -n 's/^features=//p' "$kv2/meta")" "$v2log"
else
	vm/ktap-summary.sh "$logs"/*.log
fi
rc=$?
[ $fatal = 0 ] || rc=1
exit $rc

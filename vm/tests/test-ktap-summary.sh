#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of vm/ktap-summary.sh on recorded KTAP (vm/tests/ktap/), in
# KTAP:  vm/tests/test-ktap-summary.sh
#
# Each case runs the summariser on one log and checks the closing line
# ("N passed, N failed, N skipped"), the exit status and, where it
# matters, the line naming the failure.  The clean log is the positive
# control: it must pass, so a summariser that fails everything fails here.
set -u
here=$(cd "$(dirname "$0")" && pwd)
sum=$here/../ktap-summary.sh
data=$here/ktap
n=0 failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/devmem-test-ktap.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# expect NAME RC TOTALS PATTERN -- ARGS...: the summariser given ARGS exits
# RC, its last line is TOTALS and its output matches PATTERN ('' = any).
expect()
{
	local name=$1 want_rc=$2 totals=$3 pattern=$4 rc last

	shift 5
	n=$((n + 1))
	(cd "$data" && "$sum" "$@") > "$tmp/out" 2>&1
	rc=$?
	last=$(tail -n 1 "$tmp/out")
	if [ "$rc" = "$want_rc" ] && [ "$last" = "$totals" ] &&
	   { [ -z "$pattern" ] || grep -qE -e "$pattern" "$tmp/out"; }; then
		echo "ok $n ktap_summary.$name"
	else
		echo "# exit $rc (want $want_rc), want last line '$totals', pattern /$pattern/; output:"
		sed 's/^/#   /' "$tmp/out" | tail -n 15
		echo "not ok $n ktap_summary.$name"
		failed=1
	fi
}

echo "TAP version 13"
echo "1..24"
expect clean_run 0 "5 passed, 0 failed, 2 skipped" '' -- clean.ktap
expect clean_run_on_shrinking_kernel 0 "5 passed, 0 failed, 2 skipped" '' \
	-- --features shrinks-device-span clean.ktap
expect timeout_after_subtests 1 "3 passed, 1 failed, 0 skipped" \
	'^FAILED: .*devmem_cycle_test # TIMEOUT 45 seconds$' -- timeout-after-subtests.ktap
expect crash_mid_run 1 "3 passed, 2 failed, 0 skipped" \
	'exit=139: 2 of 5 planned results missing' -- crash-mid-run.ktap
expect short_plan 1 "3 passed, 1 failed, 0 skipped" \
	'3 results for a plan of 2' -- short-plan.ktap
expect missing_top_level_result 1 "3 passed, 1 failed, 0 skipped" \
	'top level: 1 of 3 planned results missing' -- missing-top-level.ktap
expect xfail_on_non_shrinking_kernel 0 "4 passed, 0 failed, 0 skipped" \
	'^XFAIL: .*span_returns_to_baseline' -- xfail-span.ktap
expect xfail_on_shrinking_kernel 1 "2 passed, 2 failed, 0 skipped" \
	'span_returns_after_remove .*XFAIL of a span test on a kernel that shrinks spans' \
	-- --features debug,shrinks-device-span xfail-span.ktap
DEVMEM_KERNEL_FEATURES=shrinks-device-span \
expect xfail_on_shrinking_kernel_from_env 1 "2 passed, 2 failed, 0 skipped" \
	'span_returns_to_baseline .*XFAIL of a span test' -- xfail-span.ktap
# Skipped: / #skip / sKiP are SKIP even on "not ok"; "#  skipped ..."
# (the harness's two spaces: a message, no directive) is a failure, and
# so are XPASS and a "not ok" XFAIL.
expect odd_directives 1 "1 passed, 3 failed, 3 skipped" \
	'^FAILED: .*not ok 5 .*#  skipped ranges leaked$' -- odd-directives.ktap
expect bail_out 1 "1 passed, 3 failed, 0 skipped" \
	'3 of 4 planned results missing \(Bail out!' -- bail-out.ktap
expect no_results 1 "0 passed, 3 failed, 0 skipped" '' -- no-results.ktap
expect concatenated_streams 1 "3 passed, 1 failed, 1 skipped" \
	'1 of 3 planned results missing' -- concatenated.ktap
expect steps_without_plan 1 "2 passed, 1 failed, 0 skipped" \
	'not ok 3 module-debian-6.1' -- steps-without-plan.ktap
expect several_logs 1 "8 passed, 1 failed, 2 skipped" \
	'timeout-after-subtests.ktap: .*TIMEOUT' -- clean.ktap timeout-after-subtests.ktap
expect features_per_log 1 "6 passed, 2 failed, 0 skipped" \
	'' -- xfail-span.ktap --features shrinks-device-span xfail-span.ktap
expect bad_features 2 "${sum##*/}: --features: '../x' is not a comma list of [a-z0-9-] words" \
	'' -- --features ../x clean.ktap
expect not_a_file 2 "${sum##*/}: cannot read /dev/null (not a readable regular file)" \
	'' -- /dev/null
# Recorded in the VM (Debian 6.12, --cycles 1, no devmem_test module):
# one harness test timed out inside devmem_safety_test, the runner said
# "exit=1"; two span tests XFAIL, which fails on a shrinking kernel.
expect recorded_debian_6_12 1 "19 passed, 1 failed, 23 skipped" \
	'^FAILED: .*not ok 5 foreign.region_locked$' -- debian-6.12-recorded.ktap
expect recorded_as_if_shrinking 1 "17 passed, 3 failed, 23 skipped" \
	'ok 10 ns_cycle.devdax_1g.span_returns_after_remove .*XFAIL of a span test' \
	-- --features shrinks-device-span debian-6.12-recorded.ktap
# Recorded in the VM: devmem_cycle_test alone, passing (run_kselftest.sh
# exit 0, summary exit 0) and with --ksft-timeout 20 (run_kselftest.sh
# still exit 0: the summary must say 17 of 18 missing).
expect recorded_pass 0 "14 passed, 0 failed, 4 skipped" '' -- debian-6.12-pass.ktap
expect recorded_pass_on_shrinking_kernel 1 "12 passed, 2 failed, 4 skipped" \
	'' -- --features shrinks-device-span debian-6.12-pass.ktap
expect recorded_timeout 1 "1 passed, 17 failed, 0 skipped" \
	'# TIMEOUT 20 seconds: 17 of 18 planned results missing' -- debian-6.12-timeout.ktap
# Recorded in the VM on the add-del-device-memory v2 kernel (features
# shrinks-device-span): every span test passes, so the run passes.
expect recorded_v2_pass 0 "18 passed, 0 failed, 0 skipped" '' \
	-- --features shrinks-device-span v2-pass.ktap
exit $failed

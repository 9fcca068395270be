#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of vm/calibrate.sh's arithmetic, on made-up boots with known
# spreads (no VM):  vm/test-calibrate.sh [LOGDIR]
#
# Two "boots" of one configuration: a row the same in every cycle of both
# (exact), one whose boot medians are 100 and 110 (spread 10/105 = 9.52%,
# within a boot 10%), one that moves by 0.05% (exact at the 0.1% cut).
# Also: a boot that did not run under tcg-icount is refused, and so is
# --reuse with one boot.  KTAP on stdout (and LOGDIR/calibrate.log).
set -u
. "$(dirname "$0")/lib.sh"

logs=${1:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/devmem-calib.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
out=$tmp/ktap
ktap_init "$out" calibrate test-calibrate


# boot FILE ACCEL SEED VAR... : a results file with three metrics.
boot()
{
	local f=$1 accel=$2 seed=$3

	shift 3
	jq -n --arg accel "$accel" --argjson seed "$seed" \
		--argjson var "[$1,$2,$3]" --argjson near "[$4,$4,$4]" '{
		schema: "devmem-results/2",
		environment: { accel: $accel, icount_shift: 0,
			kernel: { release: "6.12.117-test", name: "test" },
			tracing: "function_graph" },
		parameters: { perturb_seed: $seed, trace_sleep_time: "off" },
		results: [ { id: "devdax-mem-4K-256M", metrics: {
			exact: { unit: "insn", samples: [942, 942, 942] },
			var: { unit: "insn", samples: $var },
			near: { unit: "insn", samples: $near } } } ] }' > "$f"
}

# field ROW-METRIC KEY: a value from the calibration.
field()
{
	jq -r --arg m "$1" ".rows[] | select(.metric == \$m) | .$2" "$tmp/c.json"
}

if ! command -v jq > /dev/null; then
	echo "ok 1 calibrate.all # SKIP jq is missing (make deps)"
	exit 0
fi

mkdir -p "$tmp/runs"
boot "$tmp/runs/boot-1.json" tcg-icount 1 90 100 110 20000
boot "$tmp/runs/boot-2.json" tcg-icount 2 100 110 120 20010
if "$DEVMEM_TOP/vm/calibrate.sh" --reuse --runs "$tmp/runs" --kernel test \
	--out "$tmp/c.json" > "$tmp/c.out" 2>&1; then
	ktap_result 0 reuse_writes_a_calibration
else
	ktap_result 1 reuse_writes_a_calibration "$(tail -n 1 "$tmp/c.out")"
fi
[ "$(field exact exact)" = true ] && [ "$(field exact between_pct)" = 0 ]
ktap_result $? exact_row_is_exact "$(field exact between_pct)"
awk -v b="$(field var between_pct)" -v w="$(field var within_pct)" \
	'BEGIN { exit !(b > 9.52 && b < 9.53 && w == 10) }'
ktap_result $? spread_is_range_over_mean "between $(field var between_pct), within $(field var within_pct)"
[ "$(field var exact)" = false ]
ktap_result $? variable_row_is_not_exact
[ "$(field near exact)" = true ]
ktap_result $? spread_below_cut_is_exact "between $(field near between_pct)"
[ "$(jq -r '.runs | length' "$tmp/c.json")" = 2 ] &&
	[ "$(jq -r '.boots' "$tmp/c.json")" = 2 ]
ktap_result $? lists_the_runs
grep -q -- '--calibration=.*boot-1.json,.*boot-2.json' "$tmp/c.out"
ktap_result $? prints_the_compare_argument

# Refusals: a boot under plain TCG; one boot only.
boot "$tmp/runs/boot-2.json" tcg 2 100 110 120 20010
"$DEVMEM_TOP/vm/calibrate.sh" --reuse --runs "$tmp/runs" --kernel test \
	--out "$tmp/d.json" > "$tmp/d.out" 2>&1
rc=$?
[ $rc = 1 ] && [ ! -e "$tmp/d.json" ] && grep -q 'tcg-icount' "$tmp/d.out"
ktap_result $? refuses_a_boot_not_under_icount "exit $rc"
rm -f "$tmp/runs/boot-2.json"
"$DEVMEM_TOP/vm/calibrate.sh" --reuse --runs "$tmp/runs" --kernel test \
	--out "$tmp/d.json" > "$tmp/d.out" 2>&1
rc=$?
[ $rc = 2 ]
ktap_result $? refuses_one_boot "exit $rc"
"$DEVMEM_TOP/vm/calibrate.sh" --kernel test --boots 1 > "$tmp/d.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q -- '--boots' "$tmp/d.out"
ktap_result $? refuses_bad_boots "exit $rc"

cat "$out"
[ -z "$logs" ] || cp "$out" "$logs/calibrate.log"
exit "$KTAP_FAIL"

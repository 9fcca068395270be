#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The comparison part of make check:  vm/check-compare.sh LOGDIR
#
# Known answers for devmem-compare and the dashboard, on real runs:
#  - A/A: Debian 6.12 against itself through make compare's own script,
#    two rounds a side (LOGDIR/bench-a.json from vm/check-bench.sh is A's
#    first round; three more boots, A and B alternately), compared run by
#    run: no row may be "regressed" or "improved", the exit status must
#    be 0, and the rows that are the same in every cycle (memmap_pages)
#    must be "no significant change".  Two runs a side leave the timing
#    rows "too noisy to tell": that is the honest answer for two boots,
#    not a failure.  The cycle-level verdicts of one boot against another
#    are printed for information only: on a shared TCG host boots differ
#    by more than their cycles do (see README, "Reading verdicts").
#  - 4K against 2M: devdax align 4K and 2M, memmap in RAM, in one run
#    (bench-a.json, --pair): memmap_pages and memmap_init_zone_device
#    time must be "improved" from 4K to 2M (the vmemmap optimisation).
#  - The dashboard, made from these runs (and results/runs/ if any),
#    loaded in headless chromium: no console message, every chart drawn.
# Writes KTAP to LOGDIR/compare.log; everything else stays in LOGDIR.
set -u
. "$(dirname "$0")/lib.sh"

logs=${1:?usage: $0 LOGDIR}
BUILD=${BUILD:-$DEVMEM_CACHE/build}
compare=$BUILD/bench/devmem-compare
dashboard=$BUILD/bench/devmem-dashboard
ktap=$logs/compare.log
first=$logs/bench-a.json
aa=$logs/aa
ktap_init "$ktap" compare check-compare

# The matrix of vm/check-bench.sh, so that bench-a.json is a round of A.
short=(-m "devdax,fsdax" -M "mem,dev" -a "4K,2M" -s 256M -n 8 -w 1 -b 2)




# verdicts JSON [VERDICT [METRIC]]: the rows of a devmem-compare JSON
# report (pretty-printed by json-c: one "key":"value" a line) as
# "config metric verdict" lines, filtered by verdict and metric.
verdicts()
{
	sed -n 's/^ *"\(config\|metric\|verdict\)":"\(.*\)",\{0,1\}$/\1 \2/p' "$1" |
		awk -v want="${2:-}" -v metric="${3:-}" '
		$1 == "config" { c = $2 }
		$1 == "metric" { m = $2 }
		$1 == "verdict" {
			sub(/^verdict /, "")
			if ((want == "" || $0 == want) &&
			    (metric == "" || m == metric))
				print c, m, $0
		}'
}

: > "$ktap"
start=$(date +%s)
if [ ! -s "$first" ]; then
	for t in aa_runs aa_no_verdict aa_constant_rows_unchanged \
		 align_2m_memmap_pages_improved align_2m_memmap_init_improved \
		 dashboard_generated dashboard_loads_without_errors \
		 dashboard_charts_rendered; do
		ktap_skip "$t" "no $first: the benchmark step produced no run"
	done
	exit 0
fi

# ---- A/A ---------------------------------------------------------------
rm -rf "$aa"
"$DEVMEM_TOP/vm/run-compare.sh" --kernel-a debian-6.12 \
	--kernel-b debian-6.12 --rounds 2 --reuse-a "$first" --out "$aa" \
	-- "${short[@]}" > "$logs/aa.out" 2> "$logs/aa.err"
rc=$?
cat "$logs/aa.out"
[ -s "$aa/report.json" ] && [ "$rc" != 2 ]
ktap_result $? aa_runs "run-compare exit $rc; see $logs/aa.err"
if [ -s "$aa/report.json" ]; then
	bad=$(verdicts "$aa/report.json" | grep -cE ' (regressed|improved)$')
	[ "$bad" = 0 ] && [ "$rc" = 0 ]
	ktap_result $? aa_no_verdict "$bad rows regressed/improved, exit $rc"
	for v in "no significant change" "too noisy to tell" changed \
		 "not compared"; do
		ktap_diag "A/A run by run (2 runs a side): $(verdicts "$aa/report.json" "$v" | grep -c .) rows $v"
	done
	total=$(verdicts "$aa/report.json" "" memmap_pages | grep -c .)
	same=$(verdicts "$aa/report.json" "no significant change" \
		memmap_pages | grep -c .)
	[ "$total" -gt 0 ] && [ "$same" = "$total" ]
	ktap_result $? aa_constant_rows_unchanged "$same of $total memmap_pages rows"
	# For information: one boot against another, cycle by cycle.
	if "$compare" --format=json "$aa/rounds/a-1.json" \
		"$aa/rounds/b-1.json" > "$logs/aa-single.json" 2>/dev/null ||
	   [ $? = 1 ]; then
		ktap_diag "one boot a side, cycle by cycle (not gated): $(verdicts "$logs/aa-single.json" | grep -cE ' (regressed|improved)$') rows regressed/improved between two boots of the same kernel"
	fi
else
	ktap_result 1 aa_no_verdict "no report"
	ktap_result 1 aa_constant_rows_unchanged "no report"
fi
retried=$(grep -c 'retrying' "$logs/aa.err")
[ "$retried" = 0 ] || ktap_diag "A/A: $retried boot(s) brought back no results and were retried (see $logs/aa.err)"
ktap_diag "A/A took $(($(date +%s) - start)) s"

# ---- 4K against 2M -------------------------------------------------------
"$compare" --format=json --labels=4K,2M \
	--pair=devdax-mem-4K-256M=devdax-mem-2M-256M "$first" "$first" \
	> "$logs/align.json" 2> "$logs/align.err"
rc=$?
"$compare" --labels=4K,2M --pair=devdax-mem-4K-256M=devdax-mem-2M-256M \
	"$first" "$first" > "$logs/align.txt" 2>&1
grep -E '^  (memmap_pages|phase.memmap_init_zone_device_ns|memfree_delta_bytes) ' \
	-A1 "$logs/align.txt" | sed 's/^/# /' >> "$ktap"
for t in memmap_pages:memmap_pages \
	 phase.memmap_init_zone_device_ns:memmap_init; do
	got=$(verdicts "$logs/align.json" "" "${t%%:*}" |
		sed 's/^[^ ]* [^ ]* //')
	[ "$rc" != 2 ] && [ "$got" = improved ]
	ktap_result $? "align_2m_${t#*:}_improved" "${t%%:*}: verdict '$got', exit $rc"
done

# ---- The dashboard -------------------------------------------------------
hist=$logs/history
rm -rf "$hist" "$logs/dashboard"
mkdir -p "$hist"
cp "$aa"/rounds/*.json "$hist/" 2>/dev/null
stored=()
[ -d "$DEVMEM_TOP/results/runs" ] && stored=("$DEVMEM_TOP/results/runs")
"$dashboard" --out "$logs/dashboard" --index "$logs/dashboard/index.json" \
	"$hist" "${stored[@]}" > "$logs/dashboard.out" 2>&1
rc=$?
[ "$rc" = 0 ] && [ -s "$logs/dashboard/index.html" ]
ktap_result $? dashboard_generated "exit $rc, see $logs/dashboard.out"

chromium_run()
{
	local profile

	profile=$(mktemp -d "${TMPDIR:-/tmp}/devmem-chromium.XXXXXX")
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --user-data-dir="$profile" \
		--enable-logging=stderr --v=0 --virtual-time-budget=10000 \
		"$@" "file://$logs/dashboard/index.html"
	local rc=$?
	rm -rf "$profile"
	return $rc
}

if ! command -v chromium > /dev/null; then
	ktap_skip dashboard_loads_without_errors "chromium is not installed (make deps)"
	ktap_skip dashboard_charts_rendered "chromium is not installed (make deps)"
elif [ -s "$logs/dashboard/index.html" ]; then
	chromium_run --dump-dom > "$logs/dashboard.dom" \
		2> "$logs/chromium.err"
	rc=$?
	console=$(grep -c ':CONSOLE' "$logs/chromium.err")
	grep ':CONSOLE' "$logs/chromium.err" | sed 's/^/# /' >> "$ktap"
	[ "$rc" = 0 ] && [ "$console" = 0 ] &&
		grep -q '</html>' "$logs/dashboard.dom"
	ktap_result $? dashboard_loads_without_errors "exit $rc, $console console messages"
	body=$(grep -o '<body[^>]*>' "$logs/dashboard.dom" | head -n 1)
	charts=$(echo "$body" | sed -n 's/.* data-charts="\([0-9]*\)".*/\1/p')
	drawn=$(echo "$body" | sed -n 's/.* data-charts-rendered="\([0-9]*\)".*/\1/p')
	empty=$(find "$logs/dashboard/charts" -name '*.svg' -empty | wc -l)
	[ -n "$charts" ] && [ "$charts" -gt 0 ] && [ "$drawn" = "$charts" ] &&
		[ "$empty" = 0 ]
	ktap_result $? dashboard_charts_rendered "${drawn:-?} of ${charts:-?} charts drawn, $empty empty SVG files"
	# For a person to look at: the top of the page.
	chromium_run --window-size=1400,1800 \
		--screenshot="$logs/dashboard.png" > /dev/null 2>&1
else
	ktap_result 1 dashboard_loads_without_errors "no page"
	ktap_result 1 dashboard_charts_rendered "no page"
fi
ktap_diag "comparison checks took $(($(date +%s) - start)) s"
exit "$KTAP_FAIL"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Count the results in KTAP logs:  vm/ktap-summary.sh LOG...
#
# Leaf results are counted: a harness's own "ok N fixture.variant.test"
# lines (nested under the runner's "# "), or a top-level result that had
# no nested ones (a binary that skipped as a whole, crashed or timed out).
# XFAIL counts as passed and is listed.  Prints the failures, then
# "N passed, N failed, N skipped" and exits 1 if anything failed or a log
# holds no result at all.
set -u

[ $# -gt 0 ] || { echo "usage: $0 LOG..." >&2; exit 2; }
empty=0
for f in "$@"; do
	[ -r "$f" ] || { echo "$0: cannot read $f" >&2; exit 2; }
	if ! grep -qE '^(# )*(not )?ok [0-9]+' "$f"; then
		echo "NO RESULTS: $f"
		empty=1
	fi
done

awk '
function result(line, depth,    d, st) {
	st = (line ~ /^not ok /) ? "fail" : "pass"
	if (line ~ / # (SKIP|skip)/)
		st = "skip"
	else if (line ~ / # XFAIL/)
		st = (st == "pass") ? "xfail" : "fail"
	else if (line ~ / # XPASS/)
		st = "fail"
	return st
}
function count(st, line) {
	if (st == "pass" || st == "xfail") pass++
	else if (st == "skip") skip++
	else { fail++; failed[fail] = FILENAME ": " line }
	if (st == "xfail") { nx++; xf[nx] = line }
}
FNR == 1 { nested = 0 }
{
	line = $0
	sub(/\r$/, "", line)
	depth = 0
	while (substr(line, 1, 2) == "# ") { line = substr(line, 3); depth++ }
	sub(/^[ \t]+/, "", line)
	if (line !~ /^(not )?ok [0-9]+/)
		next
	if (depth > 0) {
		nested++
		count(result(line), line)
		next
	}
	if (!nested)
		count(result(line), line)
	nested = 0
}
END {
	for (i = 1; i <= nx; i++) print "XFAIL: " xf[i]
	for (i = 1; i <= fail; i++) print "FAILED: " failed[i]
	printf "%d passed, %d failed, %d skipped\n", pass, fail, skip
	exit fail > 0
}' "$@" || exit 1
exit $empty

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Count the results in KTAP logs:
#   vm/ktap-summary.sh [--features LIST] LOG... [--features LIST LOG...]
#
# Nesting is read as run_kselftest.sh prints it: each leading "# " (or
# four spaces) is one level down, so a harness's own results are "# ok N
# fixture.variant.test" under the runner's "ok N selftests: dir: binary".
# Leaf results are counted: a result with results nested under it counts
# through them; one without (a binary that skipped as a whole, could not
# start) counts itself.  Every (sub)test plan "1..N" is compared with the
# results that follow it, so nothing is summed as passed that did not
# report:
#   - each planned result that never came (a binary killed at its timeout
#     or crashed mid-run, a guest that died) counts as one failure;
#   - more results than planned is one failure;
#   - a "not ok" (TIMEOUT, exit=N, ...) whose nested results show no
#     failure and nothing missing is a failure of its own.
# A top-level block without a plan is accepted (step logs of make check);
# a nested one with results but no plan is a failure.  "TAP version" or a
# second plan after results starts a new block (logs of several binaries
# one after the other).
# Directives (" # " then the word, any case, also "#SKIP", "# skipped:"):
# SKIP is skipped whether "ok" or "not ok"; XFAIL on "ok" is passed and
# listed, XFAIL on "not ok", XPASS and TODO are failures.  With --features
# (or $DEVMEM_KERNEL_FEATURES) holding shrinks-device-span, an XFAIL of a
# span test (span_returns_after_remove, span_returns_to_baseline) is a
# failure: that kernel claims to shrink the span.  --features applies to
# the logs after it, so one call can summarise several kernels' logs.
# Prints the XFAILs and the failures, then exactly one closing line
# "N passed, N failed, N skipped".  Exit status: 0 when nothing failed and
# every log holds a result, 1 otherwise, 2 on bad usage.
set -u

usage()
{
	echo "usage: ${0##*/} [--features LIST] LOG... [--features LIST LOG...]" >&2
	exit 2
}

# Options may come between logs: --features applies to the logs after it
# (make check summarises the logs of several kernels in one go).  Each log
# becomes an awk operand, preceded by the assignment of its shrinks flag.
features=${DEVMEM_KERNEL_FEATURES:-}
operands=()
nlogs=0
empty=0
opts=1
while [ $# -gt 0 ]; do
	[ $opts = 1 ] && case $1 in
	--features)	[ $# -ge 2 ] || usage; features=$2; shift 2; continue ;;
	--features=*)	features=${1#*=}; shift; continue ;;
	--)		opts=0; shift; continue ;;
	-h|--help)	sed -n '4,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*)		echo "${0##*/}: unknown option '$1'" >&2; usage ;;
	esac
	f=$1
	shift
	if ! [[ $features =~ ^[a-z0-9,-]*$ ]]; then
		echo "${0##*/}: --features: '$features' is not a comma list of [a-z0-9-] words" >&2
		exit 2
	fi
	if [ ! -f "$f" ] || [ ! -r "$f" ]; then
		echo "${0##*/}: cannot read $f (not a readable regular file)" >&2
		exit 2
	fi
	# awk would take "name=..." for an assignment.
	[[ $f =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && f=./$f
	if ! grep -qE '^((# )|    )*(not )?ok [0-9]+' "$f"; then
		echo "NO RESULTS: $f"
		empty=1
	fi
	case ,$features, in
	*,shrinks-device-span,*)	operands+=(shrinks=1) ;;
	*)				operands+=(shrinks=0) ;;
	esac
	operands+=("$f")
	nlogs=$((nlogs + 1))
done
[ "$nlogs" -gt 0 ] || usage

awk '
function reset(k) {
	plan[k] = -1; got[k] = 0; leaves[k] = 0; bad[k] = 0; bail[k] = ""
}
function failure(n, what) {
	fail += n
	nf++
	failed[nf] = fname ": " what (n > 1 ? " (counted as " n " failed)" : "")
	return n
}
# status LINE: pass, fail, skip or xfail, from "ok"/"not ok" and directive.
function status(line,    ok, p, dir, word) {
	ok = (line !~ /^not /)
	p = index(line, " #")
	word = ""
	if (p) {
		dir = tolower(substr(line, p + 2))
		sub(/^ ?/, "", dir)
		if (match(dir, /^[a-z]+/))
			word = substr(dir, 1, RLENGTH)
	}
	if (word ~ /^skip/)
		return "skip"
	if (word == "xfail")
		return ok ? "xfail" : "fail"
	if (word == "xpass" || word == "todo")
		return "fail"
	return ok ? "pass" : "fail"
}
# name LINE: the description of a result, without number and directive.
function name(line,    p) {
	sub(/^(not )?ok [0-9]+ ?/, "", line)
	p = index(line, " #")
	if (p)
		line = substr(line, 1, p - 1)
	sub(/[ \t]+$/, "", line)
	return line
}
# leaf LINE: count one result that has nothing nested; 1 if it failed.
function leaf(line,    st) {
	st = status(line)
	if (st == "xfail" && shrinks &&
	    name(line) ~ /(^|[.: ])span_returns_(after_remove|to_baseline)$/)
		return failure(1, line " (XFAIL of a span test on a kernel that shrinks spans)")
	if (st == "xfail") {
		pass++
		nx++
		xf[nx] = fname ": " line
	} else if (st == "pass") {
		pass++
	} else if (st == "skip") {
		skip++
	} else {
		return failure(1, line)
	}
	return 0
}
# check K WHOSE: compare block K plan with its results; failures into bad[K].
function check(k, whose,    n) {
	if (plan[k] >= 0 && got[k] < plan[k]) {
		n = plan[k] - got[k]
		bad[k] += failure(n, whose ": " n " of " plan[k] " planned results missing" \
				  (bail[k] != "" ? " (" bail[k] ")" : ""))
	} else if (plan[k] >= 0 && got[k] > plan[k]) {
		bad[k] += failure(1, whose ": " got[k] " results for a plan of " plan[k])
	} else if (plan[k] < 0 && got[k] > 0 && k > 0) {
		bad[k] += failure(1, whose ": " got[k] " nested results without a plan")
	} else if (plan[k] < 0 && bail[k] != "") {
		bad[k] += failure(1, whose ": " bail[k])
	}
}
# fold K: block K is over without a result of its own at K-1 (that result
# is then missing from the plan above); its counts go up a level.
function fold(k) {
	leaves[k - 1] += leaves[k]
	bad[k - 1] += bad[k]
	reset(k)
}
# deeper D: settle every block below D+1 (their parent results never came).
function deeper(d,    k) {
	for (k = maxd; k > d + 1; k--) {
		check(k, "a block at depth " k " ended without its parent result")
		fold(k)
	}
	if (maxd > d + 1)
		maxd = d + 1
}
function finish_file(    k) {
	if (fname == "")
		return
	deeper(0)
	if (maxd >= 1) {
		check(1, "results nested under no top-level result (the run ended early)")
		fold(1)
	}
	check(0, "top level")
	reset(0)
	maxd = 0
}
BEGIN { fname = ""; maxd = 0; reset(0) }
FNR == 1 { finish_file(); fname = FILENAME }
{
	line = $0
	sub(/\r$/, "", line)
	depth = 0
	for (;;) {
		if (substr(line, 1, 2) == "# ")
			line = substr(line, 3)
		else if (substr(line, 1, 4) == "    ")
			line = substr(line, 5)
		else
			break
		depth++
	}
	if (depth > maxd) {
		for (k = maxd + 1; k <= depth; k++)
			reset(k)
		maxd = depth
	}
	if (line ~ /^(K)?TAP version [0-9]+/) {
		deeper(depth - 1)
		if (plan[depth] >= 0 || got[depth] > 0) {
			check(depth, "an earlier stream at depth " depth)
			if (depth > 0) fold(depth); else reset(0)
		}
		next
	}
	if (line ~ /^1\.\.[0-9]+/) {
		deeper(depth - 1)
		if (plan[depth] >= 0 && got[depth] > 0) {
			check(depth, "an earlier stream at depth " depth)
			if (depth > 0) fold(depth); else reset(0)
		}
		plan[depth] = substr(line, 4) + 0
		next
	}
	if (line ~ /^Bail out!/) {
		bail[depth] = line
		next
	}
	if (line !~ /^(not )?ok [0-9]+/)
		next

	# A result at depth: the block nested under it (depth + 1) is over.
	deeper(depth)
	if (maxd > depth) {
		check(depth + 1, line)
		cl = leaves[depth + 1]
		cb = bad[depth + 1]
		reset(depth + 1)
		maxd = depth
	} else {
		cl = 0
		cb = 0
	}
	got[depth]++
	if (cl == 0 && cb == 0) {
		bad[depth] += leaf(line)
		leaves[depth]++
	} else {
		if (status(line) == "fail" && cb == 0)
			cb += failure(1, line)
		leaves[depth] += cl
		bad[depth] += cb
	}
}
END {
	finish_file()
	for (i = 1; i <= nx; i++) print "XFAIL: " xf[i]
	for (i = 1; i <= nf; i++) print "FAILED: " failed[i]
	printf "%d passed, %d failed, %d skipped\n", pass, fail, skip
	exit fail > 0
}' "${operands[@]}" || exit 1
exit $empty

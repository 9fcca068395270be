#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of make lint (vm/check-lint.sh) on the inputs in
# vm/tests/data/lint/: a script and a C file it must fail, a script it must
# pass, and a C file holding only the known checkpatch false positives,
# which it must pass while raw checkpatch flags them.  KTAP on stdout.
#
#   vm/tests/test-lint.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
data=vm/tests/data/lint
cd "$top" || exit 1
KSFT_TREE=${KSFT_TREE:-${DEVMEM_CACHE:-$top/.cache}/linux-source-6.12}
checkpatch=$KSFT_TREE/scripts/checkpatch.pl

n=0
failed=0
echo "KTAP version 1"
echo "1..6"

# check NAME WANT_STATUS WANT_LINE_REGEX FILE: run the lint on FILE.
check()
{
	local name=$1 want=$2 re=$3 out rc l

	n=$((n + 1))
	out=$(vm/check-lint.sh "$4" 2>&1)
	rc=$?
	if [ $rc = "$want" ] && grep -qE -- "$re" <<< "$out"; then
		echo "ok $n $name"
	else
		while IFS= read -r l; do echo "# $l"; done <<< "$out"
		echo "not ok $n $name (status $rc, want $want)"
		failed=$((failed + 1))
	fi
}

skip_cp()
{
	n=$((n + 1))
	echo "ok $n $1 # SKIP no $checkpatch (make deps)"
}

if command -v shellcheck >/dev/null; then
	check "shellcheck: an unquoted expansion fails" 1 \
		"^not ok 1 shellcheck: .*bad.sh" "$data/bad.sh"
	check "shellcheck: the diagnostic names SC2086" 1 "SC2086" \
		"$data/bad.sh"
	check "shellcheck: a clean script passes" 0 \
		"^ok 1 shellcheck: .*good.sh" "$data/good.sh"
else
	for t in 1 2 3; do
		n=$((n + 1))
		echo "ok $n shellcheck test $t # SKIP shellcheck is not installed"
	done
fi

if [ -f "$checkpatch" ]; then
	check "checkpatch: bad spacing and braces fail" 1 \
		"^# .*bad.c:5: ERROR:SPACING" "$data/bad.c"
	# Control: raw checkpatch does flag fp.c, so a pass below is the
	# filter's doing.
	n=$((n + 1))
	raw=$(perl "$checkpatch" --no-tree --terse --show-types --no-summary \
		-f "$data/fp.c" 2>&1)
	if grep -q ':VOLATILE:' <<< "$raw" && grep -q ':SPACING:' <<< "$raw"; then
		echo "ok $n checkpatch: control: raw checkpatch flags fp.c"
	else
		echo "# $raw"
		echo "not ok $n checkpatch: control: raw checkpatch flags fp.c"
		failed=$((failed + 1))
	fi
	check "checkpatch: the known false positives pass" 0 \
		"^ok 1 checkpatch: .*fp.c" "$data/fp.c"
else
	skip_cp "checkpatch: bad spacing and braces fail"
	skip_cp "checkpatch: control: raw checkpatch flags fp.c"
	skip_cp "checkpatch: the known false positives pass"
fi

echo "# $((n - failed)) passed, $failed failed"
[ $failed = 0 ]

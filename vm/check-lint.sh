#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lint: shellcheck on every shell script of the repository and the
# kernel's scripts/checkpatch.pl on the C of the kselftest and the test
# module.  One KTAP result per file checked (vm/ktap-summary.sh counts
# them); the warnings of a file that fails come first as "# " lines.
#
#   vm/check-lint.sh [--shellcheck | --checkpatch] [FILE...]
#
# Files: the repository's tracked and new (not ignored) files; shell
# scripts by name (*.sh) or by a #! line naming sh, bash or dash; C files
# (*.c, *.h) under tools/testing/selftests/devmem/ and kernel/module/.
# vm/tests/data/ (recorded inputs and the lint test's bad examples) is left
# out.  FILE... checks just those (any *.c or *.h then, as userspace C
# unless it is under kernel/module/).  checkpatch.pl comes from $KSFT_TREE (the
# kernel tree `make deps` unpacks); without it, or without shellcheck, the
# results are SKIP with the reason.
#
# Nothing is left unexplained: what cannot be fixed is suppressed where it
# is, with the reason (`# shellcheck disable=SCxxxx # why`), or below, one
# reason per checkpatch type or known false positive.
# Exit status: 0 when every file passed or skipped, 1 otherwise, 2 usage.
set -u
. "$(dirname "$0")/lib.sh"
cd "$DEVMEM_TOP" || exit 1
KSFT_TREE=${KSFT_TREE:-$DEVMEM_CACHE/linux-source-6.12}
checkpatch=$KSFT_TREE/scripts/checkpatch.pl

# checkpatch types ignored in the kselftest, which is userspace code built
# against libc and the kselftest harness, not against kernel headers:
#   PREFER_DEFINED_ATTRIBUTE_MACRO  __printf() & co. live in the kernel's
#       compiler_attributes.h, which userspace does not have;
#   STRCPY  strscpy() is a kernel function; libc has none (each strcpy is
#       checked against the destination size first).
CP_IGNORE_SELFTEST=PREFER_DEFINED_ATTRIBUTE_MACRO,STRCPY
# The module is kernel code: nothing ignored.
CP_IGNORE_MODULE=

# Known false positives, "TYPE<TAB>regex on the flagged source line<TAB>why":
#   - the kselftest harness's FIXTURE_DATA(name) is a type; checkpatch reads
#     `FIXTURE_DATA(x) *self` as a multiplication;
#   - `volatile sig_atomic_t` is what C requires for a flag a signal
#     handler sets (the kernel's advice against volatile is for kernel code);
#   - a function named like a sysfs entry (holders) builds that path.
CP_FALSE_POSITIVES=$(printf '%s\t%s\t%s\n' \
	SPACING 'FIXTURE_DATA\([A-Za-z0-9_]+\) \*[A-Za-z_]' \
	"FIXTURE_DATA(name) is a type, not a product" \
	VOLATILE 'volatile sig_atomic_t' \
	"the C type for a flag set in a signal handler" \
	EMBEDDED_FUNCTION_NAME '"/sys/[^"]*"' \
	"the name is a sysfs path component")

mode=all
files=()
while [ $# -gt 0 ]; do
	case $1 in
	--shellcheck)	mode=shellcheck ;;
	--checkpatch)	mode=checkpatch ;;
	-h|--help)	echo "usage: $0 [--shellcheck | --checkpatch] [FILE...]"
			exit 0 ;;
	-*)		echo "usage: $0 [--shellcheck | --checkpatch] [FILE...]" >&2
			exit 2 ;;
	*)		[ -f "$1" ] || die "no such file: $1"
			files+=("$1") ;;
	esac
	shift
done
explicit=0
if [ ${#files[@]} = 0 ]; then
	mapfile -t files < <(git ls-files -co --exclude-standard |
		grep -v '^vm/tests/data/' | sort)
else
	explicit=1
fi

is_shell()
{
	case $1 in
	*.sh)	return 0 ;;
	esac
	[ -f "$1" ] && head -n 1 "$1" 2>/dev/null |
		grep -qE '^#!( *)(/usr)?/bin/(env +)?(ba|da)?sh( |$)'
}

is_kernel_c()
{
	case $1 in
	tools/testing/selftests/devmem/*.[ch]|kernel/module/*.[ch])
		return 0 ;;
	*.[ch])	[ $explicit = 1 ] && return 0 ;;
	esac
	return 1
}

sh_files=()
c_files=()
for f in "${files[@]}"; do
	[ -f "$f" ] || continue		# deleted in the work tree
	if [ $mode != checkpatch ] && is_shell "$f"; then
		sh_files+=("$f")
	elif [ $mode != shellcheck ] && is_kernel_c "$f"; then
		c_files+=("$f")
	fi
done

echo "KTAP version 1"
echo "1..$((${#sh_files[@]} + ${#c_files[@]}))"
n=0
failed=0

# report FILE TOOL OUTPUT: ok when OUTPUT is empty, else the output as
# diagnostics and not ok.
report()
{
	n=$((n + 1))
	if [ -z "$3" ]; then
		echo "ok $n $2: $1"
	else
		while IFS= read -r line; do
			echo "# $line"
		done <<< "$3"
		echo "not ok $n $2: $1"
		failed=$((failed + 1))
	fi
}

skip()
{
	n=$((n + 1))
	echo "ok $n $2: $1 # SKIP $3"
}

have_sc=0
command -v shellcheck >/dev/null && have_sc=1
for f in "${sh_files[@]}"; do
	if [ $have_sc = 0 ]; then
		skip "$f" shellcheck "shellcheck is not installed (make deps)"
		continue
	fi
	# -x -P SCRIPTDIR: follow `. "$(dirname "$0")/lib.sh"`; sourced
	# files without a #! line say `# shellcheck shell=bash`.
	out=$(shellcheck -x -P SCRIPTDIR -f gcc "$f" 2>&1)
	report "$f" shellcheck "$out"
done

# cp_filter FILE: drop the known false positives from checkpatch's terse
# output on stdin.
cp_filter()
{
	local file=$1 line type src ftype re

	while IFS= read -r line; do
		# FILE:LINE: LEVEL:TYPE: message
		type=$(sed -nE 's/^[^:]+:[0-9]+: [A-Z]+:([A-Z_]+):.*/\1/p' <<< "$line")
		src=$(sed -nE 's/^[^:]+:([0-9]+):.*/\1/p' <<< "$line")
		if [ -n "$type" ] && [ -n "$src" ]; then
			src=$(sed -n "${src}p" "$file")
			# The third field (why) is for the reader.
			while IFS=$'\t' read -r ftype re _; do
				if [ "$type" = "$ftype" ] &&
				   grep -qE -- "$re" <<< "$src"; then
					continue 2
				fi
			done <<< "$CP_FALSE_POSITIVES"
		fi
		echo "$line"
	done
}

for f in "${c_files[@]}"; do
	if [ ! -f "$checkpatch" ]; then
		skip "$f" checkpatch "no $checkpatch (make deps unpacks the kernel tree)"
		continue
	fi
	case $f in
	kernel/module/*)	ignore=$CP_IGNORE_MODULE ;;
	*)			ignore=$CP_IGNORE_SELFTEST ;;
	esac
	out=$(perl "$checkpatch" --no-tree --terse --show-types --no-summary \
		${ignore:+--ignore "$ignore"} -f "$f" 2>&1 |
		grep -v -e '^$' -e '^NOTE: ' | cp_filter "$f")
	report "$f" checkpatch "$out"
done

echo "# lint: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of the Debian package resolver (vm/deb-resolve.sh) on recorded
# apt answers (vm/tests/data/resolver/*/: `apt-cache madison` and
# `apt-cache show` output).  KTAP on stdout; exit 0 when all pass.
#
#   vm/tests/test-resolver.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
data=$here/data/resolver
# shellcheck source=vm/deb-resolve.sh
. "$here/../deb-resolve.sh"
DEB_ARCH=amd64

err_file=$(mktemp)
trap 'rm -f "$err_file"' EXIT
n=0
failed=0
plan=22

echo "KTAP version 1"
echo "1..$plan"

# result OK NAME [DIAG]: one KTAP line (DIAG, if any, as "# " lines first).
result()
{
	local l

	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		[ -z "${3:-}" ] || while IFS= read -r l; do
			echo "# $l"
		done <<< "$3"
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}

# expect NAME WANT CMD...: CMD's stdout must be WANT and its status 0.
expect()
{
	local name=$1 want=$2 got rc

	shift 2
	got=$("$@" 2>"$err_file")
	rc=$?
	if [ $rc = 0 ] && [ "$got" = "$want" ]; then
		result 0 "$name"
	else
		result 1 "$name" "want '$want', got '$got' (status $rc): $(cat "$err_file")"
	fi
}

# expect_fail NAME PATTERN CMD...: CMD must fail and say PATTERN (grep -E)
# on stderr.
expect_fail()
{
	local name=$1 pat=$2 got err rc

	shift 2
	got=$("$@" 2>"$err_file")
	rc=$?
	err=$(cat "$err_file")
	if [ $rc != 0 ] && grep -qE -- "$pat" <<< "$err"; then
		result 0 "$name"
	else
		result 1 "$name" "want failure saying /$pat/, got status $rc, stdout '$got', stderr '$err'"
	fi
}


export DEB_APT_DIR=$data/bookworm-20261129

# The case that broke make check on 2026-11-29: >= takes the newest.
expect "ge: kbuild (>= 6.1.192-2) takes 6.1.192-3, the newest" \
	"linux-kbuild-6.1=6.1.192-3" \
	deb_resolve "linux-kbuild-6.1 (>= 6.1.192-2)"
expect "eq: a satisfied = pin" \
	"linux-headers-6.1.0-56-common=6.1.192-2" \
	deb_resolve "linux-headers-6.1.0-56-common (= 6.1.192-2)"
expect_fail "eq: an unsatisfied = pin (the old exact pin of kbuild)" \
	"linux-kbuild-6.1 \(= 6.1.192-2\): available 6.1.192-3 6.1.176-1, none satisfies it" \
	deb_resolve "linux-kbuild-6.1 (= 6.1.192-2)"
expect "lt: << takes the newest below" "linux-kbuild-6.1=6.1.176-1" \
	deb_resolve "linux-kbuild-6.1 (<< 6.1.192-3)"
expect "le: <= includes the bound" "linux-kbuild-6.1=6.1.192-3" \
	deb_resolve "linux-kbuild-6.1 (<= 6.1.192-3)"
expect_fail "gt: >> excludes the bound" "none satisfies" \
	deb_resolve "linux-kbuild-6.1 (>> 6.1.192-3)"
expect "no version: the newest" "linux-kbuild-6.1=6.1.192-3" \
	deb_resolve "linux-kbuild-6.1"
expect "alternatives: the first that resolves (the first is missing)" \
	"linux-kbuild-6.1=6.1.192-3" \
	deb_resolve "linux-kbuild-6.1-unsigned (>= 1) | linux-kbuild-6.1 (>= 6.1.192-2)"
expect "alternatives: the first wins when both resolve" \
	"linux-image-6.12.117+deb12-amd64=6.12.117-1~deb12u1" \
	deb_resolve "linux-image-6.12.117+deb12-amd64 (= 6.12.117-1~deb12u1) | linux-kbuild-6.1"
expect_fail "alternatives: none resolves, each reason given" \
	"^nothing-a: not in the archive; linux-kbuild-6.1 \(>= 7\): available" \
	deb_resolve "nothing-a | linux-kbuild-6.1 (>= 7)"
expect_fail "a relation that does not parse" "cannot parse" \
	deb_resolve "linux-kbuild-6.1 (~= 1)"
expect "tilde sorts before: 6.12.117-1~deb12u1 (<< 6.12.117-1)" \
	"linux-kbuild-6.12.117+deb12=6.12.117-1~deb12u1" \
	deb_resolve "linux-kbuild-6.12.117+deb12 (<< 6.12.117-1)"
expect "the 6.1 set: headers at the image's version, kbuild -3" \
	"linux-image-6.1.0-56-amd64=6.1.192-2
linux-headers-6.1.0-56-amd64=6.1.192-2
linux-headers-6.1.0-56-common=6.1.192-2
linux-kbuild-6.1=6.1.192-3" deb_kernel_set 6.1.0-56-amd64
expect "the 6.12 set (unversioned kbuild, image alternatives ignored)" \
	"linux-image-6.12.117+deb12-amd64=6.12.117-1~deb12u1
linux-headers-6.12.117+deb12-amd64=6.12.117-1~deb12u1
linux-headers-6.12.117+deb12-common=6.12.117-1~deb12u1
linux-kbuild-6.12.117+deb12=6.12.117-1~deb12u1" \
	deb_kernel_set 6.12.117+deb12-amd64

export DEB_APT_DIR=$data/incomplete
expect "madison: Sources and i386 entries are skipped" "6.1.192-3
6.1.176-1" deb_versions linux-kbuild-6.1
expect "show: the stanza of the asked version, folded lines joined" \
	"linux-headers-6.1.0-57-common (= 6.1.195-1), linux-kbuild-6.1 (>= 6.1.195-1), linux-compiler-gcc-12-x86" \
	deb_depends linux-headers-6.1.0-57-amd64 6.1.195-1
expect_fail "a set without headers cannot be completed" \
	"linux-headers-6.1.0-58-amd64 \(= 6.1.200-1\): not in the archive" \
	deb_kernel_set 6.1.0-58-amd64
expect_fail "a set whose = pin on -common is not satisfied" \
	"linux-headers-6.1.0-57-common \(= 6.1.195-1\): available 6.1.195-2" \
	deb_kernel_set 6.1.0-57-amd64
expect "fallback: the newest complete set is 6.1.0-56" "6.1.0-56-amd64" \
	deb_pick_kernel 6.1.0-58-amd64 6.1.0-57-amd64 6.1.0-56-amd64
expect_fail "fallback: it says which it passed over and why" \
	"linux-image-6.1.0-57-amd64: set incomplete: linux-headers-6.1.0-57-common" \
	deb_pick_kernel 6.1.0-58-amd64 6.1.0-57-amd64
expect_fail "no complete set at all fails" "6.1.0-58-amd64: set incomplete" \
	deb_pick_kernel 6.1.0-58-amd64

# Positive control: the checker itself must see a wrong answer.
if (expect "control" "linux-kbuild-6.1=6.1.192-2" \
	deb_resolve "linux-kbuild-6.1 (>= 6.1.192-2)") | grep -q '^not ok'; then
	result 0 "control: a wrong expected version is reported as not ok"
else
	result 1 "control: a wrong expected version is reported as not ok"
fi

[ $n = $plan ] || { echo "# ran $n tests, planned $plan"; failed=$((failed + 1)); }
echo "# $((n - failed)) passed, $failed failed"
[ $failed = 0 ]

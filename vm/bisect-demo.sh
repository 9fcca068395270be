#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bisect part of make check-full:  vm/bisect-demo.sh [--prepare] LOGDIR
#
# Makes a git tree from Debian's linux-source-6.12 with the base of
# kernel/patches/bisect-demo/v1 (add-del-device-memory v2) as its first
# commits, applies the four bisect-demo commits with git am (harmless,
# harmless, the memmap_init_zone_device slowdown, harmless) and runs
# vm/bisect.sh with GOOD = the base and BAD = the last commit.  It must
# name the slowdown as the first bad commit.  The tree lives in
# $DEVMEM_CACHE/bisect-demo/linux and is made again when the series
# changes; ccache keeps each step's kernel build to a few minutes.
# Writes KTAP to LOGDIR/bisect.log, the bisect's files to LOGDIR/bisect/.
# --prepare makes the tree and stops there.
set -u
. "$(dirname "$0")/lib.sh"

prepare=0
if [ "${1:-}" = --prepare ]; then
	prepare=1
	shift
fi
logs=${1:?usage: $0 [--prepare] LOGDIR}
ktap=$logs/bisect.log
work=$DEVMEM_CACHE/bisect-demo
tree=$work/linux
demo=$DEVMEM_TOP/kernel/patches/bisect-demo/v1
tarball=/usr/src/linux-source-6.12.tar.xz
ktap_init "$ktap" bisect bisect-demo


finish()
{
	echo "# wall time $(( $(date +%s) - start )) s" >> "$ktap"
	exit "$KTAP_FAIL"
}

# git_demo ARGS...: git in the demo tree, with a fixed identity, and kept
# from finding the devmem repository above the cache.
git_demo()
{
	GIT_CEILING_DIRECTORIES=$work GIT_AUTHOR_NAME="devmem test suite" \
	GIT_AUTHOR_EMAIL=devmem@users.noreply.example \
	GIT_COMMITTER_NAME="devmem test suite" \
	GIT_COMMITTER_EMAIL=devmem@users.noreply.example \
		git -C "$tree" "$@"
}

mkdir -p "$logs"
: > "$ktap"
start=$(date +%s)

base=$(grep -v -e '^#' -e '^[[:space:]]*$' "$demo/base" 2>/dev/null)
base_patches=("$DEVMEM_TOP/kernel/patches/$base"/[0-9][0-9][0-9][0-9]-*.patch)
demo_patches=("$demo"/[0-9][0-9][0-9][0-9]-*.patch)
if [ ! -f "$tarball" ] || [ -z "$base" ] ||
   [ ! -f "${base_patches[0]}" ]; then
	ktap_skip all "no $tarball or no base series for $demo"
	finish
fi
want=$(for p in "${base_patches[@]}" "${demo_patches[@]}"; do
	case ${p##*/} in 0000-*) continue ;; esac
	sha256sum < "$p"
done | sha256sum | cut -c1-16)

t0=$SECONDS
if [ "$(cat "$work/stamp" 2>/dev/null)" != "$want" ]; then
	rm -rf "$work"
	mkdir -p "$tree"
	echo "bisect-demo: making a git tree of $tarball in $tree" >&2
	tar -xJf "$tarball" -C "$tree" --strip-components=1 &&
	git_demo init -q &&
	git_demo config gc.auto 0 &&	# no background repack of 80k files
	# -f: Debian's top-level .gitignore ignores everything ("/*").
	git_demo add -A -f . &&
	git_demo commit -q -m "linux-source-6.12 (Debian)" &&
	ok=1 || ok=0
	for p in "${base_patches[@]}"; do
		[ "$ok" = 1 ] || break
		case ${p##*/} in 0000-*) continue ;; esac
		git_demo am -q "$p" || ok=0
	done
	[ "$ok" = 0 ] || git_demo tag good || ok=0
	for p in "${demo_patches[@]}"; do
		[ "$ok" = 1 ] || break
		case ${p##*/} in 0000-*) continue ;; esac
		git_demo am -q "$p" || ok=0
	done
	[ "$ok" = 0 ] || git_demo tag bad || ok=0
	[ "$ok" = 0 ] || echo "$want" > "$work/stamp"
	ktap_result $((1 - ok)) tree "$((SECONDS - t0)) s"
	[ "$ok" = 1 ] || finish
else
	git_demo bisect reset > /dev/null 2>&1
	git_demo checkout -q bad
	ktap_result 0 tree "reused"
fi

[ $prepare = 0 ] || finish
expect=$(git_demo log -1 --format=%s bad~1)
rm -rf "$logs/bisect"
"$DEVMEM_TOP/vm/bisect.sh" --ksrc "$tree" --good good --bad bad \
	--out "$logs/bisect" > "$logs/bisect.out" 2>&1
rc=$?
got=$(cut -d' ' -f2- "$logs/bisect/first-bad" 2>/dev/null)
if [ $rc = 0 ] && [ "$got" = "$expect" ]; then
	ktap_result 0 first-bad "$got"
else
	tail -n 20 "$logs/bisect.out" >&2
	ktap_result 1 first-bad "exit $rc, found '${got:-nothing}', expected '$expect'; see $logs/bisect.out"
fi
steps=$(find "$logs/bisect" -name 'step-*.json' 2>/dev/null | wc -l)
echo "# $steps bisect steps" >> "$ktap"
finish

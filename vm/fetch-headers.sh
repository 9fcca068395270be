#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Give a Debian kernel dir a usable module build tree:
#
#   vm/fetch-headers.sh <kernel dir | debian-6.12 | debian-6.1>
#
# Debian splits a kernel's build tree over three packages:
# linux-headers-<release> (.config, Module.symvers, generated headers),
# linux-headers-<abi>-common (the source headers and the top Makefile) and
# linux-kbuild-<ver> (scripts/, fixdep, modpost).  They expect to live in
# /usr/src and /usr/lib.  Here they are fetched with `apt-get download` at
# the exact version of the kernel image, unpacked with dpkg-deb into
# <kernel dir>/headers/, and the one absolute path that matters (the
# arch Makefile's `include /usr/src/...-common/Makefile`) is made relative.
# Nothing is installed on the host.  Afterwards <kernel dir>/build points
# at the tree, so `make -C <kernel dir>/build M=...` builds a module.
#
# A kernel dir that already has a build tree (a `make kernel` build) is left
# alone.  Prints the build tree's path.
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: $0 <kernel dir|debian-6.12|debian-6.1>"
kdir=$(resolve_kernel "$1")
[ -d "$kdir" ] || die "'$1' is a bare image, not a kernel dir"
release=$(cat "$kdir/release")

if [ -f "$kdir/build/Makefile" ]; then
	(cd "$kdir/build" && pwd -P)
	exit 0
fi

# The image's Debian version, from the meta the fetcher wrote:
# source=debian:linux-image-<release>_<version>_amd64.deb
src=$(sed -n 's/^source=//p' "$kdir/meta" 2>/dev/null)
case $src in
debian:linux-image-*.deb) ;;
*)	die "$kdir: not a Debian kernel (source='$src') and it has no build tree" ;;
esac
version=${src#debian:linux-image-"$release"_}
version=${version%_*.deb}
[ -n "$version" ] && [ "$version" != "$src" ] ||
	die "cannot read the Debian version from '$src'"

debs=$DEVMEM_CACHE/deb
mkdir -p "$debs"

# fetch NAME: download NAME at $version into $debs (once) and print the
# path of the .deb.
fetch()
{
	local pkg=$1 deb

	deb=$(ls "$debs/${pkg}_${version/:/%3a}_"*.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		(cd "$debs" && apt-get download -q "$pkg=$version" >&2) ||
			die "apt-get download $pkg=$version failed (apt-get update?)"
		deb=$(ls "$debs/${pkg}_${version/:/%3a}_"*.deb | head -n 1)
	fi
	echo "$deb"
}

hdr_deb=$(fetch "linux-headers-$release")
# The arch package names its -common and kbuild companions in Depends.
deps=$(dpkg-deb -f "$hdr_deb" Depends | tr ',|' '\n\n' | awk '{print $1}')
common=$(echo "$deps" | grep -E '^linux-headers-.*-common$' | head -n 1)
kbuild=$(echo "$deps" | grep -E '^linux-kbuild-' | head -n 1)
[ -n "$common" ] && [ -n "$kbuild" ] ||
	die "$hdr_deb: no -common or linux-kbuild dependency in: $deps"
common_deb=$(fetch "$common")
kbuild_deb=$(fetch "$kbuild")

tmp=$(mktemp -d "$kdir/.headers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for deb in "$hdr_deb" "$common_deb" "$kbuild_deb"; do
	dpkg-deb -x "$deb" "$tmp"
done
tree=usr/src/linux-headers-$release
[ -f "$tmp/$tree/Makefile" ] || die "$hdr_deb has no $tree/Makefile"

# `include /usr/src/linux-headers-<abi>-common/Makefile` becomes relative
# to the arch tree, wherever the cache lives.
sed -i -E 's|^include /usr/src/([^/]+)/Makefile$|include ../\1/Makefile|' \
	"$tmp/$tree/Makefile"
if grep -n '/usr/src/' "$tmp/$tree/Makefile" >&2; then
	die "$tree/Makefile still names /usr/src"
fi
# lib/modules/<release>/{build,source} point into the host's /usr/src.
rm -rf "${tmp:?}/lib"
# Symlinks that leave the unpacked root would reach the host's /usr.
bad=$(find "$tmp/usr" -type l -lname '/*' -print)
[ -z "$bad" ] || die "absolute symlinks in the headers: $bad"
grep -q "\"$release\"" "$tmp/$tree/include/generated/utsrelease.h" ||
	die "$tree: utsrelease.h does not say $release"

rm -rf "$kdir/headers"
mv "$tmp" "$kdir/headers"
trap - EXIT
ln -sfn "headers/$tree" "$kdir/build"
(cd "$kdir/build" && pwd -P)

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
# /usr/src and /usr/lib.  Here they are fetched with `apt-get download`:
# the headers at the kernel image's version, -common and kbuild at the
# newest version that satisfies the headers' Depends relation (an exact pin
# fails when the archive replaces, say, linux-kbuild-6.1 6.1.192-2 by -3;
# vm/deb-resolve.sh), unpacked with dpkg-deb into
# <kernel dir>/headers/, and the one absolute path that matters (the
# arch Makefile's `include /usr/src/...-common/Makefile`) is made relative.
# Nothing is installed on the host.  Afterwards <kernel dir>/build points
# at the tree, so `make -C <kernel dir>/build M=...` builds a module.
#
# A kernel dir that already has a build tree (a `make kernel` build) is left
# alone.  Prints the build tree's path.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deb-resolve.sh"

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
if [ -z "$version" ] || [ "$version" = "$src" ]; then
	die "cannot read the Debian version from '$src'"
fi

debs=$DEVMEM_CACHE/deb
mkdir -p "$debs"

tmp=$(mktemp -d "$kdir/.headers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/apt" "$tmp/root"
deb_record "$tmp/apt" "$release"
set_lines=$(DEB_APT_DIR=$tmp/apt deb_companions "$release" "$version" \
	2>"$tmp/why") ||
	die "linux-image-$release $version: its module build tree cannot be completed from the archive: $(cat "$tmp/why"); run apt-get update, or make deps again to move to a kernel whose set is complete"

# fetch NAME=VERSION: download it into $debs (once) and print the .deb.
fetch()
{
	local pkg=${1%%=*} ver=${1#*=} deb

	deb=$debs/${pkg}_${ver/:/%3a}_$DEB_ARCH.deb
	[ -f "$deb" ] || deb=$debs/${pkg}_${ver/:/%3a}_all.deb
	if [ ! -f "$deb" ]; then
		(cd "$debs" && apt-get download -q "$pkg=$ver" >&2) ||
			die "apt-get download $pkg=$ver failed"
		deb=$(find "$debs" -maxdepth 1 -name "${pkg}_${ver/:/%3a}_*.deb" |
			head -n 1)
		[ -n "$deb" ] || die "apt-get download $pkg=$ver gave no .deb"
	fi
	echo "$deb"
}

root=$tmp/root
hdr_deb=
while read -r line; do
	echo "${0##*/}: $line" >&2
	deb=$(fetch "$line") || exit 1
	dpkg-deb -x "$deb" "$root"
	hdr_deb=${hdr_deb:-$deb}
done <<< "$set_lines"
tree=usr/src/linux-headers-$release
[ -f "$root/$tree/Makefile" ] || die "$hdr_deb has no $tree/Makefile"

# `include /usr/src/linux-headers-<abi>-common/Makefile` becomes relative
# to the arch tree, wherever the cache lives.
sed -i -E 's|^include /usr/src/([^/]+)/Makefile$|include ../\1/Makefile|' \
	"$root/$tree/Makefile"
if grep -n '/usr/src/' "$root/$tree/Makefile" >&2; then
	die "$tree/Makefile still names /usr/src"
fi
# lib/modules/<release>/{build,source} point into the host's /usr/src.
rm -rf "${root:?}/lib"
# Symlinks that leave the unpacked root would reach the host's /usr.
bad=$(find "$root/usr" -type l -lname '/*' -print)
[ -z "$bad" ] || die "absolute symlinks in the headers: $bad"
grep -q "\"$release\"" "$root/$tree/include/generated/utsrelease.h" ||
	die "$tree: utsrelease.h does not say $release"

rm -rf "$kdir/headers"
mv "$root" "$kdir/headers"
ln -sfn "headers/$tree" "$kdir/build"
(cd "$kdir/build" && pwd -P)

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch one of Debian's prebuilt kernels into the cache as a kernel dir the
# VM runner boots:  vm/fetch-kernel.sh debian-6.12|debian-6.1
#
# The image package is fetched with `apt-get download` and unpacked with
# dpkg-deb into $DEVMEM_CACHE/kernels/debian-<release>/; nothing is
# installed on the host.  Modules stay as Debian ships them (.ko.xz); the
# initramfs builder decompresses the ones the guest needs.
#
# The kernel is the newest whose whole set can be fetched: the image, its
# linux-headers-<release> at the same version, and the -common and
# linux-kbuild packages those headers depend on, resolved by their Depends
# relation (vm/deb-resolve.sh).  When the newest cannot be completed (the
# archive dropped a version it needs), the next one is taken and the
# message says which and why.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deb-resolve.sh"

[ $# -eq 1 ] || die "usage: $0 debian-6.12|debian-6.1"
case $1 in
debian-6.12)	pattern='6\.12\.[0-9]+\+deb12-amd64' ;;
debian-6.1)	pattern='6\.1\.0-[0-9]+-amd64' ;;
*)		die "unknown Debian kernel '$1': expected debian-6.12 or debian-6.1" ;;
esac

# The newest few releases, newest first.
mapfile -t cands < <(apt-cache search --names-only "^linux-image-$pattern\$" \
	2>/dev/null | awk '{print $1}' | sed 's/^linux-image-//' |
	sort -V -r | head -n 4)
[ ${#cands[@]} -gt 0 ] ||
	die "no package matches linux-image-$pattern; run apt-get update"

mkdir -p "$KERNELS_DIR"
tmp=$(mktemp -d "$KERNELS_DIR/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/apt"
deb_record "$tmp/apt" "${cands[@]}"
release=$(DEB_APT_DIR=$tmp/apt deb_pick_kernel "${cands[@]}") ||
	die "no linux-image-$pattern has a complete set (image, headers, -common, kbuild) in the archive: ${cands[*]}"
[ "$release" = "${cands[0]}" ] ||
	warn "using linux-image-$release, not the newest linux-image-${cands[0]}: its set cannot be completed (above)"
pkg=linux-image-$release
version=$(DEB_APT_DIR=$tmp/apt deb_resolve "$pkg")
version=${version#*=}
dir=$KERNELS_DIR/debian-$release
if is_kernel_dir "$dir"; then
	echo "$dir"
	exit 0
fi

debs=$DEVMEM_CACHE/deb
mkdir -p "$debs"
deb=$debs/${pkg}_${version/:/%3a}_$DEB_ARCH.deb
if [ ! -f "$deb" ]; then
	(cd "$debs" && apt-get download -q "$pkg=$version" >&2) ||
		die "apt-get download $pkg=$version failed"
fi
[ -f "$deb" ] || die "apt-get download $pkg=$version did not give $deb"
dpkg-deb -x "$deb" "$tmp/root"
mkdir -p "$tmp/k"
cp "$tmp/root/boot/vmlinuz-$release" "$tmp/k/vmlinuz"
cp "$tmp/root/boot/config-$release" "$tmp/k/config"
echo "$release" > "$tmp/k/release"
mkdir -p "$tmp/k/modules/lib"
mv "$tmp/root/lib/modules" "$tmp/k/modules/lib/modules"
depmod -b "$tmp/k/modules" "$release"
{
	echo "name=debian-$release"
	echo "source=debian:$(basename "$deb")"
	echo "config_hash=sha256:$(sha256sum < "$tmp/k/config" | cut -d' ' -f1)"
} > "$tmp/k/meta"
rm -rf "$dir"
mv "$tmp/k" "$dir"
echo "$dir"

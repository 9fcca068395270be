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
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: $0 debian-6.12|debian-6.1"
case $1 in
debian-6.12)	pattern='6\.12\.[0-9]+\+deb12-amd64' ;;
debian-6.1)	pattern='6\.1\.0-[0-9]+-amd64' ;;
*)		die "unknown Debian kernel '$1': expected debian-6.12 or debian-6.1" ;;
esac

pkg=$(newest_deb_kernel "$pattern")
[ -n "$pkg" ] || die "no package matches linux-image-$pattern; run apt-get update"
release=${pkg#linux-image-}
dir=$KERNELS_DIR/debian-$release
if is_kernel_dir "$dir"; then
	echo "$dir"
	exit 0
fi

debs=$DEVMEM_CACHE/deb
mkdir -p "$debs" "$KERNELS_DIR"
(cd "$debs" && apt-get download -q "$pkg" >&2) ||
	die "apt-get download $pkg failed"
deb=$(ls "$debs/${pkg}_"*.deb | sort -V | tail -n 1)

tmp=$(mktemp -d "$KERNELS_DIR/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
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

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what devmem needs on a Debian 12 host, fetch the guest kernels
# and unpack the kernel tree whose kselftest framework builds the tests:
#
#   vm/deps.sh            (make deps; KERNELS="debian-6.12 debian-6.1")
#
# Packages come from Debian's archive with apt-get (root needed for that
# step only; it is skipped when everything is installed).  Kernels, their
# module build trees and the source tree go to the cache; nothing is
# installed into the host's /boot, /lib/modules or /usr/src.
set -eu
. "$(dirname "$0")/lib.sh"

PACKAGES="qemu-system-x86 ndctl daxctl libndctl-dev libdaxctl-dev uuid-dev
libjson-c-dev fio busybox-static cpio xz-utils zstd rsync kmod file gcc
make pkg-config linux-source-6.12 bc flex bison libelf-dev libssl-dev
ccache gnuplot-nox chromium"
KERNELS=${KERNELS:-debian-6.12 debian-6.1}

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing" >&2
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null ||
			die "not root and no sudo; install as root:$missing"
		SUDO=sudo
	else
		SUDO=
	fi
	$SUDO apt-get update -q >&2 || die "apt-get update failed"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
		--no-install-recommends $missing >&2 ||
		die "apt-get install failed for:$missing"
else
	# apt-cache needs a package list to find the kernel images.
	[ -n "$(ls /var/lib/apt/lists/*Packages* 2>/dev/null)" ] ||
		${SUDO:-} apt-get update -q >&2
fi

mkdir -p "$DEVMEM_CACHE"
src=$DEVMEM_CACHE/linux-source-6.12
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || die "linux-source-6.12 is installed but has no tarball in /usr/src"
if [ ! -f "$src/.devmem-unpacked" ] || [ "$tarball" -nt "$src/.devmem-unpacked" ]; then
	echo "deps: unpacking $tarball" >&2
	rm -rf "$src"
	tar -C "$DEVMEM_CACHE" -xf "$tarball"
	touch "$src/.devmem-unpacked"
fi

for k in $KERNELS; do
	kdir=$("$DEVMEM_TOP/vm/fetch-kernel.sh" "$k")
	"$DEVMEM_TOP/vm/fetch-headers.sh" "$kdir" >/dev/null
	echo "deps: $k -> $kdir" >&2
done

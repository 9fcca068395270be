#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what devmem needs on a Debian 12 host, fetch the guest kernels
# and unpack the kernel tree whose kselftest framework builds the tests:
#
#   vm/deps.sh [--force]  (make deps; KERNELS="debian-6.12 debian-6.1")
#
# Packages come from Debian's archive with apt-get (root needed for that
# step only; it is skipped when everything is installed).  Kernels, their
# module build trees and the source tree go to the cache; nothing is
# installed into the host's /boot, /lib/modules or /usr/src.
#
# Every make target that builds or runs something depends on this step, so
# it is stamped: $DEVMEM_CACHE/deps.stamp holds a hash of the package list,
# KERNELS and the deps scripts, and while the hash matches and a quick look
# finds everything in place (packages installed, source unpacked, each
# kernel with its build tree) the script does nothing (tens of ms).
# --force redoes it all, e.g. to move to a newer kernel in the archive.
set -eu
. "$(dirname "$0")/lib.sh"

force=0
case ${1:-} in
'')		;;
--force)	force=1 ;;
*)		die "usage: $0 [--force]" ;;
esac
[ $# -le 1 ] || die "usage: $0 [--force]"

# What a fresh Debian 12 (minbase) lacks for `make bench`, `make check`,
# `make kernel`, `make lint` and `make fresh-check`; dwarves is pahole, which
# Debian's 6.12 headers need to build devmem_test.ko (BTF for modules).
# lava-dispatcher (lava-run) and lava-common (the job schema) for make
# lava-try and the LAVA job test, python3-jsonschema for the KCIDB schema
# (used through /usr/bin/python3).
PACKAGES="qemu-system-x86 ndctl daxctl libndctl-dev libdaxctl-dev uuid-dev
libjson-c-dev fio busybox-static cpio xz-utils zstd rsync kmod file gcc
libc6-dev make pkg-config linux-source-6.12 bc flex bison libelf-dev
libssl-dev dwarves perl git ccache gnuplot-nox chromium shellcheck
debootstrap ca-certificates jq e2fsprogs
lava-dispatcher lava-common python3-jsonschema python3-yaml"
KERNELS=${KERNELS:-debian-6.12 debian-6.1}

stamp=$DEVMEM_CACHE/deps.stamp
key=$({
	echo "$PACKAGES"
	echo "$KERNELS"
	cat "$DEVMEM_TOP/vm/deps.sh" "$DEVMEM_TOP/vm/fetch-kernel.sh" \
		"$DEVMEM_TOP/vm/fetch-headers.sh" "$DEVMEM_TOP/vm/deb-resolve.sh"
} | sha256sum | cut -d' ' -f1)

# all_there: everything the last full run made is still in place.
all_there()
{
	local k d n

	n=$(wc -w <<< "$PACKAGES")
	# shellcheck disable=SC2086 # one package name a word
	[ "$(dpkg-query -W -f='${Status}\n' $PACKAGES 2>/dev/null |
		grep -c ' ok installed$')" = "$n" ] || return 1
	[ -f "$DEVMEM_CACHE/linux-source-6.12/.devmem-unpacked" ] || return 1
	for k in $KERNELS; do
		d=$(resolve_kernel "$k" 2>/dev/null) &&
			[ -f "$d/build/Makefile" ] || return 1
	done
}

if [ $force = 0 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] &&
   all_there; then
	exit 0
fi
rm -f "$stamp"

if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing" >&2
	[ -z "$SUDO" ] || command -v sudo >/dev/null ||
		die "not root and no sudo; install as root:$missing"
	$SUDO apt-get update -q >&2 || die "apt-get update failed"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
		--no-install-recommends $missing >&2 ||
		die "apt-get install failed for:$missing"
else
	# apt-cache needs a package list to find the kernel images.
	[ -n "$(ls /var/lib/apt/lists/*Packages* 2>/dev/null)" ] ||
		$SUDO apt-get update -q >&2 || die "apt-get update failed"
fi

mkdir -p "$DEVMEM_CACHE"
src=$DEVMEM_CACHE/linux-source-6.12
tarball=
for f in /usr/src/linux-source-6.12.tar.*; do
	[ -f "$f" ] && tarball=$f && break
done
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
echo "$key" > "$stamp"

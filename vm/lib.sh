# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared helpers for the vm/ scripts: messages, the cache layout and kernel
# name resolution.  Sourced, never run.

DEVMEM_TOP=${DEVMEM_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
DEVMEM_CACHE=${DEVMEM_CACHE:-$DEVMEM_TOP/.cache}
KERNELS_DIR=$DEVMEM_CACHE/kernels

die()
{
	echo "${0##*/}: error: $*" >&2
	exit 1
}

warn()
{
	echo "${0##*/}: $*" >&2
}

# newest_deb_kernel PATTERN: the newest Debian kernel image package whose
# name matches the extended regex PATTERN, e.g. '6\.12\.[0-9]+\+deb12-amd64'.
newest_deb_kernel()
{
	apt-cache search --names-only "^linux-image-$1\$" 2>/dev/null |
		awk '{print $1}' | sort -V | tail -n 1
}

# A "kernel dir" is what the VM runner boots: vmlinuz, release (uname -r),
# config, and optionally modules/lib/modules/<release>/ and meta (key=value
# lines: name, source, series, revision, config_hash).
is_kernel_dir()
{
	[ -f "$1/vmlinuz" ] && [ -f "$1/release" ]
}

# resolve_kernel SPEC: print the kernel dir for SPEC, which is a kernel dir,
# a name under the cache (debian-6.12, debian-6.1, a `make kernel` build) or
# a bzImage path (then the caller handles modules).  Fails with a message.
resolve_kernel()
{
	local spec=$1 d

	if [ -d "$spec" ] && is_kernel_dir "$spec"; then
		(cd "$spec" && pwd)
		return 0
	fi
	case $spec in
	debian-6.12|debian-6.1)
		# The newest with a module build tree (vm/fetch-kernel.sh
		# passes over a kernel whose headers cannot be completed),
		# else the newest.
		d=$(printf '%s\n' "$KERNELS_DIR/$spec".*-amd64 | sort -V -r |
			while read -r c; do
				[ -f "$c/build/Makefile" ] && echo "$c" && break
			done)
		[ -n "$d" ] || d=$(printf '%s\n' "$KERNELS_DIR/$spec".*-amd64 |
			sort -V | tail -n 1)
		[ -n "$d" ] && is_kernel_dir "$d" && { echo "$d"; return 0; }
		die "kernel '$spec' is not in the cache; run: make deps KERNELS='$spec'"
		;;
	esac
	if [ -d "$KERNELS_DIR/$spec" ] && is_kernel_dir "$KERNELS_DIR/$spec"; then
		echo "$KERNELS_DIR/$spec"
		return 0
	fi
	if [ -f "$spec" ]; then
		echo "$spec"
		return 0
	fi
	die "unknown kernel '$spec': not a kernel dir, a bzImage, or one of debian-6.12, debian-6.1, $(find "$KERNELS_DIR" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null)"
}

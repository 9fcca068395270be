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

# KTAP results of a check script (make check reads them):
#   ktap_init FILE PREFIX [TAG]   results go to FILE as "ok N PREFIX.NAME";
#                                 ktap_diag also tells stderr, as TAG:
#   ktap_result STATUS NAME [DETAIL]   ok when STATUS is 0, else not ok
#   ktap_skip NAME REASON
#   ktap_diag TEXT...
# KTAP_N counts the results; KTAP_FAIL is 1 once one failed.
# shellcheck disable=SC2034 # KTAP_FAIL and KTAP_N are read by the caller
ktap_init()
{
	KTAP_FILE=$1 KTAP_PREFIX=$2 KTAP_TAG=${3:-$2} KTAP_N=0 KTAP_FAIL=0
}

# shellcheck disable=SC2034 # KTAP_FAIL is read by the caller
ktap_result()
{
	KTAP_N=$((KTAP_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $KTAP_N $KTAP_PREFIX.$2${3:+ # $3}" >> "$KTAP_FILE"
	else
		echo "not ok $KTAP_N $KTAP_PREFIX.$2${3:+ # $3}" >> "$KTAP_FILE"
		KTAP_FAIL=1
	fi
}

ktap_skip()
{
	KTAP_N=$((KTAP_N + 1))
	echo "ok $KTAP_N $KTAP_PREFIX.$1 # SKIP $2" >> "$KTAP_FILE"
}

ktap_diag()
{
	echo "# $*" >> "$KTAP_FILE"
	echo "$KTAP_TAG: $*" >&2
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a devmem guest kernel and publish it as a kernel dir the VM runner
# boots.  Usually run as `make kernel [SERIES=name REV=vN] [DEBUG=1]
# [KSRC=tree]`; see usage() for the layout of the cache.
#
# The last line on stdout is the kernel dir; everything else goes to stderr.
set -eu
set -o pipefail

KERNEL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$KERNEL_TOP/../vm/lib.sh"

# kbuild runs from the source copy: every cache path must be absolute.
mkdir -p "$DEVMEM_CACHE" || die "cannot create DEVMEM_CACHE=$DEVMEM_CACHE"
DEVMEM_CACHE=$(cd "$DEVMEM_CACHE" && pwd)
KERNELS_DIR=$DEVMEM_CACHE/kernels

PATCHES_DIR=$KERNEL_TOP/patches
CONFIGS_DIR=$KERNEL_TOP/configs
KBUILD_DIR=$DEVMEM_CACHE/kbuild
DEB_PACKAGE=linux-source-6.12
DEB_TARBALL=/usr/src/$DEB_PACKAGE.tar.xz
JOBS=${JOBS:-2}
# ccache lives outside the clone (like ccache's own default), so that a new
# clone or a CI checkout does not compile the kernel from cold again.
if [ -n "${DEVMEM_CCACHE_DIR:-}" ]; then
	CCACHE_STORE=$DEVMEM_CCACHE_DIR
elif [ -n "${HOME:-}" ] && [ "$HOME" != / ]; then
	CCACHE_STORE=${XDG_CACHE_HOME:-$HOME/.cache}/devmem/ccache
else
	CCACHE_STORE=$DEVMEM_CACHE/ccache
fi

usage()
{
	cat <<EOF
usage: ${0##*/} [--series NAME --rev vN] [--debug] [--ksrc DIR]

Build a bzImage from Debian's $DEB_PACKAGE (or the tree DIR), optionally
with the patch series kernel/patches/NAME/vN applied, configured as
x86_64_defconfig + kernel/configs/guest.config (+ debug.config), and print
the kernel dir that \`vm/run.sh --kernel\` and \`make bench KERNEL=\` take.

  --series NAME   a folder under kernel/patches ($(list_series))
  --rev vN        a revision of that series (required with --series)
  --debug[=0|1]   also merge kernel/configs/debug.config (KASAN, DEBUG_VM...)
  --ksrc DIR      build this kernel tree instead of $DEB_TARBALL;
                  it is copied first and must be clean (no .config)
  -h, --help      this text

Cache (DEVMEM_CACHE=$DEVMEM_CACHE):
  kbuild/<source>-<series>-<rev>/          patched source copy
  kbuild/<source>-<series>-<rev>/obj-<h>/  object dir, h = config hash
  kernels/<release>/                       the kernel dir: vmlinuz, release,
                                           config, meta, build -> object dir
  ccache: \$DEVMEM_CCACHE_DIR, default ~/.cache/devmem/ccache: shared by
  every copy and every clone of devmem (paths are relative to the cache, so
  a second clone hits what the first one compiled)
A second run with nothing changed is a cache hit and builds nothing.
Environment: JOBS (make -j, default 2), DEVMEM_CACHE, DEVMEM_CCACHE_DIR.
EOF
}

list_series()
{
	local d out=

	for d in "$PATCHES_DIR"/*/; do
		[ -d "$d" ] && out="$out${out:+ }$(basename "$d")"
	done
	echo "${out:-none}"
}

list_revs()
{
	local d out=

	for d in "$PATCHES_DIR/$1"/*/; do
		[ -d "$d" ] && out="$out${out:+ }$(basename "$d")"
	done
	echo "${out:-none}"
}

sha256()
{
	sha256sum | cut -d' ' -f1
}

# kmake ARGS...: make in the source copy, with ccache, niced, and without
# anything the caller's make or environment could leak into kbuild.
kmake()
{
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u BUILD \
		-u O -u KBUILD_OUTPUT -u KCONFIG_CONFIG -u CROSS_COMPILE \
		CCACHE_DIR="$CCACHE_STORE" \
		CCACHE_BASEDIR="$DEVMEM_CACHE" \
		CCACHE_MAXSIZE=10G \
		nice -n 10 make -C "$srcdir" ARCH=x86_64 \
		CC="ccache gcc" HOSTCC="ccache gcc" \
		LOCALVERSION="$localversion" "$@"
}

# check_config CONFIG FRAGMENT...: every option a fragment requests must have
# survived olddefconfig; a later fragment overrides an earlier one.  Prints
# each one that did not and fails.
check_config()
{
	local config=$1 frag line opt want got bad=0
	declare -A wanted=() origin=()
	local order=()

	shift
	for frag in "$@"; do
		while IFS= read -r line; do
			case $line in
			CONFIG_*=*)
				opt=${line%%=*}
				want=${line#*=}
				;;
			"# CONFIG_"*" is not set")
				opt=${line#\# }
				opt=${opt%% *}
				want=n
				;;
			*)
				continue
				;;
			esac
			[ -n "${wanted[$opt]+set}" ] || order+=("$opt")
			wanted[$opt]=$want
			origin[$opt]=${frag##*/}
		done < "$frag"
	done

	for opt in "${order[@]}"; do
		want=${wanted[$opt]}
		if grep -q "^$opt=" "$config"; then
			got=$(sed -n "s/^$opt=//p" "$config")
		elif grep -q "^# $opt is not set" "$config"; then
			got=n
		else
			got=absent
		fi
		[ "$want" != "$got" ] || continue
		[ "$want:$got" != n:absent ] || continue
		[ "$got" != absent ] || got="absent (unmet dependency?)"
		[ "$got" != n ] || got="is not set"
		echo "  $opt: ${origin[$opt]} wants '$want', got '$got'" >&2
		bad=1
	done
	return $bad
}

# add_series_patches SERIES/REV DEPTH: append the revision's patches to
# patches[], after those of its base.  A revision folder may hold a file
# `base` naming another revision (one line, "series/vN") that it applies on
# top of, e.g. a test-only slowdown on the series make check builds; bases
# may chain, up to 4 deep.  base_chain lists them, nearest last.
base_chain=
add_series_patches()
{
	local sr=$1 depth=$2 base p n=0

	if [ -f "$PATCHES_DIR/$sr/base" ]; then
		[ "$depth" -lt 4 ] ||
			die "kernel/patches/$sr/base: bases nested more than 4 deep (a loop?)"
		base=$(grep -v -e '^#' -e '^[[:space:]]*$' "$PATCHES_DIR/$sr/base")
		case $base in
		*/*/*|.*|*/.*|*[!A-Za-z0-9._/-]*|'')
			die "kernel/patches/$sr/base: '$base' is not one 'series/vN' line" ;;
		*/*)	;;
		*)	die "kernel/patches/$sr/base: '$base' is not one 'series/vN' line" ;;
		esac
		[ -d "$PATCHES_DIR/$base" ] ||
			die "kernel/patches/$sr/base names '$base', which is not a folder under kernel/patches"
		add_series_patches "$base" $((depth + 1))
		base_chain="$base_chain${base_chain:+ }$base"
	fi
	for p in "$PATCHES_DIR/$sr"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ -f "$p" ] || continue
		case ${p##*/} in
		0000-*) ;;	# the cover letter
		*)	patches+=("$p"); n=$((n + 1)) ;;
		esac
	done
	[ $n -gt 0 ] || die "no NNNN-*.patch files in kernel/patches/$sr"
}

# series_features SERIES/REV...: what these revisions claim about the
# kernel, from their `features` files (names of [a-z0-9-], separated by
# commas, blanks or lines; # comments), as one sorted comma list.  It goes
# into the kernel dir's meta as features=; the VM runner hands it to the
# KTAP summariser (shrinks-device-span: an XFAIL of a span test is then a
# failure).  A revision on a base inherits the base's features.
series_features()
{
	local sr w words ws all=()

	for sr in "$@"; do
		[ -f "$PATCHES_DIR/$sr/features" ] || continue
		words=$(sed 's/#.*//; s/,/ /g' "$PATCHES_DIR/$sr/features" | tr '\n' ' ')
		read -ra ws <<< "$words"
		for w in "${ws[@]}"; do
			[[ $w =~ ^[a-z0-9][a-z0-9-]*$ ]] ||
				die "kernel/patches/$sr/features: '$w' is not a feature name (letters a-z, digits, '-')"
			all+=("$w")
		done
	done
	[ ${#all[@]} -gt 0 ] || return 0
	printf '%s\n' "${all[@]}" | LC_ALL=C sort -u | paste -sd, -
}

# --- options ---------------------------------------------------------------

series='' rev='' debug=0 ksrc=''
while [ $# -gt 0 ]; do
	case $1 in
	--series|--rev|--ksrc)
		[ $# -ge 2 ] || die "option $1 needs a value (see --help)"
		eval "${1#--}=\$2"
		shift 2
		;;
	--series=*|--rev=*|--ksrc=*)
		opt=${1%%=*}
		eval "${opt#--}=\${1#*=}"
		shift
		;;
	--debug)
		debug=1
		shift
		;;
	--debug=*)
		case ${1#*=} in
		1|y|yes)	debug=1 ;;
		0|n|no|'')	debug=0 ;;
		*)		die "bad DEBUG value '${1#*=}': expected 0 or 1" ;;
		esac
		shift
		;;
	-h|--help)
		usage
		exit 0
		;;
	*)
		die "unknown option '$1' (see --help)"
		;;
	esac
done

# --- what to build ---------------------------------------------------------

patches=()
if [ -n "$series$rev" ]; then
	[ -n "$series" ] || die "REV=$rev given without SERIES= (series: $(list_series))"
	case $series/$rev in
	.*|*/.*|*/*/*|*[!A-Za-z0-9._/-]*)
		die "bad SERIES '$series' or REV '$rev': use letters, digits, '.', '_', '-'" ;;
	esac
	[ -d "$PATCHES_DIR/$series" ] ||
		die "unknown series '$series': kernel/patches has $(list_series)"
	[ -n "$rev" ] || die "SERIES=$series needs REV= (revisions: $(list_revs "$series"))"
	[ -d "$PATCHES_DIR/$series/$rev" ] ||
		die "unknown revision '$rev' of $series: it has $(list_revs "$series")"
	add_series_patches "$series/$rev" 0
	# The hash names each patch by series/rev/file, so that a series on
	# a base never collides with the base's own copy; a series without
	# one keeps the bare file names (and the cache keys it had before).
	patches_hash=$(for p in "${patches[@]}"; do
		if [ -n "$base_chain" ]; then
			echo "${p#"$PATCHES_DIR"/} $(sha256 < "$p")"
		else
			echo "${p##*/} $(sha256 < "$p")"
		fi
	done | sha256)
else
	patches_hash=none
fi

fragments=("$CONFIGS_DIR/guest.config")
[ "$debug" = 0 ] || fragments+=("$CONFIGS_DIR/debug.config")
for f in "${fragments[@]}"; do
	[ -f "$f" ] || die "missing config fragment $f"
done

if [ -n "$ksrc" ]; then
	[ -d "$ksrc" ] || die "KSRC=$ksrc is not a directory"
	ksrc=$(cd "$ksrc" && pwd)
	if [ ! -f "$ksrc/Makefile" ] || [ ! -f "$ksrc/Kconfig" ] ||
	   [ ! -f "$ksrc/arch/x86/configs/x86_64_defconfig" ]; then
		die "KSRC=$ksrc is not a Linux source tree (no Makefile, Kconfig or arch/x86/configs/x86_64_defconfig)"
	fi
	if [ -e "$ksrc/.config" ] || [ -d "$ksrc/include/config" ]; then
		die "KSRC=$ksrc is not clean (it has a .config); run 'make mrproper' there"
	fi
	# Any change to the tree (path, size, mtime of a file) makes a new copy.
	fp=$(cd "$ksrc" && find . -path ./.git -prune -o \( -type f -o -type l \) \
		-printf '%P\t%s\t%T@\n' | LC_ALL=C sort | sha256)
	source_id="tree:$ksrc@${fp:0:12}"
	srctag=tree-${fp:0:12}
else
	[ -f "$DEB_TARBALL" ] ||
		die "$DEB_TARBALL is missing: apt-get install $DEB_PACKAGE (or give KSRC=)"
	debver=$(dpkg-query -W -f='${Version}' "$DEB_PACKAGE" 2>/dev/null) ||
		die "$DEB_PACKAGE is not installed (dpkg-query failed)"
	source_id="debian:$DEB_PACKAGE=$debver"
	srctag=debian-$debver
fi

if [ -n "$series" ]; then
	srckey=$srctag-$series-$rev
	localversion=-$series-$rev
else
	srckey=$srctag-baseline
	localversion=
fi
[ "$debug" = 0 ] || localversion=$localversion-debug
srcdir=$KBUILD_DIR/$srckey

if ! command -v ccache >/dev/null; then
	warn "ccache is missing; installing it with apt-get"
	apt-get install -y -q ccache >&2 || die "apt-get install ccache failed"
fi

mkdir -p "$KBUILD_DIR" "$KERNELS_DIR" "$CCACHE_STORE" ||
	die "cannot create the build cache folders (CCACHE_STORE=$CCACHE_STORE)"
exec 9>"$KBUILD_DIR/.$srckey.lock"
if ! flock -n 9; then
	warn "waiting for another build of $srckey"
	flock 9
fi

# --- the source copy -------------------------------------------------------

stamp="source=$source_id
patches=$patches_hash"
if [ ! -f "$srcdir/.devmem-source" ] ||
   [ "$(cat "$srcdir/.devmem-source")" != "$stamp" ]; then
	# A changed patch or tree invalidates the copy and its object dirs:
	# make would miss files that were patched before and are not now.
	rm -rf "$srcdir" "$srcdir.new"
	mkdir -p "$srcdir.new"
	trap 'rm -rf "$srcdir.new"' EXIT
	if [ -n "$ksrc" ]; then
		warn "copying $ksrc to $srcdir"
		rsync -a --exclude=/.git "$ksrc/" "$srcdir.new/" ||
			die "copying $ksrc failed"
	else
		warn "unpacking $DEB_TARBALL to $srcdir"
		tar -xJf "$DEB_TARBALL" -C "$srcdir.new" --strip-components=1 ||
			die "unpacking $DEB_TARBALL failed"
	fi
	for p in "${patches[@]}"; do
		warn "applying ${p#"$PATCHES_DIR"/}"
		# Keep git from finding the devmem repository above the cache:
		# it would take the paths as relative to that repository.
		if ! out=$(GIT_CEILING_DIRECTORIES=$KBUILD_DIR \
			   git -C "$srcdir.new" apply "$p" 2>&1); then
			echo "$out" >&2
			die "patch kernel/patches/${p#"$PATCHES_DIR"/} does not apply to $source_id"
		fi
	done
	echo "$stamp" > "$srcdir.new/.devmem-source"
	mv "$srcdir.new" "$srcdir"
	trap - EXIT
fi

# --- the configuration -----------------------------------------------------

cfgdir=$srcdir/obj-config
mkdir -p "$cfgdir"
rm -f "$cfgdir/.config"
if ! (cd "$srcdir" && ./scripts/kconfig/merge_config.sh -m -O "$cfgdir" \
	arch/x86/configs/x86_64_defconfig "${fragments[@]}") \
	> "$cfgdir/merge.log" 2>&1; then
	cat "$cfgdir/merge.log" >&2
	die "merge_config.sh failed"
fi
kmake -s O="$cfgdir" olddefconfig >&2 || die "make olddefconfig failed"
if ! check_config "$cfgdir/.config" "${fragments[@]}"; then
	die "the options above did not survive olddefconfig (config: $cfgdir/.config)"
fi
config_hash=$(sha256 < "$cfgdir/.config")
objdir=$srcdir/obj-${config_hash:0:12}

kversion=$(kmake -s O="$cfgdir" kernelversion) || die "make kernelversion failed"
config_lv=$(sed -n 's/^CONFIG_LOCALVERSION="\(.*\)"$/\1/p' "$cfgdir/.config")
release=$kversion$config_lv$localversion
name=$release
[ -z "$ksrc" ] || name=$release+$srctag
kdir=$KERNELS_DIR/$name

meta="name=$name
source=$source_id
series=$series
revision=$rev
patches=$patches_hash${base_chain:+
base=$base_chain}
debug=$debug
config_hash=sha256:$config_hash"
# Not part of the cache key: a features file is a claim about the patches,
# not a change of the kernel; a cache hit rewrites it (below).
features=
if [ -n "$series" ]; then
	read -ra bases <<< "$base_chain"
	features=$(series_features "${bases[@]}" "$series/$rev")
fi
features_line="features=$features"

# --- cache hit? --------------------------------------------------------------

if is_kernel_dir "$kdir" && [ -f "$kdir/meta" ] &&
   [ "$(grep -v -e '^build_seconds=' -e '^built=' -e '^features=' "$kdir/meta")" = "$meta" ] &&
   [ "$(readlink "$kdir/build")" = "$objdir" ] &&
   cmp -s "$kdir/vmlinuz" "$objdir/arch/x86/boot/bzImage"; then
	if ! grep -qxF -e "$features_line" "$kdir/meta"; then
		if ! { grep -v '^features=' "$kdir/meta"
		       echo "$features_line"; } > "$kdir/meta.tmp" ||
		   ! mv "$kdir/meta.tmp" "$kdir/meta"; then
			die "cannot rewrite $kdir/meta"
		fi
		warn "cache hit: $name is up to date; its meta now says $features_line"
	else
		warn "cache hit: $name is up to date"
	fi
	echo "$kdir"
	exit 0
fi

# --- build -------------------------------------------------------------------

mkdir -p "$objdir"
cmp -s "$cfgdir/.config" "$objdir/.config" || cp "$cfgdir/.config" "$objdir/.config"
log=$objdir/build.log
warn "building $name in $objdir (log: $log)"
start=$(date +%s)
# `modules` writes Module.symvers, which out-of-tree modules link against;
# everything is built in, so it produces no .ko.
if ! kmake O="$objdir" -j"$JOBS" bzImage modules 2>&1 | tee "$log" >&2; then
	die "kernel build failed; see $log"
fi
secs=$(( $(date +%s) - start ))
warn "built $name in ${secs}s"

[ "$(sha256 < "$objdir/.config")" = "$config_hash" ] ||
	die "the build changed $objdir/.config; compare it with $cfgdir/.config"
built_release=$(cat "$objdir/include/config/kernel.release")
[ "$built_release" = "$release" ] ||
	die "built release '$built_release', expected '$release'"
[ -f "$objdir/Module.symvers" ] || die "no Module.symvers in $objdir"

# --- publish the kernel dir ----------------------------------------------------

tmp=$(mktemp -d "$KERNELS_DIR/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$objdir/arch/x86/boot/bzImage" "$tmp/vmlinuz"
echo "$release" > "$tmp/release"
cp "$objdir/.config" "$tmp/config"
ln -s "$objdir" "$tmp/build"
{
	echo "$meta"
	echo "$features_line"
	echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "build_seconds=$secs"
} > "$tmp/meta"
chmod 755 "$tmp"
rm -rf "$kdir"
mv "$tmp" "$kdir"
trap - EXIT
echo "$kdir"

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Debian package resolution for the kernel fetchers: which version of a
# companion package satisfies a Depends relation, and which kernel's set
# (image + headers + -common + kbuild) can be completed from the archive.
# Sourced, never run (vm/fetch-kernel.sh, vm/fetch-headers.sh and the host
# test vm/tests/test-resolver.sh).
#
# Versions are never pinned to the image's own version: Debian publishes a
# rebuilt linux-kbuild-6.1 6.1.192-3 and drops -2 while the headers still
# say `linux-kbuild-6.1 (>= 6.1.192-2)`; the relation is what counts.
#
# The archive is asked through two functions, so that a test can answer
# from recorded files instead:
#   deb_versions PKG          available versions, one a line
#   deb_depends PKG VERSION   the Depends field of PKG at VERSION
# With DEB_APT_DIR set they read $DEB_APT_DIR/madison (`apt-cache madison`
# output) and $DEB_APT_DIR/show (`apt-cache show` stanzas); else apt-cache.

DEB_ARCH=${DEB_ARCH:-$(dpkg --print-architecture 2>/dev/null || echo amd64)}

# deb_parse_madison PKG: the versions of PKG for $DEB_ARCH (or all) in
# `apt-cache madison` output on stdin.  Source entries are skipped.
deb_parse_madison()
{
	awk -F'|' -v p="$1" -v a="$DEB_ARCH" '
	{
		n = $1; v = $2; s = $3
		gsub(/[ \t]/, "", n); gsub(/[ \t]/, "", v)
		if (n != p || v == "")
			next
		if (s !~ (" (" a "|all) Packages[ \t]*$"))
			next
		if (!(v in seen)) { seen[v] = 1; print v }
	}'
}

# deb_parse_depends PKG VERSION: the Depends field of the stanza for PKG at
# VERSION in `apt-cache show` output on stdin (continuation lines joined).
deb_parse_depends()
{
	awk -v p="$1" -v v="$2" '
	function flush() {
		if (pkg == p && ver == v && !done) { print dep; done = 1 }
		pkg = ""; ver = ""; dep = ""; field = ""
	}
	/^$/ { flush(); next }
	/^[ \t]/ { if (field == "Depends") dep = dep " " substr($0, 2); next }
	{
		field = $0; sub(/:.*/, "", field)
		val = $0; sub(/^[^:]*:[ \t]*/, "", val)
		if (field == "Package") pkg = val
		else if (field == "Version") ver = val
		else if (field == "Depends") dep = val
	}
	END { flush() }'
}

deb_versions()
{
	if [ -n "${DEB_APT_DIR:-}" ]; then
		deb_parse_madison "$1" < "$DEB_APT_DIR/madison"
	else
		apt-cache madison "$1" 2>/dev/null | deb_parse_madison "$1"
	fi
}

deb_depends()
{
	if [ -n "${DEB_APT_DIR:-}" ]; then
		deb_parse_depends "$1" "$2" < "$DEB_APT_DIR/show"
	else
		apt-cache show "$1=$2" 2>/dev/null | deb_parse_depends "$1" "$2"
	fi
}

# deb_version_ok VERSION OP WANT: true if VERSION satisfies (OP WANT), OP one
# of = >= <= >> << (and the obsolete < and >, which Debian reads as <= and
# >=).  Status 2 for an unknown operator.
deb_version_ok()
{
	local op

	case $2 in
	'=')	op=eq ;;
	'>=')	op=ge ;;
	'<=')	op=le ;;
	'>>')	op=gt ;;
	'<<')	op=lt ;;
	'>')	op=ge ;;
	'<')	op=le ;;
	*)	echo "deb_version_ok: unknown operator '$2'" >&2
		return 2 ;;
	esac
	dpkg --compare-versions "$1" "$op" "$3"
}

# deb_newest: the newest of the versions on stdin (dpkg ordering).
deb_newest()
{
	local v best=

	while read -r v; do
		[ -n "$v" ] || continue
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v
		fi
	done
	[ -z "$best" ] || echo "$best"
}

# deb_resolve RELATION: RELATION is one element of a Depends field, e.g.
# `linux-kbuild-6.1 (>= 6.1.192-2)` or `a (= 1) | b`.  Prints NAME=VERSION:
# the first alternative that any available version satisfies, at the newest
# such version.  Fails with the reason on stderr when none does.
deb_resolve()
{
	local rel=$1 alt name op want v best why='' re

	re='^[[:space:]]*([a-z0-9][a-z0-9.+-]*)(:[a-z0-9-]+)?[[:space:]]*'
	re+='(\([[:space:]]*(<<|<=|=|>=|>>|<|>)[[:space:]]*'
	re+='([^[:space:]()]+)[[:space:]]*\))?[[:space:]]*$'
	while [ -n "$rel" ]; do
		alt=${rel%%|*}
		if [ "$alt" = "$rel" ]; then
			rel=
		else
			rel=${rel#*|}
		fi
		if ! [[ $alt =~ $re ]]; then
			echo "cannot parse the relation '$alt'" >&2
			return 1
		fi
		name=${BASH_REMATCH[1]}
		op=${BASH_REMATCH[4]}
		want=${BASH_REMATCH[5]}
		best=$(deb_versions "$name" | while read -r v; do
			if [ -z "$op" ] || deb_version_ok "$v" "$op" "$want"; then
				echo "$v"
			fi
		done | deb_newest)
		if [ -n "$best" ]; then
			echo "$name=$best"
			return 0
		fi
		v=$(deb_versions "$name" | tr '\n' ' ')
		why+="${why:+; }$name${op:+ ($op $want)}: "
		if [ -n "$v" ]; then
			why+="available ${v% }, none satisfies it"
		else
			why+="not in the archive"
		fi
	done
	echo "$why" >&2
	return 1
}

# deb_companions RELEASE VERSION: the module build tree's packages for the
# kernel image linux-image-RELEASE at VERSION, one NAME=VERSION a line:
# linux-headers-RELEASE at the image's version (one source builds both),
# then its -common and linux-kbuild dependencies resolved by relation.
# Fails with the reason on stderr when the set cannot be completed.
deb_companions()
{
	local release=$1 version=$2 hdr deps rel common='' kbuild='' out

	hdr=$(deb_resolve "linux-headers-$release (= $version)") || return 1
	deps=$(deb_depends "linux-headers-$release" "$version")
	if [ -z "$deps" ]; then
		echo "linux-headers-$release $version: no Depends field" >&2
		return 1
	fi
	while read -r rel; do
		case $rel in
		linux-headers-*-common*)	common=$rel ;;
		linux-kbuild-*)			kbuild=$rel ;;
		esac
	done < <(echo "$deps" | tr ',' '\n')
	if [ -z "$common" ] || [ -z "$kbuild" ]; then
		echo "linux-headers-$release $version: no -common or linux-kbuild in its Depends: $deps" >&2
		return 1
	fi
	echo "$hdr"
	for rel in "$common" "$kbuild"; do
		out=$(deb_resolve "$rel") || return 1
		echo "$out"
	done
}

# deb_kernel_set RELEASE: the image linux-image-RELEASE (newest version) and
# its companions, NAME=VERSION lines; fails with the reason.
deb_kernel_set()
{
	local release=$1 img

	img=$(deb_resolve "linux-image-$release") || return 1
	echo "$img"
	deb_companions "$release" "${img#*=}"
}

# deb_pick_kernel CANDIDATES...: the first (newest first) release whose set
# is complete.  Prints the release; prints on stderr why each one before it
# was passed over.  Fails when none is complete.
deb_pick_kernel()
{
	local r why

	for r in "$@"; do
		if why=$(deb_kernel_set "$r" 2>&1 >/dev/null); then
			echo "$r"
			return 0
		fi
		echo "linux-image-$r: set incomplete: $why" >&2
	done
	return 1
}

# deb_record DIR RELEASE...: ask the archive once about the kernels
# linux-image-RELEASE (their images, headers and the companions the headers
# name) and keep the answers in DIR/madison and DIR/show, the files that
# DEB_APT_DIR=DIR makes the functions above read.  apt-cache parses the whole
# package list on every call (seconds on a machine without pkgcache.bin),
# so three calls replace a dozen per kernel.
deb_record()
{
	local dir=$1 r comp
	local -a names=()

	shift
	for r in "$@"; do
		names+=("linux-image-$r" "linux-headers-$r")
	done
	apt-cache madison "${names[@]}" > "$dir/madison" 2>/dev/null || true
	apt-cache show "${names[@]}" > "$dir/show" 2>/dev/null || true
	comp=$(sed -n 's/^Depends: //p' "$dir/show" | tr ',|' '\n' |
		awk '{print $1}' | sed 's/:.*//' |
		grep -E '^linux-(headers-.*-common|kbuild-)' | sort -u)
	if [ -n "$comp" ]; then
		# shellcheck disable=SC2086 # one package name a word
		apt-cache madison $comp >> "$dir/madison" 2>/dev/null || true
	fi
}

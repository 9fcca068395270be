#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An optional newer QEMU for what QEMU 7.2 cannot emulate (volatile CXL:
# cxl-type3 volatile-memdev came with 8.0): qemu-system-x86 and the
# firmware it loads from Debian's bookworm-backports, unpacked into
# .cache/qemu-backports/ (dpkg -x; nothing is installed, the system's
# QEMU stays what every timing and icount answer here was made with),
# and a wrapper qemu-system-x86_64 that points it at its own firmware and
# modules.  Use it for one command by putting its bin/ first in PATH:
#
#   vm/fetch-qemu.sh                      # prints the bin/ directory
#   PATH=$(vm/fetch-qemu.sh):$PATH vm/check-cxl.sh --cxl-ram 1
#
# Its libraries are bookworm's (the package's Depends are all satisfied
# there; the script checks with ldd).  Results record the QEMU version
# that ran (environment.qemu.version).  Needs apt-get and the network to
# deb.debian.org; prints the bin/ directory, exits non-zero with the
# reason otherwise.
set -eu
. "$(dirname "$0")/lib.sh"

suite=bookworm-backports
pkgs=(qemu-system-x86 qemu-system-common qemu-system-data seabios)
dest=$DEVMEM_CACHE/qemu-backports
bin=$dest/bin

if [ -x "$bin/qemu-system-x86_64" ] && "$bin/qemu-system-x86_64" --version > /dev/null 2>&1; then
	echo "$bin"
	exit 0
fi
command -v apt-get > /dev/null || die "apt-get not found: this fetches Debian packages"
work=$(mktemp -d "${TMPDIR:-/tmp}/devmem-qemu.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/debs"
printf 'deb http://deb.debian.org/debian %s main\ndeb http://deb.debian.org/debian bookworm main\n' \
	"$suite" > "$work/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$work/sources.list"
	  -o Dir::Etc::sourceparts=/dev/null
	  -o "Dir::State::Lists=$work/lists"
	  -o APT::Sandbox::User=root)
apt-get -qq "${apt_opts[@]}" update ||
	die "apt-get update of $suite failed (no network to deb.debian.org?)"
ver=()
for p in "${pkgs[@]}"; do
	v=$(apt-cache "${apt_opts[@]}" policy "$p" |
	    awk -v s="$suite" '/ http/ { if (index($0, s) && v) { print v; exit } next }
			       /^ +(\*\*\* )?[0-9]/ { v = $1 == "***" ? $2 : $1 }')
	[ -n "$v" ] || die "$p is not in $suite"
	ver+=("$p=$v")
done
(cd "$work/debs" && apt-get -qq "${apt_opts[@]}" download "${ver[@]}") ||
	die "downloading ${ver[*]} failed"
rm -rf "$dest"
mkdir -p "$dest/root" "$bin"
for d in "$work"/debs/*.deb; do
	dpkg -x "$d" "$dest/root" || die "dpkg -x $d failed"
done
missing=$(ldd "$dest/root/usr/bin/qemu-system-x86_64" | sed -n 's/^\t*\([^ ]*\) => not found/\1/p')
[ -z "$missing" ] || die "the $suite QEMU needs libraries this system lacks: $missing"
cat > "$bin/qemu-system-x86_64" <<EOF
#!/bin/sh
# devmem: QEMU from $suite (${ver[0]}), unpacked by vm/fetch-qemu.sh
QEMU_MODULE_DIR=$dest/root/usr/lib/x86_64-linux-gnu/qemu
export QEMU_MODULE_DIR
exec $dest/root/usr/bin/qemu-system-x86_64 -L $dest/root/usr/share/seabios -L $dest/root/usr/share/qemu "\$@"
EOF
chmod +x "$bin/qemu-system-x86_64"
"$bin/qemu-system-x86_64" --version | head -n 1 >&2
echo "$bin"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest initramfs from the host's own packages:
#   vm/mkinitramfs.sh -k KERNEL_DIR|-m MODULES_ROOT -r RELEASE -o OUT.cpio
#                     [-p PAYLOAD_DIR] [-e ENV_FILE] [-c CMD_FILE]
#
# Contents: busybox (static) with its applets at their usual paths, bash,
# ndctl, daxctl, fio and every shared library they (and the payload's ELF
# files) need, the kernel's nvdimm/dax/9p modules with their dependencies
# (decompressed, with a fresh modules.dep, since busybox modprobe reads
# neither .ko.xz nor Debian's layout), vm/guest-init.sh as /init, the
# payload under /devmem, and /etc/devmem/{env,cmd,modules}.
set -eu
. "$(dirname "$0")/lib.sh"

# The modules the guest needs, by name; dependencies are added from
# modules.dep.  A name the kernel has built in is skipped.
ROOT_MODULES="virtio_pci libnvdimm nfit nd_pmem nd_btt dax_pmem device_dax kmem
netfs 9pnet 9pnet_virtio 9p"
# Wanted where the kernel has them: ext4 (mounts ext2 too; needs a crc32c
# driver, a soft dependency modules.dep does not list) lets
# devmem_safety_test check that a mounted namespace is never disabled.
OPTIONAL_MODULES="crc32c_generic ext4"
# CXL type-3 memory (vm/run.sh --cxl-pmem): packed where the kernel has
# them and listed in /etc/devmem/modules-cxl, which the guest loads only
# when the runner emulated CXL devices.
CXL_MODULES="cxl_acpi cxl_pci cxl_port cxl_mem cxl_pmem dax_cxl"
# GNU timeout: the kselftest runner calls "timeout --foreground".
TOOLS="/bin/bash /usr/bin/ndctl /usr/bin/daxctl /usr/bin/fio /usr/bin/timeout"
# cxl (ndctl): the guest creates the CXL pmem regions with it.
TOOLS="$TOOLS /usr/bin/cxl"
# mkfs.ext4 (e2fsprogs): the data workload's fsdax filesystem (-o dax).
TOOLS="$TOOLS /usr/sbin/mkfs.ext4"

usage()
{
	cat >&2 <<EOT
usage: $0 -k KERNEL_DIR -o OUT.cpio [-p PAYLOAD_DIR] [-e ENV] [-c CMD]
       $0 -m MODULES_ROOT -r RELEASE -o OUT.cpio [...]
EOT
	exit 2
}

kdir='' modroot='' release='' out='' payload='' envfile='' cmdfile=''
while getopts "k:m:r:o:p:e:c:" opt; do
	case $opt in
	k) kdir=$OPTARG ;;
	m) modroot=$OPTARG ;;
	r) release=$OPTARG ;;
	o) out=$OPTARG ;;
	p) payload=$OPTARG ;;
	e) envfile=$OPTARG ;;
	c) cmdfile=$OPTARG ;;
	*) usage ;;
	esac
done
[ -n "$out" ] || usage
if [ -n "$kdir" ]; then
	is_kernel_dir "$kdir" || die "not a kernel dir: $kdir"
	release=$(cat "$kdir/release")
	[ -d "$kdir/modules/lib/modules/$release" ] && modroot=$kdir/modules
fi
[ -z "$payload" ] || [ -d "$payload" ] || die "payload dir not found: $payload"
command -v busybox >/dev/null || die "busybox not found (apt-get install busybox-static)"
busybox | head -n 1 | grep -q static ||
	! ldd "$(command -v busybox)" 2>/dev/null | grep -q '=>' ||
	die "busybox is not static (apt-get install busybox-static)"

work=$(mktemp -d "${TMPDIR:-/tmp}/devmem-initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
r=$work/root
mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc/devmem,proc,sys,dev,tmp,run,out,devmem,lib,lib64,root}

# busybox and its applets where scripts expect them (kselftest's runner
# calls /usr/bin/timeout).
cp "$(command -v busybox)" "$r/bin/busybox"
for app in $("$r/bin/busybox" --list-full); do
	[ -e "$r/$app" ] || ln -s /bin/busybox "$r/$app"
done

# copy_with_libs FILE...: FILE and the shared libraries ldd resolves for
# it, at the paths the dynamic loader will look for them.
copy_with_libs()
{
	local f lib

	for f in "$@"; do
		mkdir -p "$r$(dirname "$f")"
		if [ ! -e "$r$f" ] || [ -L "$r$f" ]; then
			cp -L "$f" "$r$f"
		fi
	done
	ldd "$@" 2>/dev/null | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}' |
		sort -u | while read -r lib; do
			[ -e "$r$lib" ] && continue
			mkdir -p "$r$(dirname "$lib")"
			cp -L "$lib" "$r$lib"
		done
}

for t in $TOOLS; do
	[ -x "$t" ] || die "$t not found (make deps installs it)"
	rm -f "$r$t"
done
# shellcheck disable=SC2086 # TOOLS is a list of absolute paths, one a word
copy_with_libs $TOOLS
[ ! -f /etc/mke2fs.conf ] || cp /etc/mke2fs.conf "$r/etc/"

if [ -n "$payload" ]; then
	cp -a "$payload/." "$r/devmem/"
	elves=$(find "$r/devmem" -type f -exec sh -c \
		'head -c 4 "$1" | grep -q ELF && echo "$1"' _ {} \;)
	for e in $elves; do
		ldd "$e" 2>/dev/null | grep -q 'not found' &&
			die "payload $e needs a library the host lacks: $(ldd "$e" | grep 'not found')"
		ldd "$e" 2>/dev/null | awk '/=> \//{print $3}' | while read -r lib; do
			[ -e "$r$lib" ] || { mkdir -p "$r$(dirname "$lib")"; cp -L "$lib" "$r$lib"; }
		done
	done
fi

# Modules: resolve the closure from modules.dep, decompress, re-index.
: > "$r/etc/devmem/modules"
: > "$r/etc/devmem/modules-cxl"
if [ -n "$modroot" ]; then
	src=$modroot/lib/modules/$release
	[ -f "$src/modules.dep" ] || die "no modules.dep in $src (run depmod -b)"
	dst=$r/lib/modules/$release
	mkdir -p "$dst"
	for m in $ROOT_MODULES $OPTIONAL_MODULES $CXL_MODULES; do
		list=$r/etc/devmem/modules
		case " $CXL_MODULES " in *" $m "*) list=$r/etc/devmem/modules-cxl ;; esac
		path=$(awk -v m="$m" -F: '{
			n = $1; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n)
			gsub(/-/, "_", n)
			if (n == m) { print $1; exit }
		}' "$src/modules.dep")
		if [ -z "$path" ]; then
			grep -q "/$m.ko" "$src/modules.builtin" 2>/dev/null && continue
			case " $OPTIONAL_MODULES $CXL_MODULES " in *" $m "*) continue ;; esac
			die "kernel $release has module '$m' neither as a module nor built in"
		fi
		echo "$m" >> "$list"
		for dep in $path $(grep "^$path:" "$src/modules.dep" | cut -d: -f2); do
			target=$dst/${dep%.xz}
			target=${target%.zst}
			[ -e "$target" ] && continue
			mkdir -p "$(dirname "$target")"
			case $dep in
			*.xz)  xz -dc "$src/$dep" > "$target" ;;
			*.zst) zstd -qdc "$src/$dep" > "$target" ;;
			*)     cp "$src/$dep" "$target" ;;
			esac
		done
	done
	cp "$src"/modules.builtin* "$dst/" 2>/dev/null || true
	cp "$src/modules.order" "$dst/" 2>/dev/null || true
	depmod -b "$r" "$release"
fi

cp "$DEVMEM_TOP/vm/guest-init.sh" "$r/init"
chmod 755 "$r/init"
[ -z "$envfile" ] || cp "$envfile" "$r/etc/devmem/env"
[ -z "$cmdfile" ] || cp "$cmdfile" "$r/etc/devmem/cmd"
echo "root:x:0:0:root:/root:/bin/sh" > "$r/etc/passwd"
echo "root:x:0:" > "$r/etc/group"

(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out.tmp"
mv "$out.tmp" "$out"

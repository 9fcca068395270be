#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fresh-check: the README's first commands on a fresh Debian 12, run
# in a chroot so that a missing install step shows here and not on a new
# user's machine:
#
#   vm/fresh-check.sh [--rebuild] [--keep] [--bench-args 'ARGS']
#
# What "fresh" means here:
#   - the base root is a minimal Debian 12 (debootstrap --variant=minbase
#     bookworm, plus make, which the README's commands assume, and
#     ca-certificates) with the
#     host's Debian mirror as its apt source (bookworm, -updates and
#     -security, Debian's archive only).  It is built once, into
#     $DEVMEM_CACHE/fresh/base, and reused; --rebuild makes it again.
#   - every run works in a throw-away overlay on top of it (overlayfs: the
#     base is the read-only lower dir), so the base stays pristine and
#     everything `make deps` installs, downloads or builds goes to the
#     overlay's upper dir, which is removed after a pass (--keep keeps it;
#     after a failure it is kept for a look and removed by the next run).
#   - the repository is a fresh `git clone` of the host repository's HEAD
#     (committed work only), with an empty .cache.
# Inside the chroot (/proc, /sys, /dev, /dev/pts bound from the host, a
# private tmpfs on /dev/shm) it runs, as root:
#   make deps all
#   make bench BENCH_ARGS="-m devdax -M mem -a 2M -s 256M -n 2 -w 0 -b 0"
# (QEMU under TCG inside the chroot) and prints each step's wall time and
# PASS or FAIL.  Everything is unmounted on every way out.
#
# Needs root, overlayfs and the network (about 100 MB from the mirror for
# the base, about 700 MB for what `make deps` installs and fetches).  On 2
# busy cores (2026-11-29): base 4.3 min, `make deps all` 9-11 min, the
# short bench 2-4.5 min, removing the overlay about 4 min.
# Exit status: 0 pass, 1 fail, 2 usage.
set -eu
. "$(dirname "$0")/lib.sh"

usage()
{
	echo "usage: $0 [--rebuild] [--keep] [--bench-args 'ARGS']" >&2
	exit 2
}

rebuild=0
keep=0
bench_args="-m devdax -M mem -a 2M -s 256M -n 2 -w 0 -b 0"
while [ $# -gt 0 ]; do
	case $1 in
	--rebuild)	rebuild=1 ;;
	--keep)		keep=1 ;;
	--bench-args)	[ $# -ge 2 ] || usage
			bench_args=$2
			shift ;;
	-h|--help)	usage ;;
	*)		echo "${0##*/}: unknown argument '$1'" >&2
			usage ;;
	esac
	shift
done
case $bench_args in
*\'*)	die "--bench-args must not contain a single quote" ;;
esac

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot and mounts)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
	die "no overlayfs in this kernel"
if ! command -v debootstrap >/dev/null; then
	echo "fresh-check: installing debootstrap" >&2
	apt-get install -y -q --no-install-recommends debootstrap >&2 ||
		die "cannot install debootstrap"
fi

top=$DEVMEM_CACHE/fresh
base=$top/base
run=$top/run
root=$run/root
mkdir -p "$top"
exec 9> "$top/lock"
flock -n 9 || die "another fresh-check is running ($top/lock)"

# The host's Debian mirror (the archive only: a URI ending in /debian or
# /debian-security), from sources.list or sources.list.d; deb.debian.org
# when none is found.
mirrors=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	/etc/apt/sources.list.d/*.sources 2>/dev/null |
	sed -n -E -e 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' \
		-e 's/^URIs:[[:space:]]*//p' | tr ' ' '\n' | sed 's|/*$||')
mirror=$(grep -m 1 -E '^https?://[^[:space:]]+/debian$' <<< "$mirrors" ||
	echo http://deb.debian.org/debian)
security=$(grep -m 1 -E '^https?://[^[:space:]]+/debian-security$' \
	<<< "$mirrors" || echo http://deb.debian.org/debian-security)

# unmount_under DIR: unmount everything mounted at or below DIR, deepest
# first.  Only those mounts: nothing of the host's is named there.
unmount_under()
{
	local m

	awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' \
		/proc/self/mounts | sort -r |
	while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" ||
			warn "cannot unmount $m"
	done
}

# stop_inside: end the processes this script started in the chroot (their
# root directory is $root), e.g. QEMU after a Ctrl-C.
stop_inside()
{
	local p r

	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[ "$r" = "$root" ] && kill "${p#/proc/}" 2>/dev/null
	done
	return 0
}

pass=0
cleanup()
{
	trap - EXIT INT TERM HUP
	stop_inside
	sleep 1
	unmount_under "$run"
	if grep -q " $run" /proc/self/mounts; then
		warn "mounts left under $run: $(grep " $run" /proc/self/mounts)"
	elif [ $pass = 1 ] && [ $keep = 0 ]; then
		rm -rf "$run"
	elif [ -d "$run" ]; then
		echo "fresh-check: the run's files are kept in $run/upper" >&2
	fi
}
trap cleanup EXIT
trap 'echo "fresh-check: FAIL: interrupted" >&2; exit 1' INT TERM HUP

# A run killed with SIGKILL left its processes and mounts: away with them.
if grep -q " $run" /proc/self/mounts; then
	echo "fresh-check: removing what a killed run left in $run" >&2
	stop_inside
	sleep 1
	unmount_under "$run"
fi
rm -rf "$run"

if [ $rebuild = 1 ] || [ ! -f "$base/.devmem-base" ]; then
	echo "fresh-check: debootstrap bookworm from $mirror into $base" >&2
	rm -rf "$base.tmp"
	t0=$SECONDS
	debootstrap --variant=minbase --include=make,ca-certificates \
		bookworm "$base.tmp" "$mirror" >&2 ||
		die "debootstrap failed"
	unmount_under "$base.tmp"
	rm -rf "$base"
	mv "$base.tmp" "$base"
	echo "fresh-check: base root built in $((SECONDS - t0)) s" >&2
fi
# The apt sources a Debian 12 install gets (main, updates, security), on
# the host's mirror; rewritten each run so that a mirror change counts.
cat > "$base/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
date -u +%FT%TZ > "$base/.devmem-base"

mkdir -p "$run/upper" "$run/work" "$root"
mount -t overlay devmem-fresh \
	-o "lowerdir=$base,upperdir=$run/upper,workdir=$run/work" "$root"
for d in proc sys dev dev/pts; do
	mount --bind "/$d" "$root/$d"
	mount --make-private "$root/$d"
done
mount -t tmpfs -o mode=1777 devmem-shm "$root/dev/shm"
# Name resolution as on the host; no service may start inside a chroot.
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

head=$(git -C "$DEVMEM_TOP" rev-parse --short HEAD)
git clone -q --no-hardlinks "$DEVMEM_TOP" "$root/root/devmem" ||
	die "git clone of $DEVMEM_TOP failed"
echo "fresh-check: clean clone of $head in $root/root/devmem" >&2

log=$top/fresh-check.log
: > "$log"
# step NAME COMMAND: run COMMAND in the chroot, in the clone, with a clean
# environment; print its wall time.
step()
{
	local name=$1 cmd=$2 t0 rc

	echo "fresh-check: == $name: $cmd" | tee -a "$log" >&2
	t0=$SECONDS
	set +e
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "cd /root/devmem && $cmd" < /dev/null >> "$log" 2>&1 9>&- &
	wait $!
	rc=$?
	set -e
	echo "fresh-check: $name: exit $rc after $((SECONDS - t0)) s" |
		tee -a "$log" >&2
	if [ $rc != 0 ]; then
		tail -n 30 "$log" >&2
		echo "fresh-check: FAIL: '$cmd' failed in a fresh Debian 12 root (log: $log)" >&2
		exit 1
	fi
}

t_all=$SECONDS
step deps+all "make deps all"
touch "$root/root/devmem/.fresh-check-mark"
step bench "make bench BENCH_ARGS='$bench_args'"
json=$(find "$root/root/devmem/results/runs" -name '*.json' \
	-newer "$root/root/devmem/.fresh-check-mark" 2>/dev/null | head -n 1)
if [ -z "$json" ]; then
	echo "fresh-check: FAIL: make bench exited 0 but stored no results/runs/*.json (log: $log)" >&2
	exit 1
fi
echo "fresh-check: results: ${json#"$root"}" >&2
pass=1
echo "fresh-check: PASS: make deps all and make bench in a fresh Debian 12 root, $((SECONDS - t_all)) s (log: $log)" >&2

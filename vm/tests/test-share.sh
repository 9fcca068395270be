#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host treats the guest's results share as untrusted, and guest-init
# runs nowhere but as PID 1 of a devmem guest.  In KTAP:
#   vm/tests/test-share.sh [--host-only]
#
# Host cases run the real vm/run-bench.sh against a stand-in vm/run.sh
# (under a temporary DEVMEM_TOP) that plays a hostile guest: it leaves in
# the share a bench.json that is a symlink to a file outside (a secret, or
# a FIFO that would block whoever opens it), a FIFO, a 100 MiB sparse
# file, or a vm.env whose accel tries to inject "../" into the results
# path.  Each must be refused with a clear message and a non-zero status,
# with nothing outside the run's folders read or written.  A well-behaved
# guest is the positive control: its results are stored under a name made
# of the host's kernel and accel.  Then guest-init.sh is run on the host,
# once as a plain process and once as PID 1 of a PID namespace (mounts
# private, /run hidden so that no poweroff can reach systemd): both must
# refuse at once.  Without --host-only, three short boots check that
# vm/run.sh refuses an exit-status left as a symlink, a 1 GiB sparse file
# or a directory, and one passes a real status (3) through.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
host_only=0
case ${1:-} in
--host-only)	host_only=1 ;;
'')		;;
*)		echo "usage: $0 [--host-only]" >&2; exit 2 ;;
esac

n=0 failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/devmem-test-share.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ok()
{
	n=$((n + 1))
	echo "ok $n share.$1${2:+ # $2}"
}

not_ok()
{
	n=$((n + 1))
	echo "# output:"
	sed 's/^/#   /' "$tmp/out" | tail -n 15
	echo "not ok $n share.$1 # $2"
	failed=1
}

# --- a stand-in for vm/run.sh: a guest that misbehaves as $FAKE_GUEST says
fake=$tmp/top
mkdir -p "$fake/vm" "$tmp/build/bench" "$tmp/kernel" "$tmp/outside" "$tmp/cache"
cp "$top/vm/lib.sh" "$fake/vm/lib.sh"
printf '#!/bin/sh\nexit 0\n' > "$tmp/build/bench/devmem-bench"
chmod +x "$tmp/build/bench/devmem-bench"
: > "$tmp/kernel/vmlinuz"
echo 6.12.0-fake > "$tmp/kernel/release"
echo "SECRET-4c1d9e shadow-like content" > "$tmp/outside/secret"
mkfifo "$tmp/outside/fifo"
cat > "$fake/vm/run.sh" <<'EOT'
#!/bin/bash
# Stand-in for vm/run.sh: the host's part (vm.env, --host-env), then a
# guest that does what FAKE_GUEST says to the share.
out= hostenv=
while [ $# -gt 0 ]; do
	case $1 in
	--out)		out=$2; shift ;;
	--host-env)	hostenv=$2; shift ;;
	--)		break ;;
	esac
	shift
done
env="DEVMEM_ACCEL='tcg-icount'
DEVMEM_KERNEL_NAME='fake'"
echo "$env" > "$out/vm.env"
[ -z "$hostenv" ] || echo "$env" > "$hostenv"
json='{"schema":"devmem-results","version":1}'
case $FAKE_GUEST in
good)		echo "$json" > "$out/bench.json" ;;
json_symlink)	ln -s "$FAKE_OUTSIDE/secret" "$out/bench.json" ;;
json_symlink_fifo) ln -s "$FAKE_OUTSIDE/fifo" "$out/bench.json" ;;
json_fifo)	mkfifo "$out/bench.json" ;;
json_huge)	truncate -s 100M "$out/bench.json" ;;
env_inject)	echo "$json" > "$out/bench.json"
		echo "DEVMEM_ACCEL='../../../outside/escape'" > "$out/vm.env" ;;
env_symlink)	echo "$json" > "$out/bench.json"
		rm -f "$out/vm.env"
		ln -s "$FAKE_OUTSIDE/secret" "$out/vm.env" ;;
no_results)	exit 3 ;;
esac
exit 0
EOT
chmod +x "$fake/vm/run.sh"
touch "$tmp/stamp"

# bench CASE WANT_RC PATTERN: run-bench.sh with the guest CASE; its status
# is WANT_RC, it says PATTERN, the secret never shows, the FIFO is never
# opened (the run would block: timeout), and nothing new appears outside
# results/runs.
bench()
{
	local name=$1 want=$2 pattern=$3 rc stray stored

	rm -rf "$fake/results"
	FAKE_GUEST=$name FAKE_OUTSIDE=$tmp/outside DEVMEM_TOP=$fake \
	DEVMEM_CACHE=$tmp/cache BUILD=$tmp/build TMPDIR=$tmp \
		timeout 20 "$top/vm/run-bench.sh" --kernel "$tmp/kernel" \
		> "$tmp/out" 2>&1
	rc=$?
	stray=$(find "$tmp" -newer "$tmp/stamp" ! -type d \
		! -path "$fake/results/runs/*" ! -path "$tmp/out" \
		! -path "$tmp/outside/*" -print)
	stray=$stray$(find "$tmp/outside" -mindepth 1 \
		! -name secret ! -name fifo -print)
	stored=$(find "$fake/results" -type f 2>/dev/null | wc -l)
	if [ $rc = 124 ]; then
		not_ok "bench_$name" "timed out: something opened the FIFO"
	elif [ $rc != "$want" ]; then
		not_ok "bench_$name" "exit $rc, expected $want"
	elif ! grep -qE -e "$pattern" "$tmp/out"; then
		not_ok "bench_$name" "no message saying /$pattern/"
	elif grep -rqs SECRET-4c1d9e "$tmp/out" "$fake/results"; then
		not_ok "bench_$name" "the secret outside the share was read"
	elif [ -n "$stray" ]; then
		not_ok "bench_$name" "files written outside results/runs: ${stray//$'\n'/ }"
	elif [ "$stored" != $((want == 0)) ]; then
		not_ok "bench_$name" "$stored results file(s) stored, expected $((want == 0))"
	else
		ok "bench_$name"
	fi
}

echo "TAP version 13"
if [ $host_only = 1 ]; then echo "1..13"; else echo "1..17"; fi

bench good 0 '^results: .*/results/runs/[0-9]{8}T[0-9]{6}Z-kernel-tcg-icount\.json$'
bench json_symlink 1 'refusing the guest.s results: bench.json in the share is a symlink'
bench json_symlink_fifo 1 'refusing the guest.s results: bench.json in the share is a symlink'
bench json_fifo 1 'refusing the guest.s results: bench.json in the share is not a regular file'
bench json_huge 1 'refusing the guest.s results: bench.json is 104857600 bytes, more than the limit of 67108864'
bench env_inject 1 'refusing the guest.s results: vm.env in the share is not the one the host wrote'
bench env_symlink 1 'refusing the guest.s results: vm.env in the share is not the one the host wrote'
bench no_results 3 'the guest wrote no results \(exit status 3\)'
# --- guest-init.sh on the host ----------------------------------------------
# Always contained, so that even a broken guard harms nothing: a chroot
# with busybox only (no systemctl, no ndctl), a private mount namespace
# (its mounts vanish with it) and a PID namespace (a poweroff there,
# reboot(2), ends only the namespace).  What a guard that let it through
# would leave: /out/exit-status in the chroot (after ~10 s of share mount
# attempts).
root=$tmp/root
mkdir -p "$root"/{bin,proc,sys,dev,tmp,run,out,etc/devmem}
cp "$(command -v busybox)" "$root/bin/busybox"
for app in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
done
cp "$top/vm/guest-init.sh" "$root/init"
: > "$root/etc/devmem/modules"

# guest_init NAME WANT_RC PATTERN SCRIPT: SCRIPT (sh -c, in the chroot,
# as PID 1 of its namespace) runs /init; it exits WANT_RC, says PATTERN,
# in under 5 s when WANT_RC is 1 (a refusal is immediate).
guest_init()
{
	local name=$1 want=$2 pattern=$3 rc start took

	start=$(date +%s)
	rm -f "$root/out/exit-status"
	timeout 60 unshare --mount --propagation private --pid --fork \
		--root="$root" /bin/sh -c "$4" > "$tmp/out" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	if [ $rc != "$want" ]; then
		not_ok "guest_init_$name" "exit $rc, expected $want"
	elif [ -n "$pattern" ] && ! grep -qE -e "$pattern" "$tmp/out"; then
		not_ok "guest_init_$name" "no message saying /$pattern/"
	elif [ "$want" = 1 ] && { [ $took -ge 5 ] || [ -e "$root/out/exit-status" ]; }; then
		not_ok "guest_init_$name" "it went on (${took}s, exit-status left) instead of refusing at once"
	else
		ok "guest_init_$name"
	fi
}

# reboot(2) by a PID namespace's init ends it with SIGINT (power off).
pid1_poweroff_rc=130
if ! unshare --mount --propagation private --pid --fork --root="$root" \
	/bin/true 2>/dev/null; then
	for c in not_pid1 pid1_without_marker pid1_with_marker; do
		ok "guest_init_$c" "SKIP unshare --pid --mount --root is not permitted here"
	done
else
	# PID 2: refused before anything.
	guest_init not_pid1 1 'refusing \(PID 2, not 1\)' \
		'/bin/sh /init; exit $?'
	# PID 1, but the kernel command line (the host's) has no marker.
	guest_init pid1_without_marker 1 'PID 1 but no devmem.guest=1' \
		'exec /bin/sh /init'
	# Positive control: a /proc/cmdline (a plain file in the chroot)
	# with the marker gets through; with no results share to mount,
	# init reports 125 in /out and powers off (the namespace).  Its
	# messages go to /dev/console, not here.
	echo "console=ttyS0 devmem.guest=1" > "$root/proc/cmdline"
	guest_init pid1_with_marker "$pid1_poweroff_rc" '' 'exec /bin/sh /init'
	rm -f "$root/proc/cmdline"
	if [ "$(cat "$root/out/exit-status" 2>/dev/null)" != 125 ]; then
		: > "$tmp/out"
		not_ok guest_init_pid1_with_marker_ran "no exit-status 125: the positive control did not run init"
	else
		ok guest_init_pid1_with_marker_ran
	fi
fi

# The marker check itself: it is a whole word of the command line.
# shellcheck disable=SC2016 # the literal text in run.sh
if grep -qF 'devmem.guest=1 $append' "$top/vm/run.sh" &&
   grep -q '\*" devmem.guest=1 "\*' "$top/vm/guest-init.sh"; then
	ok guest_marker_on_the_command_line
else
	: > "$tmp/out"
	not_ok guest_marker_on_the_command_line "run.sh does not append devmem.guest=1 or guest-init.sh does not look for it"
fi

[ $host_only = 1 ] && exit $failed

# --- vm/run.sh and a guest that leaves a hostile exit-status ---------------
# run_vm NAME WANT_RC PATTERN COMMAND: a short boot without NVDIMMs.
run_vm()
{
	local name=$1 want=$2 pattern=$3 rc

	DEVMEM_CACHE=${DEVMEM_CACHE:-$top/.cache} timeout 300 \
		"$top/vm/run.sh" --nvdimms 0 --mem 512M --cpus 1 --timeout 200 \
		--out "$tmp/vmout-$name" -- "$4" > "$tmp/out" 2>&1
	rc=$?
	if [ $rc = "$want" ] && grep -qE -e "$pattern" "$tmp/out"; then
		ok "run_$name"
	else
		not_ok "run_$name" "exit $rc, expected $want saying /$pattern/"
	fi
}
# guest-init writes the status through the link, inside the guest.
run_vm exit_status_symlink 1 \
	"refusing the guest's exit status: .*/exit-status is a symlink or not a regular file" \
	'ln -s /etc/devmem/cmd /out/exit-status; exit 0'
run_vm exit_status_sparse_1g 1 \
	"refusing the guest's exit status: .*/exit-status does not hold an exit status 0..255" \
	'truncate -s 1G /out/exit-status; sync; poweroff -f; sleep 30'
# A guest cannot make a FIFO on the share (9p says ENXIO here); a
# directory is the special file it can leave.
run_vm exit_status_directory 1 \
	"refusing the guest's exit status: .*/exit-status is a symlink or not a regular file" \
	'mkdir /out/exit-status; sync; poweroff -f; sleep 30'
run_vm exit_status_passes_through 3 'vm: guest exit status 3 after' 'exit 3'
exit $failed

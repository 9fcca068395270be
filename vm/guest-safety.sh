#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the devmem guest (vm/run-safety.sh), in /devmem: the issue-8
# scenario with the dangerous name.  A user's raw namespace named
# devmem-user-<pid>, holding 8 MiB of random data, goes into every region;
# then the kselftest runs (plain, then with DEVMEM_ALLOW_FOREIGN=1), a
# short devmem-bench --allow-foreign, runs stopped by SIGINT, SIGTERM and
# SIGHUP, a run killed by SIGKILL, the next run (it must name the
# leftovers), devmem-bench --cleanup, the data workload killed midway and
# --cleanup again; after all of it, every user namespace
# must have the same metadata (ndctl list: uuid, size, name, mode, state)
# and the same bytes, and no devmem record or namespace may be left.
# Prints KTAP; exits 1 when a check failed.

n=0 failed=0
BENCH="./devmem-bench -m devdax -M mem -a 2M -s 256M -w 0 -b 0 -t auto"

ok()
{
	n=$((n + 1))
	echo "ok $n $*"
}

not_ok()
{
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $*"
}

check()		# check DESCRIPTION COMMAND...: ok when COMMAND succeeds
{
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

field()		# field NAME < ndctl JSON: the value of "NAME"
{
	sed -n "s/.*\"$1\":\"\{0,1\}\([^\",]*\)\"\{0,1\}.*/\1/p" | head -n 1
}

records()	# the namespace records devmem holds
{
	grep -s '^ns ' /var/lib/devmem/owned
}

# Wait (up to 300 s) until a devmem-bench has recorded a namespace.
wait_record()
{
	i=0
	while [ $i -lt 600 ]; do
		records >/dev/null && return 0
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}

echo "TAP version 13"
users=
for d in /sys/bus/nd/devices/region*; do
	[ -e "$d" ] || continue
	r=${d##*/}
	ndctl create-namespace -r "$r" -m raw -s 256M -n "devmem-user-$$" \
		> "/tmp/$r.create" 2>&1 || {
		not_ok "user namespace in $r: $(tail -n 1 "/tmp/$r.create")"
		continue
	}
	ns=$(field dev < "/tmp/$r.create")
	blk=$(field blockdev < "/tmp/$r.create")
	head -c 8388608 /dev/urandom > "/tmp/$r.data"
	dd if="/tmp/$r.data" of="/dev/$blk" bs=1048576 conv=fsync 2>/dev/null
	ndctl list -n "$ns" > "/tmp/$r.meta"
	sha256sum < "/tmp/$r.data" > "/tmp/$r.sum"
	users="$users $r:$ns:$blk"
	echo "# $r: user namespace $ns (/dev/$blk) 'devmem-user-$$', 8 MiB of data"
done
[ -n "$users" ] || { not_ok "no user namespace could be made"; exit 1; }

# The kselftest, plain: every region holds a foreign namespace, so all SKIP.
DEVMEM_CYCLES=1 ./run_kselftest.sh > /tmp/ksft-plain.log 2>&1
sed 's/^/# plain: /' /tmp/ksft-plain.log | grep -E '^# plain: (not )?ok|SKIP' |
	head -n 20
check "kselftest (plain) failed nothing" \
	sh -c '! grep -q "^not ok" /tmp/ksft-plain.log'

if [ "${DEVMEM_SAFETY_QUICK:-0}" = 1 ]; then
	# quick: the safety test and one cycle variant, not the whole suite
	{
		DEVMEM_CYCLES=1 DEVMEM_ALLOW_FOREIGN=1 \
			./devmem/devmem_safety_test ||
			echo "not ok devmem_safety_test"
		DEVMEM_CYCLES=1 DEVMEM_ALLOW_FOREIGN=1 \
			./devmem/devmem_cycle_test -v devdax_2m ||
			echo "not ok devmem_cycle_test -v devdax_2m"
	} > /tmp/ksft-foreign.log 2>&1
else
	# Every test but kmem's: when the kernel cannot offline a
	# ZONE_NORMAL block (an unmovable page landed in it: an XFAIL),
	# that namespace stays System RAM, recorded, until reboot, which
	# the signal and --cleanup checks below would take for a leftover.
	only=
	while read -r t; do
		only="$only -t $t"
	done <<EOF_LIST
$(grep -v ':devmem_kmem_test$' kselftest-list.txt)
EOF_LIST
	# shellcheck disable=SC2086 # $only is a list of options
	DEVMEM_CYCLES=1 DEVMEM_ALLOW_FOREIGN=1 ./run_kselftest.sh $only \
		> /tmp/ksft-foreign.log 2>&1
fi
grep -E '^(not )?ok|^# not ok|Expected|refused|: [A-Za-z ]+: ' \
	/tmp/ksft-foreign.log | sed 's/^/# allow-foreign: /'
check "kselftest (DEVMEM_ALLOW_FOREIGN=1) failed nothing" \
	sh -c '! grep -q "^not ok" /tmp/ksft-foreign.log'

# A short bench next to the user's namespaces.
$BENCH -n 2 --allow-foreign -q > /tmp/bench.log 2>&1
rc=$?
tail -n 3 /tmp/bench.log | sed 's/^/# bench: /'
check "devmem-bench --allow-foreign exit 0 (was $rc)" [ $rc = 0 ]

# Stopped by a catchable signal: it cleans up after itself.
for sig in INT TERM HUP; do
	$BENCH -n 100000 --allow-foreign -q > "/tmp/bench-$sig.log" 2>&1 &
	pid=$!
	if ! wait_record; then
		not_ok "SIG$sig: the bench never created its namespace"
		kill -9 $pid
		continue
	fi
	kill -s "$sig" $pid
	wait $pid
	rc=$?
	check "SIG$sig: devmem-bench stopped (exit $rc) and left no record" \
		sh -c '! grep -qs "^ns " /var/lib/devmem/owned'
	check "SIG$sig: no devmem-bench namespace left" \
		sh -c '! ndctl list | grep -q "devmem-bench"'
done

# Its reader gone (devmem-bench | less, then q): SIGPIPE on the next line.
timeout 600 ./devmem-bench -m devdax -M mem -a 2M -s 256M -w 0 -b 0 \
	-n 100000 --allow-foreign 2>&1 | head -n 1 > /dev/null
check "SIGPIPE: devmem-bench stopped and left no record" \
	sh -c '! grep -qs "^ns " /var/lib/devmem/owned'
check "SIGPIPE: no devmem-bench namespace left" \
	sh -c '! ndctl list | grep -q "devmem-bench"'

# Killed: leftovers; the next run names them; --cleanup removes them.
$BENCH -n 100000 --allow-foreign -q > /tmp/bench-kill.log 2>&1 &
pid=$!
wait_record
sleep 1
kill -9 $pid
wait $pid 2>/dev/null
check "SIGKILL: the record of its namespace is left" \
	sh -c 'grep -qs "^ns " /var/lib/devmem/owned'
$BENCH -n 1 --allow-foreign --no-wait -q > /tmp/bench-next.log 2>&1
grep -E 'leftovers|cleanup' /tmp/bench-next.log | sed 's/^/# next run: /'
check "the next run names the leftovers and the cleanup command" \
	grep -q "clean them up with: devmem-bench --cleanup" /tmp/bench-next.log
DEVMEM_ALLOW_FOREIGN=1 DEVMEM_CYCLES=1 ./devmem/devmem_cycle_test \
	-r ns_cycle.devdax_2m.add_remove_cycles > /tmp/ksft-next.log 2>&1
rc=$?
grep -E 'leftovers|cleanup' /tmp/ksft-next.log | sed 's/^/# next kselftest: /'
check "the next kselftest names the leftovers and the cleanup command" \
	grep -q "clean them up with: devmem-bench --cleanup" /tmp/ksft-next.log
check "the next kselftest passes next to them (exit $rc)" [ $rc = 0 ]
./devmem-bench --cleanup > /tmp/cleanup.log 2>&1
rc=$?
sed 's/^/# cleanup: /' /tmp/cleanup.log
check "devmem-bench --cleanup exit 0 (was $rc)" [ $rc = 0 ]
check "--cleanup destroyed the dead run's namespace" \
	grep -q "destroyed" /tmp/cleanup.log
check "no devmem record left" sh -c '! grep -qs "^ns " /var/lib/devmem/owned'
check "no devmem namespace left but the user's" \
	sh -c '! ndctl list | grep "\"name\":\"devmem-" | grep -vq "devmem-user-"'
./devmem-bench --cleanup > /tmp/cleanup2.log 2>&1
check "a second --cleanup has nothing to do (exit $?)" \
	grep -q "nothing to clean up" /tmp/cleanup2.log

# The data workload killed midway: fsdax with its ext4 mounted and fio
# writing the pattern; fio on a devdax namespace beside the cycles.
# --cleanup takes back its namespaces and its scratch directory
# (/tmp/devmem-data.*, recorded), and nothing else.
for v in fsdax fio; do
	./devmem-bench -W data -n 100000 -O "variants=$v" -O size=64M \
		-O fio-seconds=3600 --allow-foreign -q \
		> "/tmp/data-$v.log" 2>&1 &
	pid=$!
	# until its scratch directory is made and fio runs in it (not
	# the fio --version of its probe)
	i=0
	while [ $i -lt 600 ] && ! { grep -qs '^tmpdir ' /var/lib/devmem/owned &&
		pidof fio > /dev/null; }; do
		sleep 0.5
		i=$((i + 1))
	done
	if [ $i = 600 ]; then
		not_ok "data $v: fio never started in 300 s"
		tail -n 5 "/tmp/data-$v.log" | sed 's/^/# /'
		kill -9 $pid
		continue
	fi
	sleep 2
	echo "# data $v: fio running, pid $(pidof fio)"
	grep -s "devmem-data" /proc/*/mountinfo | sed "s/^/# data $v mounted: /"
	kill -9 $pid
	wait $pid 2>/dev/null
	grep -s '^tmpdir ' /var/lib/devmem/owned | sed "s/^/# data $v record: /"
	check "data $v killed: its scratch directory is recorded" \
		grep -qs "^tmpdir - devmem-data\\." /var/lib/devmem/owned
	./devmem-bench --cleanup > "/tmp/cleanup-$v.log" 2>&1
	rc=$?
	sed 's/^/# cleanup: /' "/tmp/cleanup-$v.log"
	check "data $v killed: devmem-bench --cleanup exit 0 (was $rc)" [ $rc = 0 ]
	check "data $v killed: no fio left" sh -c '! pidof fio'
	check "data $v killed: no devmem record left" \
		sh -c '! grep -qs "^[a-z]" /var/lib/devmem/owned'
	check "data $v killed: no /tmp/devmem-data.* left" \
		sh -c '! ls -d /tmp/devmem-data.* 2>/dev/null'
	check "data $v killed: no devmem namespace left but the user's" \
		sh -c '! ndctl list | grep "\"name\":\"devmem-" | grep -vq "devmem-user-"'
done

# The user's namespaces: metadata and bytes as they were.
for u in $users; do
	r=${u%%:*}
	rest=${u#*:}
	ns=${rest%%:*}
	blk=${rest#*:}
	ndctl list -n "$ns" > "/tmp/$r.meta2"
	if cmp -s "/tmp/$r.meta" "/tmp/$r.meta2"; then
		ok "$r: user namespace $ns metadata unchanged"
	else
		not_ok "$r: user namespace $ns metadata changed"
		diff "/tmp/$r.meta" "/tmp/$r.meta2" | sed 's/^/# /'
	fi
	sum=$(dd if="/dev/$blk" bs=1048576 count=8 2>/dev/null | sha256sum)
	check "$r: user namespace $ns data unchanged" \
		[ "$sum" = "$(cat "/tmp/$r.sum")" ]
done
# A region found disabled is disabled again after the run; the user's
# namespace in it goes down and comes back with it, untouched.
last=${users##* }
r=${last%%:*}
rest=${last#*:}
ns=${rest%%:*}
blk=${rest#*:}
if ndctl disable-region "$r" >/dev/null 2>&1; then
	$BENCH -n 1 -r "$r" --allow-foreign -q > /tmp/bench-region.log 2>&1
	rc=$?
	check "$r found disabled: the bench ran in it (exit $rc)" [ $rc = 0 ]
	check "$r is disabled again after the bench" \
		[ ! -e "/sys/bus/nd/devices/$r/driver" ]
	ndctl enable-region "$r" >/dev/null 2>&1
	ndctl list -n "$ns" > "/tmp/$r.meta3"
	check "$r: user namespace $ns metadata unchanged after that" \
		cmp -s "/tmp/$r.meta" "/tmp/$r.meta3"
	sum=$(dd if="/dev/$blk" bs=1048576 count=8 2>/dev/null | sha256sum)
	check "$r: user namespace $ns data unchanged after that" \
		[ "$sum" = "$(cat "/tmp/$r.sum")" ]
else
	not_ok "ndctl disable-region $r failed"
fi
echo "1..$n"
[ $failed = 0 ]

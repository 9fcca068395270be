#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The devmem LAVA test, run by the test definition (lava/ in the guest as
# /devmem/lava/devmem-test.sh) inside LAVA's test shell, so lava-test-case
# is on PATH.  POSIX sh (busybox).  Parameters come from the environment
# the test definition's params set:
#   KSFT_TESTS  kselftest binaries, space-separated, or "none"
#   KSFT_CYCLES DEVMEM_CYCLES for them
#   BENCH_ARGS  devmem-bench arguments (the workload is -W NAME in them)
# Runs the kselftest (KTAP in /tmp/ktap.txt), then devmem-bench
# (/tmp/bench.json), and reports every KTAP result as a LAVA test case and
# every metric's median as a measurement with its unit, through
# devmem-kcidb --lava, the same names devmem-kcidb gives KCIDB.  The
# results JSON is kept: printed to the log between DEVMEM-RESULTS-JSON
# markers (base64 of gzip), and copied to /out when the worker mounted a
# share there.
set -u
cd /devmem || exit 1
ktap=/tmp/ktap.txt
json=/tmp/bench.json
rc=0

: > "$ktap"
if [ "${KSFT_TESTS:-none}" != none ]; then
	args=
	for t in $KSFT_TESTS; do
		args="$args -t devmem:$t"
	done
	# Through a pipe, shown as it comes: LAVA ends a test shell that is
	# silent for its connection timeout.  (The runner writes each test's
	# output through a second descriptor opened with >> on its stdout;
	# on a plain > file its own result lines overwrote the test's plan.)
	# shellcheck disable=SC2086 # one option a word
	(cd kselftest && DEVMEM_CYCLES=${KSFT_CYCLES:-1} ./run_kselftest.sh $args) \
		2>&1 | tee "$ktap"
fi

# shellcheck disable=SC2086 # BENCH_ARGS is a list of options
./devmem-bench -o "$json" ${BENCH_ARGS:-}
brc=$?
if [ -s "$json" ]; then
	if [ -s "$ktap" ]; then
		./devmem-kcidb --lava --ktap "$ktap" "$json" > /tmp/cases.sh || rc=1
	else
		./devmem-kcidb --lava "$json" > /tmp/cases.sh || rc=1
	fi
	# shellcheck disable=SC1091 # written just above
	. /tmp/cases.sh
	echo "DEVMEM-RESULTS-JSON-BEGIN"
	gzip -c "$json" | base64
	echo "DEVMEM-RESULTS-JSON-END"
	if grep -qw /out /proc/mounts; then
		cp "$json" /out/bench.json
		cp "$ktap" /out/ktap.txt
	fi
else
	lava-test-case devmem.bench --result fail
	rc=1
fi
lava-test-case devmem.bench.exit_status --result "$([ $brc = 0 ] && echo pass || echo fail)" \
	--measurement "$brc" --units status
exit $rc

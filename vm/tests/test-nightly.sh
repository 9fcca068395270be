#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host + VM test of make nightly (vm/nightly.sh): two nights in a row on a
# tiny matrix (Debian 6.12, devdax 2M 256M, 3 cycles, tcg-icount) into a
# temporary history.  The first night also lists a kernel that cannot be
# built, so it fails (exit 2) after storing the good kernel's run; re-run,
# it retries only the failed kernel and stores nothing twice.  The second
# night: two runs in the history, both on the dashboard, KCIDB JSON valid
# (the same checkout as the first night's, new test ids), exit 0 (no
# regression of an A/A); re-run, nothing runs again.  A second night while
# one holds the lock is refused (exit 3).  The verdict's positive control
# (a run made 2x slower from recorded data: exit 1) and its A/A (exit 0),
# and bad configurations (exit 4), need no VM.  KTAP on stdout; exit 0
# when all pass; 4 (skip) without the Debian 6.12 kernel or make all.
#
#   vm/tests/test-nightly.sh [--no-vm]
#
# --no-vm: only the four tests that boot nothing (bad configurations, the
# verdict and its A/A, the lock); make check runs these, make check-full
# the two nights as well.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=vm/lib.sh
. "$top/vm/lib.sh"
py=/usr/bin/python3
nightly=$top/vm/nightly.sh
build=${BUILD:-$DEVMEM_CACHE/build}
data=$top/bench/tests/data
no_vm=0
case ${1:-} in
'')	;;
--no-vm) no_vm=1 ;;
*)	echo "test-nightly.sh: unknown argument '$1' (only --no-vm)" >&2; exit 2 ;;
esac

echo "KTAP version 1"
if [ "$no_vm" = 0 ] && ! resolve_kernel debian-6.12 >/dev/null 2>&1; then
	echo "1..0 # SKIP no debian-6.12 kernel in the cache (make deps)"
	exit 4
fi
for b in devmem-bench devmem-compare devmem-dashboard devmem-kcidb; do
	if [ ! -x "$build/bench/$b" ]; then
		echo "1..0 # SKIP no $build/bench/$b (make all)"
		exit 4
	fi
done

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
n=0
failed=0
[ "$no_vm" = 1 ] && echo "1..4" || echo "1..13"

result()
{
	local l

	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		[ -z "${3:-}" ] || while IFS= read -r l; do
			echo "# $l"
		done <<< "$3"
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}

nruns()
{
	find "$1" -maxdepth 1 -name '*.json' | wc -l
}

# 1: bad configurations are refused before anything runs.
rc=0
for c in 'kernel a debian' 'kernel a nope x' 'set nope 1' 'frob' \
	 'set accel warp' 'kernel a debian debian-6.12
kernel a debian debian-6.12' 'stress b soak'; do
	printf '%s\n' "$c" > "$t/bad.conf"
	"$nightly" --config "$t/bad.conf" --results "$t/bad" >/dev/null 2>&1
	s=$?
	[ $s = 4 ] || { rc=1; echo "# exit $s, not 4, for: $c"; }
done
[ "$(nruns "$t/bad" 2>/dev/null || echo 0)" = 0 ]
result $((rc | $?)) "bad configurations: exit 4, nothing run"

# 2-3: the verdict: a run 2x slower than its history regresses (exit 1);
# the same run again (A/A) does not.
mkdir -p "$t/v"
cp "$data/valid-icount.json" "$t/v/20260101T000000Z-k-tcg-icount.json"
scale()
{
	"$py" - "$data/valid-icount.json" "$t/v/20260102T000000Z-k-tcg-icount.json" "$1" <<'EOP'
import json, sys
d = json.load(open(sys.argv[1]))
d["timestamp"] = "2026-01-02T00:00:00Z"
f = int(sys.argv[3])
for r in d["results"]:
    m = r["metrics"].get("add_ns")
    if not m:
        continue
    m["samples"] = [x * f for x in m["samples"]]
    for k in ("min", "max", "median", "p90", "p99", "mean", "stddev"):
        m["summary"][k] *= f
json.dump(d, open(sys.argv[2], "w"))
EOP
}
printf 'kernel k debian debian-6.12\n' > "$t/v.conf"
scale 2
out=$("$nightly" --config "$t/v.conf" --results "$t/v" --verdict-only 2>&1)
rc=$?
[ $rc = 1 ] && grep -q REGRESSION <<< "$out"
result $? "verdict: a run with add_ns doubled regresses (exit 1)" "exit $rc"$'\n'"$(tail -n 3 <<< "$out")"
scale 1
out=$("$nightly" --config "$t/v.conf" --results "$t/v" --verdict-only 2>&1)
rc=$?
[ $rc = 0 ] && grep -q 'no regression against 1 earlier runs' <<< "$out"
result $? "verdict: the same run again (A/A) is no regression (exit 0)" "exit $rc"$'\n'"$(tail -n 3 <<< "$out")"

# The two nights' configuration: a tiny matrix; night 1 also has a kernel
# tree that does not exist (its build fails).
h=$t/history
dash=$t/dashboard
cat > "$t/n.conf" <<EOT
set bench_args -m devdax -M mem -a 2M -s 256M -n 3 -b 0
set accel tcg-icount
kernel debian-6.12 debian debian-6.12
EOT
{ cat "$t/n.conf"; echo "kernel broken tree $t/no-such-tree master"; } > "$t/n1.conf"

# 4: the lock: while another night holds it, a night is refused at once.
mkdir -p "$h/.nightly"
exec 8> "$h/.nightly/lock"
flock -n 8
out=$("$nightly" --config "$t/n.conf" --results "$h" --dashboard "$dash" --night n0 2>&1)
rc=$?
exec 8>&-
[ $rc = 3 ] && grep -q 'another night is running' <<< "$out" && [ "$(nruns "$h")" = 0 ]
result $? "a second night while one holds the lock: exit 3, nothing run" "exit $rc: $out"
if [ "$no_vm" = 1 ]; then
	echo "# $((n - failed)) passed, $failed failed"
	[ "$failed" = 0 ]
	exit
fi

# 5-6: night 1: the Debian kernel runs, the broken one fails: exit 2.
"$nightly" --config "$t/n1.conf" --results "$h" --dashboard "$dash" --night n1 > "$t/n1.log" 2>&1
rc=$?
[ $rc = 2 ] && [ "$(nruns "$h")" = 1 ] && grep -q 'broken: FAILED' "$t/n1.log"
result $? "night 1: one run stored, the unbuildable kernel fails the night (exit 2)" "exit $rc, $(nruns "$h") runs"$'\n'"$(tail -n 5 "$t/n1.log")"
"$nightly" --config "$t/n1.conf" --results "$h" --dashboard "$dash" --night n1 > "$t/n1b.log" 2>&1
rc=$?
[ $rc = 2 ] && [ "$(nruns "$h")" = 1 ] &&
	grep -q 'debian-6.12: done earlier this night' "$t/n1b.log" &&
	grep -q 'broken: FAILED' "$t/n1b.log"
result $? "night 1 re-run: only the failed kernel is retried, no run stored twice" "exit $rc, $(nruns "$h") runs"$'\n'"$(tail -n 5 "$t/n1b.log")"

# 7-11: night 2: two runs, both on the dashboard, valid KCIDB, A/A exit 0.
"$nightly" --config "$t/n.conf" --results "$h" --dashboard "$dash" --night n2 > "$t/n2.log" 2>&1
rc=$?
result $rc "night 2: exit 0 (its run is no regression against night 1)" "$(tail -n 15 "$t/n2.log")"
[ "$(nruns "$h")" = 2 ]
result $? "the history holds 2 runs" "$(ls "$h")"
out=$("$py" - "$dash/index.json" "$h" <<'EOP'
import json, os, sys
idx = json.dumps(json.load(open(sys.argv[1])))
runs = sorted(f for f in os.listdir(sys.argv[2]) if f.endswith(".json"))
missing = [r for r in runs if r not in idx]
print("missing: %s" % missing if missing else "ok")
EOP
)
[ "$out" = ok ] && [ -s "$dash/index.html" ] &&
	[ "$(for r in "$h"/*.json; do grep -c "$(basename "$r" .json)" "$dash/index.html"; done | grep -c '^[1-9]')" = 2 ]
result $? "the dashboard (index.json and index.html) shows both runs" "$out"
k1=$(ls "$h"/.nightly/n1/*.kcidb.json 2>/dev/null)
k2=$(ls "$h"/.nightly/n2/*.kcidb.json 2>/dev/null)
out=$("$py" "$top/results/kcidb/validate.py" "$k1" "$k2" 2>&1)
result $? "each night's KCIDB JSON validates against the project's v5.3 schema" "$out"
out=$("$py" - "$k1" "$k2" <<'EOP'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
same_co = a["checkouts"][0]["id"] == b["checkouts"][0]["id"]
shared = {t["id"] for t in a["tests"]} & {t["id"] for t in b["tests"]}
print("ok" if same_co and not shared and a["tests"] else
      "checkout same: %s, shared test ids: %d" % (same_co, len(shared)))
EOP
)
[ "$out" = ok ]
result $? "KCIDB: both nights under one checkout, every test id new" "$out"

# 12: night 2 re-run: nothing runs again, same verdict.
"$nightly" --config "$t/n.conf" --results "$h" --dashboard "$dash" --night n2 > "$t/n2b.log" 2>&1
rc=$?
[ $rc = 0 ] && [ "$(nruns "$h")" = 2 ] && grep -q 'done earlier this night' "$t/n2b.log" &&
	! grep -q 'bench on' "$t/n2b.log"
result $? "night 2 re-run: nothing run again, still 2 runs, exit 0" "exit $rc"$'\n'"$(tail -n 5 "$t/n2b.log")"

# 13: --verdict-only on the real history agrees with night 2.
"$nightly" --config "$t/n.conf" --results "$h" --verdict-only > /dev/null 2>&1
result $? "--verdict-only on the two nights: exit 0"

echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]

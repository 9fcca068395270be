#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of devmem-kcidb (bench/devmem-kcidb.c) and of the project's
# KCIDB v5.3 JSON Schema (results/kcidb/): exports of recorded results and
# KTAP logs validate; the same input gives the same ids, another run new
# test ids under the same checkout, another kernel another checkout;
# statuses, numbers and units are what the input says; the validator
# rejects broken documents (its positive control); bad input is a clear
# error with a non-zero exit.  KTAP on stdout; exit 0 when all pass, 4
# (skip) without /usr/bin/python3 + python3-jsonschema.
#
#   vm/tests/test-kcidb.sh        (BUILD as for make; make all first)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kcidb=${BUILD:-$top/.cache/build}/bench/devmem-kcidb
validate=$top/results/kcidb/validate.py
data=$top/bench/tests/data
ktap=$here/ktap
py=/usr/bin/python3

echo "KTAP version 1"
if ! "$py" -c 'import jsonschema' 2>/dev/null; then
	echo "1..0 # SKIP /usr/bin/python3 has no jsonschema (make deps installs python3-jsonschema)"
	exit 4
fi
if [ ! -x "$kcidb" ]; then
	echo "1..0 # SKIP no $kcidb (run: make all)"
	exit 4
fi

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
n=0
failed=0
echo "1..20"

# result RC NAME [DIAG]
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

# q FILE EXPR: print a Python expression over the JSON document d.
q()
{
	"$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# edit IN OUT EXPR: OUT is IN with the Python statement EXPR run on d.
edit()
{
	"$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); exec(sys.argv[3]); json.dump(d, open(sys.argv[2], "w"), indent=1)' "$1" "$2" "$3"
}

# 1-2: exports of every valid recorded results file (and two KTAP logs) validate.
rc=0 msg=
for f in "$data"/valid-*.json "$data"/recorded-icount.json; do
	if ! out=$("$kcidb" -o "$t/one.json" "$f" 2>&1) ||
	   ! out=$("$py" "$validate" "$t/one.json" 2>&1); then
		rc=1 msg="$msg$f: $out"$'\n'
	fi
done
result $rc "every recorded results file exports to valid KCIDB v5.3" "$msg"
out=$("$kcidb" --ktap "$ktap/debian-6.12-recorded.ktap" \
	--ktap "$ktap/odd-directives.ktap" --url-prefix https://ci.example.org/n1 \
	--git-url https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git \
	--commit 0123456789abcdef0123456789abcdef01234567 --branch linux-6.12.y \
	--config-fragment kernel/configs/guest.config \
	-o "$t/a.json" "$data/valid-v2-ns.json" "$data/valid-v2-workload.json" 2>&1) &&
	out=$("$py" "$validate" "$t/a.json" 2>&1)
result $? "results + KTAP + git checkout + URLs validate" "$out"

# 3: the same input twice: byte-identical, so the ids are the same.
"$kcidb" --ktap "$ktap/debian-6.12-recorded.ktap" \
	--ktap "$ktap/odd-directives.ktap" --url-prefix https://ci.example.org/n1 \
	--git-url https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git \
	--commit 0123456789abcdef0123456789abcdef01234567 --branch linux-6.12.y \
	--config-fragment kernel/configs/guest.config \
	-o "$t/a2.json" "$data/valid-v2-ns.json" "$data/valid-v2-workload.json"
cmp -s "$t/a.json" "$t/a2.json"
result $? "two exports of the same input are identical (same ids)"

# 4-6: another run of the same kernel (another timestamp): same checkout
# and build, all test ids new; another kernel: another checkout.
edit "$data/valid-v2-ns.json" "$t/run2.json" 'd["timestamp"]="2024-11-26T03:50:09Z"'
"$kcidb" -o "$t/r1.json" "$data/valid-v2-ns.json"
"$kcidb" -o "$t/r2.json" "$t/run2.json"
[ "$(q "$t/r1.json" 'd["checkouts"][0]["id"]')" = "$(q "$t/r2.json" 'd["checkouts"][0]["id"]')" ] &&
[ "$(q "$t/r1.json" 'd["builds"][0]["id"]')" = "$(q "$t/r2.json" 'd["builds"][0]["id"]')" ]
result $? "another run of the same kernel: the same checkout and build id"
common=$("$py" -c 'import json,sys
a={t["id"] for t in json.load(open(sys.argv[1]))["tests"]}
b={t["id"] for t in json.load(open(sys.argv[2]))["tests"]}
print(len(a & b), len(a), len(b))' "$t/r1.json" "$t/r2.json")
[[ $common =~ ^0\ [1-9][0-9]*\ [1-9][0-9]*$ ]]
result $? "another run: every test id is new ($common: shared, run 1, run 2)"
edit "$data/valid-v2-ns.json" "$t/k2.json" 'd["environment"]["kernel"].update(release="6.12.117-devmem-add-del-device-memory-v2", series="add-del-device-memory", revision="v2", patchset_hash="sha256:"+"3e"*32, version="#1 SMP PREEMPT_DYNAMIC Sun Nov 29 07:12:41 UTC 2026")'
"$kcidb" -o "$t/k2.json.out" "$t/k2.json"
[ "$(q "$t/r1.json" 'd["checkouts"][0]["id"]')" != "$(q "$t/k2.json.out" 'd["checkouts"][0]["id"]')" ] &&
	"$py" "$validate" "$t/k2.json.out" >/dev/null
result $? "another kernel (a series revision): another checkout id, valid"

# 7-8: the checkout of a series: patchset hash, series and revision.
[ "$(q "$t/k2.json.out" 'd["checkouts"][0]["patchset_hash"]')" = "$(printf '3e%.0s' $(seq 32))" ] &&
[ "$(q "$t/k2.json.out" 'd["checkouts"][0]["misc"]["series"] + " " + d["checkouts"][0]["misc"]["revision"]')" = "add-del-device-memory v2" ]
result $? "series checkout: patchset_hash from environment.kernel.patchset_hash, series and revision"
[ "$(q "$t/r1.json" 'd["checkouts"][0]["tree_name"] + " " + d["checkouts"][0]["misc"]["debian_version"] + " [" + d["checkouts"][0]["patchset_hash"] + "]"')" = "debian 6.12.22-1 []" ] &&
[ "$(q "$t/a.json" 'd["checkouts"][0]["git_commit_hash"] + " " + d["checkouts"][0]["git_repository_branch"] + " " + d["builds"][0]["misc"]["config_fragments"][0]')" = "0123456789abcdef0123456789abcdef01234567 linux-6.12.y kernel/configs/guest.config" ]
result $? "Debian checkout (version, no patches); git commit, branch, config fragment"

# a series whose results carry no patchset hash: --patchset-hash gives it.
edit "$data/valid-v2-ns.json" "$t/k3.json" 'd["environment"]["kernel"].update(release="6.12.117-devmem-x-v1", series="x", revision="v1")'
"$kcidb" -o "$t/k3.out" "$t/k3.json" &&
	[ "$(q "$t/k3.out" '"patchset_hash" in d["checkouts"][0]')" = False ] &&
	"$kcidb" -o "$t/k3.out" --patchset-hash "$(printf 'cd%.0s' $(seq 32))" "$t/k3.json" &&
	[ "$(q "$t/k3.out" 'd["checkouts"][0]["patchset_hash"]')" = "$(printf 'cd%.0s' $(seq 32))" ]
result $? "a series without a recorded patchset hash: none, or --patchset-hash's"

# tests: paths, statuses and numbers.
p='{t["path"]: t for t in d["tests"]}'
[ "$(q "$t/a.json" "($p)['devmem.ns_cycle.devdax_mem_2m_1g']['status']")" = FAIL ] &&
[ "$(q "$t/a.json" "($p)['devmem.ns_cycle.devdax_mem_4k_256m']['status']")" = PASS ] &&
[ "$(q "$t/a.json" "($p)['devmem.ns_cycle.devdax_mem_1g_1g']['status']")" = SKIP ] &&
[ "$(q "$t/a.json" "($p)['devmem.soak.devdax_mem_2m_256m']['status']")" = PASS ]
result $? "configurations: violations FAIL, clean PASS, skipped SKIP, workload in the path"
v=$(q "$t/a.json" "[($p)['devmem.ns_cycle.devdax_mem_2m_1g.add_ns'][k] for k in ('status','number')]")
[ "$v" = "['DONE', {'value': 0.0089420495, 'unit': 's', 'prefix': 'metric'}]" ]
result $? "a metric is a DONE test with its median in seconds" "$v"
"$kcidb" -o "$t/i.json" "$data/valid-icount.json"
v=$(q "$t/i.json" '[(t["path"], t["number"]["unit"], t["environment"]["misc"]["accel"], t["environment"]["misc"]["icount_shift"]) for t in d["tests"] if t["path"].endswith(".add_ns")][0]')
[[ $v == *"'insn', 'tcg-icount', 0)" ]]
result $? "tcg-icount: units insn, accel and icount shift in the environment" "$v"
v=$(q "$t/a.json" "[($p)[k]['status'] for k in ('devmem.kselftest.devmem_cycle_test.ns_cycle.devdax_4k.span_returns_after_remove', 'devmem.kselftest.devmem_private_test.global.spans_text_matches_ioctl', 'devmem.kselftest.devmem_private_test.private.dev_private.cycle_ioctl', 'devmem.kselftest.devmem_private_test')]")
[ "$v" = "['PASS', 'SKIP', 'FAIL', 'FAIL']" ]
result $? "KTAP: XFAIL passes, SKIP skips, XPASS and not ok fail, the binary itself" "$v"
"$kcidb" -o "$t/to.json" --ktap "$ktap/debian-6.12-timeout.ktap" "$data/valid-v2-ns.json"
v=$(q "$t/to.json" '[t["status"] for t in d["tests"] if t["path"].startswith("devmem.kselftest") and "TIMEOUT" in t["misc"].get("directive","").upper()]')
[ "$v" = "['ERROR']" ]
result $? "KTAP: a not ok TIMEOUT is ERROR" "$v"

# 14: LAVA test cases: every result, with measurements and units.
out=$("$kcidb" --lava --ktap "$ktap/debian-6.12-recorded.ktap" "$data/valid-icount.json")
n_json=$("$kcidb" --ktap "$ktap/debian-6.12-recorded.ktap" "$data/valid-icount.json" | "$py" -c 'import json,sys; print(len(json.load(sys.stdin)["tests"]))')
grep -qE '^lava-test-case devmem\.[a-z0-9_.]+\.add_ns --result pass --measurement [0-9.e+]+ --units insn$' <<< "$out" &&
	[ "$(grep -c '^lava-test-case ' <<< "$out")" = "$n_json" ] &&
	! grep -v '^lava-test-case [A-Za-z0-9_.-]* --result \(pass\|fail\|skip\|unknown\)\( --measurement [-0-9.e+]* --units [a-z/]*\)\{0,1\}$' <<< "$out" | grep -q .
result $? "--lava: one lava-test-case per KCIDB test, measurements with units ($n_json)"

# 15-17: the validator's positive control: broken documents are refused.
rc=0
for e in 'd["tests"][0]["status"]="BOGUS"' 'del d["builds"][0]["origin"]' \
	 'd["tests"][1]["path"]="devmem.bad path"' '[x for x in d["tests"] if "number" in x][0]["number"]["unit"]=1' \
	 'd["checkouts"][0]["patchset_hash"]="sha256:00"' 'd["version"]["major"]=4' \
	 'd["tests"].append(dict(d["tests"][0]))' 'd["tests"][0]["build_id"]="devmem:nowhere"'; do
	rm -f "$t/bad.json"
	edit "$t/a.json" "$t/bad.json" "$e" || { rc=1; echo "# cannot apply: $e"; }
	if "$py" "$validate" "$t/bad.json" >/dev/null 2>&1; then
		rc=1
		echo "# the validator accepted: $e"
	fi
done
result $rc "the validator refuses 8 kinds of broken document"

# bad input: clear message, non-zero exit.
out=$("$kcidb" "$data/bad-no-schema.json" 2>&1 >/dev/null)
rc=$?
[ $rc = 1 ] && [[ $out == *"bad-no-schema.json: not a usable devmem-bench results file"* ]]
result $? "not a results file: exit 1 naming it" "$rc: $out"
out=$("$kcidb" --ktap "$t/missing.ktap" "$data/valid-v2-ns.json" 2>&1 >/dev/null)
rc=$?
[ $rc = 1 ] && [[ $out == *"missing.ktap: cannot open the KTAP log"* ]]
result $? "missing KTAP file: exit 1 naming it" "$rc: $out"
out=$("$kcidb" --ktap "$ktap/no-results.ktap" "$data/valid-v2-ns.json" 2>&1 >/dev/null)
rc=$?
[ $rc = 1 ] && [[ $out == *"no KTAP results"* ]]
result $? "a KTAP file without results: exit 1" "$rc: $out"
rc=0
"$kcidb" >/dev/null 2>&1; [ $? = 2 ] || rc=1
"$kcidb" --commit abc "$data/valid-v2-ns.json" >/dev/null 2>&1; [ $? = 2 ] || rc=1
"$kcidb" --origin Bad "$data/valid-v2-ns.json" >/dev/null 2>&1; [ $? = 2 ] || rc=1
"$kcidb" --git-url git://x "$data/valid-v2-ns.json" >/dev/null 2>&1; [ $? = 2 ] || rc=1
"$kcidb" --nope "$data/valid-v2-ns.json" >/dev/null 2>&1; [ $? = 2 ] || rc=1
"$kcidb" --patchset-hash sha256:00 "$data/valid-v2-ns.json" >/dev/null 2>&1; [ $? = 2 ] || rc=1
result $rc "bad usage (no file, short commit, bad origin, git:// URL, unknown option, bad patchset hash): exit 2"

echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]

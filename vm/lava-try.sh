#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lava-try: write a devmem LAVA job (vm/lava-job.sh) and run it here
# with LAVA's own dispatcher (lava-run from Debian's lava-dispatcher): a
# local QEMU device (lava/device.py), file:// artefacts, no network, no
# KVM.  Prints the test cases and measurements LAVA recorded, keeps the
# job's log, results JSON and KCIDB export in the run folder.
#
#   vm/lava-try.sh [--keep] [vm/lava-job.sh options]
#
# Exit status: 0 when the job finished, every test case is pass or skip
# and at least one kselftest case and one measurement came back; 1
# otherwise (the reason is printed); 4 when lava-run is not installed.
set -eu
. "$(dirname "$0")/lib.sh"

keep=0 job_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--keep)		keep=1 ;;
	-h|--help)	sed -n '4,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--out|--nvdimm-dir|--url-base)
			die "$1 is chosen by lava-try (its run folder)" ;;
	*)		job_args+=("$1") ;;
	esac
	shift
done

py=/usr/bin/python3
if ! command -v lava-run >/dev/null || ! "$py" -c 'import lava_common' 2>/dev/null; then
	warn "SKIP: lava-run or lava_common not installed (make deps installs lava-dispatcher)"
	exit 4
fi
build=${BUILD:-$DEVMEM_CACHE/build}
kcidb=$build/bench/devmem-kcidb

start=$(date +%s)
mkdir -p "$DEVMEM_CACHE/lava-try"
dir=$(mktemp -d "$DEVMEM_CACHE/lava-try/$(date -u +%Y%m%dT%H%M%S)-XXXX")
# lava-run keeps its working copies under /var/lib/lava/dispatcher/tmp/<job
# id>: one id per run (this shell's pid), removed afterwards.
job_id=$$
lava_tmp=/var/lib/lava/dispatcher/tmp/$job_id
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup()
{
	[ -z "${lpid:-}" ] || kill -- "-$lpid" 2>/dev/null || kill "$lpid" 2>/dev/null || true
	rm -rf "$lava_tmp"
	rm -f "$dir"/devmem-lava-*-nv*.img
	if [ "$keep" = 0 ] && [ "${ok:-0}" = 1 ]; then
		rm -f "$dir/vmlinuz" "$dir/initramfs.cpio"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$DEVMEM_TOP/vm/lava-job.sh" --out "$dir" --nvdimm-dir "$dir" \
	--url-base "file://$dir" "${job_args[@]}" >/dev/null ||
	die "vm/lava-job.sh failed"
"$py" -c 'import sys, yaml
from lava_common.schemas import validate
validate(yaml.safe_load(open(sys.argv[1])), strict=True)' "$dir/job.yaml" ||
	die "the job does not validate against lava-common's schema"
"$py" "$DEVMEM_TOP/lava/device.py" "$dir/job.yaml" > "$dir/device.yaml" ||
	die "cannot write the device configuration"
echo "lava-try: job $dir/job.yaml, device $dir/device.yaml; lava-run --job-id $job_id" >&2

# lava-run in its own process group, so that an interrupt stops its QEMU.
set +e
setsid lava-run --job-id "$job_id" --output-dir "$dir/out" \
	--device "$dir/device.yaml" "$dir/job.yaml" > "$dir/lava.log" 2>&1 &
lpid=$!
wait "$lpid"
lrc=$?
lpid=
set -e

# The dispatcher's log: one JSON (YAML flow) object a line.  Its results
# lines are what LAVA records; the target lines are the guest's console.
"$py" - "$dir" <<'EOP'
import base64, gzip, json, sys, yaml
d = sys.argv[1]
cases, job, target = [], None, []
with open(d + "/lava.log", encoding="utf-8", errors="replace") as f:
    for line in f:
        try:
            e = yaml.safe_load(line)
        except yaml.YAMLError:
            continue
        if not isinstance(e, dict):
            continue
        if e.get("lvl") == "results":
            m = e["msg"]
            if m.get("definition") == "lava":
                if m.get("case") == "job":
                    job = m
            else:
                cases.append(m)
        elif e.get("lvl") == "target" and isinstance(e.get("msg"), str):
            target.append(e["msg"])
with open(d + "/cases.json", "w") as f:
    json.dump({"job": job, "cases": cases}, f, indent=1, default=str)
# The results JSON the guest printed (gzip, base64) between the markers.
try:
    a = target.index("DEVMEM-RESULTS-JSON-BEGIN")
    b = target.index("DEVMEM-RESULTS-JSON-END", a)
    raw = gzip.decompress(base64.b64decode("".join(target[a + 1:b])))
    with open(d + "/bench.json", "wb") as f:
        f.write(raw)
except (ValueError, OSError) as exc:
    print("lava-try: no results JSON in the job's log: %s" % exc, file=sys.stderr)
with open(d + "/ktap.txt", "w") as f:
    keep = False
    for t in target:
        if t.startswith("TAP version"):
            keep = True
        if t.startswith("DEVMEM-RESULTS-JSON-BEGIN"):
            keep = False
        if keep and (t.startswith("#") or t.startswith("ok ") or
                     t.startswith("not ok ") or t.startswith("TAP ") or
                     t.startswith("1..")):
            f.write(t + "\n")
for c in cases:
    m = ""
    if "measurement" in c:
        m = "  %s %s" % (c["measurement"], c.get("units", ""))
    print("%-6s %s%s" % (c["result"], c["case"], m))
EOP
elapsed=$(($(date +%s) - start))

read -r ncases nksft nmeas nbad job_result < <("$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["cases"]
print(len(c), sum(x["case"].startswith("devmem.kselftest.") for x in c),
      sum("measurement" in x and "units" in x for x in c),
      sum(x["result"] not in ("pass", "skip") for x in c),
      (d["job"] or {}).get("result", "none"))' "$dir/cases.json")

if [ -s "$dir/bench.json" ] && [ -x "$kcidb" ]; then
	"$kcidb" ${nksft:+--ktap "$dir/ktap.txt"} -o "$dir/kcidb.json" \
		"$dir/bench.json" || warn "devmem-kcidb could not export the job's results"
fi
echo "lava-try: lava-run exit $lrc, job $job_result: $ncases test cases ($nksft kselftest, $nmeas measurements with units, $nbad not pass/skip) in ${elapsed}s; log $dir/lava.log" >&2
[ -s "$dir/bench.json" ] && echo "lava-try: results JSON (the job's artefact) $dir/bench.json${kcidb:+, KCIDB $dir/kcidb.json}" >&2

fail=
[ "$lrc" = 0 ] || fail="lava-run exited $lrc"
[ "$job_result" = pass ] || fail="${fail:+$fail; }the job result is $job_result"
[ "$nksft" -gt 0 ] || fail="${fail:+$fail; }no kselftest test case"
[ "$nmeas" -gt 0 ] || fail="${fail:+$fail; }no measurement"
[ "$nbad" = 0 ] || fail="${fail:+$fail; }$nbad test cases failed"
[ -s "$dir/bench.json" ] || fail="${fail:+$fail; }no results JSON"
if [ -n "$fail" ]; then
	warn "FAIL: $fail (run folder $dir)"
	exit 1
fi
ok=1
exit 0

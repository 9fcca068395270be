#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of the LAVA job generator (vm/lava-job.sh, lava/): the job
# make lava-job writes validates against lava-common's job schema, and
# LAVA's dispatcher (lava-run --validate) builds its whole pipeline on the
# local QEMU device configuration (lava/device.py) with the artefacts it
# names; the job carries the NVDIMM and icount options, the workload and
# the kselftest; the initramfs has lava/init.sh as /init and the payload
# the test needs; the guest scripts parse under busybox sh; the
# validators refuse broken jobs (their positive control); bad options are
# refused.  The real run is make lava-try (vm/lava-try.sh), minutes long.
# KTAP on stdout; exit 0 when all pass, 4 (skip) without lava-common /
# lava-dispatcher or the Debian 6.12 kernel.
#
#   vm/tests/test-lava.sh        (make all first)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=vm/lib.sh
. "$top/vm/lib.sh"
py=/usr/bin/python3

echo "KTAP version 1"
if ! "$py" -c 'import lava_common.schemas, yaml' 2>/dev/null ||
   ! command -v lava-run >/dev/null; then
	echo "1..0 # SKIP lava-common / lava-dispatcher not installed (make deps)"
	exit 4
fi
if ! resolve_kernel debian-6.12 >/dev/null 2>&1; then
	echo "1..0 # SKIP no debian-6.12 kernel in the cache (make deps)"
	exit 4
fi

t=$(mktemp -d)
job_id=$$
trap 'rm -rf "$t" "/var/lib/lava/dispatcher/tmp/$job_id"' EXIT
n=0
failed=0
echo "1..13"

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

# schema_ok FILE: lava-common's validation of a job (strict, as the server).
schema_ok()
{
	"$py" -c 'import sys, yaml
from lava_common.schemas import validate
validate(yaml.safe_load(open(sys.argv[1])), strict=True)' "$1" 2>&1
}

# 1: make lava-job's job and artefacts.
out=$("$top/vm/lava-job.sh" --kernel debian-6.12 --out "$t/a" --nvdimm-dir "$t/a" 2>&1)
rc=$?
[ $rc = 0 ] && [ -s "$t/a/job.yaml" ] && [ -s "$t/a/devmem-test.yaml" ] &&
	[ -s "$t/a/vmlinuz" ] && [ -s "$t/a/initramfs.cpio" ]
result $? "lava-job writes job.yaml, devmem-test.yaml, vmlinuz, initramfs.cpio" "$out"

# 2: lava-common's job schema.
out=$(schema_ok "$t/a/job.yaml")
result $? "the job validates against lava-common's schema (strict)" "$out"

# 3: the dispatcher builds and validates the whole pipeline on the device.
"$py" "$top/lava/device.py" "$t/a/job.yaml" > "$t/a/device.yaml"
out=$(lava-run --validate --job-id "$job_id" --output-dir "$t/a/out" \
	--device "$t/a/device.yaml" "$t/a/job.yaml" 2>&1)
rc=$?
[ $rc = 0 ] && grep -q '"case": "validate", "definition": "lava", "result": "pass"' <<< "$out" &&
	grep -q 'name: deployimages' "$t/a/out/description.yaml" &&
	grep -q 'name: boot-qemu-image' "$t/a/out/description.yaml" &&
	grep -q 'name: append-overlays' "$t/a/out/description.yaml" &&
	grep -q 'name: lava-test-shell' "$t/a/out/description.yaml"
result $? "lava-run --validate: deploy (overlay appended to the ramdisk), qemu boot, test shell" "$(tail -n 5 <<< "$out")"

# 4: what the job asks of QEMU and of the guest.
j=$t/a/job.yaml
q()
{
	"$py" -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
ctx=$(q "$j" '" ".join(d["context"]["extra_options"]) + " no_kvm=" + str(d["context"]["no_kvm"]) + " memory=" + d["context"]["memory"]')
[ "$(grep -o -- '-device nvdimm,' <<< "$ctx" | wc -l)" = 2 ] &&
	[ "$(grep -o -- 'memory-backend-file,[^ ]*mem-path='"$t"'/a/devmem-lava-[0-9a-f]*-nv[01].img,size=5G,align=1G' <<< "$ctx" | wc -l)" = 2 ] &&
	[[ $ctx == *"-icount shift=0,sleep=off,align=off"* ]] &&
	[[ $ctx == "-machine pc,nvdimm=on -cpu max,la57=off "*" no_kvm=True memory=2048M,slots=2,maxmem=12288M" ]]
result $? "context: nvdimm machine, 2 NVDIMMs on 1G-aligned backends, icount shift 0, no KVM, slots" "$ctx"
p=$(q "$j" 'd["actions"][2]["test"]["definitions"][0]["repository"]["params"]')
[ "$p" = "{'KSFT_TESTS': 'devmem_cycle_test', 'KSFT_CYCLES': '1', 'BENCH_ARGS': '-W ns-cycle -m devdax -M mem -a 2M -s 256M -n 3 -b 0'}" ] &&
	[ "$(q "$j" 'd["actions"][2]["test"]["definitions"][0]["repository"]')" = "$(q "$t/a/devmem-test.yaml" 'd')" ] &&
	grep -q "DEVMEM_ACCEL='tcg-icount'" "$t/a/env" && grep -q "DEVMEM_ICOUNT_SHIFT='0'" "$t/a/env"
result $? "test definition: kselftest, workload and matrix; inline copy = devmem-test.yaml; guest env" "$p"

# 5: another workload under plain TCG, the job only.
out=$("$top/vm/lava-job.sh" --kernel debian-6.12 --out "$t/b" --no-images \
	--workload soak --accel tcg --ksft-test none --bench-args "-m devdax -n 2" \
	--url-base https://lava.example.org/devmem 2>&1) &&
	out=$(schema_ok "$t/b/job.yaml") &&
	! grep -q icount "$t/b/job.yaml" && [ ! -e "$t/b/initramfs.cpio" ] &&
	[ "$(q "$t/b/job.yaml" 'd["actions"][0]["deploy"]["images"]["ramdisk"]["url"]')" = https://lava.example.org/devmem/initramfs.cpio ] &&
	[ "$(q "$t/b/job.yaml" 'd["actions"][2]["test"]["definitions"][0]["repository"]["params"]["BENCH_ARGS"]')" = "-W soak -m devdax -n 2" ]
result $? "--workload soak --accel tcg --no-images --url-base: valid, no icount, the farm's URLs" "$out"

# 6: the initramfs: LAVA's /init, the payload, devmem-kcidb's libraries.
list=$(cpio -it --quiet < "$t/a/initramfs.cpio" 2>/dev/null)
mkdir -p "$t/x" && (cd "$t/x" && cpio -id --quiet init < "$t/a/initramfs.cpio")
rc=0
for f in devmem/devmem-bench devmem/devmem-kcidb devmem/lava/devmem-test.sh \
	 devmem/kselftest/run_kselftest.sh devmem/kselftest/devmem/devmem_cycle_test \
	 bin/busybox usr/bin/ndctl etc/devmem/env etc/devmem/modules; do
	grep -qx "$f" <<< "$list" || { rc=1; echo "# missing in the initramfs: $f"; }
done
grep -q 'libcrypto\.so' <<< "$list" || { rc=1; echo "# no libcrypto (devmem-kcidb) in the initramfs"; }
cmp -s "$t/x/init" "$top/lava/init.sh" || { rc=1; echo "# /init is not lava/init.sh"; }
result $rc "initramfs: /init is lava/init.sh; bench, kcidb (+libcrypto), kselftest, ndctl, env"

# 7: the guest side is POSIX sh for busybox.
out=$(busybox sh -n "$top/lava/devmem-test.sh" 2>&1 && busybox sh -n "$top/lava/init.sh" 2>&1)
result $? "lava/devmem-test.sh and lava/init.sh parse under busybox sh" "$out"

# 8-9: positive controls: broken jobs are refused by both validators.
rc=0
for e in 'del d["device_type"]' 'd["actions"][1]["boot"]["method"]="nonsense"' \
	 'd["actions"][0]["deploy"]["to"]="nowhere"' 'd["timeouts"]={}' \
	 'd["actions"].append({"reboot": {}})'; do
	"$py" -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); exec(sys.argv[3]); yaml.safe_dump(d, open(sys.argv[2], "w"))' \
		"$j" "$t/bad.yaml" "$e" || { rc=1; continue; }
	if schema_ok "$t/bad.yaml" >/dev/null; then
		rc=1
		echo "# lava-common accepted: $e"
	fi
done
result $rc "lava-common's schema refuses 5 kinds of broken job"
"$py" -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); d["actions"][0]["deploy"]["images"]["kernel"]["url"] = "file:///nonexistent/vmlinuz"; yaml.safe_dump(d, open(sys.argv[2], "w"))' "$j" "$t/bad2.yaml"
out=$(lava-run --validate --job-id "$job_id" --output-dir "$t/out2" \
	--device "$t/a/device.yaml" "$t/bad2.yaml" 2>&1)
rc=$?
[ $rc != 0 ] && grep -q 'nonexistent/vmlinuz' <<< "$out"
result $? "lava-run --validate refuses a job whose kernel is missing" "$(tail -n 3 <<< "$out")"

# 10-12: bad options.
rc=0 msgs=
for a in "--workload nope" "--accel kvm" "--ksft-test no_such_test" "--nvdimms 9" \
	 "--bench-args x;reboot" "--nvdimm-dir relative" "--frobnicate"; do
	# shellcheck disable=SC2086 # one option and its value
	if out=$("$top/vm/lava-job.sh" --kernel debian-6.12 --out "$t/c" --no-images $a 2>&1); then
		rc=1
		msgs="$msgs$a: accepted"$'\n'
	elif ! grep -q 'error\|unknown option' <<< "$out"; then
		rc=1
		msgs="$msgs$a: no message: $out"$'\n'
	fi
done
result $rc "lava-job refuses a bad workload, accel, test, NVDIMM count, argument, folder, option" "$msgs"
echo 'context: {arch: arm64}' > "$t/arm.yaml"
"$py" "$top/lava/device.py" "$t/arm.yaml" >/dev/null 2>&1
[ $? = 1 ]
result $? "lava/device.py refuses an architecture it does not render"
out=$("$top/vm/lava-try.sh" --out /tmp 2>&1)
[ $? = 1 ] && grep -q 'chosen by lava-try' <<< "$out"
result $? "lava-try refuses --out (it owns its run folder)" "$out"

echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]

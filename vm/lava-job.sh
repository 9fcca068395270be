#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lava-job: write a LAVA job that boots a kernel with emulated NVDIMMs
# on a QEMU device, runs the devmem kselftest and a devmem-bench workload,
# and reports every KTAP result as a LAVA test case and every metric as a
# measurement with its unit.  See usage() or --help.
set -eu
. "$(dirname "$0")/lib.sh"

usage()
{
	cat <<EOT
usage: vm/lava-job.sh [options]

Writes into OUT: job.yaml (the LAVA job), devmem-test.yaml (its test
definition, also inline in the job), vmlinuz and initramfs.cpio (the
artefacts the job deploys: the kernel, and an initramfs with busybox, ndctl,
the kselftest, devmem-bench and devmem-kcidb), and env (what the guest is
told about its machine).

  --kernel SPEC        as for make bench                     [debian-6.12]
  --workload NAME      devmem-bench workload (devmem-bench --list)
                                                              [ns-cycle]
  --bench-args ARGS    devmem-bench options besides -W
                       [-m devdax -M mem -a 2M -s 256M -n 3 -b 0]
  --ksft-test NAME     a kselftest binary (repeatable; "none": no kselftest)
                                                      [devmem_cycle_test]
  --ksft-cycles N      DEVMEM_CYCLES for the kselftest        [1]
  --accel MODE         tcg-icount or tcg (TCG: a LAVA worker may have KVM,
                       but the results must say what ran)     [tcg-icount]
  --mem SIZE           guest RAM in MiB                       [2048]
  --nvdimms N          emulated NVDIMMs, 1..4                 [2]
  --nvdimm-size GIB    each, in GiB                           [4]
  --nvdimm-dir DIR     where the worker creates the sparse NVDIMM backing
                       files (must exist on the worker)       [/var/tmp]
  --url-base URL       where the worker fetches vmlinuz and
                       initramfs.cpio                         [file://OUT]
  --timeout MIN        job timeout in minutes                 [60]
  --out DIR            [results/lava/<kernel name>]
  --no-images          write the job and its test definition only (the
                       images are already where --url-base points)
  -h, --help           this text
EOT
}

kernel=debian-6.12 workload=ns-cycle
bench_args="-m devdax -M mem -a 2M -s 256M -n 3 -b 0"
ksft_tests=() ksft_cycles=1 accel=tcg-icount mem=2048 nvdimms=2 nvsize=4
nvdir=/var/tmp url_base='' timeout_min=60 out='' images=1
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)	kernel=${2?--kernel needs a value}; shift ;;
	--workload)	workload=${2?--workload needs a value}; shift ;;
	--bench-args)	bench_args=${2?--bench-args needs a value}; shift ;;
	--ksft-test)	ksft_tests+=("${2?--ksft-test needs a value}"); shift ;;
	--ksft-cycles)	ksft_cycles=${2?--ksft-cycles needs a value}; shift ;;
	--accel)	accel=${2?--accel needs a value}; shift ;;
	--mem)		mem=${2?--mem needs a value}; shift ;;
	--nvdimms)	nvdimms=${2?--nvdimms needs a value}; shift ;;
	--nvdimm-size)	nvsize=${2?--nvdimm-size needs a value}; shift ;;
	--nvdimm-dir)	nvdir=${2?--nvdimm-dir needs a value}; shift ;;
	--url-base)	url_base=${2?--url-base needs a value}; shift ;;
	--timeout)	timeout_min=${2?--timeout needs a value}; shift ;;
	--out)		out=${2?--out needs a value}; shift ;;
	--no-images)	images=0 ;;
	-h|--help)	usage; exit 0 ;;
	*)		usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done
[ ${#ksft_tests[@]} -gt 0 ] || ksft_tests=(devmem_cycle_test)

[[ $workload =~ ^[A-Za-z0-9_.-]+$ ]] || die "--workload: '$workload' is not a workload name"
[[ $bench_args =~ ^[A-Za-z0-9\ ,=._:/+-]*$ ]] ||
	die "--bench-args: '$bench_args' has characters other than [A-Za-z0-9 ,=._:/+-]"
for t in "${ksft_tests[@]}"; do
	[[ $t =~ ^[A-Za-z0-9_.-]+$ ]] || die "--ksft-test: '$t' is not a test name"
done
[[ $ksft_cycles =~ ^[1-9][0-9]{0,5}$ ]] || die "--ksft-cycles: '$ksft_cycles' is not a positive number"
case $accel in
tcg|tcg-icount) ;;
*) die "--accel: '$accel' is not tcg or tcg-icount" ;;
esac
if ! [[ $mem =~ ^[0-9]{3,5}$ ]] || [ "$mem" -lt 512 ] || [ "$mem" -gt 16384 ]; then
	die "--mem: '$mem' is not a size in MiB (512..16384)"
fi
[[ $nvdimms =~ ^[1-4]$ ]] || die "--nvdimms: '$nvdimms' is not 1..4"
if ! [[ $nvsize =~ ^[0-9]{1,2}$ ]] || [ "$nvsize" -lt 1 ] || [ "$nvsize" -gt 64 ]; then
	die "--nvdimm-size: '$nvsize' is not a size in GiB (1..64)"
fi
[[ $nvdir =~ ^/[A-Za-z0-9_./-]*$ ]] || die "--nvdimm-dir: '$nvdir' is not an absolute path"
[[ $timeout_min =~ ^[1-9][0-9]{0,3}$ ]] || die "--timeout: '$timeout_min' is not a number of minutes"

build=${BUILD:-$DEVMEM_CACHE/build}
ksft=$build/kselftest
for f in "$build/bench/devmem-bench" "$build/bench/devmem-kcidb" "$ksft/run_kselftest.sh"; do
	[ -x "$f" ] || die "no $f; run: make all"
done
if [ "${ksft_tests[0]}" != none ]; then
	for t in "${ksft_tests[@]}"; do
		[ -x "$ksft/devmem/$t" ] || die "--ksft-test: no test '$t' in $ksft/devmem"
	done
fi
"$build/bench/devmem-bench" --list 2>/dev/null | awk '{print $1}' | grep -qx -- "$workload" ||
	die "--workload: devmem-bench has no workload '$workload' (devmem-bench --list)"

kpath=$(resolve_kernel "$kernel")
[ -d "$kpath" ] || die "--kernel: a kernel dir is needed (vmlinuz, release, modules), not $kpath"
release=$(cat "$kpath/release")
name=$(basename "$kpath")
meta() { [ -f "$kpath/meta" ] && sed -n "s/^$1=//p" "$kpath/meta" | tail -n 1; }
modules=
[ -d "$kpath/modules" ] && modules=$kpath/modules

[ -n "$out" ] || out=$DEVMEM_TOP/results/lava/$name
mkdir -p "$out" || die "--out: cannot create $out"
out=$(cd "$out" && pwd)
[ -n "$url_base" ] || url_base=file://$out
url_base=${url_base%/}

# The machine: what vm/run.sh gives a guest (NVDIMMs 1G-aligned, each
# backing file 1G larger than its region for the label area), with the
# serial console on stdio for LAVA.
nv_file=$((nvsize + 1))
maxmem=$((mem + nvdimms * nv_file * 1024))
tag=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
extra=()
for ((i = 0; i < nvdimms; i++)); do
	extra+=("-object memory-backend-file,id=mem$i,share=on,mem-path=$nvdir/devmem-lava-$tag-nv$i.img,size=${nv_file}G,align=1G"
		"-device nvdimm,id=nv$i,memdev=mem$i,label-size=128K")
done
if [ "$accel" = tcg-icount ]; then
	accel_opts=("-accel tcg,thread=single" "-icount shift=0,sleep=off,align=off" "-rtc base=utc,clock=vm")
	icount_shift=0 append_extra=" nokaslr"
else
	accel_opts=("-accel tcg,thread=single" "-rtc base=utc")
	icount_shift='' append_extra=''
fi
cpu='max,la57=off'
machine='pc,nvdimm=on'
memory="${mem}M,slots=$nvdimms,maxmem=${maxmem}M"
append="console=ttyS0 panic=-1 devmem.lava=1$append_extra"

# The initramfs: vm/mkinitramfs.sh's (busybox, bash, ndctl, the modules),
# the payload under /devmem, then lava/init.sh as /init.
work=$(mktemp -d "${TMPDIR:-/tmp}/devmem-lava.XXXXXX")
trap 'rm -rf "$work"' EXIT
payload=$work/payload
mkdir -p "$payload/kselftest" "$payload/lava"
cp -a "$ksft/." "$payload/kselftest/"
# Each test once: the installed list held every test twice here (seen on
# 2026-11-29), and run_kselftest.sh -t runs every matching line.
if [ -f "$payload/kselftest/kselftest-list.txt" ]; then
	awk '!seen[$0]++' "$ksft/kselftest-list.txt" > "$payload/kselftest/kselftest-list.txt"
fi
cp "$build/bench/devmem-bench" "$build/bench/devmem-kcidb" "$payload/"
cp "$DEVMEM_TOP/lava/devmem-test.sh" "$payload/lava/"
qemu_version=$(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
{
	printf "DEVMEM_ACCEL='%s'\n" "$accel"
	printf "DEVMEM_ICOUNT_SHIFT='%s'\n" "$icount_shift"
	# The generator's QEMU; a farm's worker may run another.
	printf "DEVMEM_QEMU_VERSION='%s'\n" "$qemu_version"
	printf "DEVMEM_QEMU_ARGS='%s'\n" "-machine $machine -cpu $cpu -m $memory ${accel_opts[*]} ${extra[*]//$nvdir\//}"
	printf "DEVMEM_KERNEL_NAME='%s'\n" "$(meta name || true)"
	printf "DEVMEM_KERNEL_SERIES='%s'\n" "$(meta series || true)"
	printf "DEVMEM_KERNEL_REVISION='%s'\n" "$(meta revision || true)"
	printf "DEVMEM_KERNEL_CONFIG_HASH='%s'\n" "$(meta config_hash || true)"
	printf "DEVMEM_GUEST_MEM_BYTES='%s'\n" "$((mem << 20))"
	printf "DEVMEM_NVDIMMS='%s'\n" "$nvdimms"
	printf "DEVMEM_NVDIMM_BYTES='%s'\n" "$((nvsize << 30))"
	echo "export DEVMEM_ACCEL DEVMEM_ICOUNT_SHIFT DEVMEM_QEMU_VERSION DEVMEM_QEMU_ARGS DEVMEM_KERNEL_NAME DEVMEM_KERNEL_SERIES DEVMEM_KERNEL_REVISION DEVMEM_KERNEL_CONFIG_HASH DEVMEM_GUEST_MEM_BYTES DEVMEM_NVDIMMS DEVMEM_NVDIMM_BYTES"
} > "$out/env"
if [ "$images" = 1 ]; then
	mk_args=(-r "$release" -o "$work/initramfs.cpio" -e "$out/env" -p "$payload")
	[ -n "$modules" ] && mk_args+=(-m "$modules")
	"$DEVMEM_TOP/vm/mkinitramfs.sh" "${mk_args[@]}" || die "building the initramfs failed"
	mkdir "$work/root"
	(cd "$work/root" && cpio -idm --quiet < "$work/initramfs.cpio") ||
		die "cannot unpack the initramfs"
	cp "$DEVMEM_TOP/lava/init.sh" "$work/root/init"
	chmod 755 "$work/root/init"
	# Uncompressed: LAVA unpacks the archive to add its overlay and packs it
	# again, and recompressing took 23 s of a local run (python gzip).
	(cd "$work/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) \
		> "$out/initramfs.cpio.tmp"
	mv "$out/initramfs.cpio.tmp" "$out/initramfs.cpio"
	rm -f "$out/initramfs.cpio.gz"
	cp "$kpath/vmlinuz" "$out/vmlinuz"
fi

ksft_list="${ksft_tests[*]}"
ba="-W $workload $bench_args"

# The test definition (Lava-Test Test Definition 1.0), as a file and
# inline in the job.
testdef()
{
	local ind=$1

	sed "s/^/$ind/" <<EOT
metadata:
  format: Lava-Test Test Definition 1.0
  name: devmem
  description: "devmem: kselftest ($ksft_list) and devmem-bench $ba"
  os: [debian]
  scope: [functional, performance]
params:
  KSFT_TESTS: "$ksft_list"
  KSFT_CYCLES: "$ksft_cycles"
  BENCH_ARGS: "$ba"
run:
  steps:
  - export KSFT_TESTS KSFT_CYCLES BENCH_ARGS
  - . /etc/devmem/env
  - sh /devmem/lava/devmem-test.sh
EOT
}
testdef '' > "$out/devmem-test.yaml"

{
	cat <<EOT
# LAVA job written by vm/lava-job.sh ($(git -C "$DEVMEM_TOP" describe --always --dirty 2>/dev/null || echo unknown)):
# kernel $name ($release), $accel, $nvdimms x ${nvsize}G NVDIMM.
# Needs a "qemu" device type (lava-server's qemu.jinja2 for amd64 renders
# "-m {memory}", no "-enable-kvm" with no_kvm, and appends extra_options:
# the machine, CPU, accelerator and NVDIMMs).  The worker must have
# $nvdir (the sparse backing files go there; remove them after the job).
device_type: qemu
job_name: "devmem $name $workload ($accel)"
timeouts:
  job: {minutes: $timeout_min}
  action: {minutes: $timeout_min}
  connection: {minutes: 10}
priority: medium
visibility: public
context:
  arch: amd64
  no_kvm: true
  memory: "$memory"
  extra_options:
EOT
	for o in "-machine $machine" "-cpu $cpu" "${accel_opts[@]}" "${extra[@]}"; do
		echo "  - \"$o\""
	done
	cat <<EOT
actions:
- deploy:
    to: tmpfs
    timeout: {minutes: 10}
    os: debian
    images:
      kernel:
        url: "$url_base/vmlinuz"
        image_arg: "-kernel {kernel} -append \\"$append\\""
      ramdisk:
        url: "$url_base/initramfs.cpio"
        image_arg: "-initrd {ramdisk}"
        format: cpio.newc
        overlays:
          lava: true
- boot:
    method: qemu
    media: tmpfs
    timeout: {minutes: 10}
    prompts: ["devmem-lava# "]
- test:
    timeout: {minutes: $((timeout_min > 20 ? timeout_min - 15 : timeout_min))}
    definitions:
    - from: inline
      name: devmem
      path: inline/devmem.yaml
      repository:
EOT
	testdef '        '
} > "$out/job.yaml"
echo "$out/job.yaml"

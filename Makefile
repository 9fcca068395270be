# SPDX-License-Identifier: GPL-2.0
#
# devmem: a benchmark and stress suite for Linux device-memory hotplug
# (ZONE_DEVICE).  The entry points; README.md says which to run when.
#
#   make deps        install packages, fetch Debian kernels, unpack sources
#                    (every target below runs it first; a no-op once done)
#   make             build the kselftest, the benchmark and the test module
#   make check       everything CI runs: unit tests, the kselftest in a VM
#   make kselftest   the devmem kselftest in a VM on $(KERNEL)
#   make bench       the benchmark in a VM on $(KERNEL)
#   make stress      the stress workloads (soak, concurrent, subsection,
#                    fault) and their positive controls in a VM
#   make kernel      build a kernel (SERIES=, REV=, DEBUG=1, KSRC=)
#   make compare     A/B compare two kernels (KERNEL_A=, KERNEL_B=)
#   make dashboard   results/dashboard/index.html from results/runs/
#   make lint        shellcheck on every shell script, checkpatch.pl on the C
#   make fresh-check `make deps all` and a short `make bench` in a fresh
#                    Debian 12 root (debootstrap, chroot; root, network)

# vm/lib.sh, sourced by recipes, is bash.
SHELL		:= /bin/bash
TOP		:= $(CURDIR)
DEVMEM_CACHE	?= $(TOP)/.cache
KERNEL		?= debian-6.12
# The kernel tree whose kselftest framework (lib.mk, kselftest_harness.h)
# builds the selftest; Debian's linux-source-6.12 unpacked by `make deps`.
KSFT_TREE	?= $(DEVMEM_CACHE)/linux-source-6.12
BUILD		:= $(DEVMEM_CACHE)/build

export DEVMEM_CACHE KSFT_TREE BUILD

.PHONY: all deps check kselftest selftest bench bench-build module clean \
	compare dashboard lint fresh-check calibrate check-full
.DELETE_ON_ERROR:

all: selftest bench-build module

# devmem_test.ko for $(KERNEL), into $(BUILD)/module/<release>/.
module:
	@kdir=$$(. vm/lib.sh && resolve_kernel $(KERNEL)) && \
		$(MAKE) -C kernel/module KDIR="$$kdir"

# Stamped in $(DEVMEM_CACHE)/deps.stamp (vm/deps.sh): when everything is in
# place it returns at once, so every target that builds or runs something
# depends on it and `make bench` or `make check` is a correct first command
# on a fresh machine.  `make deps DEPS_ARGS=--force` redoes it.
deps:
	@vm/deps.sh $(DEPS_ARGS)

selftest bench-build module kselftest bench compare dashboard check kernel \
	lint stress: | deps

# The selftest is built the way it is in a kernel tree: the folder is
# placed (synchronised) into $(KSFT_TREE) and built with the kernel's
# selftests Makefile, so lib.mk and the harness come from the tree and are
# never copied into this repo.
selftest:
	@test -f $(KSFT_TREE)/tools/testing/selftests/lib.mk || \
		{ echo "error: no kernel tree at KSFT_TREE=$(KSFT_TREE); run: make deps" >&2; exit 1; }
	@mkdir -p $(BUILD)/kselftest
	rsync -a --delete tools/testing/selftests/devmem/ \
		$(KSFT_TREE)/tools/testing/selftests/devmem/
	$(MAKE) -C $(KSFT_TREE)/tools/testing/selftests TARGETS=devmem \
		INSTALL_PATH=$(BUILD)/kselftest install

bench-build:
	$(MAKE) -C bench

kselftest: selftest
	vm/run-kselftest.sh --kernel $(KERNEL)

# BENCH_ARGS go to devmem-bench (see devmem-bench --help), VM_ARGS to
# vm/run.sh (e.g. VM_ARGS="--mem 4G --nvdimm-size 8G").
bench: bench-build
	vm/run-bench.sh --kernel $(KERNEL) $(VM_ARGS) -- $(BENCH_ARGS)

# The stress workloads, long (1000-cycle soak per mode etc.), on KERNEL if
# given, else Debian 6.12 and the v2 kernel if built; DEBUG=1 also builds
# and runs the debug kernel; STRESS_ARGS go to vm/run-stress.sh (e.g.
# --workloads soak, --short), BENCH_ARGS to every devmem-bench.
.PHONY: stress
stress: bench-build
	vm/run-stress.sh$(if $(filter command% environment%,$(origin KERNEL)), --kernel '$(KERNEL)')$(if $(filter 1,$(DEBUG)), --debug) $(STRESS_ARGS)$(if $(strip $(VM_ARGS)), $(VM_ARGS))$(if $(strip $(BENCH_ARGS)), -- $(BENCH_ARGS))

# KERNEL_A and KERNEL_B booted alternately, ROUNDS times each, the same
# devmem-bench matrix every time (BENCH_ARGS, or vm/run-compare.sh's
# default), then compared run by run; COMPARE_ARGS go to devmem-compare
# (e.g. COMPARE_ARGS=--threshold=3).  Stored in results/compare/.
ROUNDS		?= 3
compare: bench-build
	@test -n "$(KERNEL_A)" && test -n "$(KERNEL_B)" || \
		{ echo "usage: make compare KERNEL_A=... KERNEL_B=... [ROUNDS=3] [BENCH_ARGS=...] [COMPARE_ARGS=...]" >&2; exit 2; }
	vm/run-compare.sh --kernel-a '$(KERNEL_A)' --kernel-b '$(KERNEL_B)' \
		--rounds '$(ROUNDS)'$(foreach a,$(COMPARE_ARGS), --compare-arg '$(a)')$(if $(strip $(VM_ARGS)), $(VM_ARGS))$(if $(strip $(BENCH_ARGS)), -- $(BENCH_ARGS))

# How repeatable each metric of KERNEL is under tcg-icount: BOOTS (3)
# perturbed boots (devmem-bench --perturb-seed, devmem.perturb=N), the
# spread per configuration and metric in results/calibration/<kernel>.json,
# which devmem-compare --calibration takes.  BENCH_ARGS as for make bench.
BOOTS		?= 3
calibrate: bench-build
	vm/calibrate.sh --kernel '$(KERNEL)' --boots '$(BOOTS)'$(if $(strip $(VM_ARGS)), $(VM_ARGS))$(if $(strip $(BENCH_ARGS)), -- $(BENCH_ARGS))

# After a devmem run that died (SIGKILL, crash, power loss) on this machine:
# destroy the namespaces it recorded in /var/lib/devmem/owned, disable the
# regions it enabled, restore tracefs.  Runs on the host, as root, where
# there is an NVDIMM bus (a real machine with pmem).  VM runs need none:
# every guest boots from fresh labels, so nothing of a dead run survives it
# (and each guest's next run says so if it finds leftovers).
.PHONY: cleanup
cleanup: bench-build
	@if [ ! -d /sys/bus/nd/devices ]; then \
		echo "make cleanup: no NVDIMM bus on this machine: nothing to clean up (VM guests start from fresh labels)"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "make cleanup: must be run as root: sudo make cleanup" >&2; exit 1; \
	else \
		$(BUILD)/bench/devmem-bench --cleanup; \
	fi

# results/dashboard/index.html (and results/index.json) from the stored
# runs in results/runs/; DASHBOARD_ARGS go to devmem-dashboard.
dashboard: bench-build
	@mkdir -p results/runs
	$(BUILD)/bench/devmem-dashboard --index results/index.json \
		--out results/dashboard $(DASHBOARD_ARGS) results/runs

check:
	vm/check.sh

# make check with the parts that do not fit its 30 minutes (CHECK_FULL=1:
# Debian 6.1's kselftest, tracefs and safety runs, the safety scenario with
# the whole kselftest, two nights of make nightly), then the known answer
# of vm/bisect-demo.sh, which bisects a synthetic history
# (kernel/patches/bisect-demo) with make bisect's script.
check-full:
	CHECK_FULL=1 vm/check.sh
	vm/bisect-demo.sh $(BUILD)/check-full

lint:
	vm/check-lint.sh

# FRESH_ARGS go to vm/fresh-check.sh (e.g. --rebuild, --keep).
fresh-check:
	vm/fresh-check.sh $(FRESH_ARGS)

# BUILD comes from the environment (exported above), quoted; an empty path,
# / or a directory right under / is refused.
clean:
	@dir=$$(realpath -m -- "$${BUILD:-/}") && [ "$$(dirname "$$dir")" != / ] || \
		{ echo "clean: refusing to remove BUILD='$$BUILD'" >&2; exit 1; }
	rm -rf -- "$$BUILD"
# A LAVA job for KERNEL (make lava-job KERNEL=... [WORKLOAD=soak]) in
# results/lava/<kernel>/: job.yaml, its test definition, vmlinuz and
# initramfs.cpio; LAVA_ARGS go to vm/lava-job.sh (--url-base URL for a
# farm, --accel tcg, --bench-args ..., --ksft-test ...).  make lava-try
# runs such a job here with LAVA's dispatcher (lava-run), about 6 min.
.PHONY: lava-job lava-try nightly
lava-job lava-try nightly: | deps
lava-job: selftest bench-build
	vm/lava-job.sh --kernel '$(KERNEL)'$(if $(WORKLOAD), --workload '$(WORKLOAD)') $(LAVA_ARGS)
lava-try: selftest bench-build
	vm/lava-try.sh --kernel '$(KERNEL)'$(if $(WORKLOAD), --workload '$(WORKLOAD)') $(LAVA_ARGS)

# One night of CI (vm/nightly.sh): the kernels of NIGHTLY_CONF (default
# vm/nightly.conf, else vm/nightly.conf.example) built if changed, benched
# into RESULTS (default results/runs), the dashboard, KCIDB JSON; exit 1
# when a kernel's newest run regressed.  NIGHTLY_ARGS go to vm/nightly.sh.
nightly: bench-build
	vm/nightly.sh$(if $(NIGHTLY_CONF), --config '$(NIGHTLY_CONF)')$(if $(RESULTS), --results '$(RESULTS)') $(NIGHTLY_ARGS)

include kernel/kernel.mk

# SPDX-License-Identifier: GPL-2.0
#
# `make kernel`: build a guest kernel from Debian's linux-source-6.12 (or
# KSRC=tree), optionally with a patch series revision, and print its kernel
# dir (the argument of `make bench KERNEL=` and `vm/run.sh --kernel`).
#
#   make kernel                                     baseline, 6.12.x-devmem
#   make kernel SERIES=add-del-device-memory REV=v2
#   make kernel DEBUG=1                             + kernel/configs/debug.config
#   make kernel KSRC=~/linux                        another (clean) tree
#
# Included by the top-level Makefile; kernel/build.sh does the work.

KERNEL_BUILD_ARGS = $(if $(SERIES),--series '$(SERIES)') \
	$(if $(REV),--rev '$(REV)') \
	$(if $(DEBUG),--debug='$(DEBUG)') \
	$(if $(KSRC),--ksrc '$(KSRC)')

.PHONY: kernel

kernel:
	kernel/build.sh $(strip $(KERNEL_BUILD_ARGS))

# `make bisect KSRC=<git tree> GOOD=<rev> BAD=<rev> [METRIC=glob]
# [CONFIG=glob] [CALIBRATION=file]`: git bisect run in KSRC, one
# tcg-icount boot of devmem-bench a step, each compared with GOOD's run
# (vm/bisect.sh --help).  BENCH_ARGS and VM_ARGS as for make bench.
.PHONY: bisect

bisect: bench-build
	@test -n "$(KSRC)" && test -n "$(GOOD)" && test -n "$(BAD)" || \
		{ echo "usage: make bisect KSRC=<git tree> GOOD=<rev> BAD=<rev> [METRIC=...] [CONFIG=...] [CALIBRATION=...]" >&2; exit 2; }
	vm/bisect.sh --ksrc '$(KSRC)' --good '$(GOOD)' --bad '$(BAD)'$(if $(METRIC), --metric '$(METRIC)')$(if $(CONFIG), --config '$(CONFIG)')$(if $(CALIBRATION), --calibration '$(CALIBRATION)')$(if $(strip $(VM_ARGS)), $(VM_ARGS))$(if $(strip $(BENCH_ARGS)), -- $(BENCH_ARGS))

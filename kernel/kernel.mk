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

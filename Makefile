# SPDX-License-Identifier: GPL-2.0
#
# bpfext: BPF networking facilities as loadable modules.
#
#   make demo                 install deps, build, boot the hooks kernel, show it
#   make check                the whole test suite on the hooks kernel
#   make check T=lwt_bpf      one group
#   make check KERNEL=stock   the same tests on the unpatched control kernel
#   make check DEBUG=1        on the hooks kernel with KASAN/lockdep/kmemleak
#   make bench                stock against hooks, one table with ratios
#   make shell                an interactive guest on the chosen kernel
#   make modules              the modules against build/hooks (W=1 C=1 work)
#   make install              modules into /lib/modules/$(uname -r)/extra (DKMS)

TOP := $(CURDIR)
BUILD := $(TOP)/build
KERNEL ?= hooks
ifeq ($(DEBUG),1)
FLAVOUR := debug
else
FLAVOUR := $(KERNEL)
endif
KDIR := $(BUILD)/$(FLAVOUR)
MODROOT := $(KDIR)/modroot
BPF_OBJ := $(BUILD)/bpf
T ?=
TIMEOUT ?= 2400
KCC := $(shell command -v ccache >/dev/null && echo "ccache gcc" || echo gcc)
KRELEASE = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)

.PHONY: all deps kernel modules stage bpf check demo bench shell install clean \
	distclean patch-check

all: modules

deps:
	@tools/install-deps.sh

# Only the modules take W=1/C=1 and other command-line variables: passed
# on to the kernel, they would change its flags and rebuild all of it.
kernel: deps
	@env -u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS kernel/build.sh $(FLAVOUR)

# The stock kernel carries no site registry: nothing of ours loads there.
ifeq ($(FLAVOUR),stock)
modules: kernel
	@echo "stock kernel: in-tree implementations, no bpfext modules"
else
modules: kernel
	$(MAKE) -C $(KDIR) M=$(TOP) CC="$(KCC)" modules
	$(MAKE) -C $(KDIR) M=$(TOP)/tests/modules/bpfext_testmod CC="$(KCC)" modules
endif

# Kernel modules plus ours under $(MODROOT)/lib/modules/<release>; the
# guest copies the tree and runs depmod.
stage: modules
	@rm -rf $(MODROOT).new
	@$(MAKE) -s -C $(KDIR) INSTALL_MOD_PATH=$(MODROOT).new DEPMOD=true \
		modules_install >/dev/null
ifneq ($(FLAVOUR),stock)
	@$(MAKE) -s -C $(KDIR) M=$(TOP) INSTALL_MOD_PATH=$(MODROOT).new \
		INSTALL_MOD_DIR=extra DEPMOD=true modules_install >/dev/null
	@$(MAKE) -s -C $(KDIR) M=$(TOP)/tests/modules/bpfext_testmod \
		INSTALL_MOD_PATH=$(MODROOT).new INSTALL_MOD_DIR=extra DEPMOD=true \
		modules_install >/dev/null
endif
	@rm -rf $(MODROOT) && mv $(MODROOT).new $(MODROOT)

bpf: deps kernel
	@$(MAKE) -s -f tests/bpf.mk TOP=$(TOP) SRC=$(BUILD)/src OUT=$(BPF_OBJ)

check: stage bpf
	@tests/qemu/run.sh -k $(KDIR) -m $(MODROOT) -t $(TIMEOUT) \
		-l $(BUILD)/$(FLAVOUR)-guest.log -- \
		$(TOP)/tests/run.sh --kernel $(FLAVOUR) $(T)

demo: stage bpf
	@tests/qemu/run.sh -k $(KDIR) -m $(MODROOT) -t 600 \
		-l $(BUILD)/$(FLAVOUR)-demo.log -- $(TOP)/tools/demo.sh

bench: deps
	@bench/run.sh

shell: stage bpf
	@tests/qemu/run.sh -k $(KDIR) -m $(MODROOT) -t 86400 -- bash -i

# A patch goes in on stdin: given a path git tracks, checkpatch checks it
# as a source file, not as a patch.
patch-check:
	@cp=$$(../shared/checkpatch-path 2>/dev/null || echo $(BUILD)/src/scripts/checkpatch.pl); \
	for p in kernel/patches/*.patch; do \
		echo "$$p:"; perl $$cp --strict --no-tree - < $$p; done; \
	perl $$cp --strict --no-tree --terse -f $$(git ls-files '*.c' '*.h')

# DKMS and "make install": against the running kernel's build tree.
install:
	$(MAKE) -C /lib/modules/$$(uname -r)/build M=$(TOP) modules
	$(MAKE) -C /lib/modules/$$(uname -r)/build M=$(TOP) INSTALL_MOD_DIR=extra \
		modules_install
	depmod -a $$(uname -r)

clean:
	@[ ! -d $(KDIR) ] || $(MAKE) -s -C $(KDIR) M=$(TOP) clean
	@[ ! -d $(KDIR) ] || $(MAKE) -s -C $(KDIR) M=$(TOP)/tests/modules/bpfext_testmod clean
	rm -rf $(BPF_OBJ)

distclean:
	rm -rf $(BUILD)

# SPDX-License-Identifier: GPL-2.0
#
# bpfext: BPF networking facilities as loadable modules.
#
#   make demo                 install deps, build, boot the hooks kernel, show it
#   make demo KERNEL=debian   the takeover of Debian's built-in encap bpf
#   make check                the whole test suite on the hooks kernel
#   make check T=lwt_bpf      one group
#   make check KERNEL=stock   the same tests on the unpatched control kernel
#   make check KERNEL=debian  on Debian 12's packaged kernel (kernel/debian.sh)
#   make check DEBUG=1        on the hooks kernel with KASAN/lockdep/kmemleak
#   make check KERNEL=stock DEBUG=1  the stock kernel with them, our modules
#                             taking over its built-in code
#   make check KAPPEND=...    with more kernel command line (lockdown=integrity)
#   make bench                stock against hooks, and Debian's built-in against
#                             lwt_bpf.ko taking it over: tables with ratios
#   make bench-sk-lookup      SK_LOOKUP: in-tree (stock) against sk_lookup.ko
#                             (hooks), TCP connections/s and UDP datagrams/s
#   make bench-sockmap        sockmap: stock against hooks (-icount) and Debian built-in against
#                             sockmap.ko, and user-space epoll/splice proxies
#   make shell                an interactive guest on the chosen kernel
#   make modules              the modules against build/hooks (W=1 C=1 work)
#   make dkms-install         build and install with DKMS for the running kernel
#   make dkms-uninstall       remove it from DKMS, every kernel
#   make install              modules into /lib/modules/$(uname -r)/extra, no DKMS
#   make uninstall            remove them again

TOP := $(CURDIR)
BUILD := $(TOP)/build
KERNEL ?= hooks
# DEBUG=1: the checkers on; KERNEL=stock DEBUG=1 is the stock kernel with
# them, where our modules take over its built-in code (stockdebug).
ifeq ($(DEBUG),1)
FLAVOUR := $(if $(filter stock,$(KERNEL)),stockdebug,debug)
else
FLAVOUR := $(KERNEL)
endif
KDIR := $(BUILD)/$(FLAVOUR)
MODROOT := $(KDIR)/modroot
BPF_OBJ := $(BUILD)/bpf
T ?=
TIMEOUT ?= 2400
# The guest kernel's log: one per guest when several run at once (.ci/run).
GUEST_LOG ?= $(BUILD)/$(FLAVOUR)-guest.log
KCC := $(shell command -v ccache >/dev/null && echo "ccache gcc" || echo gcc)
KRELEASE = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)

.PHONY: all deps kernel modules debian-modules stage bpf check demo bench bench-sk-lookup bench-sockmap shell \
	install clean distclean patch-check

all: modules

deps:
	@tools/install-deps.sh

# Debian's kernel is downloaded, not built: kernel/debian.sh unpacks it,
# builds its initramfs and stages its module tree (and extracts build/src
# for tests/bpf.mk, as kernel/build.sh does).
ifeq ($(FLAVOUR),debian)
kernel: deps
	@kernel/debian.sh
else
# Only the modules take W=1/C=1 and other command-line variables: passed
# on to the kernel, they would change its flags and rebuild all of it.
kernel: deps
	@env -u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS kernel/build.sh $(FLAVOUR)
endif

# The stock kernel carries no site registry: nothing of ours loads there.
ifeq ($(FLAVOUR),stock)
modules: kernel
	@echo "stock kernel: in-tree implementations, no bpfext modules"
else ifeq ($(FLAVOUR),debian)
modules: debian-modules

# Our modules for Debian's kernel come the way a user gets them: the real
# dkms, against the installed linux-headers-$(KRELEASE), only with its
# trees under build/debian so nothing on the host changes; installed
# into the guest's module tree, then indexed there.
DEBIAN_DKMS := $(BUILD)/debian/dkms
DEBIAN_HEADERS = /lib/modules/$(KRELEASE)/build
debian-modules: kernel
	@rm -rf $(DEBIAN_DKMS) $(MODROOT)/lib/modules/$(KRELEASE)/updates/dkms \
		$(MODROOT)/lib/modules/$(KRELEASE)/extra
	@mkdir -p $(DEBIAN_DKMS)/tree $(DEBIAN_DKMS)/src
	@$(MAKE) -s dkms-install DKMS_KERNEL=$(KRELEASE) \
		DKMS_SOURCETREE=$(DEBIAN_DKMS)/src DKMS_TREE=$(DEBIAN_DKMS)/tree \
		DKMS_OPTS="--installtree $(MODROOT)/lib/modules --no-depmod"
	@$(MAKE) -s -C $(DEBIAN_HEADERS) M=$(TOP)/tests/modules/bpfext_fakebuiltin modules
	@$(MAKE) -s -C $(DEBIAN_HEADERS) M=$(TOP)/tests/modules/bpfext_fakebuiltin \
		INSTALL_MOD_PATH=$(MODROOT) INSTALL_MOD_DIR=extra DEPMOD=true \
		modules_install >/dev/null
	@kernel/debian.sh depmod
else
# The test module of each kind of kernel: a kfunc where the base patch
# gives LWT programs a kfunc hook; a built-in encap bpf lwt_bpf does not
# know where lwt_bpf takes the built-in over.
TESTMOD := $(if $(filter stockdebug,$(FLAVOUR)),bpfext_fakebuiltin,bpfext_testmod)
modules: kernel
	$(MAKE) -C $(KDIR) M=$(TOP) CC="$(KCC)" modules
	$(MAKE) -C $(KDIR) M=$(TOP)/tests/modules/$(TESTMOD) CC="$(KCC)" modules
endif

# Kernel modules plus ours under $(MODROOT)/lib/modules/<release>; the
# guest mounts the tree and runs depmod when it is not indexed.
ifeq ($(FLAVOUR),debian)
stage: modules
else
stage: modules
	@rm -rf $(MODROOT).new
	@$(MAKE) -s -C $(KDIR) INSTALL_MOD_PATH=$(MODROOT).new DEPMOD=true \
		modules_install >/dev/null
ifneq ($(FLAVOUR),stock)
	@$(MAKE) -s -C $(KDIR) M=$(TOP) INSTALL_MOD_PATH=$(MODROOT).new \
		INSTALL_MOD_DIR=extra DEPMOD=true modules_install >/dev/null
	@$(MAKE) -s -C $(KDIR) M=$(TOP)/tests/modules/$(TESTMOD) \
		INSTALL_MOD_PATH=$(MODROOT).new INSTALL_MOD_DIR=extra DEPMOD=true \
		modules_install >/dev/null
endif
	@rm -rf $(MODROOT) && mv $(MODROOT).new $(MODROOT)
endif

bpf: deps kernel
	@$(MAKE) -s -f tests/bpf.mk TOP=$(TOP) SRC=$(BUILD)/src OUT=$(BPF_OBJ)

check: stage bpf
	@tests/qemu/run.sh -k $(KDIR) -m $(MODROOT) -t $(TIMEOUT) \
		$(if $(KAPPEND),-a "$(KAPPEND)") \
		-l $(GUEST_LOG) -- \
		$(TOP)/tests/run.sh --kernel $(FLAVOUR) $(T)

demo: stage bpf
	@tests/qemu/run.sh -k $(KDIR) -m $(MODROOT) -t 600 \
		-l $(BUILD)/$(FLAVOUR)-demo.log -- $(TOP)/tools/demo.sh --kernel $(FLAVOUR)

bench: deps
	@bench/run.sh

bench-sk-lookup: deps
	@bench/sk_lookup.sh

bench-sockmap: deps
	@bench/sockmap.sh

shell: stage bpf
	@tests/qemu/run.sh -k $(KDIR) -m $(MODROOT) -t 86400 -- bash -i

# A patch goes in on stdin: given a path git tracks, checkpatch checks it
# as a source file, not as a patch.
patch-check:
	@cp=$$(../shared/checkpatch-path 2>/dev/null || echo $(BUILD)/src/scripts/checkpatch.pl); \
	for p in kernel/patches/*.patch; do \
		echo "$$p:"; perl $$cp --strict --no-tree - < $$p; done; \
	perl $$cp --strict --no-tree --terse -f $$(git ls-files '*.c' '*.h')

# Installing on a machine, for the running kernel (or DKMS_KERNEL=,
# KVER=): with DKMS, which rebuilds the modules on every kernel upgrade,
# or plainly with "make install". Both need the kernel's headers
# (linux-headers-$$(uname -r) on Debian).
VERSION := $(shell sed -n 's/^\#define BPFEXT_VERSION "\(.*\)"$$/\1/p' include/bpfext/version.h)
ifneq ($(VERSION),$(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf))
$(error dkms.conf's PACKAGE_VERSION differs from include/bpfext/version.h)
endif
DKMS_KERNEL ?= $(shell uname -r)
DKMS_SOURCETREE ?= /usr/src
DKMS_TREE ?= /var/lib/dkms
DKMS_OPTS ?=
DKMS_SRC := $(DKMS_SOURCETREE)/bpfext-$(VERSION)
DKMS = dkms -m bpfext -v $(VERSION) --sourcetree $(DKMS_SOURCETREE) \
	--dkmstree $(DKMS_TREE) $(DKMS_OPTS)
# What DKMS builds from: the sources, not what an in-tree build left.
SOURCES = dkms.conf Kbuild include uapi modules

.PHONY: dkms-install dkms-uninstall dkms-src uninstall

dkms-src:
	@rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)
	@tar -c --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='modules.order' \
		--exclude='Module.symvers' $(SOURCES) | tar -x -C $(DKMS_SRC)

dkms-install: dkms-src
	@! $(DKMS) status 2>/dev/null | grep -q . || $(DKMS) remove --all >/dev/null
	$(DKMS) add
	$(DKMS) build -k $(DKMS_KERNEL) || \
		{ cat $(DKMS_TREE)/bpfext/$(VERSION)/build/make.log; false; }
	$(DKMS) install -k $(DKMS_KERNEL)

dkms-uninstall:
	$(DKMS) remove --all
	rm -rf $(DKMS_SRC)

KVER ?= $(shell uname -r)
KBUILD_DIR ?= /lib/modules/$(KVER)/build

install:
	$(MAKE) -C $(KBUILD_DIR) M=$(TOP) modules
	$(MAKE) -C $(KBUILD_DIR) M=$(TOP) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(KVER)

uninstall:
	rm -f $(addprefix /lib/modules/$(KVER)/extra/modules/,lwt_bpf/lwt_bpf.ko)
	depmod -a $(KVER)

# Only a kernel build directory has a Makefile (build/debian has none).
clean:
	@[ ! -f $(KDIR)/Makefile ] || $(MAKE) -s -C $(KDIR) M=$(TOP) clean
	@[ ! -f $(KDIR)/Makefile ] || $(MAKE) -s -C $(KDIR) M=$(TOP)/tests/modules/bpfext_testmod clean
	@[ ! -f $(KDIR)/Makefile ] || $(MAKE) -s -C $(KDIR) M=$(TOP)/tests/modules/bpfext_fakebuiltin clean
	rm -rf $(BPF_OBJ)

distclean:
	rm -rf $(BUILD)

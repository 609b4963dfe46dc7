# SPDX-License-Identifier: GPL-2.0
#
# BPF objects the tests load, built on the host with clang:
#   $(OUT)/<group>/<name>.bpf.o   from tests/<group>/progs/<name>.bpf.c
#   $(OUT)/upstream/*.bpf.o       upstream selftest programs, built from the
#                                 extracted source ($(SRC)) with the flags
#                                 upstream's selftests Makefile uses
#   $(OUT)/upstream/test_progs    upstream's selftest runner with some of
#                                 its prog_tests (tests/upstream.mk)
#   $(OUT)/bench/<name>.bpf.o     from bench/progs/<name>.bpf.c (bench/run.sh)
#   $(OUT)/samples/<s>/<name>.bpf.o  from samples/<s>/<name>.bpf.c
#   $(OUT)/samples/<s>/<name>     a sample's user tool, from samples/<s>/<name>.c
#   $(OUT)/<group>/<name>         a test's user tool, from tests/<group>/<name>.c
CLANG ?= clang
ARCH_INC := /usr/include/$(shell gcc -dumpmachine)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 \
	-Wall -Werror -Wno-compare-distinct-pointer-types \
	-I$(SRC)/tools/include/uapi -I$(ARCH_INC) -I$(TOP)/uapi -I$(TOP)/tests/include

OURS := $(patsubst $(TOP)/tests/%.bpf.c,$(OUT)/%.bpf.o,\
	$(wildcard $(TOP)/tests/*/progs/*.bpf.c))
OURS := $(subst /progs/,/,$(OURS))

# sockmap: prog_tests/sockmap_{basic,listen,ktls}.c's skeletons,
# test_sockmap's two objects, test_maps' objects and skeleton, and
# prog_tests/map_ptr.c's (every map type's fields through a map pointer).
UPSTREAM_PROGS := test_lwt_ip_encap test_lwt_seg6local test_sk_lookup \
	test_skmsg_load_helpers test_sockmap_update test_sockmap_invalid_update \
	test_sockmap_skb_verdict_attach test_sockmap_progs_query \
	bpf_iter_sockmap test_sockmap_listen \
	test_sockmap_kern test_sockhash_kern \
	sockmap_parse_prog sockmap_verdict_prog sockmap_tcp_msg_prog \
	test_map_in_map test_map_in_map_invalid read_bpf_task_storage_busy \
	map_ptr_kern
UPSTREAM := $(UPSTREAM_PROGS:%=$(OUT)/upstream/%.bpf.o)

BENCH := $(patsubst $(TOP)/bench/progs/%.bpf.c,$(OUT)/bench/%.bpf.o,\
	$(wildcard $(TOP)/bench/progs/*.bpf.c))

SAMPLES_BPF := $(patsubst $(TOP)/samples/%.bpf.c,$(OUT)/samples/%.bpf.o,\
	$(wildcard $(TOP)/samples/*/*.bpf.c))
SAMPLES_USER := $(patsubst $(TOP)/samples/%.c,$(OUT)/samples/%,\
	$(filter-out %.bpf.c,$(wildcard $(TOP)/samples/*/*.c)))
TESTS_USER := $(patsubst $(TOP)/tests/%.c,$(OUT)/%,\
	$(wildcard $(TOP)/tests/*/*.c))
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror
LIBBPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf)

all: $(OURS) $(UPSTREAM) $(OUT)/upstream/test_progs \
	$(OUT)/upstream/test_sockmap $(OUT)/upstream/test_maps \
	$(OUT)/upstream/test_maps_sockmap $(BENCH) \
	$(SAMPLES_BPF) $(SAMPLES_USER) $(TESTS_USER)

include $(TOP)/tests/upstream.mk

# Upstream builds its programs without -Wall, and some do not compile
# with it (test_sk_lookup.c's unused variables). Its include directory
# (here $(UP_GEN)) has vmlinux.h.
$(OUT)/upstream/%.bpf.o: $(SELFTESTS)/progs/%.c $(wildcard $(SELFTESTS)/progs/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(filter-out -Wall,$(BPF_CFLAGS)) -I$(UP_GEN) -c $< -o $@

# vmlinux.h, made as upstream's Makefile makes it (bpftool btf dump ...
# format c), from the BTF of a 6.1 kernel that has every facility built
# in (the types of some, such as sock_map.c's struct bpf_iter__sockmap,
# are defined only there): Debian's packaged kernel, the same 6.1 source
# as $(SRC), its vmlinuz unpacked by that source's scripts/extract-vmlinux
# (.BTF survives, symbols do not); else the stock kernel's vmlinux, else
# the hooks kernel's (which configures those facilities out as our
# modules take them over). The programs reach kernel structures through
# CO-RE (vmlinux.h marks every struct preserve_access_index), so one
# vmlinux.h serves every kernel here. Rewritten only when its text
# changes: a kernel rebuilt with the same types rebuilds no program.
VMLINUX_BTF ?= $(firstword $(wildcard $(TOP)/build/debian/image/boot/vmlinuz-*) \
	$(wildcard $(TOP)/build/stock/vmlinux $(TOP)/build/hooks/vmlinux))
UP_VMLINUX_PROGS := $(shell grep -lE '^\#include "(vmlinux|bpf_iter)\.h"' \
	$(UPSTREAM_PROGS:%=$(SELFTESTS)/progs/%.c))
$(UP_VMLINUX_PROGS:$(SELFTESTS)/progs/%.c=$(OUT)/upstream/%.bpf.o): $(UP_GEN)/vmlinux.h

$(UP_GEN)/vmlinux.h: $(UP)/obj/vmlinux.h.stamp ;
$(UP)/obj/vmlinux.h.stamp: $(VMLINUX_BTF)
	@[ -n "$<" ] || { echo "no vmlinux for vmlinux.h: build a kernel" \
		"(make kernel) or set VMLINUX_BTF" >&2; exit 1; }
	@mkdir -p $(@D) $(UP_GEN)
	case $(notdir $<) in \
	vmlinuz*) $(SRC)/scripts/extract-vmlinux $< > $(@D)/vmlinux.btf ;; \
	*) ln -sf $< $(@D)/vmlinux.btf ;; \
	esac
	$(BPFTOOL) btf dump file $(@D)/vmlinux.btf format c > $(@D)/vmlinux.h
	rm -f $(@D)/vmlinux.btf
	if cmp -s $(@D)/vmlinux.h $(UP_GEN)/vmlinux.h; then \
		rm $(@D)/vmlinux.h; \
	else mv $(@D)/vmlinux.h $(UP_GEN)/vmlinux.h; fi
	touch $@

$(BENCH): $(OUT)/bench/%.bpf.o: $(TOP)/bench/progs/%.bpf.c $(wildcard $(TOP)/bench/progs/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SAMPLES_BPF): $(OUT)/samples/%.bpf.o: $(TOP)/samples/%.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SAMPLES_USER): $(OUT)/samples/%: $(TOP)/samples/%.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< $(LIBBPF_LIBS)

$(TESTS_USER): $(OUT)/%: $(TOP)/tests/%.c $(TOP)/bench/util.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -pthread -o $@ $< $(LIBBPF_LIBS)

.SECONDEXPANSION:
$(OURS): $(OUT)/%.bpf.o: $$(TOP)/tests/$$(subst /,/progs/,$$*).bpf.c $(wildcard $(TOP)/tests/include/*.h $(TOP)/tests/*/progs/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

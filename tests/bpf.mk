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
CLANG ?= clang
ARCH_INC := /usr/include/$(shell gcc -dumpmachine)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 \
	-Wall -Werror -Wno-compare-distinct-pointer-types \
	-I$(SRC)/tools/include/uapi -I$(ARCH_INC) -I$(TOP)/uapi -I$(TOP)/tests/include

OURS := $(patsubst $(TOP)/tests/%.bpf.c,$(OUT)/%.bpf.o,\
	$(wildcard $(TOP)/tests/*/progs/*.bpf.c))
OURS := $(subst /progs/,/,$(OURS))

UPSTREAM_PROGS := test_lwt_ip_encap test_lwt_seg6local test_sk_lookup
UPSTREAM := $(UPSTREAM_PROGS:%=$(OUT)/upstream/%.bpf.o)

BENCH := $(patsubst $(TOP)/bench/progs/%.bpf.c,$(OUT)/bench/%.bpf.o,\
	$(wildcard $(TOP)/bench/progs/*.bpf.c))

SAMPLES_BPF := $(patsubst $(TOP)/samples/%.bpf.c,$(OUT)/samples/%.bpf.o,\
	$(wildcard $(TOP)/samples/*/*.bpf.c))
SAMPLES_USER := $(patsubst $(TOP)/samples/%.c,$(OUT)/samples/%,\
	$(filter-out %.bpf.c,$(wildcard $(TOP)/samples/*/*.c)))
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror
LIBBPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf)

all: $(OURS) $(UPSTREAM) $(OUT)/upstream/test_progs $(BENCH) \
	$(SAMPLES_BPF) $(SAMPLES_USER)

include $(TOP)/tests/upstream.mk

# Upstream builds its programs without -Wall, and some do not compile
# with it (test_sk_lookup.c's unused variables).
$(OUT)/upstream/%.bpf.o: $(SRC)/tools/testing/selftests/bpf/progs/%.c
	@mkdir -p $(@D)
	$(CLANG) $(filter-out -Wall,$(BPF_CFLAGS)) -c $< -o $@

$(BENCH): $(OUT)/bench/%.bpf.o: $(TOP)/bench/progs/%.bpf.c $(wildcard $(TOP)/bench/progs/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SAMPLES_BPF): $(OUT)/samples/%.bpf.o: $(TOP)/samples/%.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SAMPLES_USER): $(OUT)/samples/%: $(TOP)/samples/%.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< $(LIBBPF_LIBS)

.SECONDEXPANSION:
$(OURS): $(OUT)/%.bpf.o: $$(TOP)/tests/$$(subst /,/progs/,$$*).bpf.c $(wildcard $(TOP)/tests/include/*.h $(TOP)/tests/*/progs/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# SPDX-License-Identifier: GPL-2.0
#
# Upstream's BPF selftest runner, test_progs, built unchanged from the
# extracted source ($(SRC)) with only the prog_tests in UPSTREAM_PROG_TESTS,
# the way upstream's selftests Makefile builds it (its flags and include
# order, the in-tree libbpf linked statically), but out of tree:
#
#   $(UP)/test_progs                 the runner (tests/<group>/upstream_*.sh)
#   $(UP)/test_sockmap               upstream's test_sockmap, which loads
#                                    test_sockmap_kern.bpf.o and
#                                    test_sockhash_kern.bpf.o from its cwd,
#                                    so they sit beside it, as upstream's
#                                    output directory has them
#   $(UP)/test_maps                  upstream's test_maps, whole: 6.1's
#                                    takes no arguments and runs every
#                                    map test, test_sockmap() among them;
#                                    it loads its objects from its cwd too
#   $(UP)/test_maps_sockmap          test_maps' sockmap part alone:
#                                    test_maps.c with a main() of ours
#                                    (tests/sockmap/upstream/)
#   $(UP)/libbpf/libbpf.a            the in-tree 6.1 libbpf, headers in
#                                    $(UP)/libbpf/include/bpf
#   $(UP)/gen/prog_tests/tests.h     DEFINE_TEST() of each prog_test here
#   $(UP)/gen/map_tests/tests.h      DEFINE_TEST() of each of map_tests/
#   $(UP)/gen/<prog>.skel.h          skeletons of $(UP)/<prog>.bpf.o
#   $(UP)/gen/vmlinux.h              the kernel's types, for the programs
#                                    that include it (tests/bpf.mk)
#
# Included by tests/bpf.mk, which builds $(UP)/<prog>.bpf.o: each
# prog_test's BPF programs must be in its UPSTREAM_PROGS.
#
# Left out, as no test here needs them: bpf_testmod.ko (test_progs says it
# is missing and skips only the tests that use it), resolve_btfids on the
# binary (only for tests that read .BTF_ids) and the other helpers
# (trace_helpers.c and so on: only what these tests link against).
UPSTREAM_PROG_TESTS := sk_lookup sockmap_basic sockmap_listen sockmap_ktls map_ptr

SELFTESTS := $(SRC)/tools/testing/selftests/bpf
UP := $(OUT)/upstream
UP_GEN := $(UP)/gen
UP_LIBBPF := $(UP)/libbpf
BPFTOOL ?= bpftool

# The runner's own sources, then what the tests link against.
UP_SRCS := test_progs.c testing_helpers.c cgroup_helpers.c network_helpers.c
UP_OBJS := $(UP_SRCS:%.c=$(UP)/obj/%.o) \
	$(UPSTREAM_PROG_TESTS:%=$(UP)/obj/prog_tests/%.test.o)

# Upstream's CFLAGS and LDLIBS. The generated headers come first, so that
# <prog_tests/tests.h> is ours and not one an in-tree build left behind;
# then upstream's order: the selftests, the installed in-tree libbpf
# headers (with bpf_helper_defs.h), tools/lib, tools/include, its uapi.
# The extracted source has no include/generated/autoconf.h: no
# -DHAVE_GENHDR, as upstream's Makefile decides when it is missing.
UP_CFLAGS := -g -O0 -rdynamic -Wall -Werror -I$(UP_GEN) -I$(SELFTESTS) \
	-I$(UP_LIBBPF)/include -I$(SRC)/tools/lib -I$(SRC)/tools/include \
	-I$(SRC)/tools/include/uapi
UP_LDLIBS := -lelf -lz -lrt -lpthread

$(UP)/test_progs: $(UP_OBJS) $(UP_LIBBPF)/libbpf.a
	$(CC) $(UP_CFLAGS) $^ $(UP_LDLIBS) -o $@

# As upstream's "$(OUTPUT)/%: %.c" with test_sockmap's helpers.
$(UP)/test_sockmap: $(SELFTESTS)/test_sockmap.c $(UP)/obj/cgroup_helpers.o \
		$(UP)/obj/testing_helpers.o $(UP_LIBBPF)/libbpf.a
	$(CC) $(UP_CFLAGS) $^ $(UP_LDLIBS) -o $@

# As upstream's DEFINE_TEST_RUNNER(test_maps): test_maps.c with the tests
# of map_tests/, which include their skeleton, and testing_helpers.
UP_MAP_TESTS := $(wildcard $(SELFTESTS)/map_tests/*.c)
$(UP)/test_maps: $(SELFTESTS)/test_maps.c $(UP_MAP_TESTS) \
		$(UP)/obj/testing_helpers.o $(UP_LIBBPF)/libbpf.a \
		$(UP_GEN)/map_tests/tests.h \
		$(UP_GEN)/read_bpf_task_storage_busy.skel.h
	$(CC) $(UP_CFLAGS) $(filter %.c %.o %.a,$^) $(UP_LDLIBS) -o $@

# test_maps' sockmap part alone (the source says why), against a
# map_tests/tests.h of its own, which is empty.
UP_MAPS_SOCKMAP := $(TOP)/tests/sockmap/upstream/test_maps_sockmap.c
$(UP)/test_maps_sockmap: $(UP_MAPS_SOCKMAP) $(SELFTESTS)/test_maps.c \
		$(UP)/obj/testing_helpers.o $(UP_LIBBPF)/libbpf.a
	@mkdir -p $(UP_GEN)/sockmap_only/map_tests
	echo '/* Generated header, do not edit: no map_tests */' > \
		$(UP_GEN)/sockmap_only/map_tests/tests.h
	$(CC) -I$(UP_GEN)/sockmap_only $(UP_CFLAGS) $(UP_MAPS_SOCKMAP) \
		$(filter %.o %.a,$^) $(UP_LDLIBS) -o $@

$(UP_GEN)/map_tests/tests.h: $(UP_MAP_TESTS) $(TOP)/tests/upstream.mk
	@mkdir -p $(@D)
	(echo '/* Generated header, do not edit */'; \
	 sed -n -E 's/^void (serial_)?test_([a-zA-Z0-9_]+)\((void)?\).*/DEFINE_TEST(\2)/p' \
		$(filter %.c,$^) | sort) > $@

# The in-tree libbpf, built and installed out of tree: OUTPUT and DESTDIR
# take everything it writes (nothing goes into $(SRC)). Only the static
# library: the shared one and its ABI check are not needed.
$(UP_LIBBPF)/libbpf.a: $(wildcard $(SRC)/tools/lib/bpf/*.[ch] \
		$(SRC)/tools/lib/bpf/Makefile) $(SRC)/tools/include/uapi/linux/bpf.h
	@mkdir -p $(@D)
	$(MAKE) -C $(SRC)/tools/lib/bpf OUTPUT=$(UP_LIBBPF)/ \
		EXTRA_CFLAGS='-g -O0' DESTDIR=$(UP_LIBBPF) prefix= \
		$(UP_LIBBPF)/libbpf.a install_headers

# As upstream's rule, over the prog_tests built here only; made again
# when this file (the list) changes.
$(UP_GEN)/prog_tests/tests.h: $(UPSTREAM_PROG_TESTS:%=$(SELFTESTS)/prog_tests/%.c) \
		$(TOP)/tests/upstream.mk
	@mkdir -p $(@D)
	(echo '/* Generated header, do not edit */'; \
	 sed -n -E 's/^void (serial_)?test_([a-zA-Z0-9_]+)\((void)?\).*/DEFINE_TEST(\2)/p' \
		$(filter %.c,$^) | sort) > $@

# As upstream: the skeleton of the object after a pass of bpftool's static
# linker (upstream links thrice to test the linker itself).
$(UP_GEN)/%.skel.h: $(UP)/%.bpf.o
	@mkdir -p $(@D) $(UP)/obj
	$(BPFTOOL) gen object $(UP)/obj/$*.linked.o $<
	$(BPFTOOL) gen skeleton $(UP)/obj/$*.linked.o name $* > $@

# As upstream: a light skeleton (its loader a BPF_PROG_TYPE_SYSCALL
# program, CO-RE done by the kernel) of the object after three passes of
# the static linker, named <prog>_lskel.
$(UP_GEN)/%.lskel.h: $(UP)/%.bpf.o
	@mkdir -p $(@D) $(UP)/obj
	$(BPFTOOL) gen object $(UP)/obj/$*.llinked1.o $<
	$(BPFTOOL) gen object $(UP)/obj/$*.llinked2.o $(UP)/obj/$*.llinked1.o
	$(BPFTOOL) gen object $(UP)/obj/$*.llinked3.o $(UP)/obj/$*.llinked2.o
	diff $(UP)/obj/$*.llinked2.o $(UP)/obj/$*.llinked3.o
	$(BPFTOOL) gen skeleton -L $(UP)/obj/$*.llinked3.o name $*_lskel > $@

# The skeletons the prog_tests include, read from their sources. Every
# object waits for all the generated headers and for libbpf's.
UP_SKELS := $(shell sed -n 's/^\#include "\(.*\.l\?skel\.h\)"/\1/p' \
	$(UPSTREAM_PROG_TESTS:%=$(SELFTESTS)/prog_tests/%.c))
UP_HDRS := $(UP_GEN)/prog_tests/tests.h $(UP_LIBBPF)/libbpf.a \
	$(UP_SKELS:%=$(UP_GEN)/%)

# Static pattern rules: a header named only in an implicit rule would be
# an intermediate file, and make would delete it after the build.
$(filter-out %.test.o,$(UP_OBJS)): $(UP)/obj/%.o: $(SELFTESTS)/%.c $(UP_HDRS)
	@mkdir -p $(@D)
	$(CC) $(UP_CFLAGS) -c $< -o $@

$(filter %.test.o,$(UP_OBJS)): $(UP)/obj/%.test.o: $(SELFTESTS)/%.c $(UP_HDRS)
	@mkdir -p $(@D)
	$(CC) $(UP_CFLAGS) -c $< -o $@

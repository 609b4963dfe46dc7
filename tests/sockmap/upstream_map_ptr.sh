#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Upstream's BPF selftest prog_tests/map_ptr.c with progs/map_ptr_kern.c,
# unchanged from the extracted 6.1 source, in upstream's runner test_progs
# (tests/upstream.mk): a cgroup_skb program reads the fields of a map of
# every type through a pointer to it (struct bpf_map, and for SOCKMAP and
# SOCKHASH struct bpf_stab and bpf_shtab), which the verifier resolves by
# each map's ops' map_btf_id in vmlinux's BTF, and its light skeleton's
# loader relocates (CO-RE) against the same. The socket maps' part is
# ours: on the hooks kernel the module's maps and the base patch's BTF of
# their structs, on Debian's kernel the built-in's ops under the module.
#
# The test has no subtests: one case for it (tests/sockmap/test_progs.sh).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/test_progs.sh"
ktap_begin
require_module sockmap
run_test_progs map_ptr
ktap_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Upstream's BPF selftest prog_tests/sockmap_basic.c with its programs
# (progs/test_skmsg_load_helpers.c, test_sockmap_update.c,
# test_sockmap_invalid_update.c, test_sockmap_skb_verdict_attach.c,
# test_sockmap_progs_query.c, bpf_iter_sockmap.c), unchanged from the
# extracted 6.1 source, in upstream's runner test_progs (tests/upstream.mk):
# SOCKMAP and SOCKHASH create/update/free with TCP sockets, the sk_msg
# helpers loading, bpf_map_update_elem() from a program and its refusal in
# an unsafe context, copying a map through a bpf_iter program, SK_SKB
# stream/skb verdict attach exclusion, and BPF_PROG_QUERY of each sockmap
# attach type.
#
# Each subtest's "#N/M sockmap_basic/NAME:OK|FAIL|SKIP" line is a case
# (tests/sockmap/test_progs.sh), then one for the run as a whole.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/test_progs.sh"
ktap_begin
# sockmap.ko serves the socket maps (hooks), or takes over Debian's
# built-in ones; the stock kernel's in-tree sockmap is the control.
require_module sockmap
run_test_progs sockmap_basic
ktap_end

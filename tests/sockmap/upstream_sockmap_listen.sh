#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Upstream's BPF selftest prog_tests/sockmap_listen.c with
# progs/test_sockmap_listen.c, unchanged from the extracted 6.1 source, in
# upstream's runner test_progs (tests/upstream.mk): SOCKMAP and SOCKHASH
# holding TCP (listening, bound, connected), UDP and AF_UNIX sockets, IPv4
# and IPv6: insert, lookup, delete and update rules, close, accept and
# clone of a listener's children, sk_skb and sk_msg redirects to connected
# and listening sockets (TCP, UDP, AF_UNIX, and between them), and
# bpf_sk_select_reuseport() from a map, with mixed reuseport groups.
#
# Each subtest's "#N/M sockmap_listen/NAME:OK|FAIL|SKIP" line is a case
# (tests/sockmap/test_progs.sh), then one for the run as a whole.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/test_progs.sh"
ktap_begin
# sockmap.ko serves the socket maps (hooks), or takes over Debian's
# built-in ones; the stock kernel's in-tree sockmap is the control.
require_module sockmap
run_test_progs sockmap_listen
ktap_end

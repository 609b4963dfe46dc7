#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Upstream's BPF selftest prog_tests/sockmap_ktls.c, unchanged from the
# extracted 6.1 source, in upstream's runner test_progs (tests/upstream.mk):
# SOCKMAP and SOCKHASH with kTLS, IPv4 and IPv6: a TCP socket given the
# "tls" ULP while in a map, then deleted from it, disconnects (unhash)
# cleanly, and a socket that already has a ULP cannot be put in a map.
#
# Each subtest's "#N/M sockmap_ktls/NAME:OK|FAIL|SKIP" line is a case
# (tests/sockmap/test_progs.sh), then one for the run as a whole.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/test_progs.sh"
ktap_begin
# sockmap.ko serves the socket maps (hooks), or takes over Debian's
# built-in ones; the stock kernel's in-tree sockmap is the control.
require_module sockmap
run_test_progs sockmap_ktls
ktap_end

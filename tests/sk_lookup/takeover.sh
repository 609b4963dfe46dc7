#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sk_lookup.ko taking over Debian's built-in SK_LOOKUP and handing it
# back (KERNEL=debian): a link the built-in made before modprobe goes on
# steering beside the module's, each side's change to the netns' run
# array keeps the other's programs, the module cannot go while a link of
# its own exists, and after rmmod the built-in serves again.
#
# Which side made a link shows in the module's reference count: each of
# its links pins it, the built-in's do not. Which side serves the rest
# shows in ftrace's enabled_functions: the module's redirects.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/skl.sh"
ktap_begin
on_takeover || skip_all "needs a kernel whose SK_LOOKUP is built in, without the base patch (KERNEL=debian)"
require_cmd ip bpftool python3 modprobe rmmod
require_obj sk_lookup/skl_steer
[ -d /sys/module/sk_lookup ] && modprobe -r sk_lookup

A=$(ns a)
PIN=/sys/fs/bpf/sktk_$$
TRACING=/sys/kernel/tracing
# A trace instance of our own: other tests read the top-level buffer.
INST=$TRACING/instances/sktk_$$

cleanup() {
	[ -n "${skl_pid:-}" ] && kill "$skl_pid" 2>/dev/null
	rm -rf "$PIN" "${PIN}_maps" "${PIN}_mod"
	if [ -d "$INST" ]; then
		echo nop > "$INST/current_tracer"
		rmdir "$INST"
	fi
	cleanup_netns
}
trap cleanup EXIT

[ -e $TRACING/enabled_functions ] || mount -t tracefs nodev $TRACING
ip netns add "$A" &&
	ip -n "$A" link set lo up &&
	ip -n "$A" route add local 192.0.2.0/24 dev lo &&
	ip -n "$A" route add local 198.51.100.1/32 dev lo ||
	{ fail "netns $A with the test prefixes local"; ktap_end; }

# The functions the module serves in the built-in's place, redirected.
redirects() {
	grep -cE '^(netns_bpf_link_create|sk_lookup_is_valid_access|sk_lookup_convert_ctx_access|bpf_sk_lookup_assign|bpf_prog_test_run_sk_lookup) .*\[sk_lookup\]' \
		$TRACING/enabled_functions
}
refcnt() { cat /sys/module/sk_lookup/refcnt; }

skl_start

# The built-in alone: its verifier, its link.
if bpftool prog loadall "$(obj sk_lookup/skl_steer)" "$PIN" pinmaps "${PIN}_maps"; then
	pass "before modprobe: bpftool loads the programs (the built-in verifies them)"
else
	fail "before modprobe: bpftool loads the programs (the built-in verifies them)"
	ktap_end
fi
for p in web proxy pass; do
	setup prog "$p" "$PIN/$p"
done
setup map socks "${PIN}_maps/skl_socks"
setup netns a "/run/netns/$A"
setup enter a
setup listen web tcp :: 8080
setup listen proxy tcp 0.0.0.0 3128
setup put socks 0 web
setup put socks 3 proxy
setup_done "the controller holds programs, map, netns and two listeners"

expect "before modprobe: a built-in link" ok attach lweb web a
expect "the built-in link steers the /24's port 80 to web" \
	"ok web=3" sweep tcp 192.0.2.1 192.0.2.100 192.0.2.254 -- 80

# The takeover.
check "modprobe sk_lookup with a built-in link attached" modprobe sk_lookup
check_eq "the module redirects the built-in's five functions to its own" 5 "$(redirects)"
check_eq "the built-in link does not pin the module" 0 "$(refcnt)"
expect "the built-in link steers on with the module loaded" \
	"ok web=2" sweep tcp 192.0.2.2 192.0.2.200 -- 80

# Programs the module's verifier callbacks checked and rewrote. From here
# to the sweeps, ftrace records each call of a function of the module's.
mkdir "$INST" && echo '*:mod:sk_lookup' > "$INST/set_ftrace_filter" &&
	echo function > "$INST/current_tracer" && echo 1 > "$INST/tracing_on" ||
	fail "a trace instance traces the module's functions"
if bpftool prog loadall "$(obj sk_lookup/skl_steer)" "${PIN}_mod" \
	map name skl_socks pinned "${PIN}_maps/skl_socks" \
	map name skl_runs pinned "${PIN}_maps/skl_runs"; then
	pass "with the module: bpftool loads the programs (the module's context rewrite)"
else
	fail "with the module: bpftool loads the programs (the module's context rewrite)"
fi
setup prog mproxy "${PIN}_mod/proxy"
setup prog mweb "${PIN}_mod/web"
setup_done "the controller opened them"
expect "a link made now" ok attach lproxy mproxy a
check_eq "the new link is the module's: it pins it" 1 "$(refcnt)"
expect "BPF_PROG_QUERY: both links, one run array" "ok 2" query-count a
expect "the module's link steers 198.51.100.1 to proxy" \
	"ok proxy=3" sweep tcp 198.51.100.1 -- 22 443 8080
expect "and the built-in's still steers port 80 of the /24" \
	"ok web=1" sweep tcp 192.0.2.9 -- 80
# Stopped, not switched off: switching tracers empties the buffer.
echo 0 > "$INST/tracing_on"
called() {
	grep -qE " $1 <-" "$INST/trace" ||
		{ echo "not in the trace; it has $(grep -vc '^#' "$INST/trace") lines:"; \
		  grep -v '^#' "$INST/trace" | head -n 5; false; }
}
check "the verifier called the module's is_valid_access" called sk_lookup_is_valid_access
check "and its convert_ctx_access" called sk_lookup_convert_ctx_access
check "BPF_LINK_CREATE went to the module" called sk_lookup_link_create_61
check "the programs' bpf_sk_assign() went to the module" called sk_lookup_assign_61
echo nop > "$INST/current_tracer"
rmdir "$INST"
if rmmod sk_lookup 2>/dev/null; then
	fail "rmmod is refused while the module's link exists"
	ktap_end
fi
pass "rmmod is refused while the module's link exists"

# The built-in's release rebuilds the run array from the shared list.
ctl close lweb
expect "the built-in link closed: one program left" "ok 1" query-count a
expect "the module's link steers on" "ok proxy=1" sweep tcp 198.51.100.1 -- 25
expect "port 80 of the /24 is no longer steered: refused" \
	"ok ECONNREFUSED=1" sweep tcp 192.0.2.1 -- 80
expect "BPF_LINK_UPDATE of the module's link to web" ok update lproxy mweb
expect "after the update port 80 of the /24 goes to web" \
	"ok web=1" sweep tcp 192.0.2.3 -- 80
expect "another module link" ok attach lpass pass a
check_eq "two links of the module's pin it twice" 2 "$(refcnt)"
expect "BPF_LINK_DETACH of it" ok detach lpass
ctl close lpass

# The hand-back.
ctl close lproxy
ok=0
for i in $(seq 20); do
	rmmod sk_lookup 2>/dev/null && { ok=1; break; }
	sleep 0.5
done
check_eq "the module's last link closed: rmmod succeeds" 1 "$ok"
check_eq "no redirect is left" 0 "$(redirects)"
check "the module said it handed SK_LOOKUP back" \
	grep -q "sk_lookup: SK_LOOKUP handed back to the built-in" <(dmesg)
expect "after rmmod the built-in makes links again" ok attach lweb2 web a
expect "and its link steers" "ok web=1" sweep tcp 192.0.2.4 -- 80
ctl close lweb2
skl_stop
ktap_end

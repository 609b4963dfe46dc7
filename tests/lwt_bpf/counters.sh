#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lwt_bpf's per-route, per-hook counters (tools/lwt-bpf-stats over the
# bpfext_lwt generic netlink family): each counter moves for the case it
# names, and only that one.
#
#   root netns  veth bxa (10.78.0.1)
#       |
#   netns B     veth bxb (10.78.0.2, 10.78.1.2/32, 10.78.3.2/32)
#
# Programs sit on routes to 10.78.1.2 (and 10.78.3.2) over bxa; "in" sits
# on a local route for 10.78.2.1 on lo.
. "$(dirname "$0")/../lib.sh"
ktap_begin
on_stock && skip_all "the counters are lwt_bpf.ko's; the in-tree encap keeps none"
require_cmd ip ping bpftool python3
require_module lwt_bpf
require_obj lwt_bpf/lwt_any lwt_bpf/lwt_xmit lwt_bpf/lwt_counters
B=$(ns b)
PIN=/sys/fs/bpf/tc/globals
STATS=$BPFEXT_TOP/tools/lwt-bpf-stats

cleanup() {
	ip route del 10.78.1.2/32 2>/dev/null
	ip route del 10.78.3.2/32 2>/dev/null
	ip route del 10.78.3.2/32 metric 5 2>/dev/null
	ip route del table local local 10.78.2.1/32 2>/dev/null
	ip route del unreachable 203.0.113.0/24 2>/dev/null
	ip link del bxa 2>/dev/null
	rm -rf $PIN/lwt_runs $PIN/lwt_cfg $PIN/lwt_reroute_daddr /tmp/lwt-bpf-stats.$$
	cleanup_netns
}
trap cleanup EXIT

peer_ns "$B" bxa bxb 10.78.0 10.78.1.2 10.78.3.2 || { fail "veth pair into netns $B"; ktap_end; }
ip route add unreachable 203.0.113.0/24

object() {
	case $1 in
	push_ll|redirect_nohdr) obj lwt_bpf/lwt_xmit ;;
	redirect_nodev|proto_change|reroute) obj lwt_bpf/lwt_counters ;;
	*) obj lwt_bpf/lwt_any ;;
	esac
}

# route HOOK SECTION: the hook's only route, replacing any earlier one.
route() {
	local hook=$1 sec=$2
	ip route del 10.78.1.2/32 2>/dev/null
	ip route del table local local 10.78.2.1/32 2>/dev/null
	if [ "$hook" = in ]; then
		ip route add table local local 10.78.2.1/32 encap bpf in \
			obj "$(object "$sec")" section "$sec" dev lo
	else
		ip route add 10.78.1.2/32 encap bpf "$hook" \
			obj "$(object "$sec")" section "$sec" dev bxa
	fi
}

target() { [ "$1" = in ] && echo 10.78.2.1 || echo 10.78.1.2; }

# counters DST HOOK: "name=value ..." of the hook on the route to DST.
counters() {
	"$STATS" -j | python3 -c '
import json, sys
dst, hook = sys.argv[1], sys.argv[2]
for r in json.load(sys.stdin):
    if r.get("dst") != dst:
        continue
    for h in r["hooks"]:
        if h["hook"] == hook:
            print(" ".join("%s=%d" % kv for kv in sorted(h["stats"].items())))
' "$1" "$2"
}

# expect HOOK SECTION PINGS WANT...: PINGS pings over a new route, then
# each NAME=VALUE in WANT must hold and every counter not named must be 0.
# VALUE "n" is the number of runs, which must be at least PINGS.
expect() {
	local hook=$1 sec=$2 pings=$3 desc got runs bad="" name val w want
	shift 3
	desc="$hook $sec: $*"
	if ! route "$hook" "$sec"; then
		fail "$desc" "ip route add failed"
		return
	fi
	ping -c "$pings" -i 0.2 -W 1 -q "$(target "$hook")" >/dev/null 2>&1
	got=$(counters "$(target "$hook")" "$hook")
	runs=$(grep -o 'runs=[0-9]*' <<<"$got" | cut -d= -f2)
	if [ -z "$got" ] || [ "${runs:-0}" -lt "$pings" ]; then
		fail "$desc" "counters: ${got:-none}"
		return
	fi
	for w in $got; do
		name=${w%%=*} val=${w#*=} want=0
		for x in "$@" runs=n; do
			[ "${x%%=*}" = "$name" ] && want=${x#*=}
		done
		[ "$want" = n ] && want=$runs
		[ "$val" = "$want" ] || bad="$bad $name=$val(want $want)"
	done
	if [ -n "$bad" ]; then
		fail "$desc" "counters:$bad"
	else
		pass "$desc"
	fi
}

expect xmit pass 3 ok=n
expect xmit drop 3 drop=n
expect xmit bad_ret 3 bad_ret=n
expect out pass 3 ok=n
expect out drop 3 drop=n
expect in pass 3 ok=n
expect in bad_ret 3 bad_ret=n
expect out ret_redirect 3 bad_redirect=n
expect in ret_redirect 3 bad_redirect=n

# The Ethernet header push_ll pushes and where it redirects to.
ifx=$(cat /sys/class/net/bxa/ifindex)
mac_a=$(tr ':' ' ' < /sys/class/net/bxa/address)
mac_b=$(ip -n "$B" -br link show bxb | awk '{print $3}' | tr ':' ' ')
route xmit push_ll
bpftool map update pinned $PIN/lwt_cfg key 0 0 0 0 value \
	$(printf '%d %d %d %d' $((ifx & 255)) $((ifx >> 8 & 255)) 0 0) \
	$(for b in $mac_b $mac_a; do printf '0x%s ' "$b"; done)
expect xmit push_ll 3 redirect=n
expect xmit redirect_nohdr 3 redirect=n drop_l2_no_hdr=n
expect xmit redirect_nodev 3 redirect=n drop_no_dev=n
expect xmit proto_change 3 ok=n drop_proto=n

# Reroute: IPIP to B's address goes out; to an unreachable one, dropped.
route xmit reroute
bpftool map update pinned $PIN/lwt_reroute_daddr key 0 0 0 0 value 10 78 0 2
expect xmit reroute 3 reroute=n
bpftool map update pinned $PIN/lwt_reroute_daddr key 0 0 0 0 value 203 0 113 1
expect xmit reroute 3 reroute=n drop_reroute=n
# On input, a 0.0.0.0 destination is a martian: the lookup fails.
bpftool map update pinned $PIN/lwt_reroute_daddr key 0 0 0 0 value 0 0 0 0
expect in reroute 3 reroute=n drop_reroute=n

# A failed headroom expansion cannot be caused from outside; the debug
# kernel's fail_function can force one.
FF=/sys/kernel/debug/fail_function
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null
if [ ! -d $FF ]; then
	skip "xmit pass: ok=n drop_headroom=n" "no fail_function (make check DEBUG=1 has it)"
elif ! echo lwt_bpf_ensure_headroom > $FF/inject; then
	fail "xmit pass: ok=n drop_headroom=n" "lwt_bpf_ensure_headroom is not injectable"
else
	printf '%#x' -12 > $FF/lwt_bpf_ensure_headroom/retval
	echo 100 > $FF/probability
	echo 1 > $FF/interval
	echo -1 > $FF/times
	echo 0 > $FF/verbose	# no stack dump per forced failure
	expect xmit pass 3 ok=n drop_headroom=n
	echo '!lwt_bpf_ensure_headroom' > $FF/inject
fi

# IPv4 shares one fib_info, and with it one encap state, among routes
# whose nexthops are identical (device, gateway, metric, program names):
# such routes count together, listed under the first one.
route xmit pass
ip route add 10.78.3.2/32 encap bpf xmit obj "$(object pass)" section pass dev bxa
ping -c 2 -i 0.2 -W 1 -q 10.78.1.2 >/dev/null 2>&1
ping -c 4 -i 0.2 -W 1 -q 10.78.3.2 >/dev/null 2>&1
c1=$(counters 10.78.1.2 xmit | grep -o 'runs=[0-9]*')
c3=$(counters 10.78.3.2 xmit | grep -o 'runs=[0-9]*')
if [ "$c1" = runs=6 ] && [ -z "$c3" ]; then
	pass "IPv4 routes with identical nexthops share one state and its counters"
else
	fail "IPv4 routes with identical nexthops share one state and its counters" \
		"10.78.1.2: $c1, 10.78.3.2: $c3"
fi
ip route del 10.78.3.2/32

# Distinct nexthops (here the metric), distinct counters.
route xmit pass
ip route add 10.78.3.2/32 encap bpf xmit obj "$(object pass)" section pass dev bxa metric 5
ping -c 2 -i 0.2 -W 1 -q 10.78.1.2 >/dev/null 2>&1
ping -c 4 -i 0.2 -W 1 -q 10.78.3.2 >/dev/null 2>&1
c1=$(counters 10.78.1.2 xmit | grep -o 'runs=[0-9]*')
c3=$(counters 10.78.3.2 xmit | grep -o 'runs=[0-9]*')
if [ "$c1" = runs=2 ] && [ "$c3" = runs=4 ]; then
	pass "each route counts its own packets"
else
	fail "each route counts its own packets" "10.78.1.2: $c1, 10.78.3.2: $c3"
fi

# The listing names the route as "ip route" does, with the program.
out=$("$STATS")
if grep -q '^10.78.3.2/32 dev bxa$' <<<"$out" &&
   grep -q 'xmit lwt_any.bpf.o:\[pass\] id [1-9]' <<<"$out" &&
   grep -q 'runs 4  ok 4$' <<<"$out"; then
	pass "lwt-bpf-stats lists route, program and counters"
else
	fail "lwt-bpf-stats lists route, program and counters" "$out"
fi

# The program id is bpftool's.
id=$("$STATS" -j | python3 -c 'import json,sys
print([h["prog_id"] for r in json.load(sys.stdin) if r.get("dst") == "10.78.3.2"
       for h in r["hooks"]][0])')
check "the program id is the one bpftool shows" bpftool prog show id "$id"

# Replacing a route's program builds a new state, counting from zero.
# (An identical replace keeps IPv4's fib_info, state and counters.)
ip route replace 10.78.3.2/32 encap bpf xmit obj "$(object drop)" section drop dev bxa metric 5
c3=$(counters 10.78.3.2 xmit | grep -o 'runs=[0-9]*')
if [ "$c3" = runs=0 ] && "$STATS" | grep -q 'xmit lwt_any.bpf.o:\[drop\]'; then
	pass "a route whose program is replaced starts from zero"
else
	fail "a route whose program is replaced starts from zero" "$c3"
fi

# Like "ip -s link", the counters are readable without privileges.
if ! command -v setpriv >/dev/null; then
	skip "an unprivileged user reads the counters" "no setpriv"
elif cp -r "$BPFEXT_TOP/tools" /tmp/lwt-bpf-stats.$$ &&	# the tree may be private
     chmod -R a+rX /tmp/lwt-bpf-stats.$$ &&
     out=$(setpriv --reuid=65534 --regid=65534 --clear-groups /tmp/lwt-bpf-stats.$$/lwt-bpf-stats 2>&1) &&
     grep -q '^10.78.3.2/32 dev bxa$' <<<"$out"; then
	pass "an unprivileged user reads the counters"
else
	fail "an unprivileged user reads the counters" "$out"
fi

# Network namespaces: B sees none of the root namespace's routes.
out=$(ip netns exec "$B" "$STATS" -j)
if [ "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <<<"$out")" = 0 ]; then
	pass "another network namespace lists none of these routes"
else
	fail "another network namespace lists none of these routes" "$out"
fi

# IPv6 routes report their family and address.
ip -6 addr add fd78::1/64 dev bxa nodad
ip -6 route add fd78:1::2/128 encap bpf xmit obj "$(object pass)" section pass dev bxa
if "$STATS" -j | grep -q '"fd78:1::2"' && "$STATS" | grep -q '^fd78:1::2/128 dev bxa'; then
	pass "IPv6 routes are listed"
else
	fail "IPv6 routes are listed" "$("$STATS")"
fi
ip -6 route del fd78:1::2/128

# A nexthop object's state knows no destination: listed as a nexthop.
if ip nexthop add id 78 encap bpf xmit obj "$(object bad_ret)" section bad_ret dev bxa; then
	out=$("$STATS")
	nh=$("$STATS" -j | python3 -c 'import json,sys
print(["table" in r or "dst" in r for r in json.load(sys.stdin)
       if r["hooks"][0]["prog"].endswith("[bad_ret]")])')
	if grep -q '^nexthop dev bxa$' <<<"$out" && [ "$nh" = "[False]" ]; then
		pass "a nexthop object is listed as a nexthop, without destination or table"
	else
		fail "a nexthop object is listed as a nexthop, without destination or table" "$out"
	fi
	ip nexthop del id 78
else
	fail "a nexthop object is listed as a nexthop, without destination or table" \
		"ip nexthop add failed"
fi

# The family is strict: a dump request with an attribute is refused.
check "a dump request with attributes is refused (EINVAL)" \
	python3 - "$BPFEXT_TOP/tools/pylib" <<'EOF'
import errno, sys
sys.path.insert(0, sys.argv[1])
import bpfext_nl
with bpfext_nl.LwtGenl() as g:
    try:
        g.genl_request(bpfext_nl.LWT_CMD_GET_ROUTE, bpfext_nl.NLM_F_DUMP,
                       bpfext_nl.attr(bpfext_nl.LWT_ATTRS.index("ID"),
                                      (1).to_bytes(4, "little")))
    except OSError as e:
        sys.exit(0 if e.errno == errno.EINVAL else "errno %d" % e.errno)
sys.exit("accepted")
EOF

# Without the module there is no family, and the tool says so (it also
# lists End.BPF routes: seg6local_bpf.ko must be out too).
rmmod seg6local_bpf 2>/dev/null
ip route del 10.78.1.2/32
ip route del 10.78.3.2/32 metric 5
ip route del table local local 10.78.2.1/32 2>/dev/null
if ! rmmod lwt_bpf; then
	fail "lwt-bpf-stats without lwt_bpf.ko fails and says why" "rmmod failed"
elif out=$("$STATS" 2>&1); then
	fail "lwt-bpf-stats without lwt_bpf.ko fails and says why" "succeeded: $out"
elif grep -q 'is lwt_bpf.ko loaded' <<<"$out"; then
	pass "lwt-bpf-stats without lwt_bpf.ko fails and says why"
else
	fail "lwt-bpf-stats without lwt_bpf.ko fails and says why" "$out"
fi
ktap_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# encap bpf in/out/xmit with iproute2: each return code on each hook, with
# the packets seen or not seen and the program's own run counter.
#
#   root netns  veth bxa (10.77.0.1, fd77::1)
#       |
#   netns B     veth bxb (10.77.0.2, fd77::2, 10.77.1.2/32, fd77:1::2/128)
#
# Routes to 10.77.1.2 and fd77:1::2 in the root netns carry the programs
# (as upstream's test_lwt_bpf.sh does: iproute2 pins the maps in the root
# netns's bpffs); "in" sits on a local route for 10.77.2.1 on lo.
. "$(dirname "$0")/../lib.sh"
ktap_begin
require_cmd ip ping bpftool tcpdump
require_module lwt_bpf
require_obj lwt_bpf/lwt_any lwt_bpf/lwt_xmit lwt_bpf/lwt_write
B=$(ns b)
PIN=/sys/fs/bpf/tc/globals

cleanup() {
	ip route del 10.77.1.2/32 2>/dev/null
	ip -6 route del fd77:1::2/128 2>/dev/null
	ip route del table local local 10.77.2.1/32 2>/dev/null
	ip link del bxa 2>/dev/null
	rm -f $PIN/lwt_runs $PIN/lwt_cfg
	cleanup_netns
}
trap cleanup EXIT

ip netns add "$B"
ip link add bxa type veth peer name bxb netns "$B"
ip addr add 10.77.0.1/24 dev bxa
ip addr add fd77::1/64 dev bxa nodad
ip link set bxa up
ip -n "$B" addr add 10.77.0.2/24 dev bxb
ip -n "$B" addr add 10.77.1.2/32 dev bxb
ip -n "$B" addr add fd77::2/64 dev bxb nodad
ip -n "$B" addr add fd77:1::2/128 dev bxb nodad
ip -n "$B" link set bxb up
ip -n "$B" route add default via 10.77.0.1
ip -n "$B" -6 route add default via fd77::1

# Which object holds a section, and its slot in lwt_runs (progs/lwt_test.h).
object() {
	case $1 in
	push_ll|redirect_nohdr|ttl) obj lwt_bpf/lwt_xmit ;;
	write) obj lwt_bpf/lwt_write ;;
	*) obj lwt_bpf/lwt_any ;;
	esac
}

slot() {
	case $1 in
	pass) echo 0 ;; drop) echo 1 ;; bad_ret) echo 2 ;; ret_redirect) echo 3 ;;
	push_ll) echo 4 ;; redirect_nohdr) echo 5 ;; ttl) echo 6 ;;
	esac
}

runs() {
	bpftool -j map lookup pinned $PIN/lwt_runs key "$(slot "$1")" 0 0 0 2>/dev/null |
		python3 -c 'import json,sys; v=json.load(sys.stdin)["value"]; print(int.from_bytes(bytes(int(b,16) for b in v),"little") if isinstance(v,list) else v)'
}

reset_runs() {
	local s
	[ -e $PIN/lwt_runs ] || return 0
	for s in 0 1 2 3 4 5 6; do
		bpftool map update pinned $PIN/lwt_runs key $s 0 0 0 value 0 0 0 0 0 0 0 0
	done
}

# route HOOK SECTION [extra]: the hook's route, replacing any earlier one.
route() {
	local hook=$1 sec=$2 o
	shift 2
	o=$(object "$sec")
	ip route del 10.77.1.2/32 2>/dev/null
	ip route del table local local 10.77.2.1/32 2>/dev/null
	if [ "$hook" = in ]; then
		ip route add table local local 10.77.2.1/32 encap bpf in obj "$o" \
			section "$sec" "$@" dev lo
	else
		ip route add 10.77.1.2/32 encap bpf "$hook" obj "$o" section "$sec" \
			"$@" dev bxa
	fi
}

target() { [ "$1" = in ] && echo 10.77.2.1 || echo 10.77.1.2; }
ping_ok() { ping -c "${2:-3}" -i 0.2 -W 1 -q "$1" >/dev/null 2>&1; }

# expect HOOK SECTION reach|lost: three pings, and the program's runs.
expect() {
	local hook=$1 sec=$2 want=$3 got n dst
	dst=$(target "$hook")
	if ! route "$hook" "$sec"; then
		fail "$hook $sec: route with program" "ip route add failed"
		return
	fi
	reset_runs
	if ping_ok "$dst"; then got=reach; else got=lost; fi
	n=$(runs "$sec")
	if [ "$got" != "$want" ]; then
		fail "$hook $sec: packets $want" "packets $got, program ran ${n:-?} times"
	elif [ "${n:-0}" -lt 1 ]; then
		fail "$hook $sec: packets $want" "the program never ran"
	else
		pass "$hook $sec: packets $want, program ran $n times"
	fi
}

# The program's view of the egress device; set before routes use it.
setup_cfg() {
	route xmit pass || return 1
	local ifx mac_b mac_a
	ifx=$(cat /sys/class/net/bxa/ifindex)
	mac_a=$(cat /sys/class/net/bxa/address | tr ':' ' ')
	mac_b=$(ip -n "$B" -br link show bxb | awk '{print $3}' | tr ':' ' ')
	bpftool map update pinned $PIN/lwt_cfg key 0 0 0 0 value \
		$(printf '%d %d %d %d' $((ifx & 255)) $((ifx >> 8 & 255)) 0 0) \
		$(for b in $mac_b $mac_a; do printf '0x%s ' "$b"; done)
}

if ! setup_cfg; then
	fail "set up programs and maps" "no pinned maps in $PIN"
	ktap_end
fi

expect xmit pass reach
expect xmit drop lost
expect xmit bad_ret lost
expect out pass reach
expect out drop lost
expect out bad_ret lost
expect in pass reach
expect in drop lost
expect in bad_ret lost
# in and out cannot redirect: BPF_REDIRECT continues as BPF_OK.
expect out ret_redirect reach
expect in ret_redirect reach
# xmit: a pushed Ethernet header and bpf_redirect() to the L2 device.
expect xmit push_ll reach
# xmit: bpf_redirect() to an L2 device with no link header: dropped.
expect xmit redirect_nohdr lost

# The verifier keeps in and out read-only; xmit may write.
for hook in in out; do
	if route "$hook" write 2>/dev/null; then
		fail "$hook: direct packet write rejected by the verifier"
	else
		pass "$hook: direct packet write rejected by the verifier"
	fi
done
check "xmit: direct packet write accepted" route xmit write
route xmit ttl
capture_start "$B" bxb "$BPFEXT_TMP/ttl.cap" -l -n -v -c 1 'icmp[icmptype] == icmp-echo' ||
	fail "tcpdump listens on bxb" "$(cat "$BPFEXT_TMP/ttl.cap.log")"
ping_ok 10.77.1.2 1
wait "$CAPTURE_PID"
if grep -q 'ttl 32' "$BPFEXT_TMP/ttl.cap"; then
	pass "xmit: a direct write (TTL 64 -> 32) is on the wire"
else
	fail "xmit: a direct write (TTL 64 -> 32) is on the wire" "$(cat "$BPFEXT_TMP/ttl.cap")"
fi

# Headroom: none and 256 accepted, 257 is ERANGE. (iproute2 itself refuses
# "headroom 0"; the raw netlink test sends it.)
check "no headroom accepted" route xmit pass
check "headroom 256 accepted" route xmit pass headroom 256
check_errno "headroom 257 refused with ERANGE" "Numerical result out of range" \
	route xmit pass headroom 257

# The dump carries the program names back.
route xmit pass
if ip route show 10.77.1.2/32 | grep -q 'encap bpf xmit .*\[pass\]'; then
	pass "ip route show prints the xmit program"
else
	fail "ip route show prints the xmit program" "$(ip route show 10.77.1.2/32)"
fi

# IPv6.
ip route del 10.77.1.2/32
if ip -6 route add fd77:1::2/128 encap bpf xmit obj "$(object pass)" section pass dev bxa &&
   reset_runs && ping -6 -c 3 -i 0.2 -W 1 -q fd77:1::2 >/dev/null 2>&1 &&
   [ "$(runs pass)" -ge 3 ]; then
	pass "IPv6 xmit pass: packets reach, program ran"
else
	fail "IPv6 xmit pass: packets reach, program ran" "runs: $(runs pass)"
fi
ip -6 route del fd77:1::2/128 2>/dev/null

# Module lifetime: routes pin lwt_bpf; taking over, they pin nothing and
# rmmod hands them back to the built-in code.
if on_stock; then
	skip "rmmod lwt_bpf refused while a route uses it" "in-tree on stock"
	skip "rmmod lwt_bpf after the last route" "in-tree on stock"
elif on_takeover; then
	route xmit pass
	check "takeover: rmmod lwt_bpf while a route uses it" rmmod lwt_bpf
	if reset_runs && ping -c 3 -i 0.2 -W 1 -q 10.77.1.2 >/dev/null 2>&1 &&
	   [ "$(runs pass)" -ge 3 ]; then
		pass "takeover: the route forwards after rmmod, the program runs"
	else
		fail "takeover: the route forwards after rmmod, the program runs" \
			"runs: $(runs pass)"
	fi
	ip route del 10.77.1.2/32
	check "takeover: modprobe lwt_bpf again" modprobe lwt_bpf
else
	route xmit pass
	if rmmod lwt_bpf 2>/dev/null; then
		fail "rmmod lwt_bpf refused while a route uses it"
	else
		pass "rmmod lwt_bpf refused while a route uses it"
	fi
	ip route del 10.77.1.2/32
	check "rmmod lwt_bpf after the last route" rmmod lwt_bpf
	check "route add loads lwt_bpf again (rtnl-lwt-BPF)" route xmit pass
fi
ktap_end

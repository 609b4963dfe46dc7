#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# encap bpf datapath cases upstream's tests and hooks.sh do not cover:
# BPF_LWT_REROUTE from xmit and in, shown taking the new path and not the
# old one; reroutes to nowhere with the errno the sender gets; multi-MB TCP
# (GSO) through GRE pushed on xmit and on in, checked to the byte; routes
# replaced under traffic; a route whose program reroutes into itself.
#
#   netns C (client)     dpc1 10.79.3.2 fd79:3::2
#        |
#   root netns           dpc0 10.79.3.1 fd79:3::1   forwarding on
#   (programs, maps)     dpt0 10.79.1.1 fd79:1::1   the route's own path
#        |               dpg0 10.79.2.1 fd79:2::1   the new path, MTU 1600
#        |                             \
#   netns T (top)   dpt1 10.79.1.2      netns G (GRE)  dpg1 10.79.2.2
#                                                      dpgre, dpgre6, dpipip:
#                                                      decap, remote any
#
# T and G both hold the destination D (10.79.9.1, fd79:9::1) on lo, so a
# packet that goes the old way is answered too: what tells the paths apart
# is each netns's ICMP echo counter and G's GRE receive counters. The
# programs (progs/lwt_dp_encap.bpf.c) push an outer header from C's address
# to G (10.79.2.2, fd79:2::2), to nowhere (10.79.8.8, fd79:8::8) or to D
# itself, and count their runs in the pinned map lwt_dp_stats.
. "$(dirname "$0")/../lib.sh"
ktap_begin
require_cmd ip ping bpftool python3 nstat sha256sum timeout
require_module lwt_bpf
require_obj lwt_bpf/lwt_dp_encap lwt_bpf/lwt_dp_count
T=$(ns t) G=$(ns g) C=$(ns c)
PIN=/sys/fs/bpf/tc/globals
ENC=$(obj lwt_bpf/lwt_dp_encap)
CNT=$(obj lwt_bpf/lwt_dp_count)
D4=10.79.9.1 D6=fd79:9::1

# Root netns sysctls this test changes, restored on exit.
saved_sysctls=()
set_sysctl() {
	saved_sysctls+=("$1=$(sysctl -n "$1")")
	sysctl -wq "$1=$2"
}

cleanup() {
	local s
	ip route del $D4/32 2>/dev/null
	ip -6 route del $D6/128 2>/dev/null
	ip link del dpt0 2>/dev/null
	ip link del dpg0 2>/dev/null
	ip link del dpc0 2>/dev/null
	for s in "${saved_sysctls[@]}"; do
		sysctl -wq "$s"
	done
	rm -f $PIN/lwt_dp_stats
	cleanup_netns
}
trap cleanup EXIT

set_sysctl net.ipv4.ip_forward 1
set_sysctl net.ipv6.conf.all.forwarding 1
set_sysctl net.ipv4.conf.all.rp_filter 0
set_sysctl net.ipv4.conf.default.rp_filter 0
set_sysctl net.ipv6.conf.default.accept_dad 0

setup() {
	local n
	for n in "$T" "$G" "$C"; do
		ip netns add "$n" || return 1
		ip netns exec "$n" sysctl -wq net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 \
			net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 || return 1
		ip -n "$n" link set lo up
	done
	ip link add dpt0 type veth peer name dpt1 netns "$T" &&
	ip link add dpg0 mtu 1600 type veth peer name dpg1 mtu 1600 netns "$G" &&
	ip link add dpc0 type veth peer name dpc1 netns "$C" || return 1

	ip addr add 10.79.1.1/24 dev dpt0
	ip addr add fd79:1::1/64 dev dpt0 nodad
	ip addr add 10.79.2.1/24 dev dpg0
	ip addr add fd79:2::1/64 dev dpg0 nodad
	ip addr add 10.79.3.1/24 dev dpc0
	ip addr add fd79:3::1/64 dev dpc0 nodad
	ip link set dpt0 up
	ip link set dpg0 up
	ip link set dpc0 up

	ip -n "$T" addr add 10.79.1.2/24 dev dpt1
	ip -n "$T" addr add fd79:1::2/64 dev dpt1 nodad
	ip -n "$G" addr add 10.79.2.2/24 dev dpg1
	ip -n "$G" addr add fd79:2::2/64 dev dpg1 nodad
	ip -n "$C" addr add 10.79.3.2/24 dev dpc1
	ip -n "$C" addr add fd79:3::2/64 dev dpc1 nodad
	for n in "$T" "$G"; do
		ip -n "$n" addr add $D4/32 dev lo
		ip -n "$n" addr add $D6/128 dev lo nodad
	done
	ip -n "$T" link set dpt1 up
	ip -n "$G" link set dpg1 up
	ip -n "$C" link set dpc1 up
	ip -n "$T" route add default via 10.79.1.1
	ip -n "$T" -6 route add default via fd79:1::1
	ip -n "$G" route add default via 10.79.2.1
	ip -n "$G" -6 route add default via fd79:2::1
	ip -n "$C" route add default via 10.79.3.1
	ip -n "$C" -6 route add default via fd79:3::1

	ip -n "$G" link add dpgre type gre local 10.79.2.2 &&
	ip -n "$G" link add dpgre6 type ip6gre local fd79:2::2 &&
	ip -n "$G" link add dpipip type ipip local 10.79.2.2 || return 1
	ip -n "$G" link set dpgre up
	ip -n "$G" link set dpipip up
	ip -n "$G" link set dpgre6 up

	# Neighbours resolved, every link up.
	ping -c 1 -W 5 -q 10.79.1.2 >/dev/null &&
	ping -c 1 -W 5 -q 10.79.2.2 >/dev/null &&
	ping -c 1 -W 5 -q 10.79.3.2 >/dev/null &&
	ping -6 -c 1 -W 5 -q fd79:1::2 >/dev/null &&
	ping -6 -c 1 -W 5 -q fd79:2::2 >/dev/null &&
	ping -6 -c 1 -W 5 -q fd79:3::2 >/dev/null
}

if ! setup; then
	fail "set up netns, veths and GRE devices"
	ktap_end
fi

# in_ns NS CMD...: run CMD in netns NS, or in the root netns for "-".
in_ns() {
	local n=$1
	shift
	if [ "$n" = - ]; then "$@"; else ip netns exec "$n" "$@"; fi
}

# nsstat NS COUNTER: an absolute nstat counter of a netns.
nsstat() {
	in_ns "$1" nstat -asz "$2" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }' |
		grep . || echo 0
}

# ip_rx NS FAM: IP packets NS received that are not ICMP: the link's own
# ND and MLD (IPv6 sends its MLD reports at random times after link up)
# are none of a test's business.
ip_rx() {
	if [ "$2" = 6 ]; then
		echo $(($(nsstat "$1" Ip6InReceives) - $(nsstat "$1" Icmp6InMsgs)))
	else
		echo $(($(nsstat "$1" IpInReceives) - $(nsstat "$1" IcmpInMsgs)))
	fi
}

rxpk() { ip netns exec "$G" cat "/sys/class/net/$1/statistics/rx_packets"; }

slot() {
	case $1 in
	gre4) echo 0 ;; gre6) echo 1 ;; noroute4) echo 2 ;; noroute6) echo 3 ;;
	loop4) echo 4 ;; loop6) echo 5 ;; cnt_a) echo 6 ;; cnt_b) echo 7 ;;
	ipip4) echo 8 ;;
	esac
}

# stats SECTION: "runs errs err big maxlen" of that program.
stats() {
	bpftool -j map lookup pinned $PIN/lwt_dp_stats key "$(slot "$1")" 0 0 0 2>/dev/null |
		python3 -c '
import json, struct, sys
v = json.load(sys.stdin)["value"]
b = bytes(int(x, 16) for x in v)
print(*struct.unpack("<5Q", b[:40]))' 2>/dev/null || echo "? ? ? ? ?"
}

stat_field() {
	local i
	case $2 in runs) i=1 ;; errs) i=2 ;; err) i=3 ;; big) i=4 ;; maxlen) i=5 ;; esac
	stats "$1" | cut -d' ' -f$i
}

reset_stats() {
	local s
	for s in "$@"; do
		bpftool map update pinned $PIN/lwt_dp_stats key "$(slot "$s")" 0 0 0 \
			value $(printf '0 %.0s' $(seq 40)) || return 1
	done
}

# route4/route6 HOOK SECTION [OBJ]: D's route in the root netns, with the
# program on HOOK; the route itself leads to T.
route4() {
	ip route del $D4/32 2>/dev/null
	ip route add $D4/32 encap bpf "$1" obj "${3:-$ENC}" section "$2" \
		via 10.79.1.2 dev dpt0
}

route6() {
	ip -6 route del $D6/128 2>/dev/null
	ip -6 route add $D6/128 encap bpf "$1" obj "${3:-$ENC}" section "$2" \
		via fd79:1::2 dev dpt0
}

unroute() {
	ip route del $D4/32 2>/dev/null
	ip -6 route del $D6/128 2>/dev/null
}

# udp_send NS FAMILY DST N: N datagrams, each sendto()'s outcome (ok or the
# errno name). IP(V6)_RECVERR, so ENOBUFS is reported, not swallowed.
udp_send() {
	in_ns "$1" python3 - "$2" "$3" "$4" <<'EOF'
import errno, socket, sys
v6 = sys.argv[1] == "6"
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
if v6:
    s.setsockopt(socket.IPPROTO_IPV6, 25, 1)	# IPV6_RECVERR
else:
    s.setsockopt(socket.IPPROTO_IP, 11, 1)	# IP_RECVERR
out = []
for _ in range(int(sys.argv[3])):
    try:
        s.sendto(b"x" * 64, (sys.argv[2], 9))
        out.append("ok")
    except OSError as e:
        out.append(errno.errorcode.get(e.errno, str(e.errno)))
print(" ".join(out))
EOF
}

fam_of() { case $1 in *:*) echo 6 ;; *) echo 4 ;; esac; }
echo_ctr() { [ "$1" = 6 ] && echo Icmp6InEchos || echo IcmpInEchos; }
gre_dev() { case $1 in *6) echo dpgre6 ;; *) echo dpgre ;; esac; }

# 1, 2: BPF_LWT_REROUTE to G. reroute HOOK SECTION DST: five pings from
# the root netns (xmit) or from C through the root netns (in); all five
# echo requests must reach G through its GRE device, none T.
reroute() {
	local hook=$1 sec=$2 dst=$3 fam src desc ctr g0 t0 r0 g t r runs ok
	fam=$(fam_of "$dst")
	desc="$hook $sec: IPv$fam to $dst rerouted through GRE to G, none via T"
	[ "$hook" = in ] && src=$C || src=-
	if ! "route$fam" "$hook" "$sec" || ! reset_stats "$sec"; then
		fail "$desc" "route or map setup failed"
		return
	fi
	ctr=$(echo_ctr "$fam")
	g0=$(nsstat "$G" "$ctr") t0=$(nsstat "$T" "$ctr") r0=$(rxpk "$(gre_dev "$sec")")
	if in_ns "$src" ping -"$fam" -c 5 -i 0.2 -W 2 -q "$dst" >/dev/null 2>&1; then
		ok=replies
	else
		ok="no replies"
	fi
	g=$(($(nsstat "$G" "$ctr") - g0)) t=$(($(nsstat "$T" "$ctr") - t0))
	r=$(($(rxpk "$(gre_dev "$sec")") - r0))
	runs=$(stat_field "$sec" runs)
	unroute
	if [ "$ok" = replies ] && [ "$g" = 5 ] && [ "$t" = 0 ] && [ "$r" = 5 ] &&
	   [ "$runs" = 5 ]; then
		pass "$desc"
	else
		fail "$desc" "ping: $ok; echo requests at G: $g, at T: $t; G $(gre_dev "$sec") rx: $r; program runs: $runs (want 5, 0, 5, 5)"
	fi
}

reroute xmit gre4 $D4
reroute xmit gre6 $D6
reroute in gre4 $D4
reroute in gre6 $D6

# 1, 2: reroute to a destination without a route, from xmit: dropped, and
# the sender's sendto() fails with the lookup's ENETUNREACH.
noroute_xmit() {
	local sec=$1 dst=$2 fam desc got runs t0 g0 t g ctr
	fam=$(fam_of "$dst")
	desc="xmit $sec: IPv$fam reroute without a route: dropped, sendto() gets ENETUNREACH"
	if ! "route$fam" xmit "$sec" || ! reset_stats "$sec"; then
		fail "$desc" "route or map setup failed"
		return
	fi
	g0=$(ip_rx "$G" "$fam") t0=$(ip_rx "$T" "$fam")
	got=$(udp_send - "$fam" "$dst" 3 2>&1)
	g=$(($(ip_rx "$G" "$fam") - g0)) t=$(($(ip_rx "$T" "$fam") - t0))
	runs=$(stat_field "$sec" runs)
	unroute
	if [ "$got" = "ENETUNREACH ENETUNREACH ENETUNREACH" ] && [ "$runs" = 3 ] &&
	   [ "$g" = 0 ] && [ "$t" = 0 ]; then
		pass "$desc"
	else
		fail "$desc" "sendto: $got; program runs: $runs; IP packets at G: $g, at T: $t"
	fi
}

noroute_xmit noroute4 $D4
noroute_xmit noroute6 $D6

# From in, IPv4: ip_route_input_noref() gives the packet an ip_error dst,
# so the root netns counts a packet without a route and (forwarding on)
# tells the outer source, C, unreachable. IPv6: ipv6_route_input() returns
# the null entry's error, and the packet is freed right there: no ICMPv6,
# nothing counted as no route. Neither is forwarded anywhere.
noroute_in() {
	local sec=$1 dst=$2 fam desc nr0 du0 fw0 nr du fw runs ok nrc duc fwc want
	fam=$(fam_of "$dst")
	if [ "$fam" = 6 ]; then
		nrc=Ip6InNoRoutes duc=Icmp6InDestUnreachs fwc=Ip6OutForwDatagrams
		desc="in $sec: IPv6 reroute without a route: dropped silently"
		want="0 0"
	else
		nrc=IpExtInNoRoutes duc=IcmpInDestUnreachs fwc=IpForwDatagrams
		desc="in $sec: IPv4 reroute without a route: dropped as no route, C told unreachable"
		want="3 1"
	fi
	if ! "route$fam" in "$sec" || ! reset_stats "$sec"; then
		fail "$desc" "route or map setup failed"
		return
	fi
	nr0=$(nsstat - "$nrc") du0=$(nsstat "$C" "$duc") fw0=$(nsstat - "$fwc")
	if ip netns exec "$C" ping -"$fam" -c 3 -i 0.2 -W 1 -q "$dst" >/dev/null 2>&1; then
		ok="got replies"
	else
		ok="no replies"
	fi
	nr=$(($(nsstat - "$nrc") - nr0)) du=$(($(nsstat "$C" "$duc") - du0))
	fw=$(($(nsstat - "$fwc") - fw0))
	runs=$(stat_field "$sec" runs)
	unroute
	# ICMP errors are rate limited: at least one of the three.
	[ "$du" -gt 1 ] && du=1
	if [ "$ok" = "no replies" ] && [ "$runs" = 3 ] && [ "$fw" = 0 ] &&
	   [ "$nr $du" = "$want" ]; then
		pass "$desc"
	else
		fail "$desc" "ping: $ok; program runs: $runs (want 3); root $fwc: $fw (want 0); root $nrc, C $duc (1 = at least one): $nr $du (want $want)"
	fi
}

noroute_in noroute4 $D4
noroute_in noroute6 $D6

# 3: GSO. A TCP transfer through GRE pushed by the program: every byte
# arrives (size and sha256), and the program saw packets larger than any
# MTU here (GSO packets, segmented after the encapsulation).
SIZE=$((4 * 1024 * 1024))
head -c $SIZE /dev/urandom > "$BPFEXT_TMP/data"
want_sum=$(sha256sum "$BPFEXT_TMP/data" | cut -d' ' -f1)

tcp_recv() {
	ip netns exec "$G" timeout "${TCP_TIMEOUT:-120}" python3 - "$1" "$2" <<'EOF'
import hashlib, socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
s.settimeout(60)
c, _ = s.accept()
c.settimeout(60)
h, n = hashlib.sha256(), 0
while True:
    d = c.recv(1 << 16)
    if not d:
        break
    h.update(d)
    n += len(d)
print(n, h.hexdigest())
EOF
}

tcp_send() {
	in_ns "$1" timeout "${TCP_TIMEOUT:-120}" python3 - "$2" "$3" "$4" <<'EOF'
import socket, sys, time
dst, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
end = time.time() + 20
while True:
    s = socket.socket(fam)
    s.settimeout(60)
    try:
        s.connect((dst, port))
        break
    except OSError:
        s.close()
        if time.time() > end:
            raise
        time.sleep(0.3)
with open(path, "rb") as f:
    s.sendall(f.read())
s.shutdown(socket.SHUT_WR)
s.recv(1)
EOF
}

gso() {
	local hook=$1 sec=$2 dst=$3 fam desc src out runs errs big maxlen
	fam=$(fam_of "$dst")
	desc="$hook $sec: 4 MiB over IPv$fam TCP through GRE, every byte, GSO packets encapsulated"
	[ "$hook" = in ] && src=$C || src=-
	if ! "route$fam" "$hook" "$sec" || ! reset_stats "$sec"; then
		fail "$desc" "route or map setup failed"
		return
	fi
	tcp_recv "$dst" 5001 > "$BPFEXT_TMP/recv" 2>&1 &
	local rpid=$!
	tcp_send "$src" "$dst" 5001 "$BPFEXT_TMP/data" > "$BPFEXT_TMP/send" 2>&1
	wait $rpid
	out=$(cat "$BPFEXT_TMP/recv")
	read -r runs errs _ big maxlen <<<"$(stats "$sec")"
	unroute
	if [ "$out" = "$SIZE $want_sum" ] && [ "$errs" = 0 ] && [ "${big:-0}" -gt 0 ] 2>/dev/null; then
		pass "$desc (runs $runs, GSO $big, largest $maxlen)"
	else
		fail "$desc" "received: $out
sender: $(cat "$BPFEXT_TMP/send")
want: $SIZE $want_sum
program runs $runs, push_encap errors $errs, packets > 1600 bytes: $big, largest $maxlen"
	fi
}

gso xmit gre6 $D6
gso xmit gre6 $D4
gso in gre4 $D4
gso in gre6 $D6

# IPIP (protocol 4): 6.1 pushes it on single packets but encapsulates GSO
# packets only in GRE, UDP, or IP protocols 0 and 41, so TCP's GSO packets
# make bpf_lwt_push_encap() fail with EPROTONOSUPPORT. The transfer itself
# cannot complete and is cut short.
ipip_gso() {
	local desc="xmit ipip4: IPIP on pings, GSO packets refused with EPROTONOSUPPORT"
	local ok r0 r runs errs err big
	if ! route4 xmit ipip4 || ! reset_stats ipip4; then
		fail "$desc" "route or map setup failed"
		return
	fi
	r0=$(rxpk dpipip)
	if ping -c 3 -i 0.2 -W 2 -q $D4 >/dev/null 2>&1; then
		ok=replies
	else
		ok="no replies"
	fi
	r=$(($(rxpk dpipip) - r0))
	head -c $((256 * 1024)) "$BPFEXT_TMP/data" > "$BPFEXT_TMP/small"
	TCP_TIMEOUT=15 tcp_recv $D4 5003 >/dev/null 2>&1 &
	local rpid=$!
	TCP_TIMEOUT=10 tcp_send - $D4 5003 "$BPFEXT_TMP/small" >/dev/null 2>&1
	wait $rpid
	read -r runs errs err big _ <<<"$(stats ipip4)"
	unroute
	# EPROTONOSUPPORT is 93 on x86.
	if [ "$ok" = replies ] && [ "$r" -ge 3 ] && [ "${errs:-0}" -ge 1 ] 2>/dev/null &&
	   [ "$err" = 93 ] && [ "${big:-0}" -ge 1 ] 2>/dev/null; then
		pass "$desc (runs $runs, refused $errs)"
	else
		fail "$desc" "ping: $ok; G dpipip rx: $r (want >= 3); program runs $runs, push_encap errors $errs, last error $err (want 93), packets > 1600 bytes: $big"
	fi
}

ipip_gso

# 5: the program reroutes to its own route's destination: the reroute
# finds the same route and runs the program again, each time one header
# deeper, until lwtunnel's recursion limit (XMIT_RECURSION_LIMIT, 8) drops
# the packet: 9 runs per packet. From xmit the sender gets ENOBUFS
# (net_xmit_errno() of the inner -ENETDOWN).
dmesg_count() { dmesg | grep -c "$1(): recursion limit reached on datapath"; }

loop_xmit() {
	local sec=$1 dst=$2 fam desc got runs m0 m
	fam=$(fam_of "$dst")
	desc="xmit $sec: IPv$fam reroute into its own route stops at the recursion limit, ENOBUFS"
	if ! "route$fam" xmit "$sec" || ! reset_stats "$sec"; then
		fail "$desc" "route or map setup failed"
		return
	fi
	m0=$(dmesg_count lwtunnel_xmit)
	got=$(udp_send - "$fam" "$dst" 3 2>&1)
	runs=$(stat_field "$sec" runs)
	m=$(($(dmesg_count lwtunnel_xmit) - m0))
	unroute
	if [ "$got" = "ENOBUFS ENOBUFS ENOBUFS" ] && [ "$runs" = 27 ] && [ "$m" -ge 1 ]; then
		pass "$desc"
	else
		fail "$desc" "sendto: $got; program runs: $runs (want 27); new recursion messages: $m"
	fi
}

loop_in() {
	local sec=$1 dst=$2 fam desc runs m0 m ok
	fam=$(fam_of "$dst")
	desc="in $sec: IPv$fam reroute into its own route stops at the recursion limit"
	if ! "route$fam" in "$sec" || ! reset_stats "$sec"; then
		fail "$desc" "route or map setup failed"
		return
	fi
	m0=$(dmesg_count lwtunnel_input)
	if ip netns exec "$C" ping -"$fam" -c 3 -i 0.2 -W 1 -q "$dst" >/dev/null 2>&1; then
		ok="got replies"
	else
		ok="no replies"
	fi
	runs=$(stat_field "$sec" runs)
	m=$(($(dmesg_count lwtunnel_input) - m0))
	unroute
	if [ "$ok" = "no replies" ] && [ "$runs" = 27 ] && [ "$m" -ge 1 ]; then
		pass "$desc"
	else
		fail "$desc" "ping: $ok; program runs: $runs (want 27); new recursion messages: $m"
	fi
}

loop_xmit loop4 $D4
loop_xmit loop6 $D6
loop_in loop4 $D4
loop_in loop6 $D6
check "after the loops: plain traffic still flows" \
	ping -c 1 -W 5 -q 10.79.2.2

# 4: replace the route's program under a UDP stream, 60 times, alternating
# cnt_a and cnt_b. Every datagram runs exactly one of the two (the replace
# swaps the route atomically), so their runs add up to what was sent;
# none may fail to send. T's socket has a 4 MiB buffer against TCG stalls,
# so nothing should be lost; 1% is allowed for a stalled receiver, far
# below what a gap without a route or a dropped state would cost.
REPLACES=60
replace_under_traffic() {
	local desc="xmit: $REPLACES route replaces cnt_a <-> cnt_b under a UDP stream"
	local i sec bad=0 sent errs recvd a b tol
	if ! route4 xmit cnt_a "$CNT" || ! reset_stats cnt_a cnt_b; then
		fail "$desc" "route or map setup failed"
		return
	fi
	# The receiver stops only once the sender has (the stop file) and
	# the socket has been quiet for 3 s: a guest stalled for seconds on a
	# loaded host must not end it early (seen: 922 of 9188 counted).
	ip netns exec "$T" timeout 300 python3 - $D4 5002 "$BPFEXT_TMP/ready" \
		"$BPFEXT_TMP/stop" > "$BPFEXT_TMP/urecv" 2>&1 <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)	# SO_RCVBUFFORCE
s.bind((sys.argv[1], int(sys.argv[2])))
open(sys.argv[3], "w").close()
seen = set()
s.settimeout(1)
quiet = 0
while quiet < 3 or not os.path.exists(sys.argv[4]):
    try:
        d = s.recv(64)
    except socket.timeout:
        quiet += 1
        continue
    quiet = 0
    seen.add(int(d))
print(len(seen))
EOF
	local rpid=$!
	for i in $(seq 100); do
		[ -e "$BPFEXT_TMP/ready" ] && break
		sleep 0.1
	done
	python3 - $D4 5002 "$BPFEXT_TMP/stop" > "$BPFEXT_TMP/usend" 2>&1 <<'EOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = errs = 0
while not os.path.exists(sys.argv[3]):
    try:
        s.sendto(b"%d" % sent, (sys.argv[1], int(sys.argv[2])))
        sent += 1
    except OSError:
        errs += 1
    time.sleep(0.002)
print(sent, errs)
EOF
	local spid=$!
	sleep 1
	for i in $(seq $REPLACES); do
		[ $((i % 2)) = 1 ] && sec=cnt_b || sec=cnt_a
		ip route replace $D4/32 encap bpf xmit obj "$CNT" section $sec \
			via 10.79.1.2 dev dpt0 || bad=$((bad + 1))
	done
	sleep 1
	touch "$BPFEXT_TMP/stop"
	wait $spid
	wait $rpid
	read -r sent errs < "$BPFEXT_TMP/usend"
	recvd=$(cat "$BPFEXT_TMP/urecv")
	a=$(stat_field cnt_a runs) b=$(stat_field cnt_b runs)
	tol=$((sent / 100 > 2 ? sent / 100 : 2))
	if [ "$bad" = 0 ] && [ "$errs" = 0 ] && [ "${sent:-0}" -gt 0 ] &&
	   [ "$((a + b))" = "$sent" ] && [ "$a" -gt 0 ] && [ "$b" -gt 0 ] &&
	   [ "$recvd" -ge $((sent - tol)) ] 2>/dev/null; then
		pass "$desc (sent $sent, received $recvd, cnt_a $a, cnt_b $b)"
	else
		fail "$desc" "failed replaces: $bad; sent $sent, sendto errors $errs, received $recvd (at least $((sent - tol))); cnt_a $a + cnt_b $b (want the sum $sent, both > 0)"
	fi
	check "ip route del after the replaces" ip route del $D4/32
}

replace_under_traffic

if on_stock; then
	skip "rmmod lwt_bpf after the replaced route is deleted" "in-tree on stock"
else
	# The last route's state goes with its cached dsts, after RCU.
	rm_ok=no
	for i in $(seq 20); do
		if rmmod lwt_bpf 2>/dev/null; then
			rm_ok=yes
			break
		fi
		sleep 0.5
	done
	if [ $rm_ok = yes ]; then
		pass "rmmod lwt_bpf after the replaced route is deleted (try $i)"
	else
		fail "rmmod lwt_bpf after the replaced route is deleted" \
			"$(rmmod lwt_bpf 2>&1; lsmod | grep lwt_bpf)"
	fi
fi
ktap_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lwt_bpf.ko taking over a kernel's built-in encap bpf (Debian's packaged
# kernel, KERNEL=debian) and handing it back: routes made before, while and
# after the module serves, every order of making, deleting and unloading,
# and a UDP stream through a route while the module comes and goes.
#
#   root netns  veth bxa (10.79.0.1, fd79::1)
#       |
#   netns B     veth bxb (10.79.0.2, fd79::2; 10.79.1.2-9/32, fd79:1::3/128)
#
# Which side served a route shows in lwt_bpf's counters dump: the module
# lists exactly the states it built. The program (progs/lwt_takeover.bpf.c)
# counts packets per destination whoever runs it.
. "$(dirname "$0")/../lib.sh"
ktap_begin
on_takeover || skip_all "needs a kernel with built-in LWT BPF and no base patch (KERNEL=debian)"
require_cmd ip ping bpftool python3 modprobe rmmod dmesg
require_obj lwt_bpf/lwt_takeover
B=$(ns b)
PIN=/sys/fs/bpf/tc/globals
STATS=$BPFEXT_TOP/tools/lwt-bpf-stats
O=$(obj lwt_bpf/lwt_takeover)

cleanup() {
	local d
	for d in 2 3 4 5 6 7 8 9; do
		ip route del 10.79.1.$d/32 2>/dev/null
	done
	ip -6 route del fd79:1::3/128 2>/dev/null
	ip nexthop del id 79 2>/dev/null
	ip link del bxa 2>/dev/null
	rm -f $PIN/lwt_tko_pkts
	cleanup_netns
}
trap cleanup EXIT

loaded() { [ -d /sys/module/lwt_bpf ]; }
loaded && modprobe -r lwt_bpf
if loaded; then
	fail "lwt_bpf unloads before the test" "$(lsmod | grep lwt_bpf)"
	ktap_end
fi
rm -f $PIN/lwt_tko_pkts

peer_ns "$B" bxa bxb 10.79.0 10.79.1.2 10.79.1.3 10.79.1.4 10.79.1.5 \
	10.79.1.6 10.79.1.7 10.79.1.8 10.79.1.9 ||
	{ fail "veth pair into netns $B"; ktap_end; }
ip addr add fd79::1/64 dev bxa nodad
ip -n "$B" addr add fd79::2/64 dev bxb nodad
ip -n "$B" addr add fd79:1::3/128 dev bxb nodad
ip -n "$B" -6 route add default via fd79::1

# add DST SECTION: an xmit route to DST (a /32 or /128) counting its packets.
add() {
	local v=-4
	[[ $1 == *:* ]] && v=-6
	ip "$v" route add "$1" encap bpf xmit obj "$O" section "$2" dev bxa
}

# pkts DST: packets the program counted for DST, whoever ran it.
pkts() {
	python3 - "$1" <<-'EOF'
	import ipaddress, json, subprocess, sys
	a = ipaddress.ip_address(sys.argv[1]).packed[-4:]
	key = [str(b) for b in a]
	r = subprocess.run(["bpftool", "-j", "map", "lookup", "pinned",
	                    "/sys/fs/bpf/tc/globals/lwt_tko_pkts", "key"] + key,
	                   capture_output=True, text=True)
	if r.returncode:
	    print(0)
	else:
	    v = json.loads(r.stdout)["value"]
	    print(int.from_bytes(bytes(int(b, 16) for b in v), "little")
	          if isinstance(v, list) else v)
	EOF
}

# pings DST N: N echo requests through DST's route, all answered.
pings() {
	local v=-4
	[[ $1 == *:* ]] && v=-6
	ping "$v" -c "$2" -i 0.1 -W 2 -q "$1" >/dev/null 2>&1
}

# forwards DST DESC: three pings through DST's route reach and are counted.
forwards() {
	local before after
	before=$(pkts "$1")
	if pings "$1" 3; then
		after=$(pkts "$1")
		if [ "$after" -eq $((before + 3)) ]; then
			pass "$2"
		else
			fail "$2" "program counted $((after - before)) of 3"
		fi
	else
		fail "$2" "ping $1 failed"
	fi
}

# module_lists [DST...]: the destinations whose states the module lists.
module_lists() {
	"$STATS" -j | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    print(r.get("dst", "nexthop"))' | sort | tr '\n' ' ' | sed 's/ $//'
}

# lists WANT DESC: the module's dump lists exactly WANT (sorted).
lists() {
	local got
	got=$(module_lists 2>&1)
	if [ "$got" = "$1" ]; then
		pass "$2"
	else
		fail "$2" "lists '$got', want '$1'"
	fi
}

# module_runs DST: xmit runs the module counted for DST's state.
module_runs() {
	"$STATS" -j | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r.get("dst") == sys.argv[1]:
        print(r["hooks"][0]["stats"].get("runs", 0))' "$1"
}

last_log() { dmesg | grep 'lwt_bpf: ' | tail -n1; }

refcnt_zero() {
	local n
	read -r n < /sys/module/lwt_bpf/refcnt
	if [ "$n" = 0 ]; then
		pass "$1"
	else
		fail "$1" "refcnt $n"
	fi
}

# Before the module: the built-in code serves.
# 10.79.1.2, .5 and .6 share one built-in state (one fib_info).
check "built-in: route made before modprobe" add 10.79.1.2/32 count
add 10.79.1.5/32 count
add 10.79.1.6/32 count
forwards 10.79.1.2 "built-in: route forwards, the program counts"
# seg6local_bpf.ko may be loaded (an earlier test in this guest): its
# family answers, so count what the dump lists of encap bpf routes.
n=$("$STATS" -j 2>/dev/null | python3 -c '
import json, sys
try:
    print(sum("hooks" in r for r in json.load(sys.stdin)))
except ValueError:
    print(0)')
check_eq "no counters without the module" 0 "$n"

# Taking over.
check "modprobe lwt_bpf" modprobe lwt_bpf
log=$(last_log)
if grep -q "serving encap bpf, taken over from the built-in implementation" <<<"$log"; then
	pass "module says it took over the built-in encap bpf"
else
	fail "module says it took over the built-in encap bpf" "$log"
fi
forwards 10.79.1.2 "route made before modprobe forwards after it"
lists "" "the module lists none of the built-in's states"

check "route made while serving" add 10.79.1.3/32 count2
forwards 10.79.1.3 "it forwards"
lists "10.79.1.3" "the module lists its state"
runs=$(module_runs 10.79.1.3)
if [ "$runs" = 3 ]; then
	pass "the module counted its route's packets"
else
	fail "the module counted its route's packets" "runs $runs, want 3"
fi
refcnt_zero "routes pin nothing under takeover: lwt_bpf refcnt 0"

# One fib_info: a route whose nexthop equals a built-in route's shares its
# built-in state, as IPv4 shares any state.
check "route identical in nexthop to a built-in one" add 10.79.1.7/32 count
forwards 10.79.1.7 "it forwards"
lists "10.79.1.3" "it shares the built-in state (not listed)"

check "IPv6 route while serving" add fd79:1::3/128 count
forwards fd79:1::3 "it forwards"
check "nexthop object while serving" \
	ip nexthop add id 79 encap bpf xmit obj "$O" section count dev bxa
check "route through it" ip route add 10.79.1.4/32 nhid 79
forwards 10.79.1.4 "it forwards"
lists "10.79.1.3 fd79:1::3 nexthop" "the module lists IPv6 and nexthop states"

# A built-in state compared with ours: deleting a route by its encap builds
# one of ours to match it; replacing one builds ours in its place.
check "delete a built-in route by its encap while serving" \
	ip route del 10.79.1.5/32 encap bpf xmit obj "$O" section count dev bxa
if ip route show 10.79.1.5/32 | grep -q .; then
	fail "it is gone" "$(ip route show 10.79.1.5/32)"
else
	pass "it is gone"
fi
check "replace a built-in route while serving" \
	ip route replace 10.79.1.6/32 encap bpf xmit obj "$O" section count2 dev bxa
runs=$(module_runs 10.79.1.3)
forwards 10.79.1.6 "the replacement forwards"
# Its nexthop now equals 10.79.1.3's: it shares that state, the module's.
if [ "$(module_runs 10.79.1.3)" = $((runs + 3)) ]; then
	pass "the replacement is served by the module's state"
else
	fail "the replacement is served by the module's state" \
		"runs $runs -> $(module_runs 10.79.1.3)"
fi

# Traffic while the module comes and goes: count every datagram.
check "route for the stream" add 10.79.1.8/32 count2
sysctl -qw net.core.netdev_max_backlog=100000
ip netns exec "$B" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("10.79.1.8", 9079))
s.settimeout(30)
n = 0
try:
    while True:
        if s.recv(64) == b"end":
            break
        n += 1
except socket.timeout:
    pass
print(n)' > "$BPFEXT_TMP/recv" &
rx=$!
# A datagram before the socket is bound would come back as ECONNREFUSED
# on the sender's next send: start only once it is.
for ((i = 0; i < 300; i++)); do
	ip netns exec "$B" ss -Hlun 'sport = :9079' | grep -q . && break
	sleep 0.1
done
before=$(pkts 10.79.1.8)
python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("10.79.1.8", 9079))
for i in range(3000):
    s.send(b"x" * 32)
    if i % 50 == 0:
        time.sleep(0.005)
time.sleep(0.5)
s.send(b"end")' &
tx=$!
cycles=0
while kill -0 $tx 2>/dev/null; do
	rmmod lwt_bpf 2>/dev/null && modprobe lwt_bpf 2>/dev/null &&
		cycles=$((cycles + 1))
done
wait $tx
wait $rx
got=$(cat "$BPFEXT_TMP/recv")
counted=$(( $(pkts 10.79.1.8) - before - 1 ))
if [ "$got" = 3000 ] && [ "$counted" = 3000 ] && [ "$cycles" -ge 2 ]; then
	pass "3000 datagrams across $cycles unloads and loads: all received, all counted"
else
	fail "3000 datagrams across unloads and loads: all received, all counted" \
		"received $got, counted $counted, $cycles cycles"
fi
loaded || modprobe lwt_bpf

# Giving it back, with states of both kinds in place.
routes="10.79.1.2 10.79.1.3 10.79.1.4 10.79.1.6 10.79.1.7 10.79.1.8 fd79:1::3"
check "rmmod lwt_bpf with routes of both kinds" rmmod lwt_bpf
log=$(last_log)
if grep -q "encap bpf handed back to the built-in implementation" <<<"$log"; then
	pass "module says it handed encap bpf back"
else
	fail "module says it handed encap bpf back" "$log"
fi
for d in $routes; do
	forwards "$d" "after rmmod: $d forwards"
done

# Taken over again: every state is the built-in's now.
check "modprobe lwt_bpf again" modprobe lwt_bpf
lists "" "the states handed back are the built-in's now"
for d in 10.79.1.3 fd79:1::3 10.79.1.4; do
	forwards "$d" "taken over again: $d forwards"
done
check "route made while serving again" add 10.79.1.9/32 count3
lists "10.79.1.9" "the module lists only its new state"
check "delete it while serving" ip route del 10.79.1.9/32
lists "" "the module lists nothing"
check "modprobe -r lwt_bpf" modprobe -r lwt_bpf
if [ -e /sys/kernel/livepatch/lwt_bpf ]; then
	fail "no livepatch is involved" "$(ls /sys/kernel/livepatch)"
else
	pass "no livepatch is involved"
fi

# Deleting everything, the module gone: every program reference is dropped,
# whichever side built the state and whichever side freed it.
for d in 2 3 4 6 7 8; do
	ip route del 10.79.1.$d/32
done
ip -6 route del fd79:1::3/128
ip nexthop del id 79
progs_left() {
	bpftool -j prog show | python3 -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if p.get("name", "").startswith("lwt_tko_count")))'
}
for ((i = 0; i < 50; i++)); do
	[ "$(progs_left)" = 0 ] && break
	sleep 0.1
done
if [ "$(progs_left)" = 0 ]; then
	pass "no program is left once the routes are gone"
else
	fail "no program is left once the routes are gone" "$(progs_left) left"
fi
ktap_end

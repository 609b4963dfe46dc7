#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# seg6local_bpf.ko taking over a kernel's built-in End.BPF (Debian's
# packaged kernel, KERNEL=debian) and handing it back: End.BPF routes made
# before, while and after the module serves keep forwarding through every
# load and unload, no route pins the module, and the module counts exactly
# the states it built.
#
#   S  s0 fd00:a::2 ---- r0 fd00:a::1  R  r1 fd00:d::1 ---- d0 fd00:d::2  D
#      srh_send.py              End.BPF SIDs fc00::N
#                               fd00:e::/64 via fd00:d::2
#
# The program (progs/sl_takeover.bpf.c) counts packets per SID whoever
# runs it; seg6local_bpf's dump lists the states the module built.
. "$(dirname "$0")/../lib.sh"
ktap_begin
on_takeover || skip_all "needs a kernel with a built-in End.BPF and no base patch (KERNEL=debian)"
require_cmd ip bpftool python3 modprobe rmmod dmesg
require_obj seg6local_bpf/sl_takeover
S=$(ns s) R=$(ns r) D=$(ns d)
O=$(obj seg6local_bpf/sl_takeover)
STATS=$BPFEXT_TOP/tools/lwt-bpf-stats
SEND=$(dirname "$0")/srh_send.py
FINAL=fd00:e::1


loaded() { [ -d /sys/module/seg6local_bpf ]; }
loaded && rmmod seg6local_bpf
if loaded; then
	fail "seg6local_bpf unloads before the test" "$(lsmod | grep seg6local_bpf)"
	ktap_end
fi
dmesg_mark=$(dmesg | wc -l)

ip netns add "$S" && ip netns add "$R" && ip netns add "$D" || exit 1
ip -n "$S" link add s0 type veth peer name r0 netns "$R"
ip -n "$R" link add r1 type veth peer name d0 netns "$D"
for x in "$S s0 fd00:a::2" "$R r0 fd00:a::1" "$R r1 fd00:d::1" "$D d0 fd00:d::2"; do
	set -- $x
	ip -n "$1" addr add "$3/64" dev "$2" nodad
	ip -n "$1" link set "$2" up
done
ip netns exec "$R" sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n "$R" -6 route add fd00:e::/64 via fd00:d::2
mac=$(ip -n "$R" -br link show r0 | awk '{print $3}')

# iproute2 pins the program's map in a bpffs private to its netns exec:
# each route gets a map of its own, all named sl_tko_pkts.
add() {
	ip -n "$R" -6 route "${2:-add}" "fc00::$1/128" encap seg6local \
		action End.BPF endpoint obj "$O" sec count dev r0
}

# pkts N: packets the programs counted for SID fc00::N, over every map.
pkts() {
	bpftool -j map dump name sl_tko_pkts 2>/dev/null | python3 -c '
import json, sys
try:
    doc = json.load(sys.stdin)
except ValueError:
    doc = []
want = int(sys.argv[1])
def num(v):
    if isinstance(v, list):
        return int.from_bytes(bytes(int(b, 16) for b in v), "little")
    return int(v)
def walk(x):
    if isinstance(x, dict):
        if "key" in x and "value" in x:
            yield x  # and not its "formatted" copy too
            return
        for v in x.values():
            yield from walk(v)
    elif isinstance(x, list):
        for v in x:
            yield from walk(v)
print(sum(num(e["value"]) for e in walk(doc)
          if num(e["key"]) == want << 24))' "$1"
}

# at_d: packets D's veth received.
at_d() { ip netns exec "$D" cat /sys/class/net/d0/statistics/rx_packets; }

# through DESC N...: 5 frames to each SID fc00::N must run the program
# and reach D.
through() {
	local desc=$1 n specs=() before=() d0 d1 bad=""
	shift
	d0=$(at_d)
	for n in "$@"; do
		before+=("$(pkts "$n")")
		specs+=("fc00::$n/$FINAL+fc00::$n/1/5")
	done
	ip netns exec "$S" python3 "$SEND" s0 "$mac" fd00:a::2 "${specs[@]}"
	sleep 1
	d1=$(at_d)
	local i=0
	for n in "$@"; do
		[ $(( $(pkts "$n") - before[i] )) -eq 5 ] || bad+=" fc00::$n ran $(( $(pkts "$n") - before[i] ))"
		i=$((i + 1))
	done
	[ $((d1 - d0)) -ge $((5 * $#)) ] || bad+=" D received $((d1 - d0))"
	if [ -z "$bad" ]; then
		pass "$desc"
	else
		fail "$desc" "$bad"
	fi
}

# listed: the SIDs the module lists as its own, sorted.
listed() {
	ip netns exec "$R" "$STATS" -j 2>/dev/null | python3 -c '
import json, sys
try:
    routes = json.load(sys.stdin)
except ValueError:
    routes = []
print(" ".join(sorted(r["dst"] for r in routes if r.get("encap") == "seg6local")))'
}

check_listed() {
	local got
	got=$(listed)
	if [ "$got" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "listed: '$got', want '$2'"
	fi
}

refcnt() { cat /sys/module/seg6local_bpf/refcnt 2>/dev/null || echo none; }

# 1. The built-in serves alone.
add 1 || fail "End.BPF route by the built-in"
through "the built-in End.BPF forwards fc00::1" 1

# 2. The module takes over; the built-in's state is still served.
if modprobe seg6local_bpf; then
	pass "modprobe seg6local_bpf takes over"
else
	fail "modprobe seg6local_bpf takes over"
	ktap_end
fi
if dmesg | tail -n +"$dmesg_mark" | grep -q "seg6local_bpf: .*taken over from the built-in"; then
	pass "the module says it took over"
else
	fail "the module says it took over" "$(dmesg | tail -5)"
fi
through "after modprobe, the built-in's route fc00::1 still forwards" 1
check_listed "the module lists none of the built-in's states" ""

# 3. New routes are the module's, and do not pin it.
add 2 && add 3 || fail "End.BPF routes by the module"
through "the module's routes fc00::2, fc00::3 forward" 2 3
check_listed "the module lists its own states" "fc00::2 fc00::3"
c=$(ip netns exec "$R" "$STATS" -j | python3 -c '
import json, sys
print([r["stats"] for r in json.load(sys.stdin) if r.get("dst") == "fc00::2"][0].get("runs"))')
[ "$c" = 5 ] && pass "fc00::2 counted 5 runs" || fail "fc00::2 counted 5 runs" "runs $c"
[ "$(refcnt)" = 0 ] && pass "no route pins the module (refcnt 0)" ||
	fail "no route pins the module (refcnt 0)" "refcnt $(refcnt)"

# 4. Unloading hands every state back, under traffic.
# The flood stops at a file, not a signal: killing the loop's shell
# would leave its last sender running into the counts checked below.
stop=$(mktemp -u /tmp/seg6-flood-stop.XXXXXX)
ip netns exec "$S" bash -c "until [ -e $stop ]; do python3 $SEND s0 $mac fd00:a::2 fc00::2/$FINAL+fc00::2/1/50; done" &
flood=$!
sleep 1
if rmmod seg6local_bpf; then
	pass "rmmod with End.BPF routes and traffic on them"
else
	fail "rmmod with End.BPF routes and traffic on them"
fi
touch "$stop"
wait $flood 2>/dev/null
rm -f "$stop"
through "after rmmod, the built-in forwards fc00::1, fc00::2, fc00::3" 1 2 3
check_listed "after rmmod, no End.BPF state is listed" ""

# 5. Loaded again: the states it once built are the built-in's now.
modprobe seg6local_bpf || fail "modprobe again"
through "loaded again, every route forwards" 1 2 3
check_listed "loaded again, the module lists none of the older states" ""
add 2 replace || fail "replace fc00::2"
through "the replaced fc00::2 forwards" 2
check_listed "the replaced fc00::2 is the module's" "fc00::2"

# 6. Routes deleted while either side serves are freed cleanly.
ip -n "$R" -6 route del fc00::1/128 && ip -n "$R" -6 route del fc00::2/128 ||
	fail "route delete with the module loaded"
rmmod seg6local_bpf || fail "rmmod, one route left"
ip -n "$R" -6 route del fc00::3/128 || fail "route delete after rmmod"
if ip -n "$R" -6 route show | grep -q seg6local; then
	fail "every End.BPF route is gone" "$(ip -n "$R" -6 route show)"
else
	pass "every End.BPF route is gone"
fi

if dmesg | tail -n +"$dmesg_mark" | grep -E "BUG|WARNING|Oops|general protection"; then
	fail "no kernel warning"
else
	pass "no kernel warning"
fi
ktap_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the guest (make demo [KERNEL=debian]). Every step says in
# words what it checks, shows the command, and the demo fails if any step
# does not do what it says.
#
#   hooks kernel:    an "encap bpf" route with unmodified iproute2 loads
#                    lwt_bpf.ko on demand, its program sees the route's
#                    packets, the module is pinned until the route goes;
#                    a per-route length histogram; lwt_bpf's counters
#   Debian's kernel: lwt_bpf.ko (installed by DKMS) takes over the built-in
#                    encap bpf under a route made before it, serves a new
#                    one with counters, and hands both back at modprobe -r
set -u
kernel=hooks
[ "${1:-}" != --kernel ] || kernel=$2
top=${BPFEXT_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
obj=$top/build/bpf/lwt_bpf/lwt_any.bpf.o
tko_obj=$top/build/bpf/lwt_bpf/lwt_takeover.bpf.o
pin=/sys/fs/bpf/tc/globals/lwt_runs
tko_pin=/sys/fs/bpf/tc/globals/lwt_tko_pkts
hist_obj=$top/build/bpf/samples/lwt_len_hist/lwt_len_hist.bpf.o
hist_tool=$top/build/bpf/samples/lwt_len_hist/lwt_len_hist
hist_pin=/sys/fs/bpf/tc/globals/lwt_len_hist
stats=$top/tools/lwt-bpf-stats
status=$top/tools/bpfext
fails=0

failed() {
	echo "demo: FAILED: $*"
	fails=$((fails + 1))
}

# step WHAT ok|fails CMD...: say WHAT, run CMD, check it succeeds or fails.
step() {
	local what=$1 want=$2 rc
	shift 2
	printf '\n# %s\n$ %s\n' "$what" "$*"
	"$@"
	rc=$?
	if [ "$want" = ok ] && [ $rc -ne 0 ]; then
		failed "$what (exit $rc)"
	elif [ "$want" = fails ] && [ $rc -eq 0 ]; then
		failed "$what (it succeeded)"
	fi
}

loaded() { grep -q '^lwt_bpf ' /proc/modules; }

# map_u64 PIN KEY...: a u64 value in a pinned map, 0 if none.
map_u64() {
	local p=$1
	shift
	bpftool -j map lookup pinned "$p" key "$@" 2>/dev/null | python3 -c '
import json, sys
try:
    v = json.load(sys.stdin)["value"]
except ValueError:
    v = 0
print(int.from_bytes(bytes(int(b, 16) for b in v), "little") if isinstance(v, list) else v)'
}

# counted WHAT N PIN KEY...: the program counted at least N packets.
counted() {
	local what=$1 want=$2 n
	shift 2
	n=$(map_u64 "$@")
	echo "# -> the program counted ${n:-0} packets"
	[ "${n:-0}" -ge "$want" ] || failed "$what: counted ${n:-0}, want $want"
}

ip netns add demo
ip link add veth0 type veth peer name veth1 netns demo
ip addr add 192.168.253.1/24 dev veth0
ip link set veth0 up
ip -n demo addr add 192.168.253.2/24 dev veth1
ip -n demo addr add 192.168.253.3/32 dev veth1
ip -n demo link set veth1 up
ip -n demo route add default via 192.168.253.1

if [ "$kernel" = debian ]; then
	echo "kernel $(uname -r): Debian's packaged kernel, encap bpf built in," \
		"lwt_bpf.ko from DKMS: $(modinfo -F filename lwt_bpf)"
	rm -f "$tko_pin"
	step "lwt_bpf is installed but not loaded: the built-in code serves" fails loaded
	step "a route made now is the built-in's" ok \
		ip route add 192.168.253.2/32 encap bpf xmit obj "$tko_obj" section count dev veth0
	step "it forwards" ok ping -c 3 -i 0.2 -q 192.168.253.2
	counted "built-in route" 3 "$tko_pin" 192 168 253 2
	step "who serves what" ok "$status" status
	step "modprobe takes the built-in encap bpf over" ok modprobe lwt_bpf
	step "the kernel log says so" ok bash -c "dmesg | grep 'lwt_bpf: ' | tail -n1 | grep 'taken over'"
	step "the route made before still forwards" ok ping -c 3 -i 0.2 -q 192.168.253.2
	counted "built-in route after modprobe" 6 "$tko_pin" 192 168 253 2
	step "a route made now is the module's" ok \
		ip route add 192.168.253.3/32 encap bpf xmit obj "$tko_obj" section count2 dev veth0
	step "it forwards" ok ping -c 4 -i 0.2 -q 192.168.253.3
	step "the module's counters list its route (not the built-in's)" ok "$stats"
	n=$("$stats" -j | python3 -c 'import json, sys
print(sum(h["stats"].get("runs", 0) for r in json.load(sys.stdin)
          if r.get("dst") == "192.168.253.3" for h in r["hooks"]))')
	echo "# -> xmit runs on 192.168.253.3/32: ${n:-0}"
	[ "${n:-0}" -ge 4 ] || failed "the counters missed the pings"
	step "who serves what now" ok "$status" status
	step "no route pins the module: modprobe -r hands encap bpf back" ok modprobe -r lwt_bpf
	step "lwt_bpf is gone" fails loaded
	step "the route made before forwards, served by the built-in code" ok \
		ping -c 3 -i 0.2 -q 192.168.253.2
	step "the route made while the module served forwards too" ok \
		ping -c 3 -i 0.2 -q 192.168.253.3
	counted "module's route after modprobe -r" 7 "$tko_pin" 192 168 253 3
	step "who serves what at the end" ok "$status" status
	ip route del 192.168.253.2/32
	ip route del 192.168.253.3/32
	ip netns del demo
	rm -f "$tko_pin"
	echo
	[ "$fails" = 0 ] && echo "demo: ok" || echo "demo: $fails step(s) failed"
	[ "$fails" = 0 ]
	exit
fi

echo "kernel $(uname -r): bpfext registry $(zcat /proc/config.gz | grep -c '^CONFIG_BPFEXT=y'), in-tree LWT BPF $(zcat /proc/config.gz | grep -c '^CONFIG_LWTUNNEL_BPF=y')"
step "lwt_bpf is not loaded yet" fails loaded
step "an encap bpf route loads it (rtnl-lwt-BPF)" ok \
	ip route add 192.168.253.2/32 encap bpf xmit obj "$obj" section pass headroom 14 dev veth0
step "lwt_bpf is loaded now" ok loaded
step "the route shows its program, as iproute2 prints it" ok ip route show 192.168.253.2
step "it forwards" ok ping -c 5 -i 0.2 -q 192.168.253.2
counted "the xmit program's runs" 5 "$pin" 0 0 0 0
step "the route pins the module: rmmod is refused" fails rmmod lwt_bpf
step "delete the route" ok ip route del 192.168.253.2/32
step "now rmmod succeeds" ok rmmod lwt_bpf
step "lwt_bpf is gone" fails loaded

# A real sample: samples/lwt_len_hist, a per-route packet length histogram.
# At out, skb->len is the IP packet: ping -s 1400 sends 1428 bytes.
rm -f "$hist_pin"
step "a route with the length histogram on out" ok \
	ip route add 192.168.253.2/32 encap bpf out obj "$hist_obj" section len_hist dev veth0
step "six 84-byte pings" ok ping -c 6 -s 56 -i 0.2 -q 192.168.253.2
step "three 528-byte pings" ok ping -c 3 -s 500 -i 0.2 -q 192.168.253.2
step "two 1428-byte pings" ok ping -c 2 -s 1400 -i 0.2 -q 192.168.253.2
printf '\n# the histogram has them in their log2 slots\n$ %s\n' "$hist_tool"
hist=$("$hist_tool") || failed "$hist_tool"
echo "$hist"
n=$(awk '$1 == 1024 && $2 == "->" && $3 == 2047 { print $5 }' <<<"$hist")
echo "# -> 1024..2047: ${n:-0} packets"
[ "${n:-0}" -ge 2 ] || failed "the 1428-byte pings are not in 1024..2047"

# Beyond upstream: lwt_bpf's own per-route counters, over generic netlink.
step "lwt_bpf's counters for the route" ok "$stats"
n=$("$stats" -j | python3 -c 'import json,sys
print(sum(h["stats"]["ok"] for r in json.load(sys.stdin)
          if r.get("dst") == "192.168.253.2" for h in r["hooks"] if h["hook"] == "out"))')
echo "# -> out hook on 192.168.253.2/32: ${n:-0} packets BPF_OK"
[ "${n:-0}" -ge 11 ] || failed "the counters missed the pings"
step "who serves what" ok "$status" status
step "delete the route" ok ip route del 192.168.253.2/32
ip netns del demo
rm -f "$pin" /sys/fs/bpf/tc/globals/lwt_cfg "$hist_pin"
echo
[ "$fails" = 0 ] && echo "demo: ok" || echo "demo: $fails step(s) failed"
[ "$fails" = 0 ]

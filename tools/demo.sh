#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the guest (make demo): an "encap bpf" route with unmodified
# iproute2 loads lwt_bpf.ko on demand, its program sees the route's
# packets, and the module is pinned until the route goes. Every step is
# checked; the demo fails if any does not do what it says.
set -u
top=${BPFEXT_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
obj=$top/build/bpf/lwt_bpf/lwt_any.bpf.o
pin=/sys/fs/bpf/tc/globals/lwt_runs
hist_obj=$top/build/bpf/samples/lwt_len_hist/lwt_len_hist.bpf.o
hist_tool=$top/build/bpf/samples/lwt_len_hist/lwt_len_hist
hist_pin=/sys/fs/bpf/tc/globals/lwt_len_hist
fails=0
say() { printf '\n$ %s\n' "$*"; }
step() {	# step WANT(ok|fail) CMD...: run, show, check the outcome
	local want=$1 rc
	shift
	say "$*"
	"$@"
	rc=$?
	if { [ "$want" = ok ] && [ $rc -ne 0 ]; } || { [ "$want" = fail ] && [ $rc -eq 0 ]; }; then
		echo "demo: FAILED: expected $want: $*"
		fails=$((fails + 1))
	fi
}
loaded() { grep -q '^lwt_bpf ' /proc/modules; }
runs() {
	bpftool -j map lookup pinned "$pin" key 0 0 0 0 |
		python3 -c 'import json,sys; v=json.load(sys.stdin)["value"]; print(int.from_bytes(bytes(int(b,16) for b in v),"little") if isinstance(v,list) else v)'
}

echo "kernel $(uname -r): bpfext registry $(zcat /proc/config.gz | grep -c '^CONFIG_BPFEXT=y'), in-tree LWT BPF $(zcat /proc/config.gz | grep -c '^CONFIG_LWTUNNEL_BPF=y')"
ip netns add demo
ip link add veth0 type veth peer name veth1 netns demo
ip addr add 192.168.253.1/24 dev veth0
ip link set veth0 up
ip -n demo addr add 192.168.253.2/24 dev veth1
ip -n demo link set veth1 up

step fail loaded
step ok ip route add 192.168.253.2/32 encap bpf xmit obj "$obj" section pass headroom 14 dev veth0
step ok loaded
step ok ip route show 192.168.253.2
step ok ping -c 5 -i 0.2 -q 192.168.253.2
say "bpftool map lookup pinned $pin key 0 0 0 0   # runs of the xmit program"
n=$(runs)
echo "the program ran ${n:-0} times"
[ "${n:-0}" -ge 5 ] || { echo "demo: FAILED: the program did not see the pings"; fails=$((fails + 1)); }
step fail rmmod lwt_bpf
echo "# refused: the route holds the module"
step ok ip route del 192.168.253.2/32
step ok rmmod lwt_bpf
step fail loaded

# A real sample: samples/lwt_len_hist, a per-route packet length histogram.
# At out, skb->len is the IP packet: ping -s 1400 sends 1428 bytes.
rm -f "$hist_pin"
step ok ip route add 192.168.253.2/32 encap bpf out obj "$hist_obj" section len_hist dev veth0
step ok ping -c 6 -s 56 -i 0.2 -q 192.168.253.2
step ok ping -c 3 -s 500 -i 0.2 -q 192.168.253.2
step ok ping -c 2 -s 1400 -i 0.2 -q 192.168.253.2
say "$hist_tool"
hist=$("$hist_tool") || { echo "demo: FAILED: $hist_tool"; fails=$((fails + 1)); }
echo "$hist"
n=$(awk '$1 == 1024 && $2 == "->" && $3 == 2047 { print $5 }' <<<"$hist")
echo "1024..2047: ${n:-0} packets"
[ "${n:-0}" -ge 2 ] || { echo "demo: FAILED: the 1428-byte pings are not in 1024..2047"; fails=$((fails + 1)); }

# Beyond upstream: lwt_bpf's own per-route counters, over generic netlink.
step ok "$top/tools/lwt-bpf-stats"
n=$("$top/tools/lwt-bpf-stats" -j | python3 -c 'import json,sys
print(sum(h["stats"]["ok"] for r in json.load(sys.stdin)
          if r.get("dst") == "192.168.253.2" for h in r["hooks"] if h["hook"] == "out"))')
echo "out hook on 192.168.253.2/32: ${n:-0} packets BPF_OK"
[ "${n:-0}" -ge 11 ] || { echo "demo: FAILED: the counters missed the pings"; fails=$((fails + 1)); }
step ok ip route del 192.168.253.2/32
ip netns del demo
rm -f "$pin" /sys/fs/bpf/tc/globals/lwt_cfg "$hist_pin"
echo
[ "$fails" = 0 ] && echo "demo: ok" || echo "demo: $fails step(s) failed"
[ "$fails" = 0 ]

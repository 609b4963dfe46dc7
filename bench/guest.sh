#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of bench/run.sh: sets up the routes, runs every workload
# REPS times and prints, per workload, one line
#
#   RESULT <id> <median pps> <pps of each repetition, comma-separated> <description>
#
# which the host turns into the table. Packets per second are of guest
# time; under -icount that is a count of instructions, not host speed.
#
#   bench/guest.sh [--kernel stock|hooks|debian] [--reps N] [--count PACKETS]
#                  [--only ID,ID...]
#
# On Debian's kernel each repetition runs every workload three times, in
# one boot: "builtin", lwt_bpf.ko unloaded and the routes made by the
# built-in code; "adopted", after modprobe, the same routes (their states
# the built-in's, which the module hands to the built-in code); "module",
# the encap routes made again, so the module built and serves them. Result
# ids are then PHASE/ID.
#
#   root netns  veth bxa 10.78.0.1 --------- netns B  veth bxb 10.78.0.2
#     10.78.1.3  plain route via 10.78.0.2              10.78.1.2, 10.78.1.3
#     10.78.1.2  encap bpf xmit push_ll (redirect to bxa)
#     lo  10.78.2.2  plain local route
#         10.78.2.1  local route, encap bpf in count
#
# The routes live in the root netns, as in tests/lwt_bpf/hooks.sh: iproute2
# pins the programs' maps in the bpffs it sees, and "ip -n" would give it a
# private one.
set -euo pipefail
# Failures inside $(...) (the sender, the counters) must stop the run too.
shopt -s inherit_errexit

kernel=hooks reps=21 count=10000 only=""
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--count) count=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	*) echo "usage: $0 [--kernel K] [--reps N] [--count PACKETS] [--only ID,...]" >&2
	   exit 2 ;;
	esac
done

top=${BPFEXT_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
flood=$top/build/bench/udpflood
bpf=$top/build/bpf/bench
pin=/sys/fs/bpf/tc/globals
B=bench_b
port=9000
# Untimed packets: once per workload to resolve the neighbour and fill the
# route caches, and at the start of every repetition, whose new socket's
# first packets take slower paths.
warmup=2000
sock_warmup=1000
sinks=()

for f in "$flood" "$bpf/bench_xmit.bpf.o" "$bpf/bench_in.bpf.o"; do
	[ -e "$f" ] || { echo "bench: missing $f (bench/run.sh builds it)" >&2; exit 1; }
done

cleanup() {
	local p
	for p in "${sinks[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT

# The hooks kernel has no LWT BPF of its own: load ours explicitly, so a
# module that does not load is an error here rather than a route failure.
# Debian's starts each repetition with the built-in code (see above).
if [ "$kernel" = hooks ]; then
	modprobe lwt_bpf
fi
phases=(run)
[ "$kernel" != debian ] || phases=(builtin adopted module)
mod=none
[ ! -d /sys/module/lwt_bpf ] || mod="lwt_bpf.ko srcversion $(cat /sys/module/lwt_bpf/srcversion)"
[ "$kernel" != debian ] ||
	mod="lwt_bpf.ko srcversion $(modinfo -F srcversion lwt_bpf) ($(modinfo -F filename lwt_bpf))"
echo "KERNEL $kernel: $(uname -r) $(uname -v), $(nproc) CPU(s), $mod," \
	"bpf_jit_enable $(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null || echo ?)"

ip netns add "$B"
ip link add bxa type veth peer name bxb netns "$B"
ip addr add 10.78.0.1/24 dev bxa
ip link set bxa up
ip -n "$B" link set lo up
ip -n "$B" addr add 10.78.0.2/24 dev bxb
ip -n "$B" addr add 10.78.1.2/32 dev bxb
ip -n "$B" addr add 10.78.1.3/32 dev bxb
ip -n "$B" link set bxb up

ip route add 10.78.1.3/32 via 10.78.0.2 dev bxa
ip route add table local local 10.78.2.2/32 dev lo

# The two encap routes, made again by whoever serves encap bpf now. The
# maps are pinned by name: a new load finds them, with their contents.
encap_routes() {
	ip route del 10.78.1.2/32 2>/dev/null || true
	ip route del table local local 10.78.2.1/32 2>/dev/null || true
	ip route add 10.78.1.2/32 encap bpf xmit obj "$bpf/bench_xmit.bpf.o" \
		section push_ll headroom 14 dev bxa
	ip route add table local local 10.78.2.1/32 encap bpf in \
		obj "$bpf/bench_in.bpf.o" section count dev lo
}

# phase NAME: who serves the encap routes for the next workloads.
phase() {
	case $1 in
	builtin)
		[ ! -d /sys/module/lwt_bpf ] || rmmod lwt_bpf
		encap_routes ;;
	adopted)
		modprobe lwt_bpf ;;
	module)
		encap_routes ;;
	esac
}
encap_routes

# push_ll's view of the wire: redirect to bxa, addressed to bxb.
hex_mac() { tr ':' ' ' | sed 's/[0-9a-f][0-9a-f]/0x&/g'; }
ifx=$(cat /sys/class/net/bxa/ifindex)
read -ra mac_b <<<"$(ip -n "$B" -br link show bxb | awk '{print $3}' | hex_mac)"
read -ra mac_a <<<"$(hex_mac < /sys/class/net/bxa/address)"
bpftool map update pinned $pin/bench_cfg key 0 0 0 0 value \
	$((ifx & 255)) $((ifx >> 8 & 255)) $((ifx >> 16 & 255)) $((ifx >> 24 & 255)) \
	"${mac_b[@]}" "${mac_a[@]}"

sinks+=("$(ip netns exec "$B" "$flood" sink 0.0.0.0 $port)")
sinks+=("$("$flood" sink 0.0.0.0 $port)")

# Datagrams that reached a UDP socket in a netns (root if none), delivered
# or dropped at its receive buffer: the sinks never read.
udp_rx() {
	local cmd=(cat /proc/net/snmp)
	[ -z "$1" ] || cmd=(ip netns exec "$1" "${cmd[@]}")
	"${cmd[@]}" | awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 }
		else print $c["InDatagrams"] + $c["InErrors"] }'
}

in_runs() {
	bpftool -j map lookup pinned $pin/bench_cnt key 0 0 0 0 | python3 -c '
import json, sys
v = json.load(sys.stdin)["value"]
print(int.from_bytes(bytes(int(b, 16) for b in v), "little") if isinstance(v, list) else v)'
}

# The workloads: id, destination, netns that receives, description.
ids=(veth_plain veth_xmit lo_plain lo_in)
[ -z "$only" ] || IFS=, read -ra ids <<<"$only"
declare -A dst=([veth_plain]=10.78.1.3 [veth_xmit]=10.78.1.2 [lo_plain]=10.78.2.2 [lo_in]=10.78.2.1)
declare -A rxns=([veth_plain]=$B [veth_xmit]=$B [lo_plain]="" [lo_in]="")
declare -A desc=(
	[veth_plain]="veth: plain route (baseline)"
	[veth_xmit]="veth: xmit push_ll, change_head+redirect"
	[lo_plain]="lo: plain local route (baseline)"
	[lo_in]="lo: local route, in program counting"
)
declare -A results

# Pinning the sender keeps its softirq work (veth and lo deliver through
# the same CPU's backlog) on one vCPU, should the guest have several.
pin_cpu=()
command -v taskset >/dev/null && pin_cpu=(taskset -c 0)

# send ID N [lossy]: N timed packets (after sock_warmup untimed ones)
# through workload ID; prints pps. Fails unless every packet reached the
# receiving socket (or "lossy": the first warm-up, whose first packets wait
# on ARP and may overflow its queue).
send() {
	local id=$1 n=$2 before after out got pps
	before=$(udp_rx "${rxns[$id]}")
	out=$("${pin_cpu[@]}" "$flood" send -w $sock_warmup "${dst[$id]}" $port "$n")
	after=$(udp_rx "${rxns[$id]}")
	got=$((after - before))
	if [ "$got" -ne $((n + sock_warmup)) ] && [ "${3:-}" != lossy ]; then
		echo "bench: $id: sent $((n + sock_warmup)), $got arrived" >&2
		return 1
	fi
	read -r _ _ pps <<<"$out"
	echo "$pps"
}

# The first packets resolve the neighbour and fill the route caches.
for ph in "${phases[@]}"; do
	[ "$ph" = run ] || phase "$ph"
	for id in "${ids[@]}"; do
		send "$id" $warmup lossy >/dev/null
	done
done
runs0=$(in_runs)

# Each repetition is a new sender process and socket. Within one,
# successive bursts cost nearly the same; across them the cost per packet
# sits on one of a few levels several per cent apart, fixed when the
# socket is made (likely the allocator: these kernels use SLOB, whose
# first-fit search depends on where earlier allocations landed). So the
# samples that count are processes, and bench/run.sh reports the best one
# too. Repetitions interleave the workloads, so a slow phase of the guest
# (a timer, RCU work) spreads over all of them rather than one.
for rep in $(seq 1 "$reps"); do
	for ph in "${phases[@]}"; do
		[ "$ph" = run ] || phase "$ph"
		for id in "${ids[@]}"; do
			pps=$(send "$id" "$count")
			key=$id
			[ "$ph" = run ] || key=$ph/$id
			echo "bench: rep $rep $key $pps pps"
			results[$key]="${results[$key]:+${results[$key]},}$pps"
		done
	done
done

# push_ll's packets must have been redirected, not continued to the
# neighbour layer (which would deliver them too, bxb owning 10.78.1.2).
if [ -n "$(ip neigh show 10.78.1.2 dev bxa)" ]; then
	echo "bench: packets to 10.78.1.2 went through ARP, not push_ll's redirect" >&2
	exit 1
fi

# Every packet to 10.78.2.1 must have run the in program.
runs=$(( $(in_runs) - runs0 ))
want=0
[[ " ${ids[*]} " != *" lo_in "* ]] ||
	want=$((reps * ${#phases[@]} * (count + sock_warmup)))
if [ "$runs" -ne "$want" ]; then
	echo "bench: in program ran $runs times for $want packets" >&2
	exit 1
fi

median() {
	tr ',' '\n' | sort -n | awk '{ v[NR] = $1 }
		END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

for ph in "${phases[@]}"; do
	for id in "${ids[@]}"; do
		key=$id
		[ "$ph" = run ] || key=$ph/$id
		echo "RESULT $key $(median <<<"${results[$key]}") ${results[$key]} ${desc[$id]}"
	done
done

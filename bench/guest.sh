#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of bench/run.sh: sets up the routes, runs every workload
# REPS times and prints, per workload, one line
#
#   RESULT <id> <median pps> <pps of each repetition, comma-separated> <description>
#
# which the host turns into the tables. Packets per second are of guest
# time; under -icount that is a count of instructions, not host speed.
#
#   bench/guest.sh [--kernel stock|hooks|debian] [--reps N] [--count PACKETS]
#                  [--only ID,ID...]
#
# IDs: veth_plain veth_xmit lo_plain lo_in (LWT BPF), srv6_end srv6_nop
# srv6_tlv srv6_inline (SRv6 End.BPF; bench/run.sh tables the srv6_ ones
# apart).
#
# On Debian's kernel each repetition runs every LWT workload three times,
# in one boot: "builtin", lwt_bpf.ko unloaded and the routes made by the
# built-in code; "adopted", after modprobe, the same routes (their states
# the built-in's, which the module hands to the built-in code); "module",
# the encap routes made again, so the module built and serves them. The
# SRv6 workloads run in two of those: "builtin", seg6local_bpf.ko unloaded
# and B's seg6local routes made again by the built-in seg6local; "module",
# after modprobe seg6local_bpf, those routes made again, so its End.BPF
# serves them (End itself is always the built-in's). Result ids are then
# PHASE/ID.
#
#   root netns  veth bxa 10.78.0.1 --------- netns B  veth bxb 10.78.0.2
#     10.78.1.3  plain route via 10.78.0.2              10.78.1.2, 10.78.1.3
#     10.78.1.2  encap bpf xmit push_ll (redirect to bxa)
#     lo  10.78.2.2  plain local route
#         10.78.2.1  local route, encap bpf in count
#
#               fd00:78::1 ------------------------- fd00:78::2
#     fd00:e::K  encap seg6 mode inline             SID fc00::K: seg6local
#                segs fc00::K, via fd00:78::2         End (K=1) or End.BPF
#     fc00::/16  via fd00:78::2                     fd00:e::/64 via fd00:79::2
#                                            veth cxb fd00:79::1
#                                                       |
#                                            netns C  veth cxc fd00:79::2
#                                                     lo fd00:e::K, UDP sink
#
# The LWT routes live in the root netns, as in tests/lwt_bpf/hooks.sh:
# iproute2 pins the programs' maps in the bpffs it sees, and "ip -n" would
# give it a private one. The End.BPF programs have no maps, and their
# routes are B's: a packet from the root arrives in B with an SRH
# [fd00:e::K, fc00::K] and one segment left; B's behaviour on fc00::K
# makes fd00:e::K the destination and forwards it to C, whose sink gets
# it (with segments left 0, which C accepts: seg6_enabled). The sink is
# not in B because End and End.BPF never deliver locally (seg6local's
# next-segment lookup discards local routes).
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
B=bench_b C=bench_c
port=9000
# Untimed packets: once per workload to resolve the neighbour and fill the
# route caches, and at the start of every repetition, whose new socket's
# first packets take slower paths.
warmup=2000
sock_warmup=1000
sinks=()

for f in "$flood" "$bpf/bench_xmit.bpf.o" "$bpf/bench_in.bpf.o" \
	"$bpf/bench_seg6.bpf.o"; do
	[ -e "$f" ] || { echo "bench: missing $f (bench/run.sh builds it)" >&2; exit 1; }
done

cleanup() {
	local p
	for p in "${sinks[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	ip netns del "$B" 2>/dev/null || true
	ip netns del "$C" 2>/dev/null || true
}
trap cleanup EXIT

# The workloads: id, destination, netns that receives, description.
all_ids=(veth_plain veth_xmit lo_plain lo_in srv6_end srv6_nop srv6_tlv srv6_inline)
ids=("${all_ids[@]}")
[ -z "$only" ] || IFS=, read -ra ids <<<"$only"
for id in "${ids[@]}"; do
	[[ " ${all_ids[*]} " == *" $id "* ]] ||
		{ echo "bench: unknown workload $id (${all_ids[*]})" >&2; exit 2; }
done
# Whether any SRv6 workload runs: only then is its topology set up.
srv6=0
[[ " ${ids[*]} " != *" srv6_"* ]] || srv6=1

# The hooks kernel has no LWT BPF or End.BPF of its own: load ours
# explicitly, so a module that does not load is an error here rather than
# a route failure. Debian's starts each repetition with the built-in code
# (see above).
if [ "$kernel" = hooks ]; then
	modprobe lwt_bpf
	((!srv6)) || modprobe seg6local_bpf
fi
phases=(run)
[ "$kernel" != debian ] || phases=(builtin adopted module)
mods=()
for m in lwt_bpf seg6local_bpf; do
	if [ "$kernel" = debian ]; then
		[ "$m" = lwt_bpf ] || ((srv6)) || continue
		mods+=("$m.ko srcversion $(modinfo -F srcversion $m) ($(modinfo -F filename $m))")
	elif [ -d /sys/module/$m ]; then
		mods+=("$m.ko srcversion $(cat /sys/module/$m/srcversion)")
	fi
done
mod=none
((${#mods[@]} == 0)) || mod=$(printf '%s, ' "${mods[@]}" | sed 's/, $//')
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

# SRv6: B's behaviour for each SID. fc00::1 is plain End, the baseline,
# made once; the End.BPF routes (programs: progs/bench_seg6.bpf.c) are
# made again by whoever serves End.BPF now, in one "ip -batch" ("replace"
# makes a new state each time).
declare -A sid=([srv6_end]=1 [srv6_nop]=2 [srv6_tlv]=3 [srv6_inline]=4)
declare -A behaviour=(
	[srv6_end]="End"
	[srv6_nop]="End.BPF endpoint obj $bpf/bench_seg6.bpf.o sec nop"
	[srv6_tlv]="End.BPF endpoint obj $bpf/bench_seg6.bpf.o sec tlv"
	[srv6_inline]="End.BPF endpoint obj $bpf/bench_seg6.bpf.o sec inline"
)
seg6_routes() {
	local id
	for id in "$@"; do
		echo "route replace fc00::${sid[$id]}/128 encap seg6local action ${behaviour[$id]} dev bxb"
	done | ip -n "$B" -6 -batch -
}

srv6_setup() {
	local k
	ip netns add "$C"
	ip -n "$B" link add cxb type veth peer name cxc netns "$C"
	ip netns exec "$B" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip netns exec "$C" sysctl -qw net.ipv6.conf.all.seg6_enabled=1 \
		net.ipv6.conf.cxc.seg6_enabled=1
	ip addr add fd00:78::1/64 dev bxa nodad
	ip -n "$B" addr add fd00:78::2/64 dev bxb nodad
	ip -n "$B" addr add fd00:79::1/64 dev cxb nodad
	ip -n "$C" addr add fd00:79::2/64 dev cxc nodad
	ip -n "$B" link set cxb up
	ip -n "$C" link set lo up
	ip -n "$C" link set cxc up
	ip -6 route add fc00::/16 via fd00:78::2 dev bxa
	ip -n "$B" -6 route add fd00:e::/64 via fd00:79::2 dev cxb
	# For ICMP errors (a sender without a sink sees ECONNREFUSED).
	ip -n "$C" -6 route add default via fd00:79::1 dev cxc
	for k in 1 2 3 4; do
		ip -n "$C" addr add fd00:e::$k/128 dev lo nodad
		ip -6 route add fd00:e::$k/128 encap seg6 mode inline \
			segs fc00::$k via fd00:78::2 dev bxa
	done
}

# phase NAME: who serves the encap routes (and B's End.BPF) for the next
# workloads.
phase() {
	case $1 in
	builtin)
		[ ! -d /sys/module/lwt_bpf ] || rmmod lwt_bpf
		encap_routes
		if ((srv6)); then
			[ ! -d /sys/module/seg6local_bpf ] || rmmod seg6local_bpf
			seg6_routes srv6_nop srv6_tlv srv6_inline
		fi ;;
	adopted)
		modprobe lwt_bpf ;;
	module)
		encap_routes
		if ((srv6)); then
			modprobe seg6local_bpf
			seg6_routes srv6_nop srv6_tlv srv6_inline
		fi ;;
	esac
}
encap_routes
if ((srv6)); then
	srv6_setup
	seg6_routes srv6_end srv6_nop srv6_tlv srv6_inline
fi

# push_ll's view of the wire: redirect to bxa, addressed to bxb.
hex_mac() { tr ':' ' ' | sed 's/[0-9a-f][0-9a-f]/0x&/g'; }
ifx=$(cat /sys/class/net/bxa/ifindex)
read -ra mac_b <<<"$(ip -n "$B" -br link show bxb | awk '{print $3}' | hex_mac)"
read -ra mac_a <<<"$(hex_mac < /sys/class/net/bxa/address)"
bpftool map update pinned $pin/bench_cfg key 0 0 0 0 value \
	$((ifx & 255)) $((ifx >> 8 & 255)) $((ifx >> 16 & 255)) $((ifx >> 24 & 255)) \
	"${mac_b[@]}" "${mac_a[@]}"

# A sink's pid in each netns: /proc/PID/net is that netns' (cheaper than
# "ip netns exec", which mounts a sysfs each time).
declare -A nspid
nspid[$B]=$(ip netns exec "$B" "$flood" sink 0.0.0.0 $port)
sinks+=("${nspid[$B]}")
sinks+=("$("$flood" sink 0.0.0.0 $port)")
if ((srv6)); then
	nspid[$C]=$(ip netns exec "$C" "$flood" sink :: $port)
	sinks+=("${nspid[$C]}")
fi

# Datagrams that reached a UDP socket in a netns (root if none), delivered
# or dropped at its receive buffer: the sinks never read. udp_rx NS [6]:
# IPv4's, or with 6 IPv6's (/proc/net/snmp6).
udp_rx() {
	local net=/proc/net
	[ -z "$1" ] || net=/proc/${nspid[$1]}/net
	if [ "${2:-4}" = 4 ]; then
		awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 }
			else print $c["InDatagrams"] + $c["InErrors"] }' "$net/snmp"
	else
		awk '$1 == "Udp6InDatagrams" || $1 == "Udp6InErrors" { n += $2 }
			END { print n + 0 }' "$net/snmp6"
	fi
}

in_runs() {
	bpftool -j map lookup pinned $pin/bench_cnt key 0 0 0 0 | python3 -c '
import json, sys
v = json.load(sys.stdin)["value"]
print(int.from_bytes(bytes(int(b, 16) for b in v), "little") if isinstance(v, list) else v)'
}

declare -A dst=([veth_plain]=10.78.1.3 [veth_xmit]=10.78.1.2 [lo_plain]=10.78.2.2 [lo_in]=10.78.2.1
	[srv6_end]=fd00:e::1 [srv6_nop]=fd00:e::2 [srv6_tlv]=fd00:e::3 [srv6_inline]=fd00:e::4)
declare -A rxns=([veth_plain]=$B [veth_xmit]=$B [lo_plain]="" [lo_in]=""
	[srv6_end]=$C [srv6_nop]=$C [srv6_tlv]=$C [srv6_inline]=$C)
declare -A desc=(
	[veth_plain]="veth: plain route (baseline)"
	[veth_xmit]="veth: xmit push_ll, change_head+redirect"
	[lo_plain]="lo: plain local route (baseline)"
	[lo_in]="lo: local route, in program counting"
	[srv6_end]="End (baseline)"
	[srv6_nop]="End.BPF: no-op program (BPF_OK)"
	[srv6_tlv]="End.BPF: 8-byte TLV, adjust_srh+store"
	[srv6_inline]="End.BPF: inline SRH, seg6_action End.B6"
)
declare -A results

# in_phase PHASE ID: whether workload ID runs in PHASE (SRv6 has no
# "adopted": its routes are the built-in's until made again).
in_phase() { [ "$1" != adopted ] || [[ $2 != srv6_* ]]; }

# End.BPF's counters (seg6local_bpf.ko's, per route of B): a line
# "SID runs ok redirect other" per End.BPF route the module serves; other
# is every other counter (drops, bad returns) summed.
seg6_stats() {
	ip netns exec "$B" "$top/tools/lwt-bpf-stats" -j | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r.get("encap") == "seg6local":
        s = r["stats"]
        print(r["dst"], s.get("runs", 0), s.get("ok", 0), s.get("redirect", 0),
              sum(v for k, v in s.items() if k not in ("runs", "ok", "redirect")))'
}

# Pinning the sender keeps its softirq work (veth and lo deliver through
# the same CPU's backlog) on one vCPU, should the guest have several.
pin_cpu=()
command -v taskset >/dev/null && pin_cpu=(taskset -c 0)

# send ID N [lossy]: N timed packets (after sock_warmup untimed ones)
# through workload ID; prints pps. Fails unless every packet reached the
# receiving socket (or "lossy": the first warm-up, whose first packets wait
# on ARP and may overflow its queue).
send() {
	local id=$1 n=$2 before after out got pps fam=4
	[[ $id != srv6_* ]] || fam=6
	before=$(udp_rx "${rxns[$id]}" $fam)
	out=$("${pin_cpu[@]}" "$flood" send -w $sock_warmup "${dst[$id]}" $port "$n")
	after=$(udp_rx "${rxns[$id]}" $fam)
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
		in_phase "$ph" "$id" || continue
		send "$id" $warmup lossy >/dev/null
	done
done
runs0=$(in_runs)
declare -A seg6_stats0
if ((srv6)) && [ "$kernel" = hooks ]; then
	while read -r s c; do
		seg6_stats0[$s]=$c
	done < <(seg6_stats)
fi

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
			in_phase "$ph" "$id" || continue
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

# seg6local_bpf.ko must have served every End.BPF packet, each run ending
# as its program does (BPF_OK, or BPF_REDIRECT after End.B6), nothing
# dropped: on hooks since the warm-up, on Debian in the last "module"
# phase (whose routes it made; each phase makes new ones). Stock, and
# Debian's "builtin" phases (the module unloaded), have no counters: there
# a packet at the sink is all that shows its program ran and no helper
# failed (the programs drop otherwise).
if ((srv6)) && [ "$kernel" != stock ]; then
	declare -A seg6_seen
	per_route=$((count + sock_warmup))
	[ "$kernel" != hooks ] || per_route=$((reps * per_route))
	while read -r s r ok redir other; do
		read -r r0 ok0 redir0 other0 <<<"${seg6_stats0[$s]:-0 0 0 0}"
		seg6_seen[$s]="$((r - r0)) $((ok - ok0)) $((redir - redir0)) $((other - other0))"
	done < <(seg6_stats)
	for id in srv6_nop srv6_tlv srv6_inline; do
		[[ " ${ids[*]} " == *" $id "* ]] || continue
		s=fc00::${sid[$id]}
		if [ -z "${seg6_seen[$s]:-}" ]; then
			echo "bench: $id: seg6local_bpf.ko does not serve $s" >&2
			exit 1
		fi
		read -r r ok redir other <<<"${seg6_seen[$s]}"
		end=$ok
		[ "$id" != srv6_inline ] || end=$redir
		if [ "$r" -ne "$per_route" ] || [ "$end" -ne "$per_route" ] ||
		   [ "$other" -ne 0 ]; then
			echo "bench: $id: End.BPF on $s counted runs $r, ok $ok," \
				"redirect $redir, other $other for $per_route packets" >&2
			exit 1
		fi
	done
fi

median() {
	tr ',' '\n' | sort -n | awk '{ v[NR] = $1 }
		END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

for ph in "${phases[@]}"; do
	for id in "${ids[@]}"; do
		in_phase "$ph" "$id" || continue
		key=$id
		[ "$ph" = run ] || key=$ph/$id
		echo "RESULT $key $(median <<<"${results[$key]}") ${results[$key]} ${desc[$id]}"
	done
done

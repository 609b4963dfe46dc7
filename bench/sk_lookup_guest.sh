#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The SK_LOOKUP benchmark inside a guest (bench/sk_lookup.sh boots one per
# kernel): TCP connections/s and UDP datagrams/s through the socket
# lookup with no program, one steering program, and 8 and 64 programs
# (7 or 63 that only return SK_PASS, the steering one last). On the stock
# kernel the in-tree SK_LOOKUP serves them, on the hooks kernel
# sk_lookup.ko.
#
#   bench/sk_lookup_guest.sh [--kernel K] [--reps N] [--tcp CONNS]
#                            [--udp DATAGRAMS] [--only ID,...]
#
# Prints a line "bench: rep R ID VALUE" per repetition and, at the end,
# "RESULT ID MEDIAN V1,V2,... DESCRIPTION" per workload.
#
# All of it runs in a netns of its own (lo only, 192.0.2.0/24 local):
# "none" connects to the listener's own 127.0.0.1:8080, the rows with
# programs to 192.0.2.1:80, where nothing listens or is bound, so only the
# steering program's bpf_sk_assign() gets a connection or a datagram to
# the socket on 127.0.0.1:8080. bench/tcpconn and bench/udpsteer fail
# unless every connection is accepted and every datagram read there.
# Each repetition is a new process, which attaches its own links and
# puts its own socket into the SOCKMAP; its exit detaches them.
set -euo pipefail
# Failures inside $(...) (a benchmark process) must stop the run too.
shopt -s inherit_errexit

kernel=hooks reps=11 tcp=2000 udp=20000 only="" in_netns=0
args=("$@")
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--tcp) tcp=$2; shift 2 ;;
	--udp) udp=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--in-netns) in_netns=1; shift ;;
	*) echo "usage: $0 [--kernel K] [--reps N] [--tcp CONNS] [--udp DATAGRAMS] [--only ID,...]" >&2
	   exit 2 ;;
	esac
done

top=${BPFEXT_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
bin=$top/build/bench
obj=$top/build/bpf/bench/bench_sk_lookup.bpf.o
pin=/sys/fs/bpf/bench_skl
maps=/sys/fs/bpf/bench_skl_maps
# Untimed: per process, before its timed loop (a new socket's first
# packets take slower paths); per row, once before the first repetition.
tcp_warmup=100 udp_warmup=1000
# The verification pass of each row with programs (see below).
check_tcp=200 check_udp=2000

for f in "$bin/tcpconn" "$bin/udpsteer" "$obj"; do
	[ -e "$f" ] || { echo "bench: missing $f (bench/sk_lookup.sh builds it)" >&2; exit 1; }
done

# Before the netns, which would not show net.core.bpf_jit_enable (the
# initial netns' only). The hooks kernel has no SK_LOOKUP of its own: load
# ours explicitly, so a module that does not load is an error here rather
# than a failed program load. The stock kernel serves with its built-in.
#
# Then a netns of our own rather than "ip netns exec", which remounts
# /sys and with it hides the bpffs the programs are pinned in. unshare
# keeps the mounts: everything below, and every benchmark process, is in
# it.
if ((!in_netns)); then
	if [ "$kernel" = hooks ]; then
		modprobe sk_lookup
		mod="sk_lookup.ko srcversion $(cat /sys/module/sk_lookup/srcversion)"
	elif [ -d /sys/module/sk_lookup ]; then
		echo "bench: sk_lookup.ko is loaded on the $kernel kernel" >&2
		exit 1
	else
		mod="in-tree SK_LOOKUP"
	fi
	echo "KERNEL $kernel: $(uname -r) $(uname -v), $(nproc) CPU(s), $mod," \
		"bpf_jit_enable $(cat /proc/sys/net/core/bpf_jit_enable)"
	exec unshare --net -- "$0" --in-netns "${args[@]}"
fi
ip link set lo up
ip route add local 192.0.2.0/24 dev lo

all_ids=(tcp_none tcp_1 tcp_8 tcp_64 udp_none udp_1 udp_8 udp_64)
ids=("${all_ids[@]}")
[ -z "$only" ] || IFS=, read -ra ids <<<"$only"
for id in "${ids[@]}"; do
	[[ " ${all_ids[*]} " == *" $id "* ]] ||
		{ echo "bench: unknown workload $id (${all_ids[*]})" >&2; exit 2; }
done
declare -A desc=(
	[tcp_none]="TCP conn/s, no program"
	[tcp_1]="TCP conn/s, 1 steering program"
	[tcp_8]="TCP conn/s, 7 SK_PASS + steering"
	[tcp_64]="TCP conn/s, 63 SK_PASS + steering"
	[udp_none]="UDP datagrams/s, no program"
	[udp_1]="UDP datagrams/s, 1 steering program"
	[udp_8]="UDP datagrams/s, 7 SK_PASS + steering"
	[udp_64]="UDP datagrams/s, 63 SK_PASS + steering"
)

rm -rf "$pin" "$maps"
bpftool prog loadall "$obj" "$pin" pinmaps "$maps"
[ "$kernel" != hooks ] || [ -d /sys/module/sk_lookup ] ||
	{ echo "bench: sk_lookup.ko went away" >&2; exit 1; }

# run ID COUNT WARMUP: one process of workload ID; prints its rate.
run() {
	local id=$1 n=$2 w=$3 proto=${1%%_*} k=${1#*_} tool out
	local dst=(192.0.2.1 80) opts=()
	if [ "$k" = none ]; then
		dst=(127.0.0.1 8080)
	else
		opts=(-k "$k" -p "$pin" -m "$maps/bench_skl_socks")
	fi
	tool=$bin/tcpconn
	[ "$proto" = tcp ] || tool=$bin/udpsteer
	out=$("$tool" "${opts[@]}" -w "$w" 127.0.0.1 8080 "${dst[@]}" "$n")
	echo "${out##* }"
}
count() { if [[ $1 == tcp_* ]]; then echo "$tcp"; else echo "$udp"; fi; }
warmup() { if [[ $1 == tcp_* ]]; then echo "$tcp_warmup"; else echo "$udp_warmup"; fi; }

# Once per row, untimed: the first process of each takes paths later
# ones do not (the first sockets and links of their kinds, the route
# and its cached destination).
for id in "${ids[@]}"; do
	run "$id" "$(warmup "$id")" 0 >/dev/null
done

# The repetitions interleave the workloads, so a slow phase of the guest
# (a timer, RCU work, a kworker) spreads over all of them rather than one.
declare -A results
for rep in $(seq 1 "$reps"); do
	for id in "${ids[@]}"; do
		v=$(run "$id" "$(count "$id")" "$(warmup "$id")")
		echo "bench: rep $rep $id $v"
		results[$id]="${results[$id]:+${results[$id]},}$v"
	done
done

# Every program must have run once per lookup, in every row with
# programs: steer once per connection (the SYN; the handshake's ACK and
# the reset find established sockets) or datagram, pass NPROGS - 1 times
# as often. Counted by the kernel's own run statistics, on only for this
# pass: they would cost in the timed runs. tcpconn makes one more
# connection after its timed ones (a check of where it arrived).
runs() {
	bpftool -j prog show pinned "$pin/$1" |
		sed -n 's/.*"run_cnt":\([0-9]*\).*/\1/p' | grep . || echo 0
}
sysctl -qw kernel.bpf_stats_enabled=1
for id in "${ids[@]}"; do
	k=${id#*_}
	[ "$k" != none ] || continue
	if [[ $id == tcp_* ]]; then
		n=$check_tcp want=$((check_tcp + 1))
	else
		n=$check_udp want=$check_udp
	fi
	s0=$(runs steer) p0=$(runs pass)
	run "$id" "$n" 0 >/dev/null
	s=$(( $(runs steer) - s0 )) p=$(( $(runs pass) - p0 ))
	if [ "$s" -ne "$want" ] || [ "$p" -ne $(((k - 1) * want)) ]; then
		echo "bench: $id: steer ran $s times, pass $p, for $want lookups" \
			"($((k - 1)) pass programs)" >&2
		exit 1
	fi
	echo "bench: check $id: steer ran $s times, pass $p, for $want lookups"
done
sysctl -qw kernel.bpf_stats_enabled=0
rm -rf "$pin" "$maps"

median() {
	tr ',' '\n' | sort -n | awk '{ v[NR] = $1 }
		END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for id in "${ids[@]}"; do
	echo "RESULT $id $(median <<<"${results[$id]}") ${results[$id]} ${desc[$id]}"
done

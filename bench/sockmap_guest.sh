#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The sockmap benchmark inside a guest (bench/sockmap.sh boots it): a
# TCP proxy on loopback moving a stream (MB/s), small messages
# (messages/s) and small requests answered one at a time (round trip
# p50 and p99), through
#   builtin  the in-kernel proxy served by the kernel's built-in sockmap
#   module   the same after modprobe sockmap (sockmap.ko taking over)
#   epoll    a user-space proxy: epoll, read(), write()
#   splice   a user-space proxy: epoll, splice() through pipes
# (bench/sockproxy.c). On Debian's kernel (--kernel debian, the default)
# its sockmap is built in and all four sides run; on the stock kernel
# (--kernel stock) the in-kernel proxy is the in-tree sockmap ("builtin");
# on the hooks kernel (--kernel hooks) it is sockmap.ko, which the first
# map loads ("module"); there the user-space sides run too, as controls.
#
#   bench/sockmap_guest.sh [--kernel debian|stock|hooks] [--reps N]
#                          [--stream BYTES] [--msgs N] [--rtt N]
#
# Prints "bench: rep R ID VALUE" per repetition and, at the end,
# "RESULT ID MEDIAN V1,V2,... DESCRIPTION" per row.
set -euo pipefail
shopt -s inherit_errexit

reps=5 stream=$((16 << 20)) msgs=5000 rtt=1000 kernel=debian
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--stream) stream=$2; shift 2 ;;
	--msgs) msgs=$2; shift 2 ;;
	--rtt) rtt=$2; shift 2 ;;
	*) echo "usage: $0 [--kernel debian|stock|hooks] [--reps N] [--stream BYTES] [--msgs N] [--rtt N]" >&2
	   exit 2 ;;
	esac
done
case $kernel in
debian) sides="builtin module epoll splice" ;;
stock) sides="builtin epoll splice" ;;
hooks) sides="module epoll splice" ;;
*) echo "bench: --kernel debian, stock or hooks" >&2; exit 2 ;;
esac

top=${BPFEXT_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
tool=$top/build/bench/sockproxy
obj=$top/build/bpf/bench/bench_sockmap.bpf.o
for f in "$tool" "$obj"; do
	[ -e "$f" ] || { echo "bench: missing $f (bench/sockmap.sh builds it)" >&2; exit 1; }
done
if [ "$kernel" = debian ] && [ -d /sys/module/sockmap ]; then
	echo "bench: sockmap.ko is loaded already" >&2
	exit 1
fi

declare -A vals desc
order=()

# row ID DESCRIPTION: declares a row, in the order the table shows.
row() {
	order+=("$1")
	desc[$1]=$2
	vals[$1]=""
}

# measure SIDE PROXY: one repetition of the three workloads.
measure() {
	local side=$1 mode=$2 mbs mps p50 p99
	mbs=$("$tool" -m "$mode" -o "$obj" -w stream -n "$stream")
	vals[stream_$side]+="${vals[stream_$side]:+,}$mbs"
	mps=$("$tool" -m "$mode" -o "$obj" -w msgs -n "$msgs" -s 64)
	vals[msgs_$side]+="${vals[msgs_$side]:+,}$mps"
	read -r p50 p99 < <("$tool" -m "$mode" -o "$obj" -w rtt -n "$rtt" -s 64)
	vals[rtt50_$side]+="${vals[rtt50_$side]:+,}$p50"
	vals[rtt99_$side]+="${vals[rtt99_$side]:+,}$p99"
	echo "bench: rep $r $side stream=$mbs msgs=$mps rtt=$p50/$p99" >&2
}

# rmmod until it succeeds: the last process's maps are freed after it
# exits (a workqueue), and the module is held while it frees them.
unload() {
	local i
	for i in $(seq 1 100); do
		rmmod sockmap 2>/dev/null && return 0
		sleep 0.1
	done
	rmmod sockmap
}

for w in stream msgs rtt50 rtt99; do
	for side in $sides; do
		case $w in
		stream) d="MB/s, $((stream >> 20)) MiB in 64 KiB writes" ;;
		msgs) d="messages/s, $msgs of 64 bytes" ;;
		rtt50) d="ns, round trip p50, $rtt requests of 64 bytes" ;;
		rtt99) d="ns, round trip p99" ;;
		esac
		row "${w}_$side" "$d"
	done
done

echo "KERNEL $(uname -r) $(uname -v), $(nproc) CPU(s), bpf_jit_enable $(cat /proc/sys/net/core/bpf_jit_enable)"
# Untimed: the first run of each path after boot.
"$tool" -m sockmap -o "$obj" -w rtt -n 100 >/dev/null
case $kernel in
debian)
	modprobe sockmap
	echo "MODULE sockmap.ko srcversion $(cat /sys/module/sockmap/srcversion)"
	"$tool" -m sockmap -o "$obj" -w rtt -n 100 >/dev/null
	unload
	;;
hooks)
	# The first map loaded it; its maps pin it while they exist.
	echo "MODULE sockmap.ko srcversion $(cat /sys/module/sockmap/srcversion)"
	;;
esac
# Each repetition measures every side, so that a host busier at one time
# than another weighs on all of them alike.
for r in $(seq 1 "$reps"); do
	case $kernel in
	debian)
		measure builtin sockmap
		modprobe sockmap
		measure module sockmap
		unload
		;;
	stock) measure builtin sockmap ;;
	hooks) measure module sockmap ;;
	esac
	measure epoll epoll
	measure splice splice
done

median() { tr , '\n' <<<"$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for id in "${order[@]}"; do
	echo "RESULT $id $(median "${vals[$id]}") ${vals[$id]} ${desc[$id]}"
done

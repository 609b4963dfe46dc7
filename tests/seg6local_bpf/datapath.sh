#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End.BPF's datapath, beyond upstream's one-datagram test: each
# bpf_lwt_seg6_action() behaviour, each return code, store_bytes and
# adjust_srh inside and outside their windows with the errno recorded,
# SRHs left invalid, bpf_lwt_push_encap()'s SRv6 modes from "encap bpf in",
# programs replaced under a UDP stream, and the dump. Every case says
# where its datagrams arrived, and what the receiver saw of their headers.
#
#   netns S (sender)      sls1 fd81:1::2
#        |                     routes to D push an SRH: "encap seg6"
#   root netns            sls0 fd81:1::1   End.BPF on fc00::K (case K),
#   (programs, maps)                       forwarding on
#        |       \        slr0 fd81:2::1   main: fd81:9::/64 to R
#        |        \       slx0 fd81:3::1   table 117: fd81:9::/64 to X;
#        |         \                       fd81:7::1 (End.X's next hop) to X
#   netns R  slr1 fd81:2::2       netns X  slx1 fd81:3::2
#   on lo: D fd81:9::1,           on lo: D fd81:9::1, fd81:7::1
#   fd81:9::2, B fd81:9::b,
#   E fd81:9::e
#
# Case K sends UDP datagrams "K N" to port 9999 of D (or of fd81:9::2, for
# the encap bpf in cases) through SID fc00::K: one socat in each of R and
# X writes what arrives to a file, and tcpdump records each one's link.
# The programs (progs/sl_dp_*.bpf.c) record their runs and helper return
# values in slot K of the pinned array sl_dp_rec (progs/sl_dp.h).
. "$(dirname "$0")/../lib.sh"
ktap_begin
# Where a built-in End.BPF serves until the module takes it over, take it
# over: these cases are for the module's End.BPF.
on_takeover && require_module seg6local_bpf
require_cmd ip bpftool tcpdump socat python3 timeout ss
require_obj seg6local_bpf/sl_dp_act seg6local_bpf/sl_dp_ret \
	seg6local_bpf/sl_dp_srh seg6local_bpf/sl_dp_lwt
S=$(ns s) R=$(ns r) X=$(ns x)
PIN=/sys/fs/bpf/tc/globals
ACT=$(obj seg6local_bpf/sl_dp_act)
RET=$(obj seg6local_bpf/sl_dp_ret)
SRH=$(obj seg6local_bpf/sl_dp_srh)
LWT=$(obj seg6local_bpf/sl_dp_lwt)
D=fd81:9::1 DIN=fd81:9::2
EFAULT=-14 EINVAL=-22 EBADMSG=-74

saved_sysctls=()
set_sysctl() {
	saved_sysctls+=("$1=$(sysctl -n "$1")")
	sysctl -wq "$1=$2"
}

cleanup() {
	local s k
	for k in $(seq 30); do
		ip -6 route del fc00::$k/128 2>/dev/null
	done
	ip -6 route del $DIN/128 2>/dev/null
	ip -6 route flush table 117 2>/dev/null
	ip link del sls0 2>/dev/null
	ip link del slr0 2>/dev/null
	ip link del slx0 2>/dev/null
	for s in "${saved_sysctls[@]}"; do
		sysctl -wq "$s"
	done
	rm -f $PIN/sl_dp_rec
	cleanup_netns
}
trap cleanup EXIT

rm -f $PIN/sl_dp_rec
set_sysctl net.ipv6.conf.all.forwarding 1
set_sysctl net.ipv6.conf.default.accept_dad 0

setup() {
	local n
	for n in "$S" "$R" "$X"; do
		ip netns add "$n" || return 1
		ip netns exec "$n" sysctl -wq net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 || return 1
		ip -n "$n" link set lo up
	done
	ip link add sls0 type veth peer name sls1 netns "$S" &&
	ip link add slr0 type veth peer name slr1 netns "$R" &&
	ip link add slx0 type veth peer name slx1 netns "$X" || return 1
	ip addr add fd81:1::1/64 dev sls0 nodad
	ip addr add fd81:2::1/64 dev slr0 nodad
	ip addr add fd81:3::1/64 dev slx0 nodad
	ip link set sls0 up
	ip link set slr0 up
	ip link set slx0 up
	ip -n "$S" addr add fd81:1::2/64 dev sls1 nodad
	ip -n "$R" addr add fd81:2::2/64 dev slr1 nodad
	ip -n "$X" addr add fd81:3::2/64 dev slx1 nodad
	for n in $D $DIN fd81:9::b fd81:9::e; do
		ip -n "$R" addr add $n/128 dev lo nodad || return 1
	done
	ip -n "$X" addr add $D/128 dev lo nodad &&
	ip -n "$X" addr add fd81:7::1/128 dev lo nodad || return 1
	ip -n "$S" link set sls1 up
	ip -n "$R" link set slr1 up
	ip -n "$X" link set slx1 up
	ip -n "$S" -6 route add default via fd81:1::1
	ip -n "$R" -6 route add default via fd81:2::1
	ip -n "$X" -6 route add default via fd81:3::1

	# R and X take the SRHs that reach them: segments left 0, B's, and
	# E's, whose inner packet the kernel takes out (next header IPv6).
	for n in "$R" "$X"; do
		ip netns exec "$n" sysctl -wq net.ipv6.conf.all.seg6_enabled=1 \
			net.ipv6.conf.lo.seg6_enabled=1 || return 1
	done
	ip netns exec "$R" sysctl -wq net.ipv6.conf.slr1.seg6_enabled=1 &&
	ip netns exec "$X" sysctl -wq net.ipv6.conf.slx1.seg6_enabled=1 || return 1
	# End.X's next hop is reached through a gateway, so the packet goes
	# to X's link whatever its destination.
	ip -6 route add fd81:9::/64 via fd81:2::2 dev slr0 &&
	ip -6 route add fd81:7::1/128 via fd81:3::2 dev slx0 &&
	ip -6 route add table 117 fd81:9::/64 via fd81:3::2 dev slx0 || return 1

	ping -6 -c 1 -W 5 -q fd81:1::2 >/dev/null &&
	ping -6 -c 1 -W 5 -q fd81:2::2 >/dev/null &&
	ping -6 -c 1 -W 5 -q fd81:3::2 >/dev/null
}

# A receiver (socat, one line per datagram) and a capture in R and X.
declare -A CAP
start_rx() {
	local n=$1 dev=$2 i
	ip netns exec "$n" socat -u UDP6-RECV:9999 \
		"OPEN:$BPFEXT_TMP/$n.rx,creat,append" 2>"$BPFEXT_TMP/$n.socat" &
	ip netns exec "$n" tcpdump -Z root -U -n -s 512 -i "$dev" -w "$BPFEXT_TMP/$n.pcap" ip6 \
		2>"$BPFEXT_TMP/$n.tcpdump" &
	CAP[$n]=$!
	for i in $(seq 100); do
		grep -q 'listening on' "$BPFEXT_TMP/$n.tcpdump" &&
			ip netns exec "$n" ss -Hnul 'sport = :9999' | grep -q . &&
			return 0
		sleep 0.1
	done
	return 1
}

if ! setup || ! start_rx "$R" slr1 || ! start_rx "$X" slx1; then
	fail "set up netns, veths, routes, receivers" \
		"$(cat "$BPFEXT_TMP"/*.tcpdump "$BPFEXT_TMP"/*.socat 2>/dev/null)"
	ktap_end
fi

# steer K [encap]: S's datagrams to D get an SRH with SID fc00::K: inline
# (segments D, fc00::K), or with "encap" an outer header with segments
# fc00::K, fc00::ee around them (for End.DT6).
steer() {
	if [ "${2:-}" = encap ]; then
		ip -n "$S" -6 route replace $D/128 encap seg6 mode encap \
			segs fc00::$1,fc00::ee via fd81:1::1 dev sls1
	else
		ip -n "$S" -6 route replace $D/128 encap seg6 mode inline \
			segs fc00::$1 via fd81:1::1 dev sls1
	fi
}

# route_bpf K OBJ SECTION [add|replace]: End.BPF on SID fc00::K.
route_bpf() {
	ip -6 route "${4:-replace}" fc00::$1/128 encap seg6local action End.BPF \
		endpoint obj "$2" sec "$3" dev sls0
}

# send K N [DST]: N datagrams of case K from S, by bash itself (a process
# per datagram costs half a second under TCG).
send() {
	ip netns exec "$S" bash -c '
		for ((i = 1; i <= $2; i++)); do
			echo "$1 $i" > "/dev/udp/$3/9999" || exit 1
		done' _ "$1" "$2" "${3:-$D}"
}

# nap SECONDS: sleep without a process (read times out on a pipe that
# never has data), a fraction of what sleep(1) costs under TCG.
exec {napfd}<> <(:)
nap() { read -r -t "$1" -u "$napfd" _ || :; }

# count_rx K: rx_r and rx_x, the datagrams of case K received in R and X.
count_rx() {
	local n f l
	for n in r x; do
		local -i c=0
		[ $n = r ] && f=$BPFEXT_TMP/$R.rx || f=$BPFEXT_TMP/$X.rx
		if [ -e "$f" ]; then
			while IFS= read -r l; do
				[[ $l == "$1 "* ]] && c+=1
			done < "$f"
		fi
		printf -v "rx_$n" %d $c
	done
}

# The records of every slot, read in one dump: rec K FIELD.
declare -A REC
rec_load() {
	local k v
	REC=()
	while read -r k v; do
		REC[$k]=$v
	done < <(bpftool map dump pinned $PIN/sl_dp_rec 2>/dev/null | awk '
		/"key":/ { gsub(/[",]/, "", $2); k = $2 }
		/"value":/ { gsub(/[",]/, "", $2); print k, $2 }')
}
rec() { echo "${REC[$(($1 * 8 + $2))]:-?}"; }

# run_case K N WANT [DST]: send N datagrams of case K, wait until WANT of
# them have arrived in R and X together, and set rx_r, rx_x, runs (the
# program's) and the packets captured (pk_*, read by npkts). For WANT 0,
# wait until the program has run N times more (for at most 5 s), then a
# moment for anything that should not arrive; for WANT none (no program
# to run), just that moment.
run_case() {
	local k=$1 i r0 end
	why=""
	if [ "$3" = 0 ]; then
		rec_load
		r0=$(rec "$k" 0)
	fi
	if ! send "$k" "$2" "${4:-$D}"; then
		why="sending failed; "
	fi
	if [ "$3" = 0 ]; then
		end=$((SECONDS + 5))
		while [ $SECONDS -lt $end ]; do
			rec_load
			[ "$(rec "$k" 0)" -ge $((r0 + $2)) ] 2>/dev/null && break
			nap 0.2
		done
		nap 0.5
	elif [ "$3" = none ]; then
		nap 1
	else
		for ((i = 0; i < 100; i++)); do
			count_rx "$k"
			[ $((rx_r + rx_x)) -ge "$3" ] && break
			nap 0.1
		done
		nap 0.2
	fi
	count_rx "$k"
	rec_load
	runs=$(rec "$k" 0)
	pk_k=$k pk_r=- pk_x=-
}

# pkts NS K: the packets of case K captured in NS, one a line: tcpdump's
# summary, " | ", then the bytes from the IPv6 header on, in hex. Case K's
# have a UDP header to port 9999 (270f), then "K " (tcpdump may not get
# as far as UDP in its summary: it stops at an SRH with TLVs). A packet
# the kernel decapsulates is seen again as it is put back on the link:
# counted once.
pkts() {
	local i k="$2 " re=270f........ c
	for ((i = 0; i < ${#k}; i++)); do
		printf -v c %02x "'${k:i:1}"
		re+=$c
	done
	tcpdump -r "$BPFEXT_TMP/$1.pcap" -n -v -x 2>/dev/null | awk -v re="$re" '
		function out() {
			if (s != "" && h ~ re && !seen[h]++)
				print s " | " h
			s = h = ""
		}
		/^\t0x/ { sub(/^\t0x[0-9a-f]+: +/, ""); gsub(/ /, ""); h = h $0; next }
		/^[0-9][0-9]:/ { out(); s = $0; next }
		{ s = s " " $0 }
		END { out() }'
}

# load_pk r|x: the last case's packets in R or X, read once (pk_r, pk_x).
# tcpdump may write them out after the receiver has them (a busy host):
# at least as many as the netns received must be there.
load_pk() {
	local -n pk=pk_$1 rxn=rx_$1
	local ns i l
	local -i c
	[ "$pk" = - ] || return 0
	[ "$1" = r ] && ns=$R || ns=$X
	for ((i = 0; i < 10; i++)); do
		pk=$(pkts "$ns" "$pk_k")
		c=0
		while IFS= read -r l; do
			[ -n "$l" ] && c+=1
		done <<<"$pk"
		[ $c -ge "$rxn" ] && break
		nap 0.3
	done
}

# npkts r|x ERE: how many of the case's packets in R or X match ERE. Not
# in a subshell: what it reads stays read.
npkts() {
	local p l
	local -i c=0
	load_pk "$1"
	[ "$1" = r ] && p=$pk_r || p=$pk_x
	while IFS= read -r l; do
		[[ -n $l && $l =~ $2 ]] && c+=1
	done <<<"$p"
	n_pk=$c
}

# want WHAT GOT WANT: a mismatch goes into the case's failure message.
want() { [ "$2" = "$3" ] || why+="$1: $2 (want $3); "; }

# verdict DESC: pass, or fail with what differed and what R and X saw.
verdict() {
	if [ -z "$why" ]; then
		pass "$1"
	else
		load_pk r
		load_pk x
		fail "$1" "$why
R: $pk_r
X: $pk_x"
	fi
}

# The SRH S pushed for case K, as tcpdump prints it after End.BPF: the
# next segment, D, is the destination, with segments left 0.
srh_in() {
	echo "> $D: RT6 \(len=4, type=4, segleft=0, last-entry=1, flags=0x0, tag=0, \[0\]$D, \[1\]fc00::$1\) [0-9]+ > 9999:"
}

# 1: each bpf_lwt_seg6_action() behaviour.

steer 1
if ! route_bpf 1 "$ACT" end_x add; then
	fail "End.BPF route with a program" "ip -6 route add failed"
	ktap_end
fi
if ! on_stock; then
	check "the End.BPF route is served by seg6local_bpf.ko" \
		grep -q '^seg6local_bpf ' /proc/modules
fi
run_case 1 3 3
want "received in X" "$rx_x" 3
want "received in R" "$rx_r" 0
want "program runs" "$runs" 3
want "End.X returned" "$(rec 1 1)" 0
npkts x "$(srh_in 1)"
want "packets at X with S's SRH, next segment D" "$n_pk" 3
verdict "End.X to fd81:7::1: all at X, through End.X's next hop, none at R (the next segment's route)"

steer 22
route_bpf 22 "$ACT" end_x_ok
run_case 22 3 3
want "received in R" "$rx_r" 3
want "received in X" "$rx_x" 0
want "program runs" "$runs" 3
want "End.X returned" "$(rec 22 1)" 0
verdict "End.X then BPF_OK: End.BPF's own lookup of the next segment wins, all at R"

steer 23
route_bpf 23 "$ACT" act_bad
run_case 23 3 3
want "received in R" "$rx_r" 3
want "program runs" "$runs" 3
want "End.X with an 8-byte next hop returned" "$(rec 23 1)" $EINVAL
want "End.T with a 2-byte table returned" "$(rec 23 2)" $EINVAL
want "End.DX6 returned" "$(rec 23 3)" $EINVAL
want "End.DT6 with no inner IPv6 returned" "$(rec 23 4)" $EBADMSG
want "End.B6 with an SRH of type 5 returned" "$(rec 23 5)" $EINVAL
npkts r "fd81:1::2 $(srh_in 23)"
want "packets at R unchanged" "$n_pk" 3
verdict "actions refused: bad parameter sizes, End.DX6 -EINVAL, End.DT6 without inner IPv6 -EBADMSG, End.B6 bad SRH -EINVAL; packet unchanged"

steer 2
route_bpf 2 "$ACT" end_t
run_case 2 3 3
want "received in X" "$rx_x" 3
want "received in R" "$rx_r" 0
want "program runs" "$runs" 3
want "End.T returned" "$(rec 2 1)" 0
npkts x "$(srh_in 2)"
want "packets at X with S's SRH" "$n_pk" 3
verdict "End.T table 117: the next segment looked up there, all at X, none at R (main)"

# S encapsulates: outer header to fc00::3 with segments fc00::3, fc00::ee;
# End.DT6 takes the inner packet out and looks D up in table 117.
steer 3 encap
route_bpf 3 "$ACT" end_dt6
run_case 3 3 3
want "received in X" "$rx_x" 3
want "received in R" "$rx_r" 0
want "program runs" "$runs" 3
want "End.DT6 returned" "$(rec 3 1)" 0
npkts x "next-header UDP \(17\).*\) fd81:1::2\.[0-9]+ > $D\.9999:"
want "plain IPv6 UDP from S to D at X" "$n_pk" 3
npkts x 'RT6|> fc00::'
want "packets at X with an SRH or outer header" "$n_pk" 0
verdict "End.DT6 table 117: decapsulated, the inner packet looked up there, plain at X, none at R"

# End.B6 inserts its SRH (B, tag 0xb6) before S's, the destination is B;
# R takes it from there to D.
steer 4
route_bpf 4 "$ACT" end_b6
run_case 4 3 3
want "received in R" "$rx_r" 3
want "received in X" "$rx_x" 0
want "program runs" "$runs" 3
want "End.B6 returned" "$(rec 4 1)" 0
npkts r \
	"fd81:1::2 > fd81:9::b: RT6 \(len=4, type=4, segleft=1, last-entry=1, flags=0x0, tag=b6, \[0\]$D, \[1\]fd81:9::b\) RT6 \(len=4, type=4, segleft=0, last-entry=1, flags=0x0, tag=0, \[0\]$D, \[1\]fc00::4\) [0-9]+ > 9999:"
want "packets at R to B, the new SRH before S's" "$n_pk" 3
verdict "End.B6: a new SRH inserted (segments D, B), to B at R, then on to D"

# End.B6.Encaps: an outer header to E with its SRH (tag 0xb6e) around the
# packet as End.BPF had it; R, E's node, takes the inner packet out for D.
steer 5
route_bpf 5 "$ACT" end_b6_encap
run_case 5 3 3
want "received in R" "$rx_r" 3
want "received in X" "$rx_x" 0
want "program runs" "$runs" 3
want "End.B6.Encaps returned" "$(rec 5 1)" 0
npkts r \
	"> fd81:9::e: RT6 \(len=2, type=4, segleft=0, last-entry=0, flags=0x0, tag=b6e, \[0\]fd81:9::e\) IP6 .*fd81:1::2 $(srh_in 5)"
want "packets at R: outer header and SRH to E, S's packet inside" "$n_pk" 3
verdict "End.B6.Encaps: outer IPv6 + SRH (E) around the packet at R, the inner one delivered"

# 2: return codes.

steer 6
route_bpf 6 "$RET" ok
run_case 6 3 3
want "received in R" "$rx_r" 3
want "received in X" "$rx_x" 0
want "program runs" "$runs" 3
npkts r "fd81:1::2 $(srh_in 6)"
want "packets at R to D, segments left 0" "$n_pk" 3
want "segments left, as the program saw them" "$(rec 6 1)" 0
want "destination is segments[0], as the program saw it" "$(rec 6 2)" 1
verdict "BPF_OK: the program sees segments left 0, destination D; forwarded there, all at R"

steer 7
route_bpf 7 "$RET" drop
run_case 7 3 0
want "received in R" "$rx_r" 0
want "received in X" "$rx_x" 0
npkts r .; c=$n_pk; npkts x .
want "captured in R and X" "$((c + n_pk))" 0
want "program runs" "$runs" 3
verdict "BPF_DROP: dropped, nothing at R or X"

steer 24
route_bpf 24 "$RET" redirect
run_case 24 3 0
want "received in R" "$rx_r" 0
want "received in X" "$rx_x" 0
npkts r .; c=$n_pk; npkts x .
want "captured in R and X" "$((c + n_pk))" 0
want "program runs" "$runs" 3
verdict "BPF_REDIRECT with no action: End.BPF's own route again, no segments left, dropped, the program ran once"

steer 8
route_bpf 8 "$RET" bad_ret
run_case 8 3 0
want "received in R" "$rx_r" 0
want "received in X" "$rx_x" 0
npkts r .; c=$n_pk; npkts x .
want "captured in R and X" "$((c + n_pk))" 0
want "program runs" "$runs" 3
# Warned once per boot (per module load here): by us or by an earlier test.
dmesg | grep -q 'bpf-seg6local: Illegal return value' ||
	why+="no 'bpf-seg6local: Illegal return value' in the kernel log; "
verdict "illegal return (BPF_LWT_REROUTE): dropped, nothing at R or X, warned"

# 3: bpf_lwt_seg6_store_bytes().

steer 9
route_bpf 9 "$SRH" store_tag
run_case 9 3 3
want "received in R" "$rx_r" 3
want "program runs" "$runs" 3
want "store_bytes(flags, tag) returned" "$(rec 9 1)" 0
npkts r \
	"> $D: RT6 \(len=4, type=4, segleft=0, last-entry=1, flags=0x42, tag=beef, \[0\]$D, \[1\]fc00::9\)"
want "packets at R with flags 0x42, tag 0xbeef" "$n_pk" 3
verdict "store_bytes on flags and tag: 0, the receiver sees flags 0x42, tag 0xbeef"

steer 10
route_bpf 10 "$SRH" store_bad
run_case 10 3 3
want "received in R" "$rx_r" 3
want "program runs" "$runs" 3
want "store_bytes(segments[0]) returned" "$(rec 10 1)" $EFAULT
want "store_bytes(flags, tag, +1 byte) returned" "$(rec 10 2)" $EFAULT
want "store_bytes(IPv6 hop limit) returned" "$(rec 10 3)" $EFAULT
want "store_bytes(SRH last entry) returned" "$(rec 10 4)" $EFAULT
npkts r \
	"hlim 63, .*fd81:1::2 $(srh_in 10)"
want "packets at R unchanged (hop limit 63, SRH as sent)" "$n_pk" 3
verdict "store_bytes outside flags, tag and TLVs: -EFAULT each time, the packet unchanged"

# 6.1's window for TLV writes starts 8 bytes early (srh_tlvs leaves out
# the fixed part): the last 8 bytes of segments[1] are writable there.
steer 11
route_bpf 11 "$SRH" store_win
run_case 11 3 3
want "received in R" "$rx_r" 3
want "program runs" "$runs" 3
want "store_bytes(1 byte before the window) returned" "$(rec 11 1)" $EFAULT
want "store_bytes(8 bytes ending 1 byte past the SRH) returned" "$(rec 11 2)" $EFAULT
want "store_bytes(the 8 bytes before the TLVs) returned" "$(rec 11 3)" 0
npkts r \
	"> $D: RT6 \(len=4, type=4, segleft=0, last-entry=1, flags=0x0, tag=0, \[0\]$D, \[1\]fc00::b0b\) [0-9]+ > 9999:"
want "packets at R with segments[1] fc00::b0b" "$n_pk" 3
verdict "store_bytes' TLV window starts 8 bytes before the TLVs, as 6.1: those bytes written, one more refused"

# 4: bpf_lwt_seg6_adjust_srh().

steer 12
route_bpf 12 "$SRH" tlv_add
run_case 12 3 3
want "received in R" "$rx_r" 3
want "program runs" "$runs" 3
want "adjust_srh(+8 at the TLV start) returned" "$(rec 12 1)" 0
want "store_bytes(TLV) returned" "$(rec 12 2)" 0
# hdrlen 5; segments[1] fc00::12, then the TLV, then UDP to 9999.
npkts r \
	"> $D: RT6 \(len=5, .* \| .*fc0000000000000000000000000000128006627066657874[0-9a-f]{4}270f"
want "packets at R with the TLV after the segments" "$n_pk" 3
verdict "adjust_srh +8 and a TLV stored: the receiver's SRH is 48 bytes and ends with the TLV"

steer 13
route_bpf 13 "$SRH" adjust_bad
run_case 13 3 3
want "received in R" "$rx_r" 3
want "program runs" "$runs" 3
want "adjust_srh(+8 inside the segments) returned" "$(rec 13 1)" $EFAULT
want "adjust_srh(+8 one byte past the SRH) returned" "$(rec 13 2)" $EFAULT
want "adjust_srh(-8 past the end) returned" "$(rec 13 3)" $EFAULT
npkts r "fd81:1::2 $(srh_in 13)"
want "packets at R unchanged" "$n_pk" 3
verdict "adjust_srh outside [TLV start, SRH end], shrinking past the end: -EFAULT, the packet unchanged"

# 5: SRHs the program leaves invalid are dropped after it.

steer 14
route_bpf 14 "$SRH" adjust_odd
run_case 14 3 0
want "received in R" "$rx_r" 0
want "received in X" "$rx_x" 0
want "program runs" "$runs" 3
want "adjust_srh(+4) returned" "$(rec 14 1)" 0
want "End.X on the SRH then returned" "$(rec 14 2)" $EBADMSG
verdict "adjust_srh +4 left as is: End.X refuses it (-EBADMSG), the packet is dropped"

steer 15
route_bpf 15 "$SRH" tlv_badlen
run_case 15 3 0
want "received in R" "$rx_r" 0
want "received in X" "$rx_x" 0
want "program runs" "$runs" 3
want "adjust_srh(+8) returned" "$(rec 15 1)" 0
want "store_bytes(TLV) returned" "$(rec 15 2)" 0
verdict "adjust_srh +8 with a TLV overrunning it: the SRH fails validation, dropped"

# 6: bpf_lwt_push_encap() with the SRv6 modes, from "encap bpf in" on
# the root's route to fd81:9::2 (lwt_bpf.ko on our kernels). There the
# SRv6 modes are seg6local_bpf.ko's, which the End.BPF routes above hold.
require_module lwt_bpf

# lwt_in K SECTION: the in program of S's datagrams to fd81:9::2.
lwt_in() {
	ip -6 route replace $DIN/128 encap bpf in obj "$LWT" sec "$2" \
		via fd81:2::2 dev slr0
}

if lwt_in 16 push_encap; then
	run_case 16 3 3 $DIN
	want "received in R" "$rx_r" 3
	want "program runs" "$runs" 3
	want "push_encap returned" "$(rec 16 1)" 0
	npkts r \
		"fd81:2::1 > fd81:9::e: RT6 \(len=2, type=4, segleft=0, last-entry=0, flags=0x0, tag=e6, \[0\]fd81:9::e\) IP6 .*fd81:1::2\.[0-9]+ > $DIN\.9999:"
	want "packets at R: outer header from slr0 and SRH to E, the packet inside" "$n_pk" 3
	verdict "encap bpf in, BPF_LWT_ENCAP_SEG6: outer IPv6 + SRH to E at R, the inner packet delivered"
else
	fail "encap bpf in, BPF_LWT_ENCAP_SEG6" "ip -6 route replace failed"
fi

if lwt_in 17 push_inline; then
	run_case 17 3 3 $DIN
	want "received in R" "$rx_r" 3
	want "program runs" "$runs" 3
	want "push_encap returned" "$(rec 17 1)" 0
	npkts r \
		"fd81:1::2 > fd81:9::b: RT6 \(len=4, type=4, segleft=1, last-entry=1, flags=0x0, tag=e7, \[0\]$DIN, \[1\]fd81:9::b\) [0-9]+ > 9999:"
	want "packets at R to B, the SRH inserted" "$n_pk" 3
	verdict "encap bpf in, BPF_LWT_ENCAP_SEG6_INLINE: SRH (segments fd81:9::2, B) inserted, to B, then on"
else
	fail "encap bpf in, BPF_LWT_ENCAP_SEG6_INLINE" "ip -6 route replace failed"
fi

if lwt_in 18 push_bad; then
	run_case 18 3 3 $DIN
	want "received in R" "$rx_r" 3
	want "program runs" "$runs" 3
	want "push_encap(SRH of routing type 5) returned" "$(rec 18 1)" $EINVAL
	want "push_encap(segments left past the last entry) returned" "$(rec 18 2)" $EINVAL
	want "push_encap(encap type 3) returned" "$(rec 18 3)" $EINVAL
	npkts r "next-header UDP \(17\).*\) fd81:1::2\.[0-9]+ > $DIN\.9999:"
	want "plain packets at R" "$n_pk" 3
	verdict "encap bpf in: invalid SRHs and an unknown encap type -EINVAL, the packet forwarded as it came"
else
	fail "encap bpf in, invalid SRHs refused" "ip -6 route replace failed"
fi
ip -6 route del $DIN/128 2>/dev/null

# 7: the dump (iproute2 prints the name the kernel keeps, object:[section]),
# and delete.
steer 21
route_bpf 21 "$RET" show
out=$(ip -6 route show fc00::21/128)
echo "# $out"
if grep -q "^fc00::21  *encap seg6local action End.BPF endpoint sl_dp_ret.bpf.o:\[show\] dev sls0" <<<"$out"; then
	pass "ip -6 route show: 'action End.BPF endpoint sl_dp_ret.bpf.o:[show]'"
else
	fail "ip -6 route show: 'action End.BPF endpoint sl_dp_ret.bpf.o:[show]'" "$out"
fi
run_case 21 1 1
want "received in R" "$rx_r" 1
want "program runs" "$runs" 1
verdict "the shown route forwards, its program runs"
check "ip -6 route del of the End.BPF route" ip -6 route del fc00::21/128
out=$(ip -6 route show fc00::21/128)
if [ -z "$out" ]; then
	pass "after delete, the route is gone from the dump"
else
	fail "after delete, the route is gone from the dump" "$out"
fi
run_case 21 1 none
want "received in R" "$rx_r" 1
want "program runs" "$runs" 1
verdict "after delete, fc00::21 runs no program and forwards nothing"

# 8: the End.BPF route's program replaced, cnt_a <-> cnt_b, under a UDP
# stream to D port 9998. Each datagram runs exactly one of the two
# (replace swaps the route's state at once), so their runs add up to what
# was sent, and R gets them all (1% allowed for a stalled guest).
REPLACES=30
replace_under_traffic() {
	local desc="End.BPF: $REPLACES route replaces cnt_a <-> cnt_b under a UDP stream"
	local i sec bad=0 sent errs recvd a b tol a0 b0 rep
	# Reading thousands of captured packets costs more than the stream:
	# the captures end here.
	kill "${CAP[$R]}" "${CAP[$X]}" 2>/dev/null
	steer 19
	if ! route_bpf 19 "$RET" cnt_a; then
		fail "$desc" "route setup failed"
		return
	fi
	ip netns exec "$R" timeout 300 python3 - $D 9998 "$BPFEXT_TMP/ready" \
		> "$BPFEXT_TMP/urecv" 2>&1 <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)	# SO_RCVBUFFORCE
s.bind((sys.argv[1], int(sys.argv[2])))
open(sys.argv[3], "w").close()
seen = set()
s.settimeout(60)
while True:
    try:
        d = s.recv(64)
    except socket.timeout:
        break
    seen.add(int(d))
    s.settimeout(3)
print(len(seen))
EOF
	local rpid=$!
	for i in $(seq 150); do
		[ -e "$BPFEXT_TMP/ready" ] && break
		sleep 0.1
	done
	ip netns exec "$S" python3 - $D 9998 "$BPFEXT_TMP/stop" \
		> "$BPFEXT_TMP/usend" 2>&1 <<'EOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
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
		route_bpf 19 "$RET" $sec || bad=$((bad + 1))
	done
	sleep 1
	touch "$BPFEXT_TMP/stop"
	wait $spid
	wait $rpid
	read -r sent errs < "$BPFEXT_TMP/usend"
	recvd=$(cat "$BPFEXT_TMP/urecv")
	rec_load
	a=$(rec 19 0) b=$(rec 20 0)
	tol=$((sent / 100 > 2 ? sent / 100 : 2))
	if [ "$bad" = 0 ] && [ "$errs" = 0 ] && [ "${sent:-0}" -gt 0 ] 2>/dev/null &&
	   [ "$((a + b))" = "$sent" ] && [ "$a" -gt 0 ] && [ "$b" -gt 0 ] &&
	   [ "$recvd" -ge $((sent - tol)) ] 2>/dev/null; then
		pass "$desc (sent $sent, received $recvd, cnt_a $a, cnt_b $b)"
	else
		fail "$desc" "failed replaces: $bad; sent $sent, sendto errors $errs, received $recvd (at least $((sent - tol))); cnt_a $a + cnt_b $b (want the sum $sent, both > 0)"
	fi

	# The last replace put cnt_a there; one more, and only cnt_b runs.
	a0=$a b0=$b
	route_bpf 19 "$RET" cnt_b && rep=ok || rep="failed"
	run_case 19 5 5
	want "the last replace" "$rep" ok
	want "received in R" "$rx_r" 5
	want "cnt_b runs" "$(($(rec 20 0) - b0))" 5
	want "cnt_a runs" "$(($(rec 19 0) - a0))" 0
	verdict "after the replaces: the new program (cnt_b) is the one that runs, the old one no more"
}

replace_under_traffic
ktap_end

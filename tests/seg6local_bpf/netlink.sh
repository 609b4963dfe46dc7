#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The netlink side of SRv6 End.BPF, driven by hand-built rtnetlink
# messages (rtnl_seg6.py) rather than iproute2, which only sends
# well-formed ones. Built-in seg6local parses the SEG6_LOCAL_BPF attribute
# on every kernel; on the hooks kernel End.BPF's build_state then pins
# seg6local_bpf.ko. Every malformed End.BPF encap must be refused with
# Linux 6.1's errno (and its extack message, or none where 6.1 gives
# none), leaving no route, no module reference and no program reference
# behind; valid requests must add, dump (the program's id, not an fd),
# replace, append and delete as 6.1 does; SEG6_LOCAL_COUNTERS on End.BPF
# must count the packets its program passes and drops.
#
#   netns N     dummy bxd0 (up): the routes under test, fd78:14::1/128,
#               10.78.14.1/32, nexthop objects 1-3
#               veth bxv0 fd78:a::2/64 to S, bxv2 fd78:c::2/64 to T,
#               SIDs fd78:14::11 (End.BPF, pass, count) and
#               fd78:14::12 (End.BPF, drop, count), forwarding
#   netns S     veth bxv1 fd78:a::1/64, default via fd78:a::2;
#               fd78:c::1 encap seg6 inline segs fd78:14::11,
#               fd78:c::3 encap seg6 inline segs fd78:14::12
#   netns T     veth bxv3 fd78:c::1/64, default via fd78:c::2, seg6_enabled
. "$(dirname "$0")/../lib.sh"
ktap_begin
require_cmd ip python3 setpriv bpftool ping
# On takeover kernels the module serves End.BPF from here on; routes do
# not pin it there, so only the module references are not checked.
require_module seg6local_bpf
require_obj seg6local_bpf/sl_nl
N=$(ns n)
S=$(ns s)
T=$(ns t)
HERE=$(cd "$(dirname "$0")" && pwd)
RTNL=$HERE/rtnl_seg6.py
OBJ=$(obj seg6local_bpf/sl_nl)
V6=fd78:14::1/128
V4=10.78.14.1/32
PIN=/sys/fs/bpf/bx_sl_nl_$$
trap 'rm -f "$PIN"; cleanup_netns' EXIT

ip netns add "$N"
ip -n "$N" link add bxd0 type dummy
ip -n "$N" link set bxd0 up

# One rtnl_seg6.py answers every request (python takes seconds to start
# in a TCG guest): arguments go in as one line, separated by \x1f.
coproc RTNL_SRV { exec python3 "$RTNL" --netns "$N" --server 2>"$BPFEXT_TMP/rtnl.err"; }
rtnl() {
	local IFS=$'\x1f' line=
	echo "$*" >&"${RTNL_SRV[1]}" && read -r line <&"${RTNL_SRV[0]}"
	echo "${line:-helper: no answer (rtnl_seg6.py --server died? $(cat "$BPFEXT_TMP/rtnl.err"))}"
}

# Routes of the test's prefixes and nexthop objects, one per line.
leftovers() {
	printf 'route show table all\nnexthop show\n' |
		ip -n "$N" -batch - 2>/dev/null | grep -E '^(fd78:14::1 |10\.78\.14\.|id )'
}

# count N DESC: N routes and nexthops of ours are left.
count() {
	local left
	left=$(leftovers)
	if [ "$(grep -c . <<<"$left")" = "$1" ]; then
		pass "$2"
	else
		fail "$2" "left: $left"
	fi
}

# Loaded BPF programs (all of them: nothing else runs in the guest).
progs() { bpftool prog show 2>/dev/null | grep -c '^[0-9]\+:'; }
# Freeing a program is deferred (RCU, a work item): wait for the count.
progs_are() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(progs)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# End.BPF states pin seg6local_bpf on the hooks kernel; the last
# reference of a deleted route goes after an RCU grace period. Elsewhere
# there is no module reference to count: always true.
mod_refs() { ! on_stock && ! on_takeover; }
refcnt() {
	local n
	read -r n < /sys/module/seg6local_bpf/refcnt && echo "$n"
}
refs_are() {
	local i
	mod_refs || return 0
	for ((i = 0; i < 50; i++)); do
		[ "$(refcnt)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
refs() { echo "seg6local_bpf refcnt $(refcnt)"; }
base=0
mod_refs && base=$(refcnt)
pbase=$(progs)

# answer WANT ARGS...: sets $ans to what rtnl_seg6.py ARGS answered, and
# $why to why that is not WANT (ok or an errno name) with, when $extack is
# set, the extack message $extack (empty: none); $why is empty if it is.
answer() {
	local want=$1 msg=
	shift
	ans=$(rtnl "$@" 2>&1)
	why=
	[[ $ans == *" extack: "* ]] && msg=${ans#* extack: }
	if [ "${ans%% *}" != "$want" ]; then
		why="answered '$ans', expected $want"
	elif [ -n "${extack+set}" ] && [ "$msg" != "$extack" ]; then
		why="extack '$msg', expected '${extack:-none}'"
	fi
}

# result DESC WHY: pass if WHY is empty.
result() {
	if [ -z "$2" ]; then pass "$1"; else fail "$1" "$2"; fi
}

# answers WANT DESC ARGS...; accepted DESC ARGS... is answers ok.
answers() {
	local want=$1 desc=$2
	shift 2
	answer "$want" "$@"
	result "$desc" "$why"
}
accepted() { answers ok "$@"; }

# refused ERRNO DESC ARGS...: the request must fail with ERRNO and leave
# no route, no nexthop, no module reference and no program behind (the
# helper closes what it opened after the answer: a program the kernel
# kept a reference on would still be listed).
refused() {
	local want=$1 desc=$2 left
	shift 2
	answer "$want" "$@"
	left=$(leftovers)
	[ -z "$left" ] || why+="${why:+; }left behind: $left"
	refs_are "$base" || why+="${why:+; }$(refs), expected $base"
	progs_are "$pbase" || why+="${why:+; }$(progs) programs loaded, expected $pbase"
	result "$desc" "$why"
}

# shows DESC PATTERN CMD...: CMD's output must match the extended regex.
shows() {
	local desc=$1 re=$2 out
	shift 2
	out=$("$@" 2>&1)
	if grep -Eq -- "$re" <<<"$out"; then
		pass "$desc"
	else
		fail "$desc" "expected /$re/ in: $out"
	fi
}

# dumps DESC PREFIX PATTERN: rtnl_seg6.py's dump of PREFIX must match.
dumps() {
	shows "$1" "$3" rtnl dump "$2"
}

# holds N DESC: what is left holds N references on seg6local_bpf.
holds() {
	if ! mod_refs; then
		skip "$2" "no module references on $BPFEXT_KERNEL"
	elif refs_are $((base + $1)); then
		pass "$2"
	else
		fail "$2" "$(refs), expected $((base + $1))"
	fi
}

# loaded N DESC: N programs more than at the start are loaded.
loaded() {
	if progs_are $((pbase + $1)); then
		pass "$2"
	else
		fail "$2" "$(progs) programs loaded, expected $((pbase + $1)): $(bpftool prog show)"
	fi
}

# gone DESC: no route of ours, no reference, no program is left.
gone() {
	local why= left
	left=$(leftovers)
	[ -z "$left" ] || why="left behind: $left"
	refs_are "$base" || why+="${why:+; }$(refs), expected $base"
	progs_are "$pbase" || why+="${why:+; }$(progs) programs loaded, expected $pbase"
	result "$1" "$why"
}

# progid ANSWER: the first program id an "ok progs=ID..." answer names.
progid() {
	local a=${1#*progs=}
	[ "$a" != "$1" ] || return 1
	a=${a%% *}
	echo "${a%%,*}"
}

printf -v name256 '%*s' 256 ''
name256=${name256// /n}
name257=${name256}n

# --- Refused requests. Built-in seg6local parses the encap before
# End.BPF's build_state runs (and, on hooks, before the module is asked):
# each must come back without a program or module reference kept.
extack=
refused EINVAL "no SEG6_LOCAL_ACTION: EINVAL" \
	add $V6 --dev bxd0 --action none --bpf fd=seg6,name=x
refused EINVAL "empty RTA_ENCAP: EINVAL" \
	add $V6 --dev bxd0 --empty-encap
refused EINVAL "unknown action 99: EINVAL" \
	add $V6 --dev bxd0 --action 99 --bpf fd=seg6,name=x
refused EINVAL "action 0 (UNSPEC): EINVAL" \
	add $V6 --dev bxd0 --action 0 --bpf fd=seg6,name=x
extack="Attribute failed policy validation" \
refused ERANGE "2-byte SEG6_LOCAL_ACTION: ERANGE, policy extack" \
	add $V6 --dev bxd0 --action-raw 0f00 --bpf fd=seg6,name=x
refused EINVAL "End.BPF without SEG6_LOCAL_BPF: EINVAL" \
	add $V6 --dev bxd0 --encap-attr 3:fe000000
refused EINVAL "End.BPF with only SEG6_LOCAL_COUNTERS: EINVAL" \
	add $V6 --dev bxd0 --counters pbe
refused EINVAL "empty SEG6_LOCAL_BPF nest: EINVAL" \
	add $V6 --dev bxd0 --bpf ''
refused EINVAL "nest without SEG6_LOCAL_BPF_PROG: EINVAL" \
	add $V6 --dev bxd0 --bpf name=x
refused EINVAL "nest without SEG6_LOCAL_BPF_PROG_NAME: EINVAL" \
	add $V6 --dev bxd0 --bpf fd=seg6
# Malformed nests: the outer policy (NLA_NESTED, with extack) wants at
# least an attribute header; the nest's own parse is deprecated (no
# trailing check, no extack), so a truncated attribute ends it.
extack="Attribute failed policy validation" \
refused ERANGE "SEG6_LOCAL_BPF nest of 2 bytes: ERANGE, policy extack" \
	add $V6 --dev bxd0 --bpf raw=0102
refused EINVAL "name, then an fd attribute claiming 12 bytes of 8: EINVAL" \
	add $V6 --dev bxd0 --bpf raw=06000200780000000c00010005000000
refused EINVAL "nest of one attribute header of length 2: EINVAL" \
	add $V6 --dev bxd0 --bpf raw=02000100
refused ERANGE "2-byte SEG6_LOCAL_BPF_PROG: ERANGE" \
	add $V6 --dev bxd0 --bpf fd=seg6,fdlen=2,name=x
# The fd: bpf_prog_get_type(fd, BPF_PROG_TYPE_LWT_SEG6LOCAL).
refused EINVAL "fd of an LWT_IN program: EINVAL" \
	add $V6 --dev bxd0 --bpf fd=lwt_in,name=x
refused EINVAL "fd of a SOCKET_FILTER program: EINVAL" \
	add $V6 --dev bxd0 --bpf fd=socket,name=x
refused EINVAL "fd of a map: EINVAL" \
	add $V6 --dev bxd0 --bpf fd=map,name=x
refused EINVAL "fd of a non-BPF file (/dev/null): EINVAL" \
	add $V6 --dev bxd0 --bpf fd=file,name=x
refused EBADF "closed fd: EBADF" \
	add $V6 --dev bxd0 --bpf fd=closed,name=x
refused EBADF "fd 0xffffffff: EBADF" \
	add $V6 --dev bxd0 --bpf fd=0xffffffff,name=x
# SEG6_LOCAL_BPF_PROG_NAME is NLA_NUL_STRING with .len 256: the NUL must
# be within 257 bytes (else EINVAL), the string before a final NUL at
# most 256 bytes (else ERANGE). No extack: the nest is parsed without.
refused EINVAL "name of 257 characters: EINVAL" \
	add $V6 --dev bxd0 --bpf fd=seg6,name=$name257
refused ERANGE "name attribute of 300 bytes, NUL-padded: ERANGE" \
	add $V6 --dev bxd0 --bpf fd=seg6,name=x,namelen=300
refused EINVAL "name without NUL terminator: EINVAL" \
	add $V6 --dev bxd0 --bpf fd=seg6,nonul=pass
refused EINVAL "zero-length name attribute: EINVAL" \
	add $V6 --dev bxd0 --bpf fd=seg6,nonul=
# Counters are parsed after the program: it must be released again.
refused EINVAL "valid program, counters without ERRORS: EINVAL" \
	add $V6 --dev bxd0 --bpf fd=seg6,name=x --counters pb
refused EINVAL "valid program, empty counters nest: EINVAL" \
	add $V6 --dev bxd0 --bpf fd=seg6,name=x --counters ''
refused ERANGE "valid program, 4-byte PACKETS counter: ERANGE" \
	add $V6 --dev bxd0 --bpf fd=seg6,name=x \
	--counters-raw 08000200000000000c00030000000000000000000c0004000000000000000000
extack="Attribute failed policy validation" \
refused ERANGE "valid program, counters nest of 2 bytes: ERANGE, policy extack" \
	add $V6 --dev bxd0 --bpf fd=seg6,name=x --counters-raw 0102
# seg6local is IPv6 only: build_state refuses any other family.
refused EINVAL "End.BPF on an IPv4 route: EINVAL" \
	add $V4 --dev bxd0 --bpf fd=seg6,name=x
refused EINVAL "End.BPF on an IPv4 nexthop object: EINVAL" \
	nh-add 3 --family 4 --dev bxd0 --bpf fd=seg6,name=x
refused EBADF "IPv6 nexthop object with a closed fd: EBADF" \
	nh-add 3 --family 6 --dev bxd0 --bpf fd=closed,name=x
unset extack

# Unprivileged: rtnetlink wants CAP_NET_ADMIN before anything is parsed,
# so even a bogus fd (EBADF for root) is EPERM.
why=$(ip netns exec "$N" setpriv --reuid=65534 --regid=65534 \
	--clear-groups --inh-caps=-all python3 "$RTNL" add $V6 --dev bxd0 \
	--bpf fd=12345,name=x 2>&1)
[ "${why%% *}" = EPERM ] && why= || why="answered '$why'"
left=$(leftovers)
[ -z "$left" ] || why+="${why:+; }left behind: $left"
result "uid 65534 without capabilities (setpriv): EPERM" "$why"
# The same with a real program: loaded as root, sent after dropping.
why=$(python3 "$RTNL" --netns "$N" --drop-privs add $V6 --dev bxd0 \
	--bpf fd=seg6,name=x 2>&1)
[ "${why%% *}" = EPERM ] && why= || why="answered '$why'"
left=$(leftovers)
[ -z "$left" ] || why+="${why:+; }left behind: $left"
refs_are "$base" || why+="${why:+; }$(refs), expected $base"
progs_are "$pbase" || why+="${why:+; }$(progs) programs loaded, expected $pbase"
result "program loaded as root, request sent as uid 65534: EPERM" "$why"

# --- Valid requests.
answer ok add $V6 --dev bxd0 --bpf fd=seg6,name=bx_sl1
id1=$(progid "$ans")
result "add End.BPF" "$why"
dumps "dump: action 15, the program's id (not an fd), the name" $V6 \
	"^action 15 prog=$id1 name=bx_sl1 attrs=1,8\$"
shows "bpftool knows that id as the LWT_SEG6LOCAL program loaded" \
	"^$id1: lwt_seg6local +name bx_sl_nl " bpftool prog show id "${id1:-none}"
shows "ip -6 route show prints End.BPF and the name" \
	"^fd78:14::1 +encap seg6local action End.BPF endpoint bx_sl1 dev bxd0" \
	ip -n "$N" -6 route show $V6
count 1 "one route listed"
holds 1 "the route holds one seg6local_bpf reference"
loaded 1 "the route keeps its program loaded (the helper's fd is closed)"
answers EEXIST "add of an existing route: EEXIST" \
	add $V6 --dev bxd0 --bpf fd=seg6,name=bx_sl9
answer ok replace $V6 --dev bxd0 --bpf fd=seg6,name=bx_sl2
id2=$(progid "$ans")
[ -z "$why" ] && [ "$id2" = "$id1" ] && why="the same program id $id1 again"
result "replace with another program" "$why"
dumps "dump: the new program's id and name" $V6 \
	"^action 15 prog=$id2 name=bx_sl2 attrs=1,8\$"
if [ -n "$id1" ] && progs_are $((pbase + 1)) &&
	! bpftool prog show id "$id1" >/dev/null 2>&1; then
	pass "the replaced program is freed, one program left"
else
	fail "the replaced program is freed, one program left" "$(bpftool prog show)"
fi
count 1 "replace leaves one route"
holds 1 "the replaced state's reference is dropped"
# A program pinned by bpftool: the dump gives bpftool's id for it.
if bpftool prog load "$OBJ" "$PIN" type lwt_seg6local 2>&1; then
	pid=$(bpftool prog show pinned "$PIN" | sed -n 's/^\([0-9]*\): .*/\1/p')
	answer ok replace $V6 --dev bxd0 --bpf "fd=pin:$PIN,name=pinned"
	[ -z "$why" ] && [ "$(progid "$ans")" != "$pid" ] &&
		why="helper opened id $(progid "$ans"), bpftool says $pid"
	result "replace with a program bpftool pinned" "$why"
	dumps "dump: bpftool's id for the pinned program ($pid)" $V6 \
		"^action 15 prog=$pid name=pinned attrs=1,8\$"
	shows "bpftool: that id is sl_nl_pass, LWT_SEG6LOCAL" \
		"^$pid: lwt_seg6local +name sl_nl_pass " bpftool prog show id "$pid"
else
	fail "bpftool prog load $OBJ type lwt_seg6local"
fi
# ip6_route_del() does not look at the encap.
accepted "delete" del $V6 --dev bxd0
loaded 1 "the pinned program stays, held by its pin"
rm -f "$PIN"
gone "route, reference and programs gone"

# iproute2's End.BPF: the dump's id is that of the program it loaded.
if ip -n "$N" -6 route add $V6 encap seg6local action End.BPF \
	endpoint obj "$OBJ" sec pass2 dev bxd0 2>&1; then
	pass "ip -6 route add ... End.BPF endpoint obj sl_nl.bpf.o sec pass2"
else
	fail "ip -6 route add ... End.BPF endpoint obj sl_nl.bpf.o sec pass2"
fi
d=$(rtnl dump $V6)
iid=$(sed -n 's/.*prog=\([0-9]*\) .*/\1/p' <<<"$d")
shows "dump: iproute2's name for it" \
	'^action 15 prog=[0-9]+ name=sl_nl\.bpf\.o:\[pass2\] attrs=1,8$' echo "$d"
shows "bpftool: the dumped id is sl_nl_pass2, LWT_SEG6LOCAL" \
	"^$iid: lwt_seg6local +name sl_nl_pass2 " bpftool prog show id "${iid:-none}"
holds 1 "the iproute2 route holds one reference"
accepted "delete it" del $V6 --dev bxd0
gone "deleted: reference and program gone"

# Append (NLM_F_APPEND, no gateway: no multipath): a route whose encap
# compares equal is a duplicate. cmp_nla_bpf compares names only.
accepted "add End.BPF named a" add $V6 --dev bxd0 --bpf fd=seg6,name=a
answers EEXIST "append with another program of the same name: EEXIST" \
	append $V6 --dev bxd0 --bpf fd=seg6,name=a
accepted "append with the name b: a second route" \
	append $V6 --dev bxd0 --bpf fd=seg6,name=b
dumps "dump: both routes, a and b" $V6 "name=a attrs=1,8 \| action 15 prog=[0-9]+ name=b "
holds 2 "two routes, two seg6local_bpf references"
loaded 2 "two programs held"
answers EEXIST "append b again: EEXIST" \
	append $V6 --dev bxd0 --bpf fd=seg6,name=b
# cmp_nla_counters: with counters on one side only, the encaps differ.
accepted "append a with counters: a third route" \
	append $V6 --dev bxd0 --bpf fd=seg6,name=a --counters pbe
count 3 "three routes listed"
holds 3 "three routes, three references"
accepted "delete one" del $V6 --dev bxd0
accepted "delete another" del $V6 --dev bxd0
accepted "delete the third" del $V6 --dev bxd0
answers ESRCH "a fourth delete: ESRCH" del $V6 --dev bxd0
gone "both gone"

# --- Edges 6.1 accepts (each deleted again).
edge() {
	local desc=$1 re=$2
	shift 2
	answer ok add $V6 --dev bxd0 "$@"
	if [ -z "$why" ] && [ -n "$re" ]; then
		d=$(rtnl dump $V6)
		grep -Eq -- "$re" <<<"$d" || why="dump '$d', expected /$re/"
	fi
	rtnl del $V6 --dev bxd0 >/dev/null
	result "$desc" "$why"
}
edge "name of 256 characters accepted, dumped whole" "name=$name256 " \
	--bpf fd=seg6,name=$name256
edge "name NUL-padded to 257 bytes accepted" "name=x " \
	--bpf fd=seg6,name=x,namelen=257
edge "empty name (just the NUL) accepted" "name= " --bpf fd=seg6,name=
edge "8-byte SEG6_LOCAL_BPF_PROG accepted (first 4 bytes read)" "prog=[0-9]+ name=x " \
	--bpf fd=seg6,fdlen=8,name=x
edge "unknown attribute type 3 in the nest ignored" "name=x attrs=1,8\$" \
	--bpf fd=seg6,name=x,attr=3:01020304
edge "SEG6_LOCAL_TABLE on End.BPF ignored (not dumped)" "name=x attrs=1,8\$" \
	--bpf fd=seg6,name=x --encap-attr 3:fe000000
edge "two SEG6_LOCAL_BPF nests: the last one counts" "name=second attrs=1,8\$" \
	--bpf fd=closed,name=first --bpf fd=seg6,name=second
edge "counters: dumped, all zero" "name=x packets=0 bytes=0 errors=0 attrs=1,8,10\$" \
	--bpf fd=seg6,name=x --counters pbe
gone "edge routes deleted, no reference or program left"
# End (not End.BPF) ignores a SEG6_LOCAL_BPF nest: no program taken, no
# module reference.
answer ok add $V6 --dev bxd0 --action 1 --bpf fd=seg6,name=x
d=$(rtnl dump $V6)
[ -z "$why" ] && [ "$d" != "action 1 attrs=1" ] && why="dump '$d'"
refs_are "$base" || why+="${why:+; }$(refs), expected $base"
progs_are "$pbase" || why+="${why:+; }$(progs) programs loaded, expected $pbase"
result "End with a SEG6_LOCAL_BPF nest: nest ignored, no reference, no program" "$why"
rtnl del $V6 --dev bxd0 >/dev/null

# --- Nexthop objects: the other netlink path to build_state.
accepted "IPv6 nexthop object with End.BPF" \
	nh-add 1 --family 6 --dev bxd0 --bpf fd=seg6,name=bx_nh
shows "ip nexthop show prints End.BPF and the name" \
	"^id 1 +encap seg6local action End.BPF endpoint bx_nh dev bxd0" \
	ip -n "$N" nexthop show id 1
count 1 "one nexthop listed"
holds 1 "the nexthop holds one seg6local_bpf reference"
loaded 1 "the nexthop keeps its program"
accepted "delete the nexthop" nh-del 1
gone "nexthop, reference and program gone"

# --- SEG6_LOCAL_COUNTERS with End.BPF, packets through it: S pings
# fd78:c::1 (T's) through an SRH [fd78:c::1, fd78:14::11] (seg6 inline);
# End.BPF on N makes fd78:c::1 the destination, its program passes the
# packet and N forwards it to T (End.BPF never delivers locally: 6.1's
# seg6_lookup_nexthop() discards that), T answers through N. The same
# through fd78:14::12, whose program drops.
ip netns add "$S"
ip netns add "$T"
ip -n "$N" link add bxv0 type veth peer name bxv1 netns "$S"
ip -n "$N" link add bxv2 type veth peer name bxv3 netns "$T"
ip -n "$N" -6 addr add fd78:a::2/64 dev bxv0 nodad
ip -n "$S" -6 addr add fd78:a::1/64 dev bxv1 nodad
ip -n "$N" -6 addr add fd78:c::2/64 dev bxv2 nodad
ip -n "$T" -6 addr add fd78:c::1/64 dev bxv3 nodad
for l in "$N lo" "$N bxv0" "$N bxv2" "$S lo" "$S bxv1" "$T lo" "$T bxv3"; do
	ip -n ${l% *} link set ${l#* } up
done
ip -n "$S" -6 route add default via fd78:a::2 dev bxv1
ip -n "$T" -6 route add default via fd78:c::2 dev bxv3
ip netns exec "$N" sysctl -qw net.ipv6.conf.all.forwarding=1
# T accepts the SRH left on the packet (segments left 0).
ip netns exec "$T" sysctl -qw net.ipv6.conf.all.seg6_enabled=1 \
	net.ipv6.conf.bxv3.seg6_enabled=1
ip -n "$S" -6 route add fd78:c::1/128 encap seg6 mode inline segs fd78:14::11 dev bxv1
ip -n "$S" -6 route add fd78:c::3/128 encap seg6 mode inline segs fd78:14::12 dev bxv1
if ip -n "$N" -6 route add fd78:14::11/128 encap seg6local action End.BPF \
	endpoint obj "$OBJ" sec pass count dev bxd0 2>&1 &&
	ip -n "$N" -6 route add fd78:14::12/128 encap seg6local action End.BPF \
	endpoint obj "$OBJ" sec drop count dev bxd0 2>&1; then
	pass "ip -6 route add ... End.BPF ... count (pass and drop)"
else
	fail "ip -6 route add ... End.BPF ... count (pass and drop)"
fi
shows "ip -s -6 route show: counters start at zero" \
	"^fd78:14::11 +encap seg6local action End.BPF endpoint sl_nl\.bpf\.o:\[pass\] packets 0 bytes 0 errors 0 dev bxd0" \
	ip -n "$N" -s -6 route show fd78:14::11/128
# 144 bytes each: IPv6 header 40, SRH with two segments 40, echo 8 + 56.
np=12
out=$(ip netns exec "$S" ping -6 -c $np -i 0.05 -W 2 -q fd78:c::1 2>&1)
shows "$np pings through End.BPF (pass) answered" " $np received, 0% packet loss" echo "$out"
shows "ip -s -6 route show: packets $np bytes $((np * 144)) errors 0" \
	"endpoint sl_nl\.bpf\.o:\[pass\] packets $np bytes $((np * 144)) errors 0 dev bxd0" \
	ip -n "$N" -s -6 route show fd78:14::11/128
dumps "dump: the same counters" fd78:14::11/128 \
	"prog=[0-9]+ name=sl_nl\.bpf\.o:\[pass\] packets=$np bytes=$((np * 144)) errors=0 attrs=1,8,10\$"
out=$(ip netns exec "$S" ping -6 -c 5 -i 0.05 -W 1 -q fd78:c::3 2>&1)
shows "5 pings through End.BPF (drop) lost" " 0 received, 100% packet loss" echo "$out"
shows "ip -s -6 route show: packets 0 bytes 0 errors 5 on the drop route" \
	"endpoint sl_nl\.bpf\.o:\[drop\] packets 0 bytes 0 errors 5 dev bxd0" \
	ip -n "$N" -s -6 route show fd78:14::12/128
shows "the pass route's counters did not move" \
	"packets $np bytes $((np * 144)) errors 0 dev bxd0" \
	ip -n "$N" -s -6 route show fd78:14::11/128
# runs PREFIX SLOT: the run count SLOT of the map of PREFIX's program.
runs() {
	local d id m
	d=$(rtnl dump "$1")
	id=$(sed -n 's/.*prog=\([0-9]*\) .*/\1/p' <<<"$d")
	m=$(bpftool prog show id "${id:-none}" | sed -n 's/.*map_ids \([0-9]*\).*/\1/p')
	bpftool -j map lookup id "${m:-none}" key "$2" 0 0 0 2>&1
}
shows "the pass program ran $np times" "\"formatted\":\\{\"key\":0,\"value\":$np\\}" \
	runs fd78:14::11/128 0
shows "the drop program ran 5 times" "\"formatted\":\\{\"key\":2,\"value\":5\\}" \
	runs fd78:14::12/128 2
holds 2 "two counting routes, two references"
ip -n "$N" -6 route del fd78:14::11/128
ip -n "$N" -6 route del fd78:14::12/128
gone "counting routes deleted, no reference or program left"
ktap_end

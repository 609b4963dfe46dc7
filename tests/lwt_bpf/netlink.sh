#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The netlink side of encap bpf, driven by hand-built rtnetlink messages
# (rtnl.py) rather than iproute2, which only sends well-formed ones: every
# malformed RTA_ENCAP must be refused with Linux 6.1's errno (and extack
# message, where 6.1 gives one), must leave no route and no reference
# behind, and valid requests must add, replace, dump and delete routes and
# nexthops as 6.1 does. The expected answers are those of the stock kernel,
# where the in-tree net/core/lwt_bpf.c runs.
#
#   netns N     dummy bxd0 (up, no addresses)
#               routes to 10.78.1.1/32 and fd78:1::1/128 dev bxd0
#               nexthop objects 1 (IPv4) and 2 (IPv6) dev bxd0
. "$(dirname "$0")/../lib.sh"
ktap_begin
require_cmd ip python3 setpriv
require_module lwt_bpf
N=$(ns n)
RTNL=$(cd "$(dirname "$0")" && pwd)/rtnl.py
V4=10.78.1.1/32
V6=fd78:1::1/128

ip netns add "$N"
ip -n "$N" link add bxd0 type dummy
ip -n "$N" link set bxd0 up

# One rtnl.py answers every request (python takes seconds to start in a
# TCG guest): arguments go in as one line, separated by \x1f, the answer
# comes back as one line.
coproc RTNL_SRV { exec python3 "$RTNL" --netns "$N" --server; }
rtnl() {
	local IFS=$'\x1f' line=
	echo "$*" >&"${RTNL_SRV[1]}" && read -r line <&"${RTNL_SRV[0]}"
	echo "${line:-helper: no answer (rtnl.py --server died?)}"
}

# What this test created and has not removed: routes in its prefixes and
# nexthop objects, one per line (one ip process: each costs in the guest).
leftovers() {
	printf 'route show table all\nnexthop show\n' |
		ip -n "$N" -batch - 2>/dev/null | grep -E '^(10\.78\.|fd78:|id )'
}

# Routes pin lwt_bpf (lwtunnel's .owner); the last reference of a replaced
# or deleted route goes after an RCU grace period, so wait a little for the
# count to settle. The stock kernel has no module: always true there.
refs_are() {
	local i
	on_stock && return 0
	for ((i = 0; i < 50; i++)); do
		[ "$(refcnt)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
refcnt() {
	local n
	read -r n < /sys/module/lwt_bpf/refcnt && echo "$n"
}
on_stock || base=$(refcnt)
refs() { echo "lwt_bpf refcnt $(refcnt)"; }

# answer WANT ARGS...: empty if rtnl.py ARGS answers WANT (ok or an errno
# name) and, when $extack is set, the kernel's extack message is $extack;
# otherwise why not.
answer() {
	local want=$1 out msg=
	shift
	out=$(rtnl "$@" 2>&1)
	[[ $out == *" extack: "* ]] && msg=${out#* extack: }
	if [ "${out%% *}" != "$want" ]; then
		echo "answered '$out', expected $want"
	elif [ -n "${extack+set}" ] && [ "$msg" != "$extack" ]; then
		echo "extack '$msg', expected '$extack'"
	fi
}

# answers WANT DESC ARGS...: the request must answer WANT (ok or an
# errno name); accepted DESC ARGS... is answers ok.
answers() {
	local want=$1 desc=$2 why
	shift 2
	why=$(answer "$want" "$@")
	if [ -z "$why" ]; then pass "$desc"; else fail "$desc" "$why"; fi
}
accepted() { answers ok "$@"; }

# refused ERRNO DESC ARGS...: the request must fail with ERRNO and leave
# no route, no nexthop and (hooks) no module reference behind.
refused() {
	local want=$1 desc=$2 why left
	shift 2
	why=$(answer "$want" "$@")
	left=$(leftovers)
	[ -z "$left" ] || why+="${why:+; }left behind: $left"
	refs_are "$base" || why+="${why:+; }$(refs), expected $base"
	if [ -z "$why" ]; then pass "$desc"; else fail "$desc" "$why"; fi
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

# holds N DESC: the routes and nexthops left hold N references on lwt_bpf
# (hooks; on stock there is no module to count; taking over, states pin
# nothing, and the count must stay where it was).
holds() {
	if on_stock; then
		skip "$2" "in-tree on stock"
	elif on_takeover; then
		if refs_are "$base"; then
			pass "$2 (takeover: no reference, refcnt stays $base)"
		else
			fail "$2 (takeover: no reference)" "$(refs), expected $base"
		fi
	elif refs_are $((base + $1)); then
		pass "$2"
	else
		fail "$2" "$(refs), expected $((base + $1))"
	fi
}

# count N DESC: N routes and nexthops are left.
count() {
	local left
	left=$(leftovers)
	if [ "$(grep -c . <<<"$left")" = "$1" ]; then
		pass "$2"
	else
		fail "$2" "left: $left"
	fi
}

# The state built for a valid add must go away with its route.
gone() {
	local desc=$1 left
	left=$(leftovers)
	if [ -n "$left" ]; then
		fail "$desc" "left behind: $left"
	elif ! refs_are "$base"; then
		fail "$desc" "$(refs), expected $base"
	else
		pass "$desc"
	fi
}

# Names at the policy's limit: LWT_BPF_PROG_NAME is NLA_NUL_STRING with
# .len 256, so 256 characters and the NUL fit, 257 do not.
printf -v name256 '%*s' 256 ''
name256=${name256// /n}
name257=${name256}n

# --- Refused requests, on both families (IPv4 reaches build_state through
# fib_create_info, IPv6 through fib6_nh_init).
for P in $V4 $V6; do
	case $P in *:*) f=IPv6 ;; *) f=IPv4 ;; esac
	refused EINVAL "$f: encap with only XMIT_HEADROOM, no in/out/xmit: EINVAL" \
		add $P --dev bxd0 --headroom 0
	refused EINVAL "$f: empty RTA_ENCAP: EINVAL" \
		add $P --dev bxd0 --empty-encap
	refused ERANGE "$f: headroom 257: ERANGE" \
		add $P --dev bxd0 --xmit fd=xmit,name=x --headroom 257
	refused ERANGE "$f: headroom 0xffffffff: ERANGE" \
		add $P --dev bxd0 --xmit fd=xmit,name=x --headroom 0xffffffff
	refused EINVAL "$f: prog nest without fd: EINVAL" \
		add $P --dev bxd0 --xmit name=x
	refused EINVAL "$f: prog nest without name: EINVAL" \
		add $P --dev bxd0 --xmit fd=xmit
	refused EINVAL "$f: empty prog nest: EINVAL" \
		add $P --dev bxd0 --xmit ''
	refused EINVAL "$f: fd of a map: EINVAL" \
		add $P --dev bxd0 --xmit fd=map,name=x
	refused EINVAL "$f: fd of a non-BPF file (/dev/null): EINVAL" \
		add $P --dev bxd0 --xmit fd=file,name=x
	refused EINVAL "$f: LWT_OUT program in the in slot: EINVAL" \
		add $P --dev bxd0 --in fd=out,name=x
	refused EINVAL "$f: LWT_XMIT program in the out slot: EINVAL" \
		add $P --dev bxd0 --out fd=xmit,name=x
	refused EINVAL "$f: LWT_IN program in the xmit slot: EINVAL" \
		add $P --dev bxd0 --xmit fd=in,name=x
	refused EBADF "$f: closed fd: EBADF" \
		add $P --dev bxd0 --xmit fd=closed,name=x
	refused EBADF "$f: fd 0xffffffff: EBADF" \
		add $P --dev bxd0 --xmit fd=0xffffffff,name=x
	# The in program is built first and must be released again.
	refused EBADF "$f: valid in, closed fd in out: EBADF" \
		add $P --dev bxd0 --in fd=in,name=i --out fd=closed,name=o
	refused ERANGE "$f: valid in/out/xmit, headroom 300: ERANGE" \
		add $P --dev bxd0 --in fd=in,name=i --out fd=out,name=o \
		--xmit fd=xmit,name=x --headroom 300
	# Truncated attributes: NLA_U32 shorter than 4 bytes fails the policy,
	# in the outer nest (extack passed down) and in a prog nest (none).
	extack="Attribute failed policy validation" \
	refused ERANGE "$f: 2-byte headroom: ERANGE, policy extack" \
		add $P --dev bxd0 --xmit fd=xmit,name=x --headroom-raw 0100
	refused ERANGE "$f: 2-byte fd: ERANGE" \
		add $P --dev bxd0 --xmit fd=xmit,fdlen=2,name=x
	extack="Attribute failed policy validation" \
	refused ERANGE "$f: prog nest shorter than an attribute header: ERANGE" \
		add $P --dev bxd0 --xmit raw=0102
	# Longer u32s pass the liberal policy; the first 4 bytes are read.
	refused ERANGE "$f: 8-byte headroom reads its first 4 bytes (257): ERANGE" \
		add $P --dev bxd0 --xmit fd=xmit,name=x --headroom-raw 0101000000000000
	# Names: the NUL must be within .len + 1 bytes (else EINVAL), and the
	# string before a final NUL at most .len bytes (else ERANGE).
	refused EINVAL "$f: name of 257 characters: EINVAL" \
		add $P --dev bxd0 --xmit fd=xmit,name=$name257
	refused ERANGE "$f: name attribute of 300 bytes, NUL-padded: ERANGE" \
		add $P --dev bxd0 --xmit fd=xmit,name=x,namelen=300
	refused EINVAL "$f: name without NUL terminator: EINVAL" \
		add $P --dev bxd0 --xmit fd=xmit,nonul=pass
	refused EINVAL "$f: zero-length name attribute: EINVAL" \
		add $P --dev bxd0 --xmit fd=xmit,nonul=
done

# A family other than IPv4/IPv6 makes build_state return EAFNOSUPPORT, but
# no netlink request can get there in 6.1: lwtunnel_build_state() is called
# only from fib_nh_common_init() (the nexthop's own family: AF_INET from
# fib_nh_init(), AF_INET6 from fib6_nh_init(); IPv4 routes, IPv6 routes and
# nexthop objects alike) and from fib_encap_match() (AF_INET). MPLS routes
# (net/mpls/af_mpls.c) take no RTA_ENCAP at all.
skip "encap on a family other than IPv4/IPv6: EAFNOSUPPORT" \
	"unreachable from userspace in 6.1 (only AF_INET/AF_INET6 nexthops build LWT state)"

# Unprivileged: rtnetlink wants CAP_NET_ADMIN before anything is parsed,
# so even a bogus fd (EBADF for root) is EPERM.
why=$(ip netns exec "$N" setpriv --reuid=65534 --regid=65534 \
	--clear-groups --inh-caps=-all python3 "$RTNL" add $V4 --dev bxd0 \
	--xmit fd=12345,name=x 2>&1)
if [ "${why%% *}" = EPERM ] && [ -z "$(leftovers)" ]; then
	pass "uid 65534 without capabilities (setpriv): EPERM"
else
	fail "uid 65534 without capabilities (setpriv): EPERM" "answered '$why'; $(leftovers)"
fi
# The same with real programs: loaded as root, sent after dropping to 65534.
why=$(python3 "$RTNL" --netns "$N" --drop-privs add $V4 --dev bxd0 \
	--xmit fd=xmit,name=x 2>&1)
if [ "${why%% *}" = EPERM ] && [ -z "$(leftovers)" ]; then
	pass "valid programs loaded as root, request sent as uid 65534: EPERM"
else
	fail "valid programs loaded as root, request sent as uid 65534: EPERM" \
		"answered '$why'; $(leftovers)"
fi

# --- Valid requests, IPv4.
accepted "IPv4: add with xmit" add $V4 --dev bxd0 --xmit fd=xmit,name=bx_x1
shows "IPv4: ip route show prints the xmit name" \
	"encap bpf xmit bx_x1 dev bxd0" ip -n "$N" route show $V4
holds 1 "IPv4: the route holds one lwt_bpf reference"
answers EEXIST "IPv4: add of an existing route: EEXIST" \
	add $V4 --dev bxd0 --xmit fd=xmit,name=bx_x9
accepted "IPv4: replace with in, out and xmit" replace $V4 --dev bxd0 \
	--in fd=in,name=bx_i --out fd=out,name=bx_o --xmit fd=xmit,name=bx_x2
shows "IPv4: ip route show prints in, out and xmit" \
	"encap bpf in bx_i out bx_o xmit bx_x2 dev bxd0" ip -n "$N" route show $V4
count 1 "IPv4: replace leaves one route"
holds 1 "IPv4: the replaced state's reference is dropped"
# A delete rebuilds the state from fresh fds and compares program names.
answers ESRCH "IPv4: delete naming only the xmit program: ESRCH" \
	del $V4 --dev bxd0 --xmit fd=xmit,name=bx_x2
answers ESRCH "IPv4: delete with a different xmit name: ESRCH" \
	del $V4 --dev bxd0 --in fd=in,name=bx_i --out fd=out,name=bx_o \
	--xmit fd=xmit,name=other
count 1 "IPv4: the route stays after both"
accepted "IPv4: delete with matching names" del $V4 --dev bxd0 \
	--in fd=in,name=bx_i --out fd=out,name=bx_o --xmit fd=xmit,name=bx_x2
gone "IPv4: the route and its reference are gone"
# fib_encap_match() treats an encap that fails to build as a match.
accepted "IPv4: add again" add $V4 --dev bxd0 --xmit fd=xmit,name=bx_x1
accepted "IPv4: delete whose encap fails to build (closed fd) matches" \
	del $V4 --dev bxd0 --xmit fd=closed,name=other
gone "IPv4: deleted"
accepted "IPv4: add with in only" add $V4 --dev bxd0 --in fd=in,name=bx_i
shows "IPv4: ip route show prints the in name" \
	"encap bpf in bx_i dev bxd0" ip -n "$N" route show $V4
accepted "IPv4: delete without encap" del $V4 --dev bxd0
gone "IPv4: deleted"

# --- Valid requests, IPv6. ip6_route_del() does not look at the encap.
accepted "IPv6: add with xmit" add $V6 --dev bxd0 --xmit fd=xmit,name=bx_x1
shows "IPv6: ip -6 route show prints the xmit name" \
	"encap bpf xmit bx_x1 dev bxd0" ip -n "$N" -6 route show $V6
holds 1 "IPv6: the route holds one lwt_bpf reference"
accepted "IPv6: replace with in, out and xmit" replace $V6 --dev bxd0 \
	--in fd=in,name=bx_i --out fd=out,name=bx_o --xmit fd=xmit,name=bx_x2
shows "IPv6: ip -6 route show prints in, out and xmit" \
	"encap bpf in bx_i out bx_o xmit bx_x2 dev bxd0" ip -n "$N" -6 route show $V6
count 1 "IPv6: replace leaves one route"
holds 1 "IPv6: the replaced state's reference is dropped"
accepted "IPv6: delete with other names still deletes" \
	del $V6 --dev bxd0 --xmit fd=xmit,name=other
gone "IPv6: the route and its reference are gone"

# --- Edges 6.1 accepts (IPv4; each route deleted again).
edge() {
	local desc=$1
	shift
	accepted "$desc" add $V4 --dev bxd0 "$@"
	rtnl del $V4 --dev bxd0 >/dev/null
}
edge "headroom 0 accepted" --xmit fd=xmit,name=x --headroom 0
edge "headroom 256 accepted" --xmit fd=xmit,name=x --headroom 256
edge "8-byte headroom with value 1 accepted (first 4 bytes read)" \
	--xmit fd=xmit,name=x --headroom-raw 0100000000000000
edge "8-byte fd attribute accepted (first 4 bytes read)" --xmit fd=xmit,fdlen=8,name=x
edge "empty name (just the NUL) accepted" --xmit fd=xmit,name=
edge "name NUL-padded to 257 bytes accepted" --xmit fd=xmit,name=x,namelen=257
edge "unknown attribute type 5 in RTA_ENCAP ignored" \
	--xmit fd=xmit,name=x --encap-attr 5:01020304
edge "unknown attribute type 3 in a prog nest ignored" \
	--xmit fd=xmit,name=x,attr=3:01020304
accepted "name of 256 characters accepted" add $V4 --dev bxd0 --xmit fd=xmit,name=$name256
shows "ip route show prints the 256-character name back" \
	"encap bpf xmit $name256 dev bxd0" ip -n "$N" route show $V4
rtnl del $V4 --dev bxd0 >/dev/null
# A repeated attribute: the last one counts; the first is never looked up.
accepted "two xmit nests: the last one counts" add $V4 --dev bxd0 \
	--xmit fd=closed,name=first --xmit fd=xmit,name=second
shows "ip route show prints the second xmit name" \
	"encap bpf xmit second dev bxd0" ip -n "$N" route show $V4
rtnl del $V4 --dev bxd0 >/dev/null
gone "edge routes deleted, no reference left"

# --- Nexthop objects: the other netlink path to build_state.
accepted "IPv4 nexthop with xmit" nh-add 1 --family 4 --dev bxd0 --xmit fd=xmit,name=bx_nh4
accepted "IPv6 nexthop with out" nh-add 2 --family 6 --dev bxd0 --out fd=out,name=bx_nh6
shows "ip nexthop show prints the IPv4 nexthop's encap" \
	"id 1 +encap bpf xmit bx_nh4 dev bxd0" ip -n "$N" nexthop show id 1
shows "ip nexthop show prints the IPv6 nexthop's encap" \
	"id 2 +encap bpf out bx_nh6 dev bxd0" ip -n "$N" nexthop show id 2
holds 2 "two nexthops hold two lwt_bpf references"
why=$(answer EBADF nh-add 3 --family 4 --dev bxd0 --xmit fd=closed,name=x)$(
	answer EINVAL nh-add 3 --family 6 --dev bxd0 --headroom 0)$(
	answer EINVAL nh-add 3 --family 4 --dev bxd0 --xmit fd=map,name=x)
if [ -z "$why" ] && ! ip -n "$N" nexthop show id 3 >/dev/null 2>&1; then
	pass "nexthop with a closed fd, only headroom, a map fd: EBADF, EINVAL, EINVAL"
else
	fail "nexthop with a closed fd, only headroom, a map fd: EBADF, EINVAL, EINVAL" "$why"
fi
accepted "delete IPv4 nexthop" nh-del 1
accepted "delete IPv6 nexthop" nh-del 2
gone "nexthops and their references are gone"

# Every program this test loaded is named bx_rtnl: none may outlive it
# (a reference kept by a failed build would). Freeing is deferred.
if command -v bpftool >/dev/null; then
	for i in $(seq 50); do
		bpftool prog show 2>/dev/null | grep -q 'name bx_rtnl' || break
		sleep 0.1
	done
	left=$(bpftool prog show 2>/dev/null | grep 'name bx_rtnl')
	[ -z "$left" ] && pass "no program loaded by the test is left" ||
		fail "no program loaded by the test is left" "$left"
else
	skip "no program loaded by the test is left" "needs bpftool"
fi
ktap_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SK_LOOKUP end to end, with the issue's two uses: every address of
# 192.0.2.0/24 (and 2001:db8:80::/64) on port 80 to one socket, and
# 198.51.100.1 on any port to one proxy socket, for TCP and UDP. Real
# connections and datagrams in netns A, where those prefixes are local;
# netns B has the same routes and no program.
#
# tests/sk_lookup/skl.py holds the links and sockets; bpftool loads the
# programs (tests/sk_lookup/progs/skl_steer.bpf.c) and reads their run
# counters.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/skl.sh"
ktap_begin
require_cmd ip bpftool python3
require_obj sk_lookup/skl_steer

A=$(ns a)
B=$(ns b)
PIN=/sys/fs/bpf/skl_$$

cleanup() {
	[ -n "${skl_pid:-}" ] && kill "$skl_pid" 2>/dev/null
	rm -rf "$PIN" "${PIN}_maps"
	cleanup_netns
}
trap cleanup EXIT

for n in "$A" "$B"; do
	ip netns add "$n" &&
		ip -n "$n" link set lo up &&
		ip -n "$n" route add local 192.0.2.0/24 dev lo &&
		ip -n "$n" route add local 198.51.100.1/32 dev lo &&
		ip -n "$n" route add local 192.0.3.0/24 dev lo &&
		ip -n "$n" -6 route add local 2001:db8:80::/64 dev lo ||
		{ fail "netns $n with the test prefixes local"; ktap_end; }
done

# Loading the programs is what first needs the module: the verifier asks
# it about their context accesses. On Debian's kernel nothing loads it (the
# built-in serves until then): modprobe is the takeover.
if on_takeover; then
	require_module sk_lookup
elif ! on_stock; then
	modprobe -r sk_lookup 2>/dev/null
fi
if ! bpftool prog loadall "$(obj sk_lookup/skl_steer)" "$PIN" pinmaps "${PIN}_maps"; then
	fail "bpftool loads the SK_LOOKUP programs"
	ktap_end
fi
pass "bpftool loads the SK_LOOKUP programs"
if ! on_stock && ! on_takeover; then
	check "loading them loaded sk_lookup.ko" test -d /sys/module/sk_lookup
fi

# The controller holds the links and sockets (tests/sk_lookup/skl.sh).
skl_start
runs() {
	bpftool -j map lookup pinned "${PIN}_maps/skl_runs" key "$1" 0 0 0 |
		python3 -c 'import json,sys; v=json.load(sys.stdin)["value"]; print(int.from_bytes(bytes(int(b,0) for b in v),"little") if isinstance(v,list) else v)'
}

for p in web web_b proxy pass drop; do
	setup prog "$p" "$PIN/$p"
done
setup map socks "${PIN}_maps/skl_socks"
setup netns a "/run/netns/$A"
setup netns b "/run/netns/$B"
setup netns root /proc/self/ns/net
setup enter a
setup_done "the controller opened programs, map and netns"

# The sockets, in A. "web" is an IPv6 socket that takes IPv4 too.
setup listen web tcp :: 8080
setup listen web_udp udp :: 8080
setup listen web_b tcp :: 8081
setup listen proxy tcp 0.0.0.0 3128
setup listen proxy_udp udp 0.0.0.0 3128
setup listen plain tcp 0.0.0.0 9
for kv in 0:web 1:web_udp 2:web_b 3:proxy 4:proxy_udp; do
	setup put socks "${kv%%:*}" "${kv#*:}"
done
setup_done "listeners in netns A, five of them in the SOCKMAP"

WEB_ADDRS="192.0.2.1 192.0.2.7 192.0.2.99 192.0.2.200 192.0.2.254"
expect "without a program, port 80 of the /24 is refused" \
	"ok ECONNREFUSED=5" sweep tcp $WEB_ADDRS -- 80

expect "link web on netns A" ok attach lweb web a
expect "BPF_PROG_QUERY lists one program" "ok 1 $(bpftool -j prog show pinned "$PIN/web" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" query a
expect "TCP to 5 addresses of 192.0.2.0/24, port 80: all to web" \
	"ok web=5" sweep tcp $WEB_ADDRS -- 80
expect "the same addresses on other ports: not steered, refused" \
	"ok ECONNREFUSED=10" sweep tcp $WEB_ADDRS -- 81 443
expect "UDP to 192.0.2.0/24 port 80: all to web_udp" \
	"ok web_udp=3" sweep udp 192.0.2.3 192.0.2.30 192.0.2.130 -- 80
expect "TCP to 2001:db8:80::/64 port 80: to web (IPv6)" \
	"ok web=3" sweep tcp 2001:db8:80::1 2001:db8:80::beef 2001:db8:80::ffff:1 -- 80
expect "an address outside the /24 on port 80: refused" \
	"ok ECONNREFUSED=1" sweep tcp 192.0.3.1 -- 80
expect "a plain listener is still found without steering" "ok plain" ask tcp 192.0.2.9 9

expect "link proxy on netns A, after web" ok attach lproxy proxy a
expect "TCP to 198.51.100.1 on 6 ports: all to proxy" \
	"ok proxy=6" sweep tcp 198.51.100.1 -- 1 22 80 443 8080 65535
expect "UDP to 198.51.100.1 on 3 ports: all to proxy_udp" \
	"ok proxy_udp=3" sweep udp 198.51.100.1 -- 53 4789 65000
expect "with two programs, web still steers its prefix" \
	"ok web=2" sweep tcp 192.0.2.1 2001:db8:80::2 -- 80
expect "BPF_PROG_QUERY lists two programs" "ok 2" query-count a

# Verdicts of several programs: a selection beats a later drop; a drop
# with no selection refuses, even where a socket listens.
expect "link drop after web and proxy" ok attach ldrop drop a
expect "web's selection beats the later drop" "ok web=1" sweep tcp 192.0.2.77 -- 80
expect "proxy's selection beats it too" "ok proxy=1" sweep tcp 198.51.100.1 -- 7
expect "unselected, dropped: refused although 'plain' listens" \
	ECONNREFUSED ask tcp 192.0.2.9 9
expect "BPF_LINK_DETACH of the drop link" ok detach ldrop
expect "after the detach, 'plain' answers again" "ok plain" ask tcp 192.0.2.9 9
ctl close ldrop

# Isolation: B has the routes, no program: nothing is steered there, and
# no program of A runs for B's lookups.
web_runs=$(runs 0)
expect "into netns B" ok enter b
ctl listen b_plain tcp 0.0.0.0 80
expect "netns B: port 80 of the /24 reaches B's own listener" \
	"ok b_plain=2" sweep tcp 192.0.2.1 192.0.2.2 -- 80
expect "netns B: 198.51.100.1:443 is refused" ECONNREFUSED ask tcp 198.51.100.1 443
if [ "$(runs 0)" = "$web_runs" ]; then
	pass "A's programs did not run for B's lookups"
else
	fail "A's programs did not run for B's lookups" "web ran $web_runs, then $(runs 0) times"
fi
ctl close b_plain
ctl enter a

# A link update under traffic: web -> web_b while a client connects in a
# loop; every connection is answered, by one socket or the other.
expect "a client loop starts" ok storm tcp 192.0.2.50 80
sleep 2
expect "BPF_LINK_UPDATE web -> web_b under traffic" ok update lweb web_b web
sleep 2
ctl storm-wait
if [[ $reply =~ ^ok\ web=[0-9]+\ web_b=[0-9]+$ ]]; then
	pass "no connection failed during the update (${reply#ok })"
else
	fail "no connection failed during the update" "$reply"
fi
expect "after the update, port 80 goes to web_b" "ok web_b=2" sweep tcp 192.0.2.1 192.0.2.2 -- 80
expect "an update with the wrong old program is refused (EPERM)" EPERM update lweb web web
expect "an update to the same type with the right old one works" ok update lweb web web_b

# Errors as upstream gives them.
expect "link_create with flags: EINVAL" EINVAL attach lbad pass a 1
expect "an SK_LOOKUP program with another attach type: EINVAL" \
	EINVAL attach-type lbad pass a 0
ctl netns devnull /dev/null
expect "a target fd that is not a netns: EINVAL" EINVAL attach lbad pass devnull
ctl close devnull
# Unprivileged: loading an SK_LOOKUP program needs CAP_BPF, and the pins
# are root's. Linux 6.1 checks nothing more at BPF_LINK_CREATE: a process
# handed a program fd and a netns fd may attach, as upstream.
if setpriv --reuid=65534 --regid=65534 --clear-groups \
	bpftool prog load "$(obj sk_lookup/skl_steer)" /sys/fs/bpf/skl_$$.nobody 2>/dev/null; then
	fail "an unprivileged bpftool cannot load an SK_LOOKUP program"
else
	pass "an unprivileged bpftool cannot load an SK_LOOKUP program"
fi
expect "an unprivileged caller cannot open the pinned program (EACCES)" \
	EACCES unpriv-get "$PIN/pass"
expect "with the fds handed to it, an unprivileged caller attaches (as 6.1)" \
	ok unpriv-attach pass a

# The limit: 64 links per netns (web and proxy are two of them).
ok=0
for i in $(seq 3 64); do
	ctl attach "lmany$i" pass a
	[ "$reply" = ok ] && ok=$((ok + 1))
done
if [ "$ok" = 62 ]; then
	pass "64 links on one netns"
else
	fail "64 links on one netns" "$((ok + 2)) attached"
fi
expect "the 65th: E2BIG" E2BIG attach lmany65 pass a
expect "BPF_PROG_QUERY lists 64 programs" "ok 64" query-count a
expect "with 62 passing programs after them, web still steers" \
	"ok web=1" sweep tcp 192.0.2.8 -- 80
for i in $(seq 3 64); do
	ctl close "lmany$i"
done
expect "the 62 closed: two programs left" "ok 2" query-count a

on_stock && ktap_end

# Lifetime: links pin the module; a netns that goes away detaches them.
if rmmod sk_lookup 2>/dev/null; then
	fail "rmmod sk_lookup is refused while links exist"
else
	pass "rmmod sk_lookup is refused while links exist"
fi
ctl enter root
for s in web web_udp web_b proxy proxy_udp plain; do
	ctl close "$s"
done
ctl close a
ip netns del "$A"
sleep 1
expect "a link of the deleted netns: update gives ENOLINK" ENOLINK update lweb web
link_id=$(bpftool -j link show | python3 -c 'import json,sys
print(" ".join(str(l["id"]) for l in json.load(sys.stdin) if l.get("type") == "netns"))')
if [ -n "$link_id" ] && bpftool link show id ${link_id%% *} | grep -q 'netns_ino 0'; then
	pass "bpftool link show: the links outlive their netns, detached (netns_ino 0)"
else
	fail "bpftool link show: the links outlive their netns, detached (netns_ino 0)" \
		"$(bpftool link show)"
fi
if rmmod sk_lookup 2>/dev/null; then
	fail "rmmod is still refused while a process holds the detached links"
else
	pass "rmmod is still refused while a process holds the detached links"
fi
ctl close lweb
ctl close lproxy
skl_stop
rm -rf "$PIN" "${PIN}_maps"
ok=0
for i in $(seq 20); do
	rmmod sk_lookup 2>/dev/null && { ok=1; break; }
	sleep 0.5
done
if [ "$ok" = 1 ]; then
	pass "rmmod sk_lookup after the last link is closed"
else
	fail "rmmod sk_lookup after the last link is closed" "$(lsmod | grep sk_lookup)"
fi
ktap_end

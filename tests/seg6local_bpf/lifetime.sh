#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lifetime of seg6local_bpf.ko and of End.BPF states. On the hooks
# kernel the first End.BPF route loads the module (bpfext-site-seg6local,
# requested by built-in seg6local's build_state) and every End.BPF state
# pins it: rmmod is refused while any exists, in any netns, as a route, a
# multipath leg, a nexthop object or an "encap bpf in" route (whose program
# may push an SRv6 encap); the module's refcount is the number
# of states; deleting them (or their netns) lets rmmod succeed; End and
# End.X stay built in; a later End.BPF route loads the module again; where
# it cannot be loaded, End.BPF is refused and nothing is left. On every
# kernel: 200 adds and deletes leave no program and (hooks) no reference,
# and packets through End.BPF while its route is deleted, replaced and
# added again (and, hooks, the module unloaded between) do no harm.
# Module cases are skipped on stock (End.BPF built in) and on takeover
# kernels (whose rules differ; not covered yet).
#
#   netns N     dummy bxd0 (up) fd78:d::1/64: routes to fd78:14::1-5/128;
#               veth bxv0 fd78:a::2/64 to S, bxv2 fd78:c::2/64 to T,
#               forwarding; fd78:14::11/128 End.BPF (pass), the SID the
#               stream goes through
#   netns N2    dummy bxd0: one End.BPF route
#   netns S     veth bxv1 fd78:a::1/64; fd78:c::1 encap seg6 inline segs
#               fd78:14::11
#   netns T     veth bxv3 fd78:c::1/64, seg6_enabled
. "$(dirname "$0")/../lib.sh"
ktap_begin
require_cmd ip bpftool ping python3
require_obj seg6local_bpf/sl_nl seg6local_bpf/sl_dp_lwt
N=$(ns n)
N2=$(ns n2)
S=$(ns s)
T=$(ns t)
OBJ=$(obj seg6local_bpf/sl_nl)
LWT=$(obj seg6local_bpf/sl_dp_lwt)
RTNL=$(cd "$(dirname "$0")" && pwd)/rtnl_seg6.py
MOD=seg6local_bpf
modprobe_path=$(cat /proc/sys/kernel/modprobe)
trap 'echo "$modprobe_path" > /proc/sys/kernel/modprobe; cleanup_netns' EXIT

# modular: the module serves End.BPF alone and states pin it.
modular() { ! on_stock && ! on_takeover; }
why_not="End.BPF is built in on stock"
on_takeover && why_not="module lifetime under takeover not covered yet"

loaded() { grep -q "^$MOD " /proc/modules; }
refcnt() {
	local n
	read -r n < /sys/module/$MOD/refcnt 2>/dev/null && echo "$n"
}
# refs_are N [TENTHS]: the refcount reaches N (states go after an RCU
# grace period; a netns's after its cleanup work, so wait up to 30 s).
refs_are() {
	local i
	for ((i = 0; i < ${2:-300}; i++)); do
		[ "$(refcnt)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
refs() { loaded && echo "$MOD refcnt $(refcnt)" || echo "$MOD not loaded"; }
progs() { bpftool prog show 2>/dev/null | grep -c '^[0-9]\+:'; }
progs_are() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(progs)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
result() {
	if [ -z "$2" ]; then pass "$1"; else fail "$1" "$2"; fi
}
# holds N DESC: the module is loaded and its refcount reaches N.
holds() {
	if loaded && refs_are "$1"; then
		pass "$2"
	else
		fail "$2" "$(refs), expected $1"
	fi
}
# busy DESC: rmmod is refused, the module stays.
busy() {
	local out
	if out=$(rmmod $MOD 2>&1); then
		fail "$1" "rmmod succeeded"
	elif [[ $out != *"in use"* ]] || ! loaded; then
		fail "$1" "$out; $(refs)"
	else
		pass "$1"
	fi
}
# unloads DESC: once the refcount is 0, rmmod succeeds.
unloads() {
	local out
	refs_are 0 || { fail "$1" "$(refs), expected 0"; return; }
	if out=$(rmmod $MOD 2>&1) && ! loaded; then
		pass "$1"
	else
		fail "$1" "$out; $(refs)"
	fi
}
# endbpf NS PREFIX SEC [ARGS...]: an End.BPF route through iproute2.
endbpf() {
	local n=$1 p=$2 sec=$3
	shift 3
	ip -n "$n" -6 route add "$p" encap seg6local action End.BPF \
		endpoint obj "$OBJ" sec "$sec" "$@" dev bxd0
}

ip netns add "$N"
ip -n "$N" link add bxd0 type dummy
ip -n "$N" link set bxd0 up
ip -n "$N" -6 addr add fd78:d::1/64 dev bxd0 nodad
pbase=$(progs)
kbefore=$(dmesg | wc -l)

if modular; then
	# --- Autoload and pinning.
	if loaded && ! out=$(rmmod $MOD 2>&1); then
		fail "$MOD unloaded before the test" "$out; $(refs)"
		ktap_end
	fi
	check "End.BPF route added with $MOD unloaded" endbpf "$N" fd78:14::1/128 pass
	if loaded; then
		pass "the first End.BPF route loaded $MOD"
	else
		fail "the first End.BPF route loaded $MOD"
	fi
	holds 1 "one End.BPF route, refcnt 1"
	busy "rmmod refused while an End.BPF route exists (in use)"
	endbpf "$N" fd78:14::2/128 pass
	endbpf "$N" fd78:14::3/128 drop count
	holds 3 "three End.BPF routes, refcnt 3"
	ip -n "$N" -6 route replace fd78:14::2/128 encap seg6local \
		action End.BPF endpoint obj "$OBJ" sec pass2 dev bxd0
	holds 3 "a replaced route, refcnt still 3"
	ip -n "$N" -6 route add fd78:14::4/128 encap seg6local action End dev bxd0
	holds 3 "an End route takes no reference"
	ip -n "$N" -6 route del fd78:14::4/128
	# A route in a second netns pins the module too.
	ip netns add "$N2"
	ip -n "$N2" link add bxd0 type dummy
	ip -n "$N2" link set bxd0 up
	endbpf "$N2" fd78:14::1/128 pass
	holds 4 "an End.BPF route in a second netns, refcnt 4"
	for p in 1 2 3; do ip -n "$N" -6 route del fd78:14::$p/128; done
	holds 1 "routes of the first netns deleted, refcnt 1"
	busy "rmmod refused while only the second netns's route exists"
	ip netns del "$N2"
	unloads "the second netns deleted: refcnt 0, rmmod succeeds"

	# --- Built-in behaviours without the module.
	why=
	ip -n "$N" -6 route add fd78:14::4/128 encap seg6local action End \
		dev bxd0 2>&1 || why="End refused"
	ip -n "$N" -6 route add fd78:14::5/128 encap seg6local action End.X \
		nh6 fd78:d::2 dev bxd0 2>&1 || why+="${why:+; }End.X refused"
	out=$(ip -n "$N" -6 route show)
	grep -q '^fd78:14::4 .*action End dev bxd0' <<<"$out" &&
		grep -q '^fd78:14::5 .*action End.X nh6 fd78:d::2 dev bxd0' <<<"$out" ||
		why+="${why:+; }listed: $out"
	! loaded || why+="${why:+; }$MOD was loaded"
	result "without $MOD, End and End.X routes add (built in), nothing loaded" "$why"
	ip -n "$N" -6 route del fd78:14::4/128
	ip -n "$N" -6 route del fd78:14::5/128
	check "after rmmod, an End.BPF route add" endbpf "$N" fd78:14::1/128 pass
	if loaded; then
		pass "it loaded $MOD again"
	else
		fail "it loaded $MOD again"
	fi
	holds 1 "refcnt 1"
	ip -n "$N" -6 route del fd78:14::1/128

	# --- A nexthop object alone, and multipath legs.
	if ip -n "$N" -6 nexthop add id 1 encap seg6local action End.BPF \
		endpoint obj "$OBJ" sec pass dev bxd0 2>&1; then
		pass "IPv6 nexthop object with End.BPF"
		holds 1 "the nexthop object alone holds refcnt 1"
		busy "rmmod refused while only a nexthop object holds End.BPF"
		ip -n "$N" -6 route add fd78:14::1/128 nhid 1
		holds 1 "a route using the nexthop takes no reference of its own"
		ip -n "$N" -6 route del fd78:14::1/128
		ip -n "$N" nexthop del id 1
		unloads "nexthop deleted: refcnt 0, rmmod succeeds"
	else
		skip "IPv6 nexthop object with End.BPF" "iproute2 has no seg6local in nexthop objects"
	fi
	if ip -n "$N" -6 route add fd78:14::1/128 \
		nexthop via fd78:d::2 dev bxd0 encap seg6local action End.BPF \
		endpoint obj "$OBJ" sec pass \
		nexthop via fd78:d::3 dev bxd0 encap seg6local action End.BPF \
		endpoint obj "$OBJ" sec pass2 2>&1; then
		pass "multipath route with two End.BPF legs"
		holds 2 "two legs hold refcnt 2"
		busy "rmmod refused while the multipath route exists"
		ip -n "$N" -6 route del fd78:14::1/128
		unloads "multipath route deleted: refcnt 0, rmmod succeeds"
	else
		fail "multipath route with two End.BPF legs"
	fi

	# --- An "encap bpf in" program may push an SRv6 encap, which this
	# module serves: such a route pins it too; out and xmit routes do not.
	lwt_in() {
		ip -n "$N" -6 route add "$1" encap bpf in obj "$LWT" \
			sec push_encap dev bxd0
	}
	check "with $MOD unloaded, an encap bpf in route (push_encap) added" \
		lwt_in fd78:15::1/128
	holds 1 "it loaded $MOD, refcnt 1"
	busy "rmmod refused while only an encap bpf in route exists"
	check "an encap bpf out + xmit route added" \
		ip -n "$N" -6 route add fd78:15::2/128 encap bpf out obj "$OBJ" \
		sec pass xmit obj "$OBJ" sec pass2 dev bxd0
	check "the in route replaced" \
		ip -n "$N" -6 route replace fd78:15::1/128 encap bpf in \
		obj "$LWT" sec push_inline dev bxd0
	holds 1 "replaced in route, and a route without in: refcnt still 1"
	ip -n "$N" -6 route del fd78:15::1/128
	ip -n "$N" -6 route del fd78:15::2/128
	unloads "encap bpf in route deleted: refcnt 0, rmmod succeeds"

	# --- The module cannot be loaded: End.BPF is refused, nothing kept.
	echo /bin/false > /proc/sys/kernel/modprobe
	out=$(python3 "$RTNL" --netns "$N" add fd78:14::1/128 --dev bxd0 \
		--bpf fd=seg6,name=x 2>&1)
	echo "$modprobe_path" > /proc/sys/kernel/modprobe
	why=
	re='^EOPNOTSUPP progs=[0-9]+ extack: End\.BPF needs seg6local_bpf\.ko$'
	[[ $out =~ $re ]] || why="answered '$out'"
	! loaded || why+="${why:+; }$MOD was loaded"
	[ -z "$(ip -n "$N" -6 route show fd78:14::1/128)" ] || why+="${why:+; }route left"
	progs_are "$pbase" || why+="${why:+; }$(progs) programs, expected $pbase"
	result "modprobe failing: End.BPF refused, EOPNOTSUPP and extack, no route or program left" "$why"
else
	skip "autoload, pinning, rmmod refusal, refcnt per state" "$why_not"
fi

# --- 200 adds and deletes (one ip process: an End.BPF add loads the
# object each time).
for i in $(seq 200); do
	echo "route add fd78:14::1/128 encap seg6local action End.BPF endpoint obj $OBJ sec pass dev bxd0"
	[ $((i % 4)) != 0 ] || echo "route replace fd78:14::1/128 encap seg6local action End.BPF endpoint obj $OBJ sec pass2 dev bxd0"
	echo "route del fd78:14::1/128 dev bxd0"
done > "$BPFEXT_TMP/loop"
if out=$(ip -n "$N" -batch "$BPFEXT_TMP/loop" 2>&1); then
	pass "200 End.BPF route adds and deletes (50 replaces)"
else
	fail "200 End.BPF route adds and deletes (50 replaces)" "$(tail -5 <<<"$out")"
fi
why=
[ -z "$(ip -n "$N" -6 route show fd78:14::1/128)" ] || why="route left"
progs_are "$pbase" || why+="${why:+; }$(progs) programs, expected $pbase"
if modular; then
	loaded && refs_are 0 || why+="${why:+; }$(refs), expected refcnt 0"
fi
result "after the loop: no route, programs back to $pbase$(modular && echo ", refcnt 0")" "$why"

# --- Packets through End.BPF while its route goes and comes back.
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
ip netns exec "$T" sysctl -qw net.ipv6.conf.all.seg6_enabled=1 \
	net.ipv6.conf.bxv3.seg6_enabled=1
ip -n "$S" -6 route add fd78:c::1/128 encap seg6 mode inline segs fd78:14::11 dev bxv1
endbpf "$N" fd78:14::11/128 pass count
out=$(ip netns exec "$S" ping -6 -c 5 -i 0.05 -W 2 -q fd78:c::1 2>&1)
if [[ $out == *" 5 received, 0% packet loss"* ]]; then
	pass "pings through End.BPF answered"
else
	fail "pings through End.BPF answered" "$out"
fi
ip netns exec "$S" ping -6 -i 0.002 -q fd78:c::1 > "$BPFEXT_TMP/stream" 2>&1 &
pinger=$!
sleep 1
unloaded=0 errs=
for i in $(seq 50); do
	ip -n "$N" -6 route del fd78:14::11/128 || errs+=" del$i"
	if modular && [ $((i % 5)) = 0 ]; then
		# Whenever the last state has gone, the module may go too.
		refs_are 0 20 && rmmod $MOD 2>/dev/null && unloaded=$((unloaded + 1))
	fi
	endbpf "$N" fd78:14::11/128 pass count || errs+=" add$i"
	[ $((i % 3)) != 0 ] || ip -n "$N" -6 route replace fd78:14::11/128 \
		encap seg6local action End.BPF endpoint obj "$OBJ" sec pass2 \
		count dev bxd0 || errs+=" replace$i"
done
sleep 1
kill -INT "$pinger"
wait "$pinger"
st=$(tail -3 "$BPFEXT_TMP/stream" | grep transmitted)
rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$st")
echo "# stream: $st; $MOD unloaded $unloaded times in the loop"
result "50 deletes, adds and 16 replaces of the route under a ping stream" \
	"${errs:+failed:$errs}"
if [ "${rx:-0}" -gt 0 ]; then
	pass "the stream got answers through End.BPF ($st)"
else
	fail "the stream got answers through End.BPF" "$(cat "$BPFEXT_TMP/stream")"
fi
out=$(ip netns exec "$S" ping -6 -c 5 -i 0.05 -W 2 -q fd78:c::1 2>&1)
cnt=$(ip -n "$N" -s -6 route show fd78:14::11/128)
if [[ $out == *" 5 received, 0% packet loss"* ]] &&
	[[ $cnt == *"packets "[1-9]*" errors 0 "* ]]; then
	pass "after it, pings through the last route answered and counted"
else
	fail "after it, pings through the last route answered and counted" "$out; $cnt"
fi
if modular; then
	holds 1 "the last route holds refcnt 1"
	ip -n "$N" -6 route del fd78:14::11/128
	unloads "route deleted: rmmod succeeds"
else
	ip -n "$N" -6 route del fd78:14::11/128
fi
progs_are "$pbase" && pass "no program left" ||
	fail "no program left" "$(progs) programs, expected $pbase: $(bpftool prog show)"
bad=$(dmesg | tail -n +"$((kbefore + 1))" | grep -E 'BUG|WARNING|Oops|general protection|refcount_t')
result "the kernel log has no BUG, WARNING or Oops" "$bad"
ktap_end

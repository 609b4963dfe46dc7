#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/bpfext status: for each facility, built in or not, who serves it,
# the module's version and, for lwt and seg6local, what each side holds
# in this netns; run as an unprivileged user, against what this kernel
# really is.
. "$(dirname "$0")/../lib.sh"
ktap_begin
require_cmd ip python3 setpriv modprobe
require_obj lwt_bpf/lwt_takeover seg6local_bpf/sl_counters
# The tree may be private: the unprivileged user runs a copy.
TOOLS=/tmp/bpfext-tools.$$
cp -r "$BPFEXT_TOP/tools" $TOOLS && chmod -R a+rX $TOOLS
TOOL=$TOOLS/bpfext
O=$(obj lwt_bpf/lwt_takeover)
PIN=/sys/fs/bpf/tc/globals

cleanup() {
	ip route del 10.76.1.2/32 2>/dev/null
	ip route del 10.76.1.3/32 2>/dev/null
	ip link del bxs 2>/dev/null
	rm -f $PIN/lwt_tko_pkts
	rm -rf $TOOLS
	cleanup_netns
}
trap cleanup EXIT

# snap: what the unprivileged tool says now, as JSON, for expect.
snap() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TOOL" status -j \
		> "$BPFEXT_TMP/status.json"
}

# expect DESC EXPR=WANT...: in the last snap, each Python EXPR over f (the
# facility $FAC, lwt unless set) and s (the whole answer) prints WANT.
expect() {
	local desc=$1 got
	shift
	got=$(python3 - "$BPFEXT_TMP/status.json" "${FAC:-lwt}" "$@" <<-'EOF'
	import json, sys
	s = json.load(open(sys.argv[1]))
	f = [f for f in s["facilities"] if f["facility"] == sys.argv[2]][0]
	for arg in sys.argv[3:]:
	    expr, want = arg.rsplit("=", 1)
	    val = str(eval(expr, {}, {"f": f, "s": s}))
	    if val != want:
	        print("%s is '%s', want '%s'" % (expr, val, want))
	EOF
	)
	if [ -z "$got" ]; then
		pass "$desc"
	else
		fail "$desc" "$got"
	fi
}

out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$TOOL" status 2>&1)
if [ "$(grep -cE '^(lwt|seg6local|sockmap|sk_lookup|offload) ' <<<"$out")" = 5 ]; then
	pass "unprivileged: the five facilities, one line each"
else
	fail "unprivileged: the five facilities, one line each" "$out"
fi

ip link add bxs type dummy
ip addr add 10.76.0.1/24 dev bxs
ip link set bxs up

# seg6local: End.BPF routes, who serves them, and the states the module
# built (seg6local_bpf's own dump).
SO=$(obj seg6local_bpf/sl_counters)
end_bpf() {
	ip -6 route add "$1" encap seg6local action End.BPF endpoint obj "$SO" \
		sec ok dev bxs
}
seg6local_status() {
	local FAC=seg6local
	if on_stock; then
		end_bpf fc76::1/128
		snap
		expect "stock: End.BPF built in, served by it, its route counted" \
			'f["built_in"]=True' 'f["served_by"]=built-in' \
			'f["objects"]["routes"]=1'
		return
	fi
	if on_takeover; then
		[ -d /sys/module/seg6local_bpf ] && rmmod seg6local_bpf
		end_bpf fc76::1/128
		snap
		expect "debian, before modprobe: End.BPF built in and served by it" \
			'f["built_in"]=True' 'f["served_by"]=built-in' \
			'f["version"]=None' 'f["objects"]["routes"]=1'
		check "modprobe seg6local_bpf" modprobe seg6local_bpf
	fi
	end_bpf fc76::2/128
	snap
	if on_takeover; then
		expect "debian: seg6local_bpf takes over; two routes, one state it built" \
			'f["built_in"]=True' "f[\"version\"]=$want" \
			'f["served_by"]=module (taking over built-in)' \
			'f["objects"]["routes"]=2' 'f["objects"]["module_states"]=1'
	else
		expect "hooks: the End.BPF route loaded seg6local_bpf; one route, one state" \
			'f["built_in"]=False' "f[\"version\"]=$want" \
			'f["served_by"]=module (base patch)' \
			'f["objects"]["routes"]=1' 'f["objects"]["module_states"]=1'
	fi
}
want=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$BPFEXT_TOP/dkms.conf")
seg6local_status

# sk_lookup: built in everywhere but on the hooks kernel, where the module
# serves once loaded; where it is built in, the module takes it over.
sk_lookup_status() {
	local FAC=sk_lookup
	if on_stock || on_takeover; then
		[ -d /sys/module/sk_lookup ] && modprobe -r sk_lookup
		snap
		expect "$BPFEXT_KERNEL: SK_LOOKUP built in and served by it" \
			'f["built_in"]=True' 'f["served_by"]=built-in'
	fi
	on_stock && return
	if on_takeover; then
		check "modprobe sk_lookup" modprobe sk_lookup
		snap
		expect "$BPFEXT_KERNEL: sk_lookup.ko takes SK_LOOKUP over" \
			'f["built_in"]=True' 'f["loaded"]=True' "f[\"version\"]=$want" \
			'f["served_by"]=module (taking over built-in)'
		rmmod sk_lookup
		snap
		expect "$BPFEXT_KERNEL: after rmmod the built-in serves SK_LOOKUP again" \
			'f["loaded"]=False' 'f["served_by"]=built-in'
		return
	fi
	check "modprobe sk_lookup" modprobe sk_lookup
	snap
	expect "hooks: SK_LOOKUP not built in; sk_lookup.ko serves it" \
		'f["built_in"]=False' 'f["loaded"]=True' "f[\"version\"]=$want" \
		'f["served_by"]=module'
	rmmod sk_lookup
}
sk_lookup_status

# sockmap: built in everywhere but on the hooks kernel, where the first
# map loads the module; where it is built in, the module takes it over.
sockmap_status() {
	local FAC=sockmap i
	if on_stock || on_takeover; then
		[ -d /sys/module/sockmap ] && modprobe -r sockmap
		snap
		expect "$BPFEXT_KERNEL: sockmap built in and served by it" \
			'f["built_in"]=True' 'f["served_by"]=built-in'
	fi
	on_stock && return
	if on_takeover; then
		check "modprobe sockmap" modprobe sockmap
		snap
		expect "$BPFEXT_KERNEL: sockmap.ko takes sockmap over" \
			'f["built_in"]=True' 'f["loaded"]=True' "f[\"version\"]=$want" \
			'f["served_by"]=module (taking over built-in)'
		rmmod sockmap
		snap
		expect "$BPFEXT_KERNEL: after rmmod the built-in serves sockmap again" \
			'f["loaded"]=False' 'f["served_by"]=built-in'
		return
	fi
	check "a SOCKMAP, which loads sockmap.ko" bpftool map create \
		/sys/fs/bpf/status_sockmap_$$ type sockmap key 4 value 4 \
		entries 1 name status_sm
	snap
	expect "hooks: sockmap not built in; sockmap.ko serves it" \
		'f["built_in"]=False' 'f["loaded"]=True' "f[\"version\"]=$want" \
		'f["served_by"]=module'
	rm -f /sys/fs/bpf/status_sockmap_$$
	# The map is freed from a work item, and holds the module till then.
	for i in $(seq 50); do
		rmmod sockmap 2>/dev/null && break
		sleep 0.2
	done
}
sockmap_status

if on_stock; then
	ip route add 10.76.1.2/32 encap bpf xmit obj "$O" section count dev bxs
	snap
	expect "stock: built in, served by it, its route counted" \
		'f["built_in"]=True' 's["kernel"]["base_patch"]=False' \
		'f["served_by"]=built-in' 'f["version"]=None' 'f["objects"]["routes"]=1'
	ktap_end
fi

if on_takeover; then
	[ -d /sys/module/lwt_bpf ] && modprobe -r lwt_bpf
	ip route add 10.76.1.2/32 encap bpf xmit obj "$O" section count dev bxs
	snap
	expect "debian, before modprobe: built in, served by it, its route counted" \
		'f["built_in"]=True' 's["kernel"]["base_patch"]=False' \
		'f["served_by"]=built-in' 'f["version"]=None' 'f["objects"]["routes"]=1'
fi
check "modprobe lwt_bpf" modprobe lwt_bpf
ip route add 10.76.1.3/32 encap bpf xmit obj "$O" section count2 dev bxs
snap
if on_takeover; then
	expect "debian: the module takes over; two routes, one state it built" \
		'f["built_in"]=True' "f[\"version\"]=$want" \
		'f["served_by"]=module (taking over built-in)' \
		'f["objects"]["routes"]=2' 'f["objects"]["module_states"]=1'
else
	expect "hooks: the module serves alone; one route, one state it built" \
		'f["built_in"]=False' 's["kernel"]["base_patch"]=True' \
		"f[\"version\"]=$want" 'f["served_by"]=module (base patch)' \
		'f["objects"]["routes"]=1' 'f["objects"]["module_states"]=1'
fi
expect "states of every netns are at least this one's" \
	'f["objects"]["module_states_all_netns"] >= f["objects"]["module_states"]=True'
ip netns add "$(ns other)"
ip netns exec "$(ns other)" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$TOOL" status -j > "$BPFEXT_TMP/status.json"
expect "an empty netns holds nothing" 'f["objects"]["routes"]=0' \
	'f["objects"]["module_states"]=0'
ktap_end

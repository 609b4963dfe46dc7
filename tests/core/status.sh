#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/bpfext status: for each facility, built in or not, who serves it,
# the module's version and, for lwt, what each side holds in this netns;
# run as an unprivileged user, against what this kernel really is.
. "$(dirname "$0")/../lib.sh"
ktap_begin
require_cmd ip python3 setpriv modprobe
require_obj lwt_bpf/lwt_takeover
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

# field EXPR: a value of the lwt facility in the unprivileged tool's JSON.
lwt() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TOOL" status -j |
		python3 -c '
import json, sys
s = json.load(sys.stdin)
f = [f for f in s["facilities"] if f["facility"] == "lwt"][0]
print(eval(sys.argv[1], {}, {"f": f, "s": s}))' "$1"
}

# is DESC EXPR WANT
is() {
	local got
	got=$(lwt "$2" 2>&1)
	if [ "$got" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "$2 is '$got', want '$3'"
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

if on_stock || on_takeover; then
	is "lwt is built in" 'f["built_in"]' True
else
	is "lwt is not built in (base patch kernel)" 'f["built_in"]' False
fi
is "kernel: base patch or not" 's["kernel"]["base_patch"]' \
	"$(on_stock || on_takeover && echo False || echo True)"

if on_stock; then
	is "stock: served by the built-in code" 'f["served_by"]' built-in
	is "stock: no module version" 'f["version"]' None
	ip route add 10.76.1.2/32 encap bpf xmit obj "$O" section count dev bxs
	is "stock: routes with encap bpf counted" 'f["objects"]["routes"]' 1
	ktap_end
fi

if on_takeover; then
	[ -d /sys/module/lwt_bpf ] && modprobe -r lwt_bpf
	is "debian: served by the built-in code before modprobe" \
		'f["served_by"]' built-in
	ip route add 10.76.1.2/32 encap bpf xmit obj "$O" section count dev bxs
	is "debian: the built-in's route is counted" 'f["objects"]["routes"]' 1
fi
check "modprobe lwt_bpf" modprobe lwt_bpf
want=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$BPFEXT_TOP/dkms.conf")
is "the module's version is the suite's ($want)" 'f["version"]' "$want"
if on_takeover; then
	is "debian: served by the module taking over" 'f["served_by"]' \
		"module (taking over built-in)"
else
	is "hooks: served by the module" 'f["served_by"]' "module (base patch)"
fi
ip route add 10.76.1.3/32 encap bpf xmit obj "$O" section count2 dev bxs
if on_takeover; then
	is "debian: two routes, one state the module built" \
		'(f["objects"]["routes"], f["objects"]["module_states"])' "(2, 1)"
else
	is "hooks: one route, one state the module built" \
		'(f["objects"]["routes"], f["objects"]["module_states"])' "(1, 1)"
fi
ip netns add "$(ns other)"
is "another netns's routes are not counted here" \
	'f["objects"]["module_states_all_netns"] >= f["objects"]["module_states"]' True
out=$(ip netns exec "$(ns other)" "$TOOL" status -j | python3 -c '
import json, sys
f = [f for f in json.load(sys.stdin)["facilities"] if f["facility"] == "lwt"][0]
print(f["objects"]["routes"], f["objects"]["module_states"])')
if [ "$out" = "0 0" ]; then
	pass "an empty netns holds nothing"
else
	fail "an empty netns holds nothing" "$out"
fi
ktap_end

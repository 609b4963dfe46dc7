#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers a module supplies to BPF programs (include/bpfext/bpfext.h:
# bpfext_register_lwt_kfuncs()), with tests/modules/bpfext_testmod:
#  - the verifier refuses a program calling one while the module is absent,
#    and in a program type it was not registered for;
#  - with the module loaded, an LWT program calls it and gets its result;
#  - the module cannot be unloaded while such a program exists.
. "$(dirname "$0")/../lib.sh"
ktap_begin
on_stock && skip_all "Linux 6.1 has no kfunc hook for LWT programs (the base patch adds it)"
on_takeover && skip_all "Linux 6.1 has no kfunc hook for LWT programs (the base patch adds it); no module of ours registers kfuncs there"
require_cmd ip ping bpftool modprobe modinfo rmmod
require_obj core/kfunc core/kfunc_socket
require_module lwt_bpf
if ! out=$(modinfo bpfext_testmod 2>&1); then
	fail "bpfext_testmod is staged (make stage)" "$out"
	ktap_end
fi
B=$(ns b)
PIN=/sys/fs/bpf/tc/globals

cleanup() {
	ip route del 10.79.1.2/32 2>/dev/null
	ip link del bxa 2>/dev/null
	rm -f $PIN/kfunc_result /sys/fs/bpf/bpfext_kfunc_socket
	rmmod bpfext_testmod 2>/dev/null
	cleanup_netns
}
trap cleanup EXIT

peer_ns "$B" bxa bxb 10.79.0 10.79.1.2 || { fail "veth pair into netns $B"; ktap_end; }

route_add() {
	ip route add 10.79.1.2/32 encap bpf xmit obj "$(obj core/kfunc)" \
		section lwt_xmit dev bxa
}

# slot N: the u64 in slot N of kfunc_result.
slot() {
	bpftool -j map lookup pinned $PIN/kfunc_result key "$1" 0 0 0 |
		python3 -c 'import json,sys; v=json.load(sys.stdin)["value"]
print(int.from_bytes(bytes(int(b, 16) for b in v), "little") if isinstance(v, list) else v)'
}

rmmod bpfext_testmod 2>/dev/null
if out=$(route_add 2>&1); then
	fail "module absent: a program calling its kfunc is refused" "route added"
	ip route del 10.79.1.2/32
elif grep -q bpfext_testmod_triple_plus_one <<<"$out"; then
	pass "module absent: a program calling its kfunc is refused"
else
	fail "module absent: a program calling its kfunc is refused" "$out"
fi

check "modprobe bpfext_testmod" modprobe bpfext_testmod
check "module loaded: the program loads on an encap bpf route" route_add
ping -c 2 -i 0.2 -W 1 -q 10.79.1.2 >/dev/null 2>&1
len=$(slot 1) res=$(slot 0)
if [ "${len:-0}" -gt 0 ] && [ "$res" = $((3 * len + 1)) ]; then
	pass "the program ran the kfunc: f($len) = $res"
else
	fail "the program ran the kfunc" "len=$len result=$res"
fi

out=$(bpftool prog load "$(obj core/kfunc_socket)" /sys/fs/bpf/bpfext_kfunc_socket 2>&1)
if [ -e /sys/fs/bpf/bpfext_kfunc_socket ]; then
	fail "a socket filter calling the LWT kfunc is refused" "loaded"
elif grep -q 'calling kernel function bpfext_testmod_triple_plus_one is not allowed' <<<"$out"; then
	pass "a socket filter calling the LWT kfunc is refused"
else
	fail "a socket filter calling the LWT kfunc is refused" "$(tail -5 <<<"$out")"
fi

refs=$(cat /sys/module/bpfext_testmod/refcnt)
if [ "$refs" -ge 1 ]; then
	pass "the program holds the module ($refs reference(s))"
else
	fail "the program holds the module" "refcnt $refs"
fi
if rmmod bpfext_testmod 2>/dev/null; then
	fail "rmmod refused while a program calls the module's kfunc"
else
	pass "rmmod refused while a program calls the module's kfunc"
fi

# The program goes after a grace period and a work item: retry a while.
ip route del 10.79.1.2/32
rm -f $PIN/kfunc_result
for _ in $(seq 50); do
	rmmod bpfext_testmod 2>/dev/null && break
	sleep 0.2
done
if [ -d /sys/module/bpfext_testmod ]; then
	fail "rmmod after the program is gone" "refcnt $(cat /sys/module/bpfext_testmod/refcnt)"
else
	pass "rmmod after the program is gone"
fi
ktap_end

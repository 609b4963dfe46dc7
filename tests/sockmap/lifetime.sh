#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sockmap.ko on the hooks kernel, where the base patch leaves the socket
# maps to it: creating the first map loads it (its alias), every map pins
# it, rmmod is refused while one exists, whether it is pinned, held by
# programs and sockets, or an inner map's template, and with sockets and
# their verdict in a map. Once the last map is freed, rmmod goes, and the
# next map loads the module again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sk_lookup/skl.sh"
ktap_begin
on_stock && skip_all "the stock kernel's sockmap is built in"
on_takeover && skip_all "where the module takes over, no map pins it (tests/sockmap/takeover.sh)"
require_cmd bpftool python3 rmmod
require_obj sockmap/smk_redirect

PIN=/sys/fs/bpf/smlt_$$
cleanup() {
	[ -n "${skl_pid:-}" ] && kill "$skl_pid" 2>/dev/null
	rm -rf "$PIN" "${PIN}"_*
	cleanup_netns
}
trap cleanup EXIT

refcnt() { cat /sys/module/sockmap/refcnt 2>/dev/null || echo none; }

# unload: rmmod once a freed map has let go of the module; a map is
# freed from a work item after its last reference, so give it time.
unload() {
	local i
	for i in $(seq 50); do
		[ -d /sys/module/sockmap ] || return 0
		rmmod sockmap 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# refused DESC: rmmod must fail, with the module busy.
refused() {
	local out
	if out=$(rmmod sockmap 2>&1); then
		fail "$1" "rmmod succeeded"
	elif grep -q "in use" <<<"$out"; then
		pass "$1"
	else
		fail "$1" "$out"
	fi
}

check "no sockmap.ko to start with" unload
check "bpftool creates a SOCKMAP" bpftool map create "${PIN}_a" type sockmap \
	key 4 value 4 entries 8 name smlt_a
check "the map loaded sockmap.ko" test -d /sys/module/sockmap
check_eq "the map pins the module" 1 "$(refcnt)"
refused "rmmod with a pinned SOCKMAP is refused"
check "bpftool creates a SOCKHASH" bpftool map create "${PIN}_h" type sockhash \
	key 8 value 4 entries 8 name smlt_h
check_eq "each map pins the module" 2 "$(refcnt)"

# An outer map made from the SOCKHASH as template keeps a copy of its
# ops: that pins the module too, after the SOCKHASH is gone.
check "an array of maps with the SOCKHASH as its inner map" \
	bpftool map create "${PIN}_o" type array_of_maps key 4 value 4 \
	entries 1 name smlt_o inner_map pinned "${PIN}_h"
rm -f "${PIN}_a" "${PIN}_h"
sleep 1
check_eq "only the outer map's template is left, and pins the module" 1 "$(refcnt)"
refused "rmmod with an inner map's template is refused"
rm -f "${PIN}_o"
check "rmmod once every map is freed" unload

# Programs, their maps, sockets with a verdict, a redirect.
check "loading programs with a SOCKMAP loads the module" \
	bpftool prog loadall "$(obj sockmap/smk_redirect)" "$PIN" pinmaps "${PIN}_maps"
check "the module is loaded" test -d /sys/module/sockmap
check "the verdict attached to the map" bpftool prog attach pinned \
	"$PIN/smk_skb" stream_verdict pinned "${PIN}_maps/smk_socks"
skl_start "$BPFEXT_TESTS/sockmap/smk.py"
setup map m "${PIN}_maps/smk_socks"
setup pair a
setup pair b
setup put m 0 a.s
setup put m 1 b.s
setup_done "two connections in the map"
setup send a.c hello
setup_done "send on the first"
expect "the module's verdict redirects it out of the second" "ok hello" recv b.c
refused "rmmod with sockets and a verdict in a map is refused"
rm -rf "${PIN}_maps"
refused "rmmod with the map held by its programs and sockets is refused"
skl_stop
rm -rf "$PIN"
check "rmmod once the programs, sockets and map are gone" unload

check "a SOCKMAP again" bpftool map create "${PIN}_a" type sockmap \
	key 4 value 8 entries 8 name smlt_a
check "it loaded the module again" test -d /sys/module/sockmap
rm -f "${PIN}_a"
check "rmmod after the map is freed" unload

dmesg | grep -qE "WARNING|BUG:|refcount_t" &&
	fail "no kernel warning" "$(dmesg | grep -E 'WARNING|BUG:|refcount_t' | head -3)" ||
	pass "no kernel warning"
ktap_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sockmap.ko taking over Debian's built-in sockmap and handing it back
# (KERNEL=debian): a map and the sockets the built-in put in it before
# modprobe go on redirecting under the module, a map the module makes
# works beside it and pins nothing, a closing socket leaves the module's
# map, rmmod hands both maps to the built-in with their sockets still
# redirecting, and the built-in frees the module's map.
#
#   X.c ---TCP---> X.s   (X.s in a map: its verdict, smk_skb, sends what
#                         it receives out of the socket at key 1)
#
# Which side serves shows in ftrace: enabled_functions lists the module's
# redirects, and a trace of the module's own redirect helper counts its
# runs. Beyond upstream: data that reached a socket before it joined the
# map goes through the verdict when it joins (the built-in leaves it),
# and a stalled final receiver blocks the sender (the built-in queues
# what the sender writes, for as long as it writes).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sk_lookup/skl.sh"
ktap_begin
on_takeover || skip_all "needs a kernel whose sockmap is built in, without the base patch (KERNEL=debian)"
require_cmd bpftool python3 modprobe rmmod
require_obj sockmap/smk_redirect
[ -x "$BPFEXT_BPF/sockmap/smk_proxy" ] || skip_all "no smk_proxy (make bpf)"
[ -d /sys/module/sockmap ] && modprobe -r sockmap

PIN=/sys/fs/bpf/smtk_$$
TRACING=/sys/kernel/tracing
# A trace instance of our own: other tests read the top-level buffer.
INST=$TRACING/instances/smtk_$$

cleanup() {
	[ -n "${skl_pid:-}" ] && kill "$skl_pid" 2>/dev/null
	rm -rf "$PIN" "${PIN}_maps" "${PIN}_mod" "${PIN}_mod_maps"
	if [ -d "$INST" ]; then
		echo nop > "$INST/current_tracer"
		rmdir "$INST"
	fi
}
trap cleanup EXIT

[ -e $TRACING/enabled_functions ] || mount -t tracefs nodev $TRACING
redirects() { grep -c '\[sockmap\]' $TRACING/enabled_functions; }
refcnt() { cat /sys/module/sockmap/refcnt; }
# helper_runs: how often the module's bpf_sk_redirect_map() ran so far.
helper_runs() { grep -c 'sockmap_sk_redirect_map' "$INST/trace"; }

# load DIR: the programs and their maps, pinned; the verdict on smk_socks.
load() {
	bpftool prog loadall "$(obj sockmap/smk_redirect)" "$1" \
		pinmaps "$1_maps" &&
		bpftool prog attach pinned "$1/smk_skb" stream_verdict \
			pinned "$1_maps/smk_socks"
}

# stalled: how much tests/sockmap/smk_proxy.c's sender writes while the
# final receiver stops reading for 3 s (proxy.sh's stall event), or
# nothing if a check of the stream failed.
PROXY=$BPFEXT_BPF/sockmap/smk_proxy
MiB=$((1 << 20))
stalled() {
	"$PROXY" -o "$(obj sockmap/smk_redirect)" -b $((256 * MiB)) \
		-e stall@$((8 * MiB)) 2>&1 | sed -n 's/.* stalled=\([0-9]*\) .*/\1/p'
}

skl_start "$BPFEXT_TESTS/sockmap/smk.py"

# The built-in alone.
check "before modprobe: the built-in makes a sockmap, the verdict attached" load "$PIN"
setup map m1 "${PIN}_maps/smk_socks"
setup pair a
setup pair b
setup put m1 0 a.s
setup put m1 1 b.s
setup_done "two connections in the built-in's map"
setup send a.c one
setup_done "send on the first"
expect "the built-in redirects it out of the second" "ok one" recv b.c
setup pair early
setup send early.c early0
setup put m1 2 early.s
setup_done "a socket joins with data already received"
expect "the built-in leaves that data where it is (upstream)" ETIMEDOUT recv b.c 2
n=$(stalled)
if [ "${n:-0}" -gt $((64 * MiB)) ]; then
	pass "a receiver stalls: the built-in queues what the sender writes on ($((n / MiB)) MiB, upstream)"
else
	fail "a receiver stalls: the built-in queues what the sender writes on" "stalled=$n"
fi

# The takeover, with the built-in's map in use.
check "modprobe sockmap with a built-in map in use" modprobe sockmap
check_eq "the module redirects the built-in's 28 functions to its own" 28 "$(redirects)"
check_eq "the built-in's map does not pin the module" 0 "$(refcnt)"
mkdir "$INST"
echo sockmap_sk_redirect_map > "$INST/set_ftrace_filter"
echo function > "$INST/current_tracer"
setup send a.c two
setup_done "send on the first again"
expect "the built-in's map redirects under the module" "ok two" recv b.c
n=$(helper_runs)
if [ "$n" -ge 1 ]; then
	pass "the module's bpf_sk_redirect_map() ran ($n)"
else
	fail "the module's bpf_sk_redirect_map() ran" "no run traced"
fi

# A map the module makes.
check "the module makes a sockmap, the verdict attached" load "${PIN}_mod"
check_eq "the module's map does not pin it either" 0 "$(refcnt)"
setup map m2 "${PIN}_mod_maps/smk_socks"
setup pair c
setup pair d
setup put m2 0 c.s
setup put m2 1 d.s
setup_done "two connections in the module's map"
setup send c.c three
setup_done "send on the first"
expect "the module's map redirects it" "ok three" recv d.c
setup pair e
setup_done "a third connection"
expect "an index past the end: E2BIG" E2BIG put m2 4 e.s
expect "BPF_NOEXIST on a full slot: EEXIST" EEXIST put m2 1 e.s 1
expect "BPF_EXIST on an empty slot: ENOENT" ENOENT put m2 3 e.s 2
expect "a socket with a verdict cannot take another slot of the map: EBUSY" \
	EBUSY put m2 3 c.s
ctl get m2 0
case $reply in
"ok "[1-9]*) pass "a lookup gives the socket's cookie" ;;
*) fail "a lookup gives the socket's cookie" "got '$reply'" ;;
esac
setup close c.s
setup_done "close the socket at 0"
expect "the closed socket left the module's map" ENOENT get m2 0
setup pair late
setup send late.c early1
setup put m2 2 late.s
setup_done "a socket joins the module's map with data already received"
expect "beyond upstream: that data goes through the verdict" "ok early1" recv d.c
expect "the built-in's stranded data stays (only sockets that join are kicked)" ETIMEDOUT recv b.c 2

# Handing back, with both maps in use.
echo nop > "$INST/current_tracer"
n=$(stalled)
if [ -n "$n" ] && [ "$n" -le $((48 * MiB)) ]; then
	pass "beyond upstream: a receiver stalls, the module blocks the sender ($((n / MiB)) MiB)"
else
	fail "beyond upstream: a receiver stalls, the module blocks the sender" "stalled=$n"
fi
check "rmmod sockmap with both maps in use" rmmod sockmap
check_eq "no redirect is left" 0 "$(grep -c '\[sockmap\]' $TRACING/enabled_functions)"
setup send a.c four
setup_done "send on the built-in's map's socket"
expect "the built-in's map redirects under the built-in again" "ok four" recv b.c
setup send late.c five
setup_done "send on the module's map's socket"
expect "the module's map redirects under the built-in" "ok five" recv d.c
expect "the module's map still holds its socket" "ok" del m2 1
expect "... and only once" EINVAL del m2 1
skl_stop
rm -rf "$PIN" "${PIN}_maps" "${PIN}_mod" "${PIN}_mod_maps"
pass "the built-in frees both maps (the kernel log says if not)"
ktap_end

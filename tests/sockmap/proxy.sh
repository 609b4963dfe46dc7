#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An in-kernel redirect proxy, every byte checked end to end
# (tests/sockmap/smk_proxy.c): a stream sent on c1 reaches s1, whose
# verdict sends it out of c2 to s2.
#
#   c1 ---> s1 (key 0) --bpf_sk_redirect_map(1)--> c2 (key 1) ---> s2
#
# 1 GiB through a SOCKMAP, and through a SOCKHASH with a stream parser;
# then while the stream flows: s1 taken out of the map, the map freed,
# the sender closing, the sender resetting, the final receiver resetting
# (what each must do: smk_proxy.c). 10000 sockets in a SOCKHASH. A final
# receiver that stops reading: the sender blocks (backpressure, beyond
# upstream), and all of the stream arrives once it reads on.
# Runs on every kernel: the in-tree sockmap (stock) is the control for
# the module (hooks, where the first map loads it, and debian).
. "$(dirname "$0")/../lib.sh"
ktap_begin
require_obj sockmap/smk_redirect
tool=$BPFEXT_BPF/sockmap/smk_proxy
[ -x "$tool" ] || skip_all "no $tool (make bpf)"
on_takeover && require_module sockmap

OBJ=$(obj sockmap/smk_redirect)
MiB=$((1 << 20))

# proxy DESC ARGS...: one run of the tool; its figures go to the log.
proxy() {
	local desc=$1 out
	shift
	if out=$("$tool" -o "$OBJ" "$@" 2>&1); then
		pass "$desc"
		echo "# $out"
	else
		fail "$desc" "$out"
	fi
}

proxy "1 GiB through a SOCKMAP's verdict, every byte in order" \
	-b $((1024 * MiB))
proxy "64 MiB through a SOCKHASH with a stream parser and a verdict" \
	-b $((64 * MiB)) -H -P
proxy "s1 leaves the SOCKMAP mid-stream: the rest reaches s1, nothing lost" \
	-b $((64 * MiB)) -e delete@$((16 * MiB))
proxy "s1 leaves the SOCKHASH mid-stream: the rest reaches s1, nothing lost" \
	-b $((64 * MiB)) -e delete@$((16 * MiB)) -H -P
proxy "the sender closes mid-stream: all it sent arrives, s1 stays until closed" \
	-b $((64 * MiB)) -e close@$((16 * MiB))
proxy "the sender resets mid-stream: a prefix arrives, s1 stays until closed" \
	-b $((64 * MiB)) -e reset@$((16 * MiB))
proxy "the final receiver resets mid-stream: the sender goes on, c2 stays until closed" \
	-b $((64 * MiB)) -e rcvreset@$((16 * MiB))
proxy "s1's map is freed mid-stream: what is left arrives in order, the rest at s1" \
	-b $((64 * MiB)) -e mapfree@$((16 * MiB))
proxy "10000 sockets in a SOCKHASH: lookup, iteration, E2BIG, delete, close" \
	-s 10000

# stall DESC ARGS...: the final receiver stops reading for 3 s after 8 MiB
# of a 256 MiB stream, then reads it all. With the module (hooks, debian)
# the sender writes no more meanwhile than the sockets' buffers and a
# bounded queue hold (backpressure on redirect, beyond upstream); the
# in-tree sockmap (stock) queues as much as the sender can write.
STALL_BOUND=$((48 * MiB))
stall() {
	local desc=$1 out n
	shift
	if ! out=$("$tool" -o "$OBJ" -b $((256 * MiB)) \
			-e stall@$((8 * MiB)) "$@" 2>&1); then
		fail "$desc" "$out"
		return
	fi
	echo "# $out"
	n=$(sed -n 's/.* stalled=\([0-9]*\) .*/\1/p' <<<"$out")
	if on_stock; then
		[ "${n:-0}" -gt $STALL_BOUND ] &&
			pass "$desc: in-tree, the sender wrote $((n / MiB)) MiB on, unbounded" ||
			fail "$desc: in-tree, the sender wrote on" "stalled=$n"
	else
		[ -n "$n" ] && [ "$n" -le $STALL_BOUND ] &&
			pass "$desc: the sender blocked after $((n / MiB)) MiB, all arrived" ||
			fail "$desc: the sender blocks, all arrives" "stalled=$n, bound $STALL_BOUND"
	fi
}
stall "the final receiver stops reading (SOCKMAP, verdict)"
stall "the final receiver stops reading (SOCKHASH, parser and verdict)" -H -P

ktap_end

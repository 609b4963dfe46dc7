#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# seg6local_bpf's per-route End.BPF counters (tools/lwt-bpf-stats over the
# bpfext_seg6 generic netlink family): each counter moves for the case it
# names, by the packets sent, and every other counter stays at 0.
#
#   S  s0 fd00:a::2/64 ---- r0 fd00:a::1/64  R  r1 fd00:d::1/64 ---- d0 fd00:d::2/64  D
#      sends frames with an SRH         End.BPF SIDs fc00::N
#                                       fd00:e::/64 via fd00:d::2
#
# Each SID's program is one case; a frame carries SRH [fd00:e::1, SID]
# with one segment left, so End.BPF makes fd00:e::1 the destination.
. "$(dirname "$0")/../lib.sh"
ktap_begin
require_cmd ip python3
require_obj seg6local_bpf/sl_counters
on_stock && skip_all "the in-tree End.BPF keeps no counters"
require_module seg6local_bpf
S=$(ns s) R=$(ns r) D=$(ns d)
O=$(obj seg6local_bpf/sl_counters)
STATS=$BPFEXT_TOP/tools/lwt-bpf-stats
SEND=$(dirname "$0")/srh_send.py
FINAL=fd00:e::1

ip netns add "$S" && ip netns add "$R" && ip netns add "$D" || exit 1
ip -n "$S" link add s0 type veth peer name r0 netns "$R"
ip -n "$R" link add r1 type veth peer name d0 netns "$D"
for x in "$S s0 fd00:a::2" "$R r0 fd00:a::1" "$R r1 fd00:d::1" "$D d0 fd00:d::2"; do
	set -- $x
	ip -n "$1" addr add "$3/64" dev "$2" nodad
	ip -n "$1" link set "$2" up
done
ip netns exec "$R" sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n "$R" -6 route add fd00:e::/64 via fd00:d::2

# SID fc00::N runs section $2.
sids=(ok drop bad_ret end_x end_x_unreachable bad_srh ok ok)
for i in "${!sids[@]}"; do
	n=$((i + 1))
	ip -n "$R" -6 route add "fc00::$n/128" encap seg6local action End.BPF \
		endpoint obj "$O" sec "${sids[$i]}" dev r0 ||
		fail "End.BPF route fc00::$n (${sids[$i]})"
done
mac=$(ip -n "$R" -br link show r0 | awk '{print $3}')

# fc00::1..6: one case each, 5 frames. fc00::7: 3 frames with no segment
# left and 2 with no SRH (drop_no_srh, no runs). fc00::8: 4 frames whose
# next segment has no route (drop_no_route).
ip netns exec "$S" python3 "$SEND" s0 "$mac" fd00:a::2 \
	fc00::1/$FINAL+fc00::1/1/5 fc00::2/$FINAL+fc00::2/1/5 \
	fc00::3/$FINAL+fc00::3/1/5 fc00::4/$FINAL+fc00::4/1/5 \
	fc00::5/$FINAL+fc00::5/1/5 fc00::6/$FINAL+fc00::6/1/5 \
	fc00::7/$FINAL+fc00::7/0/3 fc00::7//0/2 \
	fc00::8/fd00:ffff::9+fc00::8/1/4 ||
	fail "frames sent"
sleep 1

json=$BPFEXT_TMP/stats.json
if ! ip netns exec "$R" "$STATS" -j > "$json" 2>"$BPFEXT_TMP/err"; then
	fail "lwt-bpf-stats -j lists End.BPF routes" "$(cat "$BPFEXT_TMP/err")"
	ktap_end
fi

# expect SID "counter=value ..." : every other counter must be 0.
expect() {
	local sid=$1 want=$2 got
	got=$(python3 - "$json" "$sid" "$want" <<'PY'
import json, sys
routes, sid, want = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
mine = [r for r in routes if r.get("encap") == "seg6local" and r.get("dst") == sid]
if len(mine) != 1:
    sys.exit("%d routes for %s" % (len(mine), sid))
want = dict(kv.split("=") for kv in want.split())
bad = ["%s=%d (want %s)" % (k, v, want.get(k, "0"))
       for k, v in sorted(mine[0]["stats"].items()) if v != int(want.get(k, 0))]
missing = [k for k in want if k not in mine[0]["stats"]]
print(" ".join(bad + ["no " + k for k in missing]) or "ok")
PY
)
	if [ "$got" = ok ]; then
		pass "$sid (${sids[${sid#fc00::} - 1]}): $want"
	else
		fail "$sid (${sids[${sid#fc00::} - 1]}): $want" "$got"
	fi
}

expect fc00::1 "runs=5 ok=5"
expect fc00::2 "runs=5 drop=5"
expect fc00::3 "runs=5 bad_ret=5"
expect fc00::4 "runs=5 redirect=5"
expect fc00::5 "runs=5 redirect=5 drop_action=5"
expect fc00::6 "runs=5 ok=5 drop_srh=5"
expect fc00::7 "drop_no_srh=5"
expect fc00::8 "runs=4 ok=4 drop_no_route=4"

# The program id is bpftool's, and the name the route's.
id=$(python3 -c 'import json,sys; print([r["prog_id"] for r in json.load(open(sys.argv[1])) if r.get("dst") == "fc00::4"][0])' "$json")
if bpftool prog show id "$id" 2>/dev/null | grep -q "name sl_end_x "; then
	pass "the dumped program id is bpftool's"
else
	fail "the dumped program id is bpftool's" "id $id: $(bpftool prog show id "$id" 2>&1)"
fi

# Text output: the route, then its action, program and non-zero counters.
out=$(ip netns exec "$R" "$STATS" 2>&1)
if grep -q '^fc00::5/128 dev r0$' <<<"$out" &&
   grep -q 'End.BPF .*end_x_unreachable.* id [0-9]' <<<"$out" &&
   grep -q 'runs 5  redirect 5$' <<<"$out"; then
	pass "lwt-bpf-stats lists End.BPF route, program and counters"
else
	fail "lwt-bpf-stats lists End.BPF route, program and counters" "$out"
fi

# Another netns sees none of these; an unprivileged reader sees them.
if out=$(ip netns exec "$S" "$STATS" -j 2>&1) && [ "$(tr -d ' \n' <<<"$out")" = "[]" ]; then
	pass "another netns lists none of R's routes"
else
	fail "another netns lists none of R's routes" "$out"
fi
tools=$BPFEXT_TMP/tools
cp -r "$BPFEXT_TOP/tools" "$tools" && chmod -R a+rX "$BPFEXT_TMP"
if out=$(ip netns exec "$R" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$tools/lwt-bpf-stats" 2>&1) && grep -q '^fc00::1/128 dev r0$' <<<"$out"; then
	pass "an unprivileged user reads the counters"
else
	fail "an unprivileged user reads the counters" "$out"
fi

# A replaced route is a new state: its counters start from zero.
ip -n "$R" -6 route replace fc00::1/128 encap seg6local action End.BPF \
	endpoint obj "$O" sec drop dev r0
ip netns exec "$S" python3 "$SEND" s0 "$mac" fd00:a::2 fc00::1/$FINAL+fc00::1/1/2
sleep 1
ip netns exec "$R" "$STATS" -j > "$json" 2>&1
sids[0]=drop
expect fc00::1 "runs=2 drop=2"

# Status: this netns' states and the mode.
st=$(ip netns exec "$R" python3 -c '
import sys; sys.path.insert(0, sys.argv[1])
import bpfext_nl
with bpfext_nl.Seg6Genl() as g:
    s = g.status()
print(s["mode"], s["states_netns"])' "$BPFEXT_TOP/tools/pylib" 2>&1)
want_mode=hooks
on_takeover && want_mode=takeover
if [ "$st" = "$want_mode ${#sids[@]}" ]; then
	pass "status: mode $want_mode, ${#sids[@]} states in this netns"
else
	fail "status: mode $want_mode, ${#sids[@]} states in this netns" "$st"
fi
ktap_end

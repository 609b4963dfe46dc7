#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# samples/lwt_len_hist: the packet length histogram on an "encap bpf out"
# route, read back with the sample's tool and with bpftool.
#
#   root netns  veth bxh (10.78.0.1)
#       |
#   netns B     veth bxi (10.78.0.2, 10.78.1.2/32)
#
# The route to 10.78.1.2 carries the program. At out, skb->len is the IP
# packet: ping -s 100 sends 20 + 8 + 100 = 128 bytes (slot 7, 128..255),
# ping -s 1000 sends 1028 (slot 10, 1024..2047). Both sit on the low edge
# of their slot, so counting without the IP header, or with a link header,
# lands in another slot.
. "$(dirname "$0")/../lib.sh"
ktap_begin
require_cmd ip ping bpftool python3
require_module lwt_bpf
require_obj samples/lwt_len_hist/lwt_len_hist
TOOL=$BPFEXT_BPF/samples/lwt_len_hist/lwt_len_hist
[ -x "$TOOL" ] || skip_all "no $TOOL (make bpf)"
B=$(ns b)
PIN=/sys/fs/bpf/tc/globals
MAP=$PIN/lwt_len_hist
OTHER=$PIN/bx_not_len_hist

cleanup() {
	ip route del 10.78.1.2/32 2>/dev/null
	ip link del bxh 2>/dev/null
	rm -f "$MAP" "$OTHER"
	cleanup_netns
}
trap cleanup EXIT

peer_ns "$B" bxh bxi 10.78.0 10.78.1.2 || { fail "veth pair into netns $B"; ktap_end; }

# The non-empty slots the tool prints: "LO-HI:COUNT ..." in slot order.
tool_slots() {
	awk '$2 == "->" && $5 != 0 { printf "%s%s-%s:%s", sep, $1, $3, $5; sep = " " }' \
		"$1"
}

# The same from bpftool's dump, per-CPU values summed.
bpftool_slots() {
	bpftool -j map dump pinned "$MAP" | python3 -c '
import json, sys

def num(v):
    if isinstance(v, list):
        return int.from_bytes(bytes(int(b, 16) for b in v), "little")
    return int(v)

out = []
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    n = sum(num(c["value"]) for c in e["values"]) if "values" in e else num(e["value"])
    k = num(e["key"])
    if n:
        out.append("%d-%d:%d" % (1 << k if k else 0, (2 << k) - 1, n))
print(" ".join(out))'
}

# No map pinned yet: the tool says so and fails.
rm -f "$MAP"
out=$("$TOOL" 2>&1)
rc=$?
if [ $rc = 1 ] && grep -qF "$MAP: No such file or directory" <<<"$out"; then
	pass "no pinned map: the tool fails with a message"
else
	fail "no pinned map: the tool fails with a message" "exit $rc: $out"
fi

if ! ip route add 10.78.1.2/32 encap bpf out obj "$(obj samples/lwt_len_hist/lwt_len_hist)" \
	section len_hist dev bxh; then
	fail "route with the sample on out" "ip route add failed"
	ktap_end
fi
pass "route with the sample on out"
if ip route show 10.78.1.2/32 | grep -q 'encap bpf out .*len_hist'; then
	pass "ip route show prints the program"
else
	fail "ip route show prints the program" "$(ip route show 10.78.1.2/32)"
fi
check "iproute2 pinned the map at $MAP" test -e "$MAP"

"$TOOL" > "$BPFEXT_TMP/empty" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q ': 0 packets$' "$BPFEXT_TMP/empty" &&
   [ -z "$(tool_slots "$BPFEXT_TMP/empty")" ]; then
	pass "before traffic: an empty histogram"
else
	fail "before traffic: an empty histogram" "exit $rc: $(cat "$BPFEXT_TMP/empty")"
fi

check "5 pings of 128 bytes reach" ping -c 5 -s 100 -i 0.2 -W 1 -q 10.78.1.2
check "3 pings of 1028 bytes reach" ping -c 3 -s 1000 -i 0.2 -W 1 -q 10.78.1.2

want="128-255:5 1024-2047:3"
"$TOOL" -m "$MAP" > "$BPFEXT_TMP/hist" 2>&1
rc=$?
sed 's/^/# /' "$BPFEXT_TMP/hist"
got=$(tool_slots "$BPFEXT_TMP/hist")
if [ $rc = 0 ] && [ "$got" = "$want" ] && grep -q ': 8 packets$' "$BPFEXT_TMP/hist"; then
	pass "the tool: 5 in 128..255, 3 in 1024..2047, nothing else"
else
	fail "the tool: 5 in 128..255, 3 in 1024..2047, nothing else" \
		"exit $rc, slots '$got', want '$want'"
fi
# The longest bar is the largest slot, and a slot 3/5 as big gets 3/5 of it.
bars=$(awk '$2 == "->" && $5 != 0 { s = $6; gsub(/[^*]/, "", s); printf "%s%d", sep, length(s); sep = " " }' \
	"$BPFEXT_TMP/hist")
if [ "$bars" = "40 24" ]; then
	pass "bars scaled to the largest slot (40 and 24 stars)"
else
	fail "bars scaled to the largest slot (40 and 24 stars)" "stars: $bars"
fi

got=$(bpftool_slots)
if [ "$got" = "$want" ]; then
	pass "bpftool map dump: the same slots"
else
	fail "bpftool map dump: the same slots" "got '$got', want '$want'"
fi

# A pinned map of another shape is refused, not misread.
if bpftool map create "$OTHER" type hash key 8 value 8 entries 4 name bx_other; then
	out=$("$TOOL" -m "$OTHER" 2>&1)
	rc=$?
	if [ $rc = 1 ] && grep -q 'not a length histogram' <<<"$out"; then
		pass "a map of another shape: the tool refuses it"
	else
		fail "a map of another shape: the tool refuses it" "exit $rc: $out"
	fi
else
	fail "a map of another shape: the tool refuses it" "bpftool map create failed"
fi

# The map outlives the route (it is pinned) and keeps its counts.
ip route del 10.78.1.2/32
got=$("$TOOL" | tool_slots /dev/stdin)
if [ "$got" = "$want" ]; then
	pass "after the route is deleted: the pinned map keeps its counts"
else
	fail "after the route is deleted: the pinned map keeps its counts" "got '$got'"
fi

ktap_end

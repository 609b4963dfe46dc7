#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Upstream's BPF selftest test_maps, unchanged from the extracted 6.1
# source (tests/upstream.mk), with its programs sockmap_parse_prog,
# sockmap_verdict_prog and sockmap_tcp_msg_prog. Its test_sockmap(): a
# SOCKMAP with TCP sockets updated, deleted and looked up, parser,
# verdict and SK_MSG programs attached, detached and refused, and
# traffic redirected between the sockets, in both of test_maps' passes
# (preallocated maps, then not).
#
# On the hooks kernel test_maps runs whole (every map test, test_sockmap()
# among them), as the base patch is in every map's create and free path
# (map ownership, inner-map templates). Elsewhere only sockmap is ours
# and test_maps_sockmap runs test_sockmap() alone: test_maps.c unchanged,
# our main(). Whole, test_maps takes six minutes on Debian's kernel under
# TCG, nearly all of it in the parallel hash map tests.
#
# test_maps stops at the first failure, and says "test_maps: OK" when
# every test it ran passed. One case for the sockmap part (it says SKIP
# if the map type is missing), one for the run.
. "$(dirname "$0")/../lib.sh"
ktap_begin
# sockmap.ko serves the socket maps (hooks), or takes over Debian's
# built-in ones; the stock kernel's in-tree sockmap is the control.
require_module sockmap
dir=$BPFEXT_BPF/upstream
if on_stock || on_takeover; then
	runner=$dir/test_maps_sockmap
	objs="sockmap_parse_prog sockmap_verdict_prog sockmap_tcp_msg_prog"
else
	runner=$dir/test_maps
	objs="sockmap_parse_prog sockmap_verdict_prog sockmap_tcp_msg_prog
	      test_map_in_map test_map_in_map_invalid"
fi
[ -x "$runner" ] || skip_all "no $runner (make bpf)"
for o in $objs; do
	[ -f "$dir/$o.bpf.o" ] || skip_all "no $dir/$o.bpf.o (make bpf)"
done
name=${runner##*/}

# It opens its objects by file name: run it where they are.
log=$BPFEXT_TMP/log
(cd "$dir" && exec stdbuf -oL "./$name") > "$log" 2>&1
rc=$?
sed 's/^/# /' "$log" | tail -n 40

# test_sockmap() prints nothing when it passes; in the whole run the
# parallel tests after it in run_all_tests() print "Fork N tasks".
if grep -q "unsupported map type BPF_MAP_TYPE_SOCKMAP" "$log"; then
	fail "test_maps' sockmap part ran" "it found no BPF_MAP_TYPE_SOCKMAP"
elif [ $rc = 0 ]; then
	pass "test_maps' sockmap part (test_sockmap(), in both passes)"
elif grep -qiE "sockmap|map_fd_(rx|tx|msg|break)" "$log"; then
	fail "test_maps' sockmap part" "$(grep -iE 'sockmap|map_fd_' "$log" | tail -n 3)"
elif grep -q "^Fork [0-9]* tasks" "$log"; then
	pass "test_maps' sockmap part (test_sockmap(), first pass; test_maps failed later)"
else
	fail "test_maps' sockmap part" "$name stopped before it: $(tail -n 1 "$log")"
fi
last=$(tail -n 1 "$log")
if [ $rc = 0 ] && [[ $last =~ ^test_maps:\ OK,\ ([0-9]+)\ SKIPPED$ ]]; then
	pass "$name: every map test it runs passed (${BASH_REMATCH[1]} skipped)"
else
	fail "$name: every map test it runs passed" "exit $rc: $last"
fi
ktap_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad input to the socket maps and their attach points, answered with
# Linux 6.1's errnos (net/core/sock_map.c): sockets of the wrong kind or
# state, fds that are no sockets, values and flags out of range, programs
# of the wrong type, attach points taken, detaches of what is not
# attached. Runs on every kernel: the in-tree sockmap (stock) is the
# control for the module (hooks, where the first map loads it, and
# debian).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sk_lookup/skl.sh"
ktap_begin
require_cmd bpftool python3
require_obj sockmap/smk_redirect
on_takeover && require_module sockmap

PIN=/sys/fs/bpf/smbi_$$
cleanup() {
	[ -n "${skl_pid:-}" ] && kill "$skl_pid" 2>/dev/null
	rm -rf "$PIN" "${PIN}_maps"
}
trap cleanup EXIT

check "load the programs and their maps" \
	bpftool prog loadall "$(obj sockmap/smk_redirect)" "$PIN" pinmaps "${PIN}_maps"
skl_start "$BPFEXT_TESTS/sockmap/smk.py"
setup map sm "${PIN}_maps/smk_socks"
setup map sh "${PIN}_maps/smk_hash"
setup map arr "${PIN}_maps/smk_runs"
for p in smk_skb smk_skb_hash smk_msg smk_parse; do
	setup prog "$p" "$PIN/$p"
done
setup pair a
setup sock tcp tcp
setup sock lst listen
setup sock udp udp
setup sock udpb udpbound
setup sock raw raw
setup sock un unix
setup file f /proc/self/status
setup_done "maps, programs, sockets of every kind"

# Sockets.
expect "an unconnected TCP socket: EOPNOTSUPP" EOPNOTSUPP put sm 0 tcp
expect "an unbound UDP socket: EOPNOTSUPP" EOPNOTSUPP put sm 0 udp
expect "a raw socket: EOPNOTSUPP" EOPNOTSUPP put sm 0 raw
expect "the fd of a file: ENOTSOCK" ENOTSOCK put sm 0 f
expect "an fd that is not open: EBADF" EBADF putfd sm 0 1000
expect "an fd past S32_MAX: EINVAL" EINVAL putfd sm 0 2147483648
expect "an established TCP socket" ok put sm 0 a.s
expect "a listening TCP socket" ok put sm 1 lst
expect "a bound UDP socket" ok put sm 2 udpb
expect "a connected unix stream socket" ok put sm 3 un.s
expect "the same socket in a SOCKHASH beside" ok put sh 7 a.s

# Keys, flags, lookups, deletes.
expect "SOCKMAP: a key past max_entries: E2BIG" E2BIG put sm 4 a.c
expect "SOCKMAP: flags past BPF_EXIST: EINVAL" EINVAL put sm 0 a.c 3
expect "SOCKMAP: BPF_NOEXIST on a taken slot: EEXIST" EEXIST put sm 0 a.c 1
expect "SOCKHASH: BPF_NOEXIST on a taken key: EEXIST" EEXIST put sh 7 a.c 1
expect "SOCKHASH: BPF_EXIST on a missing key: ENOENT" ENOENT put sh 8 a.c 2
expect "SOCKHASH: flags past BPF_EXIST: EINVAL" EINVAL put sh 8 a.c 3
expect "SOCKMAP: delete a slot twice: EINVAL the second time" ok del sm 2
expect "... EINVAL" EINVAL del sm 2
expect "SOCKMAP: delete past max_entries: EINVAL" EINVAL del sm 4
expect "SOCKMAP: look up an empty slot: ENOENT" ENOENT get sm 2
expect "SOCKHASH: delete a missing key: ENOENT" ENOENT del sh 8
expect "SOCKHASH: look up a missing key: ENOENT" ENOENT get sh 8

# Attach points.
expect "an SK_MSG program as a stream verdict: EINVAL" EINVAL \
	attach sm smk_msg stream_verdict
expect "an SK_SKB program as an SK_MSG verdict: EINVAL" EINVAL \
	attach sm smk_skb msg_verdict
expect "attach to an array map: EOPNOTSUPP" EOPNOTSUPP \
	attach arr smk_skb stream_verdict
expect "attach to a socket's fd: EINVAL" EINVAL \
	attach a.c smk_skb stream_verdict
expect "attach to a file's fd: EINVAL" EINVAL \
	attach f smk_skb stream_verdict
expect "a stream verdict" ok attach sm smk_skb stream_verdict
expect "... the query counts it" "ok 1" query sm stream_verdict
expect "... an skb verdict beside it: EBUSY" EBUSY \
	attach sm smk_skb skb_verdict
expect "a second stream verdict replaces the first" ok \
	attach sm smk_skb_hash stream_verdict
expect "... the query counts one" "ok 1" query sm stream_verdict
expect "detach with a program that is not attached: ENOENT" ENOENT \
	detach sm smk_skb stream_verdict
expect "detach with a program of the wrong type: EINVAL" EINVAL \
	detach sm smk_msg stream_verdict
expect "detach the attached one" ok detach sm smk_skb_hash stream_verdict
expect "... again: ENOENT" ENOENT detach sm smk_skb_hash stream_verdict
expect "... the query counts none" "ok 0" query sm stream_verdict
expect "an skb verdict now" ok attach sm smk_skb skb_verdict
expect "... a stream verdict beside it: EBUSY" EBUSY \
	attach sm smk_skb stream_verdict
expect "... detached" ok detach sm smk_skb skb_verdict
expect "a parser, an SK_MSG verdict" ok attach sh smk_parse stream_parser
expect "... and an SK_MSG verdict" ok attach sh smk_msg msg_verdict
expect "... detached" ok detach sh smk_msg msg_verdict
expect "... detached" ok detach sh smk_parse stream_parser
expect "query an array map: EOPNOTSUPP" EOPNOTSUPP query arr stream_verdict
skl_stop
pass "the controller exits, its maps freed (the kernel log says if not)"
ktap_end

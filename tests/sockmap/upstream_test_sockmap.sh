#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Upstream's BPF selftest test_sockmap (test_sockmap.c with
# progs/test_sockmap_kern.c and test_sockhash_kern.c, both through
# test_sockmap_kern.h), unchanged from the extracted 6.1 source and built
# by tests/upstream.mk, run as upstream's Makefile leaves it: with no
# arguments, from the directory holding its two objects. Its selftests,
# on a SOCKMAP, then on a SOCKHASH, then on a SOCKHASH with kTLS on the
# sockets: TCP through sk_msg and sk_skb programs attached to the map and
# to a cgroup it joins: pass, redirect (egress and ingress, with a full
# send buffer), drop, apply and cork byte counts, corks left hanging,
# push, pull and pop of message data, and the stream parser on ingress,
# with sendmsg() and sendpage().
#
# It makes its cgroup itself: in a mount namespace of its own it mounts
# cgroup2 on /mnt (cgroup_helpers.c), which the guest has as a tmpfs.
#
# Each "#N/M sockmap|sockhash:PREPEND:TITLE:OK|FAIL" line is a case (M:
# how many runs of its sender and receiver it made), then one for the run
# as a whole: test_sockmap exits 0 whatever failed (its selftest mode
# returns 0), so that one also reads its closing "Pass: N Fail: M" (tests
# passed, runs failed).
. "$(dirname "$0")/../lib.sh"
ktap_begin
# sockmap.ko serves the socket maps (hooks), or takes over Debian's
# built-in ones; the stock kernel's in-tree sockmap is the control.
require_module sockmap
require_cmd stdbuf
dir=$BPFEXT_BPF/upstream
runner=$dir/test_sockmap
[ -x "$runner" ] || skip_all "no $runner (make bpf)"
for o in test_sockmap_kern test_sockhash_kern; do
	[ -f "$dir/$o.bpf.o" ] || skip_all "no $dir/$o.bpf.o (make bpf)"
done
[ -d /mnt ] || skip_all "no /mnt to mount cgroup2 on"

# It opens the objects by file name: run it where they are (read-only
# here, which it does not mind). Its stdout line-buffered, as on a
# terminal: it forks its senders and receivers, and into a file each
# child would print again every line its parent had not flushed yet.
log=$BPFEXT_TMP/log
(cd "$dir" && exec stdbuf -oL ./test_sockmap) > "$log" 2>&1
rc=$?
# Its sockets_init() connects (blocking) and then accepts on a
# non-blocking listener: the server side of the handshake may not be
# done yet (the client's ACK still in a softirq backlog, as under TCG on
# a busy host), and the test fails with EAGAIN before anything of sockmap
# ran. That race of its setup, and only that, gets one more whole run.
race='^accept s1 failed\(\): Resource temporarily unavailable$'
if grep -Eq "$race" "$log"; then
	echo "# the first run's setup raced (accept: EAGAIN, a handshake not done): running it again"
	grep -E -B1 "$race" "$log" | sed 's/^/#   /'
	(cd "$dir" && exec stdbuf -oL ./test_sockmap) > "$log" 2>&1
	rc=$?
fi

# Since Debian's 6.1.190 ("tls: reject the combination of TLS and
# sockmap", CVE-2026-93824) the kernel refuses TLS_TX and TLS_RX on a
# socket with a psock, which every kTLS run of this test_sockmap (older
# than that change) asks for on a socket already in its map: the run
# fails with one "setsockopt: TLS_TX(...) failed" line and nothing else.
# A test whose failed runs are all such refusals cannot run here: SKIP,
# with how many runs were refused; any other failure stays a failure,
# and so do refusals on a source without that check.
tls_refuses=""
grep -q 'TLS and sockmap are mutually exclusive' \
	"$BPFEXT_SRC/net/tls/tls_main.c" 2>/dev/null && tls_refuses=1
refusal='^setsockopt: TLS_(TX|RX)\([a-z0-9]+\) failed with error -1$'

subtests=0 ok=0 nfail=0 npass="" nsends="" ran=0 refused=0
nref=0 nother=0
while IFS= read -r line; do
	echo "# $line"
	# "#37/ 6 sockhash:ktls:txmsg test passthrough:OK", after the
	# messages of its runs.
	if [[ $line =~ ^#\ *([0-9]+)/\ *([0-9]+)\ +(sockmap|sockhash):([^:]*):(.*):(OK|FAIL)$ ]]; then
		runs=${BASH_REMATCH[2]} prepend=${BASH_REMATCH[4]}
		desc="${BASH_REMATCH[3]}${prepend:+ $prepend}: ${BASH_REMATCH[5]} (test ${BASH_REMATCH[1]})"
		subtests=$((subtests + 1))
		if [ "${BASH_REMATCH[6]}" = OK ]; then
			ok=$((ok + 1))
			if [ "$runs" -eq 0 ]; then
				skip "$desc" "test_sockmap made no run of it${prepend:+ with $prepend} (it counts that as passed)"
			else
				pass "$desc"
				ran=$((ran + 1))
			fi
		elif [ -n "$tls_refuses" ] && [ "$nref" -gt 0 ] && [ "$nother" -eq 0 ]; then
			skip "$desc" "$nref of its $runs runs need kTLS on a socket in a sockmap, which the kernel refuses since 6.1.190 (tls: reject the combination of TLS and sockmap); this test predates it"
			refused=$((refused + nref))
		else
			fail "$desc"
			nfail=$((nfail + 1))
		fi
		nref=0 nother=0
	elif [[ $line =~ ^Pass:\ ([0-9]+)\ Fail:\ ([0-9]+)$ ]]; then
		npass=${BASH_REMATCH[1]} nsends=${BASH_REMATCH[2]}
	elif [[ $line =~ $refusal ]]; then
		nref=$((nref + 1))
	else
		nother=$((nother + 1))
	fi
done < "$log"

# Its "Fail:" counts failed runs: each must be a refusal counted above.
desc="test_sockmap: passed, tests ran"
if [ "$rc" -ne 0 ]; then
	fail "$desc" "test_sockmap exited $rc"
elif [ -z "$npass" ]; then
	fail "$desc" "no \"Pass: N Fail: M\" line"
elif [ "$npass" != "$ok" ]; then
	fail "$desc" "it counted $npass tests passed, its lines $ok"
elif [ "$nfail" -ne 0 ] || [ "$nsends" -ne "$refused" ]; then
	fail "$desc" "$nfail of $subtests tests failed; $nsends runs failed, $refused of them kTLS refused"
elif [ "$ran" -eq 0 ]; then
	fail "$desc" "no test passed"
else
	pass "$desc"
fi
ktap_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KTAP helpers for bpfext tests, sourced by every tests/<group>/*.sh.
#
#   ktap_begin                    once, first
#   pass DESC | fail DESC [WHY]   record a case
#   skip DESC REASON              a case that could not run, and why
#   check DESC CMD...             pass if CMD succeeds, fail with its output
#   check_errno DESC ERRNO CMD... pass if CMD fails and says ERRNO
#   check_eq DESC WANT GOT        pass if GOT is WANT
#   ktap_end                      plan, totals, exit status
#
#   require_cmd CMD...            skip the whole test if a tool is missing
#   require_module MOD            our kernels: MOD must load, else FAIL
#   require_obj NAME...           skip if a BPF object was not built
#   obj NAME                      path of build/bpf/NAME.bpf.o
#   on_stock                      true on the stock (control) kernel
#   on_takeover                   true where our modules take over built-in
#                                 code (debian, stockdebug): no route pins them
#   on_debian                     true on Debian's packaged kernel
#   peer_ns NS DEV PEER NET ADDR...  a veth pair into a new netns (below)

ktap_n=0 ktap_pass=0 ktap_fail=0 ktap_skip=0

# BPFEXT_XTRACE=FILE: every command traced into FILE with its time, to find
# where a slow test spends it. Not to stderr, which tests capture (bash
# takes no PS4 from the environment as root).
if [ -n "${BPFEXT_XTRACE:-}" ]; then
	exec {bpfext_xtrace_fd}>>"$BPFEXT_XTRACE"
	BASH_XTRACEFD=$bpfext_xtrace_fd
	PS4='+ $EPOCHREALTIME '
	set -x
fi

ktap_begin() {
	echo "TAP version 13"
}

ktap_case() {
	ktap_n=$((ktap_n + 1))
	echo "$1 $ktap_n $2"
}

pass() {
	ktap_pass=$((ktap_pass + 1))
	ktap_case ok "$1"
}

fail() {
	ktap_fail=$((ktap_fail + 1))
	ktap_case "not ok" "$1"
	[ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/# /'
}

skip() {
	ktap_skip=$((ktap_skip + 1))
	ktap_case ok "$1 # SKIP $2"
}

check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$desc"
	else
		fail "$desc" "$out"
	fi
}

check_eq() {
	if [ "$3" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "got '$3', want '$2'"
	fi
}

# check_errno DESC "No such file" cmd...: the command must fail, and its
# message must name the expected errno (iproute2 prints strerror()).
check_errno() {
	local desc=$1 want=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		fail "$desc" "succeeded; expected: $want"
	elif grep -qF -- "$want" <<<"$out"; then
		pass "$desc"
	else
		fail "$desc" "expected '$want', got: $out"
	fi
}

ktap_end() {
	echo "1..$ktap_n"
	echo "# Totals: pass:$ktap_pass fail:$ktap_fail xfail:0 xpass:0 skip:$ktap_skip error:0"
	[ "$ktap_fail" -eq 0 ]
	exit
}

# The whole test cannot run here: one SKIP case with the reason.
skip_all() {
	skip "${0##*/}" "$1"
	ktap_end
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip_all "needs $c"
	done
}

# The kernels (tests/run.sh --kernel):
#   hooks, debug  the base patch: our modules serve alone, routes pin them
#   stock         in-tree implementations and none of ours: the control
#   debian        Debian's packaged kernel, our modules installed by DKMS:
#                 modprobe takes over the built-in code, rmmod gives it back
#   stockdebug    the stock kernel with KASAN, lockdep and kmemleak, our
#                 modules built for it taking over its built-in code
on_stock() {
	[ "${BPFEXT_KERNEL:-hooks}" = stock ]
}

on_takeover() {
	case ${BPFEXT_KERNEL:-hooks} in
	debian|stockdebug) return 0 ;;
	esac
	return 1
}

on_debian() {
	[ "${BPFEXT_KERNEL:-hooks}" = debian ]
}

# Our modules must load on our kernels: a module that does not is a
# failure of the whole test, not a skip. On Debian's kernel nothing loads
# them for us (the built-in serves): this is the takeover.
require_module() {
	local out
	on_stock && return 0
	out=$(modprobe "$1" 2>&1) && return 0
	fail "module $1 loads" "$out"
	ktap_end
}

# kconfig LINE: the running kernel's config has LINE (CONFIG_X=y). Debian
# keeps it in /boot, which the guest sees as the extracted image package.
kconfig() {
	local r f
	r=$(uname -r)
	for f in /proc/config.gz /boot/config-"$r" \
		"$BPFEXT_TOP/build/debian/image/boot/config-$r"; do
		[ -r "$f" ] || continue
		case $f in
		*.gz) zcat "$f" ;;
		*) cat "$f" ;;
		esac | grep -qx -- "$1"
		return
	done
	return 2
}

# BPF objects built by tests/bpf.mk: require_obj checks, obj names one.
obj() {
	echo "$BPFEXT_BPF/$1.bpf.o"
}

require_obj() {
	local o
	for o in "$@"; do
		[ -f "$(obj "$o")" ] || skip_all "no $(obj "$o") (make bpf)"
	done
}

# Scratch space for one test, removed on exit.
BPFEXT_TMP=$(mktemp -d)
export BPFEXT_TMP

# Network namespaces are named per test and removed on exit.
ns_prefix=bx$$
ns() { echo "${ns_prefix}_$1"; }
cleanup_netns() {
	local n
	for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${ns_prefix}_"); do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$BPFEXT_TMP"
}
trap cleanup_netns EXIT

# capture_start NS DEV OUT TCPDUMP-ARGS...: tcpdump on DEV in netns NS in
# the background, its stdout in OUT, its pid in $CAPTURE_PID. Returns once
# it is listening: a packet sent before then is not seen, and on a loaded
# host a fixed sleep is not long enough (seen: "sleep 1" missed one).
capture_start() {
	local ns=$1 dev=$2 out=$3 i
	shift 3
	ip netns exec "$ns" timeout 30 tcpdump -i "$dev" "$@" >"$out" 2>"$out.log" &
	CAPTURE_PID=$!
	for i in $(seq 200); do
		grep -q 'listening on' "$out.log" && return 0
		kill -0 "$CAPTURE_PID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# peer_ns NS DEV PEER NET [ADDR...]: veth DEV here (NET.1/24) and PEER in
# a new netns NS (NET.2/24, the ADDRs as /32, default route back through
# DEV): the far end of a test's routes. NET is three octets, e.g. 10.78.0.
peer_ns() {
	local ns=$1 dev=$2 peer=$3 net=$4 a
	shift 4
	ip netns add "$ns" &&
		ip link add "$dev" type veth peer name "$peer" netns "$ns" &&
		ip addr add "$net.1/24" dev "$dev" &&
		ip link set "$dev" up &&
		ip -n "$ns" addr add "$net.2/24" dev "$peer" || return 1
	for a in "$@"; do
		ip -n "$ns" addr add "$a/32" dev "$peer" || return 1
	done
	ip -n "$ns" link set "$peer" up &&
		ip -n "$ns" route add default via "$net.1"
}

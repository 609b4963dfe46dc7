#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the guest (make demo): an "encap bpf" route with unmodified
# iproute2 loads lwt_bpf.ko on demand, its program sees the route's
# packets, and the module is pinned until the route goes.
set -u
top=${BPFEXT_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
obj=$top/build/bpf/lwt_bpf/lwt_hooks.bpf.o
pin=/sys/fs/bpf/tc/globals/lwt_runs
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }
fails=0
expect() { "$@" || { echo "demo: FAILED: $*"; fails=$((fails + 1)); }; }

echo "kernel $(uname -r); bpfext registry: $(zcat /proc/config.gz | grep -c '^CONFIG_BPFEXT=y'), in-tree LWT BPF: $(zcat /proc/config.gz | grep -c '^CONFIG_LWTUNNEL_BPF=y')"
run grep -c lwt_bpf /proc/modules
ip netns add demo
ip link add veth0 type veth peer name veth1 netns demo
ip addr add 192.168.253.1/24 dev veth0
ip link set veth0 up
ip -n demo addr add 192.168.253.2/24 dev veth1
ip -n demo link set veth1 up

run ip route add 192.168.253.2/32 encap bpf xmit obj "$obj" section pass headroom 14 dev veth0
run grep lwt_bpf /proc/modules
run ip route show 192.168.253.2
run ping -c 5 -i 0.2 -q 192.168.253.2
expect ping -c 1 -q 192.168.253.2 >/dev/null
say "bpftool map lookup pinned $pin key 0 0 0 0   # runs of the xmit program"
bpftool map lookup pinned "$pin" key 0 0 0 0
run rmmod lwt_bpf
say "# refused: the route holds the module"
run ip route del 192.168.253.2/32
run rmmod lwt_bpf
expect test "$(grep -c '^lwt_bpf ' /proc/modules)" = 0
ip netns del demo
echo
[ "$fails" = 0 ] && echo "demo: ok" || echo "demo: $fails step(s) failed"
[ "$fails" = 0 ]

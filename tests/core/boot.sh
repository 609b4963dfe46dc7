#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest is what the other tests assume: the kernel under test, the
# tools from the host, the site registry on the hooks kernel, and on-demand
# loading of a facility's module.
. "$(dirname "$0")/../lib.sh"
ktap_begin

release=$(uname -r)
check "kernel is 6.1" grep -q '^6\.1\.' <<<"$release"
check "iproute2 from the host runs" ip -V
check "bpftool from the host runs" bpftool version
check "bpffs is mounted" grep -q ' /sys/fs/bpf bpf ' /proc/mounts
check "tracefs is there (bpf_trace_printk)" test -e /sys/kernel/debug/tracing/trace_pipe

config() { kconfig "$1"; }
if on_takeover; then
	k=$BPFEXT_KERNEL
	on_debian && check "debian: Debian's packaged kernel" grep -q 'Debian' /proc/version
	check "$k: in-tree LWT BPF is built in" config CONFIG_LWTUNNEL_BPF=y
	if config CONFIG_BPFEXT=y; then
		fail "$k: no bpfext registry"
	else
		pass "$k: no bpfext registry"
	fi
	f=$(modinfo -F filename lwt_bpf 2>&1)
	if on_debian && [[ $f == */updates/dkms/lwt_bpf.ko* ]]; then
		pass "debian: lwt_bpf.ko is installed by DKMS"
	elif ! on_debian && [[ $f == */extra/* ]]; then
		pass "$k: lwt_bpf.ko is installed for this kernel"
	else
		fail "$k: lwt_bpf.ko is installed$(on_debian && echo ' by DKMS')" "$f"
	fi
	want=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$BPFEXT_TOP/dkms.conf")
	check "$k: modinfo: version $want, as dkms.conf says" \
		test "$(modinfo -F version lwt_bpf)" = "$want"
	check "$k: modinfo: description, license, aliases" bash -c '
		[ -n "$(modinfo -F description lwt_bpf)" ] &&
		[ "$(modinfo -F license lwt_bpf)" = GPL ] &&
		modinfo -F alias lwt_bpf | grep -qx rtnl-lwt-BPF'
	check "$k: lwt_bpf is not loaded at boot" \
		bash -c '! grep -q "^lwt_bpf " /proc/modules'
elif on_stock; then
	check "stock: in-tree LWT BPF is built in" config CONFIG_LWTUNNEL_BPF=y
	if config CONFIG_BPFEXT=y; then
		fail "stock: no bpfext registry"
	else
		pass "stock: no bpfext registry"
	fi
else
	check "hooks: bpfext registry is built in" config CONFIG_BPFEXT=y
	if config CONFIG_LWTUNNEL_BPF=y; then
		fail "hooks: in-tree LWT BPF is configured out"
	else
		pass "hooks: in-tree LWT BPF is configured out"
	fi
	check "hooks: lwt_bpf.ko is installed for this kernel" \
		modinfo -F alias lwt_bpf
	check "hooks: lwt_bpf is not loaded at boot" \
		bash -c '! grep -q "^lwt_bpf " /proc/modules'
fi
ktap_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where lwt_bpf.ko cannot serve, modprobe fails, the kernel log says why in
# one line, and the built-in code keeps serving (Debian's kernel):
#  - a built-in encap bpf whose callbacks are not Linux 6.1's (a later
#    kernel, a livepatch), made so by tests/modules/bpfext_fakebuiltin;
#  - lockdown (Secure Boot) refusing a module signed with a key the kernel
#    does not trust: boot with lockdown=integrity for this case
#    (make check KERNEL=debian T=lwt_bpf/refusal KAPPEND=lockdown=integrity).
. "$(dirname "$0")/../lib.sh"
ktap_begin
on_takeover || skip_all "needs a kernel with built-in LWT BPF and no base patch (KERNEL=debian)"
require_cmd ip ping bpftool modprobe rmmod dmesg modinfo
require_obj lwt_bpf/lwt_takeover
B=$(ns b)
O=$(obj lwt_bpf/lwt_takeover)
PIN=/sys/fs/bpf/tc/globals

cleanup() {
	ip route del 10.75.1.2/32 2>/dev/null
	ip link del bxa 2>/dev/null
	rmmod bpfext_fakebuiltin 2>/dev/null
	rm -f $PIN/lwt_tko_pkts
	cleanup_netns
}
trap cleanup EXIT

loaded() { grep -q "^$1 " /proc/modules; }
loaded lwt_bpf && modprobe -r lwt_bpf

peer_ns "$B" bxa bxb 10.75.0 10.75.1.2 || { fail "veth pair into netns $B"; ktap_end; }
ip route add 10.75.1.2/32 encap bpf xmit obj "$O" section count dev bxa

forwards() {
	if ping -c 2 -i 0.2 -W 2 -q 10.75.1.2 >/dev/null 2>&1; then
		pass "$1"
	else
		fail "$1" "ping 10.75.1.2 failed"
	fi
}

# refused WHY: modprobe lwt_bpf fails, and the kernel log gains exactly one
# line about it, matching WHY. The kernel's own once-per-boot taint notice
# for an out-of-tree module ("module verification failed") is not ours, nor
# is IPv6 noting that the setup's veth came up ("ADDRCONF(NETDEV_CHANGE)"),
# which lands whenever the link's carrier does, sometimes in this window.
refused() {
	local before out lines
	before=$(dmesg | wc -l)
	if out=$(modprobe lwt_bpf 2>&1); then
		fail "modprobe lwt_bpf fails" "it loaded"
		modprobe -r lwt_bpf
		return
	fi
	pass "modprobe lwt_bpf fails: ${out##*: }"
	lines=$(dmesg | tail -n +$((before + 1)) | grep -Ev 'module verification failed|ADDRCONF\(')
	if [ "$(grep -c . <<<"$lines")" = 1 ] && grep -Eq -- "$1" <<<"$lines"; then
		pass "one kernel log line says why: $lines"
	else
		fail "one kernel log line says why" "want /$1/, got: $lines"
	fi
	if loaded lwt_bpf; then
		fail "nothing of lwt_bpf stays loaded" "$(grep '^lwt_bpf ' /proc/modules)"
	else
		pass "nothing of lwt_bpf stays loaded"
	fi
}

lockdown=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/security/lockdown 2>/dev/null)
signer=$(modinfo -F signer lwt_bpf)
if ! on_debian; then
	skip "DKMS signed lwt_bpf.ko with its own key" "DKMS installs it on Debian's kernel only"
elif [ "$signer" = "DKMS module signing key" ]; then
	pass "DKMS signed lwt_bpf.ko with its own key (Secure Boot: enroll it)"
else
	fail "DKMS signed lwt_bpf.ko with its own key" "signer '$signer'"
fi

if [ "$lockdown" = none ] || [ -z "$lockdown" ]; then
	skip "lockdown refuses lwt_bpf.ko, whose key is not enrolled" \
		"not locked down: boot with lockdown=integrity"
	check "bpfext_fakebuiltin: encap bpf callbacks not 6.1's" \
		modprobe bpfext_fakebuiltin
	forwards "the route forwards through them"
	refused "lwt_bpf: built-in encap bpf is not Linux 6.1's \(bpfext_fakebuiltin_xmit .* where bpf_xmit was expected\): not taking it over"
	forwards "the route still forwards, served by the built-in code"
	check "rmmod bpfext_fakebuiltin" rmmod bpfext_fakebuiltin
	check "then modprobe lwt_bpf takes over" modprobe lwt_bpf
	forwards "the route forwards"
	check "modprobe -r lwt_bpf" modprobe -r lwt_bpf
else
	skip "a built-in encap bpf that is not 6.1's is refused" \
		"lockdown $lockdown refuses the unsigned test module too"
	refused "Lockdown: modprobe: unsigned module loading is restricted"
	forwards "the route forwards, served by the built-in code"
fi
ktap_end

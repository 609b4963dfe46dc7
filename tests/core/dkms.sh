#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS on Debian's kernel, in the guest, with dkms's default trees
# (/usr/src, /var/lib/dkms, /lib/modules), from a copy of the sources:
# dkms.conf's BUILD_EXCLUSIVE_* turning other kernels away with exit 77.
# Booted with bpfext.slow=1, also the README's instructions as written:
# make dkms-install, modprobe, modprobe -r, make dkms-uninstall, then make
# install and make uninstall without DKMS. Those compile the suite twice
# under TCG (about 13 minutes here, with another build on the host), so the
# harness installs our modules with the same dkms on the host instead for
# every run (Makefile: debian-modules):
#   make check KERNEL=debian T=core/dkms KAPPEND="bpfext.slow=1 bpfext.test_timeout=2400"
# The module the harness installed is put back at the end.
. "$(dirname "$0")/../lib.sh"
ktap_begin
on_debian || skip_all "DKMS installs for Debian's packaged kernel (KERNEL=debian)"
require_cmd dkms make gcc modprobe modinfo
release=$(uname -r)
mods=/lib/modules/$release
src=/tmp/bpfext-src
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$BPFEXT_TOP/dkms.conf")
saved=$BPFEXT_TMP/saved
ours="lwt_bpf seg6local_bpf sk_lookup sockmap"

# The harness's copies of our modules make way for what DKMS installs.
set_aside() {
	local m
	mkdir -p "$saved" || return 1
	for m in $ours; do
		cp "$mods/updates/dkms/$m.ko" "$saved/" &&
			rm "$mods/updates/dkms/$m.ko" || return 1
	done
	depmod -a "$release"
}

cleanup() {
	modprobe -r lwt_bpf seg6local_bpf sk_lookup sockmap 2>/dev/null
	dkms remove -m bpfext -v "$version" --all >/dev/null 2>&1
	rm -rf "$mods/extra/modules" "$src" /tmp/fake-kernel
	if [ -d "$saved" ]; then
		mkdir -p "$mods/updates/dkms"
		cp "$saved"/*.ko "$mods/updates/dkms/"
		depmod -a "$release"
	fi
	cleanup_netns
}
trap cleanup EXIT

slow=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^bpfext\.slow=//p')
[ -d /sys/module/lwt_bpf ] && modprobe -r lwt_bpf
# The dkms package makes /var/lib/dkms; the guest's /var/lib is a new
# tmpfs. /usr/src is the host's, read-only: DKMS writes its copy on top.
mkdir -p /var/lib/dkms
mkdir -p /run/usrsrc/upper /run/usrsrc/work
mount -t overlay overlay \
	-o lowerdir=/usr/src,upperdir=/run/usrsrc/upper,workdir=/run/usrsrc/work /usr/src ||
	{ fail "a writable /usr/src for DKMS"; ktap_end; }

# What a user has: the tree (a checkout), read-write. Without what a
# build of the host's tree left, which may be being written (CI builds the
# hooks kernel's modules while this runs).
mkdir -p "$src"
(cd "$BPFEXT_TOP" && tar -c --exclude='*.o' --exclude='*.ko' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' \
	--exclude='modules.order' --exclude='Module.symvers' \
	Makefile dkms.conf Kbuild include uapi modules) | tar -x -C "$src"

if [ "$slow" != 1 ]; then
	# Added only, never built: enough for dkms.conf's exclusions.
	make -s -C "$src" dkms-src >/dev/null &&
		check "dkms add" dkms add -m bpfext -v "$version"
	skip "make dkms-install, modprobe, make dkms-uninstall, make install" \
		"compiles under TCG: boot with bpfext.slow=1"
elif ! set_aside; then
	fail "the harness's modules set aside"
	ktap_end
elif out=$(make -C "$src" dkms-install 2>&1); then
	pass "make dkms-install"
else
	fail "make dkms-install" "$(tail -n 20 <<<"$out")"
	ktap_end
fi
if [ "$slow" = 1 ]; then
	check "dkms status: installed for $release" \
		bash -c "dkms status -m bpfext -v $version | grep -q '$release.*installed'"
	f=$(modinfo -F filename lwt_bpf 2>&1)
	if [ "$f" = "$mods/updates/dkms/lwt_bpf.ko" ]; then
		pass "modinfo finds it in updates/dkms"
	else
		fail "modinfo finds it in updates/dkms" "$f"
	fi
	check "its copy of the sources is /usr/src/bpfext-$version, no build leftovers" \
		bash -c "test -f /usr/src/bpfext-$version/dkms.conf &&
			! find /usr/src/bpfext-$version -name '*.o' | grep -q ."
	check "modprobe lwt_bpf" modprobe lwt_bpf
	check "it took over the built-in encap bpf" \
		bash -c "dmesg | grep 'lwt_bpf: ' | tail -n1 | grep -q 'taken over'"
	check "modprobe -r lwt_bpf" modprobe -r lwt_bpf
fi

# Kernels the suite cannot serve: DKMS says so with 77, which a kernel
# upgrade's hook takes as "not for this kernel", not as a failure.
excluded() {
	local rel=$1 cfg=$2 rc
	rm -rf /tmp/fake-kernel
	mkdir -p /tmp/fake-kernel
	printf '%s\n' $cfg > /tmp/fake-kernel/.config
	dkms build -m bpfext -v "$version" -k "$rel" \
		--kernelsourcedir /tmp/fake-kernel >/dev/null 2>&1
	rc=$?
	if [ $rc = 77 ]; then
		pass "dkms build for $rel ($3): exit 77"
	else
		fail "dkms build for $rel ($3): exit 77" "exit $rc"
	fi
}
ok_cfg="CONFIG_LWTUNNEL_BPF=y CONFIG_KPROBES=y CONFIG_KALLSYMS_ALL=y CONFIG_DYNAMIC_FTRACE_WITH_ARGS=y"
excluded 6.2.0-fake "$ok_cfg" "not 6.1"
excluded 6.1.0-fake "${ok_cfg/CONFIG_LWTUNNEL_BPF=y/}" "no built-in LWT BPF"
excluded 6.1.0-fake "${ok_cfg/CONFIG_KPROBES=y/}" "no kprobes"
excluded 6.1.0-fake "${ok_cfg/CONFIG_DYNAMIC_FTRACE_WITH_ARGS=y/}" "no ftrace with arguments (sk_lookup's redirects)"
excluded 6.1.0-fake "$ok_cfg CONFIG_X86_KERNEL_IBT=y" "IBT"

[ "$slow" = 1 ] || ktap_end
if out=$(make -C "$src" dkms-uninstall 2>&1); then
	pass "make dkms-uninstall"
else
	fail "make dkms-uninstall" "$(tail -n 20 <<<"$out")"
fi
check "nothing of it is left" bash -c "
	! dkms status -m bpfext | grep -q . &&
	! test -e $mods/updates/dkms/lwt_bpf.ko &&
	! test -e /usr/src/bpfext-$version &&
	! modinfo lwt_bpf >/dev/null 2>&1"

# Without DKMS.
if out=$(make -C "$src" install 2>&1); then
	pass "make install"
else
	fail "make install" "$(tail -n 20 <<<"$out")"
fi
check "it is in extra/ and loads" bash -c "
	test -f $mods/extra/modules/lwt_bpf/lwt_bpf.ko &&
	modprobe lwt_bpf && modprobe -r lwt_bpf"
check "make uninstall" make -C "$src" uninstall
check "nothing of it is left" bash -c "! modinfo lwt_bpf >/dev/null 2>&1"
ktap_end

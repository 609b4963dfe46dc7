#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest's init: the host's root is the guest's root, read-only over 9p.
# Mounts what a test system needs, stages the modules, runs the command
# given by the host on the second serial port, reports its exit status and
# reboots (QEMU runs with -no-reboot, so that ends the run).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp/home LANG=C.UTF-8 TERM=dumb
# The checkout is read-only here: without a writable cache python3
# compiles every module it imports from the tree again on each run.
export PYTHONPYCACHEPREFIX=/tmp/pycache

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
exec </dev/null >/dev/ttyS1 2>&1

arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^bpfext\.$1=//p"; }
top=$(arg top)

# devtmpfs has no /dev/fd: bash process substitution and many tools need it.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
# The checkout may live under a directory that gets a tmpfs below (a CI
# clone in /tmp): hold on to it and put it back on top afterwards.
mkdir -p /run/bpfext-top
mount --bind "$top" /run/bpfext-top
for d in /tmp /var/tmp /var/lib /var/log /mnt /srv; do
	mount -t tmpfs -o mode=1777 tmpfs "$d"
done
if [ ! -d "$top/tests/qemu" ]; then
	mkdir -p "$top"
	mount --move /run/bpfext-top "$top"
fi
mkdir -p "$HOME" /run/netns /var/lib/misc
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
hostname bpfext-guest
ip link set lo up

cmdfile=$(arg cmd)
modroot=$(arg modroot)
export BPFEXT_TOP=$top

# The host may have no /lib/modules/<release> to mount on: lay a tmpfs
# over /usr/lib so it can be made.
release=$(uname -r)
mkdir -p /run/ovl/upper /run/ovl/work
mount -t overlay overlay \
	-o lowerdir=/usr/lib,upperdir=/run/ovl/upper,workdir=/run/ovl/work /usr/lib
mkdir -p /lib/modules
# The staged tree as /lib/modules/<release>, read from the host where it
# is (copying Debian's 400 MB would cost more than the run), writable on
# a tmpfs for depmod and dkms. It hides the host's own tree of the same
# release, whose modules are not the ones under test.
if [ "$modroot" != none ] && [ -d "$modroot/lib/modules/$release" ]; then
	mods=/lib/modules/$release
	lower=$modroot/lib/modules/$release
	mkdir -p "$mods" /run/ovl-mod/upper /run/ovl-mod/work
	# A path overlayfs cannot take (a ',' or ':' in it): copy, as before.
	mount -t overlay overlay -o \
		"lowerdir=$lower,upperdir=/run/ovl-mod/upper,workdir=/run/ovl-mod/work" "$mods" ||
		cp -a "$lower/." "$mods/"
	# A tree staged with its indexes (Debian's: kernel/debian.sh) needs
	# depmod only for modules added after them (updates/, extra/). Its
	# kernel/ came indexed: a stat of each of its 4000 files over 9p
	# would cost 20 s.
	if [ ! -e "$mods/modules.dep" ] ||
		[ -n "$(find "$mods" -path "$mods/kernel" -prune -o \
			-name '*.ko*' -newer "$mods/modules.dep" -print -quit)" ]; then
		depmod -a "$release"
	fi
fi

echo "bpfext guest: $(uname -r), $(nproc) CPUs; running: $(cat "$cmdfile")"
cd /tmp || exit 1
bash "$cmdfile"
rc=$?

# The console can lag behind the log (another CPU may hold it) and the
# reboot below cuts it off: send the whole log to the host, with
# kmemleak's reports, which it only counts in the log.
echo "BPFEXT-DMESG-BEGIN"
if [ -w /sys/kernel/debug/kmemleak ]; then
	# Objects younger than 5 s are not reported yet: let the last
	# test's leaks age, and let RCU callbacks free what they free.
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
fi
dmesg
echo "BPFEXT-DMESG-END"
echo "BPFEXT-EXIT: $rc"
# The reset does not wait for the UART: its buffer may still hold the last
# lines (seen with Debian's kernel, the verdict lost). stty sets the line
# with TCSADRAIN, which returns once all is sent.
stty -F /dev/ttyS1 "$(stty -F /dev/ttyS1 -g)" 2>/dev/null
echo b > /proc/sysrq-trigger
sleep 10

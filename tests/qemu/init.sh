#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest's init: the host's root is the guest's root, read-only over 9p.
# Mounts what a test system needs, stages the modules, runs the command
# given by the host on the second serial port, reports its exit status and
# reboots (QEMU runs with -no-reboot, so that ends the run).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp/home LANG=C.UTF-8 TERM=dumb

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
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
hostname bpfext-guest
ip link set lo up

cmdfile=$(arg cmd)
modroot=$(arg modroot)
export BPFEXT_TOP=$top

# The host may have no /lib/modules to mount on: lay a tmpfs over /usr/lib
# so the staged tree can be copied in and depmod can write.
release=$(uname -r)
mkdir -p /run/ovl/upper /run/ovl/work
mount -t overlay overlay \
	-o lowerdir=/usr/lib,upperdir=/run/ovl/upper,workdir=/run/ovl/work /usr/lib
mkdir -p /lib/modules
if [ "$modroot" != none ] && [ -d "$modroot/lib/modules/$release" ]; then
	cp -a "$modroot/lib/modules/$release" /lib/modules/
	depmod -a "$release"
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
echo b > /proc/sysrq-trigger
sleep 10

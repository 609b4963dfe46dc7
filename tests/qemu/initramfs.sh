#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# /init of the initramfs kernel/debian.sh builds (busybox), for a kernel
# whose virtio-pci and 9p are modules, as Debian's packaged one. It does
# what a kernel with them built in does by itself, from the same command
# line: loads the modules, mounts root= as rootfstype= with rootflags=
# (read-only on "ro") and runs init= there, the parameters initramfs-tools'
# /init honours too. So tests/qemu/run.sh boots either kind of kernel with
# one command line, tests/qemu/init.sh given as init=.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc

# QEMU runs with -no-reboot: rebooting ends the run. The reason goes to
# the kernel log, which the console prints before the reset (a tty write
# could still be in the UART's buffer) and run.sh shows.
die() {
	echo "initramfs: $*" > /dev/kmsg
	reboot -f
}

root="" fstype="" flags="" init=/sbin/init mode=rw
# Words, not lines; no globbing of them.
set -f
# shellcheck disable=SC2013
for a in $(cat /proc/cmdline); do
	case "$a" in
	root=*) root=${a#root=} ;;
	rootfstype=*) fstype=${a#rootfstype=} ;;
	rootflags=*) flags=${a#rootflags=} ;;
	init=*) init=${a#init=} ;;
	ro) mode=ro ;;
	rw) mode=rw ;;
	esac
done
set +f
{ [ -n "$root" ] && [ -n "$fstype" ]; } || die "no root= and rootfstype= on the command line"

# In dependency order (kernel/debian.sh wrote it so).
while read -r m; do
	insmod "/lib/modules/$m" || die "insmod $m failed"
done < /lib/modules/load.order

mount -t "$fstype" -o "$mode${flags:+,$flags}" "$root" /root ||
	die "cannot mount $root ($fstype, $mode,$flags)"
[ -x "/root$init" ] || die "no init $init in $root"
# init starts as on a kernel without an initramfs: no proc or sys; the
# console's devtmpfs moves along, as it is still open.
umount /proc
mount --move /dev /root/dev || die "cannot move /dev to the new root"
exec switch_root /root "$init"

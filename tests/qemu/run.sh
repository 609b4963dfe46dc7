#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots a test kernel under QEMU (TCG) with the host's root shared read-only
# over virtio-9p, and runs a command in it as the guest's init.
#
#   tests/qemu/run.sh [options] -- command [args]
#     -k DIR      kernel build directory (build/hooks)
#     -m DIR      staged module tree (DIR/lib/modules/<release>)
#     -t SECONDS  timeout for the whole run (default 900)
#     -l FILE     where the guest's kernel log goes (default: a temp file)
#     -i          deterministic clock: -icount shift=0,sleep=off; implies
#                 one vCPU (QEMU 7.2 never brings up a second one under
#                 icount, and icount runs vCPUs one at a time anyway)
#     -c CPUS     vCPUs (default 2, 1 with -i)
#     -M MIB      guest memory (default 2048)
#     -a ARGS     more kernel command line (e.g. lockdown=integrity)
#     -r FILE     initramfs (default: KDIR/initrd.img if there, else none);
#                 for kernels whose virtio-pci and 9p are modules (Debian's,
#                 kernel/debian.sh): its /init (tests/qemu/initramfs.sh)
#                 loads them and mounts the root from the same command line
#
# The command's output streams to stdout. The run fails if the command
# fails, the guest does not finish in time, or the kernel log shows an
# oops, BUG, WARNING, KASAN, lockdep or kmemleak report.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kdir="" modroot="" timeout=900 klog="" icount=0 mem=2048 cpus="" initrd="" kappend=""
while getopts "k:m:t:l:ic:M:r:a:" opt; do
	case $opt in
	k) kdir=$(cd "$OPTARG" && pwd) ;;
	m) modroot=$(cd "$OPTARG" && pwd) ;;
	t) timeout=$OPTARG ;;
	l) klog=$OPTARG ;;
	i) icount=1 ;;
	c) cpus=$OPTARG ;;
	M) mem=$OPTARG ;;
	a) kappend=$OPTARG ;;
	r) initrd=$(realpath "$OPTARG") ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: $0 -k KDIR [-m MODROOT] -- command" >&2; exit 2; }
[ -n "$kdir" ] && [ -f "$kdir/arch/x86/boot/bzImage" ] ||
	{ echo "run.sh: no bzImage in '$kdir'" >&2; exit 2; }
[ -n "$initrd" ] || [ ! -f "$kdir/initrd.img" ] || initrd=$kdir/initrd.img
[ -z "$initrd" ] || [ -f "$initrd" ] || { echo "run.sh: no initramfs '$initrd'" >&2; exit 2; }

# Not under /tmp: the guest mounts its own tmpfs there.
mkdir -p "$here/../../build/tmp"
work=$(mktemp -d "$(cd "$here/../../build/tmp" && pwd)/qemu.XXXXXX")
trap 'rm -rf "$work"' EXIT
[ -n "$klog" ] || klog=$work/kernel.log
: > "$klog"

# The guest reads its command from here (the host's /tmp is visible).
printf '%q ' "$@" > "$work/cmd"
echo >> "$work/cmd"

accel=(-accel tcg)
if [ "$icount" = 1 ]; then
	accel+=(-icount shift=0,sleep=off)
	cpus=${cpus:-1}
fi
cpus=${cpus:-2}
# With an initramfs, its /init reads root=, rootfstype=, rootflags=, ro and
# init= from the same command line and does what the kernel would.
boot=(-kernel "$kdir/arch/x86/boot/bzImage")
[ -z "$initrd" ] || boot+=(-initrd "$initrd")

# cache=loose: the host tree does not change under a running guest, and
# without it every exec re-reads the binary over 9p (a bare boot to a shell
# command took 40 s instead of 16 s).
# norandmaps: TCG keys translated code on the virtual address too, so with
# ASLR every process's shared libraries are translated afresh; without it
# an exec of ip(8) took 29 ms instead of 56, and tests ran about 20%
# faster. No test here depends on address randomization.
# Test output and the exit code come back on the second serial port, the
# kernel's console on the first; keeping them apart lets the kernel log be
# scanned whole.
set +e
timeout --foreground -k 10 "$timeout" \
qemu-system-x86_64 "${accel[@]}" -cpu max -smp "$cpus" -m "$mem" \
	-nodefaults -display none -no-reboot \
	"${boot[@]}" \
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=root,mount_tag=root \
	-serial "file:$klog" -serial stdio \
	-append "console=ttyS0 root=root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose ro \
init=$here/init.sh norandmaps panic=-1 oops=panic panic_on_warn=0 loglevel=7 \
bpfext.cmd=$work/cmd bpfext.modroot=${modroot:-none} bpfext.top=$(cd "$here/../.." && pwd) $kappend" \
	< /dev/null | tee "$work/out" |
	awk '/^BPFEXT-DMESG-BEGIN/ { hide = 1 } !hide { print; fflush() } /^BPFEXT-DMESG-END/ { hide = 0 }'
rc=${PIPESTATUS[0]}
set -e
# The guest's own copy of its log, complete even where the console lagged.
sed -n '/^BPFEXT-DMESG-BEGIN/,/^BPFEXT-DMESG-END/p' "$work/out" >> "$klog"

status=$(sed -n 's/^BPFEXT-EXIT: \([0-9]*\).*/\1/p' "$work/out" | tail -n1)
fail=0
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "run.sh: guest timed out after ${timeout}s" >&2
	fail=1
elif [ -z "$status" ]; then
	echo "run.sh: guest ended without an exit status (qemu rc $rc)" >&2
	fail=1
elif [ "$status" != 0 ]; then
	fail=1
fi

# Kernel reports that fail a run even when every test passed.
bad='(Oops|BUG:|WARNING:|Kernel panic|KASAN:|UBSAN:|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|unreferenced object|INFO: task .* blocked|general protection fault|Call Trace:)'
if grep -Eq "$bad" "$klog"; then
	echo "run.sh: kernel log shows a problem:" >&2
	# head closes the pipe early on a long report: not an error here.
	grep -En -B2 -A25 "$bad" "$klog" | head -n 120 >&2 || true
	fail=1
fi
[ "$fail" = 0 ] || { [ -n "$status" ] || tail -n 40 "$klog" >&2; }

# The summary line is the verdict readers look for: a kernel report or a
# lost guest counts as one more failure there too.
if [ "$fail" = 1 ] && [ "$status" = 0 -o -z "$status" ]; then
	# A guest lost before its runner's summary has none: no match is fine.
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/out" | tail -n1) || true
	set -- $(echo "${last:-0 passed, 0 failed, 0 skipped}" | tr -dc '0-9 ')
	echo "${1:-0} passed, $(( ${2:-0} + 1 )) failed, ${3:-0} skipped"
fi
exit $fail

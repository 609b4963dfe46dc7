# SPDX-License-Identifier: GPL-2.0
#
# What the host sides of the benchmarks share (bench/run.sh,
# bench/sk_lookup.sh); sourced, not run.

log() { echo "bench: $*" >&2; }

# Exits unless no kernel/build.sh runs: it may be about to replace a
# bzImage or a staged tree under the guest, and two builds of one tree
# corrupt it.
no_kernel_build() {
	local running

	running=$(pgrep -f 'kernel/build\.sh' || true)
	[ -z "$running" ] && return 0
	log "a kernel build is running (pid $(echo "$running" | paste -sd' ')):" \
		"benchmark after it has finished"
	exit 1
}

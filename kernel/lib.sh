# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154
#
# Shared by kernel/build.sh and kernel/debian.sh (sourced, not run). The
# caller sets $build (the build/ directory) and defines log().

# Debian's linux-source-6.1 into $build/src: the hooks and stock kernels
# build from it, and tests/bpf.mk and upstream's tests use it whatever
# the kernel.
extract_source() {
	[ -f "$build/src/Makefile" ] && return
	local tarball
	tarball=$(dpkg -L linux-source-6.1 2>/dev/null | grep -E '/linux-source-6\.1\.tar\.xz$' | head -n1 || true)
	[ -n "$tarball" ] || { log "linux-source-6.1 is not installed (make deps)"; exit 1; }
	log "extracting $tarball"
	rm -rf "$build/src.tmp"
	mkdir -p "$build/src.tmp"
	tar -xJf "$tarball" -C "$build/src.tmp" --strip-components=1
	mv "$build/src.tmp" "$build/src"
}

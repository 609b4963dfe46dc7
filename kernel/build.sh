#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds one of the three test kernels from Debian's linux-source-6.1
# (Debian's packaged kernel, the fourth, is kernel/debian.sh's):
#
#   stock       unpatched source, in-tree implementations built in (the control)
#   hooks       base patch applied, replaced in-tree implementations configured out
#   debug       the hooks kernel with KASAN, lockdep and kmemleak
#   stockdebug  the stock kernel with them: our modules taking over its
#               built-in code, under the checkers
#
# Layout under build/ (git-ignored):
#   src/          pristine extracted source
#   src-hooks/    hard-linked copy of src/ with kernel/patches/series applied
#   <flavour>/    O= output directory; bzImage, vmlinux and Module.symvers
#
# A repeat run with nothing changed is a no-op; a changed patch re-applies
# the series and touches every file the old or new series changed, so make
# rebuilds exactly those.
set -euo pipefail

flavour=${1:?usage: kernel/build.sh stock|hooks|debug|stockdebug}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
out=$build/$flavour
jobs=${JOBS:-$(($(nproc) + 1))}
export CCACHE_DIR=${CCACHE_DIR:-$build/ccache}
export CCACHE_BASEDIR=$build
kcc="ccache gcc"
command -v ccache >/dev/null || kcc=gcc

log() { printf '[kernel %s] %s\n' "$flavour" "$*" >&2; }

# shellcheck source=kernel/lib.sh
. "$top/kernel/lib.sh"

# Files a patch series touches, one per line.
series_files() {
	local dir=$1 p
	[ -f "$dir/series" ] || return 0
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		sed -n 's|^+++ [^/]*/\([^[:space:]]*\).*|\1|p' "$dir/$p"
	done < "$dir/series"
}

prepare_hooks_source() {
	local src=$build/src-hooks stamp=$build/src-hooks.applied
	local want
	want=$(cat "$top/kernel/patches/series" "$top"/kernel/patches/*.patch | sha256sum | cut -d' ' -f1)
	if [ -f "$stamp/hash" ] && [ "$(cat "$stamp/hash")" = "$want" ] && [ -d "$src" ]; then
		return
	fi
	log "applying kernel/patches/series"
	local old_files=""
	[ -d "$stamp" ] && old_files=$(series_files "$stamp")
	rm -rf "$src" "$src.tmp"
	cp -al "$build/src" "$src.tmp"
	local p
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		# patch(1) writes a new file and renames it, so the pristine
		# tree behind the hard links stays untouched.
		patch -s -p1 -d "$src.tmp" < "$top/kernel/patches/$p"
	done < "$top/kernel/patches/series"
	# A file the previous series changed but this one does not is back to
	# the pristine inode with its old mtime: touch it so make notices.
	local f
	for f in $old_files $(series_files "$top/kernel/patches"); do
		[ -e "$src.tmp/$f" ] || continue
		cp --remove-destination "$src.tmp/$f" "$src.tmp/$f.bpfext" && mv "$src.tmp/$f.bpfext" "$src.tmp/$f"
		touch "$src.tmp/$f"
	done
	mv "$src.tmp" "$src"
	rm -rf "$stamp"
	mkdir -p "$stamp"
	cp "$top"/kernel/patches/series "$top"/kernel/patches/*.patch "$stamp/"
	echo "$want" > "$stamp/hash"
}

configure() {
	local src=$1 frags=("${@:2}")
	local want
	want=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)
	if [ -f "$out/.config" ] && [ "$(cat "$out/.bpfext-config-hash" 2>/dev/null)" = "$want" ]; then
		return
	fi
	log "configuring: tinyconfig + ${frags[*]##*/}"
	mkdir -p "$out"
	make -s -C "$src" O="$out" CC="$kcc" tinyconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null
	make -s -C "$src" O="$out" CC="$kcc" olddefconfig >/dev/null
	# merge_config only warns; a fragment line that did not take is a bug.
	local frag line
	for frag in "$top/kernel/config/base.config" "${frags[@]:2}"; do
		while read -r line; do
			case "$line" in CONFIG_*=*) ;; *) continue ;; esac
			grep -qx -- "$line" "$out/.config" || log "note: $line did not take (${frag##*/})"
		done < "$frag"
	done
	echo "$want" > "$out/.bpfext-config-hash"
}

extract_source
cfg=$top/kernel/config
case "$flavour" in
stock|stockdebug)
	src=$build/src
	extra=()
	[ "$flavour" = stockdebug ] && extra=("$cfg/debug.config")
	configure "$src" "$cfg/base.config" "$src/tools/testing/selftests/bpf/config" \
		"$cfg/trim.config" "$cfg/stock.config" "${extra[@]}"
	;;
hooks|debug)
	prepare_hooks_source
	src=$build/src-hooks
	extra=()
	[ "$flavour" = debug ] && extra=("$cfg/debug.config")
	configure "$src" "$cfg/base.config" "$src/tools/testing/selftests/bpf/config" \
		"$cfg/trim.config" "$cfg/hooks.config" "${extra[@]}"
	;;
*)
	log "unknown flavour"; exit 1 ;;
esac

log "make bzImage modules (-j$jobs)"
start=$(date +%s)
make -s -C "$src" O="$out" CC="$kcc" -j"$jobs" bzImage modules
log "built in $(( $(date +%s) - start ))s: $out/arch/x86/boot/bzImage"
ln -sfn "$src" "$out/source-tree"

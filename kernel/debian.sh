#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepares Debian's own packaged kernel, the one a fresh Debian 12 machine
# runs (the package linux-image-amd64 depends on), for tests/qemu/run.sh.
# The image package is downloaded and unpacked, never installed: the host
# needs only the matching headers package (for DKMS builds).
#
#   kernel/debian.sh          download, unpack, stage; a no-op when nothing changed
#   kernel/debian.sh depmod   re-index the staged module tree, after modules
#                             were installed into its updates/dkms/
#
# Layout under build/debian/ (git-ignored):
#   debs/                   the image .deb (apt-get download; reused when present)
#   image/                  its contents (dpkg-deb -x), with depmod run on them
#   arch/x86/boot/bzImage   -> image/boot/vmlinuz-<release>, where run.sh looks
#   include/config/kernel.release   the release, where the Makefile looks
#   initrd.img              busybox-static, the image's own virtio-pci, 9p and
#                           overlay modules, tests/qemu/initramfs.sh as /init
#   modroot/lib/modules/<release>/  the guest's /lib/modules/<release>: the
#                           image's modules (hard links), the headers' build
#                           and source links, and updates/dkms/ for ours
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
out=$build/debian
debs=$out/debs
image=$out/image
modroot=$out/modroot
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo

log() { printf '[kernel debian] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# shellcheck source=kernel/lib.sh
. "$top/kernel/lib.sh"

# The modules the initramfs loads, with their dependencies: the kernel has
# virtio-pci and 9p as modules, so it cannot reach its root without them;
# tests/qemu/init.sh mounts an overlay before /lib/modules is set up.
initrd_modules=(virtio_pci 9pnet_virtio 9p overlay)

# Staging layout version: bump it when the modroot's layout changes, so an
# old tree is restaged.
layout=1

if [ "${1:-}" = depmod ]; then
	# Another step installs our modules into
	# $modroot/lib/modules/<release>/updates/dkms/ and then calls this;
	# the guest finds the tree indexed and skips its own depmod.
	release=$(cat "$out/include/config/kernel.release" 2>/dev/null) ||
		die "not prepared yet: run kernel/debian.sh"
	depmod -b "$modroot" "$release"
	exit 0
fi
[ $# -eq 0 ] || die "usage: kernel/debian.sh [depmod]"

# What a fresh Debian 12 machine would install: linux-image-amd64's kernel.
image_package() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: <\{0,1\}\(linux-image-[^ >]*\)>\{0,1\}$/\1/p' |
		head -n1 || true
}
candidate() {
	apt-cache show --no-all-versions "$1" 2>/dev/null |
		sed -n 's/^Version: //p' | head -n1 || true
}
pkg=$(image_package)
version=""
[ -z "$pkg" ] || version=$(candidate "$pkg")
if [ -z "$version" ]; then
	# No package lists yet (a fresh container): only then ask the mirror.
	log "linux-image-amd64 not known to apt-cache: apt-get update"
	$sudo apt-get update -q
	pkg=$(image_package)
	[ -n "$pkg" ] || die "apt-cache knows no linux-image-amd64"
	version=$(candidate "$pkg")
	[ -n "$version" ] || die "apt-cache knows no $pkg"
fi
release=${pkg#linux-image-}

# Checked before any download. Modules we build with DKMS must match the
# image exactly: the headers of another upload of the same ABI can differ
# in config and symbol versions.
hstat=$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "linux-headers-$release" 2>/dev/null || true)
case "$hstat" in
"ii  $version") ;;
ii*)
	die "linux-headers-$release is ${hstat#ii  }, the image is $version: apt-get install linux-headers-$release=$version" ;;
*)
	die "linux-headers-$release is not installed (make deps, or apt-get install linux-headers-$release)" ;;
esac
[ -e "/lib/modules/$release/build/Makefile" ] ||
	die "/lib/modules/$release/build is not the headers of $release"

# The .deb of exactly that version; a present one (apt-get download names
# it after the version, with an epoch's ':' escaped) is reused.
deb=""
for f in "$debs/${pkg}_"*.deb; do
	[ -f "$f" ] || continue
	[ "$(dpkg-deb -f "$f" Version 2>/dev/null)" = "$version" ] && deb=$f
done
if [ -z "$deb" ]; then
	log "apt-get download $pkg=$version"
	rm -rf "$debs/tmp"
	mkdir -p "$debs/tmp"
	# A download cut short never looks like a usable .deb in debs/.
	(cd "$debs/tmp" && apt-get download -q "$pkg=$version")
	for f in "$debs/tmp/"*.deb; do
		[ "$(dpkg-deb -f "$f" Package)" = "$pkg" ] || die "unexpected download: $f"
		mv "$f" "$debs/"
		deb=$debs/${f##*/}
	done
	rmdir "$debs/tmp"
	[ -n "$deb" ] || die "apt-get download $pkg gave no .deb"
fi
debid="${deb##*/} $(stat -c %s "$deb")"

extract_source

# Debian 12's packages put modules in /lib/modules, later ones may use
# merged /usr's /usr/lib/modules: take whichever the package has.
image_moddir() {
	local d
	for d in lib usr/lib; do
		[ -d "$1/$d/modules/$release/kernel" ] && { echo "$1/$d/modules/$release"; return; }
	done
	return 1
}

if [ "$(cat "$out/image.stamp" 2>/dev/null)" != "$debid" ] || [ ! -d "$image" ]; then
	log "unpacking ${deb##*/}"
	rm -rf "$image" "$image.tmp" "$out/image.stamp"
	dpkg-deb -x "$deb" "$image.tmp"
	moddir=$(image_moddir "$image.tmp") || die "no lib/modules/$release in ${deb##*/}"
	[ -f "$image.tmp/boot/vmlinuz-$release" ] || die "no boot/vmlinuz-$release in ${deb##*/}"
	# The package leaves the indexes to its postinst. depmod -b takes the
	# directory above lib/modules.
	depmod -b "${moddir%/lib/modules/"$release"}" "$release"
	mv "$image.tmp" "$image"
	echo "$debid" > "$out/image.stamp"
fi
moddir=$(image_moddir "$image") || die "no lib/modules/$release in $image"

# Where existing scripts look for a kernel build's results.
mkdir -p "$out/arch/x86/boot" "$out/include/config"
ln -sfn "../../../image/boot/vmlinuz-$release" "$out/arch/x86/boot/bzImage"
[ "$(cat "$out/include/config/kernel.release" 2>/dev/null)" = "$release" ] ||
	echo "$release" > "$out/include/config/kernel.release"

# The guest's module tree. Hard links: 400 MB staged in a second, and
# tests/qemu/init.sh lays a tmpfs over it, so the guest never writes them.
stamp="$debid layout=$layout"
if [ "$(cat "$out/modroot.stamp" 2>/dev/null)" != "$stamp" ] ||
	[ ! -d "$modroot/lib/modules/$release" ]; then
	log "staging $modroot/lib/modules/$release"
	rm -rf "$modroot" "$modroot.new" "$out/modroot.stamp"
	mkdir -p "$modroot.new/lib/modules"
	mr=$modroot.new/lib/modules/$release
	cp -al "$moddir" "$mr"
	# The indexes are rewritten by every depmod: copies, so that none
	# can reach the image's through a link.
	for f in "$mr"/modules.*; do
		cp "$f" "$f.bpfext" && mv "$f.bpfext" "$f"
	done
	# The headers package's links, for builds in the guest (DKMS): the
	# host's /lib/modules/<release> is hidden below the staged tree there.
	cp -P "/lib/modules/$release/build" "$mr/"
	[ ! -L "/lib/modules/$release/source" ] || cp -P "/lib/modules/$release/source" "$mr/"
	mkdir -p "$mr/updates/dkms"
	mv "$modroot.new" "$modroot"
	echo "$stamp" > "$out/modroot.stamp"
fi

# A module and, before it, everything it needs (modules.dep lists each
# module's dependencies, all of them, but in no order we rely on).
declare -A deps=() path=() seen=()
order=()
while IFS= read -r line; do
	m=${line%%:*}
	n=${m##*/}
	n=${n%%.ko*}
	path[${n//-/_}]=$m
	deps[$m]=${line#*:}
done < "$moddir/modules.dep"
add_module() {
	local m=$1 d
	[ -z "${seen[$m]:-}" ] || return 0
	seen[$m]=1
	for d in ${deps[$m]}; do
		add_module "$d"
	done
	order+=("$m")
}
for n in "${initrd_modules[@]}"; do
	[ -n "${path[$n]:-}" ] || die "$n is not a module of $release"
	add_module "${path[$n]}"
done

busybox=$(dpkg -L busybox-static 2>/dev/null | grep -E '/bin/busybox$' | head -n1 || true)
[ -n "$busybox" ] || die "busybox-static is not installed (make deps)"
init=$top/tests/qemu/initramfs.sh
want=$( { echo "$debid"; printf '%s\n' "${order[@]}"; cat "$busybox" "$init"; } |
	sha256sum | cut -d' ' -f1)
if [ "$(cat "$out/initrd.stamp" 2>/dev/null)" != "$want" ] || [ ! -f "$out/initrd.img" ]; then
	log "initramfs: busybox, ${order[*]##*/}"
	root=$out/initramfs
	rm -rf "$root" "$out/initrd.stamp"
	mkdir -p "$root"/{bin,dev,proc,sys,root,lib/modules}
	cp "$busybox" "$root/bin/busybox"
	cp "$init" "$root/init"
	chmod 755 "$root/init"
	# Decompressed here: busybox's insmod need not know the format.
	for m in "${order[@]}"; do
		n=${m##*/}
		case "$n" in
		*.ko) cp "$moddir/$m" "$root/lib/modules/$n" ;;
		*.ko.xz) xz -dc "$moddir/$m" > "$root/lib/modules/${n%.xz}" ;;
		*.ko.zst) zstd -qdc "$moddir/$m" > "$root/lib/modules/${n%.zst}" ;;
		*.ko.gz) gzip -dc "$moddir/$m" > "$root/lib/modules/${n%.gz}" ;;
		*) die "$m: unknown module format" ;;
		esac
		echo "${n%.ko*}.ko" >> "$root/lib/modules/load.order"
	done
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) | gzip -n -1 > "$out/initrd.img.tmp"
	mv "$out/initrd.img.tmp" "$out/initrd.img"
	echo "$want" > "$out/initrd.stamp"
fi
log "ready: $release ($version), $out"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Installs the Debian 12 packages bpfext builds and tests with. Idempotent:
# does nothing when all are present.
set -euo pipefail
pkgs=(
	linux-source-6.1 build-essential bc bison flex libelf-dev libssl-dev
	dwarves ccache diffstat kmod cpio xz-utils sparse
	qemu-system-x86 clang llvm libbpf-dev bpftool gcc-multilib
	iproute2 iputils-ping netcat-openbsd socat ethtool tcpdump psmisc
	python3 iperf3 procps
	linux-headers-amd64 dkms openssl busybox-static
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"

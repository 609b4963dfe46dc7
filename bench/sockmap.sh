#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The sockmap benchmark: a TCP proxy on loopback, MB/s of a stream,
# messages/s of 64-byte messages and the p50/p99 round trip of 64-byte
# requests, through (a) the in-kernel redirect proxy served by the
# kernel's built-in sockmap, (b) the same served by sockmap.ko, (c) a
# user-space epoll + read/write proxy and (d) a user-space splice()
# proxy; one boot of Debian's kernel, whose sockmap is built in, so (a)
# and (b) differ only in who serves the maps, helpers and callbacks. One
# table: module/builtin (targets: >= 0.98 in throughput, p99 no worse
# within the spread) and in-kernel/user-space.
#
#   bench/sockmap.sh [-r REPS] [-s BYTES] [-m MSGS] [-t REQUESTS]
#
# Not under -icount: Debian's kernel hangs at boot once 9p has loaded
# under -icount shift=0,sleep=off (QEMU 7.2, seen here), so figures are of
# wall time in a TCG guest, as noisy as the host; each repetition measures
# all four sides in turn and the table shows medians and spreads. The
# in-tree-against-module rows on the stock and hooks kernels, which boot
# under -icount, come with the hooks kernel's sockmap.ko. The workloads are
# bench/sockmap_guest.sh's and bench/sockproxy.c's. Needs build/debian
# staged (make stage KERNEL=debian); builds only the BPF object and the
# proxy tool. Raw output: build/bench/sockmap.out; the table:
# build/bench/sockmap.txt.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
reps=5 stream=$((16 << 20)) msgs=5000 rtt=1000
usage() { echo "usage: $0 [-r REPS] [-s BYTES] [-m MSGS] [-t REQUESTS]" >&2; exit 2; }
while getopts "r:s:m:t:" opt; do
	case $opt in
	r) reps=$OPTARG ;;
	s) stream=$OPTARG ;;
	m) msgs=$OPTARG ;;
	t) rtt=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

. "$top/bench/lib.sh"
cd "$top"
mkdir -p "$out"
no_kernel_build
if [ ! -f build/debian/arch/x86/boot/bzImage ] || [ ! -d build/debian/modroot/lib/modules ]; then
	log "no staged Debian kernel in build/debian: make stage KERNEL=debian"
	exit 1
fi
staged=$(find build/debian/modroot -name 'sockmap.ko*' | head -n1)
[ -n "$staged" ] || { log "build/debian/modroot has no sockmap.ko (make stage KERNEL=debian)"; exit 1; }
notes=()
newer=$(find modules/sockmap modules/compat include -newer "$staged" \
	\( -name '*.c' -o -name '*.h' -o -name Kbuild \) ! -name '*.mod.c' |
	head -n3 | paste -sd' ')
[ -z "$newer" ] || notes+=("WARNING: staged sockmap.ko is older than $newer; run make stage KERNEL=debian")

make -s -f tests/bpf.mk TOP="$top" SRC="$top/build/src" OUT="$top/build/bpf" \
	"$top/build/bpf/bench/bench_sockmap.bpf.o"
if [ ! -x "$out/sockproxy" ] || [ bench/sockproxy.c -nt "$out/sockproxy" ] ||
   [ bench/util.h -nt "$out/sockproxy" ]; then
	gcc -O2 -Wall -Wextra -Werror -pthread -o "$out/sockproxy" bench/sockproxy.c -lbpf
fi

# Generous: a repetition of every row takes about a minute of a loaded
# 2-core host at the default sizes.
timeout=$((600 + reps * 4 * 60))
log "Debian kernel: $reps repetitions, $((stream >> 20)) MiB, $msgs messages, $rtt requests"
start=$(date +%s)
if ! tests/qemu/run.sh -k build/debian -m build/debian/modroot -t "$timeout" \
	-l "$out/sockmap-kernel.log" -- "$top/bench/sockmap_guest.sh" --reps "$reps" \
	--stream "$stream" --msgs "$msgs" --rtt "$rtt" 2>&1 | tr -d '\r' > "$out/sockmap.out"; then
	tail -n 30 "$out/sockmap.out" >&2
	log "run failed; kernel log: $out/sockmap-kernel.log"
	exit 1
fi
log "done in $(( $(date +%s) - start ))s"

# From "RESULT <id> <median> <values> <description...>": per workload the
# four sides' medians and spreads, module/builtin with its verdict, and
# the in-kernel proxy against the two user-space ones.
awk -v reps="$reps" '
	$1 == "RESULT" {
		id = $2; med[id] = $3
		nv = split($4, v, ",")
		lo = hi = v[1]
		for (j = 2; j <= nv; j++) {
			if (v[j] < lo) lo = v[j]
			if (v[j] > hi) hi = v[j]
		}
		min[id] = lo; max[id] = hi
		d = ""
		for (i = 5; i <= NF; i++) d = d (d == "" ? "" : " ") $i
		split(id, p, "_"); w = p[1]
		if (!(w in seen)) { seen[w] = 1; ws[++n] = w; desc[w] = d }
	}
	function cell(id) { return sprintf("%s (%s-%s)", med[id], min[id], max[id]) }
	END {
		printf "sockmap: a TCP proxy on loopback, TCG guest wall time, median of %d processes\n", reps
		printf "builtin: Debian'\''s built-in sockmap; module: sockmap.ko; epoll, splice: user-space proxies\n"
		fmt = "%-7s %-26s %-26s %-26s %-26s\n"
		printf fmt, "row", "builtin", "module", "epoll", "splice"
		for (i = 1; i <= n; i++) {
			w = ws[i]
			printf fmt, w, cell(w "_builtin"), cell(w "_module"), cell(w "_epoll"), cell(w "_splice")
			printf "        %s\n", desc[w]
		}
		bad = ""
		printf "\nmodule/builtin:\n"
		for (i = 1; i <= n; i++) {
			w = ws[i]; b = med[w "_builtin"]; m = med[w "_module"]
			if (w ~ /^rtt/) {
				# Lower is better: no worse than builtin within the
				# wider of the two spreads.
				sp = max[w "_builtin"] - min[w "_builtin"]
				if (max[w "_module"] - min[w "_module"] > sp) sp = max[w "_module"] - min[w "_module"]
				ok = m - b <= sp
				t = "no worse within spread " sp " ns: " (ok ? "pass" : "FAIL")
				if (w == "rtt99" && !ok) bad = bad "\n  rtt99: module " m " ns, builtin " b " ns"
			} else {
				ok = m / b >= 0.98
				t = ">=0.98 " (ok ? "pass" : "FAIL")
				if (!ok) bad = bad sprintf("\n  %s: module/builtin %.4f", w, m / b)
			}
			printf "  %-7s %.4f  %s\n", w, m / b, t
		}
		printf "\nin-kernel (module) against user space, >1 means the in-kernel proxy is ahead:\n"
		for (i = 1; i <= n; i++) {
			w = ws[i]; m = med[w "_module"]; e = med[w "_epoll"]; s = med[w "_splice"]
			if (w ~ /^rtt/)
				printf "  %-7s epoll/module %.3f  splice/module %.3f\n", w, e / m, s / m
			else
				printf "  %-7s module/epoll %.3f  module/splice %.3f\n", w, m / e, m / s
		}
		if (bad != "") printf "targets missed:%s\n", bad
		else print "targets: all met"
	}' "$out/sockmap.out" > "$out/sockmap.txt.new"
{
	cat "$out/sockmap.txt.new"
	sed -n 's/^\(KERNEL\|MODULE\) //p' "$out/sockmap.out"
	for n in "${notes[@]}"; do
		echo "$n"
	done
} | tee "$out/sockmap.txt"
rm -f "$out/sockmap.txt.new"

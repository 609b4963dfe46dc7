#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The sockmap benchmark: a TCP proxy on loopback, MB/s of a stream,
# messages/s of 64-byte messages and the p50/p99 round trip of 64-byte
# requests, through the in-kernel redirect proxy (SK_SKB verdicts moving
# each side's data out of the other), a user-space epoll + read/write
# proxy and a user-space splice() proxy. Two runs, one table each:
#
#  debian  one boot of Debian's kernel, whose sockmap is built in: (a) the
#          in-kernel proxy served by the built-in sockmap, (b) the same
#          served by sockmap.ko, (c) epoll, (d) splice; module/builtin
#          differ only in who serves the maps, helpers and callbacks.
#          Not under -icount: Debian's kernel hangs at boot once 9p has
#          loaded under -icount shift=0,sleep=off (QEMU 7.2, seen here),
#          so figures are of wall time in a TCG guest, as noisy as the
#          host; each repetition measures all four sides in turn.
#  icount  one boot each of the stock kernel (in-tree sock_map.c) and of
#          the hooks kernel (sockmap.ko, loaded by the first map), both
#          under -icount shift=0,sleep=off (tests/qemu/run.sh -i): the
#          guest clock counts instructions, 1 ns each, whatever the host
#          does; (c) and (d) on each kernel as controls.
#
# Targets: module >= 0.98 of in-tree in throughput, p99 no worse within
# the spread; the in-kernel proxy's standing against the user-space ones
# printed as ratios.
#
#   bench/sockmap.sh [-k debian|icount|all] [-r REPS] [-s BYTES] [-m MSGS]
#                    [-t REQUESTS]
#
# The workloads are bench/sockmap_guest.sh's and bench/sockproxy.c's.
# Needs what it measures staged, and builds none of it (make stage
# KERNEL=debian; kernel/build.sh stock; make stage KERNEL=stock; make
# stage); builds only the BPF object and the proxy tool. Raw output:
# build/bench/sockmap-<kernel>.out; the tables: build/bench/sockmap.txt.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
reps=5 stream=$((16 << 20)) msgs=5000 rtt=1000 runs=all
usage() {
	echo "usage: $0 [-k debian|icount|all] [-r REPS] [-s BYTES] [-m MSGS] [-t REQUESTS]" >&2
	exit 2
}
while getopts "k:r:s:m:t:" opt; do
	case $opt in
	k) runs=$OPTARG ;;
	r) reps=$OPTARG ;;
	s) stream=$OPTARG ;;
	m) msgs=$OPTARG ;;
	t) rtt=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
case $runs in
debian) kernels=(debian) ;;
icount) kernels=(stock hooks) ;;
all) kernels=(debian stock hooks) ;;
*) usage ;;
esac

. "$top/bench/lib.sh"
cd "$top"
mkdir -p "$out"
no_kernel_build
notes=()
for k in "${kernels[@]}"; do
	if [ ! -f "build/$k/arch/x86/boot/bzImage" ] || [ ! -d "build/$k/modroot/lib/modules" ]; then
		log "no staged $k kernel in build/$k: see the top of $0"
		exit 1
	fi
	[ "$k" = stock ] && continue
	# What is measured is the staged sockmap.ko, not modules/: say when
	# the sources have moved on since.
	staged=$(find "build/$k/modroot" -name 'sockmap.ko*' | head -n1)
	[ -n "$staged" ] || { log "build/$k/modroot has no sockmap.ko (make stage KERNEL=$k)"; exit 1; }
	newer=$(find modules/sockmap modules/compat include -newer "$staged" \
		\( -name '*.c' -o -name '*.h' -o -name Kbuild \) ! -name '*.mod.c' |
		head -n3 | paste -sd' ')
	[ -z "$newer" ] || notes+=("WARNING: $k's staged sockmap.ko is older than $newer; run make stage KERNEL=$k")
done
if [ "$runs" != debian ]; then
	# The two kernels must differ only in where the facilities live.
	config_lines() {
		grep -E '^(CONFIG_|# CONFIG_)' "build/$1/.config" |
			grep -vE '^(# )?CONFIG_(BPF_SOCKMAP|BPF_SK_LOOKUP|LWTUNNEL_BPF|IPV6_SEG6_BPF|BPFEXT)[= ]' |
			sort
	}
	skew=$(diff <(config_lines stock) <(config_lines hooks) | grep -E '^[<>]' || true)
	if [ -n "$skew" ]; then
		log "build/stock/.config and build/hooks/.config differ besides the facilities':"
		head -n8 <<<"$skew" | sed 's/^/    /' >&2
		exit 1
	fi
fi

make -s -f tests/bpf.mk TOP="$top" SRC="$top/build/src" OUT="$top/build/bpf" \
	"$top/build/bpf/bench/bench_sockmap.bpf.o"
if [ ! -x "$out/sockproxy" ] || [ bench/sockproxy.c -nt "$out/sockproxy" ] ||
   [ bench/util.h -nt "$out/sockproxy" ]; then
	gcc -O2 -Wall -Wextra -Werror -pthread -o "$out/sockproxy" bench/sockproxy.c -lbpf
fi

# Generous: a repetition of every row takes about a minute of a loaded
# 2-core host at the default sizes.
timeout=$((600 + reps * 4 * 60))
for k in "${kernels[@]}"; do
	icount=()
	[ "$k" = debian ] || icount=(-i)
	log "$k kernel: $reps repetitions, $((stream >> 20)) MiB, $msgs messages, $rtt requests"
	start=$(date +%s)
	if ! tests/qemu/run.sh "${icount[@]}" -k "build/$k" -m "build/$k/modroot" -t "$timeout" \
		-l "$out/sockmap-$k-kernel.log" -- "$top/bench/sockmap_guest.sh" --kernel "$k" \
		--reps "$reps" --stream "$stream" --msgs "$msgs" --rtt "$rtt" 2>&1 |
		tr -d '\r' > "$out/sockmap-$k.out"; then
		tail -n 30 "$out/sockmap-$k.out" >&2
		log "$k run failed; kernel log: $out/sockmap-$k-kernel.log"
		exit 1
	fi
	log "$k kernel: done in $(( $(date +%s) - start ))s"
done

# table TITLE LEGEND A B CONTROLS -- KERNEL...: one table from the runs
# of KERNEL... ("RESULT <id> <median> <values> <description...>", id
# <workload>_<side>). Columns are side@kernel: A, the in-tree one, against
# B, the module (B/A >= 0.98 in throughput, p99 no worse than A within
# the wider spread), then CONTROLS, the user-space proxies; B against the
# controls of its own kernel; and, with two kernels, each control's
# ratio across them (the kernels' difference outside sockmap).
table() {
	local title=$1 legend=$2 a=$3 b=$4 controls=$5
	shift 6
	local files=() k
	for k in "$@"; do
		files+=("$out/sockmap-$k.out")
	done
	awk -v title="$title" -v legend="$legend" -v a="$a" -v b="$b" \
		-v controls="$controls" -v kernels="$*" '
		BEGIN { split(kernels, kn, " ") }
		FNR == 1 { kf++ }
		$1 == "RESULT" {
			split($2, p, "_"); w = p[1]; col = p[2] "@" kn[kf]
			med[w, col] = $3
			nv = split($4, v, ",")
			lo = hi = v[1]
			for (j = 2; j <= nv; j++) {
				if (v[j] < lo) lo = v[j]
				if (v[j] > hi) hi = v[j]
			}
			min[w, col] = lo; max[w, col] = hi
			d = ""
			for (i = 5; i <= NF; i++) d = d (d == "" ? "" : " ") $i
			if (!(w in seen)) { seen[w] = 1; ws[++n] = w; desc[w] = d }
			nvals = nv
		}
		function cell(w, c) {
			if (!((w, c) in med)) return "-"
			return sprintf("%s (%s-%s)", med[w, c], min[w, c], max[w, c])
		}
		function spread(w, c) { return max[w, c] - min[w, c] }
		END {
			nc = split(a " " b " " controls, cols, " ")
			print title
			print legend
			line = sprintf("%-7s", "row")
			for (c = 1; c <= nc; c++) line = line sprintf(" %-26s", cols[c])
			print line
			for (i = 1; i <= n; i++) {
				w = ws[i]
				line = sprintf("%-7s", w)
				for (c = 1; c <= nc; c++) line = line sprintf(" %-26s", cell(w, cols[c]))
				print line
				printf "        %s\n", desc[w]
			}
			bad = ""
			printf "\n%s / %s:\n", b, a
			for (i = 1; i <= n; i++) {
				w = ws[i]; x = med[w, a]; y = med[w, b]
				if (w == "rtt50") {
					t = "(no target: " sprintf("%+d", y - x) " ns)"
				} else if (w ~ /^rtt/) {
					# Lower is better.
					sp = spread(w, a)
					if (spread(w, b) > sp) sp = spread(w, b)
					ok = y - x <= sp
					t = "no worse within spread " sp " ns (" sprintf("%+d", y - x) "): " (ok ? "pass" : "FAIL")
					if (!ok)
						bad = bad "\n  " w ": " b " " y " ns, " a " " x " ns"
				} else {
					ok = y / x >= 0.98
					t = ">=0.98 " (ok ? "pass" : "FAIL")
					if (!ok) bad = bad sprintf("\n  %s: %s/%s %.4f", w, b, a, y / x)
				}
				printf "  %-7s %.4f  %s\n", w, y / x, t
			}
			split(b, bk, "@")
			printf "\nin-kernel (%s) against user space on its kernel, >1 means the in-kernel proxy is ahead:\n", b
			for (i = 1; i <= n; i++) {
				w = ws[i]; y = med[w, b]
				e = med[w, "epoll@" bk[2]]; s = med[w, "splice@" bk[2]]
				if (w ~ /^rtt/)
					printf "  %-7s epoll/module %.3f  splice/module %.3f\n", w, e / y, s / y
				else
					printf "  %-7s module/epoll %.3f  module/splice %.3f\n", w, y / e, y / s
			}
			if (kn[2] != "") {
				printf "\nthe user-space proxies, %s/%s (the kernels outside sockmap):\n", kn[2], kn[1]
				for (i = 1; i <= n; i++) {
					w = ws[i]
					printf "  %-7s epoll %.4f  splice %.4f\n", w,
						med[w, "epoll@" kn[2]] / med[w, "epoll@" kn[1]],
						med[w, "splice@" kn[2]] / med[w, "splice@" kn[1]]
				}
			}
			printf "%d repetitions per side\n", nvals
			if (bad != "") printf "targets missed:%s\n", bad
			else print "targets: all met"
		}' "${files[@]}"
	sed -n 's/^\(KERNEL\|MODULE\) //p' "${files[@]}"
	echo
}

{
	if [ "${kernels[0]}" = debian ]; then
		table "sockmap on Debian's kernel: a TCP proxy on loopback, TCG guest wall time, median of processes" \
			"builtin: Debian's built-in sockmap; module: sockmap.ko; epoll, splice: user-space proxies" \
			builtin@debian module@debian "epoll@debian splice@debian" -- debian
	fi
	if [ "$runs" != debian ]; then
		table "sockmap, stock against hooks: a TCP proxy on loopback, guest time under -icount (instructions), median of processes" \
			"builtin@stock: in-tree sock_map.c; module@hooks: sockmap.ko; epoll, splice: user-space proxies" \
			builtin@stock module@hooks "epoll@stock splice@stock epoll@hooks splice@hooks" -- stock hooks
	fi
	for n in "${notes[@]}"; do
		echo "$n"
	done
} | tee "$out/sockmap.txt"

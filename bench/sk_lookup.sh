#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The SK_LOOKUP benchmark: TCP connections/s and UDP datagrams/s through
# the socket lookup with no program, one steering program, and 8 and 64
# programs, on the stock kernel (in-tree SK_LOOKUP) and on the hooks
# kernel (sk_lookup.ko), one boot each; one table with the ratio
# hooks/stock. Targets: hooks/stock >= 0.98 in every row, and the rows
# without a program equal within the measured spread.
#
#   bench/sk_lookup.sh [-r REPS] [-t CONNS] [-u DATAGRAMS] [-o IDS]
#     -r REPS       repetitions of each row per kernel, each a new process;
#                   the table shows the median (default 11)
#     -t CONNS      timed TCP connections per repetition (default 2000)
#     -u DATAGRAMS  timed UDP datagrams per repetition (default 20000)
#     -o IDS        only these rows, comma-separated: tcp_none, tcp_1,
#                   tcp_8, tcp_64, udp_none, udp_1, udp_8, udp_64
#
# The workloads and their checks are bench/sk_lookup_guest.sh's. Both
# guests run under -icount shift=0,sleep=off (tests/qemu/run.sh -i): the
# guest's clock counts executed instructions (1 ns each), so a rate is
# 1e9 / instructions per connection or datagram, whatever the host does
# meanwhile; TCG models no caches, so neither is compared.
#
# Needs build/stock and build/hooks, each with modroot/ staged; builds
# neither (a benchmark must not rebuild what it measures), only the BPF
# object and the two clients. Raw output: build/bench/sk_lookup-<kernel>.out
# (every repetition) and sk_lookup-<kernel>-kernel.log (the guest's kernel
# log); the table: build/bench/sk_lookup.txt.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
reps=11 tcp=2000 udp=20000
only=()
while getopts "r:t:u:o:" opt; do
	case $opt in
	r) reps=$OPTARG ;;
	t) tcp=$OPTARG ;;
	u) udp=$OPTARG ;;
	o) only=(--only "$OPTARG") ;;
	*) echo "usage: $0 [-r REPS] [-t CONNS] [-u DATAGRAMS] [-o IDS]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "usage: $0 [-r REPS] [-t CONNS] [-u DATAGRAMS] [-o IDS]" >&2; exit 2; }
kernels=(stock hooks)

. "$top/bench/lib.sh"

cd "$top"
mkdir -p "$out"

no_kernel_build
for k in "${kernels[@]}"; do
	if [ ! -f "build/$k/arch/x86/boot/bzImage" ] || [ ! -d "build/$k/modroot/lib/modules" ]; then
		log "no staged $k kernel in build/$k: kernel/build.sh $k; make stage KERNEL=$k"
		exit 1
	fi
done

# What is measured is the staged sk_lookup.ko, not modules/: say when the
# sources have moved on since.
notes=()
staged=$(find build/hooks/modroot -name sk_lookup.ko | head -n1)
[ -n "$staged" ] || { log "build/hooks/modroot has no sk_lookup.ko (make stage)"; exit 1; }
newer=$(find modules/sk_lookup modules/compat include uapi -newer "$staged" \
	\( -name '*.c' -o -name '*.h' -o -name Kbuild \) ! -name '*.mod.c' |
	head -n3 | paste -sd' ')
[ -z "$newer" ] || notes+=("WARNING: staged sk_lookup.ko is older than $newer; run make stage")
# The two kernels must differ only in where SK_LOOKUP (and LWT BPF and
# End.BPF, not on these paths) live; anything else would be measured too.
config_lines() {
	grep -E '^(CONFIG_|# CONFIG_)' "build/$1/.config" |
		grep -vE '^(# )?CONFIG_(BPF_SK_LOOKUP|LWTUNNEL_BPF|IPV6_SEG6_BPF|BPFEXT)[= ]' | sort
}
skew=$(diff <(config_lines stock) <(config_lines hooks) | grep -E '^[<>]' || true)
if [ -n "$skew" ]; then
	log "build/stock/.config and build/hooks/.config differ besides" \
		"BPF_SK_LOOKUP/LWTUNNEL_BPF/IPV6_SEG6_BPF/BPFEXT:"
	head -n8 <<<"$skew" | sed 's/^/    /' >&2
	exit 1
fi
for n in "${notes[@]}"; do
	log "$n"
done

# What the guest runs: the programs and the two clients.
make -s -f tests/bpf.mk TOP="$top" SRC="$top/build/src" OUT="$top/build/bpf" \
	"$top/build/bpf/bench/bench_sk_lookup.bpf.o"
for t in tcpconn udpsteer; do
	if [ ! -x "$out/$t" ] || [ "bench/$t.c" -nt "$out/$t" ] ||
	   [ bench/sk_lookup_attach.h -nt "$out/$t" ] || [ bench/util.h -nt "$out/$t" ]; then
		gcc -O2 -Wall -Wextra -Werror -o "$out/$t" "bench/$t.c"
	fi
done

# Generous: a loaded host only makes a run take longer, never changes it.
# A repetition of all rows takes about 15 s of a 2-core host at the
# default counts, a boot 30 s.
timeout=$((600 + reps * (tcp / 50 + udp / 500)))
for k in "${kernels[@]}"; do
	log "$k kernel: $reps repetitions, $tcp connections, $udp datagrams"
	start=$(date +%s)
	if ! tests/qemu/run.sh -i -k "build/$k" -m "build/$k/modroot" -t "$timeout" \
		-l "$out/sk_lookup-$k-kernel.log" -- \
		"$top/bench/sk_lookup_guest.sh" --kernel "$k" --reps "$reps" \
		--tcp "$tcp" --udp "$udp" "${only[@]}" 2>&1 |
		tr -d '\r' > "$out/sk_lookup-$k.out"; then
		tail -n 30 "$out/sk_lookup-$k.out" >&2
		log "$k run failed; kernel log: $out/sk_lookup-$k-kernel.log"
		exit 1
	fi
	log "$k kernel: done in $(( $(date +%s) - start ))s"
done

# Every row must have a result from both kernels.
missing=$(awk '$1 == "RESULT" { c[$2]++ } END { for (id in c) if (c[id] != 2) print id }' \
	"$out/sk_lookup-stock.out" "$out/sk_lookup-hooks.out")
[ -z "$missing" ] || { log "no result from one kernel for: $missing"; exit 1; }

# From "RESULT <id> <median> <values> <description...>" of both runs: per
# row the medians, the spread (min-max over the processes) of each side,
# the ratio of medians and of the best processes, and the verdict. A row
# without a program passes if the medians differ by no more than the
# wider of the two spreads; every row needs hooks/stock >= 0.98.
table() {
	awk -v reps="$reps" -v tcp="$tcp" -v udp="$udp" '
		FNR == 1 { k++ }
		$1 == "RESULT" {
			id = $2
			if (!(id in order)) { order[id] = ++n; ids[n] = id }
			nv = split($4, v, ",")
			lo = hi = v[1]
			for (j = 2; j <= nv; j++) {
				if (v[j] < lo) lo = v[j]
				if (v[j] > hi) hi = v[j]
			}
			med[k, id] = $3; min[k, id] = lo; max[k, id] = hi
			d = ""
			for (i = 5; i <= NF; i++) d = d (d == "" ? "" : " ") $i
			desc[id] = d
		}
		function abs(x) { return x < 0 ? -x : x }
		END {
			fmt = "%-9s %-38s %7s %-16s %7s %-16s %6s %6s  %s\n"
			printf "SK_LOOKUP: rate of guest time (instructions), median over processes;\n"
			printf "stock: in-tree SK_LOOKUP, hooks: sk_lookup.ko\n"
			printf fmt, "row", "workload", "stock", "(min-max)", "hooks", "(min-max)",
				"ratio", "best", "target"
			bad = ""
			for (i = 1; i <= n; i++) {
				id = ids[i]
				s = med[1, id]; h = med[2, id]
				r = h / s
				ok = r >= 0.98
				t = ">=0.98 " (ok ? "pass" : "FAIL")
				if (!ok)
					bad = bad sprintf("\n  %s: hooks/stock %.4f < 0.98", id, r)
				if (id ~ /_none$/) {
					w = max[1, id] - min[1, id]
					if (max[2, id] - min[2, id] > w) w = max[2, id] - min[2, id]
					eq = abs(h - s) <= w
					t = t ", equal within spread " (eq ? "pass" : "FAIL")
					if (!eq) {
						ok = 0
						bad = bad sprintf("\n  %s: medians differ by %g, spread %g",
							id, abs(h - s), w)
					}
				}
				printf fmt, id, desc[id], sprintf("%.0f", s),
					"(" min[1, id] "-" max[1, id] ")", sprintf("%.0f", h),
					"(" min[2, id] "-" max[2, id] ")", sprintf("%.4f", r), sprintf("%.4f", max[2, id] / max[1, id]), t
			}
			printf "ratio: of the medians, hooks/stock; best: of the fastest processes;" \
				" %d processes\nper kernel and row, each %d timed TCP connections" \
				" (connect, accept, close with\nreset) or %d UDP datagrams (64 bytes," \
				" sendmmsg and recvmmsg of 32) to 127.0.0.1:8080\n(none) or to" \
				" 192.0.2.1:80, steered to it\n", reps, tcp, udp
			if (bad != "") printf "targets missed:%s\n", bad
			else print "targets: all met"
		}' "$out/sk_lookup-stock.out" "$out/sk_lookup-hooks.out"
}

{
	table
	sed -n 's/^KERNEL //p' "$out/sk_lookup-stock.out" "$out/sk_lookup-hooks.out"
	for n in "${notes[@]}"; do
		echo "$n"
	done
} | tee "$out/sk_lookup.txt"

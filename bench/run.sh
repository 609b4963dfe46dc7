#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the same workloads on the stock kernel (in-tree LWT BPF and
# End.BPF) and on the hooks kernel (lwt_bpf.ko, seg6local_bpf.ko), one
# table with the ratio hooks/stock for LWT BPF and one for SRv6 End.BPF
# (the End.BPF series' table: packets/s and ratios to plain End); and on
# Debian's packaged kernel, in one boot, served by its built-in code and
# by our modules taking it over, the same two tables with that ratio.
#
#   bench/run.sh [-r REPS] [-n PACKETS] [-o IDS] [KERNEL...]
#     KERNEL      stock, hooks, debian (default: all three; stock and hooks
#                 go together)
#     -r REPS     repetitions of each workload per kernel, each a new sender
#                 process; the table shows the median (default 21, or
#                 $BENCH_REPS)
#     -n PACKETS  timed packets per repetition (default 10000, or $BENCH_COUNT)
#     -o IDS      only these workloads, comma-separated (bench/guest.sh
#                 --only): veth_plain,veth_xmit,lo_plain,lo_in (LWT BPF),
#                 srv6_end,srv6_nop,srv6_tlv,srv6_inline (SRv6)
#
# Both guests run under -icount shift=0,sleep=off: the guest's clock counts
# executed instructions (1 ns each) and idle time is skipped, so packets/s
# are of guest time and do not depend on how fast or busy the host is.
# TCG models no caches, so what is compared is instructions per packet;
# cache and branch-predictor effects of the module's text layout are not.
#
# Raw output: build/bench/<kernel>.out (every repetition), <kernel>-kernel.log
# (guest kernel log), result.txt (stock/hooks tables), takeover.txt (Debian's).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
reps=${BENCH_REPS:-21}
count=${BENCH_COUNT:-10000}
only=()
while getopts "r:n:o:" opt; do
	case $opt in
	r) reps=$OPTARG ;;
	n) count=$OPTARG ;;
	o) only=(--only "$OPTARG") ;;
	*) echo "usage: $0 [-r REPS] [-n PACKETS] [-o IDS] [stock hooks] [debian]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
want=" ${*:-stock hooks debian} "
kernels=()
[[ $want != *" stock "* && $want != *" hooks "* ]] || kernels=(stock hooks)
takeover=0
[[ $want != *" debian "* ]] || takeover=1

. "$top/bench/lib.sh"

cd "$top"
mkdir -p "$out"

# Kernels are built only when missing: a benchmark must not silently
# rebuild what it is asked to measure. One build at a time.
no_kernel_build
for k in "${kernels[@]}"; do
	kdir=build/$k
	if [ ! -f "$kdir/arch/x86/boot/bzImage" ]; then
		log "no $k kernel: kernel/build.sh $k"
		kernel/build.sh "$k"
	fi
	# A tree staged before the kernel was (re)built may not match it.
	if [ ! -d "$kdir/modroot/lib/modules" ] ||
	   [ "$kdir/arch/x86/boot/bzImage" -nt "$kdir/modroot" ]; then
		log "staging modules: make stage KERNEL=$k"
		make -s stage KERNEL="$k"
	fi
done

# Checks of the stock/hooks pair, which must be comparable.
check_pair() {
	# The modules measured are the ones staged, not the ones in modules/:
	# say so when the sources have moved on since.
	stale_note=""
	for m in lwt_bpf seg6local_bpf; do
		staged=$(find build/hooks/modroot -name $m.ko | head -n1)
		if [ -z "$staged" ]; then
			log "build/hooks/modroot has no $m.ko (make stage)"
			exit 1
		fi
		newer=$(find modules include uapi -newer "$staged" \( -name '*.c' -o -name '*.h' \
			-o -name Kbuild \) ! -name '*.mod.c' | head -n3 | paste -sd' ')
		if [ -n "$newer" ]; then
			stale_note="${stale_note:+$stale_note
}WARNING: staged $m.ko is older than $newer; run make stage"
			log "WARNING: staged $m.ko is older than $newer; run make stage"
		fi
	done

	# Kernels are not rebuilt here (see above), so say when one predates the
	# configuration or patches it would be built from today.
	old_kernels=""
	for k in "${kernels[@]}"; do
		# A .config newer than the bzImage: a build was started and not
		# finished, and the config check below compares the wrong files.
		# Only what goes into this kernel counts: debug.config does not.
		inputs=(kernel/config/base.config kernel/config/trim.config
			"kernel/config/$k.config")
		[ "$k" = stock ] || inputs+=(kernel/patches)
		if [ "build/$k/.config" -nt "build/$k/arch/x86/boot/bzImage" ] ||
		   [ -n "$(find "${inputs[@]}" -type f \
			-newer "build/$k/arch/x86/boot/bzImage" | head -n1)" ]; then
			old_kernels="$old_kernels $k"
		fi
	done
	kernel_note=""
	if [ -n "$old_kernels" ]; then
		kernel_note="WARNING: older than kernel/config, kernel/patches or .config:$old_kernels"
		log "$kernel_note"
	fi

	# The two kernels must differ only in where LWT BPF and End.BPF live;
	# anything else (a fragment changed between the two builds) would be
	# measured too.
	config_lines() {
		grep -E '^(CONFIG_|# CONFIG_)' "build/$1/.config" |
			grep -vE '^(# )?CONFIG_(LWTUNNEL_BPF|IPV6_SEG6_BPF|BPF_SK_LOOKUP|BPFEXT)[= ]' | sort
	}
	skew=$(diff <(config_lines stock) <(config_lines hooks) | grep -E '^[<>]' || true)
	if [ -n "$skew" ]; then
		n=$(sed -E 's/^[<>] (# )?(CONFIG_[A-Za-z0-9_]+).*/\2/' <<<"$skew" | sort -u | wc -l)
		log "build/stock/.config and build/hooks/.config differ in $n symbols" \
			"besides LWTUNNEL_BPF/IPV6_SEG6_BPF/BPF_SK_LOOKUP/BPFEXT, e.g.:"
		sed -E 's/^[<>] (# )?(CONFIG_[A-Za-z0-9_]+).*/\2/' <<<"$skew" | sort -u |
			head -n8 | sed 's/^/    /' >&2
		if [ "${BENCH_ALLOW_CONFIG_SKEW:-0}" != 1 ]; then
			log "rebuild the older one (kernel/build.sh stock|hooks, then" \
				"make stage KERNEL=...), or set BENCH_ALLOW_CONFIG_SKEW=1"
			exit 1
		fi
		skew_note="WARNING: kernel configs differ in $n symbols besides LWTUNNEL_BPF/IPV6_SEG6_BPF/BPF_SK_LOOKUP/BPFEXT"
		log "$skew_note (BENCH_ALLOW_CONFIG_SKEW=1)"
	fi
}
((${#kernels[@]} == 0)) || check_pair

# Debian's kernel is downloaded, and our modules installed for it with
# DKMS: stage it when missing or older than the sources.
if ((takeover)); then
	for m in lwt_bpf seg6local_bpf; do
		dk=$(find build/debian/modroot -path "*/updates/dkms/$m.ko" 2>/dev/null | head -n1)
		if [ -z "$dk" ] || [ -n "$(find modules include uapi -newer "$dk" \
			\( -name '*.c' -o -name '*.h' -o -name Kbuild \) ! -name '*.mod.c' | head -n1)" ]; then
			log "staging Debian's kernel and DKMS modules: make stage KERNEL=debian"
			make -s stage KERNEL=debian
			break
		fi
	done
fi

# What the guest runs: the BPF objects and the packet generator.
make -s -f tests/bpf.mk TOP="$top" SRC="$top/build/src" OUT="$top/build/bpf"
if [ ! -x "$out/udpflood" ] || [ bench/udpflood.c -nt "$out/udpflood" ] ||
   [ bench/util.h -nt "$out/udpflood" ]; then
	gcc -O2 -Wall -Werror -o "$out/udpflood" bench/udpflood.c
fi


# Generous: a loaded host only makes a run take longer, never changes it.
# (The SRv6 workloads cost about twice the LWT ones per packet.)
timeout=$((600 + reps * count / 100))
for k in "${kernels[@]}"; do
	log "$k kernel: $reps x $count packets per workload"
	start=$(date +%s)
	if ! tests/qemu/run.sh -i -k "build/$k" -m "build/$k/modroot" -t "$timeout" \
		-l "$out/$k-kernel.log" -- \
		"$top/bench/guest.sh" --kernel "$k" --reps "$reps" --count "$count" \
		"${only[@]}" 2>&1 | tr -d '\r' > "$out/$k.out"; then
		tail -n 30 "$out/$k.out" >&2
		log "$k run failed; kernel log: $out/$k-kernel.log"
		exit 1
	fi
	log "$k kernel: done in $(( $(date +%s) - start ))s"
done
if ((takeover)); then
	log "debian kernel: $reps x $count packets per workload and phase"
	start=$(date +%s)
	if ! tests/qemu/run.sh -i -k build/debian -m build/debian/modroot \
		-t $((timeout * 3)) -l "$out/debian-kernel.log" -- \
		"$top/bench/guest.sh" --kernel debian --reps "$reps" --count "$count" \
		"${only[@]}" 2>&1 | tr -d '\r' > "$out/debian.out"; then
		tail -n 30 "$out/debian.out" >&2
		log "debian run failed; kernel log: $out/debian-kernel.log"
		exit 1
	fi
	log "debian kernel: done in $(( $(date +%s) - start ))s"
fi

# What the tables read of a line "RESULT <id> <median> <values>
# <description...>": result(ID) sets id (recording the order ids come in),
# lo and hi of the values, and desc[id]; ratio() formats one ratio.
# Workloads srv6_* have their own tables.
result_awk='
	function result(key,    nv, v, j, i, d) {
		id = key
		if (!(id in order)) { order[id] = ++n; ids[n] = id }
		nv = split($4, v, ",")
		lo = hi = v[1]
		for (j = 2; j <= nv; j++) {
			if (v[j] < lo) lo = v[j]
			if (v[j] > hi) hi = v[j]
		}
		d = ""
		for (i = 5; i <= NF; i++) d = d (d == "" ? "" : " ") $i
		desc[id] = d
	}
	function ratio(s, h) { return (s > 0 && h > 0) ? sprintf("%.3f", h / s) : "-" }
	function srv6(key) { return key ~ /^srv6_/ }
'

# RESULT <id> <median> <values> <description...> from both runs, by id.
# Two estimates per workload. The median, over sender processes. And the
# best, because on these kernels a process's cost per packet sits on one
# of a few discrete levels, fixed when its socket is made (see
# bench/guest.sh): the fastest level is the path's own cost and mostly
# recurs to within 0.2% from run to run, where medians of 21 move by 2-3%.
table() {
	awk -v reps="$reps" -v count="$count" "$result_awk"'
		FNR == 1 { k++ }
		$1 == "RESULT" && !srv6($2) {
			result($2)
			med[k, id] = $3
			best[k, id] = hi
			if ($3 > 0 && (hi - lo) / $3 > spread[k]) spread[k] = (hi - lo) / $3
		}
		END {
			if (!n) exit
			fmt = "%-40s %8s %8s %6s | %8s %8s %6s\n"
			printf "%-40s %-24s | %s\n", "packets/s of guest time",
				"median over processes", "best process"
			printf fmt, "workload", "stock", "hooks", "ratio", "stock", "hooks", "ratio"
			for (i = 1; i <= n; i++) {
				id = ids[i]
				printf fmt, desc[id], med[1, id], med[2, id],
					ratio(med[1, id], med[2, id]), best[1, id], best[2, id],
					ratio(best[1, id], best[2, id])
			}
			printf "ratio = hooks/stock; %d sender processes per kernel and" \
				" workload,\neach %d timed UDP packets (64-byte payload);" \
				" widest spread of a\nworkload over its processes," \
				" (max - min) / median: stock %.1f%%, hooks %.1f%%\n",
				reps, count, 100 * spread[1], 100 * spread[2]
		}' "$out/stock.out" "$out/hooks.out"
}

# The phases of one Debian boot: built-in, adopted, module (guest.sh).
takeover_table() {
	awk -v reps="$reps" -v count="$count" "$result_awk"'
		$1 == "RESULT" {
			split($2, pi, "/"); ph = pi[1]
			if (srv6(pi[2])) next
			result(pi[2])
			med[ph, id] = $3
			best[ph, id] = hi
		}
		END {
			if (!n) exit
			fmt = "%-40s %8s %8s %8s %6s %6s | %6s %6s\n"
			printf "%-40s %-40s | %s\n", "Debian, one boot: packets/s of guest time",
				"median over processes", "best"
			printf fmt, "workload", "builtin", "adopted", "module",
				"adopt", "module", "adopt", "module"
			for (i = 1; i <= n; i++) {
				id = ids[i]
				printf fmt, desc[id], med["builtin", id], med["adopted", id],
					med["module", id],
					ratio(med["builtin", id], med["adopted", id]),
					ratio(med["builtin", id], med["module", id]),
					ratio(best["builtin", id], best["adopted", id]),
					ratio(best["builtin", id], best["module", id])
			}
			printf "ratios against builtin (lwt_bpf.ko unloaded); adopted: the" \
				" built-in'"'"'s routes after\nmodprobe, handed to its code;" \
				" module: routes made again, served by lwt_bpf.ko.\n" \
				"%d sender processes per phase and workload, each %d timed" \
				" UDP packets.\n", reps, count
		}' "$out/debian.out"
}

# SRv6 End.BPF, the End.BPF series' table (one machine, 2018: End 440
# kpps; End.BPF doing nothing 440, adding an 8-byte TLV 410, inlining an
# SRH 420), reproduced as packets/s and ratios to End in the same kernel,
# for two sides: srv6_table A B NOTE FILE... where side 1 (A) is the
# in-tree code and side 2 (B) ours. The input is the RESULT lines of
# srv6_* workloads: from FILE 1 and FILE 2 (stock, hooks), or, with
# Debian's one file, its phases builtin and module. Every row passes or
# fails against the targets: B/A >= 0.98, and each End.BPF row's ratio to
# End, on either side, at least the series' own (0.93, 0.95; 0.98 for the
# no-op program, which the series measured as no loss).
srv6_table() {
	local a=$1 b=$2 note=$3
	shift 3
	awk -v reps="$reps" -v count="$count" -v A="$a" -v B="$b" -v note="$note" \
		"$result_awk"'
		FNR == 1 { f++ }
		$1 == "RESULT" {
			key = $2; k = f
			if (split($2, pi, "/") == 2) {
				key = pi[2]
				k = pi[1] == A ? 1 : pi[1] == B ? 2 : 0
			}
			if (!srv6(key) || !k) next
			result(key)
			med[k, id] = $3
			best[k, id] = hi
			if ($3 > 0 && (hi - lo) / $3 > spread[k]) spread[k] = (hi - lo) / $3
		}
		function pf(ok) { return ok ? "pass" : "FAIL" }
		function r3(x) { return x > 0 ? sprintf("%.3f", x) : "-" }
		END {
			if (!n) exit
			kpps["srv6_end"] = 440; kpps["srv6_nop"] = 440
			kpps["srv6_tlv"] = 410; kpps["srv6_inline"] = 420
			tgt["srv6_nop"] = 0.98; tgt["srv6_tlv"] = 0.93; tgt["srv6_inline"] = 0.95
			base = "srv6_end"
			ba = B "/" A
			fmt = "%-40s %8s %5s %8s %5s | %8s %6s | %4s %4s | %6s %4s %7s %7s\n"
			printf "SRv6 End.BPF, the series'"'"' table: packets/s of guest time," \
				" median over processes;\n/End: the ratio to End in the" \
				" same kernel\n"
			printf "%-40s %14s %14s | %15s | %9s | %s\n", "", A, B, ba,
				"series", "targets: " ba ", /End"
			printf fmt, "workload", "pps", "/End", "pps", "/End", "median", "best",
				"kpps", "/End", ">=0.98", "/End", A, B
			bad = ""; nbad = 0
			for (i = 1; i <= n; i++) {
				id = ids[i]
				r1 = (med[1, base] > 0 && med[1, id] > 0) ? med[1, id] / med[1, base] : 0
				r2 = (med[2, base] > 0 && med[2, id] > 0) ? med[2, id] / med[2, base] : 0
				rab = (med[1, id] > 0 && med[2, id] > 0) ? med[2, id] / med[1, id] : 0
				ok = rab >= 0.98
				if (!ok) {
					nbad++
					bad = bad sprintf("\n  %s: %s %.3f < 0.98", desc[id], ba, rab)
				}
				t = c1 = c2 = "-"
				if (id in tgt) {
					t = sprintf("%.2f", tgt[id])
					c1 = pf(r1 >= tgt[id]); c2 = pf(r2 >= tgt[id])
					if (r1 < tgt[id]) {
						nbad++
						bad = bad sprintf("\n  %s: %s /End %.3f < %.2f",
							desc[id], A, r1, tgt[id])
					}
					if (r2 < tgt[id]) {
						nbad++
						bad = bad sprintf("\n  %s: %s /End %.3f < %.2f",
							desc[id], B, r2, tgt[id])
					}
				}
				printf fmt, desc[id], med[1, id], r3(r1), med[2, id], r3(r2),
					ratio(med[1, id], med[2, id]), ratio(best[1, id], best[2, id]),
					(id in kpps) ? kpps[id] : "-",
					(id in kpps) ? sprintf("%.2f", kpps[id] / kpps[base]) : "-",
					pf(ok), t, c1, c2
			}
			printf "%s\n%d sender processes per side and workload, each %d" \
				" timed UDP packets (64-byte\npayload, IPv6, an SRH of 2" \
				" segments); widest spread of a workload over its\n" \
				"processes, (max - min) / median: %s %.1f%%, %s %.1f%%;" \
				" best: the ratio\nof the two sides'"'"' best processes\n",
				note, reps, count, A, 100 * spread[1], B, 100 * spread[2]
			if (nbad) printf "targets missed: %d%s\n", nbad, bad
			else print "targets: all met"
		}' "$@"
}

if ((${#kernels[@]})); then
	{
		table
		if grep -q '^RESULT srv6_' "$out/stock.out"; then
			! grep -q '^RESULT [^s]' "$out/stock.out" || echo
			srv6_table stock hooks "stock: in-tree End.BPF; hooks: seg6local_bpf.ko" \
				"$out/stock.out" "$out/hooks.out"
		fi
		sed -n 's/^KERNEL //p' "$out/stock.out" "$out/hooks.out"
		[ -z "$stale_note" ] || echo "$stale_note"
		[ -z "$kernel_note" ] || echo "$kernel_note"
		[ -z "${skew_note:-}" ] || echo "$skew_note"
	} | tee "$out/result.txt"

	# Every workload must have a result from both kernels.
	missing=$(awk '$1 == "RESULT" { c[$2]++ } END { for (id in c) if (c[id] != 2) print id }' \
		"$out/stock.out" "$out/hooks.out")
	[ -z "$missing" ] || { log "no result from one kernel for: $missing"; exit 1; }
fi
if ((takeover)); then
	{
		takeover_table
		if grep -q '^RESULT [a-z]*/srv6_' "$out/debian.out"; then
			! grep -qE '^RESULT [a-z]+/[^s]' "$out/debian.out" || echo
			srv6_table builtin module "Debian, one boot; builtin: seg6local_bpf.ko unloaded, routes made by the built-in;
module: modprobe seg6local_bpf, routes made again, served by it" "$out/debian.out"
		fi
		sed -n 's/^KERNEL //p' "$out/debian.out"
	} | tee "$out/takeover.txt"
	# Every workload must have a result from every phase it runs in (SRv6:
	# builtin and module).
	missing=$(awk '$1 == "RESULT" { split($2, p, "/"); c[p[2]]++ }
		END { for (id in c) if (c[id] != (id ~ /^srv6_/ ? 2 : 3)) print id }' "$out/debian.out")
	[ -z "$missing" ] || { log "no result from every phase for: $missing"; exit 1; }
fi

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Upstream's BPF selftest prog_tests/sk_lookup.c with progs/test_sk_lookup.c,
# unchanged from the extracted 6.1 source, in upstream's runner test_progs
# (built by tests/upstream.mk): TCP and UDP, IPv4 and IPv6 redirects with
# and without reuseport, drops, bpf_sk_assign() semantics, ctx access,
# multi-prog verdicts and link queries, in a netns of its own.
#
# Each subtest's "#N/M sk_lookup/NAME:OK|FAIL|SKIP" line becomes a KTAP
# case, then one for the test as a whole. test_progs prints a failing
# subtest's log before its line, and all of them again after "All error
# logs:", which is not read for verdicts.
. "$(dirname "$0")/../lib.sh"
ktap_begin
require_cmd ip
require_module sk_lookup
runner=$BPFEXT_BPF/upstream/test_progs
[ -x "$runner" ] || skip_all "no $runner (make bpf)"

# test_progs loads bpf_testmod.ko from its working directory: there is
# none here (sk_lookup does not need it), so it warns and goes on.
cd "$BPFEXT_TMP" || exit 1
log=$BPFEXT_TMP/log
"$runner" -a sk_lookup > "$log" 2>&1
rc=$?

subtests=0 ran=0 verdict="" errlogs=""
while IFS= read -r line; do
	echo "# $line"
	[ -z "$errlogs" ] || continue
	case "$line" in
	"All error logs:") errlogs=1; continue ;;
	esac
	# "#3/12 sk_lookup/NAME:RESULT", or "#3 sk_lookup:RESULT" for the test.
	[[ $line =~ ^#[0-9]+/([0-9]+)\ +sk_lookup/(.*):(OK|FAIL|SKIP)$ ]] || {
		[[ $line =~ ^#[0-9]+\ +sk_lookup:(OK|FAIL|SKIP)$ ]] &&
			verdict=${BASH_REMATCH[1]}
		continue
	}
	# Names are not unique ("TCP IPv6 drop on reuseport" twice): the
	# subtest number tells them apart.
	desc="sk_lookup/${BASH_REMATCH[2]} (subtest ${BASH_REMATCH[1]})"
	subtests=$((subtests + 1))
	case ${BASH_REMATCH[3]} in
	OK) pass "$desc"; ran=$((ran + 1)) ;;
	FAIL) fail "$desc" ;;
	SKIP) skip "$desc" "test_progs skipped it" ;;
	esac
done < "$log"

# SKIP for the whole test only means some subtest skipped: test_progs
# counts it as passed.
desc="test_progs sk_lookup: passed, subtests ran"
if [ "$rc" -ne 0 ]; then
	fail "$desc" "test_progs exited $rc (verdict ${verdict:-none})"
elif [ "$verdict" != OK ] && [ "$verdict" != SKIP ]; then
	fail "$desc" "no verdict for sk_lookup"
elif [ "$ran" -eq 0 ]; then
	fail "$desc" "of $subtests subtests, none passed"
else
	pass "$desc"
fi

# Each link of the module's pins it: none may outlive test_progs (they go
# after an RCU grace period).
if ! on_stock; then
	refcnt=""
	for i in $(seq 20); do
		refcnt=$(cat /sys/module/sk_lookup/refcnt 2>/dev/null)
		[ "$refcnt" = 0 ] && break
		sleep 0.5
	done
	check_eq "no link of the module's outlives test_progs (refcnt)" 0 "$refcnt"
fi
ktap_end

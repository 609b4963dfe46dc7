# SPDX-License-Identifier: GPL-2.0
#
# Upstream's runner test_progs (built by tests/upstream.mk) running one
# of its prog_tests unchanged, for tests/sockmap/upstream_sockmap_*.sh;
# sourced after tests/lib.sh (not executable: not a test of its own).
#
#   run_test_progs TEST   "test_progs -a TEST" in a scratch directory:
#                         each "#N/M TEST/NAME:OK|FAIL|SKIP" line it
#                         prints becomes a case, then one case for the
#                         run as a whole (exit status 0, TEST's own
#                         verdict OK or SKIP, some subtest passed; for
#                         a TEST without subtests, its verdict)
#
# test_progs prints a failing subtest's log before its line, and every
# failure's log again after "All error logs:", which is not read for
# verdicts. A skipped subtest's log is printed only with -v: its reason
# is in the log of a second run of just that subtest, with -v.

# The last lines of a subtest's own log (test_progs -v -a TEST/NAME),
# without its ASSERT_*() successes: why it skipped.
test_progs_why() {
	local runner=$1 name=$2 why
	why=$("$runner" -v -a "$name" 2>&1 |
		grep -vE ':PASS:|^#[0-9]|^Summary:|^bpf_testmod' | tail -n 3 |
		tr '\n' ' ')
	echo "test_progs skipped it: ${why:-it printed no reason}"
}

run_test_progs() {
	local test=$1 runner=$BPFEXT_BPF/upstream/test_progs log rc
	local subtests=0 ran=0 verdict="" errlogs="" line desc

	[ -x "$runner" ] || skip_all "no $runner (make bpf)"
	# test_progs loads bpf_testmod.ko from its working directory: there
	# is none here (these tests do not need it), so it warns and goes on.
	cd "$BPFEXT_TMP" || exit 1
	log=$BPFEXT_TMP/log
	"$runner" -a "$test" > "$log" 2>&1
	rc=$?

	while IFS= read -r line; do
		echo "# $line"
		[ -z "$errlogs" ] || continue
		case "$line" in
		"All error logs:") errlogs=1; continue ;;
		esac
		# "#3/12 TEST/NAME:RESULT", or "#3 TEST:RESULT" for the test.
		[[ $line =~ ^#[0-9]+/([0-9]+)\ +$test/(.*):(OK|FAIL|SKIP)$ ]] || {
			[[ $line =~ ^#[0-9]+\ +$test:(OK|FAIL|SKIP)$ ]] &&
				verdict=${BASH_REMATCH[1]}
			continue
		}
		# The subtest number tells apart names given twice.
		desc="$test/${BASH_REMATCH[2]} (subtest ${BASH_REMATCH[1]})"
		subtests=$((subtests + 1))
		case ${BASH_REMATCH[3]} in
		OK) pass "$desc"; ran=$((ran + 1)) ;;
		FAIL) fail "$desc" ;;
		SKIP) skip "$desc" "$(test_progs_why "$runner" \
			"$test/${BASH_REMATCH[2]}")" ;;
		esac
	done < "$log"

	# SKIP for the whole test only means some subtest skipped: test_progs
	# counts it as passed.
	desc="test_progs $test: passed, subtests ran"
	if [ "$rc" -ne 0 ]; then
		fail "$desc" "test_progs exited $rc (verdict ${verdict:-none})"
	elif [ "$verdict" != OK ] && [ "$verdict" != SKIP ]; then
		fail "$desc" "no verdict for $test"
	elif [ "$subtests" -eq 0 ] && [ "$verdict" = SKIP ]; then
		skip "test_progs $test: passed" "$(test_progs_why "$runner" "$test")"
	elif [ "$subtests" -eq 0 ]; then
		pass "test_progs $test: passed (it has no subtests)"
	elif [ "$ran" -eq 0 ]; then
		fail "$desc" "of $subtests subtests, none passed"
	else
		pass "$desc"
	fi
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test runner, run inside the guest (see tests/qemu/run.sh).
#
#   tests/run.sh [--kernel hooks|stock|debug|debian] [GROUP|GROUP/TEST ...]
#
# A group is a directory under tests/ with executable *.sh tests; each test
# prints KTAP (see tests/lib.sh). The runner prints one KTAP document with
# every test as a subtest, then "N passed, N failed, N skipped" over all
# test cases, and exits non-zero if any case failed or any test crashed.
set -u
tests=$(cd "$(dirname "$0")" && pwd)
export BPFEXT_KERNEL=hooks
if [ "${1:-}" = --kernel ]; then
	BPFEXT_KERNEL=$2
	shift 2
fi
export BPFEXT_TESTS=$tests
export BPFEXT_TOP=${BPFEXT_TOP:-$(dirname "$tests")}
export BPFEXT_BPF=${BPFEXT_BPF:-$BPFEXT_TOP/build/bpf}
export BPFEXT_SRC=${BPFEXT_SRC:-$BPFEXT_TOP/build/src}
# Per test; a boot with bpfext.test_timeout=SECONDS allows slow ones.
test_timeout=$(tr ' ' '\n' < /proc/cmdline 2>/dev/null | sed -n 's/^bpfext\.test_timeout=//p')
test_timeout=${test_timeout:-${BPFEXT_TEST_TIMEOUT:-900}}

# Every directory with executable tests is a group, core first; qemu/ and
# harness/ are host-side.
all_groups() {
	echo core
	for d in "$tests"/*/; do
		d=${d%/}
		d=${d##*/}
		case $d in core|qemu|harness|tools|include) continue ;; esac
		ls "$tests/$d"/*.sh >/dev/null 2>&1 && echo "$d"
	done
}
groups=("$@")
[ ${#groups[@]} -gt 0 ] || mapfile -t groups < <(all_groups)

list=()
for g in "${groups[@]}"; do
	if [ -f "$tests/$g.sh" ]; then
		list+=("$g.sh")
	elif [ -d "$tests/$g" ]; then
		for t in "$tests/$g"/*.sh; do
			[ -x "$t" ] && list+=("$g/${t##*/}")
		done
	else
		echo "# no test group or test '$g'"
		list+=("$g")
	fi
done

passed=0 failed=0 skipped=0 n=0
echo "TAP version 13"
echo "1..${#list[@]}"
for t in "${list[@]}"; do
	n=$((n + 1))
	name=${t%.sh}
	out=$(mktemp)
	if [ ! -x "$tests/$t" ]; then
		echo "not ok $n $name # no such test"
		failed=$((failed + 1))
		continue
	fi
	start=$(date +%s)
	# Each test in its own session, so a timeout kills what it started.
	timeout -k 5 "$test_timeout" setsid "$tests/$t" > "$out" 2>&1 < /dev/null
	rc=$?
	secs=$(( $(date +%s) - start ))
	sed 's/^/  /' "$out"
	p=$(grep -Ec '^ok [0-9]+' "$out" | head -n1)
	s=$(grep -Ec '^ok [0-9]+ .*# *SKIP' "$out" | head -n1)
	f=$(grep -Ec '^not ok [0-9]+' "$out" | head -n1)
	p=$((p - s))
	rm -f "$out"
	if [ $((p + s + f)) -eq 0 ] && [ "$rc" -eq 0 ]; then
		f=1
		echo "  # $name reported no test case"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# Died without saying which case failed: count the test itself.
		f=1
		echo "  # $name exited with $rc$([ $rc = 124 ] && echo ' (timeout)')"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then
		echo "not ok $n $name # ${secs}s"
	elif [ "$p" -eq 0 ] && [ "$s" -gt 0 ]; then
		echo "ok $n $name # SKIP ${secs}s"
	else
		echo "ok $n $name # ${secs}s"
	fi
done
echo "# kernel: $BPFEXT_KERNEL ($(uname -r))"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ $((passed + skipped)) -gt 0 ]

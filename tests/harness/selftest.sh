#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side self-test of the QEMU harness: a guest whose only test passes
# but whose kernel WARNs (a deliberately broken module) must fail the run,
# and the same guest without the module must pass.
#
#   tests/harness/selftest.sh KDIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kdir=$(cd "${1:-$top/build/hooks}" && pwd)
cc=$(command -v ccache >/dev/null && echo "ccache gcc" || echo gcc)
make -s -C "$kdir" M="$here/warn_module" CC="$cc" modules || exit 1
ko=$here/warn_module/warn_on_load.ko

passed=0 failed=0
verdict() {
	if [ "$2" = "$3" ]; then
		echo "ok - $1"
		passed=$((passed + 1))
	else
		echo "not ok - $1 (run.sh exit $2, wanted $3)"
		failed=$((failed + 1))
	fi
}

"$top/tests/qemu/run.sh" -k "$kdir" -t 300 -- bash -c "echo '1 passed, 0 failed'" > /dev/null 2>&1
verdict "a clean guest passes" $? 0

out=$("$top/tests/qemu/run.sh" -k "$kdir" -t 300 -- \
	bash -c "insmod $ko && echo '1 passed, 0 failed'" 2>&1)
rc=$?
verdict "a guest whose kernel WARNs fails" "$rc" 1
if grep -q 'deliberate warning' <<<"$out" && grep -q '^1 passed, 1 failed' <<<"$out"; then
	verdict "the report shows the WARNING and counts it as a failure" 0 0
else
	verdict "the report shows the WARNING and counts it as a failure" 1 0
	echo "$out" | tail -n 30
fi

"$top/tests/qemu/run.sh" -k "$kdir" -t 20 -- sleep 600 > /dev/null 2>&1
verdict "a guest that hangs is stopped by the timeout and fails" $? 1

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

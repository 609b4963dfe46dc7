#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Upstream's tools/testing/selftests/bpf/test_lwt_ip_encap.sh, run unchanged
# from the extracted 6.1 source: GRE/ip6gre encap with bpf_lwt_push_encap()
# on "encap bpf xmit" and "encap bpf in" routes, plain and in a VRF, with a
# GSO subtest. Each of its PASS/FAIL verdicts becomes one KTAP case.
. "$(dirname "$0")/../lib.sh"
ktap_begin
require_cmd ip ping nc
require_module lwt_bpf
require_obj upstream/test_lwt_ip_encap
script=$BPFEXT_SRC/tools/testing/selftests/bpf/test_lwt_ip_encap.sh
[ -f "$script" ] || skip_all "no $script"

# The script loads test_lwt_ip_encap.bpf.o from its working directory.
work=$(mktemp -d)
ln -s "$(obj upstream/test_lwt_ip_encap)" "$work/test_lwt_ip_encap.bpf.o"
cd "$work" || exit 1
log=$work/log
bash "$script" > "$log" 2>&1
rc=$?

context=""
while IFS= read -r line; do
	echo "# $line"
	case "$line" in
	starting*) context=${line#starting } ;;
	PASS) pass "$context (ok #$((ktap_n + 1)))" ;;
	FAIL) fail "$context (#$((ktap_n + 1)))" ;;
	esac
done < "$log"
[ "$ktap_n" -gt 0 ] || fail "test_lwt_ip_encap.sh ran no test (exit $rc)"
if [ "$rc" -ne 0 ] && [ "$ktap_fail" -eq 0 ]; then
	fail "test_lwt_ip_encap.sh exited $rc"
fi
ktap_end

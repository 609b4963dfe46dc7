# SPDX-License-Identifier: GPL-2.0
#
# The sk_lookup tests' side of tests/sk_lookup/skl.py, sourced after
# tests/lib.sh (not executable: not a test of its own).
#
#   skl_start [SCRIPT]      the controller (skl.py, or another that speaks
#                           the same line protocol), as a coprocess ($skl_pid)
#   skl_stop                tell it to exit and wait for it
#   ctl CMD...              send one command, its answer in $reply
#   expect DESC WANT CMD... a case: the command's answer is WANT
#   setup CMD...            a command that must answer "ok"; failures are
#                           collected in $setup_err ...
#   setup_done DESC         ... and become one case for all of them

skl_start() {
	local script=${1:-$BPFEXT_TESTS/sk_lookup/skl.py}

	coproc SKL { exec python3 "$script" 2>&1; }
	skl_pid=$SKL_PID
}

skl_stop() {
	echo exit >&"${SKL[1]}"
	wait "$skl_pid"
	skl_pid=""
}

ctl() {
	echo "$*" >&"${SKL[1]}"
	read -r -t 120 reply <&"${SKL[0]}" || reply="helper: no answer"
}

expect() {
	local desc=$1 want=$2
	shift 2
	ctl "$@"
	if [ "$reply" = "$want" ]; then
		pass "$desc"
	else
		fail "$desc" "$*: got '$reply', want '$want'"
	fi
}

setup_err=""
setup() {
	ctl "$@"
	[ "$reply" = ok ] || setup_err="$setup_err; $*: $reply"
}

setup_done() {
	if [ -z "$setup_err" ]; then
		pass "$1"
	else
		fail "$1" "${setup_err#; }"
	fi
	setup_err=""
}

#!/bin/bash
#
# run.sh [NAME...]: every tests/integration/t_*.sh (or only those NAMEs, e.g.
# t_tls), each in its own bash with a 120-second limit, against the jpki
# binary in $JPKI (default build/jpki of this repository).  Prints PASS/FAIL
# per test (a failing test's output follows, indented) and ends with the line
# "N passed, N failed".  Exit status 1 when any test failed (2: no such test).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
JPKI=${JPKI:-build/jpki}
case $JPKI in /*) ;; *) JPKI=$top/$JPKI ;; esac
export JPKI

passed=0 failed=0
tests=("$here"/t_*.sh)
if [ $# -gt 0 ]; then
	tests=()
	for n in "$@"; do
		n=${n%.sh}
		[ -e "$here/$n.sh" ] || { echo "run.sh: no test $n" >&2; exit 2; }
		tests+=("$here/$n.sh")
	done
fi
for t in "${tests[@]}"; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	out=$(timeout -k 5 120 bash "$t" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		[ "$rc" -eq 124 ] && out="$out
(timed out after 120 s)"
		echo "FAIL $name (exit $rc)"
		printf '%s\n' "$out" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

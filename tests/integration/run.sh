#!/bin/bash
#
# run.sh [--pg] [NAME...]: every tests/integration/t_*.sh (or only those NAMEs,
# e.g. t_tls), each in its own bash with a 120-second limit (a test may name
# its own in a line "# run.sh timeout: SECONDS"), against the jpki binary in
# $JPKI (default build/jpki of this repository).  Prints PASS/FAIL
# per test (a failing test's output follows, indented) and ends with the line
# "N passed, N failed".  Exit status 1 when any test failed (2: no such test).
# --pg: the registry on PostgreSQL: a server started here for the run (each
# test makes a database of its own on it), stopped at the end.  A test with
# the line "# run.sh: PostgreSQL only" (it builds servers of its own) runs in
# the --pg run alone, and is not counted in the other.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
JPKI=${JPKI:-build/jpki}
case $JPKI in /*) ;; *) JPKI=$top/$JPKI ;; esac
export JPKI

passed=0 failed=0
if [ "${1:-}" = --pg ]; then
	shift
	# shellcheck source=pg_lib.sh
	. "$here/pg_lib.sh"
	pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/jpki-pg.XXXXXX")
	trap 'pg_server_stop "$pg_dir"' EXIT
	pg_server_start "$pg_dir" || { echo "run.sh: cannot start PostgreSQL"; echo "0 passed, 1 failed"; exit 1; }
	export JPKI_TEST_PG=$PG_BASE
fi
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
	if [ -z "${JPKI_TEST_PG:-}" ] && grep -qx '# run.sh: PostgreSQL only' "$t"; then
		continue
	fi
	# a test may ask for more than 120 seconds with a line "# run.sh timeout: N"
	limit=$(sed -n 's/^# run.sh timeout: \([0-9][0-9]*\)$/\1/p' "$t" | head -n 1)
	out=$(timeout -k 5 "${limit:-120}" bash "$t" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		[ "$rc" -eq 124 ] && out="$out
(timed out after ${limit:-120} s)"
		echo "FAIL $name (exit $rc)"
		printf '%s\n' "$out" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/bash
# make test: every suite, then one line "N passed, N failed".
#  0. the style checks (scripts/check-style.sh: clang-format, banned functions)
#  1. unit tests (cmocka, meson test) on the normal build
#  2. integration tests (tests/integration/t_*.sh) against real peers: openssl, curl
#  3. the integration tests again with the registry on PostgreSQL (a server of their own)
#  4. unit tests and integration tests again on an ASan + UBSan build, and the suites that
#     use the registry most on PostgreSQL under ASan
#  5. fuzz corpora replayed as regression tests (on the ASan build)
set -u
build=${1:-build} asan=${2:-build-asan}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
pass=0 fail=0

count_meson() { # DIR LABEL
	local out
	out=$(meson test -C "$1" --print-errorlogs --num-processes 2 2>&1)
	local rc=$?
	echo "$out" | grep -E '^ *[0-9]+/[0-9]+ ' | sed "s/^/[$2] /"
	[ $rc -eq 0 ] || echo "$out" | tail -40
	local ok f
	ok=$(echo "$out" | awk '/^Ok:/{print $2}')
	f=$(echo "$out" | awk '/^(Fail|Unexpected Pass|Timeout):/{s+=$2} END{print s+0}')
	pass=$((pass + ${ok:-0})); fail=$((fail + ${f:-0}))
	[ -n "$ok" ] || fail=$((fail + 1)) # meson itself failed
}

count_integration() { # BINARY LABEL [run.sh ARGS...]
	local out bin=$1 label=$2
	shift 2
	out=$(JPKI="$bin" tests/integration/run.sh "$@" 2>&1)
	echo "$out" | sed "s/^/[$label] /"
	local line
	line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
	if [ -z "$line" ]; then fail=$((fail + 1)); return; fi
	pass=$((pass + $(echo "$line" | cut -d' ' -f1)))
	fail=$((fail + $(echo "$line" | cut -d' ' -f3)))
}

count_style() { # the house rules: scripts/check-style.sh, one PASS/FAIL line each
	local out
	out=$(scripts/check-style.sh 2>&1)
	echo "$out" | sed 's/^/[style] /'
	pass=$((pass + $(echo "$out" | grep -c '^PASS ')))
	fail=$((fail + $(echo "$out" | grep -c '^FAIL ')))
}

count_style
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null || { echo "build failed"; fail=$((fail + 1)); }
count_meson "$build" unit
count_integration "$top/$build/jpki" integration
count_integration "$top/$build/jpki" integration-pg --pg

if [ ! -f "$asan/build.ninja" ]; then
	CC=clang meson setup "$asan" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug >/dev/null || fail=$((fail + 1))
fi
if ninja -C "$asan" >/dev/null; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	export LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0
	count_meson "$asan" unit-asan
	count_integration "$top/$asan/jpki" integration-asan
	# (t_api and t_webauthn run under ASan on SQLite and on PostgreSQL without: CI stays under 30 min)
	count_integration "$top/$asan/jpki" integration-pg-asan --pg t_issue t_counter_rules t_audit \
		t_link t_crl t_store_migrate t_replica
else
	echo "ASan build failed"; fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

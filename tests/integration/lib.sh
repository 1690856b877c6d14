# shellcheck shell=bash disable=SC2034  # AT, HTTP_CODE, OUT... are read by the tests
#
# lib.sh: what every integration test shares.
#
# A test sources this file first.  It gets a fresh data folder of its own
# (removed on exit, together with any server the test started), the jpki
# binary in $JPKI, a fixed clock (JPKI_NOW) so dates in certificates are
# predictable, and assertion helpers that print what failed and go on, so
# one run shows every broken check.  A test ends with `finish`.
#
# Real peers judge the results: openssl, curl and the sqlite3 shell.  All
# network use is on 127.0.0.1 and every wait is bounded.

set -u

T_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
JPKI=${JPKI:-$T_TOP/build/jpki}
case $JPKI in /*) ;; *) JPKI=$T_TOP/$JPKI ;; esac

T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/jpki-it.XXXXXX") || exit 1
T_FAILS=0
T_CHECKS=0
SERVER_PID=
PORT=

export JPKI_DATA=$T_DIR/data
export JPKI_CA_PASSPHRASE='integration-test-passphrase'
# On the PostgreSQL run (run.sh --pg), the registry is a database of this test's own on the
# server run.sh started; JPKI_STORE names it to every jpki command the test runs.
unset JPKI_STORE
T_PG_DB=
if [ -n "${JPKI_TEST_PG:-}" ]; then
	# shellcheck source=pg_lib.sh
	. "$T_TOP/tests/integration/pg_lib.sh"
	PG_BASE=$JPKI_TEST_PG
	T_PG_DB=t_$(basename "$T_DIR" | tr -cd 'A-Za-z0-9' | tr 'A-Z' 'a-z')
	JPKI_STORE=$(pg_new_db "$T_PG_DB") || { echo "FATAL: no test database" >&2; exit 1; }
	export JPKI_STORE
fi
on_sqlite() { [ -z "${JPKI_STORE:-}" ]; } # the registry is the data folder's SQLite file
# reg_sql SQL: run SQL on the registry with the engine's own client (sqlite3, psql), rows as a|b
reg_sql() {
	if on_sqlite; then sqlite3 "$JPKI_DATA/registry.sqlite" "$1"; else psql "$JPKI_STORE" -qAt -v ON_ERROR_STOP=1 -c "$1"; fi
}
# reg_integrity: "ok" when the engine finds the registry whole (SQLite: PRAGMA integrity_check;
# PostgreSQL: jpki registry check, the schema answering and the audit log without a gap)
reg_integrity() {
	if on_sqlite; then sqlite3 "$JPKI_DATA/registry.sqlite" 'PRAGMA integrity_check'
	elif "$JPKI" registry check >/dev/null 2>&1; then echo ok; else "$JPKI" registry check 2>&1; fi
}
# reg_dump: the registry's whole content as SQL text (sqlite3 .dump, pg_dump)
reg_dump() {
	if on_sqlite; then sqlite3 "$JPKI_DATA/registry.sqlite" .dump; else pg_dump "$JPKI_STORE"; fi
}
# second_store NAME: the JPKI_STORE of a second data folder's registry ("" on SQLite, where
# the folder holds it): each data folder's CAs have a registry of their own
second_store() {
	if on_sqlite; then return 0; fi
	pg_new_db "${T_PG_DB}_$1"
}
# ocsp_ask KIND CERT: openssl ocsp asks the server at $URL about CERT (output in $OUT)
ocsp_ask() {
	run timeout 20 openssl ocsp -issuer "$(ca_cert "$1")" -cert "$2" -url "$URL/ocsp/$1" \
		-CAfile "$(ca_cert "$1")" -nonce -timeout 10 -validity_period 999999999
}
# reg_fork NAME: a copy of the registry as it is now, for a test of a forked log; prints the
# JPKI_STORE of the copy ("" on SQLite: there the data folder copied holds it)
reg_fork() {
	if on_sqlite; then return 0; fi
	pg_new_db "${T_PG_DB}_$1" "$T_PG_DB"
}
export JPKI_NOW='2026-11-26T10:00:00+09:00'
unset JPKI_CA_PASSPHRASE_FILE JPKI_BASE_URL
# openssl verify judges at JPKI_NOW, not at the wall clock: `openssl verify "${AT[@]}" ...`
AT=(-attime "$(date -d "$JPKI_NOW" +%s)")

t_cleanup() {
	[ -n "${WWW_PID:-}" ] && kill -KILL "$WWW_PID" 2>/dev/null
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	rm -rf "$T_DIR"
	if [ -n "$T_PG_DB" ]; then
		local db
		for db in $(psql "$(pg_url postgres)" -qAtc "SELECT datname FROM pg_database WHERE datname LIKE '${T_PG_DB}%'" 2>/dev/null); do
			pg_drop_db "$db"
		done
	fi
}
trap t_cleanup EXIT
trap 'exit 143' TERM INT

# ---- reporting -------------------------------------------------------------

note() { printf '  .. %s\n' "$*"; }

fail() {
	T_FAILS=$((T_FAILS + 1))
	printf 'FAIL: %s\n' "$*" >&2
}

pass() {
	T_CHECKS=$((T_CHECKS + 1))
	printf '  ok %s\n' "$*"
}

# A set-up step failed: nothing after it can be judged.
die() {
	printf 'FATAL: %s\n' "$*" >&2
	exit 1
}

finish() {
	if [ "$T_FAILS" -ne 0 ]; then
		printf '%d check(s) failed, %d passed\n' "$T_FAILS" "$T_CHECKS" >&2
		exit 1
	fi
	printf 'all %d checks passed\n' "$T_CHECKS"
	exit 0
}

# ---- running commands ----------------------------------------------------------

# run CMD...: runs it, keeping stdout in $OUT, stderr in $ERR, status in $RC.
run() {
	RC=0
	"$@" >"$T_DIR/.out" 2>"$T_DIR/.err" || RC=$?
	OUT=$(cat "$T_DIR/.out")
	ERR=$(cat "$T_DIR/.err")
}

# jp ARGS...: run the jpki binary (see run).
jp() { run "$JPKI" "$@"; }

# jp_ok WHAT ARGS...: run jpki, which must succeed; a failure is fatal.
jp_ok() {
	local what=$1
	shift
	jp "$@"
	[ "$RC" -eq 0 ] || die "$what: jpki $* exited $RC: $ERR"
}

# ---- assertions -------------------------------------------------------------------

# assert_rc WANT WHAT: the last run's status is WANT.
assert_rc() {
	if [ "$RC" -eq "$1" ]; then pass "$2 (exit $RC)"; else
		fail "$2: exit status $RC, expected $1; stderr: $ERR; stdout: $OUT"
	fi
}

# assert_refused WHAT: the last run failed with status 1 or 2 and said why on stderr.
assert_refused() {
	if [ "$RC" -ne 1 ] && [ "$RC" -ne 2 ]; then
		fail "$1: exit status $RC, expected 1 or 2; stdout: $OUT; stderr: $ERR"
	elif [ -z "$ERR" ]; then
		fail "$1: refused (exit $RC) without a message on stderr"
	else
		pass "$1 refused (exit $RC): $(printf '%s' "$ERR" | head -n 1)"
	fi
}

assert_eq() { # GOT WANT WHAT
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: got '$1', expected '$2'"; fi
}

assert_contains() { # HAYSTACK NEEDLE WHAT
	case $1 in
	*"$2"*) pass "$3" ;;
	*) fail "$3: '$2' not found in: $1" ;;
	esac
}

assert_not_contains() { # HAYSTACK NEEDLE WHAT
	case $1 in
	*"$2"*) fail "$3: '$2' unexpectedly found in: $1" ;;
	*) pass "$3" ;;
	esac
}

# assert_match TEXT ERE WHAT: some line of TEXT matches the extended regex.
assert_match() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then pass "$3"; else
		fail "$3: no line matches /$2/ in: $1"
	fi
}

# assert_cmd WHAT CMD...: CMD succeeds.
assert_cmd() {
	local what=$1
	shift
	run "$@"
	if [ "$RC" -eq 0 ]; then pass "$what"; else
		fail "$what: '$*' exited $RC: $ERR $OUT"
	fi
}

# assert_cmd_fails WHAT CMD...: CMD fails.
assert_cmd_fails() {
	local what=$1
	shift
	run "$@"
	if [ "$RC" -ne 0 ]; then pass "$what"; else fail "$what: '$*' unexpectedly succeeded: $OUT"; fi
}

# ---- fixtures -----------------------------------------------------------------------

# secret VALUE: the path of a new file (mode 0600) holding VALUE, for --pin-file and the
# like: secrets never go on a command line.
secret() {
	local f
	f=$(mktemp "$T_DIR/secret.XXXXXX") || die "mktemp"
	printf '%s\n' "$1" >"$f"
	printf '%s\n' "$f"
}

# init_ca: jpki init in the fresh data folder.
init_ca() { jp_ok "init" init; }

# add_resident ARGS...: `jpki resident add ARGS`; prints the new id.
add_resident() {
	jp resident add "$@"
	[ "$RC" -eq 0 ] || die "resident add $*: exit $RC: $ERR"
	printf '%s\n' "$OUT"
}

# The example resident of the brief (born 1990-11-27, 36 on JPKI_NOW's day + 1).
add_yamada() {
	add_resident --family 山田 --given 太郎 --birth 1990-11-27 --sex M \
		--address 東京都立川市泉町1156-9
}

# rsa_key NAME [BITS]: private key NAME.key and its public key NAME.pub (PEM) in $T_DIR.
rsa_key() {
	openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2:-2048}" \
		-out "$T_DIR/$1.key" 2>/dev/null || die "openssl genpkey $1"
	openssl pkey -in "$T_DIR/$1.key" -pubout -out "$T_DIR/$1.pub" 2>/dev/null ||
		die "openssl pkey -pubout $1"
}

# cert_count: number of certificates recorded (jpki cert list).
cert_count() {
	"$JPKI" cert list | grep -c .
}

ca_cert() { printf '%s\n' "$JPKI_DATA/ca/$1/cert.pem"; }

# x509_field FILE -OPTION: openssl x509 -noout -OPTION of a PEM certificate.
x509_field() { openssl x509 -in "$1" -noout "$2" 2>&1; }

# ext_headers CERT: one line per extension, as openssl x509 -text names it
# ("X509v3 Key Usage: critical").
ext_headers() {
	openssl x509 -in "$1" -noout -text |
		sed -n '/X509v3 extensions:/,/Signature Algorithm/p' |
		grep -E '^ {12}[^ ].*:( critical)? *$' | sed 's/^ *//; s/ *$//'
}

# ext_asn1 CERT NAME: asn1parse of the value of the extension openssl calls
# NAME ("X509v3 Subject Alternative Name"), offsets and lengths stripped so
# two certificates compare line by line.
ext_asn1() {
	local off
	off=$(openssl asn1parse -in "$1" | grep -A2 ":$2\$" | grep 'OCTET STRING' |
		head -n 1 | sed -E 's/^ *([0-9]+):.*/\1/')
	[ -n "$off" ] || return 1
	openssl asn1parse -in "$1" -strparse "$off" |
		sed -E 's/^ *[0-9]+:d=([0-9]+) +hl= *[0-9]+ +l= *[0-9]+ +/d=\1 /; s/ +$//; s/ +:/ :/'
}

# name_shape CERT -subject|-issuer: "field = TYPE" per attribute, values dropped.
name_shape() {
	openssl x509 -in "$1" -noout "$2" -nameopt multiline,show_type |
		sed -n 's/^ *\([A-Za-z]*\) *= *\([A-Z0-9]*\):.*/\1 = \2/p'
}

# ---- the HTTP server ------------------------------------------------------------

# pick_port: a free port on 127.0.0.1 into $PORT; JPKI_BASE_URL follows it so the
# certificates issued afterwards name this server.
pick_port() {
	PORT=
	if command -v python3 >/dev/null 2>&1; then
		PORT=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' 2>/dev/null)
	fi
	local tries=0
	while [ -z "$PORT" ] && [ $tries -lt 50 ]; do
		local p=$((20000 + RANDOM % 40000))
		# a refused connection means nobody listens there
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PORT=$p; fi
		tries=$((tries + 1))
	done
	[ -n "$PORT" ] || die "no free port found"
	export JPKI_BASE_URL="http://127.0.0.1:$PORT"
}

# server_start: jpki serve on $PORT in the background (with the options in
# the array SERVE_ARGS, if set); waits (at most ~10 s) until /health answers.
server_start() {
	[ -n "$PORT" ] || pick_port
	"$JPKI" serve --listen "127.0.0.1:$PORT" ${SERVE_ARGS[@]+"${SERVE_ARGS[@]}"} \
		>"$T_DIR/serve.log" 2>&1 &
	SERVER_PID=$!
	local i
	for i in $(seq 1 100); do
		if curl -fsS --max-time 1 -o /dev/null "http://127.0.0.1:$PORT/health" 2>/dev/null; then
			note "server pid $SERVER_PID up on port $PORT after ${i} tries"
			return 0
		fi
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			wait "$SERVER_PID"
			local rc=$?
			SERVER_PID=
			die "jpki serve exited $rc before answering: $(cat "$T_DIR/serve.log")"
		fi
		sleep 0.1
	done
	die "jpki serve did not answer /health within 10 s: $(cat "$T_DIR/serve.log")"
}

# server_stop: SIGTERM, then the server must exit 0 within 10 s.
server_stop() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null
	local i
	for i in $(seq 1 100); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=
		fail "jpki serve still running 10 s after SIGTERM"
		return 1
	fi
	local rc=0
	wait "$SERVER_PID" || rc=$?
	SERVER_PID=
	if [ "$rc" -eq 0 ]; then pass "SIGTERM stops the server with exit 0"; else
		fail "jpki serve exited $rc after SIGTERM: $(cat "$T_DIR/serve.log")"
	fi
}

# crls_only CERT: the CRL partition and delta that CERT (PEM or DER) names, copied from the
# running `jpki serve`, which then stops; a plain web server (python3 -m http.server) serves
# only those files on the same port, so OCSP there fails and the CRLs answer.  www_stop ends it.
WWW_PID=
crls_only() {
	local u urls www=$T_DIR/www
	urls=$({ openssl x509 -in "$1" -noout -ext crlDistributionPoints,freshestCRL 2>/dev/null ||
		openssl x509 -inform DER -in "$1" -noout -ext crlDistributionPoints,freshestCRL 2>/dev/null; } |
		grep -o 'http://[^ ]*')
	[ -n "$urls" ] || die "crls_only: $1 names no http CRL"
	for u in $urls; do
		mkdir -p "$www/$(dirname "${u#http://*/}")"
		curl -fsS --max-time 10 -o "$www/${u#http://*/}" "$u" || die "crls_only: fetch $u"
	done
	server_stop >/dev/null
	python3 -m http.server --bind 127.0.0.1 --directory "$www" "$PORT" >/dev/null 2>&1 &
	WWW_PID=$!
	local i
	for i in $(seq 50); do
		curl -fsS -o /dev/null --max-time 1 "${urls%%$'\n'*}" 2>/dev/null && return 0
		sleep 0.1
	done
	die "crls_only: the web server did not answer"
}
www_stop() {
	[ -n "$WWW_PID" ] || return 0
	kill "$WWW_PID" 2>/dev/null
	wait "$WWW_PID" 2>/dev/null
	WWW_PID=
}

# http GET|POST|... PATH [FILE]: status code into $HTTP_CODE, body into FILE
# (default $T_DIR/body).  Bounded by --max-time.
http() {
	local method=$1 path=$2 out=${3:-$T_DIR/body} how=(-X "$1")
	[ "$method" = HEAD ] && how=(--head)
	HTTP_CODE=$(curl -sS --max-time 10 "${how[@]}" -o "$out" -w '%{http_code}' \
		"http://127.0.0.1:$PORT$path" 2>"$T_DIR/.curl") || HTTP_CODE="curl-failed: $(cat "$T_DIR/.curl")"
}

[ -x "$JPKI" ] || die "no jpki binary at $JPKI (build first, or set JPKI)"
for tool in openssl curl sqlite3; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is needed by the integration tests"
done

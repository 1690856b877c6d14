#!/bin/bash
# t_replica: the registry on a PostgreSQL primary with a streaming hot standby
# (pg_basebackup), OCSP answered from the standby by two `jpki serve --ocsp-only`
# responders whose data folder `jpki responder export` made (no CA key), while
# the CA's own `jpki serve` runs on the primary.  The promise: no response says
# "good" once a revocation is committed.  The standby is synchronous
# (synchronous_standby_names) and jpki commits with synchronous_commit =
# remote_apply, so a revocation returns only once the standby has applied it.
# N revocations on the primary (1,000; 100 under ASan), each asked of a
# responder on the standby at once: zero "good".  Then the control: the standby out of the synchronous list and its
# replay delayed, and the same check does see "good" after a revocation (so it
# can fail).  Then both servers restart under the running jpki processes,
# which connect again.  The test runs two servers of its own, on the
# PostgreSQL run of run.sh only.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=pg_lib.sh
. "$T_TOP/tests/integration/pg_lib.sh"
# run.sh timeout: 420
# run.sh: PostgreSQL only
N=${REPLICA_N:-1000}
[ -n "${ASAN_OPTIONS:-}" ] && N=100
RUN_PG=${PG_BASE:-}
PGD=$(mktemp -d "${TMPDIR:-/tmp}/jpki-replica.XXXXXX") || die "no folder for the servers"
chmod 755 "$PGD"
RESP_PIDS=()
replica_cleanup() {
	local p
	for p in "${RESP_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	pg_server_stop "$PGD/standby"
	pg_server_stop "$PGD/primary"
	rm -rf "$PGD"
	PG_BASE=$RUN_PG
	t_cleanup
}
trap replica_cleanup EXIT

pg_server_start "$PGD/primary" || die "no primary"
PRIMARY=$PG_BASE
psql "$(pg_url postgres)" -qAtc "CREATE DATABASE registry" || die "no database"
export JPKI_STORE; JPKI_STORE=$(pg_url registry)
pg_standby_start "$PGD/standby" resp1 || die "no standby"
STANDBY_STORE=$(pg_url registry)
PG_BASE=$PRIMARY
refused_with() { # STATUS WHAT NEEDLE: the last run exited STATUS and said NEEDLE on stderr
	assert_rc "$1" "$2"
	assert_contains "$ERR" "$3" "$2: the reason"
}
on_primary() { psql "$(pg_url postgres)" -qAt -v ON_ERROR_STOP=1 -c "$1"; }

# ---- the registry on the primary: N residents, an authentication certificate each ----
init_ca
rsa_key k
psql "$JPKI_STORE" -qAt -v ON_ERROR_STOP=1 -c "INSERT INTO resident (id, family_name, given_name,
  name_subst, address, address_subst, birth_date, sex, former_surname, alias, adult_ward, status,
  residence_end, created_at, updated_at) SELECT i, '山田', '太郎', '', '東京都立川市泉町1-1', '',
  '1980-01-01', 1, '', '', 0, 0, NULL, 1764633600, 1764633600 FROM generate_series(1, $((N + 10))) i" ||
	die "residents"
awk -v n=$((N + 10)) -v k="$T_DIR/k.pub" 'BEGIN { for (i = 1; i <= n; i++) print "auth", i, k }' \
	>"$T_DIR/list"
"$JPKI" cert bulk --in "$T_DIR/list" >"$T_DIR/bulk.out" 2>"$T_DIR/bulk.err" || die "bulk: $(cat "$T_DIR/bulk.err")"
awk '$1 == "ok" {print $3}' "$T_DIR/bulk.out" >"$T_DIR/serials"
assert_eq "$(grep -c . "$T_DIR/serials")" $((N + 10)) "$((N + 10)) certificates issued on the primary"

# ---- the standby, synchronous, applying before the primary's commit returns ----
on_primary "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (resp1)'" >/dev/null
on_primary "SELECT pg_reload_conf()" >/dev/null
for i in $(seq 1 100); do
	[ "$(on_primary "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'resp1'")" = sync ] && break
	sleep 0.1
done
assert_eq "$(on_primary "SELECT state || ' ' || sync_state FROM pg_stat_replication WHERE application_name = 'resp1'")" \
	"streaming sync" "the standby streams from the primary, as its synchronous standby"
assert_eq "$(psql "$STANDBY_STORE" -qAtc 'SELECT pg_is_in_recovery()')" t "the standby is a hot standby (in recovery)"
assert_eq "$(psql "$STANDBY_STORE" -qAtc 'SELECT count(*) FROM certificate')" $((N + 10)) \
	"the standby holds every certificate"

# ---- the responders' data folder: no CA key ----
RESP=$T_DIR/responder
export JPKI_RESPONDER_PASSPHRASE='responder-machine-passphrase'
run env JPKI_RESPONDER_PASSPHRASE="$JPKI_CA_PASSPHRASE" "$JPKI" responder export "$RESP"
refused_with 1 "an export whose responder passphrase is the CA passphrase" "CA passphrase"
run "$JPKI" responder export "$JPKI_DATA"
refused_with 1 "an export into the CA's own data folder" "this data folder"
run env -u JPKI_RESPONDER_PASSPHRASE "$JPKI" responder export "$RESP"
refused_with 1 "an export without a responder passphrase" "JPKI_RESPONDER_PASSPHRASE"
jp_ok "responder export" responder export "$RESP"
assert_eq "$(find "$RESP" -name key.pem -path '*/ca/*' | grep -c .)" 0 "the exported folder holds no CA key"
assert_eq "$(find "$RESP" -type f | sed "s,^$RESP/,," | sort | tr '\n' ' ')" \
	"ca/auth/cert.pem ca/auth/registry-id ca/sign/cert.pem ca/sign/registry-id ocsp/auth/cert.pem ocsp/auth/key.pem ocsp/sign/cert.pem ocsp/sign/key.pem " \
	"it holds the CA certificates, the registry ids and the responder pairs"
assert_cmd "the exported responder key does not open with the CA passphrase" \
	bash -c "! openssl pkey -in '$RESP/ocsp/auth/key.pem' -passin env:JPKI_CA_PASSPHRASE -noout 2>/dev/null"
assert_cmd "it opens with the responder passphrase" \
	openssl pkey -in "$RESP/ocsp/auth/key.pem" -passin env:JPKI_RESPONDER_PASSPHRASE -noout

# the responder refuses a folder with a CA key, and options that are not its
pick_port
run env JPKI_STORE="$STANDBY_STORE" "$JPKI" serve --ocsp-only --listen "127.0.0.1:$PORT"
refused_with 1 "serve --ocsp-only on the CA's data folder (it holds the CA keys)" "is a CA key"
run env JPKI_DATA="$RESP" JPKI_STORE="$STANDBY_STORE" "$JPKI" serve --ocsp-only --tls-listen 127.0.0.1:1
refused_with 2 "serve --ocsp-only with --tls-listen" "OCSP alone"
run env JPKI_DATA="$RESP" JPKI_STORE="$STANDBY_STORE" JPKI_RESPONDER_PASSPHRASE=wrong-passphrase-x \
	timeout 20 "$JPKI" serve --ocsp-only --listen "127.0.0.1:$PORT"
refused_with 1 "serve --ocsp-only with a wrong responder passphrase" "passphrase"

# ---- the servers: the CA's on the primary, two responders on the standby ----
server_start
resp_start() { # PORT: a responder on the standby, up when /health answers
	JPKI_DATA=$RESP JPKI_STORE=$STANDBY_STORE "$JPKI" serve --ocsp-only --listen "127.0.0.1:$1" \
		>"$T_DIR/resp-$1.log" 2>&1 &
	RESP_PIDS+=($!)
	for i in $(seq 1 100); do
		curl -fsS --max-time 1 -o /dev/null "http://127.0.0.1:$1/health" 2>/dev/null && return 0
		kill -0 "${RESP_PIDS[-1]}" 2>/dev/null || die "responder exited: $(cat "$T_DIR/resp-$1.log")"
		sleep 0.1
	done
	die "responder on $1 did not answer"
}
SAVED=$PORT
pick_port; R1=$PORT; resp_start "$R1"
pick_port; R2=$PORT; resp_start "$R2"
PORT=$SAVED
export JPKI_BASE_URL="http://127.0.0.1:$PORT"
pass "the CA's server on the primary and two OCSP responders on the standby run"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$R1/crl/auth.crl")" 404 \
	"a responder serves no CRL"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$R1/tsa")" 404 \
	"a responder has no time-stamping authority"
curl -fsS -o "$T_DIR/ca.der" "http://127.0.0.1:$R1/ca/auth.der"
assert_eq "$(openssl x509 -inform DER -in "$T_DIR/ca.der" -noout -fingerprint -sha256)" \
	"$(openssl x509 -in "$(ca_cert auth)" -noout -fingerprint -sha256)" "a responder serves the CA certificate"
assert_contains "$(curl -sS -D - -o /dev/null "http://127.0.0.1:$R1/ca/auth.der")" \
	"Cache-Control: public, max-age=86400" "the CA certificate carries caching headers (for a CDN)"
for pid in "${RESP_PIDS[@]}"; do
	if grep -q 'key.pem' "/proc/$pid/maps" 2>/dev/null || ls -l "/proc/$pid/fd" 2>/dev/null | grep -q "/ca/.*/key.pem"; then
		fail "responder $pid has a CA key file open or mapped"
	fi
done
pass "no responder has a CA key file open or mapped"

# status SERIAL PORT: the status line openssl ocsp reads from that responder (signature checked)
status() {
	timeout 20 openssl ocsp -issuer "$(ca_cert auth)" -serial "0x$1" -url "http://127.0.0.1:$2/ocsp/auth" \
		-CAfile "$(ca_cert auth)" -no_nonce -timeout 10 -validity_period 999999999 2>&1 |
		awk -v s="0x$1" 'toupper($1) == toupper(s ":") {print $2; exit} /verify error|Verify failure/ {print "unverified"; exit}'
}
first=$(head -1 "$T_DIR/serials")
assert_eq "$(status "$first" "$R1")" good "a responder on the standby says good, its signature verified"

# ---- N revocations on the primary, each asked of a responder on the standby at once ----
good_after=0 revoked=0 other=0 t0=$(date +%s)
for s in $(head -n "$N" "$T_DIR/serials"); do
	"$JPKI" cert revoke --reason keyCompromise "$s" >/dev/null 2>>"$T_DIR/revoke.err" ||
		die "revoke $s: $(tail -1 "$T_DIR/revoke.err")"
	r=$R1; [ $((revoked % 2)) = 1 ] && r=$R2
	case $(status "$s" "$r") in
	revoked) revoked=$((revoked + 1)) ;;
	good) good_after=$((good_after + 1)); revoked=$((revoked + 1)) ;;
	*) other=$((other + 1)) ;;
	esac
done
note "$N revocations committed on the primary, each asked at once of a responder on the standby, in $(($(date +%s) - t0)) s"
assert_eq "$good_after" 0 "no responder on the standby said good after a committed revocation ($N revocations)"
assert_eq "$other" 0 "every answer was a verified revoked"
assert_eq "$(psql "$STANDBY_STORE" -qAtc 'SELECT count(*) FROM certificate WHERE status <> 0')" "$N" \
	"the standby holds the $N revocations"
s=$(sed -n "$((N + 1))p" "$T_DIR/serials")
assert_eq "$(status "$s" "$PORT")" good "the CA's own server on the primary answers too"

# ---- the servers restart under the running responders: they connect again ----
pg_as "$PG_BIN/pg_ctl" -D "$PGD/standby/data" -m fast -w -t 30 restart >/dev/null 2>&1 ||
	die "the standby did not restart"
for i in $(seq 1 100); do
	[ "$(on_primary "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'resp1'")" = sync ] && break
	sleep 0.1
done
first=$(head -1 "$T_DIR/serials")
assert_eq "$(status "$first" "$R1")" revoked "after the standby restarted, a responder connects again and answers"
assert_eq "$(status "$first" "$R2")" revoked "so does the other"
s=$(sed -n "$((N + 2))p" "$T_DIR/serials")
for i in 1 2 3 4 5 6; do status "$s" "$PORT"; done >"$T_DIR/before" # every thread connects
assert_eq "$(sort -u "$T_DIR/before")" good "the CA's server answers on each of its threads"
pg_as "$PG_BIN/pg_ctl" -D "$PGD/primary/data" -m fast -w -t 30 restart >/dev/null 2>&1 ||
	die "the primary did not restart"
for i in $(seq 1 100); do
	[ "$(on_primary "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'resp1'")" = sync ] && break
	sleep 0.1
done
for i in 1 2 3 4 5 6; do status "$s" "$PORT"; done >"$T_DIR/after"
assert_eq "$(sort -u "$T_DIR/after")" good "after the primary restarted, the CA's server connects again and answers (6 asks)"
jp_ok "a revocation after the primary restarted" cert revoke --reason keyCompromise "$s"
assert_eq "$(status "$s" "$R1")" revoked "and the standby's responder says revoked at once"
kill -0 "$SERVER_PID" 2>/dev/null && pass "the CA's server ran through the restart" || fail "the CA's server died"

# ---- the control: an asynchronous standby, its replay delayed ----
on_primary "ALTER SYSTEM SET synchronous_standby_names = ''" >/dev/null
on_primary "SELECT pg_reload_conf()" >/dev/null
echo "recovery_min_apply_delay = '3s'" | pg_as tee -a "$PGD/standby/data/postgresql.auto.conf" >/dev/null
pg_as "$PG_BIN/pg_ctl" -D "$PGD/standby/data" reload >/dev/null
sleep 1
stale=0
for s in $(sed -n "$((N + 3)),$((N + 7))p" "$T_DIR/serials"); do
	"$JPKI" cert revoke --reason keyCompromise "$s" >/dev/null 2>>"$T_DIR/revoke.err" || die "revoke $s"
	[ "$(status "$s" "$R1")" = good ] && stale=$((stale + 1))
done
note "control: $stale of 5 answers said good right after the revocation"
[ "$stale" -ge 1 ] && pass "control: a standby outside the synchronous list, replaying late, says good after a revocation (the check sees it)" ||
	fail "control: the delayed asynchronous standby never said good: the check cannot fail"
sleep 4
assert_eq "$(status "$s" "$R1")" revoked "control: once it has replayed, the standby says revoked"
finish

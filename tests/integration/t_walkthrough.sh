#!/bin/bash
# t_walkthrough: the README's walk-through as a new user runs it, against a
# running `jpki serve` on the same data folder, with other processes beside
# it: CLI writes while the server answers OCSP and CRL requests, `jpki crl`
# from the command line, a reader (the sqlite3 shell) holding the registry
# open, online backups (`jpki registry backup` and sqlite3's .backup), the
# server stopped and started again.  After every step:
#   - OCSP (with a fresh nonce) says what the registry says, at once: never
#     "good" after a committed revocation, never tryLater;
#   - every cRLNumber handed out is above every earlier one, across restarts;
#   - PRAGMA integrity_check is ok;
#   - /proc/locks shows the server holding its locks on the registry (the
#     bug this test was written for: a second open of the file dropped them,
#     and the next CLI process deleted the WAL under the server);
#   - a server killed with SIGKILL loses nothing and starts again.
# Everything runs on the real clock, as the walk-through does.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
unset JPKI_NOW
AT=()
DB=$JPKI_DATA/registry.sqlite
init_ca
pick_port
SERVE_ARGS=(--crl-refresh 1)
server_start
URL=http://127.0.0.1:$PORT

# server_holds_locks WHAT: the server's pid has a POSIX lock on the registry's inode.
server_holds_locks() {
	local ino
	on_sqlite || return 0 # a database server holds its own locks
	ino=$(stat -c %i "$DB")
	if grep -Eq "POSIX +ADVISORY +(READ|WRITE) +$SERVER_PID +[0-9a-f]+:[0-9a-f]+:$ino " /proc/locks; then
		pass "$1: the server holds its lock on the registry"
	else
		fail "$1: the server (pid $SERVER_PID) holds no lock on the registry (inode $ino): $(grep -c . /proc/locks) locks"
	fi
}

integrity_ok() {
	assert_eq "$(reg_integrity 2>&1)" ok "$1: integrity_check"
}

LAST_CRL=0
# crl_number_rises WHAT KIND: fetch the served full CRL; its number is above every earlier one.
crl_number_rises() {
	http GET "/crl/$2.crl" "$T_DIR/now.crl"
	if [ "$HTTP_CODE" != 200 ]; then
		fail "$1: GET /crl/$2.crl answered $HTTP_CODE"
		return
	fi
	note_crl "$1" "$T_DIR/now.crl"
}

# note_crl WHAT FILE: FILE's cRLNumber is strictly above the last one seen (any kind: one counter each).
declare -A SEEN_CRL=([sign]=0 [auth]=0)
note_crl() {
	local kind hex n
	kind=sign
	openssl crl -inform DER -in "$2" -noout -issuer | grep -q 'user authentication' && kind=auth
	hex=$(openssl crl -inform DER -in "$2" -noout -crlnumber | sed 's/^crlNumber=0x//')
	n=$((16#$hex))
	if [ "$n" -gt "${SEEN_CRL[$kind]}" ]; then
		pass "$1: $kind cRLNumber $n is above ${SEEN_CRL[$kind]}"
	else
		fail "$1: $kind cRLNumber $n is not above ${SEEN_CRL[$kind]} (a number reused or lost)"
	fi
	SEEN_CRL[$kind]=$n
}

# ocsp_matches WHAT KIND CERT: a nonce request answers what `jpki cert show` says.
ocsp_matches() {
	local what=$1 kind=$2 crt=$3 serial want
	serial=$(x509_field "$crt" -serial | sed 's/^serial=//')
	want=$("$JPKI" cert show "$serial" | sed -n 's/^status: //p')
	run timeout 20 openssl ocsp -issuer "$(ca_cert "$kind")" -cert "$crt" -url "$URL/ocsp/$kind" \
		-CAfile "$(ca_cert "$kind")" -timeout 10 -nonce
	local got=$OUT$ERR
	case $want in
	valid) assert_contains "$got" "$crt: good" "$what: OCSP says good, as the registry" ;;
	revoked) assert_contains "$got" "$crt: revoked" "$what: OCSP says revoked, as the registry" ;;
	*) fail "$what: the registry has no status for $serial: $want" ;;
	esac
	assert_not_contains "$got" "trylater" "$what: never tryLater"
	assert_contains "$got" "Response verify OK" "$what: the answer verifies"
}

server_holds_locks "at start"
crl_number_rises "at start" sign
crl_number_rises "at start" auth

# -- the walk-through, several residents over, each step checked
n=4
for i in $(seq 1 $n); do
	id=$(add_resident --family 山田 --given "太郎$i" --birth 1990-11-27 --sex M \
		--address "東京都立川市泉町1156-$i") || die "add $i"
	rsa_key "card$i"
	jp_ok "issue auth $i" cert issue --kind auth --resident "$id" --pubkey "$T_DIR/card$i.pub" \
		--card-expiry 2035-11-27 --out "$T_DIR/auth$i.pem"
	jp_ok "issue sign $i" cert issue --kind sign --resident "$id" --pubkey "$T_DIR/card$i.pub" \
		--card-expiry 2035-11-27 --out "$T_DIR/sign$i.pem"
	http GET /ca/sign.der "$T_DIR/sign-ca.der"
	openssl x509 -inform DER -in "$T_DIR/sign-ca.der" -out "$T_DIR/sign-ca.pem" 2>/dev/null
	assert_cmd "resident $i: the sign certificate verifies against the served CA" \
		openssl verify -CAfile "$T_DIR/sign-ca.pem" "$T_DIR/sign$i.pem"
	ocsp_matches "resident $i issued" sign "$T_DIR/sign$i.pem"
	ocsp_matches "resident $i issued" auth "$T_DIR/auth$i.pem"
	# a move of house revokes the signature certificate (rule C5)
	jp_ok "move $i" resident move "$id" --address 東京都立川市錦町1-1
	ocsp_matches "resident $i moved" sign "$T_DIR/sign$i.pem"
	ocsp_matches "resident $i moved" auth "$T_DIR/auth$i.pem"
	crl_number_rises "resident $i moved" sign
	assert_contains "$(openssl crl -inform DER -in "$T_DIR/now.crl" -noout -text)" \
		"$(x509_field "$T_DIR/sign$i.pem" -serial | sed 's/^serial=//')" "resident $i: the served CRL lists the move"
	jp_ok "cli crl $i" crl --kind sign --out "$T_DIR/cli$i.crl"
	note_crl "jpki crl from the command line ($i)" "$T_DIR/cli$i.crl"
	integrity_ok "resident $i"
	server_holds_locks "resident $i"
done

# -- a reader holds the registry open (the sqlite3 shell, inside a read transaction)
mkfifo "$T_DIR/sql.in"
if on_sqlite; then sqlite3 "$DB" <"$T_DIR/sql.in" >"$T_DIR/sql.out" 2>&1 &
else psql "$JPKI_STORE" -qAt <"$T_DIR/sql.in" >"$T_DIR/sql.out" 2>&1 & fi
reader=$!
exec 4>"$T_DIR/sql.in"
if on_sqlite; then printf 'BEGIN;\nSELECT count(*) FROM certificate;\n' >&4; else
	printf 'BEGIN ISOLATION LEVEL REPEATABLE READ;\nSELECT count(*) FROM certificate;\n' >&4
fi
for _ in $(seq 1 50); do [ -s "$T_DIR/sql.out" ] && break; sleep 0.1; done
assert_match "$(cat "$T_DIR/sql.out")" '^[0-9]+$' "a reader holds a read transaction"
serial=$(x509_field "$T_DIR/auth1.pem" -serial | sed 's/^serial=//')
jp_ok "revoke keyCompromise" cert revoke --reason keyCompromise "$serial"
ocsp_matches "keyCompromise with a reader open" auth "$T_DIR/auth1.pem"
if on_sqlite; then
	run timeout 20 sqlite3 "$DB" ".backup '$T_DIR/shell-backup.sqlite'"
	assert_rc 0 "sqlite3 .backup while the server runs"
	jp registry backup "$T_DIR/jpki-backup.sqlite"
	assert_rc 0 "jpki registry backup while the server runs"
	assert_eq "$(stat -c %a "$T_DIR/jpki-backup.sqlite")" 600 "the backup is readable by its owner only"
	assert_eq "$(sqlite3 "$T_DIR/jpki-backup.sqlite" 'PRAGMA integrity_check')" ok "the backup is whole"
	assert_eq "$(sqlite3 "$T_DIR/jpki-backup.sqlite" 'SELECT status, reason FROM certificate WHERE serial = '"'$serial'")" \
		"1|1" "the backup holds the keyCompromise revocation"
else # the server's own backup tool, while jpki serve and the reader run
	run timeout 30 pg_dump -Fc -f "$T_DIR/pg.dump" "$JPKI_STORE"
	assert_rc 0 "pg_dump while the server runs"
	RESTORED=$(pg_new_db "${T_PG_DB}_restored") || die "a database to restore into"
	run timeout 30 pg_restore -d "$RESTORED" "$T_DIR/pg.dump"
	assert_rc 0 "pg_restore of the dump"
	assert_eq "$(psql "$RESTORED" -qAtc "SELECT status, reason FROM certificate WHERE serial = '$serial'")" \
		"1|1" "the restored copy holds the keyCompromise revocation"
fi
for i in 2 3; do
	serial=$(x509_field "$T_DIR/auth$i.pem" -serial | sed 's/^serial=//')
	jp_ok "revoke $i" cert revoke --reason keyCompromise "$serial"
	ocsp_matches "revocation $i with a reader and backups" auth "$T_DIR/auth$i.pem"
done
printf 'COMMIT;\n.quit\n' >&4
exec 4>&-
wait "$reader"
integrity_ok "after the reader"
server_holds_locks "after the reader"
crl_number_rises "after the reader" auth

# -- many CLI processes at once while the server answers
pids=()
for i in $(seq 1 6); do
	"$JPKI" resident add --family 佐藤 --given "花子$i" --birth 1985-01-0"$i" --sex F \
		--address 東京都立川市曙町2-1 >"$T_DIR/par$i.out" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
assert_eq "$(cat "$T_DIR"/par*.out | grep -cE '^[0-9]+$')" 6 "six residents added at once"
ocsp_matches "after the parallel writers" sign "$T_DIR/sign4.pem"
integrity_ok "after the parallel writers"
server_holds_locks "after the parallel writers"

# -- stop and start the server: nothing lost, numbers go on
on_sqlite && size_before=$(stat -c %s "$DB")
server_stop
integrity_ok "after the stop"
if on_sqlite; then
	assert_cmd_fails "the WAL was checkpointed and removed by the last user" test -s "$DB-wal"
	size_after=$(stat -c %s "$DB")
	if [ "$size_after" -ge "$size_before" ]; then pass "the registry did not shrink ($size_before -> $size_after)"; else
		fail "the registry shrank from $size_before to $size_after bytes"
	fi
fi
jp registry check
assert_rc 0 "jpki registry check after the stop"
server_start
server_holds_locks "after the restart"
crl_number_rises "after the restart" sign
crl_number_rises "after the restart" auth
for i in $(seq 1 $n); do
	ocsp_matches "after the restart ($i)" sign "$T_DIR/sign$i.pem"
	ocsp_matches "after the restart ($i)" auth "$T_DIR/auth$i.pem"
done
kill -HUP "$SERVER_PID"
sleep 2
crl_number_rises "after SIGHUP" sign

# -- the server killed mid-way (SIGKILL, no checkpoint), while the CLI goes on writing
serial=$(x509_field "$T_DIR/auth4.pem" -serial | sed 's/^serial=//')
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
jp_ok "revoke with the server dead" cert revoke --reason keyCompromise "$serial"
jp_ok "crl with the server dead" crl --kind auth --out "$T_DIR/after-kill.crl"
note_crl "jpki crl after the kill" "$T_DIR/after-kill.crl"
integrity_ok "after SIGKILL"
server_start
server_holds_locks "after SIGKILL and a restart"
crl_number_rises "after SIGKILL and a restart" auth
ocsp_matches "a revocation made while the server was dead" auth "$T_DIR/auth4.pem"
server_stop
integrity_ok "at the end"
finish

#!/bin/bash
# t_registry: a registry belongs to its CAs, and a lost, emptied, foreign or
# old one is refused rather than used: no empty CRL #1 where the last was
# #N, no server answering "unknown" for everything.  The explicit commands
# (`jpki registry restore`, `jpki registry new`) recover, and cRLNumbers
# never go backwards through any of it.  Judged by openssl crl, the database
# shell (sqlite3, psql) and the files themselves.  On PostgreSQL (run.sh
# --pg) the file's own lifecycle (emptied, deleted, copied, restored) has no
# counterpart: there the backup names the server's tools, and a database
# holding another CA's registry, or a CA naming another registry, is refused.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
DB=$JPKI_DATA/registry.sqlite
init_ca
on_sqlite && assert_eq "$(stat -c %a "$DB")" 600 "the registry is readable by its owner only"
for kind in sign auth; do
	assert_match "$(cat "$JPKI_DATA/ca/$kind/registry-id")" '^[0-9A-F]{32}$' "the $kind CA names its registry"
done
assert_eq "$(cat "$JPKI_DATA/ca/sign/registry-id")" \
	"$(reg_sql "SELECT value FROM registry_meta WHERE key = 'registry_id'")" \
	"and the registry records the same id"
want_fp=$(openssl x509 -in "$(ca_cert sign)" -outform DER | sha256sum | cut -d' ' -f1 | tr a-f A-F)
assert_eq "$(reg_sql "SELECT value FROM registry_meta WHERE key = 'ca.sign.sha256'")" "$want_fp" \
	"the registry records the sign CA's fingerprint"
jp registry check
assert_rc 0 "registry check"
assert_contains "$OUT" "integrity: ok" "registry check: integrity"

id=$(add_yamada) || die add
rsa_key k
jp_ok "issue" cert issue --kind sign --resident "$id" --pubkey "$T_DIR/k.pub" --out "$T_DIR/s.pem"
serial=$(x509_field "$T_DIR/s.pem" -serial | sed 's/^serial=//')
crlno() { openssl crl -inform DER -in "$1" -noout -crlnumber | sed 's/^crlNumber=0x//' | { read -r h; echo $((16#$h)); }; }
for i in 1 2 3; do jp_ok "crl $i" crl --kind sign; done
jp registry backup "$T_DIR/backup.sqlite"
if on_sqlite; then assert_rc 0 "backup"; else
	assert_refused "jpki registry backup on PostgreSQL"
	assert_contains "$ERR" "pg_dump" "it names the server's own tools"
fi
jp_ok "revoke" cert revoke --reason keyCompromise "$serial"
for i in 4 5; do jp_ok "crl $i" crl --kind sign; done
last=$(crlno "$JPKI_DATA/crl/sign.crl")
assert_eq "$last" 5 "five CRLs issued"
assert_eq "$(cat "$JPKI_DATA/ca/sign/crl-number")" 5 "the CA keeps its last cRLNumber beside it"
cp "$JPKI_DATA/crl/sign.crl" "$T_DIR/last.crl"

if ! on_sqlite; then
	# another data folder's CAs over this database: it holds a registry, and not theirs
	run env JPKI_DATA="$T_DIR/other" "$JPKI" init
	assert_refused "jpki init of other CAs over this database"
	assert_contains "$ERR" "belongs to another" "it says whose the registry is"
	run env JPKI_DATA="$T_DIR/other" "$JPKI" resident list
	assert_refused "their commands refuse the registry of these CAs"
	jp resident list
	assert_rc 0 "the registry still serves its own CAs"
	echo 0123456789ABCDEF0123456789ABCDEF >"$JPKI_DATA/ca/auth/registry-id"
	jp resident list
	assert_refused "a CA naming another registry"
	assert_contains "$ERR" "belongs to registry 0123456789ABCDEF" "it names that registry"
	finish
fi

# -- an emptied registry (file truncated)
cp "$DB" "$T_DIR/real.sqlite"
: >"$DB"
for cmd in "crl --kind sign" "resident list" "cert list" "registry check"; do
	# shellcheck disable=SC2086
	jp $cmd
	assert_refused "$cmd with an empty registry"
	assert_contains "$ERR" "empty" "$cmd says the registry is empty"
done
assert_cmd "no CRL was written" cmp -s "$JPKI_DATA/crl/sign.crl" "$T_DIR/last.crl"
assert_eq "$(stat -c %s "$DB")" 0 "and the empty file was left as it was"
jp init
assert_refused "init over an empty registry"
pick_port
run timeout 10 "$JPKI" serve --listen "127.0.0.1:$PORT"
assert_refused "serve with an empty registry"
jp registry new
assert_refused "registry new over an existing (empty) file"

# -- a deleted registry
rm -f "$DB" "$DB-wal" "$DB-shm"
jp crl --kind sign
assert_refused "crl without a registry"
assert_contains "$ERR" "no registry" "it says the registry is missing"
jp init
assert_refused "init when the CAs have served and their registry is gone"
assert_contains "$ERR" "jpki registry restore" "init points at the restore"
assert_cmd_fails "init made no registry" test -e "$DB"
run timeout 10 "$JPKI" serve --listen "127.0.0.1:$PORT"
assert_refused "serve without a registry"

# -- another data folder's registry
other=$T_DIR/other
JPKI_DATA=$other "$JPKI" init >/dev/null || die "other init"
cp "$other/registry.sqlite" "$DB"
jp resident list
assert_refused "a registry of other CAs"
assert_contains "$ERR" "belongs to another" "it says whose it is"
jp crl --kind sign
assert_refused "crl with a registry of other CAs"
rm -f "$DB" "$DB-wal" "$DB-shm"

# -- an old copy put in place by hand: its CRL counter is behind the CA's
cp "$T_DIR/backup.sqlite" "$DB"
chmod 600 "$DB"
jp crl --kind sign
assert_refused "a cRLNumber not above the last issued"
assert_contains "$ERR" "not above the last one the CA issued" "it says why"
assert_cmd "the served CRL is still the last one" cmp -s "$JPKI_DATA/crl/sign.crl" "$T_DIR/last.crl"
refusals=0
for _ in 1 2 3 4 5 6 7 8; do # a refusal draws nothing: refusing again and again never wears it down
	jp crl --kind sign
	[ "$RC" -ne 0 ] && refusals=$((refusals + 1))
done
assert_eq "$refusals" 8 "eight more tries from the old copy are all refused"
jp registry check
assert_rc 1 "registry check finds the old copy"
assert_contains "$OUT" "BEHIND" "it says the counter is behind the CA's"
rm -f "$DB" "$DB-wal" "$DB-shm"

# -- restore: checked, then the counters go on above the CA's
jp registry restore "$T_DIR/other/registry.sqlite"
assert_refused "restoring another registry's file"
assert_cmd_fails "a refused restore makes no registry" test -s "$DB"
rm -f "$DB" "$DB-wal" "$DB-shm"
echo "not a database, not at all; long enough to look like a file with a header of some sort." >"$T_DIR/junk"
jp registry restore "$T_DIR/junk"
assert_refused "restoring a file that is not a registry"
rm -f "$DB" "$DB-wal" "$DB-shm"
sha_before=$(sha256sum <"$T_DIR/backup.sqlite")
jp registry restore "$T_DIR/backup.sqlite"
assert_rc 0 "restore the backup"
assert_contains "$OUT" "revocations made after this backup was taken are lost" "restore warns what is lost"
assert_eq "$(sha256sum <"$T_DIR/backup.sqlite")" "$sha_before" "the backup file was not written to"
assert_eq "$(stat -c %a "$DB")" 600 "the restored registry is readable by its owner only"
jp_ok "crl after the restore" crl --kind sign
n=$(crlno "$JPKI_DATA/crl/sign.crl")
if [ "$n" -gt "$last" ]; then pass "cRLNumber $n after the restore is above $last"; else
	fail "cRLNumber $n after the restore is not above $last"
fi
jp cert show "$serial"
assert_contains "$OUT" "status: valid" "the revocation after the backup is lost, as the restore said"
jp_ok "redo it" cert revoke --reason keyCompromise "$serial"
jp registry check
assert_rc 0 "registry check after the restore"

# -- restore over a live registry (in place, through SQLite)
jp_ok "crl" crl --kind sign
jp registry restore "$T_DIR/backup.sqlite"
assert_rc 0 "restore over the existing registry"
assert_eq "$(reg_integrity)" ok "integrity after an in-place restore"

# -- registry new: explicit, only where there is none, numbers go on
last=$(cat "$JPKI_DATA/ca/sign/crl-number")
jp registry new
assert_refused "registry new over a registry"
rm -f "$DB" "$DB-wal" "$DB-shm"
jp registry new
assert_rc 0 "registry new for the existing CAs"
assert_contains "$OUT" "unknown to it" "it says what is lost"
assert_eq "$("$JPKI" cert list | grep -c .)" 0 "the new registry knows no certificate"
jp_ok "crl from the new registry" crl --kind sign
n=$(crlno "$JPKI_DATA/crl/sign.crl")
if [ "$n" -gt "$last" ]; then pass "cRLNumber $n from the new registry is above $last"; else
	fail "cRLNumber $n from the new registry is not above $last"
fi
assert_eq "$(cat "$JPKI_DATA/ca/sign/registry-id")" \
	"$(reg_sql "SELECT value FROM registry_meta WHERE key = 'registry_id'")" \
	"the CAs now name the new registry"
jp registry restore "$T_DIR/backup.sqlite"
assert_refused "the old registry's backup no longer belongs to these CAs"

# -- a CA that names another registry
echo 0123456789ABCDEF0123456789ABCDEF >"$JPKI_DATA/ca/auth/registry-id"
jp resident list
assert_refused "a CA naming another registry"
assert_contains "$ERR" "belongs to registry 0123456789ABCDEF" "it names that registry"
finish

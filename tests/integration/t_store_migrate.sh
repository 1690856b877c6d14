#!/bin/bash
# t_store_migrate: `jpki store migrate --to postgresql://...` moves an SQLite
# registry to PostgreSQL (docs/deployment.md, "Moving house").  The registry
# holds what a city's has: residents, certificates (one revoked, one on hold),
# CRL numbers, counter cases with receipts and a card's issuance, the audit
# log with its tree, operators and an approval, a relying party.  After the
# move, judged against the new registry alone: the certificates are the same
# (`jpki cert list`), `jpki audit verify` accepts the new log against a
# checkpoint signed before the move (the same entries, the same tree), the
# CRL numbers go on from the old ones, `jpki registry check` passes, and
# `openssl ocsp` against `jpki serve` on the new registry says revoked and
# good where the old one did.  A second move into the same database, a --to
# that is not PostgreSQL, one that carries a password and an unreachable
# server are refused with a clear error.  A move killed mid-way commits none of
# its rows, and running it again completes it.  The server is run.sh --pg's when there is one, else the test's own.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=counter_lib.sh
. "$(dirname "$0")/counter_lib.sh"
# shellcheck source=pg_lib.sh
. "$(dirname "$0")/pg_lib.sh"
D=$T_DIR
unset JPKI_STORE # the original: the data folder's SQLite registry
if [ -n "${JPKI_TEST_PG:-}" ]; then
	PG_BASE=$JPKI_TEST_PG NEW_DB=${T_PG_DB}_moved
else
	PGD=$(mktemp -d "${TMPDIR:-/tmp}/jpki-pg.XXXXXX")
	trap 'pg_server_stop "$PGD"; t_cleanup' EXIT
	pg_server_start "$PGD" || die "a PostgreSQL server"
	NEW_DB=moved
fi

at 2026-12-02T10:00:00+09:00
init_ca
YAMADA=$(resident_with_certs 山田 太郎 1990-11-27)
SATO=$(resident_with_certs 佐藤 次郎 1985-04-01)
TAKAHASHI=$(add_resident --family 高橋 --given 四郎 --birth 1975-05-05 --sex M --address 東京都立川市泉町1156-9)
counter_card "$D/takahashi.img" "$TAKAHASHI"
pins 1234 ABC123
counter issue --resident "$TAKAHASHI" --doc licence:L1 --reason lost "${PINS[@]}" "$D/takahashi.img"
assert_rc 0 "an issuance at the counter, onto a card, with a receipt"
counter loss --resident "$SATO"
assert_rc 0 "sato's loss: both certificates on hold"
jp_ok "yamada's signature certificate revoked" cert revoke --reason keyCompromise \
	"$(x509_field "$D/山田.sign.pem" -serial | sed 's/^serial=//')"
PW=$(secret officer-one-password)
jp_ok "an operator" operator add officer1 --name "認証局 一郎" --role ca-officer --password-file "$PW"
jp_ok "an approval request" approval request --kind ca-operation --what "a key ceremony" --by officer1 \
	--by-password-file "$PW"
jp_ok "a relying party" rp add portal --name "デモ" --key-out "$D/portal.key"
for k in sign auth; do jp_ok "a $k CRL" crl --kind "$k"; done
jp_ok "a checkpoint before the move" audit checkpoint --out "$D/before.cp"
jp_ok "the certificates before" cert list
BEFORE=$OUT
LAST_AUTH=$(cat "$JPKI_DATA/ca/auth/crl-number")

# refusals first: nothing is made
jp store migrate --to "sqlite:$D/x.sqlite"
assert_rc 2 "a --to that is not PostgreSQL is refused"
jp store migrate --to "postgresql://jpki:s3cret-pw@127.0.0.1:1/nowhere"
assert_rc 2 "a password in --to (on the command line) is refused"
assert_contains "$ERR" "pgpass" "it says where the password belongs"
assert_not_contains "$ERR" "s3cret-pw" "and does not repeat it"
jp store migrate --to "postgresql://jpki@127.0.0.1:1/nowhere"
assert_refused "an unreachable server"
assert_contains "$ERR" "cannot connect" "it says so"

NEW=$(pg_new_db "$NEW_DB") || die "the new database"
jp store migrate --to "$NEW"
assert_rc 0 "jpki store migrate"
for t in resident certificate audit_entry audit_node receipt operator approval_request relying_party; do
	assert_match "$OUT" "^$t +[1-9][0-9]* rows, checked" "$t copied and checked row for row"
done
jp store migrate --to "$NEW"
assert_refused "a second move into the same database"
assert_contains "$ERR" "holds a registry already" "it says the database holds one"

# the new registry, on its own
export JPKI_STORE=$NEW
jp_ok "the certificates after" cert list
assert_eq "$OUT" "$BEFORE" "the same certificates, the same states"
jp_ok "the export of the moved log" audit export --out "$D/after.jsonl"
jp audit verify --vkey "$(cat "$JPKI_DATA/audit/vkey")" --checkpoint "$D/before.cp" --entries "$D/after.jsonl"
assert_rc 0 "jpki audit verify: the moved log holds the entries the checkpoint before the move signed"
jp_ok "a checkpoint after the move" audit checkpoint --out "$D/after.cp"
jp audit verify --vkey "$(cat "$JPKI_DATA/audit/vkey")" --checkpoint "$D/after.cp" --previous "$D/before.cp"
assert_rc 0 "and the moved tree is consistent with the one before (RFC 9162)"
jp registry check
assert_rc 0 "jpki registry check on the moved registry"
jp_ok "a CRL from the moved registry" crl --kind auth
[ "$(cat "$JPKI_DATA/ca/auth/crl-number")" -gt "$LAST_AUTH" ] && pass "its number goes on from the old ones" ||
	fail "the CRL number did not go on from $LAST_AUTH"
jp approval show 1
assert_contains "$OUT" "a key ceremony" "the approval request moved"
jp operator login officer1 --password-file "$PW"
assert_rc 0 "the operator logs in on the moved registry"

pick_port
server_start
URL=http://127.0.0.1:$PORT
ocsp_ask sign "$D/山田.sign.pem"
assert_contains "$OUT" "Reason: keyCompromise" "openssl ocsp on the moved registry: yamada's revoked"
ocsp_ask auth "$D/山田.auth.pem"
assert_contains "$OUT" ": good" "and his authentication certificate good"
ocsp_ask auth "$D/佐藤.auth.pem"
assert_contains "$OUT" "certificateHold" "sato's on hold"
server_stop

# a move killed mid-way (kill -9 once the new schema exists, while the rows go across):
# nothing of the copy is committed, and the move run again completes and checks
unset JPKI_STORE
reg_sql "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50000)
INSERT INTO resident (id, family_name, given_name, name_subst, address, address_subst, birth_date,
  sex, former_surname, alias, adult_ward, status, residence_end, created_at, updated_at)
SELECT 1000 + i, '田中', '花子', '', '東京都立川市錦町1-1', '', '1980-01-01', 2, '', '', 0, 0, NULL,
  1764633600, 1764633600 FROM c" || die "a larger registry"
KILLED=$(pg_new_db "${NEW_DB}_killed") || die "a database for the killed move"
"$JPKI" store migrate --to "$KILLED" >"$D/killed.out" 2>&1 &
MOVER=$!
for _ in $(seq 1 200); do
	psql "$KILLED" -qAtc "SELECT 1 FROM schema_version" >/dev/null 2>&1 && break
	sleep 0.05
done
kill -KILL "$MOVER" 2>/dev/null
wait "$MOVER" 2>/dev/null
assert_eq "$?" 137 "the move was killed mid-way"
assert_eq "$(psql "$KILLED" -qAtc "SELECT count(*) FROM resident")" 0 \
	"the killed move committed none of its rows"
jp store migrate --to "$KILLED"
assert_rc 0 "the move run again over what the killed one left"
assert_match "$OUT" "^resident +50003 rows, checked" "every resident moved and checked"
finish

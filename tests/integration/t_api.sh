#!/bin/bash
# t_api: the counter's REST API (docs/api.md) against a running `jpki serve`,
# judged by an independent client (api_peer.py: the Python standard library,
# jsonschema and cryptography) written from the OpenAPI document the server
# serves: every answer's status and body match the document; every route is
# called by every role and only the allowed ones pass; CSRF tokens and
# origins are enforced; malformed JSON, wrong types, unknown fields, oversized
# bodies and other content types each get a clear 4xx and change nothing;
# every write's audit entry, checkpoint and inclusion proof verify with the
# verifier key alone.  Then, with the server still running on the same data
# folder, `jpki audit verify` accepts the log the API wrote, and `openssl
# ocsp` sees the certificates the API held and revoked.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=counter_lib.sh
. "$(dirname "$0")/counter_lib.sh"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3 # Debian's, with python3-jsonschema
"$PY" -c 'import jsonschema, cryptography' 2>/dev/null || die "python3-jsonschema and python3-cryptography"

at 2026-12-02T10:00:00+09:00 # a Wednesday, in office hours
init_ca
pick_port
D=$T_DIR
YAMADA=$(resident_with_certs 山田 太郎 1990-11-27)
SATO=$(resident_with_certs 佐藤 次郎 1985-04-01)
SUZUKI=$(resident_with_certs 鈴木 三郎 1970-01-15)
# a fee receipt to void: an issuance at the counter onto a card image
TAKAHASHI=$(add_resident --family 高橋 --given 四郎 --birth 1975-05-05 --sex M --address 東京都立川市泉町1156-9) ||
	die "resident 高橋"
counter_card "$D/takahashi.img" "$TAKAHASHI"
pins 1234 ABC123
counter issue --resident "$TAKAHASHI" --doc licence:L1 --reason lost "${PINS[@]}" "$D/takahashi.img"
RECEIPT=$(printf '%s\n' "$OUT" | sed -n 's/.*receipt \([0-9]*\):.*/\1/p')
[ -n "$RECEIPT" ] || die "no receipt: $OUT $ERR"
PW=$(secret 'officer-one-password')
jp_ok "the first CA officer" operator add officer1 --name "認証局 一郎" --role ca-officer \
	--password-file "$PW"

TLS_PORT=$((PORT + 1))
SERVE_ARGS=(--tls-listen "127.0.0.1:$TLS_PORT" --no-portal)
server_start
for _ in $(seq 1 50); do # printed just after the listeners start answering
	grep -q "counter terminal on" "$T_DIR/serve.log" && break
	sleep 0.1
done
assert_contains "$(cat "$T_DIR/serve.log")" "counter terminal on https://localhost:$TLS_PORT/counter/" \
	"serve announces the counter terminal"
VKEY_FILE=$JPKI_DATA/audit/vkey
[ -f "$VKEY_FILE" ] || die "the server made no checkpoint key"
printf '{"officer": "officer1", "officer_password_file": "%s", "receipt": %s, "residents": {"yamada": %s, "sato": %s, "suzuki": %s}}\n' \
	"$PW" "$RECEIPT" "$YAMADA" "$SATO" "$SUZUKI" >"$D/setup.json"

timeout 100 "$PY" "$(dirname "$0")/api_peer.py" "$TLS_PORT" "$JPKI_DATA/tls/ca.pem" "https://localhost:$TLS_PORT" \
	"$VKEY_FILE" "$D/setup.json" "$D/peer.json" >"$D/peer.out" 2>&1
PEER_RC=$?
while IFS= read -r line; do
	case $line in
	"PASS "*) pass "${line#PASS }" ;;
	"FAIL "*) fail "${line#FAIL }" ;;
	"  .. "*) note "${line#  .. }" ;;
	esac
done <"$D/peer.out"
assert_eq "$PEER_RC" 0 "the peer finished (exit 0): $(tail -n 3 "$D/peer.out" | tr '\n' ' ')"

# the CLI on the same data folder, with the server running: the log the API wrote verifies
jp_ok "a checkpoint by the CLI" audit checkpoint --out "$D/cp"
jp_ok "the export" audit export --out "$D/log.jsonl"
jp audit verify --vkey "$(cat "$VKEY_FILE")" --checkpoint "$D/cp" --entries "$D/log.jsonl"
assert_rc 0 "jpki audit verify accepts the log the API wrote"
assert_contains "$(cat "$D/log.jsonl")" '"action":"resident.search"' "searches are in it"

# openssl ocsp on what the API did: yamada's certificates revoked (hold lifted), sato's sign
URL=http://127.0.0.1:$PORT
ocsp_ask sign "$D/山田.sign.pem"
assert_contains "$OUT" "revoked" "openssl ocsp: yamada's signature certificate is revoked"
assert_not_contains "$OUT" "certificateHold" "for good, no longer on hold"
ocsp_ask auth "$D/佐藤.auth.pem"
assert_contains "$OUT" ": good" "sato's authentication certificate is still good"
ocsp_ask sign "$D/佐藤.sign.pem"
assert_contains "$OUT" "revoked" "sato's signature certificate is revoked"
ocsp_ask auth "$D/鈴木.auth.pem"
assert_contains "$OUT" ": good" "suzuki's authentication certificate is still good"
ocsp_ask sign "$D/鈴木.sign.pem"
assert_contains "$OUT" "Reason: affiliationChanged" "his signature certificate was revoked by the corrected address (C5)"

server_stop

# a Saturday: the hours (rule W1), and an override approved by a supervisor, used once
at 2026-12-05T10:00:00+09:00
pick_port
TLS_PORT=$((PORT + 1))
SERVE_ARGS=(--tls-listen "127.0.0.1:$TLS_PORT" --no-portal)
server_start
timeout 60 "$PY" "$(dirname "$0")/api_peer.py" hours "$TLS_PORT" "$JPKI_DATA/tls/ca.pem" "https://localhost:$TLS_PORT" \
	"$VKEY_FILE" "$D/setup.json" >"$D/hours.out" 2>&1
HOURS_RC=$?
while IFS= read -r line; do
	case $line in
	"PASS "*) pass "${line#PASS }" ;;
	"FAIL "*) fail "${line#FAIL }" ;;
	"  .. "*) note "${line#  .. }" ;;
	esac
done <"$D/hours.out"
assert_eq "$HOURS_RC" 0 "the Saturday peer finished: $(tail -n 3 "$D/hours.out" | tr '\n' ' ')"
server_stop
finish

#!/bin/bash
# t_webauthn: operators' FIDO2 security keys (docs/operators.md, "Security
# keys") against an independent peer: webauthn_authenticator.py, a software
# authenticator written in Python from the specifications, makes the
# registrations and assertions; `jpki operator key` verifies them from the
# files it wrote.  Formats none and packed, ES256 and EdDSA keys; the
# registration rule (the operator's own first key, else a CA officer), the
# sign counter, the origin and the challenge, a key of another operator,
# disabling (never deleting), the password no longer enough once a key is
# enabled, and every step in the audit log, which still verifies.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

init_ca
D=$T_DIR
AUTHN="python3 $(dirname "$0")/webauthn_authenticator.py"
RP=counter.city.example.jp
ORIGIN=https://counter.city.example.jp
PW_OFFICER=$(secret 'officer-pass-1234')
PW_OFF2=$(secret 'officer2-pass-123')
PW_CLERK=$(secret 'clerk-pass-123456')
PW_C2=$(secret 'clerk2-pass-12345')
jp_ok "the first CA officer" operator add officer1 --name "認証局 花子" --role ca-officer \
	--password-file "$PW_OFFICER"
for o in "officer2 ca-officer $PW_OFF2" "clerk1 clerk $PW_CLERK" "clerk2 clerk $PW_C2"; do
	set -- $o
	jp_ok "add $1" operator add "$1" --name "$1" --role "$2" --password-file "$3" \
		--by officer1 --by-password-file "$PW_OFFICER"
done

challenge() { jp_ok "a challenge" operator key challenge; CH=$OUT; }
# make ceremony STATE OUT [authenticator options...]: the peer answers a fresh challenge $CH
make() {
	local cmd=$1 state=$2 out=$3
	shift 3
	$AUTHN "$cmd" --state "$D/$state" --out "$D/$out" --rp-id "$RP" --origin "$ORIGIN" \
		--challenge="$CH" "$@" || die "the peer failed: $cmd $state"
}
register() { # OUT ID BY PWFILE [jpki options...]
	local out=$1 id=$2 by=$3 pw=$4
	shift 4
	jp operator key register "$id" --rp-id "$RP" --origin "$ORIGIN" --challenge="$CH" \
		--client-data "$D/$out/client_data.json" --attestation "$D/$out/attestation_object" \
		--by "$by" --by-password-file "$pw" "$@"
}
assertion() { # OUT ID [jpki options...]
	local out=$1 id=$2
	shift 2
	jp operator key assert "$id" --rp-id "$RP" --origin "$ORIGIN" --challenge="$CH" \
		--credential-id "$D/$out/credential_id" --client-data "$D/$out/client_data.json" \
		--authenticator-data "$D/$out/authenticator_data" --signature "$D/$out/signature" "$@"
}

# registration: the clerk's own first key (none), after their password
jp operator login clerk1 --password-file "$PW_CLERK"
assert_not_contains "$OUT" "security key is required" "no key yet: the password is enough"
challenge
assert_match "$CH" '^[A-Za-z0-9_-]{43}$' "a challenge is 32 bytes of base64url"
make register k1 r1
register r1 clerk1 clerk1 "$PW_CLERK" --label "青い鍵"
assert_rc 0 "the clerk registers their own first key (fmt none)"
assert_contains "$OUT" "key 1 registered for clerk1" "says which key"
jp operator login clerk1 --password-file "$PW_CLERK"
assert_contains "$OUT" "a security key is required too" "then a password alone is not enough"

# assertions
challenge
make assert k1 a1
assertion a1 clerk1
assert_rc 0 "the clerk's assertion verifies"
assertion a1 clerk1
assert_rc 4 "the same assertion again: the sign counter did not grow"
assert_contains "$ERR" "cloned" "says the key may be cloned"
challenge
make assert k1 a2 --count 1
assertion a2 clerk1
assert_rc 4 "a fresh assertion with the counter of the last one"
challenge
make assert k1 a3
CH_OLD=$CH
challenge
assertion a3 clerk1
assert_rc 4 "an assertion of another challenge"
assert_contains "$ERR" "challenge" "says why"
CH=$CH_OLD
assertion a3 clerk1
assert_rc 0 "the same assertion with its own challenge"
for o in https://counter.city.example.jp.evil.example https://counter.city.example.jp:8443 \
	http://counter.city.example.jp; do
	challenge
	$AUTHN assert --state "$D/k1" --out "$D/ao" --rp-id "$RP" --origin "$o" --challenge="$CH"
	assertion ao clerk1
	assert_rc 4 "origin $o"
done
challenge
$AUTHN assert --state "$D/k1" --out "$D/ar" --rp-id city.example.jp --origin "$ORIGIN" \
	--challenge="$CH"
assertion ar clerk1
assert_rc 4 "another RP ID's rpIdHash"
printf 'x' >>"$D/a3/authenticator_data"
assertion a3 clerk1
assert_rc 4 "authenticator data with a byte after it"
jp operator key assert clerk1 --rp-id "$RP" --origin "$ORIGIN" --challenge short \
	--credential-id "$D/a1/credential_id" --client-data "$D/a1/client_data.json" \
	--authenticator-data "$D/a1/authenticator_data" --signature "$D/a1/signature"
assert_rc 2 "a challenge that is not 32 bytes of base64url"

# who registers which key
challenge
make register k2 r2 --fmt packed --alg eddsa
register r2 clerk1 clerk1 "$PW_CLERK"
assert_rc 4 "a second key of the clerk's own: refused"
assert_contains "$ERR" "registered by a CA officer" "says who may"
register r2 clerk1 clerk2 "$PW_C2"
assert_rc 4 "a clerk registers no key for another"
register r2 clerk2 officer1 "$PW_CLERK"
assert_rc 4 "the officer's wrong password"
register r2 clerk2 officer1 "$PW_OFFICER"
assert_rc 0 "a CA officer registers a key for clerk2 (packed self attestation, EdDSA)"
register r2 clerk1 officer1 "$PW_OFFICER"
assert_rc 4 "the same credential again, for anyone"
challenge
make assert k2 b1
assertion b1 clerk2
assert_rc 0 "clerk2's EdDSA assertion verifies"
challenge
make assert k2 b2
assertion b2 clerk1
assert_rc 4 "clerk2's key does not log clerk1 in"
challenge
make register k3 r3 --fmt packed
register r3 officer1 officer1 "$PW_OFFICER"
assert_rc 0 "the officer's own first key (packed, ES256)"

# the list; disabling
jp operator key list clerk1
assert_match "$OUT" '^1	enabled	ES256	count 2	6A706B692D736F66742D617574686E00	by clerk1	青い鍵$' \
	"the list shows the key, its counter, AAGUID and label"
jp operator key disable 1 --by clerk2 --by-password-file "$PW_C2"
assert_rc 4 "a clerk disables no key"
jp operator key disable 3 --by officer1 --by-password-file "$PW_OFFICER"
assert_rc 4 "an officer does not disable their own key"
jp operator key disable 1 --by officer1 --by-password-file "$PW_OFFICER"
assert_rc 0 "the officer disables the clerk's key"
jp operator key disable 3 --by officer2 --by-password-file "$PW_OFF2"
assert_rc 0 "another officer disables the officer's key"
challenge
make assert k1 a4
assertion a4 clerk1
assert_rc 4 "a disabled key logs no one in"
assert_contains "$ERR" "disabled" "says it is disabled"
jp operator login clerk1 --password-file "$PW_CLERK"
assert_not_contains "$OUT" "security key is required" "no enabled key: the password again"

# the registry and the audit log
DB=$JPKI_DATA/registry.sqlite
assert_eq "$(reg_sql 'SELECT version FROM schema_version')" 9 "schema 9"
assert_eq "$(reg_sql 'SELECT count(*), sum(CASE WHEN disabled_at > 0 THEN 1 ELSE 0 END) FROM operator_credential')" \
	"3|2" "three keys, two disabled"
reg_sql "DELETE FROM operator_credential" 2>/dev/null
assert_eq "$(reg_sql 'SELECT count(*) FROM operator_credential')" 3 \
	"keys are never deleted (the table refuses)"
jp audit
assert_contains "$OUT" "webauthn.register	done" "registrations are audit entries"
assert_contains "$OUT" "webauthn.assert	refused" "refused assertions are audit entries"
assert_contains "$OUT" "the key may have been cloned" "the cloned-key refusal is in the log"
assert_contains "$OUT" "webauthn.disable	done" "disabling is an audit entry"
jp_ok "checkpoint" audit checkpoint --out "$D/cp"
jp_ok "export" audit export --out "$D/log"
jp audit verify --vkey "$JPKI_DATA/audit/vkey" --checkpoint "$D/cp" --entries "$D/log"
assert_rc 0 "the audit log verifies"
finish

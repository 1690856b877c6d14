#!/bin/bash
# t_login: a Web eID login with the card's authentication key (docs/login.md):
# `jpki login token` signs on the card image, `jpki login validate` checks the
# token against the relying party's own origin and nonce, with `jpki serve`
# answering OCSP.  Every refusal has its own failure: origins that differ by a
# suffix, a port, the scheme or an IDN's form; a replayed or foreign nonce; a
# tampered token; a revoked certificate; the wrong CA or policy; sizes and
# malformed JSON.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

init_ca
pick_port
RID=$(add_yamada) || die "resident"
IMG=$T_DIR/card.img
APIN=$(secret 1234)
jp_ok "card new" card new "$IMG" --number 123456789012 --expiry 2035-11-27
jp_ok "personalize" card personalize "$IMG" --resident "$RID" --auth-pin-file "$APIN" \
	--sign-pin-file "$(secret ABC123)"
server_start
D=$T_DIR
head -c 32 /dev/urandom >"$D/secret"
ORIGIN=https://portal.example.jp
N=$(head -c 32 /dev/urandom | base64)
login() { jp login validate --token "$1" --origin "${2:-$ORIGIN}" --nonce "${3:-$N}" --secret-file "$D/secret" "${@:4}"; }
refused() { # WANT WHAT TOKEN [ORIGIN [NONCE [OPTIONS...]]]
	local want=$1 what=$2
	shift 2
	login "$@"
	assert_rc 4 "$what"
	assert_contains "$OUT" "REFUSED $want" "$what: $want"
}

jp login token "$IMG" --origin "$ORIGIN" --nonce "$N" --pin-file "$APIN" --out "$D/tok.json"
assert_rc 0 "login token signs on the card"
assert_eq "$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(t["format"], t["algorithm"], sorted(t))' "$D/tok.json")" \
	"web-eid:1.0 RS256 ['algorithm', 'appVersion', 'format', 'signature', 'unverifiedCertificate']" \
	"the token is Web eID's JSON"
login "$D/tok.json"
assert_rc 0 "the relying party validates it"
P1=$(printf '%s\n' "$OUT" | awk '{print $2}')
assert_match "$P1" '^[A-Za-z0-9_-]{43}$' "a pseudonym of 43 base64url characters"
login "$D/tok.json"
assert_eq "$(printf '%s\n' "$OUT" | awk '{print $2}')" "$P1" "the same holder, the same pseudonym"
login "$D/tok.json" "$ORIGIN" "$N" --rp another-bank
assert_rc 0 "another relying party"
[ "$(printf '%s\n' "$OUT" | awk '{print $2}')" != "$P1" ] && pass "has another pseudonym for the holder" ||
	fail "two relying parties share a pseudonym"
jp login token "$IMG" --origin http://portal.example.jp --nonce "$N" --pin-file "$APIN"
assert_rc 2 "the holder's side refuses an http origin"
jp login token "$IMG" --origin "$ORIGIN" --nonce "$N" --pin 1234
assert_refused "a PIN on the command line"

# the origin: only the exact one the token was made for
refused SIGNATURE "a suffix: portal.example.jp.evil" "$D/tok.json" https://portal.example.jp.evil
refused SIGNATURE "a port change" "$D/tok.json" https://portal.example.jp:8443
refused ORIGIN "http instead of https" "$D/tok.json" http://portal.example.jp
refused ORIGIN "a trailing slash" "$D/tok.json" https://portal.example.jp/
refused ORIGIN "a port over 65535" "$D/tok.json" https://portal.example.jp:70000
refused ORIGIN "an IDN in Unicode (the browser sends Punycode)" "$D/tok.json" https://ポータル.jp
jp login token "$IMG" --origin https://xn--zckzah.jp --nonce "$N" --pin-file "$APIN" --out "$D/idn.json"
login "$D/idn.json" https://xn--zckzah.jp
assert_rc 0 "an IDN in Punycode validates"
# the nonce: the relying party's own, once
N2=$(head -c 32 /dev/urandom | base64)
refused SIGNATURE "another challenge's nonce (replay)" "$D/tok.json" "$ORIGIN" "$N2"
refused TOKEN_FORMAT "a nonce that is not 44 characters" "$D/tok.json" "$ORIGIN" short
# the token itself
cp "$D/tok.json" "$D/t.json"
python3 "$(dirname "$0")/tamper_token.py" "$D/t.json"
refused SIGNATURE "a changed signature" "$D/t-sig.json"
refused CHAIN "a tampered certificate" "$D/t-cert.json"
refused TOKEN_FORMAT "another format" "$D/t-format.json"
refused TOKEN_FORMAT "an algorithm the card does not use" "$D/t-alg.json"
refused TOKEN_FORMAT "a missing field" "$D/t-missing.json"
refused TOKEN_SIZE "over 10,000 characters" "$D/t-big.json"
refused TOKEN_SIZE "under 100 characters" "$D/t-small.json"
refused TOKEN_FORMAT "not JSON" "$D/t-junk.json"
# the certificate's side
refused CHAIN "the signature CA is not an authentication CA" "$D/tok.json" "$ORIGIN" "$N" --trust "$(ca_cert sign)"
refused POLICY "a policy the relying party does not accept" "$D/tok.json" "$ORIGIN" "$N" --policy 1.2.392.200149.8.5.1.1.20
login "$D/tok.json" "$ORIGIN" "$N" --policy 1.2.392.200149.8.5.1.3.30
assert_rc 0 "the authentication policy is accepted"
JPKI_NOW=2032-01-01T00:00:00+09:00 refused CERT_VALIDITY "expired" "$D/tok.json"
serial=$(printf '%s\n' "$OUT" | awk '{print $3}')
jp cert list --resident "$RID"
auth_serial=$(printf '%s\n' "$OUT" | awk '$2 == "auth" {print $1}')
# the responder down, the CRLs on a plain web server: the fallback, when configured
python3 - "$D/tok.json" "$D/auth.der" <<'PY'
import base64, json, sys
open(sys.argv[2], "wb").write(base64.b64decode(json.load(open(sys.argv[1]))["unverifiedCertificate"]))
PY
crls_only "$D/auth.der"
refused STATUS_FAILED "OCSP down, no fallback configured" "$D/tok.json"
login "$D/tok.json" "$ORIGIN" "$N" --crl-fallback
assert_rc 0 "OCSP down: the CRL partition and its delta say good"
www_stop
server_start
jp_ok "revoke" cert revoke --reason keyCompromise "$auth_serial"
refused REVOKED "a revoked certificate" "$D/tok.json"
crls_only "$D/auth.der"
refused REVOKED "revoked, by the CRL fallback" "$D/tok.json" "$ORIGIN" "$N" --crl-fallback
www_stop
refused STATUS_FAILED "no responder answers" "$D/tok.json"
finish

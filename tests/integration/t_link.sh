#!/bin/bash
# t_link: the linking service over HTTPS (docs/login.md, "The linking
# service"), judged by curl against a running `jpki serve --tls-listen`:
# a relying party's pseudonym for a holder stays the same after the holder's
# authentication certificate is renewed, differs between relying parties,
# and is refused for a wrong key, a disabled party or a certificate the
# registry did not issue; the same-person question is answered only to a
# party registered for it, yes for the holder's own signature certificate,
# no for another person's; every access, refused ones too, is in the log.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

init_ca
pick_port
D=$T_DIR
RID=$(add_yamada) || die "resident"
OTHER=$(add_resident --family 佐藤 --given 花子 --birth 1985-04-01 --sex F \
	--address 東京都立川市錦町1-1) || die "second resident"
issue() { # KIND RESIDENT NAME: a certificate of a new key, DER in $D/NAME.der
	rsa_key "$3"
	jp_ok "issue $3" cert issue --kind "$1" --resident "$2" --pubkey "$D/$3.pub" --out "$D/$3.pem"
	openssl x509 -in "$D/$3.pem" -outform DER -out "$D/$3.der" || die "DER of $3"
}
issue auth "$RID" auth1
issue sign "$RID" sign1
issue sign "$OTHER" sign-other
issue auth "$OTHER" auth-other

# the HTTPS listener's own certificate (self-signed, for 127.0.0.1)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/tls.key" -out "$D/tls.pem" -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null || die "TLS certificate"
TLS_PORT=$((PORT + 1))
SERVE_ARGS=(--tls-listen "127.0.0.1:$TLS_PORT" --tls-cert "$D/tls.pem" --tls-key "$D/tls.key")

jp rp add demo.bank --name "Demo Bank" --key-out "$D/bank.key"
assert_rc 0 "register a relying party"
jp rp add demo.city --name "Demo City" --key-out "$D/city.key" --link-signature
assert_rc 0 "register one that may link signature certificates"
jp rp add demo.bank --name again --key-out "$D/x.key"
assert_rc 1 "an id taken is refused"
jp rp add 'Bad_Id' --name x --key-out "$D/x.key"
assert_rc 1 "a malformed id is refused"
assert_eq "$(stat -c %a "$D/bank.key")" 600 "the access key file is mode 0600"
assert_match "$(cat "$D/bank.key")" '^[A-Za-z0-9_-]{43}$' "the key is 43 base64url characters"
jp rp list
assert_contains "$OUT" "demo.city	link-signature	active" "rp list"
server_start

b64() { base64 -w0 "$1"; }
# link ID KEYFILE PATH JSON: the HTTP status in $CODE, the body in $BODY
link() {
	local auth=()
	[ -n "$2" ] && auth=(-u "$1:$(cat "$2")")
	BODY=$(curl -sS --max-time 10 --cacert "$D/tls.pem" "${auth[@]}" -o - -w '\n%{http_code}' \
		-H 'Content-Type: application/json' --data-binary "$4" "https://127.0.0.1:$TLS_PORT$3")
	CODE=${BODY##*$'\n'}
	BODY=${BODY%$'\n'*}
}
pseudonym() { link "$1" "$2" /link/pseudonym "{\"certificate\":\"$(b64 "$D/$3.der")\"}"; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$BODY" "$1"; }

pseudonym demo.bank "$D/bank.key" auth1
assert_eq "$CODE" 200 "a pseudonym for the holder"
P1=$(field pseudonym)
assert_match "$P1" '^[A-Za-z0-9_-]{43}$' "43 base64url characters"
pseudonym demo.city "$D/city.key" auth1
[ "$(field pseudonym)" != "$P1" ] && pass "another relying party, another pseudonym" ||
	fail "two relying parties share a pseudonym"
pseudonym demo.bank "$D/bank.key" auth-other
[ "$(field pseudonym)" != "$P1" ] && pass "another holder, another pseudonym" ||
	fail "two holders share a pseudonym"

# the holder renews: a new key and certificate, the old one superseded
issue auth "$RID" auth2
pseudonym demo.bank "$D/bank.key" auth2
assert_eq "$CODE" 200 "the renewed certificate"
assert_eq "$(field pseudonym)" "$P1" "after a renewal, the same pseudonym"
jp_ok "move" resident move "$RID" --address 東京都立川市曙町2-2
pseudonym demo.bank "$D/bank.key" auth2
assert_eq "$(field pseudonym)" "$P1" "after a move, the same pseudonym"

# refusals
printf 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' >"$D/wrong.key"
pseudonym demo.bank "$D/wrong.key" auth1
assert_eq "$CODE" 401 "a wrong access key"
pseudonym demo.nobody "$D/bank.key" auth1
assert_eq "$CODE" 401 "an unknown relying party"
pseudonym demo.bank "" auth1
assert_eq "$CODE" 401 "no credentials"
openssl x509 -in "$D/tls.pem" -outform DER -out "$D/foreign.der"
pseudonym demo.bank "$D/bank.key" foreign
assert_eq "$CODE" 404 "a certificate this registry did not issue"
pseudonym demo.bank "$D/bank.key" sign1
assert_eq "$CODE" 400 "a signature certificate is not an authentication certificate"
link demo.bank "$D/bank.key" /link/pseudonym '{"certificate":"not base64!"}'
assert_eq "$CODE" 400 "bad base64"
link demo.bank "$D/bank.key" /link/pseudonym '{"certificate":"AA==","x":1}'
assert_eq "$CODE" 400 "an extra member"
link demo.bank "$D/bank.key" /link/pseudonym 'not json'
assert_eq "$CODE" 400 "not JSON"
run curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary '{}' "http://127.0.0.1:$PORT/link/pseudonym"
assert_eq "$OUT" 405 "no linking service over plain HTTP (only GET there)"

# the same person?
same() { link "$1" "$2" /link/same-person \
	"{\"authentication\":\"$(b64 "$D/$3.der")\",\"signature\":\"$(b64 "$D/$4.der")\"}"; }
same demo.bank "$D/bank.key" auth2 sign1
assert_eq "$CODE" 403 "a party not registered for it may not ask"
same demo.city "$D/city.key" auth2 sign1
assert_eq "$CODE" 200 "a party registered for it"
assert_eq "$(field samePerson)" True "the holder's own signature certificate"
same demo.city "$D/city.key" auth2 sign-other
assert_eq "$(field samePerson)" False "another person's signature certificate"
assert_eq "$BODY" '{"samePerson":false}' "and nothing else"
same demo.city "$D/city.key" sign1 auth2
assert_eq "$CODE" 400 "the two swapped"

jp_ok "disable" rp disable demo.bank
pseudonym demo.bank "$D/bank.key" auth1
assert_eq "$CODE" 401 "a disabled relying party"
jp rp disable demo.bank
assert_rc 1 "disabled twice"

# the log: every access, refused ones too, and append-only
jp_ok "log" rp log
assert_eq "$(printf "%s\n" "$OUT" | grep -c .)" 15 "15 accesses logged (the 3 bad bodies never reached the service)"
assert_contains "$OUT" "demo.bank	pseudonym	unauthenticated" "a wrong key is logged"
assert_contains "$OUT" "same-person	denied" "a denied question is logged"
assert_contains "$OUT" "-	pseudonym	unauthenticated" "no credentials logged as -"
assert_match "$OUT" "same-person	ok	auth [0-9A-F]+ sign [0-9A-F]+: different" "the answer is logged"
run reg_sql "DELETE FROM link_access"
assert_contains "$ERR" "append-only" "the log refuses deletes"
finish

#!/bin/bash
# t_portal: the demo relying party of `jpki serve` (docs/login.md, "The demo
# portal"), driven by curl as a browser would (its Origin, its cookie jar),
# with the holder's side done by `jpki login token` and `jpki card sign` on
# card images.  The first login makes an account, later ones and a renewed
# card find it, another holder gets another; a filing signed with the card
# is raised to B-LT and `openssl cms -verify` accepts the download; a
# signature certificate of someone else, a replayed or foreign token, a
# request from another origin, bad bodies and other holders' filings are
# each refused; accounts outlive a restart, sessions do not; `jpki login
# URL` does the same from a terminal; and a renewal at the counter (`jpki
# counter renew` inside its window, the same card) keeps the account.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

init_ca
pick_port
D=$T_DIR
RID=$(add_yamada) || die "resident"
OTHER=$(add_resident --family 佐藤 --given 花子 --birth 1985-04-01 --sex F \
	--address 東京都立川市錦町1-1) || die "second resident"
APIN=$(secret 1234)
SPIN=$(secret ABC123)
card() { # IMAGE NUMBER RESIDENT: a personalized card
	jp_ok "card new $1" card new "$D/$1" --number "$2" --expiry 2035-11-27
	jp_ok "personalize $1" card personalize "$D/$1" --resident "$3" --auth-pin-file "$APIN" \
		--sign-pin-file "$SPIN"
}
card yamada.img 123456789012 "$RID"
card sato.img 234567890123 "$OTHER"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/tls.key" -out "$D/tls.pem" -days 2 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null ||
	die "TLS certificate"
TLS_PORT=$((PORT + 1))
ORIGIN=https://localhost:$TLS_PORT
SERVE_ARGS=(--tls-listen "127.0.0.1:$TLS_PORT" --tls-cert "$D/tls.pem" --tls-key "$D/tls.key")
server_start
for _ in $(seq 1 50); do # printed just after the listeners start answering
	grep -q "demo portal on" "$T_DIR/serve.log" && break
	sleep 0.1
done
assert_contains "$(cat "$T_DIR/serve.log")" "demo portal on $ORIGIN/demo/portal/" "the portal is announced"
assert_eq "$(stat -c %a "$JPKI_DATA/demo-portal.key")" 600 "its access key is kept mode 0600"
jp rp list
assert_contains "$OUT" "demo.portal	link-signature	active" "it registered with the linking service"

JAR=$D/jar
# portal METHOD PATH [BODY [CONTENT-TYPE [ORIGIN]]]: $CODE, $BODY, the headers in $HDRS
portal() {
	local m=$1 path=$2 body=${3-} ct=${4:-application/json} origin=${5-$ORIGIN} args=()
	# Expect: 100-continue: a body refused on its headers is never sent (no reset mid-upload)
	[ "$m" = POST ] && args=(-X POST -H "Content-Type: $ct" -H "Expect: 100-continue" --data-binary "$body")
	[ -n "$origin" ] && args+=(-H "Origin: $origin")
	BODY=$(curl -sS --max-time 60 --cacert "$D/tls.pem" --resolve "localhost:$TLS_PORT:127.0.0.1" \
		-b "$JAR" -c "$JAR" -D "$D/hdrs" -o - -w '\n%{http_code}' "${args[@]}" "$ORIGIN$path" | tr -d '\0')
	CODE=${BODY##*$'\n'}
	BODY=${BODY%$'\n'*}
	HDRS=$(tr -d '\r' <"$D/hdrs")
}
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$BODY" "$1"; }
expect() { # STATUS WHAT
	assert_eq "$CODE" "$1" "$2"
}
cookie() { awk '$6 == "jpki_portal" {print $7}' "$JAR"; }
# login IMAGE [ORIGIN-SIGNED]: a challenge, the token made on the card, posted
login() {
	portal POST /demo/portal/challenge '{}'
	local n
	n=$(field nonce) || { fail "no nonce: $BODY"; return 1; }
	jp login token "$D/$1" --origin "${2:-$ORIGIN}" --nonce "$n" --pin-file "$APIN" --out "$D/token.json"
	portal POST /demo/portal/login "$(cat "$D/token.json")"
}

# the login page and its headers
portal GET /demo/portal/
expect 200 "the login page"
assert_contains "$BODY" 'id="login"' "it has the login button"
assert_contains "$BODY" '<html lang="ja">' "in Japanese"
assert_contains "$BODY" '<meta name="jpki-helper" content="http://127.0.0.1:24727">' "it names the helper"
assert_not_contains "$BODY" '<script>' "no inline script"
CSP=$(printf '%s\n' "$HDRS" | sed -n 's/^Content-Security-Policy: //p')
assert_contains "$CSP" "script-src 'self'" "CSP: scripts from the portal only"
assert_contains "$CSP" "connect-src 'self' http://127.0.0.1:24727" "CSP: connections to the portal and the helper"
assert_contains "$CSP" "frame-ancestors 'none'" "CSP: no framing"
assert_contains "$HDRS" "X-Content-Type-Options: nosniff" "nosniff"
assert_contains "$HDRS" "Cache-Control: no-store" "no-store"
portal GET /demo/portal
expect 308 "/demo/portal redirects to /demo/portal/"
portal GET /demo/portal/app.js
expect 200 "the script"
assert_contains "$HDRS" "Content-Type: text/javascript" "served as JavaScript"
portal GET /demo/portal/nothing
expect 404 "an unknown page"
curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/demo/portal/" >"$D/plain"
assert_eq "$(cat "$D/plain")" 404 "not on the plain HTTP listener"

# the first login makes an account
portal POST /demo/portal/challenge '{}'
expect 200 "a challenge"
assert_match "$(field nonce)" '^[A-Za-z0-9+/]{43}=$' "a nonce of 32 bytes in base64"
SETC=$(printf '%s\n' "$HDRS" | sed -n 's/^Set-Cookie: //p')
assert_match "$SETC" '^jpki_portal=[A-Za-z0-9_-]{43}; Path=/demo/portal; Secure; HttpOnly; SameSite=Strict; Max-Age=1800$' \
	"the session cookie: Secure, HttpOnly, SameSite=Strict"
ANON=$(cookie)
login yamada.img
expect 200 "the first login"
assert_eq "$(field account) $(field created)" "A-000001 True" "makes account A-000001"
[ "$(cookie)" != "$ANON" ] && pass "the session has a new name after the login" ||
	fail "the session kept its name across the login"
portal GET /demo/portal/
assert_contains "$BODY" '<dd id="account">A-000001</dd>' "the account page"
assert_contains "$BODY" 'id="account-new"' "says the account is new"
assert_not_contains "$BODY" '山田' "and shows no personal fact"
portal POST /demo/portal/login "$(cat "$D/token.json")"
expect 401 "a token replayed"
assert_contains "$BODY" "no challenge is open" "is refused: its challenge was used"

# log out, log in again: the same account, no longer new
portal POST /demo/portal/logout '{}'
expect 200 "logout"
assert_contains "$HDRS" "Set-Cookie: jpki_portal=; Path=/demo/portal; Secure; HttpOnly; SameSite=Strict; Max-Age=0" "clears the cookie"
portal GET /demo/portal/account
expect 401 "after logout the account is closed"
login yamada.img
assert_eq "$CODE $(field account) $(field created)" "200 A-000001 False" "a later login finds the account"
portal GET /demo/portal/
assert_not_contains "$BODY" 'id="account-new"' "which is no longer new"
portal GET /demo/portal/account
assert_eq "$(field logins)" 2 "two logins counted"

# sign a filing: the certificate from the card, the hash from the portal, the signature from the card
mkdir -p "$D/certs"
jp_ok "the card's signature certificate" card certs "$D/yamada.img" --out-dir "$D/certs" --sign-pin-file "$SPIN"
openssl x509 -in "$D/certs/sign.pem" -outform DER -out "$D/sign.der" || die "DER of the signature certificate"
printf '転入届: 東京都千代田区から\n' >"$D/filing.txt"
prepare() { # CERT.der DOCUMENT
	portal POST /demo/portal/filing/prepare \
		"{\"certificate\":\"$(base64 -w0 "$1")\",\"document\":\"$(base64 -w0 "$2")\"}"
}
card_sign() { # the DigestInfo of the portal's hash, signed on the card
	{ printf '\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20'
		field hash | base64 -d; } >"$D/di.bin"
	jp card sign "$D/$1" --kind sign --raw --in "$D/di.bin" --out "$D/sig.bin" --pin-file "$SPIN"
}
prepare "$D/sign.der" "$D/filing.txt"
expect 200 "prepare a filing"
assert_eq "$(field hashFunction)" SHA-256 "a SHA-256 hash to sign"
card_sign yamada.img
assert_rc 0 "the card signs it"
portal POST /demo/portal/filing/finish "{\"signature\":\"$(base64 -w0 "$D/sig.bin")\"}"
expect 200 "finish the filing"
assert_eq "$(field indication) $(field level)" "TOTAL-PASSED B-LT" "verified, at B-LT"
URL=$(field download)
CODE=$(curl -sS --max-time 10 --cacert "$D/tls.pem" --resolve "localhost:$TLS_PORT:127.0.0.1" -b "$JAR" \
	-D "$D/hdrs" -o "$D/filing.p7s" -w '%{http_code}' "$ORIGIN$URL")
expect 200 "download the signature"
assert_contains "$(tr -d '\r' <"$D/hdrs")" 'Content-Disposition: attachment; filename="filing-1.p7s"' "as an attachment"
assert_cmd "openssl cms -verify accepts the downloaded signature" \
	openssl cms -verify -binary -inform DER -in "$D/filing.p7s" -content "$D/filing.txt" \
	-CAfile "$(ca_cert sign)" -purpose any -out /dev/null
assert_cmd "it carries a time-stamp token (B-T and up)" \
	sh -c "openssl cms -cmsout -print -inform DER -in '$D/filing.p7s' | grep -q id-smime-aa-timeStampToken"
portal POST /demo/portal/filing/finish "{\"signature\":\"$(base64 -w0 "$D/sig.bin")\"}"
expect 404 "a second finish: nothing is being signed"
prepare "$D/sign.der" "$D/filing.txt"
head -c 256 /dev/urandom >"$D/junk.sig"
portal POST /demo/portal/filing/finish "{\"signature\":\"$(base64 -w0 "$D/junk.sig")\"}"
expect 400 "a signature that is not the certificate's"
portal GET /demo/portal/
assert_contains "$BODY" "${URL}" "the account page lists the filing"

# someone else's signature certificate
rsa_key other
jp_ok "another holder's signature certificate" cert issue --kind sign --resident "$OTHER" \
	--pubkey "$D/other.pub" --out "$D/other.pem"
openssl x509 -in "$D/other.pem" -outform DER -out "$D/other.der"
prepare "$D/other.der" "$D/filing.txt"
expect 403 "a signature certificate of someone else"
assert_contains "$BODY" "belongs to someone other" "says so"
openssl x509 -in "$(ca_cert auth)" -outform DER -out "$D/ca.der"
prepare "$D/ca.der" "$D/filing.txt"
[ "$CODE" -ge 400 ] && [ "$CODE" -lt 500 ] && pass "a certificate the registry did not issue: $CODE" ||
	fail "a CA certificate as signer: $CODE $BODY"

# bad requests change nothing
portal POST /demo/portal/filing/prepare '{"certificate":"AA==","document":"AA==","x":1}'
expect 400 "an unknown field"
portal POST /demo/portal/filing/prepare '{"certificate":1,"document":"AA=="}'
expect 400 "a wrong type"
portal POST /demo/portal/filing/prepare 'not json'
expect 400 "malformed JSON"
portal POST /demo/portal/filing/prepare "{\"certificate\":\"$(base64 -w0 "$D/sign.der")\",\"document\":\"\"}"
expect 400 "an empty filing"
head -c 70000 /dev/zero | tr '\0' a >"$D/long.txt"
prepare "$D/sign.der" "$D/long.txt"
expect 413 "a filing over 64 KiB"
head -c 200000 /dev/zero | tr '\0' a >"$D/big"
printf '{"x":"' | cat - "$D/big" >"$D/big.json"
portal POST /demo/portal/filing/prepare "@$D/big.json"
expect 413 "a body over 128 KiB"
portal POST /demo/portal/challenge '{}' text/plain
expect 415 "another content type"
portal POST /demo/portal/challenge '{}' application/json https://localhost.evil:$TLS_PORT
expect 403 "a POST from another origin"
portal POST /demo/portal/challenge '{}' application/json ""
expect 403 "a POST without Origin"
portal PUT /demo/portal/challenge
expect 405 "another method" 2>/dev/null || true
portal GET /demo/portal/filing/0.p7s
expect 404 "filing 0"
portal GET /demo/portal/filing/99999999999999999999.p7s
expect 404 "a filing number past int64"

# a token for another origin; another holder; another holder's filing
login sato.img https://localhost.evil:$TLS_PORT
expect 401 "a token signed for another origin"
assert_contains "$BODY" "SIGNATURE" "fails on the signature"
login sato.img
assert_eq "$CODE $(field account) $(field created)" "200 A-000002 True" "another holder, another account"
portal GET "$URL"
expect 404 "another holder's filing is not found"
prepare "$D/sign.der" "$D/filing.txt"
expect 403 "nor may Sato sign with Yamada's certificate"

# a renewal at the counter (a new card, new keys and certificates) lands in the same account
card yamada-renewed.img 345678901234 "$RID"
login yamada-renewed.img
assert_eq "$CODE $(field account) $(field created)" "200 A-000001 False" "the renewed card finds A-000001"
login yamada.img
expect 401 "the old card's revoked certificate"
assert_contains "$BODY" "REVOKED" "is refused as revoked"

# `jpki login URL`: the same login from the command line
jp login "$ORIGIN/demo/portal/" "$D/yamada-renewed.img" --pin-file "$APIN" --cacert "$D/tls.pem"
assert_rc 0 "jpki login URL"
assert_contains "$OUT" '"account":"A-000001"' "lands in the same account"
jp login "$ORIGIN/demo/portal" "$D/sato.img" --pin-file "$APIN" --cacert "$D/tls.pem"
assert_contains "$OUT" '"account":"A-000002"' "another card, another account"
jp login "$ORIGIN/demo/portal" "$D/yamada.img" --pin-file "$APIN" --cacert "$D/tls.pem"
assert_rc 4 "a revoked card's login is refused (exit 4)"
jp login "$ORIGIN/demo/portal" "$D/sato.img" --pin-file "$APIN"
assert_rc 1 "a server certificate not trusted"
jp login "http://localhost:$PORT/demo/portal" "$D/sato.img" --pin-file "$APIN"
assert_rc 2 "an http URL is refused"
jp login "https://ポータル.jp/demo/portal" "$D/sato.img" --pin-file "$APIN"
assert_rc 2 "an IDN in Unicode is refused (the browser sends Punycode)"
jp login "$ORIGIN/demo/portal" "$D/sato.img" --pin 1234
assert_refused "a PIN on the command line"

# a restart: accounts stay, sessions go, the access key is reused
server_stop
server_start
portal GET /demo/portal/account
expect 401 "the session ended with the server"
login yamada-renewed.img
assert_eq "$CODE $(field account)" "200 A-000001" "the account outlived the restart"
server_stop
mv "$JPKI_DATA/demo-portal.key" "$D/kept.key"
"$JPKI" serve --listen "127.0.0.1:$PORT" "${SERVE_ARGS[@]}" >"$D/nokey.log" 2>&1 &
P=$!
for _ in $(seq 1 100); do kill -0 "$P" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$P" 2>/dev/null; then
	kill -KILL "$P"
	fail "serve ran without the portal's access key"
else
	wait "$P"
	assert_eq "$?" 1 "without its access key the server refuses to start"
	assert_contains "$(cat "$D/nokey.log")" "access key" "saying the key is missing"
fi
mv "$D/kept.key" "$JPKI_DATA/demo-portal.key"
SERVE_ARGS+=(--portal-origin http://localhost)
"$JPKI" serve --listen "127.0.0.1:$PORT" "${SERVE_ARGS[@]}" >"$D/bad.log" 2>&1
assert_eq "$?" 1 "an http portal origin is refused"
assert_contains "$(cat "$D/bad.log")" "not https://host" "with a reason"
unset 'SERVE_ARGS[-1]' 'SERVE_ARGS[-1]'

# a renewal at the counter (rules N1-N3: inside the 3 months before expiry, the same card)
# lands in the same account: the linking service maps the new certificate to the old pseudonym
# shellcheck source=counter_lib.sh
. "$(dirname "$0")/counter_lib.sh"
at 2026-12-02T10:00:00+09:00 # a Wednesday, in office hours
KATO=$(add_resident --family 加藤 --given 一郎 --birth 1990-11-27 --sex M \
	--address 東京都立川市柴崎町3-1) || die "third resident"
counter_card "$D/kato.img" "$KATO" 456789012345
pins 1234 ABC123
counter issue --resident "$KATO" --doc licence:L1 "${PINS[@]}" "$D/kato.img"
assert_rc 0 "issued at the counter"
server_start
login kato.img
assert_eq "$CODE $(field created)" "200 True" "the counter's card makes an account"
KATO_ACCOUNT=$(field account)
auth_serial() { # the card's authentication certificate (the first that `card certs` prints)
	"$JPKI" card certs "$D/kato.img" 2>/dev/null | sed -n '1,/END CERTIFICATE/p' |
		openssl x509 -noout -serial
}
OLD_SERIAL=$(auth_serial)
server_stop
at 2031-09-03T10:00:00+09:00 # the authentication certificate runs to 2031-11-27
counter renew --resident "$KATO" --doc licence:L1 --kinds auth --auth-pin-file "$(secret 1234)" \
	"$D/kato.img"
assert_rc 0 "renewed at the counter, inside the window"
NEW_SERIAL=$(auth_serial)
[ -n "$OLD_SERIAL" ] && [ "$NEW_SERIAL" != "$OLD_SERIAL" ] && pass "the card holds a new authentication certificate" ||
	fail "the renewal left the certificate $OLD_SERIAL"
rm -f "$JAR"
server_start
login kato.img
assert_eq "$CODE $(field account) $(field created)" "200 $KATO_ACCOUNT False" \
	"after the renewal the holder lands in the same account"
server_stop
finish

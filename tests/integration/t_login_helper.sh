#!/bin/bash
# t_login_helper: `jpki login helper`, the browser's helper on the loopback
# (docs/login.md, "The browser's helper"), driven with curl as a page's
# fetch() would drive it, on card images (no pcscd):
#   - /authenticate signs for the request's Origin header: the token validates
#     in `jpki login validate` (OCSP from `jpki serve`) and in the independent
#     peer (webeid_peer.py), and only for that origin;
#   - /certificate answers the signature certificate (openssl reads it, the
#     signature CA verifies it), /sign a signature openssl accepts over the
#     SHA-256 hash it was given;
#   - CORS: preflights and answers name the requesting origin only;
#   - refusals, none of which reaches the card: no Origin, an http origin, an
#     origin with a path, a foreign Host (DNS rebinding), an origin outside
#     --allow-origin, bad bodies (nonce length, unknown or duplicate fields,
#     over 4 KiB, not JSON, the wrong Content-Type), wrong routes and methods;
#   - PINs: re-read from their files for every request, typed at the terminal
#     when there is no file (the prompt names the origin), a wrong one with
#     the tries left, a blocked one, and never in the helper's log; PIN files
#     without --allow-origin refused at the start (they ask nobody).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PY=${WEBEID_PYTHON:-/usr/bin/python3} # Debian's, with python3-cryptography
PEER=$T_TOP/tests/integration/webeid_peer.py
"$PY" -c 'import cryptography.x509.ocsp' 2>/dev/null ||
	die "$PY has no cryptography (apt-get install python3-cryptography)"

init_ca
pick_port # jpki serve's port: the certificates name its OCSP responder
RID=$(add_yamada) || die "resident"
D=$T_DIR
IMG=$D/card.img
APIN=$(secret 1234)
SPIN=$(secret ABC123)
jp_ok "card new" card new "$IMG" --number 123456789012 --expiry 2035-11-27
jp_ok "personalize" card personalize "$IMG" --resident "$RID" --auth-pin-file "$APIN" \
	--sign-pin-file "$SPIN"
cp "$IMG" "$D/spare.img" # the wrong-PIN tests count tries on a copy of their own
server_start
head -c 32 /dev/urandom >"$D/secret"
ORIGIN=https://portal.example.jp
O2=https://xn--zckzah.jp:8443 # another origin the helper serves (Punycode, a port)
HPORT=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()') || die "no free port for the helper"
[ "$HPORT" != "$PORT" ] || die "the helper's port is the server's"

# ---- the helper in the background ---------------------------------------------------------

HELPER_PID=
helper_kill() {
	[ -n "$HELPER_PID" ] && kill -KILL "$HELPER_PID" 2>/dev/null
	[ -n "$HELPER_PID" ] && wait "$HELPER_PID" 2>/dev/null
	HELPER_PID=
}
trap 'helper_kill; t_cleanup' EXIT

# helper_start ARGS...: `jpki login helper --listen $HPORT ARGS` until it says it listens (10 s)
helper_start() {
	: >"$D/helper.out"
	"$JPKI" login helper --listen "$HPORT" "$@" >"$D/helper.out" 2>>"$D/helper.log" &
	HELPER_PID=$!
	local i
	for i in $(seq 1 100); do
		grep -q "listening on http://127.0.0.1:$HPORT" "$D/helper.out" && return 0
		kill -0 "$HELPER_PID" 2>/dev/null || die "the helper exited: $(cat "$D/helper.log")"
		sleep 0.1
	done
	die "the helper does not listen after 10 s: $(cat "$D/helper.log")"
}

# helper_stop: SIGTERM, and the helper must exit 0 within 10 s
helper_stop() {
	kill -TERM "$HELPER_PID" 2>/dev/null
	local i rc=0
	for i in $(seq 1 100); do
		kill -0 "$HELPER_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$HELPER_PID" 2>/dev/null; then
		helper_kill
		fail "the helper still runs 10 s after SIGTERM"
		return 1
	fi
	wait "$HELPER_PID" || rc=$?
	HELPER_PID=
	assert_eq "$rc" 0 "SIGTERM stops the helper with exit 0"
}

# req METHOD PATH [ORIGIN [BODY [CURL ARGS...]]]: a request as a page's fetch() makes it,
# Origin ORIGIN (none when ""), a BODY of type $CT (default application/json); status in
# $CODE, body in $BODY, headers in $HDRS.
req() {
	local method=$1 path=$2 origin=${3-$ORIGIN} body=${4-} args=()
	[ -n "$origin" ] && args+=(-H "Origin: $origin")
	[ -n "$body" ] && args+=(-H "Content-Type: ${CT-application/json}" --data-binary "$body")
	CODE=$(curl -sS --max-time 20 -X "$method" "${args[@]}" "${@:5}" -D "$D/hdrs" -o "$D/rbody" \
		-w '%{http_code}' "http://127.0.0.1:$HPORT$path" 2>"$D/.curl") ||
		CODE="curl-failed: $(cat "$D/.curl")"
	BODY=$(cat "$D/rbody" 2>/dev/null)
	HDRS=$(tr -d '\r' <"$D/hdrs" 2>/dev/null)
}
# expect CODE WHAT: the last answer's status
expect() {
	if [ "$CODE" = "$1" ]; then pass "$2 ($CODE)"; else
		fail "$2: status $CODE, expected $1; body: $BODY"
	fi
}
header() { printf '%s\n' "$HDRS" | grep -i "^$1:" | head -n 1 | sed 's/^[^:]*: *//'; }
field() { printf '%s' "$BODY" | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
# refused CODE WHAT METHOD PATH [ORIGIN [BODY [CURL ARGS...]]]: refused with a JSON error, and
# no Access-Control-Allow-Origin unless the origin was an accepted one
refused() {
	local want=$1 what=$2
	shift 2
	req "$@"
	expect "$want" "$what: refused"
	assert_match "$BODY" '^\{"error":"[^"]+"' "$what: a JSON error"
}
nonce() { head -c 32 /dev/urandom | base64; }

# PINs in files ask nobody: the helper serves only the origins named (--allow-origin)
helper_start "$IMG" --auth-pin-file "$APIN" --sign-pin-file "$SPIN" --allow-origin "$ORIGIN" \
	--allow-origin "$O2"
pass "the helper listens on 127.0.0.1:$HPORT"
jp login helper --help
assert_rc 0 "login helper --help"
assert_contains "$OUT" "/authenticate" "the help names the routes"
jp login --help
assert_contains "$OUT" "login helper" "login's usage lists the helper"

# ---- /status, and the headers of every answer -----------------------------------------------

req GET /status
expect 200 "GET /status"
assert_eq "$(field card)" True "a card is there"
assert_match "$(field version)" '^jpki [0-9]' "the helper's version"
assert_eq "$(header Access-Control-Allow-Origin)" "$ORIGIN" "CORS names the requesting origin"
assert_eq "$(header Vary)" Origin "Vary: Origin"
assert_eq "$(header Cache-Control)" no-store "Cache-Control: no-store"
assert_eq "$(header X-Content-Type-Options)" nosniff "X-Content-Type-Options: nosniff"
assert_match "$(header Content-Type)" '^application/json' "answers are JSON"
req GET /status "$ORIGIN" "" -H "Host: localhost:$HPORT"
expect 200 "Host localhost:PORT is the helper too"

# ---- /authenticate: the token for the Origin header ----------------------------------------

N=$(nonce)
req POST /authenticate "$ORIGIN" "{\"nonce\":\"$N\"}"
expect 200 "POST /authenticate"
printf '%s' "$BODY" >"$D/tok.json"
assert_eq "$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(t["format"], t["algorithm"], sorted(t))' "$D/tok.json" 2>&1)" \
	"web-eid:1.0 RS256 ['algorithm', 'appVersion', 'format', 'signature', 'unverifiedCertificate']" \
	"the body is the web-eid:1.0 token"
jp login validate --token "$D/tok.json" --origin "$ORIGIN" --nonce "$N" --secret-file "$D/secret"
assert_rc 0 "jpki login validate accepts it for $ORIGIN"
run "$PY" "$PEER" validate --token "$D/tok.json" --origin "$ORIGIN" --nonce "$N" --trust "$(ca_cert auth)"
assert_rc 0 "webeid_peer accepts it for $ORIGIN"
jp login validate --token "$D/tok.json" --origin "$ORIGIN.evil" --nonce "$N" --secret-file "$D/secret"
assert_rc 4 "the same token for $ORIGIN.evil"
assert_contains "$OUT" "REFUSED SIGNATURE" "is refused: it was signed for $ORIGIN"
run "$PY" "$PEER" validate --token "$D/tok.json" --origin "$ORIGIN.evil" --nonce "$N" --trust "$(ca_cert auth)"
assert_rc 4 "webeid_peer refuses it for $ORIGIN.evil"
# a page that names another origin in the body gets nothing: the body has the nonce only
refused 400 "an origin in the body" POST /authenticate "$ORIGIN" \
	"{\"nonce\":\"$N\",\"origin\":\"https://bank.example.jp\"}"
N2=$(nonce)
req POST /authenticate "$O2" "{\"nonce\":\"$N2\"}"
expect 200 "another origin (Punycode, a port)"
printf '%s' "$BODY" >"$D/tok2.json"
jp login validate --token "$D/tok2.json" --origin "$O2" --nonce "$N2" --secret-file "$D/secret"
assert_rc 0 "its token validates for $O2"
jp login validate --token "$D/tok2.json" --origin "$ORIGIN" --nonce "$N2" --secret-file "$D/secret"
assert_rc 4 "and not for $ORIGIN"
CT="application/json; charset=utf-8" req POST /authenticate "$ORIGIN" "{\"nonce\":\"$(nonce)\"}"
expect 200 "Content-Type application/json; charset=utf-8 is JSON"

# ---- /certificate and /sign: the signature key ----------------------------------------------

req POST /certificate "$ORIGIN" '{}'
expect 200 "POST /certificate"
field certificate | base64 -d >"$D/sign.der" 2>/dev/null
assert_cmd "openssl x509 reads the DER" openssl x509 -inform DER -in "$D/sign.der" -out "$D/sign.pem"
assert_cmd "the signature CA verifies it" openssl verify "${AT[@]}" -CAfile "$(ca_cert sign)" "$D/sign.pem"
jp cert list --resident "$RID"
sign_serial=$(printf '%s\n' "$OUT" | awk '$2 == "sign" {print $1}')
got_serial=$(openssl x509 -in "$D/sign.pem" -noout -serial | sed 's/^serial=//')
hexnorm() { printf '%s' "$1" | tr A-F a-f | sed 's/^0*//'; }
assert_eq "$(hexnorm "$got_serial")" "$(hexnorm "${sign_serial:-none}")" \
	"it is the holder's signature certificate (serial $sign_serial)"
assert_contains "$(openssl x509 -in "$D/sign.pem" -noout -ext keyUsage 2>&1)" "Non Repudiation" \
	"its key usage is nonRepudiation"
openssl x509 -in "$D/sign.pem" -noout -pubkey >"$D/sign.pub"

printf 'a filing to sign, %s\n' "$(date)" >"$D/doc.txt"
H=$(openssl dgst -sha256 -binary "$D/doc.txt" | base64)
req POST /sign "$ORIGIN" "{\"hash\":\"$H\",\"hashFunction\":\"SHA-256\"}"
expect 200 "POST /sign"
assert_eq "$(field algorithm)" RS256 "the algorithm is RS256"
field signature | base64 -d >"$D/doc.sig" 2>/dev/null
assert_eq "$(stat -c %s "$D/doc.sig")" 256 "a 2048-bit signature"
assert_cmd "openssl dgst -verify accepts it over the document" \
	openssl dgst -sha256 -verify "$D/sign.pub" -signature "$D/doc.sig" "$D/doc.txt"
openssl dgst -sha256 -binary "$D/doc.txt" >"$D/doc.sha256"
assert_cmd "openssl pkeyutl -verify accepts it over the hash" \
	openssl pkeyutl -verify -pubin -inkey "$D/sign.pub" -pkeyopt digest:sha256 \
	-in "$D/doc.sha256" -sigfile "$D/doc.sig"
printf 'another text\n' >"$D/other.txt"
assert_cmd_fails "and refuses it over another text" \
	openssl dgst -sha256 -verify "$D/sign.pub" -signature "$D/doc.sig" "$D/other.txt"
refused 400 "SHA-1 as hashFunction" POST /sign "$ORIGIN" "{\"hash\":\"$H\",\"hashFunction\":\"SHA-1\"}"
refused 400 "a hash of 20 bytes" POST /sign "$ORIGIN" \
	"{\"hash\":\"$(head -c 20 /dev/urandom | base64)\",\"hashFunction\":\"SHA-256\"}"
refused 400 "a hash that is not base64" POST /sign "$ORIGIN" '{"hash":"!!","hashFunction":"SHA-256"}'
refused 400 "no hashFunction" POST /sign "$ORIGIN" "{\"hash\":\"$H\"}"
refused 400 "a field in /certificate's body" POST /certificate "$ORIGIN" '{"kind":"auth"}'

# ---- CORS preflights --------------------------------------------------------------------------

req OPTIONS /authenticate "$ORIGIN" "" -H 'Access-Control-Request-Method: POST' \
	-H 'Access-Control-Request-Headers: content-type'
expect 204 "a preflight"
assert_eq "$(header Access-Control-Allow-Origin)" "$ORIGIN" "preflight: the origin, never *"
assert_match "$(header Access-Control-Allow-Methods)" 'POST' "preflight: POST allowed"
assert_match "$(header Access-Control-Allow-Methods)" 'GET' "preflight: GET allowed"
assert_match "$(header Access-Control-Allow-Headers)" '^[Cc]ontent-[Tt]ype$' "preflight: Content-Type"
assert_eq "$(header Access-Control-Max-Age)" 600 "preflight: Max-Age 600"
assert_eq "$(header Vary)" Origin "preflight: Vary: Origin"
assert_eq "$(header Access-Control-Allow-Private-Network)" "" "no Private-Network unless asked"
req OPTIONS /authenticate "$ORIGIN" "" -H 'Access-Control-Request-Method: POST' \
	-H 'Access-Control-Request-Private-Network: true'
expect 204 "a preflight asking for the private network"
assert_eq "$(header Access-Control-Allow-Private-Network)" true "Access-Control-Allow-Private-Network: true"
req OPTIONS /authenticate http://portal.example.jp "" -H 'Access-Control-Request-Method: POST'
expect 403 "a preflight from an http origin"
assert_eq "$(header Access-Control-Allow-Origin)" "" "gets no Access-Control-Allow-Origin"

# ---- refusals on the headers ------------------------------------------------------------------

lines_before=$(grep -c . "$D/helper.log")
N=$(nonce)
refused 403 "no Origin" POST /authenticate "" "{\"nonce\":\"$N\"}"
assert_eq "$(header Access-Control-Allow-Origin)" "" "no Origin: no CORS answer"
refused 403 "GET /status without Origin" GET /status ""
refused 403 "an http origin" POST /authenticate http://portal.example.jp "{\"nonce\":\"$N\"}"
refused 403 "an origin with a path" POST /authenticate "$ORIGIN/login" "{\"nonce\":\"$N\"}"
refused 403 "an origin with a trailing slash" POST /authenticate "$ORIGIN/" "{\"nonce\":\"$N\"}"
refused 403 "an origin in Unicode" POST /authenticate "https://ポータル.jp" "{\"nonce\":\"$N\"}"
refused 403 "the null origin" POST /authenticate null "{\"nonce\":\"$N\"}"
refused 403 "a file origin" POST /authenticate file:// "{\"nonce\":\"$N\"}"
req POST /authenticate "$ORIGIN" "{\"nonce\":\"$N\"}" -H "Host: evil.example:$HPORT"
assert_match "$CODE" '^(421|403)$' "a Host of evil.example:$HPORT (DNS rebinding) is refused ($CODE)"
assert_eq "$(header Access-Control-Allow-Origin)" "" "and gets no CORS answer"
req GET /status "$ORIGIN" "" -H "Host: 127.0.0.1:1"
assert_match "$CODE" '^(421|403)$' "a Host of another port is refused ($CODE)"
req GET /status "$ORIGIN" "" -H "Host: 127.0.0.1:$HPORT.evil.example"
assert_match "$CODE" '^(421|403)$' "a Host that only begins like the helper's ($CODE)"
refused 400 "a nonce of 43 characters" POST /authenticate "$ORIGIN" "{\"nonce\":\"${N:1}\"}"
refused 400 "a nonce of 45 characters" POST /authenticate "$ORIGIN" "{\"nonce\":\"A$N\"}"
refused 400 "a nonce that is not base64" POST /authenticate "$ORIGIN" "{\"nonce\":\"$(printf '%044d' 0 | tr 0 '!')\"}"
refused 400 "a nonce that is a number" POST /authenticate "$ORIGIN" '{"nonce":12}'
refused 400 "an unknown field" POST /authenticate "$ORIGIN" "{\"nonce\":\"$N\",\"x\":1}"
refused 400 "a duplicate field" POST /authenticate "$ORIGIN" "{\"nonce\":\"$N\",\"nonce\":\"$N\"}"
refused 400 "not JSON" POST /authenticate "$ORIGIN" "nonce=$N"
refused 400 "a JSON array" POST /authenticate "$ORIGIN" "[\"$N\"]"
refused 400 "an empty body" POST /authenticate "$ORIGIN" "" -H 'Content-Type: application/json'
big="{\"nonce\":\"$N\",\"pad\":\"$(head -c 5000 /dev/zero | tr '\0' a)\"}"
refused 413 "a body over 4 KiB" POST /authenticate "$ORIGIN" "$big"
refused 413 "a body over 4 KiB, chunked" POST /authenticate "$ORIGIN" "$big" -H 'Transfer-Encoding: chunked'
CT=text/plain refused 415 "Content-Type text/plain (a form's simple request)" POST \
	/authenticate "$ORIGIN" "{\"nonce\":\"$N\"}"
refused 415 "Content-Type application/x-www-form-urlencoded" POST /authenticate "$ORIGIN" "" \
	--data-binary "{\"nonce\":\"$N\"}"
CT=application/jsonx refused 415 "Content-Type application/jsonx" POST /authenticate \
	"$ORIGIN" "{\"nonce\":\"$N\"}"
refused 404 "an unknown path" GET /nothing
refused 404 "a path with a query-like tail" POST /authenticate/x "$ORIGIN" "{\"nonce\":\"$N\"}"
refused 405 "GET /authenticate" GET /authenticate
refused 405 "POST /status" POST /status "$ORIGIN" '{}'
refused 405 "PUT /sign" PUT /sign "$ORIGIN" "{\"hash\":\"$H\",\"hashFunction\":\"SHA-256\"}"
sleep 0.2
assert_eq "$(sed -n "$((lines_before + 1)),\$p" "$D/helper.log" | grep -c ' -> 200')" 0 \
	"no refused request was answered 200"
assert_match "$(cat "$D/helper.log")" "POST /authenticate .*https://portal.example.jp.* 200" \
	"the log has method, path, origin and status"
assert_match "$(cat "$D/helper.log")" "POST /authenticate .*no Origin.* 403" \
	"the log names a missing Origin"
helper_stop

# ---- --allow-origin ---------------------------------------------------------------------------

jp login helper --listen "$HPORT" "$IMG" --allow-origin http://portal.example.jp
assert_rc 2 "--allow-origin of an http origin is refused at the start"
jp login helper --listen "$HPORT" "$IMG" --auth-pin 1234
assert_refused "a PIN on the command line"
jp login helper --listen "$HPORT" "$IMG" --auth-pin-fd 0
assert_rc 2 "a PIN descriptor (read once) for a helper that reads one per request"
jp login helper --listen "$HPORT" "$IMG" --auth-pin-file "$APIN"
assert_rc 2 "an authentication PIN file without --allow-origin (any https site could log in)"
assert_contains "$ERR" "--allow-origin" "the refusal names --allow-origin"
jp login helper --listen "$HPORT" "$IMG" --sign-pin-file "$SPIN"
assert_rc 2 "a signature PIN file without --allow-origin (any https site could sign)"
jp login helper --listen "$HPORT" "$IMG" --auth-pin-file "$APIN" --sign-pin-file "$SPIN"
assert_rc 2 "both PIN files without --allow-origin"
helper_start "$IMG" --auth-pin-file "$APIN" --allow-origin "$ORIGIN" --allow-origin https://other.example.jp
N=$(nonce)
req POST /authenticate "$ORIGIN" "{\"nonce\":\"$N\"}"
expect 200 "--allow-origin: a listed origin is served"
refused 403 "--allow-origin: an https origin not listed" POST /authenticate \
	https://bank.example.jp "{\"nonce\":\"$N\"}"
req GET /status https://other.example.jp
expect 200 "--allow-origin given twice: the second is served"
helper_stop

# ---- no card -----------------------------------------------------------------------------------

helper_start --reader "no-such-reader-$$" --auth-pin-file "$APIN" --allow-origin "$ORIGIN"
req GET /status
expect 200 "GET /status without a card"
assert_eq "$(field card)" False "says there is no card"
refused 503 "/authenticate without a card" POST /authenticate "$ORIGIN" "{\"nonce\":\"$(nonce)\"}"
assert_eq "$BODY" '{"error":"no card"}' "the error is \"no card\""
helper_stop

# ---- the PIN at the terminal, the prompt naming the origin --------------------------------------

python3 "$(dirname "$0")/pty_answer.py" "authentication PIN (4 digits):" 1234 \
	"$JPKI" login helper --listen "$HPORT" "$IMG" >/dev/null 2>"$D/tty.log" &
HELPER_PID=$!
for _ in $(seq 1 100); do
	grep -q listening "$D/tty.log" && break
	sleep 0.1
done
grep -q listening "$D/tty.log" || die "the helper on a terminal does not listen: $(cat "$D/tty.log")"
# without --allow-origin (PINs typed): any https origin, and only such an origin
N=$(nonce)
refused 403 "at the terminal: an http origin" POST /authenticate http://portal.example.jp "{\"nonce\":\"$N\"}"
refused 403 "at the terminal: an origin with a path" POST /authenticate "$ORIGIN/login" "{\"nonce\":\"$N\"}"
refused 403 "at the terminal: the null origin" POST /authenticate null "{\"nonce\":\"$N\"}"
refused 403 "at the terminal: an origin in Unicode" POST /authenticate "https://ポータル.jp" "{\"nonce\":\"$N\"}"
req GET /status "$O2"
expect 200 "at the terminal: another https origin is served"
N=$(nonce)
req POST /authenticate "$ORIGIN" "{\"nonce\":\"$N\"}"
expect 200 "the PIN typed at the terminal"
printf '%s' "$BODY" >"$D/tok3.json"
jp login validate --token "$D/tok3.json" --origin "$ORIGIN" --nonce "$N" --secret-file "$D/secret"
assert_rc 0 "its token validates"
assert_contains "$(cat "$D/tty.log")" "$ORIGIN asks to log in with your card: authentication PIN" \
	"the prompt names the origin and the operation"
helper_kill

# ---- wrong and blocked PINs, on a card of their own; the files re-read per request ------------

BAD=$(secret 9999)
PINF=$D/auth-pin
cp "$BAD" "$PINF"
SPINF=$D/sign-pin
printf 'WRONG99\n' >"$SPINF"
helper_start "$D/spare.img" --auth-pin-file "$PINF" --sign-pin-file "$SPINF" --allow-origin "$ORIGIN"
req POST /authenticate "$ORIGIN" "{\"nonce\":\"$(nonce)\"}"
expect 403 "a wrong authentication PIN"
assert_eq "$BODY" '{"error":"wrong PIN","triesLeft":2}' "wrong PIN, 2 tries left"
req POST /sign "$ORIGIN" "{\"hash\":\"$H\",\"hashFunction\":\"SHA-256\"}"
expect 403 "a wrong signature password"
assert_eq "$BODY" '{"error":"wrong PIN","triesLeft":4}' "wrong PIN, 4 tries left"
req POST /certificate "$ORIGIN" '{}'
assert_eq "$BODY" '{"error":"wrong PIN","triesLeft":3}' "/certificate asks the signature password too"
cp "$APIN" "$PINF"
N=$(nonce)
req POST /authenticate "$ORIGIN" "{\"nonce\":\"$N\"}"
expect 200 "the PIN file is re-read: the right PIN now"
printf '%s' "$BODY" >"$D/tok4.json"
jp login validate --token "$D/tok4.json" --origin "$ORIGIN" --nonce "$N" --secret-file "$D/secret"
assert_rc 0 "its token validates"
cp "$BAD" "$PINF"
req POST /authenticate "$ORIGIN" "{\"nonce\":\"$(nonce)\"}"
assert_eq "$BODY" '{"error":"wrong PIN","triesLeft":2}' "the right PIN reset the count"
req POST /authenticate "$ORIGIN" "{\"nonce\":\"$(nonce)\"}"
assert_eq "$BODY" '{"error":"wrong PIN","triesLeft":1}' "1 try left"
req POST /authenticate "$ORIGIN" "{\"nonce\":\"$(nonce)\"}"
expect 403 "the third wrong PIN"
assert_eq "$BODY" '{"error":"PIN blocked"}' "blocks the PIN"
cp "$APIN" "$PINF"
req POST /authenticate "$ORIGIN" "{\"nonce\":\"$(nonce)\"}"
assert_eq "$BODY" '{"error":"PIN blocked"}' "a blocked PIN stays blocked, even the right one"
rm -f "$PINF"
req POST /authenticate "$ORIGIN" "{\"nonce\":\"$(nonce)\"}"
assert_match "$CODE" '^[45][0-9][0-9]$' "a PIN file gone: an error ($CODE), the helper goes on"
req GET /status
expect 200 "and still answers"
helper_stop
jp card info "$IMG"
assert_match "$OUT" '^auth-pin: .*3' "the first card's PIN was never tried wrong"

# ---- never a PIN in the log ---------------------------------------------------------------------

LOG=$(cat "$D/helper.log" "$D/tty.log" | sed "s/$HPORT/PORT/g") # a port may hold 1234
assert_match "$LOG" 'jpki login helper: ' "the helper logged its requests"
assert_not_contains "$LOG" "1234" "the log holds no authentication PIN"
assert_not_contains "$LOG" "ABC123" "nor the signature password"
assert_not_contains "$LOG" "9999" "nor a wrong PIN"
assert_not_contains "$LOG" "WRONG99" "nor a wrong signature password"
finish

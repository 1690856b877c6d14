#!/bin/bash
# t_tsa: the RFC 3161 time-stamping authority (jpki tsa), judged by openssl:
# `openssl ts -verify` accepts its tokens against the signature CA alone and
# against the request (imprint, nonce, policy); the TSA certificate has the
# critical timeStamping purpose; serials only grow; genTime is the clock's;
# what cannot be honoured (MD5, a foreign policy, garbage) is a rejection
# with its failInfo, and an oversized request an error.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

init_ca
printf 'a tax filing for 2026\n' >"$T_DIR/doc"
tsq() { openssl ts -query -data "$T_DIR/doc" "$@" 2>/dev/null; }
tsq -sha256 -cert -out "$T_DIR/1.tsq" || die "openssl ts -query"
jp tsa respond --in "$T_DIR/1.tsq" --out "$T_DIR/1.tsr"
assert_rc 0 "a time-stamp request answered"
run openssl ts -reply -in "$T_DIR/1.tsr" -text
assert_contains "$OUT" "Status: Granted." "the token is granted"
assert_contains "$OUT" "Policy OID: 2.25.322331786687971669174812321304786867457" "our policy"
assert_contains "$OUT" "Accuracy: 0x01 seconds" "the accuracy is stated"
assert_contains "$OUT" "Time stamp: Nov 26 01:00:00 2026 GMT" "genTime is the clock's (JPKI_NOW)"
assert_match "$OUT" '^Nonce: 0x[0-9A-F]+' "the request's nonce is in the token"
assert_cmd "openssl ts -verify against the signature CA alone (the token carries its certificate)" \
	openssl ts -verify -data "$T_DIR/doc" -in "$T_DIR/1.tsr" -CAfile "$(ca_cert sign)" "${AT[@]}"
assert_cmd "openssl ts -verify against the request: imprint, nonce and policy" \
	openssl ts -verify -queryfile "$T_DIR/1.tsq" -in "$T_DIR/1.tsr" -CAfile "$(ca_cert sign)" "${AT[@]}"
printf 'another filing\n' >"$T_DIR/other"
assert_cmd_fails "the token does not verify for another document" \
	openssl ts -verify -data "$T_DIR/other" -in "$T_DIR/1.tsr" -CAfile "$(ca_cert sign)" "${AT[@]}"
assert_cmd_fails "nor under the authentication CA" \
	openssl ts -verify -data "$T_DIR/doc" -in "$T_DIR/1.tsr" -CAfile "$(ca_cert auth)" "${AT[@]}"

# the TSA certificate: timeStamping only, critical; issued by the signature CA
jp tsa cert --out "$T_DIR/tsa.pem"
assert_rc 0 "the TSA certificate"
run openssl x509 -in "$T_DIR/tsa.pem" -noout -text
assert_contains "$OUT" "X509v3 Extended Key Usage: critical" "EKU is critical (RFC 3161 §2.3)"
assert_match "$OUT" '^ +Time Stamping$' "EKU is timeStamping alone"
assert_cmd "openssl verify -purpose timestampsign" \
	openssl verify "${AT[@]}" -purpose timestampsign -CAfile "$(ca_cert sign)" "$T_DIR/tsa.pem"
jp tsa cert
assert_eq "$OUT" "$(cat "$T_DIR/tsa.pem")" "the same TSA key on the next run (stored, not reissued)"

# serials only grow, across processes
prev=0
for i in 2 3 4; do
	tsq -sha512 -out "$T_DIR/$i.tsq"
	jp tsa respond --in "$T_DIR/$i.tsq" --out "$T_DIR/$i.tsr"
	s=$(openssl ts -reply -in "$T_DIR/$i.tsr" -text 2>/dev/null | sed -n 's/^Serial number: 0x//p')
	[ -n "$s" ] && [ $((16#$s)) -gt "$prev" ] && pass "serial 0x$s above $prev" ||
		fail "serial '$s' not above $prev"
	prev=$((16#${s:-0}))
done
assert_cmd "a SHA-512 imprint verifies too" \
	openssl ts -verify -queryfile "$T_DIR/4.tsq" -in "$T_DIR/4.tsr" -CAfile "$(ca_cert sign)" \
	-untrusted "$T_DIR/tsa.pem" "${AT[@]}"

# what is not honoured is a rejection, with its failInfo
tsq -md5 -out "$T_DIR/md5.tsq"
jp tsa respond --in "$T_DIR/md5.tsq" --out "$T_DIR/md5.tsr"
run openssl ts -reply -in "$T_DIR/md5.tsr" -text
assert_contains "$OUT" "Status: Rejected." "an MD5 imprint is rejected"
assert_contains "$OUT" "unrecognized or unsupported algorithm identifier" "failInfo badAlg"
tsq -sha256 -tspolicy 1.2.3.4 -out "$T_DIR/pol.tsq"
jp tsa respond --in "$T_DIR/pol.tsq" --out "$T_DIR/pol.tsr"
run openssl ts -reply -in "$T_DIR/pol.tsr" -text
assert_contains "$OUT" "Status: Rejected." "a foreign policy is rejected"
assert_contains "$OUT" "the requested TSA policy is not supported" "failInfo unacceptedPolicy"
printf 'not a request' >"$T_DIR/junk.tsq"
jp tsa respond --in "$T_DIR/junk.tsq" --out "$T_DIR/junk.tsr"
run openssl ts -reply -in "$T_DIR/junk.tsr" -text
assert_contains "$OUT" "Status: Rejected." "garbage is rejected"
assert_contains "$OUT" "the data submitted has the wrong format" "failInfo badDataFormat"
head -c 5000 /dev/zero >"$T_DIR/big.tsq"
jp tsa respond --in "$T_DIR/big.tsq" --out "$T_DIR/big.tsr"
assert_refused "an oversized request"
[ ! -e "$T_DIR/big.tsr" ] && pass "no reply written" || fail "a reply was written"

# ---- over HTTP: POST /tsa (RFC 3161 §3.4) on jpki serve ----
server_start
URL=http://127.0.0.1:$PORT/tsa
post() { # FILE [CURL ARGS]: HTTP_CODE and the body in $T_DIR/http.tsr
	local f=$1
	shift
	HTTP_CODE=$(curl -sS --max-time 10 -o "$T_DIR/http.tsr" -w '%{http_code}' \
		-H 'Content-Type: application/timestamp-query' --data-binary "@$f" "$@" "$URL")
}
tsq -sha256 -cert -out "$T_DIR/h.tsq"
post "$T_DIR/h.tsq"
assert_eq "$HTTP_CODE" 200 "POST /tsa answers 200"
assert_cmd "openssl ts -verify accepts the served token against its query" \
	openssl ts -verify -queryfile "$T_DIR/h.tsq" -in "$T_DIR/http.tsr" -CAfile "$(ca_cert sign)" \
	"${AT[@]}"
run openssl ts -reply -in "$T_DIR/http.tsr" -text
s=$(printf '%s\n' "$OUT" | sed -n 's/^Serial number: 0x//p')
[ -n "$s" ] && [ $((16#$s)) -gt "$prev" ] && pass "the server's serial 0x$s follows the CLI's" ||
	fail "the server's serial '$s' is not above $prev"
post "$T_DIR/junk.tsq"
assert_eq "$HTTP_CODE" 200 "garbage over HTTP: 200 with a rejection"
run openssl ts -reply -in "$T_DIR/http.tsr" -text
assert_contains "$OUT" "Status: Rejected." "the rejection"
HTTP_CODE=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$URL")
assert_eq "$HTTP_CODE" 405 "GET /tsa: 405"
HTTP_CODE=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' \
	--data-binary "@$T_DIR/h.tsq" "$URL")
assert_eq "$HTTP_CODE" 415 "another Content-Type: 415"
post "$T_DIR/big.tsq"
assert_eq "$HTTP_CODE" 413 "a request over 4096 bytes: 413, before it is read"
server_stop
finish

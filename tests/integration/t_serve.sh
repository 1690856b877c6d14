#!/bin/bash
# t_serve: `jpki serve` publishes what certificates point to.  curl fetches
# the CA certificates and CRLs, openssl judges them; the URLs written into an
# issued certificate are exactly the ones served; a revocation shows up in
# the served CRL; wrong methods and paths are refused; idle clients do not
# block others; SIGTERM stops the server with exit 0.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
pick_port # before issuing: JPKI_BASE_URL names this server
id=$(add_yamada) || die "add"
rsa_key k
jp_ok "issue sign" cert issue --kind sign --resident "$id" --pubkey "$T_DIR/k.pub" --out "$T_DIR/sign.pem"
jp_ok "issue auth" cert issue --kind auth --resident "$id" --pubkey "$T_DIR/k.pub" --out "$T_DIR/auth.pem"
server_start

for kind in sign auth; do
	ca=$(ca_cert "$kind")
	http GET "/ca/$kind.der" "$T_DIR/$kind-ca.der"
	assert_eq "$HTTP_CODE" 200 "GET /ca/$kind.der"
	assert_cmd "/ca/$kind.der is a DER certificate (openssl x509)" \
		openssl x509 -inform DER -in "$T_DIR/$kind-ca.der" -noout
	openssl x509 -in "$ca" -outform DER -out "$T_DIR/$kind-ca.want"
	assert_cmd "/ca/$kind.der is the $kind CA certificate" cmp "$T_DIR/$kind-ca.der" "$T_DIR/$kind-ca.want"
	http GET "/ca/$kind.pem" "$T_DIR/$kind-ca.pem"
	assert_eq "$HTTP_CODE" 200 "GET /ca/$kind.pem"
	assert_eq "$(openssl x509 -in "$T_DIR/$kind-ca.pem" -noout -fingerprint -sha256)" \
		"$(openssl x509 -in "$ca" -noout -fingerprint -sha256)" "/ca/$kind.pem is the same certificate"

	http GET "/crl/$kind.crl" "$T_DIR/$kind.crl"
	assert_eq "$HTTP_CODE" 200 "GET /crl/$kind.crl"
	run openssl crl -inform DER -in "$T_DIR/$kind.crl" -CAfile "$ca" -verify -noout
	assert_contains "$OUT$ERR" "verify OK" "/crl/$kind.crl verifies under the $kind CA"
	ctype=$(curl -sS --max-time 5 -o /dev/null -w '%{content_type}' "http://127.0.0.1:$PORT/crl/$kind.crl")
	assert_eq "$ctype" "application/pkix-crl" "/crl/$kind.crl content type"

	# the URLs inside the issued certificate are the served ones
	crt=$T_DIR/$kind.pem
	crldp=$(openssl x509 -in "$crt" -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')
	assert_match "$crldp" "^http://127\.0\.0\.1:$PORT/crl/$kind/(0|[1-9][0-9]*)\.crl\$" \
		"$kind certificate: CRLDP names its partition on this server"
	issuer_url=$(openssl x509 -in "$crt" -noout -ext authorityInfoAccess |
		sed -n 's/^ *CA Issuers - URI://p')
	assert_eq "$issuer_url" "http://127.0.0.1:$PORT/ca/$kind.der" "$kind certificate: AIA caIssuers names this server"
	assert_cmd "fetch the CRLDP URL" curl -fsS --max-time 5 -o "$T_DIR/dp.crl" "$crldp"
	run openssl crl -inform DER -in "$T_DIR/dp.crl" -CAfile "$ca" -verify -noout
	assert_contains "$OUT$ERR" "verify OK" "the CRL at the CRLDP URL verifies"
	assert_cmd "fetch the caIssuers URL" curl -fsS --max-time 5 -o "$T_DIR/issuer.der" "$issuer_url"
	openssl x509 -inform DER -in "$T_DIR/issuer.der" -out "$T_DIR/issuer.pem" 2>/dev/null
	assert_cmd "the certificate verifies with the CA fetched from caIssuers" \
		openssl verify "${AT[@]}" -CAfile "$T_DIR/issuer.pem" "$crt"
done
sign_serial=$(x509_field "$T_DIR/sign.pem" -serial | sed 's/^serial=//')
assert_not_contains "$(openssl crl -inform DER -in "$T_DIR/sign.crl" -noout -text)" "$sign_serial" \
	"before the change the sign certificate is not listed"

# -- a revocation while the server runs (rule C5)
jp resident update "$id" --address 東京都立川市錦町1-1
assert_rc 0 "change of address"
assert_contains "$OUT" "revoked sign certificate $sign_serial" "it revoked the sign certificate"
http GET /crl/sign.crl "$T_DIR/sign2.crl"
assert_eq "$HTTP_CODE" 200 "GET /crl/sign.crl after the revocation"
text=$(openssl crl -inform DER -in "$T_DIR/sign2.crl" -noout -text)
assert_contains "$text" "Serial Number: $sign_serial" "the served CRL lists the revoked certificate"
assert_contains "$text" "Affiliation Changed" "with reason affiliationChanged"
run openssl crl -inform DER -in "$T_DIR/sign2.crl" -CAfile "$(ca_cert sign)" -verify -noout
assert_contains "$OUT$ERR" "verify OK" "the new CRL verifies"
openssl crl -inform DER -in "$T_DIR/sign2.crl" -out "$T_DIR/sign2.crl.pem"
run openssl verify "${AT[@]}" -crl_check -CAfile "$(ca_cert sign)" -CRLfile "$T_DIR/sign2.crl.pem" "$T_DIR/sign.pem"
assert_contains "$OUT$ERR" "certificate revoked" "a relying party with the served CRL rejects it"
assert_cmd "the server also saved the CRL under <data>/crl" \
	cmp -s "$T_DIR/sign2.crl" "$JPKI_DATA/crl/sign.crl"
http GET /crl/auth.crl "$T_DIR/auth2.crl"
assert_not_contains "$(openssl crl -inform DER -in "$T_DIR/auth2.crl" -noout -text)" \
	"$(x509_field "$T_DIR/auth.pem" -serial | sed 's/^serial=//')" "the auth certificate survives (rule C5)"

# -- methods and paths
for m in POST PUT DELETE; do
	http "$m" /ca/sign.der
	assert_eq "$HTTP_CODE" 405 "$m /ca/sign.der"
done
http HEAD /health
assert_eq "$HTTP_CODE" 200 "HEAD /health"
http GET /
assert_eq "$HTTP_CODE" 200 "GET /: the front door"
assert_contains "$(cat "$T_DIR/body")" "href=\"$JPKI_BASE_URL/ca/sign.pem\"" "it links to the CA certificates"
assert_contains "$(cat "$T_DIR/body")" "$JPKI_BASE_URL/ocsp/auth" "and names the OCSP responders"
assert_contains "$(cat "$T_DIR/body")" "--tls-listen" "and says the demo portal needs HTTPS"
for p in /nope /ca/ /ca/sign /ca/other.der /crl/sign.der /crl/sign.crl.bak /health/x; do
	http GET "$p"
	assert_eq "$HTTP_CODE" 404 "GET $p"
done
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' --data-binary 'x=1' \
	"http://127.0.0.1:$PORT/crl/sign.crl" 2>&1)
assert_eq "$code" 405 "POST with a body gets 405"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -X GET --data-binary 'x=1' \
	"http://127.0.0.1:$PORT/crl/sign.crl" 2>&1)
assert_eq "$code" 413 "GET with a body gets 413"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -X GET -H 'Transfer-Encoding: chunked' \
	--data-binary 'x=1' "http://127.0.0.1:$PORT/crl/sign.crl" 2>&1)
assert_eq "$code" 413 "GET with a chunked body gets 413"

# -- idle clients do not block others
python3 - "$PORT" "$T_DIR/idle.ready" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
held = []
for i in range(12):  # more than the server's worker threads
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if i % 2:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # never finishes the headers
    held.append(s)
open(sys.argv[2], "w").close()
time.sleep(8)
PY
idle_pid=$!
for _ in $(seq 1 50); do [ -e "$T_DIR/idle.ready" ] && break; sleep 0.1; done
[ -e "$T_DIR/idle.ready" ] || fail "the idle clients did not connect"
exec 3<>"/dev/tcp/127.0.0.1/$PORT" # one more from bash itself, silent
start=$(date +%s%N)
http GET /crl/sign.crl "$T_DIR/busy.crl"
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "$HTTP_CODE" 200 "GET /crl/sign.crl with 13 idle connections open"
if [ "$ms" -lt 3000 ]; then pass "answered in ${ms} ms"; else fail "took ${ms} ms with idle clients"; fi
http GET /health
assert_eq "$HTTP_CODE" 200 "GET /health with idle connections open"
exec 3>&-
kill "$idle_pid" 2>/dev/null
wait "$idle_pid" 2>/dev/null

# -- a second server on the same port fails cleanly
run timeout 10 "$JPKI" serve --listen "127.0.0.1:$PORT"
assert_refused "a second server on a port in use"
jp serve --listen 127.0.0.1:notaport
assert_rc 2 "serve --listen with a bad port"

server_stop
assert_contains "$(cat "$T_DIR/serve.log")" "stopped on SIGTERM" "the server says why it stopped"
run curl -sS --max-time 2 "http://127.0.0.1:$PORT/health"
assert_eq "$([ "$RC" -ne 0 ] && echo down)" down "nothing answers after the stop"
finish

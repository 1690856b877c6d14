#!/bin/bash
# t_tls: HTTPS of `jpki serve` with the certificate `jpki init` makes from a
# local TLS CA of its own (docs/operations.md, "HTTPS"), judged by openssl
# (verify -purpose sslserver, s_client -verify_hostname, x509, pkey) and curl:
#   - the files in <data>/tls/, their modes, the CA key encrypted with the CA
#     passphrase and the server key not; the profiles (serverAuth, the names
#     as dNSName / iPAddress, 397 days, a CA of path length 0);
#   - the JPKI CAs did not sign it and the local CA is neither of them;
#   - serve --tls-listen alone serves it with the CA in the chain: verified
#     for localhost and 127.0.0.1, refused for a name not in it; plain HTTP
#     still serves the CA certificates, CRLs and OCSP;
#   - a second init changes nothing; `jpki tls renew` only when due (--within,
#     other names, --force), the new one verifies, the previous kept as .old;
#   - refusals: bad --tls-name values, a wrong passphrase, a missing server key
#     (the error names `jpki init`), half of --tls-cert/--tls-key, a lone key;
#   - an older data folder's self-signed tls/cert.pem is kept and served, and
#     `jpki tls renew --force` replaces it; `make run` (scripts/run.sh) serves
#     the local CA's certificate and names ca.pem; an operator's own
#     certificate near its end is served with a warning.
# TLS clients judge dates by the machine's clock, and so do these checks (no -attime).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

D=$T_DIR
TLS=$JPKI_DATA/tls
RUN_PID=
trap '[ -n "$RUN_PID" ] && kill -KILL "$RUN_PID" 2>/dev/null; t_cleanup' EXIT
mode() { stat -c %a "$1"; }
# tls_up: server_start waits for the plain listener; the HTTPS one is announced once it is up too
tls_up() {
	for _ in $(seq 1 100); do
		grep -q "serving on https://" "$T_DIR/serve.log" 2>/dev/null && return 0
		sleep 0.1
	done
	die "the HTTPS listener is not announced after 10 s: $(cat "$T_DIR/serve.log")"
}
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 2>&1; }
spki() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null | openssl pkey -pubin -outform DER 2>/dev/null | sha256sum; }

# ---- jpki init ---------------------------------------------------------------------------------

jp init --tls-name 'bad_name'
assert_rc 2 "init --tls-name with an underscore"
assert_contains "$ERR" "bad_name" "the refusal names the name"
for bad in '-x.example' 'x-.example' 'a..b' '.example' 'example.' '*.example.test' \
	"$(printf 'a%.0s' $(seq 64)).example" 'ポータル.jp' 'host name' '300.1.1.1' '1.2.3' '::1::'; do
	jp init --tls-name "$bad"
	assert_rc 2 "init --tls-name '$bad' is refused"
done
jp init --tls-name localhost --tls-name LOCALHOST
assert_rc 2 "a name given twice (case does not matter)"
assert_cmd "nothing was made by a refused init" test ! -e "$JPKI_DATA/ca/sign/cert.pem"

jp init
assert_rc 0 "init"
assert_match "$OUT" '^TLS CA created: .*/tls/ca\.pem' "init says it made the local TLS CA"
assert_match "$OUT" '^TLS certificate created: .*/tls/cert\.pem for localhost, 127\.0\.0\.1, until ' \
	"and the certificate, for localhost and 127.0.0.1"
for f in ca.pem ca-key.pem cert.pem key.pem; do
	assert_cmd "tls/$f exists" test -s "$TLS/$f"
done
assert_eq "$(mode "$TLS/ca-key.pem")" 600 "the CA key is mode 0600"
assert_eq "$(mode "$TLS/key.pem")" 600 "the server key is mode 0600"
assert_eq "$(mode "$TLS")" 700 "tls/ is mode 0700"
assert_eq "$(head -n 1 "$TLS/ca-key.pem")" "-----BEGIN ENCRYPTED PRIVATE KEY-----" \
	"the CA key is encrypted PKCS#8"
assert_cmd_fails "it does not open without the passphrase" \
	openssl pkey -in "$TLS/ca-key.pem" -passin pass: -noout
assert_cmd "it opens with the CA passphrase" \
	openssl pkey -in "$TLS/ca-key.pem" -passin env:JPKI_CA_PASSPHRASE -noout
assert_eq "$(head -n 1 "$TLS/key.pem")" "-----BEGIN PRIVATE KEY-----" \
	"the server key is unencrypted PKCS#8 (serve reads it without a passphrase)"
assert_eq "$(grep -c 'BEGIN CERTIFICATE' "$TLS/cert.pem")" 2 "cert.pem is the chain: server, CA"
openssl x509 -in "$TLS/cert.pem" -out "$D/server.pem"
assert_eq "$(sed -n '/BEGIN/,$p' "$TLS/cert.pem" | awk '/BEGIN/{n++} n==2' | openssl x509 -noout -fingerprint -sha256 2>&1)" \
	"$(fp "$TLS/ca.pem")" "the chain's second certificate is ca.pem"

# -- the judges: openssl verify for a TLS server
assert_cmd "openssl verify -purpose sslserver accepts it under ca.pem" \
	openssl verify -CAfile "$TLS/ca.pem" -purpose sslserver "$D/server.pem"
assert_cmd "for the name localhost" \
	openssl verify -CAfile "$TLS/ca.pem" -purpose sslserver -verify_hostname localhost "$D/server.pem"
assert_cmd "for the address 127.0.0.1" \
	openssl verify -CAfile "$TLS/ca.pem" -purpose sslserver -verify_ip 127.0.0.1 "$D/server.pem"
assert_cmd_fails "and not for www.example.com" \
	openssl verify -CAfile "$TLS/ca.pem" -purpose sslserver -verify_hostname www.example.com "$D/server.pem"
assert_cmd_fails "nor for 127.0.0.2" \
	openssl verify -CAfile "$TLS/ca.pem" -purpose sslserver -verify_ip 127.0.0.2 "$D/server.pem"
assert_cmd_fails "nor as a client certificate (serverAuth only)" \
	openssl verify -CAfile "$TLS/ca.pem" -purpose sslclient "$D/server.pem"

# -- the profiles
TEXT=$(openssl x509 -in "$D/server.pem" -noout -text)
assert_match "$TEXT" 'DNS:localhost, IP Address:127\.0\.0\.1$' "subjectAltName: DNS:localhost, IP:127.0.0.1"
assert_match "$TEXT" '^ +TLS Web Server Authentication$' "extendedKeyUsage serverAuth"
assert_match "$TEXT" 'CA:FALSE' "not a CA"
assert_match "$TEXT" 'ASN1 OID: prime256v1' "a P-256 key"
nb=$(date -d "$(x509_field "$D/server.pem" -startdate | sed 's/^notBefore=//')" +%s)
na=$(date -d "$(x509_field "$D/server.pem" -enddate | sed 's/^notAfter=//')" +%s)
assert_eq "$(((na - nb + 1) / 86400))" 397 "valid for 397 days"
now=$(date +%s)
assert_cmd "it began within the last 10 minutes (the machine's clock, not JPKI_NOW)" \
	test "$nb" -le "$now" -a "$nb" -ge $((now - 600))
CATEXT=$(openssl x509 -in "$TLS/ca.pem" -noout -text)
assert_match "$CATEXT" 'CA:TRUE, pathlen:0' "the local CA: CA:TRUE, path length 0"
assert_match "$CATEXT" 'Certificate Sign, CRL Sign' "the local CA signs certificates"
assert_match "$(x509_field "$TLS/ca.pem" -subject)" 'CN = jpki local TLS CA [0-9a-f]{8}' \
	"the local CA's name says what it is"

# -- the JPKI CAs did not sign it, and the local CA is neither of them
for kind in sign auth; do
	assert_cmd_fails "the $kind CA does not verify the server certificate" \
		openssl verify -CAfile "$(ca_cert "$kind")" -partial_chain "$D/server.pem"
	assert_cmd_fails "nor the local CA certificate" \
		openssl verify -CAfile "$(ca_cert "$kind")" -partial_chain "$TLS/ca.pem"
	[ "$(spki "$TLS/ca.pem")" != "$(spki "$(ca_cert "$kind")")" ] &&
		pass "the local CA's key is not the $kind CA's" || fail "the local CA has the $kind CA's key"
	assert_not_contains "$(x509_field "$D/server.pem" -issuer)" "JPKI for" \
		"the server certificate's issuer is no JPKI CA ($kind)"
done

# -- a second init changes nothing, whatever the names asked
for f in ca.pem ca-key.pem cert.pem key.pem; do cp "$TLS/$f" "$D/before.$f"; done
jp init
assert_rc 0 "second init"
assert_match "$OUT" '^TLS CA exists: ' "it says the local CA exists"
assert_match "$OUT" '^TLS certificate exists: .* for localhost, 127\.0\.0\.1' "and the certificate"
jp init --tls-name jpki.example.test
assert_rc 0 "init with other names"
assert_contains "$OUT" "jpki tls renew --tls-name" "it keeps the certificate and names the renewal"
for f in ca.pem ca-key.pem cert.pem key.pem; do
	assert_cmd "tls/$f byte-identical after init ran again" cmp "$D/before.$f" "$TLS/$f"
done
run env JPKI_CA_PASSPHRASE=wrong-passphrase-0123 "$JPKI" tls renew --force
assert_refused "tls renew with the wrong passphrase"
assert_cmd "left cert.pem alone" cmp "$D/before.cert.pem" "$TLS/cert.pem"

# ---- jpki serve --tls-listen with it ----------------------------------------------------------

pick_port
TLS_PORT=$((PORT + 1))
SERVE_ARGS=(--tls-listen "127.0.0.1:$TLS_PORT")
server_start
tls_up
run openssl s_client -connect "127.0.0.1:$TLS_PORT" -servername localhost -verify_return_error \
	-CAfile "$TLS/ca.pem" -verify_hostname localhost -showcerts </dev/null
assert_rc 0 "openssl s_client -verify_return_error -verify_hostname localhost"
assert_contains "$OUT" "Verify return code: 0 (ok)" "s_client: verified"
assert_eq "$(printf '%s\n' "$OUT" | grep -c 'BEGIN CERTIFICATE')" 2 "the chain served holds the local CA"
run openssl s_client -connect "127.0.0.1:$TLS_PORT" -verify_return_error -CAfile "$TLS/ca.pem" \
	-verify_ip 127.0.0.1 </dev/null
assert_rc 0 "s_client -verify_ip 127.0.0.1"
run openssl s_client -connect "127.0.0.1:$TLS_PORT" -servername www.example.com \
	-verify_return_error -CAfile "$TLS/ca.pem" -verify_hostname www.example.com </dev/null
assert_rc 1 "s_client -verify_hostname www.example.com fails"
run openssl s_client -connect "127.0.0.1:$TLS_PORT" -verify_return_error \
	-CAfile "$(ca_cert sign)" -verify_hostname localhost </dev/null
assert_rc 1 "s_client with a JPKI CA as the trust anchor fails"
for host in localhost 127.0.0.1; do
	assert_cmd "curl --cacert ca.pem https://$host:$TLS_PORT/health" \
		curl -fsS --max-time 10 --cacert "$TLS/ca.pem" --resolve "localhost:$TLS_PORT:127.0.0.1" \
		"https://$host:$TLS_PORT/health"
	assert_eq "$OUT" ok "  it answers ok"
done
assert_cmd "curl --cacert cert.pem (the chain holds the CA) works too" \
	curl -fsS --max-time 10 --cacert "$TLS/cert.pem" "https://localhost:$TLS_PORT/health" \
	--resolve "localhost:$TLS_PORT:127.0.0.1"
run curl -sS --max-time 10 --cacert "$TLS/ca.pem" --resolve "www.example.com:$TLS_PORT:127.0.0.1" \
	"https://www.example.com:$TLS_PORT/health"
assert_rc 60 "curl for a name not in the certificate: refused (60)"
run curl -sS --max-time 10 "https://localhost:$TLS_PORT/health" --resolve "localhost:$TLS_PORT:127.0.0.1"
assert_rc 60 "curl without --cacert: refused (60)"
# plain HTTP keeps what certificates point at (RFC 5019: OCSP and CRLs over http://)
http GET /crl/sign.crl "$D/sign.crl"
assert_eq "$HTTP_CODE" 200 "plain HTTP still serves /crl/sign.crl"
http GET /ca/auth.der "$D/auth.der"
assert_eq "$HTTP_CODE" 200 "and /ca/auth.der"
run openssl ocsp -issuer "$(ca_cert sign)" -serial 0x0102030405060708 -url "http://127.0.0.1:$PORT/ocsp/sign" \
	-CAfile "$(ca_cert sign)" -no_nonce
assert_rc 0 "and answers OCSP (openssl ocsp verifies the answer)"
assert_contains "$OUT" "unknown" "  unknown for a serial never issued"
server_stop

# -- renewal
jp tls renew
assert_rc 0 "tls renew when not due"
assert_match "$OUT" '^TLS certificate not due: ' "it says not due"
assert_cmd "and changed nothing" cmp "$D/before.cert.pem" "$TLS/cert.pem"
jp tls renew --within 400
assert_rc 0 "tls renew --within 400 (the certificate ends within 400 days)"
assert_match "$OUT" '^TLS certificate renewed: .* for localhost, 127\.0\.0\.1' "renewed, for the same names"
assert_cmd "the previous one is kept as cert.pem.old" cmp "$D/before.cert.pem" "$TLS/cert.pem.old"
assert_cmd "and its key as key.pem.old" cmp "$D/before.key.pem" "$TLS/key.pem.old"
assert_cmd "the CA is the same" cmp "$D/before.ca.pem" "$TLS/ca.pem"
[ "$(fp "$TLS/cert.pem")" != "$(fp "$D/before.cert.pem")" ] && pass "a new certificate" ||
	fail "the renewed certificate is the old one"
cmp -s "$TLS/key.pem" "$D/before.key.pem" && fail "the renewed key is the old one" || pass "a new key"
assert_eq "$(mode "$TLS/key.pem")" 600 "the new key is mode 0600"
openssl x509 -in "$TLS/cert.pem" -out "$D/renewed.pem"
assert_cmd "the renewed certificate verifies (sslserver, localhost)" \
	openssl verify -CAfile "$TLS/ca.pem" -purpose sslserver -verify_hostname localhost "$D/renewed.pem"
assert_cmd_fails "and the sign CA did not sign it" \
	openssl verify -CAfile "$(ca_cert sign)" -partial_chain "$D/renewed.pem"
jp tls renew --tls-name localhost --tls-name jpki.example.test --tls-name ::1
assert_rc 0 "tls renew for other names"
assert_match "$OUT" 'renewed: .* for localhost, jpki\.example\.test, ::1' "renewed for them"
openssl x509 -in "$TLS/cert.pem" -out "$D/renamed.pem"
assert_cmd "it verifies for jpki.example.test" \
	openssl verify -CAfile "$TLS/ca.pem" -purpose sslserver -verify_hostname jpki.example.test "$D/renamed.pem"
assert_cmd "and for ::1" openssl verify -CAfile "$TLS/ca.pem" -purpose sslserver -verify_ip ::1 "$D/renamed.pem"
assert_cmd_fails "and no longer for 127.0.0.1" \
	openssl verify -CAfile "$TLS/ca.pem" -purpose sslserver -verify_ip 127.0.0.1 "$D/renamed.pem"
jp tls renew
assert_match "$OUT" 'not due: .* for localhost, jpki\.example\.test, ::1' "the names are kept by a later renew"
jp tls renew --force
assert_match "$OUT" '^TLS certificate renewed: ' "--force renews anyway"
jp tls renew --within 3651
assert_rc 2 "--within over 3650 days is refused"
jp tls renew extra
assert_rc 2 "an operand is refused"
jp tls
assert_rc 2 "jpki tls without a command"
jp tls --help
assert_contains "$OUT" "jpki tls renew" "jpki tls --help"

# ---- refusals of serve ---------------------------------------------------------------------------

mv "$TLS/key.pem" "$D/key.pem.away"
run "$JPKI" serve --listen "127.0.0.1:$PORT" --tls-listen "127.0.0.1:$TLS_PORT"
assert_refused "serve --tls-listen with the server key missing"
assert_contains "$ERR" "$TLS/key.pem" "the error names the missing file"
assert_contains "$ERR" "jpki init" "and says to run jpki init"
jp init
assert_refused "init with a lone cert.pem"
assert_contains "$ERR" "jpki tls renew" "names the repair"
jp tls renew
assert_rc 0 "tls renew repairs a lone cert.pem"
assert_match "$OUT" 'renewed' "with a new pair"
assert_cmd "a key again" test -s "$TLS/key.pem"
run "$JPKI" serve --listen "127.0.0.1:$PORT" --tls-listen "127.0.0.1:$TLS_PORT" --tls-cert "$TLS/cert.pem"
assert_rc 2 "--tls-cert without --tls-key"
run "$JPKI" serve --listen "127.0.0.1:$PORT" --tls-cert "$TLS/cert.pem" --tls-key "$TLS/key.pem"
assert_rc 2 "--tls-cert and --tls-key without --tls-listen"
run "$JPKI" serve --listen "127.0.0.1:$PORT" --tls-listen "127.0.0.1:$TLS_PORT" \
	--tls-cert "$TLS/cert.pem" --tls-key "$TLS/ca-key.pem"
assert_refused "an encrypted key as --tls-key"
assert_contains "$ERR" "encrypted" "says it is encrypted"

# ---- an older data folder: a self-signed tls/cert.pem made by openssl req -----------------------

OLD_STORE=$(second_store old) || die "a second registry"
[ -n "$OLD_STORE" ] && export JPKI_STORE=$OLD_STORE
export JPKI_DATA=$T_DIR/old
mkdir -p "$JPKI_DATA/tls"
chmod 700 "$JPKI_DATA"
(umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -keyout "$JPKI_DATA/tls/key.pem" \
	-out "$JPKI_DATA/tls/cert.pem" -days 825 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null) || die "openssl req"
cp "$JPKI_DATA/tls/cert.pem" "$D/old.pem"
cp "$JPKI_DATA/tls/key.pem" "$D/old.key"
jp init
assert_rc 0 "init over an older data folder"
assert_match "$OUT" '^TLS certificate kept: .*not issued by a local TLS CA' "it keeps the self-signed one"
assert_cmd "cert.pem unchanged" cmp "$D/old.pem" "$JPKI_DATA/tls/cert.pem"
assert_cmd "key.pem unchanged" cmp "$D/old.key" "$JPKI_DATA/tls/key.pem"
assert_cmd "and no local CA made beside it" test ! -e "$JPKI_DATA/tls/ca.pem"
server_start
tls_up
assert_cmd "serve --tls-listen serves it (curl --cacert cert.pem)" \
	curl -fsS --max-time 10 --cacert "$JPKI_DATA/tls/cert.pem" \
	--resolve "localhost:$TLS_PORT:127.0.0.1" "https://localhost:$TLS_PORT/health"
server_stop
jp tls renew
assert_rc 0 "tls renew without --force"
assert_contains "$OUT" "kept" "keeps it"
assert_cmd "unchanged" cmp "$D/old.pem" "$JPKI_DATA/tls/cert.pem"
jp tls renew --force
assert_rc 0 "tls renew --force"
assert_match "$OUT" '^TLS CA created: ' "makes the local CA"
assert_match "$OUT" '^TLS certificate renewed: ' "and a certificate from it"
assert_cmd "the self-signed one is kept as cert.pem.old" cmp "$D/old.pem" "$JPKI_DATA/tls/cert.pem.old"
openssl x509 -in "$JPKI_DATA/tls/cert.pem" -out "$D/migrated.pem"
assert_cmd "the new one verifies under the new ca.pem" \
	openssl verify -CAfile "$JPKI_DATA/tls/ca.pem" -purpose sslserver -verify_hostname localhost "$D/migrated.pem"

# ---- make run (scripts/run.sh) on a fresh data folder: no openssl req, the local CA named ----------

RUN_STORE=$(second_store run) || die "a third registry"
[ -n "$RUN_STORE" ] && export JPKI_STORE=$RUN_STORE
"$T_TOP/scripts/run.sh" "$JPKI" "$T_DIR/run" "127.0.0.1:$PORT" "127.0.0.1:$TLS_PORT" >"$D/run.log" 2>&1 &
RUN_PID=$!
for _ in $(seq 1 150); do
	grep -q "demo portal on" "$D/run.log" 2>/dev/null && break
	kill -0 "$RUN_PID" 2>/dev/null || break
	sleep 0.1
done
assert_contains "$(cat "$D/run.log")" "curl --cacert $T_DIR/run/tls/ca.pem https://localhost:$TLS_PORT/" \
	"make run names the local CA to trust"
assert_cmd "and serves HTTPS that curl --cacert ca.pem accepts" \
	curl -fsS --max-time 10 --cacert "$T_DIR/run/tls/ca.pem" --resolve "localhost:$TLS_PORT:127.0.0.1" \
	"https://localhost:$TLS_PORT/health"
kill -TERM "$RUN_PID" 2>/dev/null
wait "$RUN_PID" 2>/dev/null
RUN_PID=
[ -n "$OLD_STORE" ] && export JPKI_STORE=$OLD_STORE # back to the older data folder's registry

# ---- an operator's own certificate near its end --------------------------------------------------

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/own.key" -out "$D/own.pem" -days 2 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null || die "openssl req"
SERVE_ARGS=(--tls-listen "127.0.0.1:$TLS_PORT" --tls-cert "$D/own.pem" --tls-key "$D/own.key")
server_start
tls_up
assert_cmd "serve --tls-cert/--tls-key serves the operator's certificate" \
	curl -fsS --max-time 10 --cacert "$D/own.pem" --resolve "localhost:$TLS_PORT:127.0.0.1" \
	"https://localhost:$TLS_PORT/health"
assert_match "$(cat "$T_DIR/serve.log")" "warning: the HTTPS certificate .*own\.pem ends on" \
	"and warns that it ends within 30 days"
server_stop
finish

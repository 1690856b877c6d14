#!/bin/bash
# t_crl_refresh: `jpki serve --crl-refresh 1` rebuilds the full CRL on its own
# after a revocation (on disk in <data>/crl/ and over HTTP), SIGHUP asks for a
# rebuild now (the cRLNumber goes up), and SIGTERM still stops it at once.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
SIGN_CA=$(ca_cert sign)
rsa_key k
pick_port
id=$(add_yamada) || die "add"
jp_ok "issue sign" cert issue --kind sign --resident "$id" --pubkey "$T_DIR/k.pub" --out "$T_DIR/s1.pem"
serial=$(x509_field "$T_DIR/s1.pem" -serial | sed 's/^serial=//')
DISK=$JPKI_DATA/crl/sign.crl
# crl_number FILE: the cRLNumber of a DER CRL, in decimal ("" when unreadable)
crl_number() {
	openssl crl -inform DER -in "$1" -noout -crlnumber 2>/dev/null | sed -n 's/^crlNumber=0x//p' |
		{ read -r h && [ -n "$h" ] && echo $((16#$h)); }
}
lists() { openssl crl -inform DER -in "$1" -noout -text 2>/dev/null | grep -q "Serial Number: $2\$"; }
# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds
wait_for() {
	local n=$(($1 * 10)) i
	shift
	for i in $(seq 1 "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

SERVE_ARGS=(--crl-refresh 1)
server_start
assert_cmd "the server wrote the full CRL at start" test -s "$DISK"
n0=$(crl_number "$DISK")
assert_match "$n0" '^[0-9]+$' "the CRL on disk has a cRLNumber"
if lists "$DISK" "$serial"; then fail "the certificate is listed before its revocation"; fi

# -- a revocation: the refresh thread rebuilds the full CRL within a few seconds
jp_ok "revoke" cert revoke --reason keyCompromise "$serial"
if wait_for 8 lists "$DISK" "$serial"; then
	pass "the refresh thread wrote a full CRL listing the revoked certificate"
else
	fail "no full CRL listing $serial in $DISK within 8 s: $(cat "$T_DIR/serve.log")"
fi
run openssl crl -inform DER -in "$DISK" -CAfile "$SIGN_CA" -verify -noout
assert_contains "$ERR$OUT" "verify OK" "the CRL on disk verifies under the sign CA"
n1=$(crl_number "$DISK")
[ -n "$n1" ] && [ "$n1" -gt "$n0" ] && pass "its cRLNumber went up ($n0 -> $n1)" ||
	fail "cRLNumber $n0 -> $n1"
text=$(openssl crl -inform DER -in "$DISK" -noout -text)
assert_contains "$(printf '%s\n' "$text" | grep -A4 "Serial Number: $serial\$")" "Key Compromise" \
	"listed as keyCompromise"
http GET /crl/sign.crl "$T_DIR/http.crl"
assert_eq "$HTTP_CODE" 200 "GET /crl/sign.crl"
if lists "$T_DIR/http.crl" "$serial"; then pass "the served full CRL lists it"; else
	fail "the served full CRL does not list $serial"; fi
# the thread swapped it into the cache: the request served it, did not build another
assert_eq "$(crl_number "$T_DIR/http.crl")" "$n1" "HTTP serves the CRL the thread built"
assert_cmd "no temporary file left in <data>/crl" \
	bash -c "! ls '$JPKI_DATA/crl' | grep -q tmp"

# -- SIGHUP: a rebuild now
kill -HUP "$SERVER_PID"
newer() { local n; n=$(crl_number "$DISK"); [ -n "$n" ] && [ "$n" -gt "$n1" ]; }
if wait_for 5 newer; then pass "SIGHUP: a new full CRL on disk ($(crl_number "$DISK") > $n1)"; else
	fail "SIGHUP did not rebuild the CRL within 5 s (still $(crl_number "$DISK"))"; fi
assert_cmd "the server survives SIGHUP" kill -0 "$SERVER_PID"
n2=$(crl_number "$DISK")
http GET /crl/sign.crl "$T_DIR/http2.crl"
assert_eq "$(crl_number "$T_DIR/http2.crl")" "$n2" "HTTP serves the CRL rebuilt on SIGHUP"
if lists "$T_DIR/http2.crl" "$serial"; then pass "it still lists the revoked certificate"; else
	fail "the CRL rebuilt on SIGHUP lost $serial"; fi
assert_cmd "the auth CRL is on disk too" test -s "$JPKI_DATA/crl/auth.crl"

# -- SIGTERM: exit 0, promptly, even with the refresh thread waiting
t0=$(date +%s%N)
server_stop
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 3000 ] && pass "stopped in $ms ms" || fail "SIGTERM took $ms ms"
assert_contains "$(cat "$T_DIR/serve.log")" "stopped on SIGTERM" "the server says why it stopped"
finish

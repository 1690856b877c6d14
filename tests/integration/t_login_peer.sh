#!/bin/bash
# t_login_peer: Web eID logins judged by a second, independent implementation
# (webeid_peer.py: Python's standard library and `cryptography`, nothing of
# ours), both ways:
#   - the token `jpki login token` makes on the card validates in the peer;
#   - a token the peer puts together, signed with the card's authentication key
#     by OpenSC's pkcs11-tool through Debian's opensc-pkcs11.so (the software
#     card behind pcscd and vpcd), validates in `jpki login validate`.
# Then both validators refuse the same things with the same failure: another
# origin (a suffix), another nonce, a changed signature, a tampered or foreign
# certificate, key usages, a policy, expiry, a stale OCSP answer, one replayed
# without our nonce, answers forged by responders the CA did not authorise and
# lies the CA itself signs (another CertID, unknown, thisUpdate ahead, nextUpdate
# past), a revoked certificate and no responder.  `jpki serve` answers OCSP in
# the test's network namespace; a stand-in (ocsp_standin.py) on its port replays
# or forges answers, some with the test's own CA key.  WEBEID_PEER
# (another webeid_peer.py, e.g. with a check removed) and WEBEID_PYTHON (another
# python3 and cryptography) are for showing that the test notices.
# shellcheck source=card_lib.sh
. "$(dirname "$0")/card_lib.sh"

PY=${WEBEID_PYTHON:-/usr/bin/python3} # Debian's, with python3-cryptography
PEER=${WEBEID_PEER:-$T_TOP/tests/integration/webeid_peer.py} # another for mutation runs
"$PY" -c 'import cryptography.x509.ocsp' 2>/dev/null ||
	die "$PY has no cryptography (apt-get install python3-cryptography)"

pick_port
make_personalised_card
server_start
D=$T_DIR
APIN=$(secret 1234)
head -c 32 /dev/urandom >"$D/secret"
ORIGIN=https://portal.example.jp
N=$(head -c 32 /dev/urandom | base64)
TRUST=$(ca_cert auth)
AUTH_TOKEN="JPKI (User Authentication PIN)"
p11() { run timeout 30 pkcs11-tool --module "$P11" --token-label "$AUTH_TOKEN" "$@"; }

# ours|peer TOKEN [ORIGIN [NONCE [OPTIONS...]]]: one validator; the options (--trust, --policy)
# are the same for both.  The peer trusts the data folder's authentication CA unless told.
ours() {
	jp login validate --token "$1" --origin "${2:-$ORIGIN}" --nonce "${3:-$N}" \
		--secret-file "$D/secret" "${@:4}"
}
peer() {
	local trust=(--trust "$TRUST")
	case " ${*:4} " in *" --trust "*) trust=() ;; esac
	run "$PY" "$PEER" validate --token "$1" --origin "${2:-$ORIGIN}" --nonce "${3:-$N}" \
		"${trust[@]}" "${@:4}"
}
# both_ok WHAT TOKEN [...]: both validators accept it and name the same certificate
both_ok() {
	local what=$1 ours_serial
	shift
	ours "$@"
	assert_rc 0 "jpki login validate: $what"
	ours_serial=$(printf '%s\n' "$OUT" | awk '$1 == "OK" {print $3}')
	peer "$@"
	assert_rc 0 "webeid_peer validate: $what"
	assert_eq "$(printf '%s\n' "$OUT" | awk '$1 == "OK" {print $2}')" "${ours_serial:-none}" \
		"both name serial ${ours_serial:-none}"
}
# both_refuse WANT WHAT TOKEN [...]: both validators refuse it (exit 4) with failure WANT
both_refuse() {
	local want=$1 what=$2 got_ours got_peer
	shift 2
	ours "$@"
	assert_rc 4 "jpki login validate refuses $what"
	got_ours=$(printf '%s\n' "$OUT" | awk '$1 == "REFUSED" {print $2}')
	peer "$@"
	assert_rc 4 "webeid_peer validate refuses $what"
	got_peer=$(printf '%s\n' "$OUT" | awk '$1 == "REFUSED" {print $2}')
	assert_eq "$got_ours/$got_peer" "$want/$want" "both say $want: $what"
}

# another holder, whose key (made by openssl) the test holds: a would-be OCSP responder
RID2=$(add_resident --family 佐藤 --given 花子 --birth 1985-04-01 --sex F --address 東京都立川市錦町1-1) ||
	die "another resident"
rsa_key other
jp_ok "another holder's certificate" cert issue --kind auth --resident "$RID2" --pubkey "$D/other.pub" \
	--card-expiry 2035-11-27 --out "$D/other.pem"

# -- 1. jpki's holder side, the peer's validator
jp login token "$IMG" --origin "$ORIGIN" --nonce "$N" --pin-file "$APIN" --out "$D/ours.json"
assert_rc 0 "jpki login token signs on the card image"
both_ok "jpki's token" "$D/ours.json"

# -- 2. the peer's holder side: OpenSC signs with the card's authentication key
pcscd_start
card_attach "$IMG"
run timeout 30 pkcs11-tool --module "$P11" -L
assert_contains "$OUT" "token label        : $AUTH_TOKEN" "pkcs11-tool -L: the authentication token"
p11 --login --pin 1234 -O
KID=$(printf '%s\n' "$OUT" | awk '/^Private Key Object/ {k = 1} k && $1 == "ID:" {print $2; exit}')
assert_contains "$OUT" "User Authentication Key" "pkcs11-tool -O: the authentication key (ID ${KID:-none})"
p11 --read-object --type cert --id "${KID:-01}" -o "$D/card-auth.der"
assert_rc 0 "pkcs11-tool reads the authentication certificate off the card"
run "$PY" "$PEER" signed-data --origin "$ORIGIN" --nonce "$N" --out "$D/tbs.bin"
assert_eq "$(wc -c <"$D/tbs.bin")" 64 "the peer's signed data: SHA-256(origin) || SHA-256(nonce), 64 bytes"
p11 --login --pin 1234 --id "${KID:-01}" -s -m SHA256-RSA-PKCS -i "$D/tbs.bin" -o "$D/card.sig"
assert_rc 0 "pkcs11-tool -m SHA256-RSA-PKCS signs it with the card's key"
openssl x509 -inform DER -in "$D/card-auth.der" -noout -pubkey >"$D/card-auth.pub" 2>/dev/null
assert_cmd "openssl: an RS256 signature of those 64 bytes by the certificate's key" \
	openssl dgst -sha256 -verify "$D/card-auth.pub" -signature "$D/card.sig" "$D/tbs.bin"
run "$PY" "$PEER" token --cert "$D/card-auth.der" --signature "$D/card.sig" --out "$D/peer.json"
assert_rc 0 "the peer wraps the certificate and the signature into a token"
assert_eq "$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["unverifiedCertificate"] == json.load(open(sys.argv[2]))["unverifiedCertificate"])' "$D/ours.json" "$D/peer.json")" \
	True "both tokens carry the card's certificate"
both_ok "the peer's token signed by pkcs11-tool" "$D/peer.json"
card_detach
pcscd_stop

# -- 3. what both refuse, for both tokens
N2=$(head -c 32 /dev/urandom | base64)
for who in ours peer; do
	tok=$D/$who.json
	"$PY" "$(dirname "$0")/tamper_token.py" "$tok"
	both_refuse SIGNATURE "$who: a suffix, portal.example.jp.evil" "$tok" https://portal.example.jp.evil
	both_refuse SIGNATURE "$who: another challenge's nonce" "$tok" "$ORIGIN" "$N2"
	both_refuse SIGNATURE "$who: a changed signature" "${tok%.json}-sig.json"
	both_refuse CHAIN "$who: a tampered certificate" "${tok%.json}-cert.json"
done
tok=$D/ours.json
both_refuse ORIGIN "http instead of https" "$tok" http://portal.example.jp
both_refuse ORIGIN "a trailing slash" "$tok" https://portal.example.jp/
both_refuse ORIGIN "a path" "$tok" https://portal.example.jp/login
both_refuse ORIGIN "an empty label" "$tok" https://portal..example.jp
both_refuse ORIGIN "a trailing dot" "$tok" https://portal.example.jp.
both_refuse ORIGIN "a label ending in a hyphen" "$tok" https://portal-.example.jp
both_refuse ORIGIN "a label of 64 characters" "$tok" "https://$(printf 'a%.0s' $(seq 64)).example.jp"
both_refuse SIGNATURE "a label of 63 characters (an origin, but not the signed one)" "$tok" \
	"https://$(printf 'a%.0s' $(seq 63)).example.jp"
both_refuse TOKEN_SIZE "under 100 characters" "$D/ours-small.json"
both_refuse TOKEN_FORMAT "not JSON" "$D/ours-junk.json"
both_refuse TOKEN_FORMAT "another format" "$D/ours-format.json"
both_refuse TOKEN_FORMAT "an algorithm the card does not use" "$D/ours-alg.json"
both_refuse TOKEN_FORMAT "a missing signature" "$D/ours-missing.json"
both_refuse CHAIN "the signature CA as the only trust anchor" "$tok" "$ORIGIN" "$N" --trust "$(ca_cert sign)"
both_refuse POLICY "a policy the relying party does not accept" "$tok" "$ORIGIN" "$N" \
	--policy 1.2.392.200149.8.5.1.1.20
both_ok "the authentication policy" "$tok" "$ORIGIN" "$N" --policy 1.2.392.200149.8.5.1.3.30
# certificates the CA never issues, minted here with its key for the other holder's key:
# no digitalSignature; an extendedKeyUsage without clientAuth
"$PY" - "$TRUST" "$JPKI_DATA/ca/auth/key.pem" "$D/other.pem" "$D" <<'PY'
import datetime, os, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
ca = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
key = serialization.load_pem_private_key(open(sys.argv[2], "rb").read(), os.environ["JPKI_CA_PASSPHRASE"].encode())
holder = x509.load_pem_x509_certificate(open(sys.argv[3], "rb").read())
def mint(name, ku, eku):
    b = x509.CertificateBuilder().subject_name(holder.subject).issuer_name(ca.subject) \
        .public_key(holder.public_key()).serial_number(x509.random_serial_number()) \
        .not_valid_before(datetime.datetime(2026, 11, 1)).not_valid_after(datetime.datetime(2027, 11, 1))
    b = b.add_extension(x509.KeyUsage(ku, False, not ku, False, False, False, False, False, False), critical=True)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    with open(f"{sys.argv[4]}/{name}.der", "wb") as f:
        f.write(b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
mint("no-ds", False, None)
mint("server-auth", True, [ExtendedKeyUsageOID.SERVER_AUTH])
PY
[ -s "$D/server-auth.der" ] || die "minting the certificates"
run "$PY" "$PEER" signed-data --origin "$ORIGIN" --nonce "$N" --out "$D/tbs-other.bin"
openssl dgst -sha256 -sign "$D/other.key" -out "$D/other.sig" "$D/tbs-other.bin" || die "openssl dgst -sign"
for c in no-ds server-auth; do
	run "$PY" "$PEER" token --cert "$D/$c.der" --signature "$D/other.sig" --out "$D/$c.json"
	assert_rc 0 "a token with the $c certificate"
done
both_refuse KEY_USAGE "a certificate without digitalSignature" "$D/no-ds.json"
both_refuse KEY_USAGE "an extendedKeyUsage without clientAuth" "$D/server-auth.json"
JPKI_NOW=2032-01-01T00:00:00+09:00 both_refuse CERT_VALIDITY "after the certificate's expiry" "$tok"
# the responder answers at its clock (JPKI_NOW); ten minutes later its thisUpdate is too old
JPKI_NOW=2026-11-26T10:10:00+09:00 both_refuse STATUS_FAILED "an OCSP answer 10 minutes old" "$tok"
assert_contains "$OUT" "not fresh" "the peer: because of its thisUpdate"

# a stand-in responder on the responder's port, jpki serve stopped (ocsp_standin.py)
STANDIN=$T_TOP/tests/integration/ocsp_standin.py
fake_ocsp() {
	"$PY" "$STANDIN" "$PORT" "$@" >"$D/fake_ocsp.log" 2>&1 &
	WWW_PID=$! # lib.sh's www_stop and the exit trap end it
	local i
	for i in $(seq 50); do
		curl -s -o /dev/null --max-time 1 "$OCSP_URL" && return 0 # a GET: 501, but an answer
		sleep 0.1
	done
	die "the stand-in responder did not answer: $(tail -n 5 "$D/fake_ocsp.log")"
}
# fake_refuse WANT WHY WHAT MODE ARGS...: with the stand-in answering so, both refuse $tok
# with WANT, the peer for the reason WHY
fake_refuse() {
	local want=$1 why=$2 what=$3
	shift 3
	fake_ocsp "$@"
	both_refuse "$want" "$what" "$tok"
	assert_contains "$OUT" "$why" "the peer: $why"
	www_stop
}
openssl x509 -inform DER -in "$D/card-auth.der" -out "$D/card-auth.pem" 2>/dev/null
OCSP_URL=$(openssl x509 -in "$D/card-auth.pem" -noout -ocsp_uri)
run openssl ocsp -issuer "$TRUST" -cert "$D/card-auth.pem" -url "$OCSP_URL" -no_nonce \
	-respout "$D/replay.der" -noverify
[ -s "$D/replay.der" ] || die "no OCSP answer to replay: $ERR"
server_stop >/dev/null
CERT=$D/card-auth.der CAKEY=$JPKI_DATA/ca/auth/key.pem
fake_refuse STATUS_FAILED "does not carry our nonce" "a replayed OCSP answer without our nonce" \
	replay "$D/replay.der"
fake_refuse STATUS_FAILED "signature does not verify" "a forged OCSP answer in the CA's name" \
	ca-name "$CERT" "$TRUST"
fake_refuse STATUS_FAILED "not issued by the CA" "an OCSP responder the CA did not issue" \
	look-alike "$CERT" "$TRUST"
fake_refuse STATUS_FAILED "lacks id-kp-OCSPSigning" "another holder's certificate as the OCSP responder" \
	given "$CERT" "$TRUST" "$D/other.pem" "$D/other.key"
# the CA's own key: a true answer is accepted (the stand-in is understood), each lie refused
fake_ocsp ca "$CERT" "$TRUST" "$CAKEY" good
both_ok "a true answer signed by the CA itself" "$tok"
www_stop
fake_refuse STATUS_FAILED "CertID is not the certificate's" "an answer about another certificate" \
	ca "$CERT" "$TRUST" "$CAKEY" other "$D/other.pem"
fake_refuse STATUS_UNKNOWN "does not know" "a responder that does not know the certificate" \
	ca "$CERT" "$TRUST" "$CAKEY" unknown
fake_refuse STATUS_FAILED "not fresh" "a thisUpdate 20 minutes ahead" ca "$CERT" "$TRUST" "$CAKEY" future
fake_refuse STATUS_FAILED "past its nextUpdate" "a nextUpdate 20 minutes past" \
	ca "$CERT" "$TRUST" "$CAKEY" expired

server_start
jp cert list --resident "$RID"
auth_serial=$(printf '%s\n' "$OUT" | awk '$2 == "auth" {print $1}')
jp_ok "revoke" cert revoke --reason keyCompromise "$auth_serial"
both_refuse REVOKED "ours: the certificate revoked (keyCompromise)" "$D/ours.json"
both_refuse REVOKED "peer: the certificate revoked (keyCompromise)" "$D/peer.json"
assert_contains "$OUT" "(keyCompromise)" "the peer reads the reason keyCompromise"
server_stop >/dev/null
both_refuse STATUS_FAILED "no responder answers" "$tok"
assert_contains "$OUT" "Connection refused" "the peer: because nobody listens"
finish

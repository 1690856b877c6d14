#!/bin/bash
# t_sign_card: signing as a resident does at home, through the real PC/SC
# stack: the software card behind pcscd and vpcd, `jpki sign --reader` (our
# host side), `jpki sign --pkcs11` with Debian's unmodified opensc-pkcs11.so,
# and OpenSC's pkcs11-tool making the raw signature of the two-step mode.
# `jpki serve` answers the TSA and OCSP in the test's network namespace.
# After `jpki resident move`, the B-T signature is still valid and says when
# and why its certificate was revoked.
# shellcheck source=card_lib.sh
. "$(dirname "$0")/card_lib.sh"

pick_port
make_personalised_card
server_start
pcscd_start
card_attach "$IMG"
D=$T_DIR
printf 'a tax return for 2026, filed from home\n' >"$D/doc"
SCA=$(ca_cert sign)
cms_ok() {
	openssl cms -verify -binary -inform DER -in "$1" -content "$D/doc" -CAfile "$SCA" \
		-purpose any "${AT[@]}" -out /dev/null 2>/dev/null
}

jp sign --reader "Virtual PCD" --in "$D/doc" --out "$D/pcsc.p7s" --level T --pin-file "$(secret ABC123)"
assert_rc 0 "jpki sign over PC/SC at B-T"
assert_cmd "openssl cms -verify accepts it" cms_ok "$D/pcsc.p7s"
jp verify "$D/pcsc.p7s" "$D/doc"
assert_rc 0 "jpki verify: valid"
assert_contains "$OUT" "name: 山田　太郎" "names the signer"

jp sign --pkcs11 "$P11" --in "$D/doc" --out "$D/p11.p7s" --level LT --ca "$SCA" \
	--pin-file "$(secret ABC123)"
assert_rc 0 "jpki sign through opensc-pkcs11.so at B-LT"
assert_cmd "openssl cms -verify accepts it" cms_ok "$D/p11.p7s"
jp verify "$D/p11.p7s" "$D/doc" --offline
assert_rc 0 "jpki verify --offline: valid from what it embeds"
assert_contains "$OUT" "format: CAdES_BASELINE_LT" "at B-LT"
jp sign --pkcs11 "$P11" --in "$D/doc" --out "$D/x.p7s" --pin-file "$(secret WRONG9)"
assert_rc 1 "a wrong password through PKCS#11"
assert_contains "$ERR" "wrong password" "says so"
jp sign --pkcs11 "$D/doc" --in "$D/doc" --out "$D/x.p7s" --pin-file "$(secret ABC123)"
assert_rc 1 "a file that is not a PKCS#11 module"

# two steps: the card signs through OpenSC's pkcs11-tool, raw RSA over our DigestInfo
run timeout 30 pkcs11-tool --module "$P11" --slot-index 1 --login --pin ABC123 \
	--read-object --type cert --id 02 -o "$D/sign.der"
openssl x509 -inform DER -in "$D/sign.der" -out "$D/sign.pem" 2>/dev/null || die "the certificate"
jp sign --data-to-sign --cert "$D/sign.pem" --in "$D/doc" --prepared "$D/p.der" --out "$D/tbs.bin"
assert_rc 0 "sign --data-to-sign"
run timeout 30 pkcs11-tool --module "$P11" --slot-index 1 --login --pin ABC123 --id 02 \
	-s -m RSA-PKCS -i "$D/tbs.bin" -o "$D/sv.bin"
assert_rc 0 "pkcs11-tool -m RSA-PKCS signs the DigestInfo"
jp sign --finalize "$D/p.der" --signature-value "$D/sv.bin" --out "$D/two.p7s" --level T
assert_rc 0 "sign --finalize wraps pkcs11-tool's signature"
jp verify "$D/two.p7s" "$D/doc"
assert_rc 0 "and jpki verify accepts it"

# XML: jpki signs through PC/SC; xmlsec1 --sign signs with the card's key through PKCS#11
cat >"$D/filing.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<申告書 xmlns="urn:example:etax"><氏名>山田 太郎</氏名><所得>5000000</所得></申告書>
XML
jp sign --format xml --in "$D/filing.xml" --out "$D/filing.signed.xml" --pin-file "$(secret ABC123)"
assert_rc 0 "jpki sign --format xml over PC/SC"
run xmlsec1 --verify --trusted-pem "$SCA" --enabled-reference-uris empty "$D/filing.signed.xml"
assert_rc 0 "xmlsec1 --verify accepts our XML signature"
jp verify "$D/filing.signed.xml"
assert_rc 0 "jpki verify accepts it"
assert_contains "$OUT" "format: XMLDSIG" "as an XML signature"
# the DigestInfo signed through OpenSSL's PKCS#11 engine (libp11) over OpenSC: its context-
# specific login for the signature key asks at the terminal (pty_answer.py types it)
jp sign --data-to-sign --format xml --cert "$D/sign.pem" --in "$D/filing.xml" \
	--prepared "$D/template.xml" --out "$D/xtbs.bin"
assert_rc 0 "sign --data-to-sign --format xml"
cat >"$D/engine.cnf" <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
MODULE_PATH = $P11
init = 0
CNF
OPENSSL_CONF=$D/engine.cnf run timeout 60 python3 "$(dirname "$0")/pty_answer.py" \
	"Digital Signature Key:" ABC123 openssl pkeyutl -engine pkcs11 -keyform engine \
	-inkey "pkcs11:token=JPKI%20%28Digital%20Signature%20PIN%29;id=%02;type=private;pin-value=ABC123" \
	-sign -in "$D/xtbs.bin" -out "$D/engine.bin"
assert_rc 0 "openssl pkeyutl signs through the PKCS#11 engine with the card's key"
jp sign --finalize "$D/template.xml" --signature-value "$D/engine.bin" --out "$D/engine.xml"
assert_rc 0 "sign --finalize of the engine's XML signature"
run xmlsec1 --verify --trusted-pem "$SCA" --enabled-reference-uris empty "$D/engine.xml"
assert_rc 0 "xmlsec1 --verify accepts it"
jp verify "$D/engine.xml"
assert_rc 0 "jpki verify accepts it"
assert_contains "$OUT" "name: 山田　太郎" "and names the signer"
# the second step with a raw signature from pkcs11-tool
run timeout 30 pkcs11-tool --module "$P11" --slot-index 1 --login --pin ABC123 --id 02 \
	-s -m RSA-PKCS -i "$D/xtbs.bin" -o "$D/xsv.bin"
jp sign --finalize "$D/template.xml" --signature-value "$D/xsv.bin" --out "$D/two.xml"
assert_rc 0 "sign --finalize of an XML signature"
run xmlsec1 --verify --trusted-pem "$SCA" --enabled-reference-uris empty "$D/two.xml"
assert_rc 0 "xmlsec1 --verify accepts the two-step XML signature"

# the move revokes the signature certificate (rule C5)
server_stop >/dev/null
export JPKI_NOW=2027-02-01T10:00:00+09:00
jp_ok "move" resident move "$RID" --address 東京都新宿区西新宿2-8-1
server_start
jp verify "$D/pcsc.p7s" "$D/doc"
assert_rc 0 "after the move the B-T signature is still valid"
assert_contains "$OUT" "reason affiliationChanged" "with the reason"
assert_contains "$OUT" "on 2027-02-01T01:00:00Z" "and the date"
jp verify "$D/p11.p7s" "$D/doc"
assert_rc 0 "the B-LT one too, asked online"
card_detach
pcscd_stop
finish

#!/bin/bash
# t_crl: `jpki crl` writes each CA's full CRL in DER; openssl checks its
# signature, reads the revoked serials and reasons, and uses it to reject a
# revoked certificate (openssl verify -crl_check).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
SIGN_CA=$(ca_cert sign) AUTH_CA=$(ca_cert auth)
rsa_key k
serial_of() { x509_field "$1" -serial | sed 's/^serial=//'; }
crl_text() { openssl crl -inform DER -in "$1" -noout -text; }

# -- an empty CRL
jp crl --kind sign --out "$T_DIR/empty.crl"
assert_rc 0 "crl of a CA that revoked nothing"
assert_eq "$OUT" "$T_DIR/empty.crl" "crl prints the file it wrote"
run openssl crl -inform DER -in "$T_DIR/empty.crl" -CAfile "$SIGN_CA" -verify -noout
assert_rc 0 "openssl crl -verify of the empty CRL"
assert_contains "$ERR$OUT" "verify OK" "openssl says verify OK"
text=$(crl_text "$T_DIR/empty.crl")
assert_contains "$text" "No Revoked Certificates" "no revoked certificates"
assert_contains "$text" "Version 2" "a v2 CRL"
assert_contains "$text" "Last Update: Nov 26 01:00:00 2026 GMT" "thisUpdate is now"
assert_contains "$text" "Next Update: Nov 27 01:00:00 2026 GMT" "nextUpdate a day later by default"
assert_contains "$text" "X509v3 Authority Key Identifier" "has authorityKeyIdentifier"
assert_match "$text" "^ +1$" "first cRLNumber is 1"
assert_eq "$(name_shape "$SIGN_CA" -subject)" "$(openssl crl -inform DER -in "$T_DIR/empty.crl" -noout -issuer -nameopt multiline,show_type |
	sed -n 's/^ *\([A-Za-z]*\) *= *\([A-Z0-9]*\):.*/\1 = \2/p')" "issuer is the sign CA's name"

# -- revocations of every kind
id=$(add_yamada) || die "add"
other=$(add_resident --family 佐藤 --given 花子 --birth 1970-03-03 --sex F \
	--address 大阪府大阪市北区中之島1-3-20) || die "add"
iss() { jp_ok "issue $1 $2" cert issue --kind "$1" --resident "$2" --pubkey "$T_DIR/k.pub" --out "$3" --replace; }
iss sign "$id" "$T_DIR/s1.pem"
iss auth "$id" "$T_DIR/a1.pem"
iss auth "$id" "$T_DIR/a2.pem" # supersedes a1 (rule X1)
iss sign "$other" "$T_DIR/s3.pem"
iss auth "$other" "$T_DIR/a3.pem"
jp_ok "change address" resident update "$id" --address 東京都立川市錦町1-1 # revokes s1 (rule C5)
assert_contains "$OUT" "revoked sign certificate" "the address change revoked the sign certificate"
jp_ok "move out" resident update "$other" --status moved-out # revokes s3 and a3
iss sign "$id" "$T_DIR/s4.pem"                                # the new one, valid

jp crl --kind sign --out "$T_DIR/sign.crl"
assert_rc 0 "crl --kind sign"
run openssl crl -inform DER -in "$T_DIR/sign.crl" -CAfile "$SIGN_CA" -verify -noout
assert_contains "$ERR$OUT" "verify OK" "sign CRL: openssl crl -verify says verify OK"
run openssl crl -inform DER -in "$T_DIR/sign.crl" -CAfile "$AUTH_CA" -verify -noout
assert_not_contains "$ERR$OUT" "verify OK" "sign CRL does not verify under the auth CA"
text=$(crl_text "$T_DIR/sign.crl")
assert_match "$text" "^ +2$" "second cRLNumber is 2"
entry() { # CRL-TEXT SERIAL: the reason line following the serial
	printf '%s\n' "$1" | grep -A4 "Serial Number: $2\$" | grep -A1 'CRL Reason Code' | tail -n 1 | sed 's/^ *//'
}
assert_eq "$(entry "$text" "$(serial_of "$T_DIR/s1.pem")")" "Affiliation Changed" \
	"address change: listed as affiliationChanged"
assert_eq "$(entry "$text" "$(serial_of "$T_DIR/s3.pem")")" "Cessation Of Operation" \
	"moved out: listed as cessationOfOperation"
assert_not_contains "$text" "$(serial_of "$T_DIR/s4.pem")" "the valid sign certificate is not listed"
assert_not_contains "$text" "$(serial_of "$T_DIR/a1.pem")" "auth serials are not on the sign CRL"
assert_eq "$(printf '%s\n' "$text" | grep -c 'Serial Number:')" 2 "exactly two entries"

jp crl --kind auth --out "$T_DIR/auth.crl" --validity 3600
assert_rc 0 "crl --kind auth --validity 3600"
run openssl crl -inform DER -in "$T_DIR/auth.crl" -CAfile "$AUTH_CA" -verify -noout
assert_contains "$ERR$OUT" "verify OK" "auth CRL: verify OK"
text=$(crl_text "$T_DIR/auth.crl")
assert_contains "$text" "Next Update: Nov 26 02:00:00 2026 GMT" "--validity 3600: nextUpdate an hour later"
assert_eq "$(entry "$text" "$(serial_of "$T_DIR/a1.pem")")" "Superseded" "reissue: listed as superseded"
assert_eq "$(entry "$text" "$(serial_of "$T_DIR/a3.pem")")" "Cessation Of Operation" \
	"moved out: auth listed as cessationOfOperation"
assert_not_contains "$text" "$(serial_of "$T_DIR/a2.pem")" "the valid auth certificate is not listed"

# -- a relying party with the CRL rejects the revoked certificates
openssl crl -inform DER -in "$T_DIR/sign.crl" -out "$T_DIR/sign.crl.pem"
openssl crl -inform DER -in "$T_DIR/auth.crl" -out "$T_DIR/auth.crl.pem"
for c in s1 s3; do
	run openssl verify "${AT[@]}" -crl_check -CAfile "$SIGN_CA" -CRLfile "$T_DIR/sign.crl.pem" "$T_DIR/$c.pem"
	assert_contains "$OUT$ERR" "certificate revoked" "openssl verify -crl_check rejects $c as revoked"
done
assert_cmd "openssl verify -crl_check accepts the valid sign certificate" \
	openssl verify "${AT[@]}" -crl_check -CAfile "$SIGN_CA" -CRLfile "$T_DIR/sign.crl.pem" "$T_DIR/s4.pem"
run openssl verify "${AT[@]}" -crl_check -CAfile "$AUTH_CA" -CRLfile "$T_DIR/auth.crl.pem" "$T_DIR/a1.pem"
assert_contains "$OUT$ERR" "certificate revoked" "the superseded auth certificate is rejected"
assert_cmd "the current auth certificate is accepted" \
	openssl verify "${AT[@]}" -crl_check -CAfile "$AUTH_CA" -CRLfile "$T_DIR/auth.crl.pem" "$T_DIR/a2.pem"

# -- default output path, DER form, bad options
jp crl --kind sign
assert_rc 0 "crl without --out"
assert_eq "$OUT" "$JPKI_DATA/crl/sign.crl" "default path <data>/crl/sign.crl"
run openssl asn1parse -inform DER -in "$JPKI_DATA/crl/sign.crl"
assert_rc 0 "the default CRL file is DER (openssl asn1parse)"
assert_match "$(crl_text "$JPKI_DATA/crl/sign.crl")" "^ +3$" "cRLNumber keeps counting: 3"
jp crl
assert_rc 2 "crl without --kind"
jp crl --kind both
assert_rc 2 "crl --kind both"
jp crl --kind sign --validity 10
assert_rc 2 "crl --validity 10 (below 60)"
jp crl --kind sign --out "$T_DIR/no/such/dir/x.crl"
assert_refused "crl into a missing directory"
finish
